"""Pit stops and the learning system (DESIGN §5; Tool #2 of 000_*.txt).

At each planned or unplanned pit stop the team measures (a survey sample, noise, a reporting
lag: it never sees the model's true state), answers the four checklist questions from those
observed indicators, and then the scenario's adaptation rules fire: add, drop, retarget or
rescale a strategy, or recalibrate the destination. Every answer and decision, with the
observed values used and the rule that fired, goes to the travel log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from scalesim.common.errors import ScenarioError
from scalesim.common.rule_lang import Rule, parse_rule
from scalesim.common.units import month_to_week
from scalesim.common.validation import input_error
from scalesim.metrics import METRICS
from scalesim.metrics.indicators import INDICATOR_NAMES
from scalesim.scenario import AdaptationRule, Destination, StrategySpec

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


# The checklist calls the fuel low when less than this share of the week's capacity is left
# (or any strategy went short since the last stop). Assumption: a tenth is a thin reserve.
FUEL_LOW = 0.1
# The checklist judges a strategy "broken" only once it has run this many weeks (about two
# months: a strategy needs time to show effect) and while it is active and paid by the team.
# Assumption.
JUDGE_AFTER_WEEKS = 8

# How quickly a team acts on what it decides (000_*.txt, Component 3: who decides, how much
# hierarchy). A hierarchical team (decision culture 0) waits this many weeks for sign-off;
# the wait shrinks linearly to none at the default culture (0.5) and above. Assumption.
DECISION_LAG_WEEKS = 8


def decision_lag(decision_culture: float) -> int:
    """Weeks between a pit stop's decision and its taking effect."""
    return round(DECISION_LAG_WEEKS * max(0.0, 1.0 - 2.0 * decision_culture))


# Metrics estimated from a survey sample (shares of educators); the rest come from records.
SAMPLED = tuple(n for n, d in METRICS.items() if d.unit == "share of educators")


_SHARE_UNITS = (
    "share of educators",
    "share of students",
    "share of schools",
    "0–1",
    "share of weekly capacity",
)


def _bounds(name: str, unit: str) -> tuple[float, float]:
    """The range a reading of a metric can take (gaps are differences of shares)."""
    if unit in _SHARE_UNITS:
        return (-1.0, 1.0) if name.endswith("_gap") else (0.0, 1.0)
    if unit in ("schools", "person-days", "ratio"):
        return 0.0, float("inf")
    return float("-inf"), float("inf")


class PitStops:
    """Planned pit stops from the trip ticket, unplanned ones after shocks, and the rules."""

    def __init__(self, m: ScalingModel) -> None:
        sc = m.sc
        self.planned = {max(month_to_week(mo), 1) for mo in sc.trip_ticket.pit_stops}
        self.unplanned: dict[int, str] = {}
        self.rules: list[tuple[AdaptationRule, Rule]] = [
            (r, parse_rule(r.when, INDICATOR_NAMES)) for r in sc.adaptation
        ]
        self.fired_count = [0] * len(self.rules)
        self.rows: list[dict[str, Any]] = []
        self.destination = Destination.model_validate(sc.trip_ticket.destination.model_dump())
        self.start_share = None
        self.last_shortfall_total = 0.0
        # Decisions waiting for sign-off: (week due, rule index, condition).
        self.pending: list[tuple[int, int, str]] = []
        # The indicators the latest stop observed (what a decision taken there is based on).
        self.last_indicators: dict[str, float] = {}

    def call_unplanned(self, m: ScalingModel, reason: str) -> None:
        """Schedule an unplanned pit stop for next week (the team convenes)."""
        wk = m.week + 1
        if wk <= m.n_weeks:
            self.unplanned.setdefault(wk, reason)

    # -------------------------------------------------------------- measurement

    def observe(self, m: ScalingModel) -> dict[str, float]:
        """Observed indicators: lagged, sampled and noisy versions of the true metrics."""
        meas = m.sc.measurement
        rng = m.streams["measurement"]
        row = max(m.week - meas.lag_weeks, 0)
        mv = m.datacollector.model_vars
        obs: dict[str, float] = {}
        for name, d in METRICS.items():
            true = float(mv[name][row])
            val = true
            if meas.sample_size is not None and name in SAMPLED:
                val = rng.binomial(meas.sample_size, min(max(true, 0.0), 1.0)) / meas.sample_size
            if meas.noise_sd > 0:
                scale = float(m.schools.n) if d.unit == "schools" else 1.0
                val = val + rng.normal(0.0, meas.noise_sd) * scale
                # Noise must not produce impossible readings (a share above 1, a negative
                # count); without noise the reading is the (lagged, sampled) truth itself.
                lo, hi = _bounds(name, d.unit)
                val = min(max(val, lo), hi)
            obs[name] = val
        return obs

    def derived(self, m: ScalingModel, obs: dict[str, float], unplanned: bool) -> dict[str, float]:
        """The checklist's derived indicators (trajectory, fuel, leadership)."""
        dest = self.destination
        if self.start_share is None:
            self.start_share = float(m.datacollector.model_vars["destination_share"][0])
        deadline = max(month_to_week(dest.by_month), 1)
        frac = min(m.week / deadline, 1.0)
        expected = self.start_share + (dest.target - self.start_share) * frac
        total_short = sum(r["shortfall"] for r in m.strategy_set.shortfall_rows) + sum(
            m.strategy_set.month_shortfall.values()
        )
        short = total_short - self.last_shortfall_total
        self.last_shortfall_total = total_short
        return {
            "month": m.month,
            "expected_share": expected,
            "trajectory_gap": obs["destination_share"] - expected,
            "on_track": float(obs["destination_share"] >= expected),
            "shortfall_since_last": short,
            "superintendent_changes": float(m.dist.superintendent_changes),
            "unplanned": float(unplanned),
        }

    # -------------------------------------------------------------- the stop

    def week(self, m: ScalingModel) -> bool:
        """Run the pit stop due this week, if any; returns whether one ran."""
        w = m.week
        self.apply_due(m)
        planned = w in self.planned
        reason = self.unplanned.pop(w, None)
        if not planned and reason is None:
            return False
        obs = self.observe(m)
        ind = {**obs, **self.derived(m, obs, unplanned=not planned)}
        self.last_indicators = ind
        checklist = self.checklist(m, ind)
        m.log.record(
            m,
            "pit_stop",
            planned=planned,
            reason=reason or "planned",
            observed={k: round(v, 4) for k, v in ind.items()},
            checklist=checklist,
        )
        decisions = self.adapt(m, ind)
        row = {
            "week": w,
            "month": round(m.month, 3),
            "planned": planned,
            "reason": reason or "planned",
            "decisions": "; ".join(decisions),
        }
        row.update({f"obs_{k}": v for k, v in ind.items()})
        row.update({f"true_{k}": float(m.current[k]) for k in METRICS})
        row.update({f"q{i + 1}": a["answer"] for i, a in enumerate(checklist)})
        self.rows.append(row)
        return True

    def checklist(self, m: ScalingModel, ind: dict[str, float]) -> list[dict[str, Any]]:
        """The four questions of Tool #2, answered from observed indicators."""
        credit = m.credits_since_last_stop()
        judged = [
            s
            for s in m.strategy_set.items
            if s.active
            and not s.carried
            and s.weeks_active >= JUDGE_AFTER_WEEKS
            and s.spent > 0
            and s.type_name in ADOPTION_STRATEGIES
        ]
        weak = sorted(s.label for s in judged if credit.get(s.label, 0) == 0)
        rule = (
            f"judged: adoption strategies active for at least {JUDGE_AFTER_WEEKS} weeks "
            "and paid by the team"
        )
        return [
            {
                "question": "Are we still headed towards our destination?",
                "answer": "yes" if ind["on_track"] else "no",
                "threshold": "yes when the observed share at the destination's depth is at or "
                "above the straight path from the start to the target",
                "evidence": {
                    "destination_share": round(ind["destination_share"], 4),
                    "expected_share": round(ind["expected_share"], 4),
                },
            },
            {
                "question": "Is anything broken? How do we fix it?",
                "answer": ("no credited enactments: " + ", ".join(weak)) if weak else "no",
                "threshold": f"a strategy is broken when it was credited no enactment since "
                f"the last stop ({rule})",
                "evidence": {
                    "credited_enactments": credit,
                    "judged": sorted(s.label for s in judged),
                },
            },
            {
                "question": "Is our fuel running low?",
                "answer": "yes"
                if (ind["capacity_left"] < FUEL_LOW or ind["shortfall_since_last"] > 0)
                else "no",
                "threshold": f"yes when less than {FUEL_LOW:.0%} of the week's capacity is "
                "left or a strategy went short since the last stop",
                "evidence": {
                    "capacity_left": round(ind["capacity_left"], 4),
                    "shortfall_since_last": round(ind["shortfall_since_last"], 4),
                },
            },
            {
                "question": "Who's driving, who is navigating and who's been left behind?",
                "answer": "high-need schools behind"
                if ind["equity_ratio"] < 1.0
                else "high-need schools not behind",
                "threshold": "behind when the observed equity ratio (reach of students "
                "furthest from opportunity over reach of all students) is under 1",
                "evidence": {
                    "equity_ratio": round(ind["equity_ratio"], 4),
                    "high_need_coverage": round(ind["high_need_coverage"], 4),
                    "other_coverage": round(ind["other_coverage"], 4),
                    "schools_left_behind": round(ind["schools_left_behind"], 1),
                },
            },
        ]

    def adapt(self, m: ScalingModel, ind: dict[str, float]) -> list[str]:
        """Fire the adaptation rules whose condition holds on the observed indicators."""
        decisions = []
        for i, (spec, rule) in enumerate(self.rules):
            if self.fired_count[i] >= spec.max_times or not rule.evaluate(ind):
                continue
            decisions.append(self._fire(m, i, ind))
        return decisions

    def _fire(self, m: ScalingModel, i: int, ind: dict[str, float]) -> str:
        """Rule ``i`` fired: act now, or after the sign-off lag; logged either way."""
        spec, rule = self.rules[i]
        self.fired_count[i] += 1
        used = {k: round(ind[k], 4) for k in sorted(rule.names)}
        lag = decision_lag(m.sc.team.decision_culture)
        if lag > 0:
            self.pending.append((m.week + lag, i, spec.when))
            m.log.record(
                m,
                "decision",
                rule=spec.when,
                action="pending",
                applies_week=m.week + lag,
                observed=used,
            )
            return f"{spec.when} → in {lag} weeks"
        done = self.act(m, spec)
        m.log.record(m, "decision", rule=spec.when, action=done, observed=used)
        return f"{spec.when} → {done}"

    def decide(self, m: ScalingModel, spec: AdaptationRule) -> str:
        """Take a decision at the stop that ran this week, as if ``spec`` had fired there.

        The app's play mode sends the class's choices here: the same sign-off lag, the same
        action (:meth:`act`, through the model's mutation API) and the same travel-log event
        as a scenario rule firing at this stop, so a scenario holding each choice as a rule
        that holds at this stop's month reproduces the run (docs/app.md, play mode).

        Raises:
            ValueError: If no pit stop ran this week (decisions are taken at a stop).
        """
        if not self.rows or self.rows[-1]["week"] != m.week:
            raise ValueError(f"no pit stop at week {m.week}: decisions are taken at a pit stop")
        self.rules.append((spec, parse_rule(spec.when, INDICATOR_NAMES)))
        self.fired_count.append(0)
        done = self._fire(m, len(self.rules) - 1, self.last_indicators)
        row = self.rows[-1]
        row["decisions"] = "; ".join(d for d in (row["decisions"], done) if d)
        return done

    def apply_due(self, m: ScalingModel) -> None:
        """Carry out the decisions whose sign-off is due this week."""
        due = [p for p in self.pending if p[0] <= m.week]
        if not due:
            return
        self.pending = [p for p in self.pending if p[0] > m.week]
        for _, i, when in due:
            done = self.act(m, self.rules[i][0])
            m.log.record(m, "decision_applied", rule=when, action=done)

    def recalibrate(self, changes: Mapping[str, Any]) -> Destination:
        """Move the destination from now on; returns the new one.

        Raises:
            ScenarioError: If a key is not a destination field or a value is invalid.
        """
        try:
            dest = Destination.model_validate({**self.destination.model_dump(), **changes})
        except ValidationError as exc:
            raise input_error("recalibrate", exc, Destination, ScenarioError) from None
        self.destination = dest
        return dest

    def act(self, m: ScalingModel, spec: AdaptationRule) -> str:
        """Carry out one action through the model's mutation API; returns a short description."""
        a = spec.then
        if a.add is not None:
            new = StrategySpec.model_validate({**a.add.model_dump(), "start_month": m.month})
            if m.strategy_set.get(new.label) is not None:
                return f"add {new.label}: already in the set"
            m.add_strategy(new)
            return f"add {new.label}"
        if a.drop is not None:
            ok = m.drop_strategy(a.drop, reason=f"pit stop rule: {spec.when}")
            return f"drop {a.drop}" if ok else f"drop {a.drop}: not in the set"
        if a.retarget is not None:
            label = a.retarget["strategy"]
            if m.strategy_set.get(label) is None:
                return f"retarget {label}: not in the set"
            s = m.retarget_strategy(label, a.retarget["select"])
            return f"retarget {s.label} to {s.select.rule}"
        if a.rescale is not None:
            label = a.rescale["strategy"]
            if m.strategy_set.get(label) is None:
                return f"rescale {label}: not in the set"
            m.rescale_strategy(label, a.rescale["factor"])
            return f"rescale {label} ×{a.rescale['factor']}"
        assert a.recalibrate is not None
        m.recalibrate_destination(a.recalibrate)
        return "recalibrate " + ", ".join(f"{k}={v}" for k, v in sorted(a.recalibrate.items()))


# Strategies whose job is to create enactments directly (the checklist flags them when they
# were funded but credited with none since the last stop).
ADOPTION_STRATEGIES = frozenset(
    {"proof_point", "local_champions", "coaching", "pilot", "co_design"}
)

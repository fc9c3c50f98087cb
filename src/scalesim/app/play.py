"""Play mode: the class plays the improvement team, one pit stop at a time.

No Solara here, so the logic is tested without a browser (tests/test_app_play.py).

A :class:`PlaySession` runs the opened scenario without its adaptation rules (the class
takes the team's decisions) and stops after each week with a pit stop. There the class reads
the checklist the pit stop computed from its observed indicators (:func:`checklist_items`)
and chooses actions: add, drop, retarget or rescale a strategy, or recalibrate the
destination. Each choice is an :class:`~scalesim.scenario.Action` of the scenario schema,
taken through ``ScalingModel.decide_at_pit_stop``, which acts through the model's mutation
API exactly as a scenario rule firing at that stop would (the same sign-off lag, the same
travel-log event). So the class's journey *is* a scenario: the opened one with
one rule per choice, whose condition holds only at that stop's month
(:meth:`PlaySession.scenario_yaml`); run with the same seed it reproduces the journey.

At the end :meth:`PlaySession.compare` runs three arms over the same seeds (common random
numbers): the class's choices, the scenario's own rule-based team (the scenario unchanged)
and no strategies at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from scalesim.app.model import AppModel
from scalesim.common.errors import ScalesimInputError
from scalesim.common.units import WEEKS_PER_MONTH
from scalesim.journey.strategies import STRATEGIES
from scalesim.metrics import METRICS
from scalesim.metrics.units import format_metric, format_value
from scalesim.scenario import Action, AdaptationRule, Scenario, load_scenario
from scalesim.scenario.loading import scenario_from_dict
from scalesim.scenario.names import SELECTION_NAMES, plain_label, plain_text
from scalesim.simulation.model import ScalingModel

if TYPE_CHECKING:
    from collections.abc import Sequence

# The headline metrics of the monitors and of the end comparison.
HEADLINE = ("share_enacting", "share_deep", "high_need_coverage", "district_ownership")
# Seeds of the end comparison: the class's own seed and the next ones (the same for the
# three arms: common random numbers).
COMPARE_SEEDS = 5
ARMS = (
    ("class", "Your class's journey"),
    ("rules", "The scenario's rule-based team"),
    ("none", "No strategies"),
)
ACTIONS = (
    ("add", "Add a strategy"),
    ("drop", "Drop a strategy"),
    ("retarget", "Retarget a strategy"),
    ("rescale", "Rescale a strategy"),
    ("recalibrate", "Recalibrate the destination"),
)
# What a recalibration may move, with how the app shows it.
DESTINATION_FIELDS = (
    ("target", "Target (share of educators at depth)"),
    ("equity_target", "Equity target (share in high-need schools)"),
    ("by_month", "Deadline (month)"),
)
# A class choice's rule: "month >= A and month <= B" around the stop's month.
CLASS_RULE = re.compile(r"^month >= [0-9.]+ and month <= [0-9.]+$")


def strategy_name(label: str) -> str:
    """A strategy's (or shock's, or credit channel's) name for the class.

    The shared plain names (:func:`scalesim.scenario.names.plain_label`): a label that is a
    type reads as the type's plain name, a user's own label as written.
    """
    return plain_label(label)


def rule_name(rule: str) -> str:
    """A selection rule in words ("highest need first")."""
    return SELECTION_NAMES.get(rule, rule.replace("_", " "))


def _words(key: str) -> str:
    return key.replace("_", " ")


# --------------------------------------------------------------------------- what is shown


def monitors(model: ScalingModel) -> list[tuple[str, str]]:
    """``(label, value)`` of each headline metric now, in the units of CLI and report."""
    return [(METRICS[n].label, format_metric(n, model.current[n])) for n in HEADLINE]


@dataclass(frozen=True)
class ChecklistItem:
    """One question of the pit-stop checklist, in words."""

    question: str
    answer: str
    threshold: str
    evidence: list[str]


def _evidence(key: str, value: Any) -> str:
    if key in METRICS:
        return f"{METRICS[key].label} (observed): {format_metric(key, value)}"
    if key == "expected_share":
        return f"Expected by now on a straight path to the target: {format_value(value, 'share')}"
    if key == "shortfall_since_last":
        return (
            f"Capacity short since the last stop: {format_value(value, 'person-days')} person-days"
        )
    if key == "credited_enactments":
        if not value:
            return "Enactments credited since the last stop: none"
        parts = ", ".join(f"{strategy_name(k)} {v:,}" for k, v in value.items())
        return f"Enactments credited since the last stop: {parts}"
    if key == "judged":
        names = ", ".join(strategy_name(x) for x in value) or "none yet"
        return f"Strategies judged: {names}"
    return f"{_words(key).capitalize()}: {_value(value)}"


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, dict):
        return ", ".join(f"{_words(str(k))} {_value(x)}" for k, x in v.items()) or "none"
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v) or "none"
    return _words(str(v))


def checklist_items(model: ScalingModel) -> list[ChecklistItem]:
    """The latest pit stop's checklist (computed from observed indicators), in words."""
    stops = model.log.of_kind("pit_stop")
    if not stops:
        return []
    return [
        ChecklistItem(
            question=item["question"],
            answer=item["answer"],
            threshold=item["threshold"],
            evidence=[_evidence(k, v) for k, v in item["evidence"].items()],
        )
        for item in stops[-1]["checklist"]
    ]


def describe_action(action: dict[str, Any]) -> str:
    """A choice (an ``Action`` of the scenario schema, as a dict) in words."""
    if action.get("add") is not None:
        spec = action["add"]
        label = spec.get("name") or spec["type"]
        rule = (spec.get("select") or {}).get("rule")
        return f"add {strategy_name(label)}" + (
            f", schools chosen by {rule_name(rule)}" if rule else ""
        )
    if action.get("drop") is not None:
        return f"drop {strategy_name(action['drop'])}"
    if action.get("retarget") is not None:
        r = action["retarget"]
        return (
            f"retarget {strategy_name(r['strategy'])}: schools chosen by "
            f"{rule_name(r['select']['rule'])}"
        )
    if action.get("rescale") is not None:
        r = action["rescale"]
        return f"rescale {strategy_name(r['strategy'])} to ×{float(r['factor']):g} its intensity"
    changes = action["recalibrate"]
    parts = []
    for key, label in DESTINATION_FIELDS:
        if key in changes:
            unit = "month" if key == "by_month" else "share"
            parts.append(f"{label.split(' (')[0].lower()} {format_value(changes[key], unit)}")
    return "recalibrate the destination: " + ", ".join(parts)


def describe_event(e: dict[str, Any]) -> str:
    """A travel-log event as a sentence (no raw dicts or ``key=value`` strings)."""
    k = e["kind"]
    name = strategy_name(str(e.get("strategy", "")))
    skip_user = ("week", "month", "kind", "strategy")
    if k == "start":
        return (
            f"Start: scenario {e['scenario']}, seed {e['seed']}, {e['educators']:,} educators "
            f"in {e['schools']} schools"
        )
    if k == "strategy_start":
        if not e.get("educators") and not e.get("schools"):
            return f"{name} starts"
        rule = (e.get("select") or {}).get("rule")
        return f"{name} starts: {e['educators']:,} educators in {e['schools']} schools" + (
            f", chosen by {rule_name(rule)}" if rule else ""
        )
    if k == "strategy_stop":
        reason = str(e.get("reason", ""))
        rule = reason.removeprefix("pit stop rule: ")
        if CLASS_RULE.match(rule):
            reason = "the class dropped it"
        return f"{name} stops ({_words(reason)})"
    if k == "strategy_change":
        rule = (e.get("select") or {}).get("rule")
        verb = {"retarget": "retargeted", "rescale": "rescaled"}.get(e["change"], e["change"])
        return (
            f"{name} {verb}: chosen by {rule_name(str(rule))}, intensity ×{float(e['intensity']):g}"
        )
    if k == "pit_stop":
        kind = "Planned pit stop" if e["planned"] else f"Unplanned pit stop ({_words(e['reason'])})"
        answers = "; ".join(
            f"{short} {item['answer']}"
            for short, item in zip(
                ("on track:", "broken:", "fuel low:", "left behind:"), e["checklist"], strict=False
            )
        )
        return f"{kind}. {answers}"
    if k == "decision":
        who = "The class decided" if CLASS_RULE.match(e["rule"]) else f"Rule '{e['rule']}' fired"
        what = e["action"]
        if what == "pending":
            return f"{who}; it applies at week {e['applies_week']}, after sign-off"
        return f"{who}: {_action_words(what)}"
    if k == "decision_applied":
        return f"Decision applied after sign-off: {_action_words(e['action'])}"
    if k == "shock":
        source = f" ({_words(str(e['source']))})" if e.get("source") else ""
        return f"Shock: {strategy_name(e['type'])}{source}"
    if k == "user_action":
        parts = [f"{_words(key)} {_value(v)}" for key, v in e.items() if key not in skip_user]
        return f"In the app, {name}: " + ", ".join(parts)
    if k == "superintendent_change":
        return f"The superintendent changes ({_words(str(e.get('cause', '')))})"
    if k == "capacity_shortfall":
        return f"{name} ran short of capacity ({e['shortfall']:.1f} person-days)"
    if k == "pilot_decision":
        return f"Pilot decision: {_words(e['decision'])}"
    if k == "convening":
        return f"{name} convenes {e['members']:,} members ({e['new_ties']:,} new ties)"
    if k == "school_year_start":
        return f"School year {e['year']} starts"
    if k == "teacher_turnover":
        return f"Teacher turnover: {e['slots_changed']:,} educators replaced"
    if k == "principal_change":
        return f"New principals in {e['n_schools']} schools"
    skip = ("week", "month", "kind", "strategy")
    details = ", ".join(
        f"{_words(key)} {_value(v)}"
        for key, v in e.items()
        if key not in skip and not isinstance(v, (dict, list))
    )
    head = _words(k).capitalize() + (f" ({name})" if name else "")
    return head + (f": {details}" if details else "")


def _action_words(text: str) -> str:
    """A pit stop's short action description ("recalibrate target=0.6") in words."""
    return _words(plain_text(re.sub(r"(\w+)=", r"\1 ", text)))


# --------------------------------------------------------------------------- the session


@dataclass(frozen=True)
class Choice:
    """One decision of the class: where it was taken and what it does."""

    week: int
    month: float
    action: dict[str, Any]
    text: str


class PlaySession:
    """A run the class drives from pit stop to pit stop.

    Args:
        scenario_file: The scenario to play.
        seed: The run's seed (as typed).
        **factors: App factors (:data:`scalesim.app.model.FACTORS`), e.g. ``n_schools``.

    Attributes:
        model: The running model (an :class:`AppModel` in play mode: no adaptation rules).
        base: The scenario as opened, with its adaptation rules (the rule-based team).
        choices: The class's decisions so far, in order.
    """

    def __init__(self, scenario_file: str, seed: int | str = 1, **factors: Any) -> None:
        self.model = AppModel(scenario_file=scenario_file, seed=seed, play=True, **factors)
        self.base: Scenario = load_scenario(self.model.scenario_file, self.model.factor_overrides)
        self.choices: list[Choice] = []

    # ------------------------------------------------------------------ driving

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.model.week >= self.model.n_weeks

    @property
    def at_stop(self) -> bool:
        """Whether the run is paused at a pit stop (one ran this week, the run goes on)."""
        rows = self.model.pit_stops.rows
        return bool(rows) and rows[-1]["week"] == self.model.week and not self.finished

    def drive(self) -> int:
        """Run on to the next pit stop (or to the end); returns the weeks run."""
        m = self.model
        weeks = 0
        with m.lock:
            n_stops = len(m.pit_stops.rows)
            while not self.finished:
                m.step()
                weeks += 1
                if len(m.pit_stops.rows) > n_stops:
                    break
        return weeks

    # ------------------------------------------------------------------ choosing

    def in_set(self) -> list[str]:
        """Labels of the strategies in the set now (started or waiting to start)."""
        return [s.label for s in self.model.strategy_set.items]

    def addable(self) -> list[str]:
        """Strategy types the class can add (not in the set under their own name)."""
        have = set(self.in_set())
        return [t for t in sorted(STRATEGIES) if t not in have]

    def targets(self, label: str) -> bool:
        """Whether a strategy (a label in the set, or a type) picks schools or educators."""
        live = self.model.strategy_set.get(label)
        cls = STRATEGIES[live.type_name if live is not None else label]
        return cls.targets != "none"

    def current_select(self, label: str) -> dict[str, Any]:
        """The selection of a strategy in the set (to retarget it with another rule)."""
        live = self.model.strategy_set.get(label)
        assert live is not None and live.select is not None
        return live.select.model_dump(exclude_none=True)

    def _check(self, action: Action) -> None:
        have = set(self.in_set())
        if action.add is not None and action.add.label in have:
            raise ValueError(f"{strategy_name(action.add.label)} is already in the set")
        for key in ("retarget", "rescale"):
            part = getattr(action, key)
            if part is not None and part["strategy"] not in have:
                raise ValueError(f"{strategy_name(part['strategy'])} is not in the set")
        if action.drop is not None and action.drop not in have:
            raise ValueError(f"{strategy_name(action.drop)} is not in the set")

    def choose(self, action: dict[str, Any]) -> str:
        """Take the class's choice at this pit stop; returns it in words.

        ``action`` is one ``then`` of the scenario schema (``{"drop": "coaching"}``, ...). It
        goes through ``ScalingModel.decide_at_pit_stop``, the same path as a scenario rule, and so
        through the model's mutation API and into the travel log.

        Raises:
            ValueError: Not at a pit stop, or the choice does not fit the strategy set.
            ScalesimInputError: The choice is not a valid action (the schema's message).
        """
        if not self.at_stop:
            raise ValueError("choices are taken at a pit stop: drive on to the next one")
        try:
            valid = Action.model_validate(action)
        except Exception as exc:  # pydantic's ValidationError, said in one sentence
            raise ScalesimInputError("play mode", "action", str(exc).splitlines()[-1]) from None
        self._check(valid)
        m = self.model
        rule = AdaptationRule(when=self._when_at(m.week), then=valid)
        with m.lock:
            m.decide_at_pit_stop(rule)
        dumped = valid.model_dump(exclude_none=True)
        text = describe_action(dumped)
        self.choices.append(Choice(m.week, round(m.month, 3), dumped, text))
        return text

    # ------------------------------------------------------------------ the journey as a scenario

    def scenario_dict(self) -> dict[str, Any]:
        """The opened scenario with one adaptation rule per class choice (nothing else)."""
        d = self.base.to_dict()
        d["name"] = f"{self.base.name}_class_journey"
        d["description"] = (
            f"The choices a class made in the app's play mode on scenario {self.base.name} "
            f"(seed {self.model.seed}): each is a rule that holds at the pit stop where it was "
            "chosen. Run with that seed to replay the class's journey."
        )
        d["adaptation"] = [
            {"when": self._when_at(c.week), "then": c.action, "max_times": 1} for c in self.choices
        ]
        return d

    @staticmethod
    def _when_at(week: int) -> str:
        return (
            f"month >= {(week - 0.5) / WEEKS_PER_MONTH:.4f} and "
            f"month <= {(week + 0.5) / WEEKS_PER_MONTH:.4f}"
        )

    def scenario_yaml(self) -> str:
        """:meth:`scenario_dict` as a scenario file (``scalesim validate`` accepts it)."""
        head = "".join(
            f"# {c.text} (pit stop at month {format_value(c.month, 'month')})\n"
            for c in self.choices
        )
        head = "# The class's journey, saved by scalesim's app in play mode.\n" + head
        return head + yaml.safe_dump(self.scenario_dict(), sort_keys=False, allow_unicode=True)

    def journey_scenario(self) -> Scenario:
        """The saved journey as a validated scenario."""
        return scenario_from_dict(self.scenario_dict(), "<play mode>")

    # ------------------------------------------------------------------ the end comparison

    def arm_scenarios(self) -> dict[str, Scenario]:
        """The three arms: the class's choices, the rule-based team, no strategies."""
        none = self.base.to_dict()
        none["strategies"] = []
        none["adaptation"] = []
        return {
            "class": self.journey_scenario(),
            "rules": self.base,
            "none": scenario_from_dict(none, "<no strategies>"),
        }

    def compare_seeds(self, n: int = COMPARE_SEEDS) -> list[int]:
        """The seeds of the comparison: the class's own, then the next ones."""
        return [self.model.seed + i for i in range(n)]

    def compare(self, seeds: Sequence[int] | None = None) -> dict[str, dict[str, list[float]]]:
        """Each arm's headline metrics at the horizon, per seed (the same seeds for all)."""
        seeds = list(seeds) if seeds is not None else self.compare_seeds()
        out: dict[str, dict[str, list[float]]] = {}
        for arm, sc in self.arm_scenarios().items():
            finals = [ScalingModel(sc, seed=s).run().current for s in seeds]
            out[arm] = {n: [float(f[n]) for f in finals] for n in HEADLINE}
        return out


def comparison_rows(result: dict[str, dict[str, list[float]]]) -> list[list[str]]:
    """The comparison as table rows: the arm, then each metric's mean and range."""
    rows = []
    for arm, label in ARMS:
        cells = [label]
        for n in HEADLINE:
            vals = result[arm][n]
            mean = sum(vals) / len(vals)
            cells.append(
                f"{format_metric(n, mean)} ({format_metric(n, min(vals))}–"
                f"{format_metric(n, max(vals))})"
            )
        rows.append(cells)
    return rows

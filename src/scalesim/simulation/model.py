"""`ScalingModel`: the Mesa model of an innovation scaling through a district.

One step is one week. The step order is written down once, in :data:`PHASES`:

1. ``calendar``      — advance the week; open a new month's capacity; summer or in session.
2. ``shocks``        — shocks due this week fire (and may call an unplanned pit stop).
3. ``strategies``    — active strategies act: exposure, support, ties, ownership, policy;
                       they spend capacity, scaled down in a documented order when short.
4. ``exposure``      — unaware educators become aware.
5. ``adoption``      — aware educators start enacting (Bass hazard or threshold rule).
6. ``depth``         — depth moves toward what support allows.
7. ``ownership``     — ownership grows with depth and co-design; a tight mandate erodes it.
8. ``routines``      — school routines and improvement routines grow or fade (scaling in).
9. ``abandonment``   — some enacting educators stop.
10. ``turnover``     — teachers (mostly at the year boundary), principals, superintendent.
11. ``record``       — the week's metrics go to the DataCollector.
12. ``pit_stops``    — planned or unplanned pit stops due this week run.

Classroom phases (adoption, depth, ownership, routines, abandonment) pause in summer.

Each step builds one :class:`~scalesim.core.week.Week` (the draws, the share of enacting
neighbours, the support, who enacts) and hands it to every phase. Rules are pure functions;
every change of state goes through :attr:`ScalingModel.act`
(:class:`~scalesim.core.actions.Actions`). The model's methods ``add_strategy``,
``drop_strategy``, ``retarget_strategy``, ``rescale_strategy``, ``set_strategies``,
``fire_shock`` and ``apply_overrides`` are the only way to change a running model: pit stops,
the app and rehearsals all call them.

Longer than 500 lines because the class is one public surface: the weekly phases and the API
for changing a running model are read together, and the mechanisms themselves live in
``scalesim.core`` and ``scalesim.journey``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import mesa
import numpy as np
from pydantic import ValidationError

from scalesim.common.errors import ScalesimInputError, ScenarioError
from scalesim.common.rng import Streams, stream_key
from scalesim.common.seeds import DEFAULT_SEED, check_seed
from scalesim.common.units import WEEKS_PER_MONTH, WEEKS_PER_YEAR, month_to_week
from scalesim.common.validation import input_error
from scalesim.core import rules, scaling, turnover
from scalesim.core.actions import Actions
from scalesim.core.agents import Educator, ImprovementTeam, School
from scalesim.core.attribution import attribute
from scalesim.core.collector import WeeklyCollector
from scalesim.core.district import (
    apply_roster,
    build_schools,
    draw_educators,
    novice_share_by_slot,
)
from scalesim.core.heterogeneity import build_clock
from scalesim.core.network import build_network
from scalesim.core.state import (
    FROZEN_PATHS,
    MUTABLE_SECTIONS,
    STATE_BY_PATH,
    DistrictState,
    Effects,
    initial_educators,
    override_allowed,
)
from scalesim.core.week import ALL, Week
from scalesim.journey.pitstops import PitStops
from scalesim.journey.shocks import ShockBook
from scalesim.journey.strategies import Strategy, StrategySet
from scalesim.journey.travel_log import TravelLog
from scalesim.metrics import METRIC_NAMES, compute_all, current_value
from scalesim.scenario import Scenario, Select, ShockSpec, StrategySpec
from scalesim.scenario.loading import apply_overrides, scenario_from_dict

if TYPE_CHECKING:
    from scalesim.scenario import AdaptationRule, Destination

PHASES: tuple[str, ...] = (
    "calendar",
    "shocks",
    "strategies",
    "exposure",
    "adoption",
    "depth",
    "ownership",
    "routines",
    "abandonment",
    "turnover",
    "record",
    "pit_stops",
)


class ScalingModel(mesa.Model):
    """An innovation scaling through a district, for equity.

    Args:
        scenario: A validated :class:`~scalesim.scenario.Scenario`.
        seed: The run's seed; every mechanism draws from its own stream derived from it.
        educator_agents: ``"lazy"`` (default) creates educator views on demand;
            ``"eager"`` registers one Mesa agent per educator slot (for the app).

    Attributes:
        ed: Educator columns (:class:`~scalesim.core.state.EducatorState`).
        schools: School columns (:class:`~scalesim.core.district.Schools`).
        dist: District-level conditions (:class:`~scalesim.core.state.DistrictState`).
        network: The social network (sparse or complete).
        act: The one writer of state (:class:`~scalesim.core.actions.Actions`).
        team: The :class:`~scalesim.core.agents.ImprovementTeam` agent.
        log: The travel log.
        week: Weeks completed so far (0 before the first step).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = DEFAULT_SEED,
        educator_agents: Literal["lazy", "eager"] = "lazy",
    ) -> None:
        seed = check_seed(seed)
        super().__init__(rng=np.random.SeedSequence(seed, spawn_key=(stream_key("mesa"),)))
        self.sc = scenario
        self.seed = seed
        self.streams = Streams(seed)
        self.week = 0
        self.n_weeks = scenario.n_weeks
        self.log = TravelLog()
        self.act = Actions(self)
        self._next_person = 0
        self.channel_counts: dict[str, int] = {}
        self.channel_rows: list[dict[str, Any]] = []

        self.schools = build_schools(scenario, self.streams["district"])
        self.novice_prob = novice_share_by_slot(scenario, self.schools)
        factors = draw_educators(
            scenario.educators,
            scenario.adoption.threshold,
            self.novice_prob,
            self.streams["educators"],
        )
        factors = apply_roster(factors, self.schools.roster)
        self.ed = initial_educators(
            scenario, self.schools, factors, self.streams["initial"], self.next_person_ids
        )
        self.people_epoch = 0  # counts calls of people_changed (turnover batches)
        # School-level heterogeneity of adoption (None unless the scenario switches it on).
        self.adoption_clock = (
            build_clock(
                scenario.heterogeneity,
                self.ed.school,
                self.schools.n,
                self.streams["heterogeneity"],
            )
            if scenario.heterogeneity.active
            else None
        )
        self.network = build_network(scenario.network, self.schools, self.streams["network"])
        self.dist = DistrictState.from_scenario(scenario)
        self.effects = Effects(self.ed.n, self.schools.n)
        # Per-slot views of school columns the weekly rules read (schools keep their pressure;
        # principal support changes only through Actions.set_principal_support).
        self.pressure_slot = self.schools.pressure[self.ed.school]
        self.principal_slot = self.schools.principal_support[self.ed.school]
        self.move_mult = turnover.move_multiplier(
            self.schools.high_need[self.ed.school], scenario.turnover.high_need_move_multiplier
        )
        self.people_changed()

        self.school_agents = [School(self, i) for i in range(self.schools.n)]
        self.team = ImprovementTeam(self)
        self._educator_views: dict[int, Educator] = {}
        if educator_agents == "eager":
            for slot in range(self.ed.n):
                self.educator(slot)

        self.support_end_week = self._support_end(scenario)
        self.in_session = True
        self.current: dict[str, float] = {}
        self.snapshot: Any = None  # the last recorded week's per-school aggregates
        self.ever_reached = np.zeros(self.schools.n, dtype=bool)
        self.datacollector = WeeklyCollector(
            model_reporters={
                "week": "week",
                "month": "month",
                "in_session": "in_session",
                **{name: partial(current_value, name=name) for name in METRIC_NAMES},
            }
        )
        self.strategy_set = StrategySet(scenario.strategies)
        self.shock_book = ShockBook(scenario.shocks)
        self.pit_stops = PitStops(self)
        self._credits_at_last_stop: dict[str, int] = {}
        self.log.record(
            self,
            "start",
            scenario=scenario.name,
            seed=seed,
            educators=int(self.ed.n),
            schools=int(self.schools.n),
        )
        self._record()

    # ------------------------------------------------------------------ set-up

    @staticmethod
    def _support_end(sc: Scenario) -> int | None:
        return None if (m := sc.team.support_ends_month) is None else month_to_week(m)

    def next_person_ids(self, k: int) -> np.ndarray:
        """Fresh person ids for ``k`` newcomers."""
        ids = np.arange(self._next_person, self._next_person + k)
        self._next_person += k
        return ids

    def people_changed(self, slots: np.ndarray | None = None) -> None:
        """Refresh what depends on who is in each slot (after set-up or turnover).

        Args:
            slots: The slots whose person changed, or None for all.
        """
        self.people_epoch += 1  # strategies re-check their members only after a change
        f = self.ed.factors
        weights = f.credibility if self.sc.adoption.credibility_weighted else np.ones(self.ed.n)
        if slots is None:
            self.network.set_weights(weights)
            self.propensity = rules.educator_propensity(f)
            self.abandon_log = rules.abandon_static(f)
            self.experience_depth = rules.experience_depth_factor(f.experience)
            return
        self.network.update_weights(slots, weights)
        if self.adoption_clock is not None:
            self.adoption_clock.redraw(slots, self.ed.school, self.streams["heterogeneity"])
        self.propensity[slots] = rules.educator_propensity(f, slots)
        self.abandon_log[slots] = rules.abandon_static(f, slots)
        self.experience_depth[slots] = rules.experience_depth_factor(f.experience, slots)

    # ------------------------------------------------------------------ views

    @property
    def month(self) -> float:
        """Months elapsed (weeks × 12 / 52)."""
        return self.week / WEEKS_PER_MONTH

    def educator(self, slot: int) -> Educator:
        """The (cached) agent view of one educator slot."""
        view = self._educator_views.get(slot)
        if view is None:
            view = Educator(self, slot)
            self._educator_views[slot] = view
        return view

    @property
    def support_active(self) -> bool:
        """Whether the team still provides external support (strategies may act)."""
        return self.support_end_week is None or self.week < self.support_end_week

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """Advance one week: open its context, then run :data:`PHASES` in order."""
        self.week += 1
        self.effects.reset()
        n, s = self.ed.n, self.streams
        # Every mechanism draws for every slot every week, whatever the state, so its draws
        # never depend on what other mechanisms did (common random numbers).
        week = Week(
            index=self.week,
            month=self.month,
            in_session=self.in_session,
            effects=self.effects,
            e_aware=s["exposure"].standard_exponential(n),
            e_adopt=self._adoption_draws(n),
            e_abandon=s["abandonment"].standard_exponential(n),
        )
        for phase in PHASES:
            getattr(self, f"_{phase}")(week)
        if self.week >= self.n_weeks:
            self.strategy_set.flush_month(self, self.team.month)
            self.running = False

    def _adoption_draws(self, n: int) -> np.ndarray:
        e = self.streams["adoption"].standard_exponential(n)
        return e if self.adoption_clock is None else self.adoption_clock.apply(e)

    def _calendar(self, week: Week) -> None:
        w = self.week
        week_of_year = (w - 1) % WEEKS_PER_YEAR
        was = self.in_session
        self.in_session = week_of_year < WEEKS_PER_YEAR - self.sc.calendar.summer_weeks
        week.in_session = self.in_session
        if was and not self.in_session:
            self.log.record(self, "summer_start")
        elif self.in_session and not was:
            self.log.record(self, "school_year_start", year=(w - 1) // WEEKS_PER_YEAR + 1)
        month = int((w - 1) / WEEKS_PER_MONTH)
        if month != self.team.month:
            if self.team.month >= 0:
                self.strategy_set.flush_month(self, self.team.month)
            self.team.start_month(month)
        self.team.start_week()
        if self.support_end_week is not None and w == self.support_end_week:
            scaling.support_ends(self, week)

    def _shocks(self, week: Week) -> None:
        self.shock_book.week(self)

    def _strategies(self, week: Week) -> None:
        self.strategy_set.week(self)

    def _exposure(self, week: Week) -> None:
        week.share = self.network.neighbour_share(self.ed.enacting)
        self.act.make_aware(
            rules.exposure(self.ed.aware, week, self.sc.adoption, self.sc.team.communication)
        )

    def _adoption(self, week: Week) -> None:
        if not week.in_session:
            return
        scaling.school_views(self, week)
        a = self.sc.adoption
        new = rules.adoption(self.ed, week, self.dist, a, self.propensity, self.pressure_slot)
        if new.new.size:
            self.act.start_enacting(new.new, depth_floor=rules.NEW_ADOPTER_DEPTH)
        self.attribute_adoptions(new.hazard_parts, extra_peer=new.by_threshold)
        # Depth, ownership and abandonment act on who enacts after adoption, with one
        # support level shared by depth and abandonment.
        idx = np.flatnonzero(self.ed.enacting)
        week.enacting = ALL if idx.size > self.ed.n // 2 else idx
        week.support = rules.support_level(self.principal_slot, week, self.sc.depth, week.enacting)

    def _depth(self, week: Week) -> None:
        if week.in_session:
            assert week.enacting is not None
            new = rules.deepen(self.ed.depth, week, self.dist, self.sc.depth, week.enacting)
            self.act.set_depth(week.enacting, new)

    def _ownership(self, week: Week) -> None:
        if week.in_session:
            assert week.enacting is not None
            ed = self.ed
            new = rules.own(
                ed.ownership, ed.depth, week, self.dist, self.sc.ownership, week.enacting
            )
            self.act.set_ownership(week.enacting, new)

    def _routines(self, week: Week) -> None:
        if week.in_session and self.snapshot is not None:
            scaling.grow_routines(self)

    def _abandonment(self, week: Week) -> None:
        if week.in_session:
            sc = self.sc
            stop = rules.abandon(
                self.ed,
                week,
                self.dist,
                sc.abandonment,
                sc.adoption.modulate,
                self.abandon_log,
                sc.institutions.institution_weight,
            )
            if stop.size:
                self.act.stop_enacting(stop, depth_kept=rules.DEPTH_KEPT_ON_STOP)

    def _turnover(self, week: Week) -> None:
        turnover.weekly(self, week)

    def _record(self, week: Week | None = None) -> None:
        self.current, snap = compute_all(self)
        self.snapshot = snap
        self.ever_reached |= snap.enact_s > 0
        self.datacollector.collect(self)

    def _pit_stops(self, week: Week) -> None:
        if self.pit_stops.week(self):
            self._credits_at_last_stop = dict(self.channel_counts)

    # ------------------------------------------------------------------ attribution

    def attribute_adoptions(self, parts: dict[str, np.ndarray], extra_peer: int = 0) -> None:
        """Credit this week's new enactments to channels, in proportion to their hazards.

        Args:
            parts: For each channel, its rate for each new adopter (same order).
            extra_peer: Adopters who crossed their threshold (credited to peers).
        """
        k = len(next(iter(parts.values()))) if parts else 0
        u = self.streams["attribution"].random(k) if k else np.zeros(0)
        counts = attribute(parts, u)
        if extra_peer:
            counts["peer"] = counts.get("peer", 0) + extra_peer
        for c, cnt in counts.items():
            self.credit_channel(c, cnt)

    def credit_channel(self, channel: str, count: int) -> None:
        """Credit ``count`` enactments this week directly to ``channel`` (e.g. champions)."""
        if count:
            self.channel_counts[channel] = self.channel_counts.get(channel, 0) + count
            self.channel_rows.append({"week": self.week, "channel": channel, "new_enacting": count})

    def credits_since_last_stop(self) -> dict[str, int]:
        """Enactments credited to each channel since the previous pit stop."""
        last = self._credits_at_last_stop
        return {
            k: v - last.get(k, 0)
            for k, v in sorted(self.channel_counts.items())
            if v - last.get(k, 0) > 0
        }

    # ------------------------------------------------------------------ changing a running model

    def add_strategy(self, spec: StrategySpec | Mapping[str, Any]) -> Strategy:
        """Add a strategy to the set; it starts when its timing says (a past start is now).

        Raises:
            ScenarioError: If the spec is invalid or its label is already in the set.
        """
        spec = self._strategy_spec(spec)
        if self.strategy_set.get(spec.label) is not None:
            raise ScenarioError(
                "strategy", "name", f"a strategy labelled {spec.label!r} is already in the set"
            )
        return self.strategy_set.add(spec)

    def drop_strategy(self, label: str, reason: str) -> bool:
        """Take a strategy out of the set now; returns False if it is not in the set."""
        return self.strategy_set.drop(self, label, reason=reason)

    def retarget_strategy(self, label: str, select: Select | Mapping[str, Any]) -> Strategy:
        """Change whom a strategy picks; it keeps everything it has built up.

        An active strategy releases its current members' roles and picks again now; one not
        yet started picks at its start. Progress (co-design's compatibility gain, the redesign
        of scalable characteristics, champions' time in role) carries on.

        Raises:
            ScenarioError: If no strategy has that label, or the selection is invalid.
        """
        s = self._live(label)
        try:
            sel = select if isinstance(select, Select) else Select.model_validate(dict(select))
        except ValidationError as exc:
            raise input_error("select", exc, Select, ScenarioError) from None
        s.retarget(self, sel)
        self.log.record(self, "strategy_change", change="retarget", **s.describe())
        return s

    def rescale_strategy(self, label: str, factor: float) -> Strategy:
        """Multiply a strategy's intensity by ``factor`` (from now on).

        Raises:
            ScenarioError: If no strategy has that label or the factor is not in [0, 5].
        """
        s = self._live(label)
        if not 0 <= factor <= 5:
            raise ScenarioError("rescale", "factor", f"expected a number in [0, 5], got {factor}")
        s.intensity = float(s.intensity * factor)
        self.log.record(self, "strategy_change", change="rescale", **s.describe())
        return s

    def decide_at_pit_stop(self, rule: AdaptationRule) -> str:
        """Decide at this week's pit stop as if ``rule`` fired there (the app's play mode).

        What the decision credits counts towards this stop, as for a rule firing during it.
        """
        done = self.pit_stops.decide(self, rule)
        self._credits_at_last_stop = dict(self.channel_counts)
        return done

    def recalibrate_destination(self, changes: Mapping[str, Any]) -> Destination:
        """Move the destination from now on (``PitStops.recalibrate`` validates ``changes``)."""
        return self.pit_stops.recalibrate(changes)

    def set_strategies(self, specs: Sequence[StrategySpec | Mapping[str, Any]]) -> None:
        """Replace the strategy set from now on (every current strategy stops now).

        The new ones start when their timing says (a start month in the past means now).
        """
        new = [self._strategy_spec(s) for s in specs]
        for s in list(self.strategy_set.items):
            self.strategy_set.drop(self, s.label, reason="strategy set replaced")
        for spec in new:
            self.strategy_set.add(spec)
        self.log.record(self, "strategy_set_replaced", strategies=[s.label for s in new])

    def fire_shock(
        self,
        shock_type: str,
        params: dict[str, Any] | None = None,
        pit_stop: bool = False,
        duration_months: float | None = None,
    ) -> dict[str, Any]:
        """Fire a shock now (between steps), validated like a scenario's shocks.

        Returns:
            The travel-log event of the shock.

        Raises:
            ScenarioError: If the shock type or its parameters are invalid.
        """
        data = {
            "type": shock_type,
            "at_month": self.month,
            "params": params or {},
            "pit_stop": pit_stop,
            "duration_months": duration_months,
        }
        try:
            spec = ShockSpec.model_validate(data)
        except ValidationError as exc:
            raise input_error("shock", exc, ShockSpec, ScenarioError) from None
        return self.shock_book.fire_now(self, spec)

    def apply_overrides(self, overrides: Mapping[str, Any], source: str = "<overrides>") -> None:
        """Change scenario values from now on (``{"dotted.path": value}``), validated.

        District conditions and innovation factors set the district's current state to the
        new value (through the same table that builds it at month 0); the team's capacity and
        the end of its support take effect from the next week; mechanism parameters apply to
        the weeks that follow. Paths fixed when the model was built are refused.

        Raises:
            ScalesimInputError: Naming the path, if it cannot change now or is invalid.
        """
        for path, value in overrides.items():
            if not override_allowed(path):
                raise ScalesimInputError(
                    source,
                    path,
                    "cannot change in a running model (it is fixed when the district is built); "
                    f"what can change: {', '.join(MUTABLE_SECTIONS)} (except "
                    f"{', '.join(FROZEN_PATHS)})",
                )
            if (
                path == "team.support_ends_month"
                and value is not None
                and month_to_week(float(value)) <= self.week
            ):
                raise ScalesimInputError(
                    source, path, f"month {value} is not after now (month {self.month:.2f})"
                )
        new = scenario_from_dict(apply_overrides(self.sc.to_dict(), dict(overrides)), source)
        for path in overrides:
            field = STATE_BY_PATH.get(path)
            if field is not None:
                self.act.set_condition(field.attr, field.read(new), "override")
            elif path == "team.capacity_per_month":
                self.team.capacity_per_month = new.team.capacity_per_month
            elif path == "team.support_ends_month":
                self.support_end_week = self._support_end(new)
        self.sc = new
        self.log.record(self, "overrides", source=source, changed=sorted(overrides))

    def set_enacting(self, enacting: np.ndarray, source: str = "observed") -> dict[str, int]:
        """Make exactly the slots where ``enacting`` is true enact from now on (an observed state).

        Starters become aware at the new adopters' depth, the others stop (keeping their depth);
        this week's metrics are recomputed and its recorded row replaced.
        """
        target = np.asarray(enacting, dtype=bool).reshape(self.ed.n)
        start = np.flatnonzero(target & ~self.ed.enacting)
        stop = np.flatnonzero(~target & self.ed.enacting)
        self.act.make_aware(start)
        self.act.start_enacting(start, depth_floor=rules.NEW_ADOPTER_DEPTH)
        self.act.stop_enacting(stop)
        self.current, snap = compute_all(self)
        self.ever_reached |= snap.enact_s > 0
        self.datacollector.replace_last(self)
        changed = {"started": int(start.size), "stopped": int(stop.size)}
        self.log.record(self, "observed_state", source=source, **changed)
        return changed

    def _strategy_spec(self, spec: StrategySpec | Mapping[str, Any]) -> StrategySpec:
        if isinstance(spec, StrategySpec):
            return spec
        try:
            return StrategySpec.model_validate(dict(spec))
        except ValidationError as exc:
            raise input_error("strategy", exc, StrategySpec, ScenarioError) from None

    def _live(self, label: str) -> Strategy:
        s = self.strategy_set.get(label)
        if s is None:
            known = ", ".join(x.label for x in self.strategy_set.items) or "(none)"
            raise ScenarioError("strategy", label, f"not in the set; in the set: {known}")
        return s

    # ------------------------------------------------------------------ running

    def run(self) -> ScalingModel:
        """Run to the scenario's horizon."""
        remaining = self.n_weeks - self.week
        if remaining > 0:
            self.run_for(remaining)
        return self

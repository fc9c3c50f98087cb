"""Strategies: small registered classes with one hook, and the set that funds them.

A strategy keeps *when* (start and end month) and *whom* (a selection rule) as data, and
holds only its effect in :meth:`Strategy.apply`, called once per active week with its
effective intensity. Capacity ("fuel") is allocated by :class:`StrategySet`: strategies are
funded in priority order (1 first, then by position in the file); the ones that come last
are scaled down when the month's capacity runs short, and every shortfall is logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel

from scalesim.common.units import DT, WEEKS_PER_MONTH, month_to_week
from scalesim.journey.registry import register_entry
from scalesim.journey.selection import select_educators, select_schools
from scalesim.scenario import Select, StrategySpec
from scalesim.scenario.names import STRATEGY_NAMES
from scalesim.scenario.params import STRATEGY_PARAMS, NoParams

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

STRATEGIES: dict[str, type[Strategy]] = {}

# Strategy effects scale with LEADERSHIP_BASE + leadership support (1 at the default 0.5).
LEADERSHIP_BASE = 0.5
# How well strategies combine (000_*.txt, Component 3: the team's collaborative structures;
# Component 2: without agreed steps a set becomes diffuse and hard to learn from). With k team
# strategies funded in a week, each one's strength is multiplied by
# 1 + COLLAB_GAIN * (2 * collaboration - 1) * min(1, (k - 1) / COLLAB_K): one strategy alone is
# unaffected, five or more run between 0.75 and 1.25 of their strength. Assumptions.
COLLAB_GAIN = 0.25
COLLAB_K = 4
# A carried strategy whose strength falls below this stops (nobody is really running it).
CARRY_MIN = 0.02
# Who can run a strategy once the team's support ends (Institutions.carry_strength).
CARRIERS = ("none", "district", "school", "improvement")


def raise_district_ownership(m: ScalingModel, rate: float, cause: str) -> None:
    """Move district ownership toward 1 at ``rate`` per year (this week's step)."""
    d = m.dist
    m.act.set_condition(
        "district_ownership",
        d.district_ownership + rate * DT * (1.0 - d.district_ownership),
        cause,
    )


def coherence(collaboration: float, k: int) -> float:
    """Multiplier of every strategy's strength when ``k`` team strategies run together."""
    if k <= 1:
        return 1.0
    return 1.0 + COLLAB_GAIN * (2.0 * collaboration - 1.0) * min(1.0, (k - 1) / COLLAB_K)


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available by its ``type_name`` in scenario files.

    Registering the same class again (re-importing a module, re-running a notebook cell)
    replaces it; a *different* class under a name already taken is an error. A strategy
    defined outside scalesim brings its ``Params`` model, which scenario files then validate.
    """
    register_entry(STRATEGIES, STRATEGY_PARAMS, cls, "strategy", STRATEGY_NAMES)
    return cls


class Strategy:
    """Base class of every strategy.

    Subclasses set the class attributes and implement :meth:`apply` (and, when they hold
    state that must be undone, :meth:`on_stop`).

    Attributes:
        type_name: Name used in scenario files.
        title: Plain name users read ("Educate policymakers"); a built-in's is in
            :data:`scalesim.scenario.names.STRATEGY_NAMES`, a strategy from outside sets it.
        targets: ``"schools"``, ``"educators"`` or ``"none"``.
        default_select: Selection used when the scenario gives none.
        default_cost: Capacity needed per month at intensity 1, in person-days.
        default_priority: Funding order when capacity is short (1 first).
        source: Where the strategy comes from (document file name).
        Params: Pydantic model of the strategy's own parameters.
        carrier: Who runs it after the team's support ends: ``"district"`` (at district
            ownership), ``"school"`` (at its schools' routines), ``"improvement"`` (at the
            district's ownership of the improvement process) or ``"none"`` (it stops).
    """

    type_name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    targets: ClassVar[str] = "none"
    default_select: ClassVar[dict[str, Any]] = {}
    default_cost: ClassVar[float] = 5.0
    default_priority: ClassVar[int] = 50
    source: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    carrier: ClassVar[str] = "none"

    def __init__(self, spec: StrategySpec, order: int) -> None:
        self.spec = spec
        self.label = spec.label
        self.order = order
        self.p = self.Params.model_validate(spec.params)
        self.select = spec.select or Select.model_validate(self.default_select)
        self.intensity = spec.intensity
        self.start_week = month_to_week(spec.start_month)
        self.end_week = month_to_week(spec.end_month) if spec.end_month is not None else None
        self.cost_per_month = (
            spec.cost_per_month if spec.cost_per_month is not None else self.default_cost
        )
        self.priority = spec.priority if spec.priority is not None else self.default_priority
        self.active = False
        self.weeks_active = 0
        self.schools = np.array([], dtype=np.int64)
        self.members = np.array([], dtype=np.int64)
        self.member_persons = np.array([], dtype=np.int64)
        self.spent = 0.0
        self.shortfall = 0.0
        self.carried = False  # run by the district or schools after support ended
        self.gate_open_week: int | None = None  # gated: the week its pilot's decision opens
        self.decision: str | None = None  # a pilot's decision: spread, repilot, stop or wait
        self.district_spent = 0.0  # nominal cost of carried weeks (not the team's fuel)

    # -------------------------------------------------------------- lifecycle

    def due(self, week: int) -> bool:
        """Whether the strategy's timing covers ``week`` (a gated one: after its gate opened)."""
        if self.spec.gate is not None:
            if self.gate_open_week is None:
                return False
            start = self.gate_open_week
            end = None if self.end_week is None else start + (self.end_week - self.start_week)
            return week >= start and (end is None or week < end)
        return week >= self.start_week and (self.end_week is None or week < self.end_week)

    def open_gate(self, m: ScalingModel, cost_factor: float) -> None:
        """Its pilot decided as the gate asks: start after the delay, at the spread's cost.

        Args:
            m: The model.
            cost_factor: The effort the spread needs relative to the strategy's own cost
                (resistance met and the pilot's base of support, 004_*.txt).
        """
        assert self.spec.gate is not None
        self.gate_open_week = m.week + month_to_week(self.spec.gate.delay_months)
        self.cost_per_month *= cost_factor
        m.log.record(
            m,
            "gate_open",
            strategy=self.label,
            pilot=self.spec.gate.pilot,
            start_week=self.gate_open_week,
            cost_factor=round(cost_factor, 4),
        )

    def resolve_targets(self, m: ScalingModel) -> None:
        """Pick the strategy's schools and/or people with its selection rule."""
        rng = m.streams[f"select:{self.label}"]
        if self.select.rule == "pilot_members" and self.targets == "educators":
            assert self.spec.gate is not None
            pilot = next(
                s for s in m.strategy_set.all_strategies() if s.label == self.spec.gate.pilot
            )
            self.members = pilot.spread_members(m)
            self.schools = np.unique(m.ed.school[self.members])
            self.member_persons = m.ed.person[self.members].copy()
            return
        if self.targets == "schools":
            self.schools = select_schools(m, self.select, rng)
            self.members = np.flatnonzero(np.isin(m.ed.school, self.schools))
        elif self.targets == "educators":
            self.members = select_educators(m, self.select, rng)
            self.schools = np.unique(m.ed.school[self.members])
            self.member_persons = m.ed.person[self.members].copy()

    def sync_members(self, m: ScalingModel) -> bool:
        """Drop people-targeted members who left their slot (turnover); True if any left.

        A role (champion, pilot or design-team member, PDSA participant) belongs to a person,
        not to the slot: a newcomer in the slot does not inherit it, and a member who moves
        to another school leaves the role behind. Departed members are not replaced; a pit
        stop can retarget the strategy to pick again.
        """
        if self.targets != "educators" or self.members.size == 0:
            return False
        stay = m.ed.person[self.members] == self.member_persons
        if stay.all():
            return False
        self.members = self.members[stay]
        self.member_persons = self.member_persons[stay]
        self.schools = np.unique(m.ed.school[self.members])
        self.on_members_changed(m)
        return True

    def on_members_changed(self, m: ScalingModel) -> None:
        """Called after members left (refresh what was precomputed from the members)."""

    def on_targets(self, m: ScalingModel) -> None:
        """Called when the strategy has (new) targets: at its start and after a retarget.

        Give members their roles, make them aware, precompute what depends on them.
        """

    def on_release(self, m: ScalingModel) -> None:
        """Called before the strategy's members change or it stops: take back their roles."""

    def on_start(self, m: ScalingModel) -> None:
        """Called once, the first week the strategy is active (after :meth:`on_targets`)."""

    def on_stop(self, m: ScalingModel) -> None:
        """Called when the strategy stops (after :meth:`on_release`): what its end brings."""

    def start(self, m: ScalingModel) -> None:
        """Activate: pick targets, give roles, begin."""
        self.active = True
        self.resolve_targets(m)
        self.on_targets(m)
        self.on_start(m)

    def stop(self, m: ScalingModel) -> None:
        """Deactivate: release members' roles, then what the end brings."""
        self.active = False
        self.on_release(m)
        self.on_stop(m)

    def retarget(self, m: ScalingModel, select: Select) -> None:
        """Pick again with ``select``; accumulated progress stays (same object, same state).

        An active strategy releases its members' roles and picks now; an inactive one picks
        when it starts. Nothing its end would bring (a pilot's evidence) happens here.
        """
        self.select = select
        if self.active:
            self.on_release(m)
            self.resolve_targets(m)
            self.on_targets(m)

    def apply(self, m: ScalingModel, e: float) -> None:
        """One week's effect at effective intensity ``e`` (intensity × funded share)."""
        raise NotImplementedError

    def spread_members(self, m: ScalingModel) -> np.ndarray:
        """Members who can carry a spread (pilots only; others have none)."""
        return np.array([], dtype=np.int64)

    def decide(self, m: ScalingModel) -> None:
        """Decide what follows the strategy (pilots only: spread, re-pilot, stop or wait)."""

    def carry_level(self, m: ScalingModel) -> float:
        """How strongly the district or schools run this strategy once support has ended."""
        if self.carrier == "district":
            return m.dist.district_ownership
        if self.carrier == "improvement":
            return m.dist.district_improvement
        if self.carrier == "school":
            sch = m.schools
            if self.schools.size:
                return float(sch.routines[self.schools].mean())
            return float((sch.routines * sch.size).sum() / sch.size.sum())
        return 0.0

    def ramp(self, months: float) -> float:
        """Linear ramp from 0 to 1 over ``months`` of activity (strategies need time)."""
        return min(1.0, self.weeks_active / max(months * WEEKS_PER_MONTH, 1.0))

    def describe(self) -> dict[str, Any]:
        """A JSON-safe description for the travel log."""
        return {
            "strategy": self.label,
            "type": self.type_name,
            "select": self.select.model_dump(exclude_none=True),
            "intensity": self.intensity,
            "schools": int(self.schools.size),
            "educators": int(self.members.size),
        }


class StrategySet:
    """The active strategy set: timing, capacity allocation and the weekly hook calls."""

    def __init__(self, specs: list[StrategySpec]) -> None:
        self.items: list[Strategy] = []
        self._next_order = 0
        for spec in specs:
            self.add(spec)
        self.month_shortfall: dict[str, float] = {}
        self.shortfall_rows: list[dict[str, Any]] = []
        self.retired: list[Strategy] = []

    def add(self, spec: StrategySpec) -> Strategy:
        """Add a strategy (at start or by an adaptation rule)."""
        strat = STRATEGIES[spec.type](spec, self._next_order)
        self._next_order += 1
        self.items.append(strat)
        return strat

    def get(self, label: str) -> Strategy | None:
        """The strategy with this label, if it is in the set."""
        return next((s for s in self.items if s.label == label), None)

    def drop(self, m: ScalingModel, label: str, reason: str) -> bool:
        """Remove a strategy from the set (it stops now)."""
        s = self.get(label)
        if s is None:
            return False
        if s.active:
            s.stop(m)
        self.items.remove(s)
        self.retired.append(s)
        m.log.record(m, "strategy_stop", strategy=label, reason=reason)
        return True

    def week(self, m: ScalingModel) -> None:
        """Start/stop strategies due this week, allocate capacity, and apply each one.

        After the team's support ends, a strategy that the district or its schools can run
        (its :attr:`Strategy.carrier`) goes on, carried, at reduced strength and off the
        team's budget; the others stop.
        """
        w = m.week
        support = m.support_active
        for s in self.items:
            if not s.active and s.decision == "wait":
                s.decide(m)  # a pilot whose spread waits for leaders who back it
            due = s.due(w)
            if due and support and not s.active:
                s.start(m)
                m.log.record(m, "strategy_start", **s.describe())
            elif s.active and due and not support and not s.carried and s.carrier != "none":
                s.carried = True
                m.log.record(m, "strategy_carried", strategy=s.label, carrier=s.carrier)
            elif s.active and (not due or (not support and not s.carried)):
                s.stop(m)
                m.log.record(
                    m,
                    "strategy_stop",
                    strategy=s.label,
                    reason="support ended" if due and not support else "end of timing",
                )
        active = sorted((s for s in self.items if s.active), key=lambda s: (s.priority, s.order))
        # The team's learning (PDSA) and its leaders' backing scale every strategy: at the
        # default leadership support (0.5) the factor is 1; a new superintendent who does not
        # back the work weakens the whole set until policymakers are educated again.
        backing = LEADERSHIP_BASE + m.dist.leadership_support
        learning = (1.0 + m.dist.learning) * backing
        funded_share: list[float] = []
        for s in active:
            s.sync_members(m)
            s.weeks_active += 1
            if s.carried:
                funded_share.append(0.0)
                continue
            demand = s.cost_per_month * s.intensity / WEEKS_PER_MONTH
            granted = m.team.spend(demand, s.label) if demand > 0 else 0.0
            funded = granted / demand if demand > 0 else 1.0
            s.spent += granted
            if granted < demand - 1e-12:
                short = demand - granted
                s.shortfall += short
                self.month_shortfall[s.label] = self.month_shortfall.get(s.label, 0.0) + short
            funded_share.append(funded)
        k = sum(1 for s, f in zip(active, funded_share, strict=True) if f > 0 and not s.carried)
        coh = coherence(m.sc.team.collaboration, k)
        for s, funded in zip(active, funded_share, strict=True):
            if s.carried:
                e = s.intensity * m.sc.institutions.carry_strength * backing * s.carry_level(m)
                if e < CARRY_MIN:
                    self.drop(m, s.label, reason="no longer carried (strength too low)")
                    continue
                s.district_spent += s.cost_per_month * e / WEEKS_PER_MONTH
            else:
                e = s.intensity * funded * learning * coh
            if e > 0:
                s.apply(m, e)

    def flush_month(self, m: ScalingModel, month: int) -> None:
        """Log last month's capacity shortfalls (one event per strategy short of fuel)."""
        for label, short in sorted(self.month_shortfall.items()):
            m.log.record(
                m,
                "capacity_shortfall",
                strategy=label,
                month_index=month,
                shortfall=round(short, 4),
            )
            self.shortfall_rows.append(
                {"month_index": month, "strategy": label, "shortfall": short}
            )
        self.month_shortfall = {}

    def all_strategies(self) -> list[Strategy]:
        """Every strategy that was ever in the set (current and retired)."""
        return [*self.items, *self.retired]

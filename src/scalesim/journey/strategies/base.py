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

from scalesim.common.units import WEEKS_PER_MONTH, month_to_week
from scalesim.journey.registry import register_entry
from scalesim.journey.selection import select_educators, select_schools
from scalesim.scenario import Select, StrategySpec
from scalesim.scenario.params import STRATEGY_PARAMS, NoParams

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

STRATEGIES: dict[str, type[Strategy]] = {}

# Strategy effects scale with LEADERSHIP_BASE + leadership support (1 at the default 0.5).
LEADERSHIP_BASE = 0.5


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available by its ``type_name`` in scenario files.

    Registering the same class again (re-importing a module, re-running a notebook cell)
    replaces it; a *different* class under a name already taken is an error. A strategy
    defined outside scalesim brings its ``Params`` model, which scenario files then validate.
    """
    register_entry(STRATEGIES, STRATEGY_PARAMS, cls, "strategy")
    return cls


class Strategy:
    """Base class of every strategy.

    Subclasses set the class attributes and implement :meth:`apply` (and, when they hold
    state that must be undone, :meth:`on_stop`).

    Attributes:
        type_name: Name used in scenario files.
        targets: ``"schools"``, ``"educators"`` or ``"none"``.
        default_select: Selection used when the scenario gives none.
        default_cost: Capacity needed per month at intensity 1, in person-days.
        default_priority: Funding order when capacity is short (1 first).
        source: Where the strategy comes from (document file name).
        Params: Pydantic model of the strategy's own parameters.
    """

    type_name: ClassVar[str] = ""
    targets: ClassVar[str] = "none"
    default_select: ClassVar[dict[str, Any]] = {}
    default_cost: ClassVar[float] = 5.0
    default_priority: ClassVar[int] = 50
    source: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams

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

    # -------------------------------------------------------------- lifecycle

    def due(self, week: int) -> bool:
        """Whether the strategy's timing covers ``week``."""
        return week >= self.start_week and (self.end_week is None or week < self.end_week)

    def resolve_targets(self, m: ScalingModel) -> None:
        """Pick the strategy's schools and/or people with its selection rule."""
        rng = m.streams[f"select:{self.label}"]
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
        """Start/stop strategies due this week, allocate capacity, and apply each one."""
        w = m.week
        support = m.support_active
        for s in self.items:
            due = support and s.due(w)
            if due and not s.active:
                s.start(m)
                m.log.record(m, "strategy_start", **s.describe())
            elif s.active and not due:
                s.stop(m)
                m.log.record(
                    m,
                    "strategy_stop",
                    strategy=s.label,
                    reason="support ended" if not support else "end of timing",
                )
        active = sorted((s for s in self.items if s.active), key=lambda s: (s.priority, s.order))
        # The team's learning (PDSA) and its leaders' backing scale every strategy: at the
        # default leadership support (0.5) the factor is 1; a new superintendent who does not
        # back the work weakens the whole set until policymakers are educated again.
        learning = (1.0 + m.dist.learning) * (LEADERSHIP_BASE + m.dist.leadership_support)
        for s in active:
            s.sync_members(m)
            demand = s.cost_per_month * s.intensity / WEEKS_PER_MONTH
            granted = m.team.spend(demand, s.label) if demand > 0 else 0.0
            funded = granted / demand if demand > 0 else 1.0
            s.spent += granted
            if granted < demand - 1e-12:
                short = demand - granted
                s.shortfall += short
                self.month_shortfall[s.label] = self.month_shortfall.get(s.label, 0.0) + short
            s.weeks_active += 1
            e = s.intensity * funded * learning
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

"""Mesa agents: thin views over the model's arrays (educators, schools) and the team.

The hot loop never touches these objects. Educator views are created on demand
(``model.educator(slot)``) or all at once (``educator_agents="eager"``, used by the app),
because registering 75,000 Mesa agents costs about 0.5 s, a quarter of the run-time budget
(measured, benchmarks/RESULTS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


class Educator(mesa.Agent):
    """A teaching position (slot) and the educator currently in it.

    Args:
        model: The model.
        slot: Index into the educator arrays.
    """

    def __init__(self, model: ScalingModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)

    @property
    def person(self) -> int:
        """Id of the person now in this slot (changes at turnover)."""
        return int(self.model.ed.person[self.slot])

    @property
    def school(self) -> School:
        """The educator's school agent."""
        return self.model.school_agents[int(self.model.ed.school[self.slot])]

    @property
    def aware(self) -> bool:
        """Aware of the innovation."""
        return bool(self.model.ed.aware[self.slot])

    @property
    def enacting(self) -> bool:
        """Enacting (has adopted) the innovation."""
        return bool(self.model.ed.enacting[self.slot])

    @property
    def depth(self) -> float:
        """Depth of enactment in [0, 1]."""
        return float(self.model.ed.depth[self.slot])

    @property
    def ownership(self) -> float:
        """Ownership in [0, 1]."""
        return float(self.model.ed.ownership[self.slot])

    @property
    def champion(self) -> bool:
        """Serves as a local champion."""
        return bool(self.model.ed.champion[self.slot])

    @property
    def state(self) -> str:
        """One word for colouring: unaware, aware, enacting or deep."""
        if not self.aware:
            return "unaware"
        if not self.enacting:
            return "aware"
        return "deep" if self.depth >= self.model.sc.metrics.depth_bar else "enacting"

    def factor(self, name: str) -> float:
        """One of the educator's influential factors (attitude, cynicism, experience, ...)."""
        return float(getattr(self.model.ed.factors, name)[self.slot])


class School(mesa.Agent):
    """A school: a view of the per-school columns and its educators' slots."""

    def __init__(self, model: ScalingModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def name(self) -> str:
        """The school's name."""
        return str(self.model.schools.name[self.index])

    @property
    def high_need(self) -> bool:
        """Serves mostly students furthest from opportunity."""
        return bool(self.model.schools.high_need[self.index])

    @property
    def need_share(self) -> float:
        """Share of its students furthest from opportunity."""
        return float(self.model.schools.need_share[self.index])

    @property
    def slots(self) -> range:
        """The educator slots of this school."""
        s = self.model.schools
        return range(int(s.start[self.index]), int(s.start[self.index] + s.size[self.index]))

    @property
    def share_enacting(self) -> float:
        """Share of its educators enacting now."""
        sl = self.slots
        return float(self.model.ed.enacting[sl.start : sl.stop].mean())


class ImprovementTeam(mesa.Agent):
    """The improvement team: its capacity (the 'fuel') and what it has spent.

    Capacity is given per month and paced weekly: each week the team may commit at most a
    week's share of the month's capacity (``month / (52/12)``), and never more than what is
    left of the month. Strategies draw on it through :meth:`spend`, so the cumulative spend
    can never exceed the cumulative capacity.
    """

    def __init__(self, model: ScalingModel) -> None:
        super().__init__(model)
        self.capacity_per_month = model.sc.team.capacity_per_month
        self.month = -1
        self.month_capacity = 0.0
        self.month_spent = 0.0
        self.week_allowance = 0.0
        self.week_spent = 0.0
        self.spent_total = 0.0
        self.capacity_total = 0.0
        self.spent_by_strategy: dict[str, float] = {}
        # The first month's budget is open from the start, so week 0 shows a full tank.
        self.start_month(0)
        self.start_week()

    def start_month(self, month: int) -> None:
        """Open a new month's budget (scaled by budget cuts and large events)."""
        self.month = month
        self.month_capacity = self.capacity_per_month * self.model.dist.capacity_factor
        self.month_spent = 0.0
        self.capacity_total += self.month_capacity

    def start_week(self) -> None:
        """Open this week's allowance."""
        from scalesim.common.units import WEEKS_PER_MONTH

        left = max(self.month_capacity - self.month_spent, 0.0)
        self.week_allowance = min(self.month_capacity / WEEKS_PER_MONTH, left)
        self.week_spent = 0.0

    @property
    def available(self) -> float:
        """Capacity not yet committed this week."""
        return max(self.week_allowance - self.week_spent, 0.0)

    @property
    def left_share(self) -> float:
        """Share of this week's allowance left after funding the strategy set (fuel left)."""
        if self.week_allowance <= 0:
            return 0.0 if self.capacity_per_month > 0 else 1.0
        return self.available / self.week_allowance

    def spend(self, amount: float, strategy: str) -> float:
        """Spend up to ``amount`` for ``strategy``; returns what was actually spent."""
        granted = min(max(amount, 0.0), self.available)
        self.week_spent += granted
        self.month_spent += granted
        self.spent_total += granted
        self.spent_by_strategy[strategy] = self.spent_by_strategy.get(strategy, 0.0) + granted
        return granted

"""Direct support moves from the other documents: coaching, pilots and PDSA cycles."""

from __future__ import annotations

from typing import TYPE_CHECKING, override

import numpy as np

from scalesim.common.units import WEEKS_PER_MONTH
from scalesim.journey.strategies.base import Strategy, register
from scalesim.scenario import StrategySpec
from scalesim.scenario.params import CoachingParams, PdsaParams, PilotParams

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


@register
class Coaching(Strategy):
    """Coaches support enacting educators in the selected schools.

    Support per coached educator is ``support × min(1, coaches × caseload / enacting)``: the
    same coaches spread over more adopters give each less (superficial spread, 004_*.txt).
    Cost scales with the number of coaches.
    """

    type_name = "coaching"
    targets = "schools"
    default_select = {"rule": "random"}
    default_cost = 15.0  # per coach per month; see cost_for
    default_priority = 10
    source = "004_*.txt (implementation gets superficial as spread grows); 002_*.txt"
    Params = CoachingParams

    def __init__(self, spec: StrategySpec, order: int) -> None:
        super().__init__(spec, order)
        if spec.cost_per_month is None:
            self.cost_per_month = self.default_cost * self.p.coaches

    @override
    def on_targets(self, m: ScalingModel) -> None:
        self.in_target = np.zeros(m.ed.n, dtype=bool)
        self.in_target[self.members] = True

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        coached = self.in_target & m.ed.enacting
        n_coached = int(np.count_nonzero(coached))
        if n_coached:
            cover = min(1.0, p.coaches * p.caseload * e / n_coached)
            m.effects.support += (p.support * cover) * coached
        m.effects.external_for(self.label)[:] += (p.recruit * e) * self.in_target


@register
class Pilot(Strategy):
    """A pilot team tries the innovation first and produces local evidence.

    Chosen ``balanced`` (influential veterans with early adopters) by default (004_*.txt);
    credible veterans then carry more peer influence (neighbours weigh credibility). When it
    ends, the evidence raises compatibility and observability in proportion to the depth the
    pilot reached.
    """

    type_name = "pilot"
    targets = "educators"
    default_select = {"rule": "balanced", "n_educators": 30}
    default_cost = 8.0
    default_priority = 20
    source = "004_*.txt (pilot → spread → institutionalize; balanced pilot teams)"
    Params = PilotParams

    @override
    def on_targets(self, m: ScalingModel) -> None:
        m.act.make_aware(self.members)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        m.effects.external_for(self.label)[self.members] += self.p.adoption * e
        m.effects.support[self.members] += self.p.support * e * m.ed.enacting[self.members]

    @override
    def on_stop(self, m: ScalingModel) -> None:
        if self.members.size == 0:
            return
        ed = m.ed
        depth = float(np.where(ed.enacting[self.members], ed.depth[self.members], 0.0).mean())
        gain = self.p.evidence_gain * depth
        for name in ("compatibility", "observability"):
            m.act.set_condition(name, min(1.0, getattr(m.dist, name) + gain), self.label)
        m.log.record(
            m,
            "pilot_evidence",
            strategy=self.label,
            mean_depth=round(depth, 4),
            gain=round(gain, 4),
        )


@register
class PdsaCycles(Strategy):
    """Plan-do-study-act cycles: the team's learning loop (002_*.txt).

    Each completed cycle raises the team's learning, which multiplies every strategy's
    effect; participants gain ownership and some support.
    """

    type_name = "pdsa_cycles"
    targets = "educators"
    default_select = {"rule": "random", "share_schools": 0.2, "per_school": 3}
    default_cost = 6.0
    default_priority = 30
    source = "002_*.txt (PDSA cycles); 000_*.txt (learning system)"
    Params = PdsaParams

    @override
    def on_targets(self, m: ScalingModel) -> None:
        # Participants test the practice in their classrooms: they know of it.
        m.act.make_aware(self.members)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        cycle_weeks = max(round(p.cycle_months * WEEKS_PER_MONTH), 1)
        if self.weeks_active % cycle_weeks == 0:
            learning = min(p.max_learning, m.dist.learning + p.learning_per_cycle * e)
            m.act.set_condition("learning", learning, self.label)
        m.effects.ownership[self.members] += p.ownership * e * m.ed.enacting[self.members]
        m.effects.support[self.members] += p.support * e * m.ed.enacting[self.members]

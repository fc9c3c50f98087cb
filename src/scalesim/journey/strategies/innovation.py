"""Develop a scalable innovation (Table 2 of 000_*.txt): co-design, scalable characteristics.

Rates are per year and magnitudes on the 0–1 factor scales; they are modelling assumptions
whose direction follows the cited documents (docs/strategies.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, override

from scalesim.common.units import WEEKS_PER_MONTH
from scalesim.journey.strategies.base import Strategy, raise_district_ownership, register
from scalesim.scenario import StrategySpec
from scalesim.scenario.params import CharacteristicsParams, CoDesignParams

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

# Extra adoption rate of design-team members while they co-design, per year at intensity 1
# (they build the practice: assumption).
DESIGN_MEMBER_ADOPTION = 2.0
# With non-negotiables less is adapted locally, so ownership grows at this share of the rate
# (assumption; 002_*.txt: co-construction within a fixed core).
NON_NEGOTIABLE_OWNERSHIP = 0.5
# Scaling in and out from co-design, per year at full strength (assumptions; 002_*.txt):
# members' schools build routines, the district design team moves some ownership centrally.
CO_DESIGN_ROUTINES = 1.0
CO_DESIGN_DISTRICT_OWNERSHIP = 0.05


@register
class CoDesign(Strategy):
    """Co-design the innovation with the educators who will enact it.

    Raises compatibility and ownership; without non-negotiables it also lowers the depth
    ceiling (002_*.txt: the ownership–depth dilemma). With non-negotiables, ownership grows
    at half the rate (less is adapted locally) but the core keeps its depth.
    """

    type_name = "co_design"
    targets = "educators"
    default_select = {"rule": "volunteer", "share_schools": 0.25, "per_school": 2}
    default_cost = 10.0
    default_priority = 30
    source = "000_*.txt (Table 2); 002_*.txt (co-construction; ownership vs depth)"
    Params = CoDesignParams

    def __init__(self, spec: StrategySpec, order: int) -> None:
        super().__init__(spec, order)
        self.gained = 0.0  # compatibility gained so far (kept when the team is retargeted)

    @override
    def on_targets(self, m: ScalingModel) -> None:
        m.act.make_aware(self.members)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        own_scale = NON_NEGOTIABLE_OWNERSHIP if p.non_negotiables else 1.0
        m.effects.external_for(self.label)[self.members] += DESIGN_MEMBER_ADOPTION * e
        m.effects.ownership[self.members] += p.member_ownership * own_scale * e
        spill = p.spill_ownership * own_scale * e * self.ramp(p.ramp_months)
        m.effects.ownership += spill * m.ed.enacting
        step = p.compatibility_gain * e / (p.ramp_months * WEEKS_PER_MONTH)
        if self.gained < p.compatibility_gain:
            step = min(step, p.compatibility_gain - self.gained)
            m.act.set_condition("compatibility", min(1.0, m.dist.compatibility + step), self.label)
            self.gained += step
        # Design-team members lead implementation in their schools (002_*.txt: school
        # design teams formed in each innovation school); central-office leaders on the
        # district design team take some ownership.
        m.effects.routine_drive[self.schools] += CO_DESIGN_ROUTINES * e
        raise_district_ownership(m, CO_DESIGN_DISTRICT_OWNERSHIP * e, self.label)
        if not p.non_negotiables:
            # The locally adapted version loosens the core while it is in use.
            m.effects.ceiling_delta -= p.ceiling_drop * self.ramp(p.ramp_months)


@register
class ScalableCharacteristics(Strategy):
    """Redesign for trialability, observability and compatibility; cut complexity.

    Rogers' characteristics as named in 000_*.txt (Component 2). The changes persist.
    """

    type_name = "scalable_characteristics"
    default_cost = 8.0
    default_priority = 40
    source = "000_*.txt (Table 2; Rogers' characteristics)"
    Params = CharacteristicsParams

    def __init__(self, spec: StrategySpec, order: int) -> None:
        super().__init__(spec, order)
        self.progress = 0.0  # share of the redesign done (kept across a retarget)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        if self.progress >= 1.0:
            return
        step = min(e / (self.p.ramp_months * WEEKS_PER_MONTH), 1.0 - self.progress)
        self.progress += step
        d, act = m.dist, m.act
        act.set_condition(
            "complexity", max(0.0, d.complexity - self.p.complexity_drop * step), self.label
        )
        for name in ("trialability", "observability", "compatibility"):
            act.set_condition(name, min(1.0, getattr(d, name) + self.p.gain * step), self.label)

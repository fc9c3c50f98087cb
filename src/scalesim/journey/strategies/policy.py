"""Influence state and local policymakers (Table 2 of 000_*.txt).

Policy network, shape local policy (align evaluation/accountability, or a "tight" mandate)
educate policymakers, and engage principals and other departments. Rates are per year on the
0–1 condition scales.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, override

from scalesim.common.units import DT
from scalesim.journey.strategies.base import Strategy, raise_district_ownership, register
from scalesim.scenario.params import (
    EducateParams,
    EngageLeadersParams,
    PolicyNetworkParams,
    ShapePolicyParams,
)

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


@register
class PolicyNetwork(Strategy):
    """Build or join a network of policy actors.

    Slowly raises policy alignment and the odds that an election or policy shift favours
    the innovation (see the ``policy_shift`` shock).
    """

    type_name = "policy_network"
    default_cost = 4.0
    default_priority = 45
    source = "000_*.txt (Table 2; build/join a policy network)"
    Params = PolicyNetworkParams

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        d, act = m.dist, m.act
        pa = d.policy_alignment + self.p.alignment_rate * e * DT * (1.0 - d.policy_alignment)
        act.set_condition("policy_alignment", pa, self.label)
        pn = d.policy_network + self.p.strength_rate * e * DT * (1.0 - d.policy_network)
        act.set_condition("policy_network", pn, self.label)


@register
class ShapeLocalPolicy(Strategy):
    """Shape local policy: align evaluation/accountability, or mandate the practice.

    ``align`` removes the accountability penalty that keeps high-pressure schools from
    innovating (003_*.txt) and embeds the work in policy. ``tight`` requires the practice
    while the strategy runs: enactment rises, ownership falls (004_*.txt).
    """

    type_name = "shape_local_policy"
    default_cost = 6.0
    default_priority = 35
    source = (
        "000_*.txt (Table 2); 003_*.txt (aligning measurement and accountability); "
        "004_*.txt ('tight' mandates)"
    )
    Params = ShapePolicyParams
    carrier = "district"

    @override
    def on_start(self, m: ScalingModel) -> None:
        if self.p.mode == "tight":
            self.was_tight = m.dist.mandate_tight
            m.act.set_condition("mandate_tight", True, self.label)

    @override
    def on_stop(self, m: ScalingModel) -> None:
        if self.p.mode == "tight":
            m.act.set_condition("mandate_tight", self.was_tight, self.label)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        d, act = m.dist, m.act
        if self.p.mode == "align":
            pa = d.policy_alignment + self.p.alignment_rate * e * DT * (1.0 - d.policy_alignment)
            act.set_condition("policy_alignment", pa, self.label)
        raise_district_ownership(m, self.p.ownership_rate * e, self.label)


@register
class EducatePolicymakers(Strategy):
    """Educate system leaders and board members about the innovation.

    Raises leadership support and district ownership; a new superintendent resets support
    to what is institutionalized, and must be educated again.
    """

    type_name = "educate_policymakers"
    default_cost = 4.0
    default_priority = 40
    source = "000_*.txt (Table 2; educate policymakers)"
    Params = EducateParams
    carrier = "district"

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        d, act = m.dist, m.act
        ls = d.leadership_support + self.p.support_rate * e * DT * (1.0 - d.leadership_support)
        act.set_condition("leadership_support", ls, self.label)
        raise_district_ownership(m, self.p.ownership_rate * e, self.label)


@register
class EngageLeaders(Strategy):
    """Invest in every level: principals of the chosen schools and other departments.

    Principals who back the work raise their teachers' support for depth and their schools'
    routines (002_*.txt: schools with deep implementation had principals behind them; an
    administrator doing it signals it is worth doing). Other central-office departments take
    the work into their own processes, which moves ownership of the practice and of the
    improvement process to the district (003_*.txt, lesson 4: relationships across
    departments; 000_*.txt: invest in all levels of the system).
    """

    type_name = "engage_leaders"
    targets = "schools"
    default_select = {"rule": "random", "share_schools": 0.5}
    default_cost = 6.0
    default_priority = 35
    source = "003_*.txt (coherence across departments); 002_*.txt (principal backing)"
    Params = EngageLeadersParams
    carrier = "district"

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p, d, act = self.p, m.dist, m.act
        if self.schools.size:
            ps = m.schools.principal_support[self.schools]
            act.set_principal_support(self.schools, ps + p.principal_rate * e * DT * (1.0 - ps))
        raise_district_ownership(m, p.department_ownership * e, self.label)
        di = d.district_improvement
        act.set_condition(
            "district_improvement",
            di + p.improvement_ownership * e * DT * (1.0 - di),
            self.label,
        )

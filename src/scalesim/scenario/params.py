"""The parameters of each strategy and shock, as scenario files spell them.

They are part of the file format (``strategies[i].params``, ``shocks[i].params``), so they live
with the schema: a scenario is validated completely, parameters included, without importing the
simulation. Each strategy or shock class (``scalesim.journey``) names its model here as its
``Params``; :data:`STRATEGY_PARAMS` and :data:`SHOCK_PARAMS` map the names scenario files use
to these models, and the journey's registries are checked against them (tests).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from scalesim.common.validation import Strict


class NoParams(Strict):
    """A strategy or shock without parameters of its own."""


class CoDesignParams(Strict):
    """Parameters of co-design."""

    non_negotiables: bool = Field(
        False, description="Keep the innovation's core fixed (no loss of depth ceiling)."
    )
    member_ownership: float = Field(
        1.5, ge=0, le=20, description="Ownership drive of design-team members, per year."
    )
    spill_ownership: float = Field(
        0.4,
        ge=0,
        le=20,
        description="Ownership drive of every "
        "enacting educator (the practice is theirs), per year.",
    )
    compatibility_gain: float = Field(
        0.25, ge=0, le=1, description="Rise in compatibility after ramp_months at intensity 1."
    )
    ceiling_drop: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Fall of the depth ceiling "
        "without non-negotiables (ownership–depth dilemma, 002).",
    )
    ramp_months: float = Field(6.0, gt=0, le=60, description="Months to full effect.")


class CharacteristicsParams(Strict):
    """Parameters of designing for scalable characteristics."""

    complexity_drop: float = Field(0.2, ge=0, le=1, description="Fall in complexity.")
    gain: float = Field(
        0.15, ge=0, le=1, description="Rise in trialability, observability and compatibility."
    )
    ramp_months: float = Field(9.0, gt=0, le=60, description="Months to full effect.")


class ProofPointParams(Strict):
    """Parameters of proof points."""

    site_adoption: float = Field(
        1.5, ge=0, le=20, description="Extra adoption rate in the demonstration schools, per year."
    )
    site_support: float = Field(
        0.35, ge=0, le=1, description="Depth support in the demonstration schools."
    )
    visit_awareness: float = Field(
        1.0, ge=0, le=20, description="Awareness rate that visits give other schools, per year."
    )
    visit_adoption: float = Field(
        0.2,
        ge=0,
        le=20,
        description="Adoption rate that visits "
        "give other schools' educators, per year, before similarity.",
    )
    similarity_scale: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Need-share distance at which a proof point convinces e⁻¹ as much.",
    )
    visit_support: float = Field(
        0.05, ge=0, le=1, description="Depth support from structured visits for enacting visitors."
    )


class UsersParams(Strict):
    """Parameters of a network of users."""

    ties_per_member: float = Field(
        2.0,
        ge=0,
        le=20,
        description="New cross-school ties per enacting educator at each convening.",
    )
    every_months: float = Field(
        4.0, gt=0, le=24, description="Months between convenings (institutes, showcases)."
    )
    support: float = Field(
        0.25, ge=0, le=1, description="Depth support for members when capacity covers them all."
    )
    reach: int = Field(
        400,
        ge=1,
        description="Members the network can support fully; beyond "
        "it support per member thins (superficial spread, 004_*.txt).",
    )
    retention: float = Field(0.4, ge=0, le=1, description="Cut in members' abandonment.")


class ChampionParams(Strict):
    """Parameters of local champions."""

    influence: float = Field(
        0.6,
        ge=0,
        le=20,
        description="Extra peer influence in a "
        "champion's school at full credibility, as a multiplier minus 1.",
    )
    awareness: float = Field(
        1.0, ge=0, le=52, description="Awareness rate in champions' schools, per year."
    )
    support: float = Field(0.15, ge=0, le=1, description="In-school depth support.")
    ownership: float = Field(1.0, ge=0, le=20, description="Champions' ownership drive.")
    ramp_months: float = Field(
        3.0,
        gt=0,
        le=36,
        description="Months before champions are fully effective (they need time, 000_*.txt).",
    )


class PolicyNetworkParams(Strict):
    """Parameters of a policy network."""

    alignment_rate: float = Field(
        0.1, ge=0, le=10, description="Rise of policy alignment per year toward 1."
    )
    strength_rate: float = Field(
        0.3,
        ge=0,
        le=10,
        description="Rise of network strength per "
        "year (odds a policy shift goes the innovation's way).",
    )


class ShapePolicyParams(Strict):
    """Parameters of shaping local policy."""

    mode: Literal["align", "tight"] = Field(
        "align",
        description="'align' evaluation and "
        "accountability, or make the practice 'tight' "
        "(required).",
    )
    alignment_rate: float = Field(
        0.6, ge=0, le=10, description="Rise of policy alignment per year toward 1 (mode align)."
    )
    ownership_rate: float = Field(
        0.1, ge=0, le=10, description="Rise of district ownership per year (policy embedding)."
    )


class EducateParams(Strict):
    """Parameters of educating policymakers."""

    support_rate: float = Field(
        0.5, ge=0, le=10, description="Rise of leadership support per year toward 1."
    )
    ownership_rate: float = Field(
        0.15, ge=0, le=10, description="Rise of district ownership per year."
    )


class EngageLeadersParams(Strict):
    """Parameters of engaging principals and central-office departments."""

    principal_rate: float = Field(
        0.8,
        ge=0,
        le=10,
        description="Rise per year of the engaged schools' principal support toward 1.",
    )
    department_ownership: float = Field(
        0.3,
        ge=0,
        le=10,
        description="Rise per year of district ownership as other departments take the work "
        "into their own processes.",
    )
    improvement_ownership: float = Field(
        0.2,
        ge=0,
        le=10,
        description="Rise per year of the district's ownership of the improvement process.",
    )


class CoachingParams(Strict):
    """Parameters of coaching."""

    coaches: float = Field(4.0, gt=0, le=1000, description="Coaches (full-time equivalents).")
    caseload: int = Field(25, ge=1, le=500, description="Educators one coach supports fully.")
    support: float = Field(
        0.5, ge=0, le=1, description="Depth support of a fully covered educator."
    )
    recruit: float = Field(
        0.1,
        ge=0,
        le=20,
        description="Adoption rate coaches add for aware educators of coached schools, per year.",
    )


class PilotParams(Strict):
    """Parameters of a pilot."""

    adoption: float = Field(
        4.0, ge=0, le=52, description="Adoption rate of pilot members, per year."
    )
    support: float = Field(0.4, ge=0, le=1, description="Depth support of pilot members.")
    evidence_gain: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Rise in compatibility and "
        "observability when the pilot ends, times the members' mean "
        "depth.",
    )
    evidence_depth: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Depth at which a member's practice counts as implemented well in the "
        "pilot's evidence (what a semester can reach).",
    )
    evidence_noise: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Standard deviation of the error in the evidence the district reads "
        "(halved when practice is fully observable).",
    )
    spread_at: float = Field(
        0.5, ge=0, le=1, description="Observed evidence at or above which the pilot spreads."
    )
    repilot_at: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Observed evidence at or above which (but below spread_at) it re-pilots.",
    )
    max_repilots: int = Field(1, ge=0, le=5, description="Re-pilots allowed before stopping.")
    decision_min_leadership: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Leadership support the spread decision needs; below it the district "
        "waits (re-decides weekly).",
    )


class PdsaParams(Strict):
    """Parameters of PDSA cycles."""

    cycle_months: float = Field(2.0, gt=0, le=24, description="Months per cycle.")
    learning_per_cycle: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Gain in the team's learning per cycle (multiplies strategy effects).",
    )
    max_learning: float = Field(0.3, ge=0, le=2, description="Cap on the team's learning.")
    ownership: float = Field(0.8, ge=0, le=20, description="Ownership drive of participants.")
    support: float = Field(0.1, ge=0, le=1, description="Depth support of participants.")


class PrincipalParams(Strict):
    """Which schools lose their principal."""

    share_schools: float | None = Field(0.3, gt=0, le=1, description="Share of schools (a wave).")
    n_schools: int | None = Field(None, ge=1, description="Number of schools instead.")
    schools: list[str] | None = Field(None, description="Named schools instead.")


class PandemicParams(Strict):
    """A pandemic or other large-scale event."""

    enactment_drop: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Fall in classroom enactment (adoption, depth growth) during the window.",
    )
    stop_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of enacting educators who "
        "stop at onset, before protection by depth and ownership.",
    )
    capacity_drop: float = Field(0.4, ge=0, le=1, description="Fall in team capacity.")
    attention_rise: float = Field(0.3, ge=0, le=1, description="Rise in attention competition.")


class PolicyShiftParams(Strict):
    """An election or policy shift."""

    magnitude: float = Field(0.25, ge=0, le=1, description="Change in policy alignment.")
    base_favourable: float = Field(
        0.3, ge=0, le=1, description="Chance it favours the innovation with no policy network."
    )


class BudgetParams(Strict):
    """A budget cut."""

    cut: float = Field(0.3, ge=0, le=1, description="Share of team capacity lost.")


class CompetingParams(Strict):
    """A competing initiative."""

    attention_rise: float = Field(0.3, ge=0, le=1, description="Rise in attention competition.")


class WaveParams(Strict):
    """A teacher turnover wave."""

    share: float = Field(
        0.15, gt=0, le=1, description="Extra share of teachers who leave or move now."
    )


# Names scenario files use -> their parameter models (built-in strategies and shocks).
STRATEGY_PARAMS: dict[str, type[BaseModel]] = {
    "co_design": CoDesignParams,
    "coaching": CoachingParams,
    "educate_policymakers": EducateParams,
    "engage_leaders": EngageLeadersParams,
    "local_champions": ChampionParams,
    "network_of_users": UsersParams,
    "pdsa_cycles": PdsaParams,
    "pilot": PilotParams,
    "policy_network": PolicyNetworkParams,
    "proof_point": ProofPointParams,
    "scalable_characteristics": CharacteristicsParams,
    "shape_local_policy": ShapePolicyParams,
}
SHOCK_PARAMS: dict[str, type[BaseModel]] = {
    "budget_cut": BudgetParams,
    "competing_initiative": CompetingParams,
    "pandemic": PandemicParams,
    "policy_shift": PolicyShiftParams,
    "principal_turnover": PrincipalParams,
    "superintendent_turnover": NoParams,
    "teacher_turnover_wave": WaveParams,
}

"""The district and the people in it, as scenario sections.

Schools, educators, the network, the innovation, the improvement team and the conditions
around them: the framework's four categories of influential factors (000_*.txt).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from scalesim.scenario.fields import Dist, PositiveInt, Share, Strict, dist_field, doc_field
from scalesim.scenario.observed import ObservedTies, Roster


class SizeDist(Strict):
    """Educators per school: a normal distribution rounded and clipped below."""

    mean: Annotated[float, Field(gt=0)] = doc_field(
        42.0,
        "Mean number of educators per school.",
        "educators",
        "NCES: about 3.2M public-school teachers in about 99,000 schools (~32 per school); "
        "mid-size urban schools are larger",
    )
    sd: Annotated[float, Field(ge=0)] = doc_field(
        12.0, "Standard deviation of school size.", "educators"
    )
    min: PositiveInt = doc_field(4, "Smallest school.", "educators")


class GeneratedDistrict(Strict):
    """A synthetic district generated from a few numbers."""

    n_schools: PositiveInt = doc_field(120, "Number of schools.", "schools")
    educators_per_school: SizeDist = Field(default_factory=SizeDist)
    high_need_share: Share = doc_field(
        0.25,
        "Share of schools that are high-need (serve mostly students furthest from opportunity).",
        "share of schools",
        "NCES 2015-16: about 24% of public-school students attend high-poverty schools",
    )
    n_regions: PositiveInt = doc_field(
        6, "Number of regions (cadres) schools are grouped in.", "regions"
    )
    students_per_educator: Annotated[float, Field(gt=0)] = doc_field(
        15.4, "Enrollment per educator.", "students", "NCES pupil/teacher ratio, about 15.4"
    )
    need_share_high: tuple[Share, Share] = doc_field(
        (0.75, 0.98),
        "Range (uniform) of the share of students furthest from opportunity in high-need schools.",
        "share of students",
        "NCES high-poverty: more than 75% eligible for free or reduced-price lunch",
    )
    need_share_other: tuple[Share, Share] = doc_field(
        (0.05, 0.74), "Range (uniform) of that share in the other schools.", "share of students"
    )


class CsvDistrict(Strict):
    """A district loaded from a CSV of real schools.

    Required columns: ``name, region, enrollment, need_share, n_educators``. Optional:
    ``enacting_share`` (educators already enacting at month 0).
    """

    path: str = doc_field(..., "CSV path, relative to the scenario file.", "path")


class District(Strict):
    """The district: generated, or loaded from a CSV."""

    source: Literal["generated", "csv", "roster"] = doc_field(
        "generated", "Where the schools come from (roster: an educator roster CSV)."
    )
    generated: GeneratedDistrict = Field(default_factory=GeneratedDistrict)
    csv: CsvDistrict | None = None
    roster: Roster | None = None
    high_need_threshold: Share = doc_field(
        0.75,
        "A school is high-need when its share of students furthest from opportunity is at "
        "least this.",
        "share of students",
        "NCES high-poverty school definition (>75% FRPL)",
    )
    performance_need_correlation: Annotated[float, Field(ge=-1, le=1)] = doc_field(
        -0.6,
        "Correlation between a school's performance and its share of students furthest "
        "from opportunity (DESIGN §1: negative by default).",
        "correlation",
        "modelling assumption; the sign follows 003 (lower performing schools serve more "
        "low-income students)",
    )
    pressure_cut: Share | None = doc_field(
        0.45,
        "Accountability pressure concentrated on the lowest performers: a school's pressure is "
        "1 / (1 + exp((performance − cut) / pressure_width)), as accountability systems single "
        "out the lowest-performing schools. null: pressure = 1 − performance (spread evenly). "
        "The default cut makes aligning accountability an equity lever (docs/calibration.md, "
        "T6, T8).",
        "performance percentile",
        "ESSA comprehensive support (lowest-performing 5% of Title I schools) and state rating "
        "bands; 003_*.txt (lower-performing schools under different accountability)",
    )
    pressure_width: Annotated[float, Field(gt=0, le=1)] = doc_field(
        0.08, "Width of the pressure step around pressure_cut.", "performance percentile"
    )
    principal_support: Dist = dist_field(
        0.5,
        0.2,
        "Principals' support for the innovation, drawn per school (weighs in the support "
        "that deepens enactment; drawn afresh when a school changes principal).",
        "modelling assumption",
    )

    @model_validator(mode="after")
    def _csv_needs_path(self) -> District:
        if self.source == "csv" and self.csv is None:
            raise ValueError("source is 'csv' but no 'csv: {path: ...}' section is given")
        if self.source == "roster" and self.roster is None:
            raise ValueError("source is 'roster' but no 'roster: {path: ...}' section is given")
        return self


class Educators(Strict):
    """Educators' influential factors (framework category 2, 000_*.txt)."""

    attitude: Dist = dist_field(0.5, 0.15, "Attitude toward the innovation (raises adoption).")
    emotion: Dist = dist_field(
        0.5, 0.15, "Emotion: comfort with and enjoyment of the practice (raises adoption)."
    )
    openness: Dist = dist_field(
        0.5, 0.18, "Openness to new things (raises adoption and volunteering)."
    )
    persistence: Dist = dist_field(
        0.5, 0.15, "Persistence through difficulty (lowers abandonment)."
    )
    cynicism: Dist = dist_field(
        0.35,
        0.15,
        "Cynicism, 'this too shall pass' (lowers adoption, raises abandonment; 004_*.txt).",
    )
    credibility: Dist = dist_field(
        0.5,
        0.15,
        "Credibility with peers: the weight of an educator's example in colleagues' share "
        "of enacting neighbours.",
    )
    novice_share_high_need: Share = doc_field(
        0.25,
        "Share of novices (1–3 years) among educators of high-need schools.",
        "share",
        "modelling assumption consistent with NCES: novices concentrate in high-poverty schools",
    )
    novice_share_other: Share = doc_field(0.12, "Share of novices in the other schools.", "share")
    veteran_mean_years: Annotated[float, Field(gt=3)] = doc_field(
        15.0, "Mean years of experience of non-novices.", "years", "NCES SASS: mean ~14 years"
    )
    cynicism_per_decade: Annotated[float, Field(ge=-0.5, le=0.5)] = doc_field(
        0.05,
        "Added cynicism per 10 years of experience ('this too shall pass', 004_*.txt).",
        "0–1 per decade",
    )
    credibility_per_decade: Annotated[float, Field(ge=-0.5, le=0.5)] = doc_field(
        0.08, "Added credibility with peers per 10 years of experience.", "0–1 per decade"
    )
    openness_per_decade: Annotated[float, Field(ge=-0.5, le=0.5)] = doc_field(
        -0.03, "Change in openness per 10 years of experience.", "0–1 per decade"
    )


class Network(Strict):
    """The social network among educators."""

    kind: Literal[
        "district", "complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "observed"
    ] = doc_field(
        "district",
        "District structure (dense in school, sparse across, more within region), a "
        "standard family for controlled experiments, or observed (a survey's tie list).",
    )
    ties: ObservedTies | None = None
    within_school_degree: Annotated[float, Field(ge=0)] = doc_field(
        8.0, "Mean ties per educator inside their school.", "ties"
    )
    cross_school_degree: Annotated[float, Field(ge=0)] = doc_field(
        1.5, "Mean ties per educator to other schools.", "ties"
    )
    same_region_share: Share = doc_field(
        0.7, "Share of cross-school ties that stay inside the region.", "share"
    )
    degree_heterogeneity: Annotated[float, Field(ge=0, le=2)] = doc_field(
        0.5, "Log-normal sigma of the per-educator tie propensity (heterogeneous degree).", "sigma"
    )
    er_p: Share = doc_field(0.002, "Erdős–Rényi tie probability.", "probability")
    ws_k: PositiveInt = doc_field(10, "Watts–Strogatz ring degree (even).", "ties")
    ws_p: Share = doc_field(0.1, "Watts–Strogatz rewiring probability.", "probability")
    ba_m: PositiveInt = doc_field(5, "Barabási–Albert ties added per new node.", "ties")

    @model_validator(mode="after")
    def _observed_needs_ties(self) -> Network:
        if self.kind == "observed" and self.ties is None:
            raise ValueError("kind is 'observed' but no 'ties: {path: ...}' section is given")
        return self


class Innovation(Strict):
    """The innovation's factors (framework category 1; Rogers' characteristics)."""

    complexity: Share = doc_field(0.6, "How hard it is to enact (slows adoption and depth).", "0–1")
    compatibility: Share = doc_field(0.4, "Fit with existing practice and values.", "0–1")
    observability: Share = doc_field(0.4, "How visible practice and results are to peers.", "0–1")
    trialability: Share = doc_field(0.4, "How easily it can be tried without consequences.", "0–1")
    depth_ceiling: Share = doc_field(
        0.9, "Highest depth reachable with integrity to the innovation's core.", "0–1"
    )


class Team(Strict):
    """The improvement team (framework category 3)."""

    capacity_per_month: Annotated[float, Field(ge=0)] = doc_field(
        120.0,
        "The team's 'fuel': staff time and money per month, in person-days (money counted "
        "at its staff-time equivalent).",
        "person-days / month",
        "modelling assumption: a district team of about 6 full-time equivalents",
    )
    collaboration: Share = doc_field(0.5, "Collaborative structures and routines.", "0–1")
    communication: Share = doc_field(
        0.5, "Communication mechanisms (raises awareness reach).", "0–1"
    )
    decision_culture: Share = doc_field(
        0.5, "Flexible, shared decision making (speeds adaptation).", "0–1"
    )
    equity_orientation: Share = doc_field(0.5, "How much the team centres equity.", "0–1")
    support_ends_month: Annotated[float, Field(ge=0)] | None = doc_field(
        None,
        "Month when the team's external support stops (strategies end); run on past it "
        "to measure retention. None: support lasts the whole run.",
        "months",
    )


class Conditions(Strict):
    """Community, district and state conditions (framework category 4)."""

    leadership_support: Share = doc_field(0.5, "Superintendent and senior leaders' support.", "0–1")
    attention_competition: Share = doc_field(
        0.4, "Competition for attention from other initiatives.", "0–1"
    )
    community_beliefs: Share = doc_field(
        0.5, "Community beliefs and values favouring the practice.", "0–1"
    )
    policy_alignment: Share = doc_field(
        0.2,
        "Teacher evaluation, accountability and assessment aligned with the innovation.",
        "0–1",
    )
    district_ownership: Share = doc_field(
        0.2,
        "How far the district (not the team) owns the work at the start: central-office "
        "processes and resources (scaling out, 002_*.txt). Carries district-run strategies on "
        "after support ends, builds school routines and protects them at a principal change.",
        "0–1",
    )
    district_improvement: Share = doc_field(
        0.1,
        "How far the district owns the improvement process (runs PDSA cycles as its own "
        "routine, 002_*.txt): spreads improvement routines to schools and keeps the team's "
        "learning after support ends.",
        "0–1",
    )
    mandate: Literal["loose", "tight"] = doc_field(
        "loose", "A 'tight' mandate requires the practice (004_*.txt)."
    )

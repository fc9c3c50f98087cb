"""Scenario files: the schema, loading, validation and hashing.

A scenario is a YAML document validated completely before anything runs. Unknown keys are
errors. Each field carries its meaning, unit and the source of its default in the schema
itself (``Field(description=..., json_schema_extra={"unit": ..., "source": ...})``);
``docs/scenario.md`` is generated from it by ``scripts/gen_scenario_docs.py`` and a test
keeps the two in step.

Times are given in months from the start of the run (fractions allowed); one model step is
one week (52 weeks a year, 12 months a year, so a month is 52/12 weeks).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from scalesim.common.errors import ScenarioError

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12

Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, Field(ge=1)]


def month_to_week(month: float) -> int:
    """Week index (0-based step count) at which a time given in months falls."""
    return round(month * WEEKS_PER_MONTH)


def _f(default: Any, description: str, unit: str = "", source: str = "", **kw: Any) -> Any:
    """A documented field: description, unit and the source of its default."""
    extra = {"unit": unit, "source": source}
    return Field(default, description=description, json_schema_extra=extra, **kw)


def _dist(mean: float, sd: float, description: str, source: str = "") -> Any:
    """A documented :class:`Dist` field with its default mean and standard deviation."""
    return Field(
        default_factory=lambda: Dist(mean=mean, sd=sd),
        description=description,
        json_schema_extra={"unit": "0–1 scale", "source": source},
    )


class Strict(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


class Dist(Strict):
    """A normal distribution clipped to [0, 1], used for educator factors."""

    mean: Share = _f(0.5, "Mean of the factor across educators.", "0–1 scale")
    sd: Annotated[float, Field(ge=0.0, le=1.0)] = _f(
        0.15, "Standard deviation before clipping to [0, 1].", "0–1 scale"
    )


# --------------------------------------------------------------------------- district


class SizeDist(Strict):
    """Educators per school: a normal distribution rounded and clipped below."""

    mean: Annotated[float, Field(gt=0)] = _f(
        42.0,
        "Mean number of educators per school.",
        "educators",
        "NCES: about 3.2M public-school teachers in about 99,000 schools (~32 per school); "
        "mid-size urban schools are larger",
    )
    sd: Annotated[float, Field(ge=0)] = _f(12.0, "Standard deviation of school size.", "educators")
    min: PositiveInt = _f(4, "Smallest school.", "educators")


class GeneratedDistrict(Strict):
    """A synthetic district generated from a few numbers."""

    n_schools: PositiveInt = _f(120, "Number of schools.", "schools")
    educators_per_school: SizeDist = Field(default_factory=SizeDist)
    high_need_share: Share = _f(
        0.25,
        "Share of schools that are high-need (serve mostly students furthest from opportunity).",
        "share of schools",
        "NCES 2015-16: about 24% of public-school students attend high-poverty schools",
    )
    n_regions: PositiveInt = _f(6, "Number of regions (cadres) schools are grouped in.", "regions")
    students_per_educator: Annotated[float, Field(gt=0)] = _f(
        15.4, "Enrollment per educator.", "students", "NCES pupil/teacher ratio, about 15.4"
    )
    need_share_high: tuple[Share, Share] = _f(
        (0.75, 0.98),
        "Range (uniform) of the share of students furthest from opportunity in high-need schools.",
        "share of students",
        "NCES high-poverty: more than 75% eligible for free or reduced-price lunch",
    )
    need_share_other: tuple[Share, Share] = _f(
        (0.05, 0.74), "Range (uniform) of that share in the other schools.", "share of students"
    )


class CsvDistrict(Strict):
    """A district loaded from a CSV of real schools.

    Required columns: ``name, region, enrollment, need_share, n_educators``. Optional:
    ``enacting_share`` (educators already enacting at month 0).
    """

    path: str = _f(..., "CSV path, relative to the scenario file.", "path")


class District(Strict):
    """The district: generated, or loaded from a CSV."""

    source: Literal["generated", "csv"] = _f("generated", "Where the schools come from.")
    generated: GeneratedDistrict = Field(default_factory=GeneratedDistrict)
    csv: CsvDistrict | None = None
    high_need_threshold: Share = _f(
        0.75,
        "A school is high-need when its share of students furthest from opportunity is at "
        "least this.",
        "share of students",
        "NCES high-poverty school definition (>75% FRPL)",
    )
    performance_need_correlation: Annotated[float, Field(ge=-1, le=1)] = _f(
        -0.6,
        "Correlation between a school's performance and its share of students furthest "
        "from opportunity (DESIGN §1: negative by default).",
        "correlation",
        "modelling assumption; the sign follows 003 (lower performing schools serve more "
        "low-income students)",
    )
    principal_support: Dist = _dist(
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
        return self


# --------------------------------------------------------------------------- educators


class Educators(Strict):
    """Educators' influential factors (framework category 2, 000_*.txt)."""

    attitude: Dist = _dist(0.5, 0.15, "Attitude toward the innovation (raises adoption).")
    emotion: Dist = _dist(
        0.5, 0.15, "Emotion: comfort with and enjoyment of the practice (raises adoption)."
    )
    openness: Dist = _dist(0.5, 0.18, "Openness to new things (raises adoption and volunteering).")
    persistence: Dist = _dist(0.5, 0.15, "Persistence through difficulty (lowers abandonment).")
    cynicism: Dist = _dist(
        0.35,
        0.15,
        "Cynicism, 'this too shall pass' (lowers adoption, raises abandonment; 004_*.txt).",
    )
    credibility: Dist = _dist(
        0.5,
        0.15,
        "Credibility with peers: the weight of an educator's example in colleagues' share "
        "of enacting neighbours.",
    )
    novice_share_high_need: Share = _f(
        0.25,
        "Share of novices (1–3 years) among educators of high-need schools.",
        "share",
        "modelling assumption consistent with NCES: novices concentrate in high-poverty schools",
    )
    novice_share_other: Share = _f(0.12, "Share of novices in the other schools.", "share")
    veteran_mean_years: Annotated[float, Field(gt=3)] = _f(
        15.0, "Mean years of experience of non-novices.", "years", "NCES SASS: mean ~14 years"
    )
    cynicism_per_decade: Annotated[float, Field(ge=-0.5, le=0.5)] = _f(
        0.05,
        "Added cynicism per 10 years of experience ('this too shall pass', 004_*.txt).",
        "0–1 per decade",
    )
    credibility_per_decade: Annotated[float, Field(ge=-0.5, le=0.5)] = _f(
        0.08, "Added credibility with peers per 10 years of experience.", "0–1 per decade"
    )
    openness_per_decade: Annotated[float, Field(ge=-0.5, le=0.5)] = _f(
        -0.03, "Change in openness per 10 years of experience.", "0–1 per decade"
    )


# --------------------------------------------------------------------------- network


class Network(Strict):
    """The social network among educators."""

    kind: Literal["district", "complete", "erdos_renyi", "watts_strogatz", "barabasi_albert"] = _f(
        "district",
        "District structure (dense in school, sparse across, more within region) or a "
        "standard family for controlled experiments.",
    )
    within_school_degree: Annotated[float, Field(ge=0)] = _f(
        8.0, "Mean ties per educator inside their school.", "ties"
    )
    cross_school_degree: Annotated[float, Field(ge=0)] = _f(
        1.5, "Mean ties per educator to other schools.", "ties"
    )
    same_region_share: Share = _f(
        0.7, "Share of cross-school ties that stay inside the region.", "share"
    )
    degree_heterogeneity: Annotated[float, Field(ge=0, le=2)] = _f(
        0.5, "Log-normal sigma of the per-educator tie propensity (heterogeneous degree).", "sigma"
    )
    er_p: Share = _f(0.002, "Erdős–Rényi tie probability.", "probability")
    ws_k: PositiveInt = _f(10, "Watts–Strogatz ring degree (even).", "ties")
    ws_p: Share = _f(0.1, "Watts–Strogatz rewiring probability.", "probability")
    ba_m: PositiveInt = _f(5, "Barabási–Albert ties added per new node.", "ties")


# --------------------------------------------------------------------------- innovation, team


class Innovation(Strict):
    """The innovation's factors (framework category 1; Rogers' characteristics)."""

    complexity: Share = _f(0.6, "How hard it is to enact (slows adoption and depth).", "0–1")
    compatibility: Share = _f(0.4, "Fit with existing practice and values.", "0–1")
    observability: Share = _f(0.4, "How visible practice and results are to peers.", "0–1")
    trialability: Share = _f(0.4, "How easily it can be tried without consequences.", "0–1")
    depth_ceiling: Share = _f(
        0.9, "Highest depth reachable with integrity to the innovation's core.", "0–1"
    )


class Team(Strict):
    """The improvement team (framework category 3)."""

    capacity_per_month: Annotated[float, Field(ge=0)] = _f(
        120.0,
        "The team's 'fuel': staff time and money per month, in person-days (money counted "
        "at its staff-time equivalent).",
        "person-days / month",
        "modelling assumption: a district team of about 6 full-time equivalents",
    )
    collaboration: Share = _f(0.5, "Collaborative structures and routines.", "0–1")
    communication: Share = _f(0.5, "Communication mechanisms (raises awareness reach).", "0–1")
    decision_culture: Share = _f(
        0.5, "Flexible, shared decision making (speeds adaptation).", "0–1"
    )
    equity_orientation: Share = _f(0.5, "How much the team centres equity.", "0–1")
    support_ends_month: Annotated[float, Field(ge=0)] | None = _f(
        None,
        "Month when the team's external support stops (strategies end); run on past it "
        "to measure retention. None: support lasts the whole run.",
        "months",
    )


class Conditions(Strict):
    """Community, district and state conditions (framework category 4)."""

    leadership_support: Share = _f(0.5, "Superintendent and senior leaders' support.", "0–1")
    attention_competition: Share = _f(
        0.4, "Competition for attention from other initiatives.", "0–1"
    )
    community_beliefs: Share = _f(
        0.5, "Community beliefs and values favouring the practice.", "0–1"
    )
    policy_alignment: Share = _f(
        0.2,
        "Teacher evaluation, accountability and assessment aligned with the innovation.",
        "0–1",
    )
    district_ownership: Share = _f(
        0.2, "How far the district (not the team) owns the work at the start.", "0–1"
    )
    mandate: Literal["loose", "tight"] = _f(
        "loose", "A 'tight' mandate requires the practice (004_*.txt)."
    )


# --------------------------------------------------------------------------- rules


class Adoption(Strict):
    """The adoption rule (DESIGN §2.3) and awareness."""

    rule: Literal["bass", "threshold"] = _f(
        "bass",
        "Bass-type hazard (p + q·share) or fractional threshold (Granovetter/Watts).",
    )
    p_external: Annotated[float, Field(ge=0, le=10)] = _f(
        0.03,
        "External influence rate (Bass p).",
        "per year",
        "Sultan, Farley & Lehmann (1990) meta-analysis: mean p ≈ 0.03",
    )
    q_peer: Annotated[float, Field(ge=0, le=20)] = _f(
        0.38,
        "Peer influence rate (Bass q) times the share of enacting neighbours.",
        "per year",
        "Sultan, Farley & Lehmann (1990): mean q ≈ 0.38",
    )
    threshold: Dist = _dist(
        0.3,
        0.12,
        "Fractional thresholds (threshold rule): an educator adopts once the share of "
        "enacting neighbours reaches theirs.",
        "modelling assumption in the range of Granovetter (1978) and Watts (2002)",
    )
    credibility_weighted: bool = _f(
        True, "Weight neighbours by their credibility when computing the enacting share."
    )
    modulate: bool = _f(
        True,
        "Modulate hazards by educator, innovation, school and district factors. Off gives "
        "the textbook rule (used for closed-form checks).",
    )
    awareness_external: Annotated[float, Field(ge=0, le=52)] = _f(
        0.5, "Rate at which unaware educators hear of the innovation from the district.", "per year"
    )
    awareness_peer: Annotated[float, Field(ge=0, le=52)] = _f(
        3.0, "Awareness rate per unit share of enacting neighbours.", "per year"
    )
    pressure_penalty: Annotated[float, Field(ge=0, le=5)] = _f(
        1.0,
        "How strongly accountability pressure suppresses adoption when policy is not "
        "aligned (003_*.txt: high-pressure schools did not feel free to innovate).",
        "log-hazard per unit pressure",
    )


class Depth(Strict):
    """How depth of enactment moves (DESIGN §2.4)."""

    growth: Annotated[float, Field(ge=0, le=52)] = _f(
        1.5, "Depth growth rate toward the ceiling at full support.", "per year"
    )
    decay: Annotated[float, Field(ge=0, le=52)] = _f(
        0.4, "Depth decay rate without support.", "per year"
    )
    peer_support: Share = _f(
        0.4, "Support an educator gets when all neighbours enact (collegial support).", "0–1"
    )
    principal_weight: Share = _f(0.3, "Weight of principal support in baseline support.", "0–1")
    start: Dist = _dist(0.3, 0.1, "Depth of the educators already enacting at month 0.")


class Ownership(Strict):
    """How ownership moves (DESIGN §2.5)."""

    growth: Annotated[float, Field(ge=0, le=52)] = _f(
        0.3, "Ownership growth per year driven by depth of enactment.", "per year"
    )
    mandate_erosion: Annotated[float, Field(ge=0, le=52)] = _f(
        0.6, "Ownership erosion per year under a tight mandate.", "per year"
    )
    start: Dist = _dist(0.2, 0.1, "Ownership of the educators already enacting at month 0.")


class Abandonment(Strict):
    """Enacting educators who stop (DESIGN §2.6)."""

    base_rate: Annotated[float, Field(ge=0, le=52)] = _f(
        0.08, "Abandonment rate at average cynicism, depth and support.", "per year"
    )
    enabled: bool = _f(True, "Switch abandonment off for controlled experiments.")


class Turnover(Strict):
    """Staff and leadership turnover (DESIGN §2.7, §8)."""

    enabled: bool = _f(True, "Switch all turnover off for controlled experiments.")
    teacher_leave: Share = _f(
        0.077,
        "Annual share of teachers leaving teaching.",
        "per year",
        "NCES Teacher Follow-up Survey 2012-13: 7.7% leave",
    )
    teacher_move: Share = _f(
        0.081,
        "Annual share of teachers moving to another school.",
        "per year",
        "NCES TFS 2012-13: 8.1% move",
    )
    novice_leave: Share = _f(0.071, "Novices leaving teaching.", "per year", "NCES TFS: 7.1%")
    novice_move: Share = _f(0.125, "Novices moving.", "per year", "NCES TFS: 12.5%")
    high_need_move_multiplier: Annotated[float, Field(ge=0, le=5)] = _f(
        2.0,
        "Movers are this many times likelier in high-need schools.",
        "ratio",
        "NCES Condition of Education: about 12% vs 6% movers in high- vs low-poverty schools",
    )
    movers_stay_in_district: Share = _f(
        0.59, "Share of movers who stay in the district.", "share", "NCES TFS: 59%"
    )
    in_year_share: Share = _f(
        0.1,
        "Share of teacher turnover that happens during the school year rather than at the "
        "year boundary.",
        "share",
        "modelling assumption (most turnover lands at the year boundary, DESIGN §1)",
    )
    principal: Share = _f(
        0.18,
        "Annual share of schools changing principal.",
        "per year",
        "NCES Principal Follow-up Survey 2016-17: 82% stay (16–18% change)",
    )
    superintendent: Share = _f(
        0.2,
        "Annual hazard of a superintendent change.",
        "per year",
        "CGCS 2014: urban tenure ~3.2 years; Broad Center 2018: 5–6 years (0.17–0.30)",
    )


class Calendar(Strict):
    """The school calendar."""

    summer_weeks: Annotated[int, Field(ge=0, le=20)] = _f(
        10,
        "Weeks of summer at the end of each 52-week year; classroom enactment pauses.",
        "weeks",
        "US calendars: ~180 instructional days in ~40 weeks",
    )


class Start(Strict):
    """Where the district is at month 0."""

    enacting_share: Share = _f(
        0.15,
        "Share of educators already enacting (DL+D mandate starts at 15%, 003_*.txt).",
        "share",
        "003_*.txt",
    )
    enacting_share_high_need: Share | None = _f(
        None, "Override of the starting share in high-need schools.", "share"
    )
    enacting_share_other: Share | None = _f(
        None, "Override of the starting share in the other schools.", "share"
    )
    from_csv: bool = _f(
        False, "Use the CSV's enacting_share column per school (CSV districts only)."
    )
    aware_share: Share = _f(
        0.3,
        "Share of non-enacting educators already aware of the innovation.",
        "share",
    )


class Destination(Strict):
    """The trip ticket's destination and its equity clause (Tool #1, 000_*.txt)."""

    target: Share = _f(
        0.8, "Share of educators enacting at or above min_depth.", "share", "003_*.txt"
    )
    equity_target: Share = _f(
        0.8,
        "Equity clause: the same share among educators of high-need schools.",
        "share",
        "000_*.txt (HQPBL example: '80% … including at least 80% furthest from opportunity')",
    )
    min_depth: Share = _f(0.5, "Depth at which enactment counts.", "0–1")
    by_month: Annotated[float, Field(gt=0)] = _f(36.0, "Deadline.", "months", "003_*.txt")


class TripTicket(Strict):
    """The team's scaling intentions (Tool #1)."""

    destination: Destination = Field(default_factory=Destination)
    pit_stops: list[Annotated[float, Field(ge=0)]] = _f(
        [6.0, 12.0, 18.0, 24.0, 30.0], "Planned pit-stop dates.", "months"
    )


class Metrics(Strict):
    """Thresholds used by the metrics (docs/metrics.md)."""

    school_reached_share: Share = _f(
        0.5, "A school counts as reached when at least this share of its educators enact.", "share"
    )
    left_behind_share: Share = _f(
        0.1, "A school is left behind when fewer than this share of its educators enact.", "share"
    )
    depth_bar: Share = _f(0.5, "Depth counted as 'deep' enactment.", "0–1")


def nested_error(
    exc: ValidationError, prefix: tuple[str | int, ...] = (), allowed: list[str] | None = None
) -> ValidationError:
    """Re-raise a nested model's errors so pydantic reports them at their full location.

    Raised from a field validator, the locations become ``<field>.<prefix>.<inner loc>``
    (e.g. ``strategies[1].params.coaches``); an unknown key lists the ``allowed`` ones.
    """
    details: list[InitErrorDetails] = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        if err["type"] == "extra_forbidden" and allowed is not None:
            kind = PydanticCustomError(
                "unknown_parameter",
                "unknown parameter; expected one of: {keys}",
                {"keys": ", ".join(sorted(allowed)) or "(none)"},
            )
            details.append({"type": kind, "loc": loc, "input": err["input"]})
        else:
            item: InitErrorDetails = {"type": err["type"], "loc": loc, "input": err["input"]}
            if "ctx" in err:
                item["ctx"] = err["ctx"]
            details.append(item)
    return ValidationError.from_exception_data(exc.title, details)


def validate_params(model: type[BaseModel], params: dict[str, Any]) -> dict[str, Any]:
    """Validate a strategy's or shock's own parameters (errors name the parameter)."""
    try:
        return model.model_validate(params).model_dump()
    except ValidationError as exc:
        raise nested_error(exc, allowed=list(model.model_fields)) from None


class Select(Strict):
    """Whom a strategy picks: a selection rule and how many (schools and/or educators)."""

    rule: Literal[
        "volunteer",
        "random",
        "representative",
        "highest_need",
        "most_central",
        "most_credible",
        "balanced",
        "explicit",
    ] = _f("random", "The selection rule (DESIGN §3; docs/strategies.md).")
    n_schools: PositiveInt | None = _f(None, "Number of schools picked (None: all).", "schools")
    share_schools: Annotated[float, Field(gt=0, le=1)] | None = _f(
        None, "Share of schools picked (instead of n_schools).", "share"
    )
    schools: list[str] | None = _f(None, "Explicit school names (rule: explicit).")
    per_school: PositiveInt | None = _f(
        None, "Educators picked in each chosen school (person-level strategies).", "educators"
    )
    n_educators: PositiveInt | None = _f(
        None, "Educators picked across the chosen schools.", "educators"
    )

    @model_validator(mode="after")
    def _explicit_needs_names(self) -> Select:
        if self.rule == "explicit" and not self.schools:
            raise ValueError("rule 'explicit' needs a non-empty 'schools' list")
        if self.rule != "explicit" and self.schools:
            raise ValueError("'schools' is only used with rule 'explicit'")
        if self.n_schools is not None and self.share_schools is not None:
            raise ValueError("give n_schools or share_schools, not both")
        return self


class RegisteredSpec(Strict):
    """A strategy or shock: named by its registry entry, with parameters its class checks."""

    kind: ClassVar[str] = ""

    @classmethod
    def registry(cls) -> dict[str, Any]:
        """Name → class of what this spec can name."""
        raise NotImplementedError

    @field_validator("type", check_fields=False)
    @classmethod
    def _known_type(cls, v: str) -> str:
        reg = cls.registry()
        if v not in reg:
            raise ValueError(f"unknown {cls.kind} {v!r}; expected one of: {', '.join(sorted(reg))}")
        return v

    @field_validator("params", check_fields=False)
    @classmethod
    def _check_params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        entry = cls.registry().get(info.data.get("type", ""))
        return v if entry is None else validate_params(entry.Params, v)


class StrategySpec(RegisteredSpec):
    """One strategy of the strategy set (DESIGN §3, Table 2 of 000_*.txt)."""

    kind: ClassVar[str] = "strategy"
    type: str = _f(..., "Registered strategy name (see `scalesim list strategies`).")
    name: str | None = _f(None, "Unique label in this set (default: the type).")
    start_month: Annotated[float, Field(ge=0)] = _f(0.0, "When it starts.", "months")
    end_month: Annotated[float, Field(ge=0)] | None = _f(
        None, "When it stops (None: never).", "months"
    )
    select: Select | None = _f(None, "Targeting (default: the strategy's own default).")
    intensity: Annotated[float, Field(ge=0, le=5)] = _f(
        1.0, "Dose; 1 is the documented default strength.", "×"
    )
    cost_per_month: Annotated[float, Field(ge=0)] | None = _f(
        None,
        "Capacity it needs at intensity 1 (default: the strategy's own).",
        "person-days / month",
    )
    priority: Annotated[int, Field(ge=1, le=100)] | None = _f(
        None, "Funding order when capacity is short: 1 is funded first (default per type)."
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Strategy-specific parameters (docs/strategies.md)."
    )

    @property
    def label(self) -> str:
        """The strategy's unique label."""
        return self.name or self.type

    @classmethod
    def registry(cls) -> dict[str, Any]:
        """The strategy registry."""
        from scalesim.journey.strategies import STRATEGIES

        return STRATEGIES

    @model_validator(mode="after")
    def _check_timing(self) -> StrategySpec:
        if self.end_month is not None and self.end_month <= self.start_month:
            raise ValueError("end_month must be after start_month")
        return self


class ShockSpec(RegisteredSpec):
    """A shock: dated, or drawn from an annual hazard (DESIGN §4)."""

    kind: ClassVar[str] = "shock"
    type: str = _f(..., "Registered shock name (see `scalesim list shocks`).")
    name: str | None = _f(None, "Unique label (default: the type).")
    at_month: Annotated[float, Field(ge=0)] | None = _f(None, "When it fires.", "months")
    hazard_per_year: Annotated[float, Field(gt=0, le=12)] | None = _f(
        None, "Annual hazard instead of a date (may fire more than once).", "per year"
    )
    duration_months: Annotated[float, Field(gt=0)] | None = _f(
        None,
        "How long a windowed shock lasts (pandemic, budget cut, competing initiative).",
        "months",
    )
    pit_stop: bool = _f(False, "Call an unplanned pit stop the week after it fires.")
    params: dict[str, Any] = Field(default_factory=dict, description="Shock-specific parameters.")

    @property
    def label(self) -> str:
        """The shock's unique label."""
        return self.name or self.type

    @classmethod
    def registry(cls) -> dict[str, Any]:
        """The shock registry."""
        from scalesim.journey.shocks import SHOCKS

        return SHOCKS

    @model_validator(mode="after")
    def _check(self) -> ShockSpec:
        if (self.at_month is None) == (self.hazard_per_year is None):
            raise ValueError("give exactly one of at_month or hazard_per_year")
        return self


class Measurement(Strict):
    """How the team measures at pit stops (it never sees the model's true state directly)."""

    sample_size: PositiveInt | None = _f(
        None, "Educators surveyed for share indicators (None: a census).", "educators"
    )
    noise_sd: Annotated[float, Field(ge=0, le=1)] = _f(
        0.0, "Measurement noise (standard deviation) added to each indicator.", "indicator units"
    )
    lag_weeks: Annotated[int, Field(ge=0, le=52)] = _f(
        0, "Reporting lag: data describe the district this many weeks ago.", "weeks"
    )


class Action(Strict):
    """What an adaptation rule does (exactly one key)."""

    add: StrategySpec | None = _f(None, "Add this strategy to the set.")
    drop: str | None = _f(None, "Drop the strategy with this label.")
    retarget: dict[str, Any] | None = _f(
        None, "`{strategy: LABEL, select: {...}}`: change whom a strategy picks."
    )
    rescale: dict[str, Any] | None = _f(
        None, "`{strategy: LABEL, factor: 0–5}`: multiply a strategy's intensity."
    )
    recalibrate: dict[str, Any] | None = _f(
        None,
        "Move the destination: some of `target`, `equity_target`, `min_depth`, `by_month`.",
    )

    @field_validator("retarget")
    @classmethod
    def _retarget(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is None:
            return v
        if set(v) != {"strategy", "select"}:
            raise ValueError("retarget needs exactly {strategy: NAME, select: {...}}")
        try:
            sel = Select.model_validate(v["select"]).model_dump()
        except ValidationError as exc:
            raise nested_error(exc, ("select",)) from None
        return {**v, "select": sel}

    @model_validator(mode="after")
    def _one(self) -> Action:
        given = [
            k
            for k in ("add", "drop", "retarget", "rescale", "recalibrate")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError("give exactly one of add, drop, retarget, rescale, recalibrate")
        if self.rescale is not None:
            if set(self.rescale) != {"strategy", "factor"}:
                raise ValueError("rescale needs exactly {strategy: NAME, factor: NUMBER}")
            f = self.rescale["factor"]
            if not isinstance(f, int | float) or isinstance(f, bool) or not 0 <= f <= 5:
                raise ValueError("rescale factor must be a number in [0, 5]")
        if self.recalibrate is not None:
            allowed = {"target", "equity_target", "min_depth", "by_month"}
            bad = set(self.recalibrate) - allowed
            if bad or not self.recalibrate:
                raise ValueError(f"recalibrate takes some of: {', '.join(sorted(allowed))}")
            Destination.model_validate(self.recalibrate)
        return self


class AdaptationRule(Strict):
    """`when` a condition over observed indicators holds at a pit stop, `then` act."""

    when: str = _f(..., "Condition in the safe rule language (docs/strategies.md).")
    then: Action
    max_times: PositiveInt = _f(1, "How many pit stops this rule may fire at.")

    @field_validator("when")
    @classmethod
    def _parse(cls, v: str) -> str:
        from scalesim.common.rule_lang import RuleSyntaxError, parse_rule
        from scalesim.journey.pitstops import INDICATOR_NAMES

        try:
            parse_rule(v, INDICATOR_NAMES)
        except RuleSyntaxError as exc:
            raise ValueError(f"bad rule: {exc}") from None
        return v


class Scenario(Strict):
    """A whole scenario file."""

    name: str = _f("scenario", "Short name used in outputs.")
    description: str = _f("", "What the scenario represents.")
    horizon_months: Annotated[float, Field(gt=0, le=240)] = _f(
        36.0, "How long to run.", "months", "003_*.txt: the DL+D mandate's three years"
    )
    district: District = Field(default_factory=District)
    educators: Educators = Field(default_factory=Educators)
    network: Network = Field(default_factory=Network)
    innovation: Innovation = Field(default_factory=Innovation)
    team: Team = Field(default_factory=Team)
    conditions: Conditions = Field(default_factory=Conditions)
    adoption: Adoption = Field(default_factory=Adoption)
    depth: Depth = Field(default_factory=Depth)
    ownership: Ownership = Field(default_factory=Ownership)
    abandonment: Abandonment = Field(default_factory=Abandonment)
    turnover: Turnover = Field(default_factory=Turnover)
    calendar: Calendar = Field(default_factory=Calendar)
    start: Start = Field(default_factory=Start)
    trip_ticket: TripTicket = Field(default_factory=TripTicket)
    metrics: Metrics = Field(default_factory=Metrics)
    strategies: list[StrategySpec] = Field(
        default_factory=list,
        description="The team's strategy set (empty: the district is left alone).",
    )
    shocks: list[ShockSpec] = Field(
        default_factory=list, description="Shocks during the run, dated or drawn from hazards."
    )
    measurement: Measurement = Field(default_factory=Measurement)
    adaptation: list[AdaptationRule] = Field(
        default_factory=list, description="Rules the team applies at pit stops."
    )

    # Set by the loader, not by the file: where relative paths resolve from.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @property
    def n_weeks(self) -> int:
        """Number of weekly steps in the run."""
        return month_to_week(self.horizon_months)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-safe), the input of the scenario hash."""
        return self.model_dump(mode="json")

    def scenario_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the canonical JSON of the validated scenario.

        Defaults are included, so two files that differ only in spelling out a default hash
        the same, and a change of any effective value changes the hash.
        """
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- loading


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            # pydantic adds the union member tag ("function-after[...]") to some locations
            if "[" in str(item) and "(" in str(item):
                continue
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The valid keys at ``loc`` (minus its last element) of a nested schema."""
    cls: Any = model
    for item in loc[:-1]:
        if isinstance(item, int) or cls is None:
            continue
        field = getattr(cls, "model_fields", {}).get(item)
        if field is None:
            return []
        ann = field.annotation
        cls = next(
            (
                a
                for a in (ann, *getattr(ann, "__args__", ()))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ),
            None,
        )
    return sorted(getattr(cls, "model_fields", {})) if cls is not None else []


def validation_message(source: str, exc: ValidationError, model: type[BaseModel]) -> ScenarioError:
    """Turn pydantic's first error into one clear :class:`ScenarioError`."""
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    field = _fmt_loc(loc)
    if err["type"] == "unknown_parameter":
        return ScenarioError(source, field, err["msg"])
    if err["type"] == "extra_forbidden":
        keys = _allowed_keys(model, loc)
        hint = f"; expected one of: {', '.join(keys)}" if keys else ""
        return ScenarioError(source, field, f"unknown key{hint}")
    got = err.get("input")
    msg = err["msg"].removeprefix("Value error, ")
    if isinstance(got, dict | list):  # a section-level check: the message says it all
        return ScenarioError(source, field or "(top level)", msg)
    got_s = json.dumps(got, default=str)
    if len(got_s) > 80:
        got_s = got_s[:77] + "..."
    return ScenarioError(source, field, f"{msg} (got {got_s})")


def parse_yaml(path: Path) -> Any:
    """Read a YAML file, reporting syntax errors with their line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "", f"cannot read file ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(str(path), "", f"YAML syntax error at {where}{problem}") from None


def scenario_from_dict(
    data: Any, source: str = "<scenario>", base_dir: Path | None = None
) -> Scenario:
    """Validate a plain mapping as a scenario.

    Args:
        data: The parsed YAML document.
        source: Name used in error messages (usually the file path).
        base_dir: Directory relative CSV paths resolve from.

    Raises:
        ScenarioError: With the field path, the bad value and what was expected.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            source, "", f"expected a mapping of sections, got {type(data).__name__}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_message(source, exc, Scenario) from None
    if scenario.district.source == "csv":
        assert scenario.district.csv is not None
        csv_path = Path(scenario.district.csv.path)
        if not csv_path.is_absolute() and base_dir is not None:
            csv_path = (base_dir / csv_path).resolve()
        scenario.district.csv.path = str(csv_path)
        if not csv_path.is_file():
            raise ScenarioError(
                source,
                "district.csv.path",
                f"no such CSV file: {csv_path} (relative paths start at the "
                "scenario file's folder)",
            )
        load_school_csv(csv_path)  # validate now, before anything runs
    _check_consistency(scenario, source)
    _check_school_names(scenario, source)
    return scenario


def _check_school_names(s: Scenario, source: str) -> None:
    """Every school named by an explicit selection or a principal-turnover shock exists."""
    refs: list[tuple[str, list[str]]] = []
    for i, sp in enumerate(s.strategies):
        if sp.select is not None and sp.select.schools:
            refs.append((f"strategies[{i}].select.schools", sp.select.schools))
    for i, r in enumerate(s.adaptation):
        if r.then.retarget is not None and r.then.retarget["select"].get("schools"):
            refs.append(
                (
                    f"adaptation[{i}].then.retarget.select.schools",
                    r.then.retarget["select"]["schools"],
                )
            )
        add = r.then.add
        if add is not None and add.select is not None and add.select.schools:
            refs.append((f"adaptation[{i}].then.add.select.schools", add.select.schools))
    for i, sh in enumerate(s.shocks):
        if sh.params.get("schools"):
            refs.append((f"shocks[{i}].params.schools", sh.params["schools"]))
    if not refs:
        return
    import numpy as np

    from scalesim.core.district import build_schools  # the names the model will use

    names = [str(n) for n in build_schools(s, np.random.default_rng(0)).name]
    known = set(names)
    for field, listed in refs:
        for j, name in enumerate(listed):
            if name not in known:
                raise ScenarioError(
                    source,
                    f"{field}[{j}]",
                    f"no school named {name!r} in this district (its "
                    f"{len(names)} schools are named {names[0]!r} … "
                    f"{names[-1]!r})",
                )


def _check_consistency(s: Scenario, source: str) -> None:
    """Cross-field checks pydantic cannot express per field."""
    if s.start.from_csv and s.district.source != "csv":
        raise ScenarioError(source, "start.from_csv", "true needs district.source: csv")
    tt = s.trip_ticket
    if "pit_stops" not in tt.model_fields_set:
        # The default dates assume a three-year run: a shorter run keeps those inside it
        # instead of rejecting dates the file never wrote.
        tt.pit_stops = [mo for mo in tt.pit_stops if mo <= s.horizon_months]
    for i, m in enumerate(s.trip_ticket.pit_stops):
        if m > s.horizon_months:
            raise ScenarioError(
                source,
                f"trip_ticket.pit_stops[{i}]",
                f"pit stop at month {m} is after the horizon ({s.horizon_months} months)",
            )
    labels = [sp.label for sp in s.strategies]
    for i, lab in enumerate(labels):
        if labels.index(lab) != i:
            raise ScenarioError(
                source,
                f"strategies[{i}].name",
                f"duplicate strategy label {lab!r}; give each a unique name",
            )
    known = set(labels) | {r.then.add.label for r in s.adaptation if r.then.add is not None}
    for i, r in enumerate(s.adaptation):
        a = r.then
        ref = a.drop or (a.retarget or {}).get("strategy") or (a.rescale or {}).get("strategy")
        if ref is not None and ref not in known:
            key = "drop" if a.drop else "retarget" if a.retarget else "rescale"
            raise ScenarioError(
                source,
                f"adaptation[{i}].then.{key}",
                f"no strategy labelled {ref!r}; known: {', '.join(sorted(known))}",
            )
    for i, sp in enumerate(s.strategies):
        if sp.start_month > s.horizon_months:
            raise ScenarioError(
                source,
                f"strategies[{i}].start_month",
                f"{sp.start_month} is after the horizon ({s.horizon_months})",
            )
    if s.network.kind == "watts_strogatz" and s.network.ws_k % 2:
        raise ScenarioError(source, "network.ws_k", f"must be even (got {s.network.ws_k})")
    for name in ("need_share_high", "need_share_other"):
        lo, hi = getattr(s.district.generated, name)
        if lo > hi:
            raise ScenarioError(
                source, f"district.generated.{name}", f"low end {lo} is above high end {hi}"
            )


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file.

    Args:
        path: The YAML file.
        overrides: Optional ``{"dotted.path": value}`` changes applied before validation
            (used by experiments and the app).

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: For any problem, with the file, the field and what was expected.
    """
    path = Path(path)
    data = resolve_base(path, parse_yaml(path))
    if overrides:
        data = apply_overrides(data if isinstance(data, dict) else {}, overrides)
    return scenario_from_dict(data, source=str(path), base_dir=path.parent)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def resolve_base(path: Path, data: Any, seen: tuple[Path, ...] = ()) -> Any:
    """Apply a scenario's ``base: other.yaml`` key (a file it extends), recursively.

    The base's sections are merged with this file's: mappings key by key, lists and values
    replaced. Paths are relative to the file that names them.
    """
    if not isinstance(data, dict) or "base" not in data:
        return data
    ref = data["base"]
    if not isinstance(ref, str):
        raise ScenarioError(str(path), "base", f"expected a file name, got {ref!r}")
    base_path = (path.parent / ref).resolve()
    if base_path in seen or base_path == path.resolve():
        raise ScenarioError(str(path), "base", f"circular base: {ref}")
    if not base_path.exists():
        raise ScenarioError(str(path), "base", f"base scenario {ref!r} not found")
    base = resolve_base(base_path, parse_yaml(base_path), (*seen, path.resolve()))
    if not isinstance(base, dict):
        raise ScenarioError(str(base_path), "", "expected a mapping of sections")
    rest = {k: v for k, v in data.items() if k != "base"}
    merged = deep_merge(base, rest)
    # A CSV path in the base stays relative to the base file.
    csv_ref = (
        (base.get("district") or {}).get("csv") if isinstance(base.get("district"), dict) else None
    )
    if (
        isinstance(csv_ref, dict)
        and isinstance(csv_ref.get("path"), str)
        and not (isinstance(rest.get("district"), dict) and "csv" in rest["district"])
    ):
        merged["district"]["csv"]["path"] = str((base_path.parent / csv_ref["path"]).resolve())
    return merged


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``{"a.b.c": value}`` overrides set (creating sections)."""
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for key in parts[:-1]:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                node[key] = nxt
            node = nxt
        node[parts[-1]] = value
    return out


# --------------------------------------------------------------------------- CSV districts

CSV_COLUMNS = ("name", "region", "enrollment", "need_share", "n_educators")


def load_school_csv(path: Path) -> list[dict[str, Any]]:
    """Read and validate a CSV of real schools.

    Returns:
        One dict per school with typed values.

    Raises:
        ScenarioError: Naming the file, the column (and row) and what was expected.
    """
    src = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in CSV_COLUMNS if c not in header]
            if missing:
                raise ScenarioError(
                    src,
                    f"column {missing[0]!r}",
                    f"missing; expected columns {', '.join(CSV_COLUMNS)} "
                    "(optional: enacting_share)",
                )
            rows = list(reader)
    except FileNotFoundError:
        raise ScenarioError(src, "", "district CSV not found") from None
    if not rows:
        raise ScenarioError(src, "", "empty district: the CSV has no schools")
    out = []
    for i, row in enumerate(rows, start=2):  # line 1 is the header

        def num(
            col: str,
            lo: float,
            hi: float,
            integer: bool = False,
            row: dict[str, str] = row,
            line: int = i,
        ) -> float:
            raw = (row.get(col) or "").strip()
            try:
                val = int(raw) if integer else float(raw)
            except ValueError:
                kind = "an integer" if integer else "a number"
                raise ScenarioError(
                    src, f"line {line}, column {col!r}", f"expected {kind}, got {raw!r}"
                ) from None
            if not lo <= val <= hi:
                raise ScenarioError(
                    src,
                    f"line {line}, column {col!r}",
                    f"expected a value in [{lo}, {hi}], got {val}",
                )
            return val

        rec = {
            "name": row["name"].strip(),
            "region": row["region"].strip(),
            "enrollment": num("enrollment", 0, 1e6),
            "need_share": num("need_share", 0, 1),
            "n_educators": int(num("n_educators", 1, 10_000, integer=True)),
        }
        if "enacting_share" in header and (row.get("enacting_share") or "").strip():
            rec["enacting_share"] = num("enacting_share", 0, 1)
        out.append(rec)
    return out

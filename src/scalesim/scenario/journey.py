"""The journey as a scenario file states it: trip ticket, strategies, shocks and rules.

Also how the team measures at pit stops, and what its adaptation rules may do.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from scalesim.common.rule_lang import RuleSyntaxError, parse_rule
from scalesim.common.validation import did_you_mean
from scalesim.metrics.indicators import INDICATOR_NAMES
from scalesim.scenario.fields import PositiveInt, Share, Strict, doc_field
from scalesim.scenario.params import SHOCK_PARAMS, STRATEGY_PARAMS


class Destination(Strict):
    """The trip ticket's destination and its equity clause (Tool #1, 000_*.txt)."""

    target: Share = doc_field(
        0.8, "Share of educators enacting at or above min_depth.", "share", "003_*.txt"
    )
    equity_target: Share = doc_field(
        0.8,
        "Equity clause: the same share among educators of high-need schools.",
        "share",
        "000_*.txt (HQPBL example: '80% … including at least 80% furthest from opportunity')",
    )
    min_depth: Share = doc_field(0.5, "Depth at which enactment counts.", "0–1")
    measure: Literal["educators", "students"] = doc_field(
        "educators",
        "What the targets count: 'educators' (share of educators, and of educators in "
        "high-need schools) or 'students' (share of students whose educator enacts at depth, "
        "and of students furthest from opportunity).",
        "",
        "000_*.txt (destinations stated as a share of a district's students)",
    )
    by_month: Annotated[float, Field(gt=0)] = doc_field(36.0, "Deadline.", "months", "003_*.txt")


class TripTicket(Strict):
    """The team's scaling intentions (Tool #1)."""

    destination: Destination = Field(default_factory=Destination)
    pit_stops: list[Annotated[float, Field(ge=0)]] = doc_field(
        [6.0, 12.0, 18.0, 24.0, 30.0], "Planned pit-stop dates.", "months"
    )


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
        "pilot_members",
    ] = doc_field(
        "random",
        "The selection rule (DESIGN §3; docs/strategies.md). 'pilot_members': the members of "
        "the pilot named in the strategy's gate who still enact (004_*.txt: pilot teachers "
        "become the spread's champions).",
    )
    n_schools: PositiveInt | None = doc_field(
        None, "Number of schools picked (None: all).", "schools"
    )
    share_schools: Annotated[float, Field(gt=0, le=1)] | None = doc_field(
        None, "Share of schools picked (instead of n_schools).", "share"
    )
    schools: list[str] | None = doc_field(None, "Explicit school names (rule: explicit).")
    per_school: PositiveInt | None = doc_field(
        None, "Educators picked in each chosen school (person-level strategies).", "educators"
    )
    n_educators: PositiveInt | None = doc_field(
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
    def registry(cls) -> dict[str, type[BaseModel]]:
        """Name → parameter model of what this spec can name."""
        raise NotImplementedError

    @field_validator("type", check_fields=False)
    @classmethod
    def _known_type(cls, v: str) -> str:
        reg = cls.registry()
        if v not in reg:
            raise ValueError(
                f"unknown {cls.kind} {v!r}{did_you_mean(v, reg)}; expected one of: "
                f"{', '.join(sorted(reg))}"
            )
        return v

    @field_validator("params", check_fields=False)
    @classmethod
    def _check_params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        entry = cls.registry().get(info.data.get("type", ""))
        return v if entry is None else validate_params(entry, v)


class Gate(Strict):
    """Start a strategy only after a pilot's decision (pilot → spread → institutionalize)."""

    pilot: str = doc_field(..., "Label of the pilot strategy whose decision opens the gate.")
    on: Literal["spread", "repilot", "stop"] = doc_field(
        "spread", "The decision that opens the gate (004_*.txt: spread, re-pilot or stop)."
    )
    delay_months: Annotated[float, Field(ge=0)] = doc_field(
        0.0, "Months between the decision and the start.", "months"
    )


class StrategySpec(RegisteredSpec):
    """One strategy of the strategy set (DESIGN §3, Table 2 of 000_*.txt)."""

    kind: ClassVar[str] = "strategy"
    type: str = doc_field(..., "Registered strategy name (see `scalesim list strategies`).")
    name: str | None = doc_field(None, "Unique label in this set (default: the type).")
    start_month: Annotated[float, Field(ge=0)] = doc_field(0.0, "When it starts.", "months")
    end_month: Annotated[float, Field(ge=0)] | None = doc_field(
        None, "When it stops (None: never).", "months"
    )
    select: Select | None = doc_field(None, "Targeting (default: the strategy's own default).")
    intensity: Annotated[float, Field(ge=0, le=5)] = doc_field(
        1.0, "Dose; 1 is the documented default strength.", "×"
    )
    cost_per_month: Annotated[float, Field(ge=0)] | None = doc_field(
        None,
        "Capacity it needs at intensity 1 (default: the strategy's own).",
        "person-days / month",
    )
    priority: Annotated[int, Field(ge=1, le=100)] | None = doc_field(
        None, "Funding order when capacity is short: 1 is funded first (default per type)."
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Strategy-specific parameters (docs/strategies.md)."
    )
    gate: Gate | None = doc_field(
        None,
        "Start only when this pilot decides (its start_month is then ignored; end_month, if "
        "given, counts from start_month as a duration after the gate opens).",
    )

    @property
    def label(self) -> str:
        """The strategy's unique label."""
        return self.name or self.type

    @classmethod
    def registry(cls) -> dict[str, type[BaseModel]]:
        """The strategies a scenario may name, with their parameter models."""
        return STRATEGY_PARAMS

    @model_validator(mode="after")
    def _check_timing(self) -> StrategySpec:
        if self.end_month is not None and self.end_month <= self.start_month:
            raise ValueError("end_month must be after start_month")
        if self.select is not None and self.select.rule == "pilot_members" and self.gate is None:
            raise ValueError("select rule 'pilot_members' needs a gate naming the pilot")
        return self


class ShockSpec(RegisteredSpec):
    """A shock: dated, or drawn from an annual hazard (DESIGN §4)."""

    kind: ClassVar[str] = "shock"
    type: str = doc_field(..., "Registered shock name (see `scalesim list shocks`).")
    name: str | None = doc_field(None, "Unique label (default: the type).")
    at_month: Annotated[float, Field(ge=0)] | None = doc_field(None, "When it fires.", "months")
    hazard_per_year: Annotated[float, Field(gt=0, le=12)] | None = doc_field(
        None, "Annual hazard instead of a date (may fire more than once).", "per year"
    )
    duration_months: Annotated[float, Field(gt=0)] | None = doc_field(
        None,
        "How long a windowed shock lasts (pandemic, budget cut, competing initiative).",
        "months",
    )
    pit_stop: bool = doc_field(False, "Call an unplanned pit stop the week after it fires.")
    params: dict[str, Any] = Field(default_factory=dict, description="Shock-specific parameters.")

    @property
    def label(self) -> str:
        """The shock's unique label."""
        return self.name or self.type

    @classmethod
    def registry(cls) -> dict[str, type[BaseModel]]:
        """The shocks a scenario may name, with their parameter models."""
        return SHOCK_PARAMS

    @model_validator(mode="after")
    def _check(self) -> ShockSpec:
        if (self.at_month is None) == (self.hazard_per_year is None):
            raise ValueError("give exactly one of at_month or hazard_per_year")
        return self


class Measurement(Strict):
    """How the team measures at pit stops (it never sees the model's true state directly)."""

    sample_size: PositiveInt | None = doc_field(
        None, "Educators surveyed for share indicators (None: a census).", "educators"
    )
    noise_sd: Annotated[float, Field(ge=0, le=1)] = doc_field(
        0.0, "Measurement noise (standard deviation) added to each indicator.", "indicator units"
    )
    lag_weeks: Annotated[int, Field(ge=0, le=52)] = doc_field(
        0, "Reporting lag: data describe the district this many weeks ago.", "weeks"
    )


class Action(Strict):
    """What an adaptation rule does (exactly one key)."""

    add: StrategySpec | None = doc_field(None, "Add this strategy to the set.")
    drop: str | None = doc_field(None, "Drop the strategy with this label.")
    retarget: dict[str, Any] | None = doc_field(
        None, "`{strategy: LABEL, select: {...}}`: change whom a strategy picks."
    )
    rescale: dict[str, Any] | None = doc_field(
        None, "`{strategy: LABEL, factor: 0–5}`: multiply a strategy's intensity."
    )
    recalibrate: dict[str, Any] | None = doc_field(
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

    when: str = doc_field(..., "Condition in the safe rule language (docs/strategies.md).")
    then: Action
    max_times: PositiveInt = doc_field(1, "How many pit stops this rule may fire at.")

    @field_validator("when")
    @classmethod
    def _parse(cls, v: str) -> str:
        try:
            parse_rule(v, INDICATOR_NAMES)
        except RuleSyntaxError as exc:
            raise ValueError(f"bad rule: {exc}") from None
        return v

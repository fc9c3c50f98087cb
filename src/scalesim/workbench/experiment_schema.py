"""The experiment file schema: uncertainties, levers, design, replicates, outcomes (XLRM).

An experiment file (``experiments/*.yaml``) names a base scenario and says what to vary
and what to measure, in the vocabulary of exploratory modelling (EMA Workbench's XLRM):

* ``uncertainties`` (X): dotted scenario paths, each a range (``{low, high}``, optionally
  ``integer: true``) or a list of values (``{values: [...]}`` or simply ``[...]``);
* ``levers`` (L): named options (strategy sets) to compare, each a mapping of dotted
  ``overrides``, and/or a ``strategies:`` list (it replaces the scenario's ``strategies``
  key), and/or a ``scenario:`` file used instead of the base scenario;
* ``design``: how the uncertainties are combined into design points: ``full_grid``,
  ``list``, ``latin_hypercube``, ``sobol`` (Saltelli sample) or ``morris``;
* ``replicates``: a count (seeds derived from ``replicates.seed`` with
  :class:`numpy.random.SeedSequence`) or an explicit seed list. Every design point and
  every option runs on the same seeds (common random numbers);
* ``outcomes`` (M): metric names, each with its direction (defaults from the metric
  registry) and the month at which it is read (``end`` by default).

The file is validated completely before anything runs: unknown keys, bad values and dotted
paths that are not scenario fields are :class:`~scalesim.common.errors.ScalesimInputError` naming
the file, the field and what was expected. The format is written out in
``docs/experiments.md``; :mod:`scalesim.workbench.experiment` resolves a valid file.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scalesim.common.seeds import SEED_MAX
from scalesim.common.validation import did_you_mean
from scalesim.metrics import METRICS

DESIGN_METHODS = ("full_grid", "list", "latin_hypercube", "sobol", "morris")
# Per-run tables a sweep can keep besides ``runs``; "extra" is every table a run adds
# (pit stops, strategies, capacity shortfalls).
STORE_TABLES = ("timeseries", "schools", "channels", "log", "extra")
# Columns of the ``runs`` table that can be outcomes besides the metrics (read at the end).
SUMMARY_OUTCOMES = (
    "tt_reached",
    "tt_reached_month",
    "tt_achieved_at_deadline",
    "tt_equity_achieved_at_deadline",
    "tt_equity_clause_holds",
    "tt_shortfall",
    "tt_equity_shortfall",
    "retention_after_support_end",
    "retention_after_leadership_change",
    "superintendent_changes",
)
# Replicate seeds *derived* from a root are in [0, 2**31) (kept so derived seeds, and so
# every stored result, stay the same); seeds given explicitly, and roots, may be anything in
# the one seed range [0, 2**63) of scalesim.common.seeds.
SEED_LIMIT = 2**31
Seed = Annotated[int, Field(ge=0, le=SEED_MAX, strict=True)]
# The most design points, and runs, an experiment may have; checked before any sample is
# drawn (a design of a billion points would fill memory before the check on runs).
MAX_POINTS = 1_000_000
MAX_RUNS = 10_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Uncertainty(_Strict):
    """One uncertain scenario value: a range or a list of values."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    values: list[Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"values": data}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Uncertainty:
        ranged = self.low is not None or self.high is not None
        if ranged and self.values is not None:
            raise ValueError("give either low/high or values, not both")
        if self.values is not None:
            if not self.values:
                raise ValueError("values must not be empty")
            kinds = {_value_kind(v) for v in self.values}
            if len(kinds) != 1 or None in kinds:
                raise ValueError(
                    f"values must all be numbers, all strings or all booleans (got {self.values!r})"
                )
            if self.integer:
                raise ValueError("integer: true applies to ranges (low/high) only")
            return self
        if self.low is None or self.high is None:
            raise ValueError("expected {low: <number>, high: <number>} or {values: [...]}")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self

    @property
    def is_range(self) -> bool:
        """Whether this is a continuous (or integer) range rather than a list."""
        return self.values is None

    def bounds(self) -> tuple[float, float]:
        """Sampling bounds: the range, or ``[0, len(values))`` for a list (index space)."""
        if self.is_range:
            assert self.low is not None and self.high is not None
            if self.low == self.high:
                # SALib needs a non-empty interval; the value never changes anyway.
                return (self.low, self.low + 1e-12)
            return (self.low, self.high)
        assert self.values is not None
        return (0.0, float(len(self.values)))

    def from_unit(self, x: float) -> Any:
        """The scenario value for a sample ``x`` in :meth:`bounds` space."""
        if self.is_range:
            assert self.low is not None and self.high is not None
            x = min(max(float(x), self.low), self.high)
            return round(x) if self.integer else float(x)
        assert self.values is not None
        return self.values[min(math.floor(x), len(self.values) - 1)]

    def grid(self, levels: int) -> list[Any]:
        """Values used by a full grid: the list, or ``levels`` evenly spaced points."""
        if not self.is_range:
            assert self.values is not None
            return list(self.values)
        assert self.low is not None and self.high is not None
        pts = np.linspace(self.low, self.high, levels) if self.low != self.high else [self.low]
        vals = [round(v) if self.integer else float(v) for v in pts]
        return list(dict.fromkeys(vals))  # integer rounding can repeat values


def _value_kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "str"
    return None


class Lever(_Strict):
    """One option (strategy set) to compare."""

    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)
    strategies: list[dict[str, Any]] | None = None
    scenario: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty(cls, data: Any) -> Any:
        return {} if data is None else data


class Design(_Strict):
    """How uncertainties are combined into design points."""

    method: Literal["full_grid", "list", "latin_hypercube", "sobol", "morris"] = "full_grid"
    n: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = None
    levels: Annotated[int, Field(ge=2, le=1000)] | None = None
    seed: Seed = 1
    points: list[dict[str, Any]] | None = None
    second_order: bool = False

    @model_validator(mode="after")
    def _needs(self) -> Design:
        if self.method == "list" and not self.points:
            raise ValueError("method 'list' needs points: [{path: value, ...}, ...]")
        if self.method != "list" and self.points is not None:
            raise ValueError(f"points are only used by method 'list' (method is {self.method!r})")
        if self.method in ("latin_hypercube", "sobol", "morris") and self.n is None:
            raise ValueError(f"method {self.method!r} needs n (number of samples)")
        if self.method == "sobol" and self.n is not None and self.n & (self.n - 1):
            raise ValueError(f"sobol needs n to be a power of 2 (got {self.n})")
        return self


class Replicates(_Strict):
    """Replicates: a count with a root seed, or an explicit seed list."""

    count: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    seed: Seed = 1
    seeds: list[Seed] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool):
            return {"count": data}
        if isinstance(data, list):
            return {"seeds": data}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Replicates:
        if (self.count is None) == (self.seeds is None):
            raise ValueError("give either count (with an optional seed) or seeds: [...]")
        if self.seeds is not None:
            if not self.seeds:
                raise ValueError("seeds must not be empty")
            if len(set(self.seeds)) != len(self.seeds):
                raise ValueError("seeds must be distinct")
        return self

    def resolve(self) -> list[int]:
        """The replicate seeds, in order."""
        if self.seeds is not None:
            return list(self.seeds)
        assert self.count is not None
        return derive_seeds(self.seed, self.count)


class Outcome(_Strict):
    """One outcome: a metric read at the end of the run or at a month."""

    metric: str
    kind: Literal["maximize", "minimize", "info"] | None = None
    at: float | Literal["end"] = "end"
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"metric": data} if isinstance(data, str) else data

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in METRICS and v not in SUMMARY_OUTCOMES:
            raise ValueError(
                f"unknown metric {v!r}{did_you_mean(v, [*METRICS, *SUMMARY_OUTCOMES])}; "
                f"expected a metric ({', '.join(METRICS)}) or a run "
                f"summary column ({', '.join(SUMMARY_OUTCOMES)})"
            )
        return v

    @model_validator(mode="after")
    def _resolve(self) -> Outcome:
        if self.at != "end":
            if self.metric not in METRICS:
                raise ValueError(f"{self.metric!r} is only available at the end (at: end)")
            if self.at < 0:
                raise ValueError(f"at must be a month >= 0 (got {self.at})")
        if self.kind is None:
            self.kind = (
                METRICS[self.metric].kind
                if self.metric in METRICS
                else ("minimize" if "shortfall" in self.metric else "maximize")
            )
        if self.name is None:
            self.name = self.metric if self.at == "end" else f"{self.metric}_m{self.at:g}"
        return self


class Store(_Strict):
    """Which per-run tables to keep, and how many runs share one Parquet file.

    ``runs`` is always kept; leaner sweeps keep fewer other tables. A chunk of ``chunk``
    consecutive task ids is the unit of writing and of resuming.
    """

    tables: list[Literal["timeseries", "schools", "channels", "log", "extra"]] = Field(
        default_factory=lambda: list(STORE_TABLES)
    )
    chunk: Annotated[int, Field(ge=1, le=100_000)] = 32


class Experiment(_Strict):
    """A whole experiment file."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: str = ""
    scenario: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    uncertainties: dict[str, Uncertainty] = Field(default_factory=dict)
    levers: dict[str, Lever] = Field(default_factory=dict)
    design: Design = Field(default_factory=Design)
    replicates: Replicates
    outcomes: Annotated[list[Outcome], Field(min_length=1)]
    store: Store = Field(default_factory=Store)


def derive_seeds(root: int, count: int) -> list[int]:
    """``count`` replicate seeds derived from ``root`` (prefix-stable: more reps keep these)."""
    children = np.random.SeedSequence(int(root)).spawn(int(count))
    return [int(c.generate_state(1, np.uint32)[0]) % SEED_LIMIT for c in children]

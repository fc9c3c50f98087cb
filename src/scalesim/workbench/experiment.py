"""Experiment files: uncertainties, levers, design, replicates and outcomes (XLRM).

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
``docs/experiments.md``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scalesim.common.errors import ScalesimInputError
from scalesim.common.validation import input_error
from scalesim.metrics import METRICS
from scalesim.scenario import (
    Scenario,
    apply_overrides,
    load_scenario,
    parse_yaml,
    scenario_from_dict,
)

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
SEED_LIMIT = 2**31


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
    n: Annotated[int, Field(ge=1)] | None = None
    levels: Annotated[int, Field(ge=2, le=1000)] | None = None
    seed: Annotated[int, Field(ge=0)] = 1
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
    seed: Annotated[int, Field(ge=0)] = 1
    seeds: list[Annotated[int, Field(ge=0, lt=SEED_LIMIT)]] | None = None

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
                f"unknown metric {v!r}; expected a metric ({', '.join(METRICS)}) or a run "
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


# --------------------------------------------------------------------------- resolved form


@dataclass(frozen=True)
class Task:
    """One run of a sweep: a fully resolved scenario (plain data) and a seed.

    Plain data only, so a task pickles cheaply to any worker, local or remote.
    """

    task_id: int
    point: int
    option: str
    replicate: int
    seed: int
    scenario: dict[str, Any]
    values: tuple[tuple[str, Any], ...]
    outcomes: tuple[tuple[str, str, float | str], ...]
    tables: tuple[str, ...]
    source: str = "<task>"
    kind: str = "sweep"

    def identity(self) -> dict[str, Any]:
        """The identity columns of this run's rows (``point`` and values: sweeps only)."""
        ident = {
            "task_id": self.task_id,
            "option": self.option,
            "replicate": self.replicate,
            "seed": self.seed,
        }
        if self.kind == "sweep":
            ident.update(point=self.point, **dict(self.values))
        return ident


@dataclass
class LoadedExperiment:
    """A validated experiment with everything resolved: options, design points, seeds."""

    spec: Experiment
    source: str
    base: Scenario
    base_source: str
    options: dict[str, dict[str, Any]]
    points: list[dict[str, Any]]
    unit_samples: np.ndarray | None
    seeds: list[int]
    hash: str
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        """The uncertainties' dotted paths, in file order."""
        return list(self.spec.uncertainties)

    def problem(self) -> dict[str, Any]:
        """The SALib problem dict of the uncertainties."""
        u = self.spec.uncertainties
        return {
            "num_vars": len(u),
            "names": list(u),
            "bounds": [list(x.bounds()) for x in u.values()],
        }

    def tasks(self) -> list[Task]:
        """Every run, in task order: design point, then option, then replicate."""
        outcomes = tuple((o.name, o.metric, o.at) for o in self.spec.outcomes)  # type: ignore[misc]
        tables = tuple(t for t in STORE_TABLES if t in self.spec.store.tables)
        out: list[Task] = []
        tid = 0
        for p, values in enumerate(self.points):
            for name, data in self.options.items():
                scen = apply_overrides(data, values) if values else data
                for r, seed in enumerate(self.seeds):
                    out.append(
                        Task(
                            tid,
                            p,
                            name,
                            r,
                            seed,
                            scen,
                            tuple(values.items()),
                            outcomes,
                            tables,
                            source=f"{self.source} (task {tid})",
                        )
                    )
                    tid += 1
        return out

    def describe(self) -> dict[str, Any]:
        """JSON-safe description for the manifest."""
        s = self.spec
        d = s.design
        return {
            "design": {
                "method": d.method,
                "n": d.n,
                "levels": d.levels,
                "seed": d.seed,
                "second_order": d.second_order,
                "points": len(self.points),
            },
            "uncertainties": [
                {"path": k, **v.model_dump(exclude_none=True, exclude_defaults=True)}
                for k, v in s.uncertainties.items()
            ],
            "options": [
                {"name": k, **v.model_dump(exclude_none=True, exclude_defaults=True)}
                for k, v in (s.levers or {"base": Lever()}).items()
            ],
            "outcomes": [o.model_dump() for o in s.outcomes],
            "replicates": {
                "count": len(self.seeds),
                "seeds": self.seeds,
                "seed_root": s.replicates.seed if s.replicates.seeds is None else None,
            },
        }


def derive_seeds(root: int, count: int) -> list[int]:
    """``count`` replicate seeds derived from ``root`` (prefix-stable: more reps keep these)."""
    children = np.random.SeedSequence(int(root)).spawn(int(count))
    return [int(c.generate_state(1, np.uint32)[0]) % SEED_LIMIT for c in children]


def check_path(
    source: str, field_name: str, path: str, base: dict[str, Any], allow_new: tuple[str, ...] = ()
) -> None:
    """Raise unless ``path`` names a field of the (fully expanded) base scenario."""
    node: Any = base
    parts = path.split(".")
    for i, key in enumerate(parts):
        if i == 0 and key in allow_new:
            return
        if not isinstance(node, dict) or key not in node:
            here = ".".join(parts[:i]) or "the top level"
            keys = sorted(node) if isinstance(node, dict) else []
            hint = (
                f"; keys at {here}: {', '.join(keys)}"
                if keys
                else (f"; {here} is a value, not a section")
            )
            raise ScalesimInputError(source, field_name, f"{path!r} is not a scenario field{hint}")
        node = node[key]


def experiment_from_dict(
    data: Any, source: str = "<experiment>", base_dir: Path | None = None
) -> LoadedExperiment:
    """Validate a parsed experiment document and resolve it (no run happens).

    Raises:
        ScalesimInputError: With the file, the field path and what was expected.
    """
    if not isinstance(data, dict):
        raise ScalesimInputError(source, "", f"expected a mapping, got {type(data).__name__}")
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as exc:
        raise input_error(source, exc, Experiment) from None
    base_dir = base_dir or Path(".")

    base_path = Path(spec.scenario)
    base_path = base_path if base_path.is_absolute() else base_dir / base_path
    full = _load_scenario(base_path, source, "scenario").to_dict()
    for k in spec.overrides:
        check_path(source, f"overrides.{k}", k, full)
    try:
        base = scenario_from_dict(
            apply_overrides(full, spec.overrides), f"{source} (overrides)", base_path.parent
        )
    except ScalesimInputError as exc:
        raise ScalesimInputError(source, "overrides", f"the scenario is invalid: {exc}") from None
    base_full = base.to_dict()

    for path in spec.uncertainties:
        check_path(source, f"uncertainties.{path}", path, base_full)
        if path.split(".")[0] in ("name", "description"):
            raise ScalesimInputError(source, f"uncertainties.{path}", "cannot vary a name")
    if "horizon_months" not in spec.uncertainties:
        for i, o in enumerate(spec.outcomes):
            if o.at != "end" and float(o.at) > base.horizon_months:
                raise ScalesimInputError(
                    source,
                    f"outcomes[{i}].at",
                    f"month {o.at:g} is after the horizon ({base.horizon_months:g} months)",
                )

    options: dict[str, dict[str, Any]] = {}
    levers = spec.levers or {"base": Lever()}
    for name, lever in levers.items():
        where = f"levers.{name}"
        if lever.scenario is not None:
            p = Path(lever.scenario)
            p = p if p.is_absolute() else base_dir / p
            opt_full = _load_scenario(p, source, f"{where}.scenario").to_dict()
            opt_full = apply_overrides(opt_full, spec.overrides)
        else:
            opt_full = base_full
        for k in lever.overrides:
            check_path(source, f"{where}.overrides.{k}", k, opt_full)
        ov = dict(lever.overrides)
        if lever.strategies is not None:
            ov["strategies"] = lever.strategies
        try:
            sc = scenario_from_dict(
                apply_overrides(opt_full, ov), f"{source} ({where})", base_path.parent
            )
        except ScalesimInputError as exc:
            raise ScalesimInputError(
                source,
                where,
                f"the option's scenario is invalid: "
                f"{exc.field + ': ' if exc.field else ''}{exc.problem}",
            ) from None
        options[name] = sc.to_dict()

    points, unit = design_points(spec, source)
    if len(points) * len(options) * len(spec.replicates.resolve()) > 10_000_000:
        raise ScalesimInputError(source, "design", "more than 10 million runs; is n right?")
    seeds = spec.replicates.resolve()
    blob = json.dumps(
        {
            "experiment": spec.model_dump(mode="json"),
            "options": options,
            "points": points,
            "seeds": seeds,
        },
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(blob.encode()).hexdigest()[:16]
    return LoadedExperiment(
        spec, source, base, str(base_path), options, points, unit, seeds, digest, raw=data
    )


def _load_scenario(path: Path, source: str, field_name: str) -> Scenario:
    if not path.is_file():
        raise ScalesimInputError(source, field_name, f"scenario file not found: {path}")
    return load_scenario(path)


def design_points(spec: Experiment, source: str) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """The design points (``{path: value}`` each) and, for sampled designs, the raw sample.

    Returns:
        The points in design order, and the sample matrix in SALib's bounds space (None for
        grids and lists).
    """
    u = spec.uncertainties
    d = spec.design
    names = list(u)
    if d.method == "list":
        assert d.points is not None
        out = []
        for i, pt in enumerate(d.points):
            unknown = [k for k in pt if k not in u]
            if unknown:
                raise ScalesimInputError(
                    source,
                    f"design.points[{i}].{unknown[0]}",
                    f"not a declared uncertainty; expected one of: {', '.join(names) or '(none)'}",
                )
            missing = [k for k in names if k not in pt]
            if missing:
                raise ScalesimInputError(
                    source, f"design.points[{i}]", f"missing a value for {missing[0]!r}"
                )
            out.append({k: pt[k] for k in names})
        return out, None
    if not u:
        if d.method != "full_grid":
            raise ScalesimInputError(
                source, "design.method", f"{d.method!r} needs at least one uncertainty"
            )
        return [{}], None
    if d.method == "full_grid":
        grids = [x.grid(d.levels or 3) for x in u.values()]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grids)], None
    problem = {"num_vars": len(u), "names": names, "bounds": [list(x.bounds()) for x in u.values()]}
    assert d.n is not None
    if d.method == "latin_hypercube":
        from SALib.sample import latin

        x = latin.sample(problem, d.n, seed=d.seed)
    elif d.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, d.n, calc_second_order=d.second_order, scramble=True, seed=d.seed)
    else:
        from SALib.sample import morris

        if len(u) < 2:
            raise ScalesimInputError(source, "uncertainties", "morris needs at least two")
        x = morris.sample(problem, d.n, num_levels=d.levels or 4, seed=d.seed)
    vals = [[x_.from_unit(v) for x_, v in zip(u.values(), row, strict=True)] for row in x]
    return [dict(zip(names, row, strict=True)) for row in vals], np.asarray(x)


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Load, validate and resolve an experiment file.

    Args:
        path: The YAML file.

    Returns:
        A :class:`LoadedExperiment`; nothing has run.

    Raises:
        ScalesimInputError: For any problem, naming the file, the field and the expectation.
    """
    path = Path(path)
    try:
        data = parse_yaml(path)
    except ScalesimInputError as exc:
        raise ScalesimInputError(str(path), exc.field, exc.problem) from None
    return experiment_from_dict(data, source=str(path), base_dir=path.parent)

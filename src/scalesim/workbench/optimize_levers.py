"""The levers file of ``scalesim optimize``: the team's choices a search may make.

A levers file says, for each strategy the team could run, whether it may be switched off,
and the range of its start month and intensity (dose), the targeting choices (``select``)
and its fixed fields; and which scalar scenario fields may be searched as well
(``overrides``, e.g. the equity orientation). Optionally it names uncertainties to sample
(robust optimisation: every candidate is evaluated on the same sample of futures) and the
replicate seeds (the same for every candidate: common random numbers). The format is in
``docs/decisions-under-uncertainty.md``::

    strategies:
      local_champions:
        start_month: {low: 0, high: 12, step: 3}
        intensity: {low: 0.5, high: 2.0, step: 0.25}
        select: [{rule: most_credible, per_school: 1}, {rule: highest_need, per_school: 2}]
      coaching: {optional: true, params: {coaches: 4}}
    overrides:
      team.equity_orientation: {low: 0.3, high: 0.9}
    replicates: {count: 8, seed: 1}

Every candidate is a point of one fixed search space (each gene is always suggested, the
genes of a switched-off strategy are ignored), so Optuna's multivariate samplers see one
space. The whole file is validated, and the extreme candidates are built as scenarios,
before anything runs: a lever outside the schema, a path that is not a scenario field or a
strategy the scenario format refuses is a :class:`~scalesim.common.errors.ScalesimInputError`
naming the file and the field. The objectives (:func:`parse_objectives`), the samplers and the
per-batch seeds of the search live here too, next to the space they search.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scalesim.common.errors import ScalesimInputError
from scalesim.common.validation import input_error
from scalesim.metrics import METRICS
from scalesim.scenario import apply_overrides, parse_yaml, scenario_from_dict
from scalesim.workbench.experiment import check_path
from scalesim.workbench.experiment_schema import SUMMARY_OUTCOMES, Replicates, Uncertainty


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Strict):
    """A searched number: ``{low, high}``, optionally on a ``step`` grid or ``integer``."""

    low: float
    high: float
    step: Annotated[float, Field(gt=0)] | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _order(self) -> Span:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class StrategyLever(_Strict):
    """One strategy the search may use."""

    type: str | None = None
    optional: bool = True
    start_month: float | Span = 0.0
    end_month: float | None = None
    intensity: float | Span = 1.0
    select: list[dict[str, Any]] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    cost_per_month: Annotated[float, Field(ge=0)] | None = None
    priority: Annotated[int, Field(ge=1, le=100)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty(cls, data: Any) -> Any:
        return {} if data is None else data


class Sample(_Strict):
    """How many futures to sample from the uncertainties (Latin hypercube)."""

    n: Annotated[int, Field(ge=1, le=1000)] = 1
    seed: Annotated[int, Field(ge=0)] = 1


class Capacity(_Strict):
    """Within the capacity: the share of the strategies' need the team may leave unfunded."""

    max_shortfall_share: Annotated[float, Field(ge=0, le=1)] = 0.02


class LeverFile(_Strict):
    """A whole levers file."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")] = "optimize"
    description: str = ""
    keep_scenario_strategies: bool = False
    fixed: dict[str, Any] = Field(default_factory=dict)
    strategies: Annotated[dict[str, StrategyLever], Field(min_length=1)]
    overrides: dict[str, Span | list[Any]] = Field(default_factory=dict)
    uncertainties: dict[str, Uncertainty] = Field(default_factory=dict)
    sample: Sample = Field(default_factory=Sample)
    replicates: Replicates = Field(default_factory=lambda: Replicates(count=8, seed=1))
    capacity: Capacity = Field(default_factory=Capacity)


@dataclass(frozen=True)
class Gene:
    """One dimension of the search space."""

    name: str
    kind: str  # "bool", "float", "int", "choice"
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    choices: tuple[Any, ...] = ()


def _span_gene(name: str, v: float | Span) -> Gene | None:
    if not isinstance(v, Span) or v.low == v.high:
        return None
    if v.integer:
        return Gene(name, "int", v.low, v.high, v.step)
    return Gene(name, "float", v.low, v.high, v.step)


def _fixed(v: float | Span) -> float:
    return float(v.low) if isinstance(v, Span) else float(v)


@dataclass
class Levers:
    """A validated levers file with its search space and the base scenario it applies to."""

    spec: LeverFile
    source: str
    base: dict[str, Any]
    genes: list[Gene]

    def decode(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The strategy list and scenario overrides of a candidate (only what matters)."""
        out: list[dict[str, Any]] = []
        for label, lev in self.spec.strategies.items():
            if lev.optional and not params.get(f"{label}.on", True):
                continue
            start = params.get(f"{label}.start_month", _fixed(lev.start_month))
            inten = params.get(f"{label}.intensity", _fixed(lev.intensity))
            s: dict[str, Any] = {"type": lev.type or label, "name": label}
            s["start_month"] = float(start)
            if lev.end_month is not None:
                s["end_month"] = float(lev.end_month)
            s["intensity"] = round(float(inten), 6)
            if lev.select:
                s["select"] = dict(lev.select[int(params.get(f"{label}.select", 0))])
            if lev.params:
                s["params"] = dict(lev.params)
            if lev.cost_per_month is not None:
                s["cost_per_month"] = lev.cost_per_month
            if lev.priority is not None:
                s["priority"] = lev.priority
            out.append(s)
        ov: dict[str, Any] = {}
        for path, v in self.spec.overrides.items():
            if isinstance(v, list):
                ov[path] = v[int(params.get(path, 0))]
            else:
                x = params.get(path, v.low)
                ov[path] = round(x) if v.integer else float(x)
        return out, ov

    def scenario(self, params: dict[str, Any]) -> dict[str, Any]:
        """The candidate's full scenario (plain data, validated)."""
        strategies, ov = self.decode(params)
        keep = list(self.base.get("strategies") or []) if self.spec.keep_scenario_strategies else []
        data = apply_overrides(self.base, {**ov, "strategies": keep + strategies})
        return scenario_from_dict(data, f"{self.source} (candidate)").to_dict()

    def extremes(self) -> list[dict[str, Any]]:
        """Candidates at the low and high end of every gene (everything switched on)."""
        out = []
        for end in ("low", "high"):
            p: dict[str, Any] = {}
            for g in self.genes:
                if g.kind == "bool":
                    p[g.name] = True
                elif g.kind == "choice":
                    p[g.name] = 0 if end == "low" else len(g.choices) - 1
                else:
                    p[g.name] = g.low if end == "low" else g.high
            out.append(p)
        return out


def load_levers(path: str | Path, base: dict[str, Any]) -> Levers:
    """Load and validate a levers file against the (fully expanded) base scenario.

    Raises:
        ScalesimInputError: Naming the file, the field and what was expected.
    """
    path = Path(path)
    if not path.is_file():
        raise ScalesimInputError("--levers", "", f"levers file not found: {path}")
    data = parse_yaml(path)
    source = str(path)
    if not isinstance(data, dict):
        raise ScalesimInputError(source, "", f"expected a mapping, got {type(data).__name__}")
    try:
        spec = LeverFile.model_validate(data)
    except ValidationError as exc:
        raise input_error(source, exc, LeverFile) from None
    for k in spec.fixed:
        check_path(source, f"fixed.{k}", k, base)
    base = apply_overrides(base, spec.fixed)
    for k, v in spec.overrides.items():
        check_path(source, f"overrides.{k}", k, base)
        if isinstance(v, list) and not v:
            raise ScalesimInputError(source, f"overrides.{k}", "the list of values is empty")
    for k in spec.uncertainties:
        check_path(source, f"uncertainties.{k}", k, base)
    genes: list[Gene] = []
    for label, lev in spec.strategies.items():
        where = f"strategies.{label}"
        if lev.optional:
            genes.append(Gene(f"{label}.on", "bool"))
        for fld in ("start_month", "intensity"):
            g = _span_gene(f"{label}.{fld}", getattr(lev, fld))
            if g is not None:
                genes.append(g)
        if lev.select is not None:
            if not lev.select:
                raise ScalesimInputError(source, f"{where}.select", "give at least one choice")
            if len(lev.select) > 1:
                genes.append(
                    Gene(f"{label}.select", "choice", choices=tuple(range(len(lev.select))))
                )
    for k, v in spec.overrides.items():
        if isinstance(v, list):
            genes.append(Gene(k, "choice", choices=tuple(range(len(v)))))
        else:
            g = _span_gene(k, v)
            if g is not None:
                genes.append(g)
    lev = Levers(spec, source, base, genes)
    for i, p in enumerate(lev.extremes()):
        try:
            lev.scenario(p)
        except ScalesimInputError as exc:
            end = "lowest" if i == 0 else "highest"
            raise ScalesimInputError(
                source,
                "strategies",
                f"the candidate with every strategy on at its {end} settings is not a valid "
                f"scenario: {exc.field + ': ' if exc.field else ''}{exc.problem}",
            ) from None
    return lev


@dataclass(frozen=True)
class Objective:
    """One objective: a metric (read at the end of each run) or a run-summary column."""

    name: str
    direction: str  # "minimize" | "maximize"


def parse_objectives(text: str | Sequence[str]) -> list[Objective]:
    """Objectives from ``"capacity_spent,tt_reached"`` (directions from the registry).

    Raises:
        ScalesimInputError: A name that is not a metric or a run summary column, an
            ``info`` metric, a repeated name, or fewer than two objectives.
    """
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    out = []
    for n in names:
        if n in METRICS:
            kind = METRICS[n].kind
            if kind not in ("maximize", "minimize"):
                raise ScalesimInputError(
                    "--objectives", "", f"{n!r} is an information metric (no direction)"
                )
        elif n in SUMMARY_OUTCOMES:
            kind = "minimize" if "shortfall" in n else "maximize"
        else:
            raise ScalesimInputError(
                "--objectives",
                "",
                f"{n!r} is not a metric; expected metrics ({', '.join(METRICS)}) or run "
                f"summary columns ({', '.join(SUMMARY_OUTCOMES)})",
            )
        out.append(Objective(n, kind))
    if len(out) < 2:
        raise ScalesimInputError(
            "--objectives", "", f"give at least two objectives (cost and a goal), got {names}"
        )
    if len({o.name for o in out}) != len(out):
        raise ScalesimInputError("--objectives", "", "each objective may appear once")
    return out


def batch_seed(seed: int, batch: int) -> int:
    """The sampler seed of batch ``batch``: a pure function of (seed, batch index)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{batch}".encode()).digest()[:4], "little")


def make_sampler(kind: str, seed: int, batch: int, n_startup: int) -> Any:
    """A fresh sampler: NSGA-II with one batch per generation, or multivariate TPE."""
    from optuna.samplers import NSGAIISampler, TPESampler

    if kind == "nsga2":
        return NSGAIISampler(population_size=max(batch, 2), seed=seed)
    return TPESampler(seed=seed, multivariate=True, n_startup_trials=n_startup)


def suggest(trial: Any, lev: Levers) -> dict[str, Any]:
    """Every gene, always (one fixed search space)."""
    p: dict[str, Any] = {}
    for g in lev.genes:
        if g.kind == "bool":
            p[g.name] = trial.suggest_categorical(g.name, [False, True])
        elif g.kind == "choice":
            p[g.name] = trial.suggest_categorical(g.name, list(g.choices))
        elif g.kind == "int":
            p[g.name] = trial.suggest_int(g.name, int(g.low), int(g.high), step=int(g.step or 1))
        else:
            p[g.name] = trial.suggest_float(g.name, g.low, g.high, step=g.step)
    return p

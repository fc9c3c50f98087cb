"""Experiments resolved: options, design points, seeds and the tasks a sweep runs.

:func:`load_experiment` validates an experiment file against its schema
(:mod:`scalesim.workbench.experiment_schema`, written out in ``docs/experiments.md``),
checks every dotted path against the base scenario, builds each option's scenario and the
design points, and returns a :class:`LoadedExperiment` whose :meth:`~LoadedExperiment.tasks`
are the runs. Any problem is a :class:`~scalesim.common.errors.ScalesimInputError` naming
the file, the field and what was expected; nothing runs before the whole file is valid.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from scalesim.common.errors import ScalesimInputError
from scalesim.common.validation import input_error
from scalesim.scenario import (
    Scenario,
    apply_overrides,
    load_scenario,
    parse_yaml,
    scenario_from_dict,
)
from scalesim.workbench.experiment_schema import (
    MAX_RUNS,
    STORE_TABLES,
    Experiment,
    Lever,
)


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

    # Counted before anything is sampled: a huge design is refused without being built.
    n_reps = spec.replicates.count or len(spec.replicates.seeds or ())
    n_points = design_size(spec)
    if n_points * len(options) * n_reps > MAX_RUNS:
        raise ScalesimInputError(
            source,
            "design",
            f"{n_points:,} design points x {len(options)} option(s) x {n_reps:,} replicates "
            f"is {n_points * len(options) * n_reps:,} runs; at most {MAX_RUNS:,} (is n right?)",
        )
    points, unit = design_points(spec, source)
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


def design_size(spec: Experiment) -> int:
    """How many design points ``spec`` asks for, counted without drawing any sample."""
    u = spec.uncertainties
    d = spec.design
    k = len(u)
    if d.method == "list":
        return len(d.points or ())
    if not u:
        return 1
    if d.method == "full_grid":
        return math.prod(len(x.grid(d.levels or 3)) for x in u.values())
    n = int(d.n or 0)
    if d.method == "latin_hypercube":
        return n
    if d.method == "sobol":
        return n * (2 * k + 2 if d.second_order else k + 2)
    return n * (k + 1)  # morris: one trajectory of k + 1 points per n


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

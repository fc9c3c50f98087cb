"""Rehearsal from a pit stop: branch the *same* history into alternative strategy sets.

For each replicate seed, the scenario runs up to the branch month; the model is then
checkpointed (pickled: every array, the network, the travel log and every named random
stream's exact state) and each option continues from its own copy of that checkpoint. So
all branches of a replicate share their past exactly and see the same random draws
afterwards wherever their choices do not change what is drawn (common random numbers);
the difference between branches is the effect of the options alone. The branches are then
compared as :mod:`scalesim.workbench.compare` does.

An options file (``--options``) looks like::

    options:
      continue: {}                              # the baseline: carry on as planned
      tight_mandate:
        overrides: {conditions.mandate: tight}  # change conditions / mechanisms from now on
      add_champions:
        strategies:                             # replace the strategy set from now on
          - {type: local_champions, select: {rule: highest_need, per_school: 1}}

Overrides may change what can change mid-run: mechanism parameters (``adoption``,
``depth``, ``ownership``, ``abandonment``, ``turnover``), the team (``team``), district
conditions and innovation factors (``conditions``, ``innovation``; these set the current
district state to the new value), ``metrics`` and ``measurement``. The district, its
educators, the network, the calendar, the horizon, the start, the trip ticket and the
adaptation rules cannot: they are fixed when the model is built.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scalesim.common.errors import ScalesimInputError
from scalesim.common.provenance import versions
from scalesim.common.validation import input_error
from scalesim.metrics import METRICS
from scalesim.scenario import (
    Scenario,
    apply_overrides,
    month_to_week,
    parse_yaml,
    scenario_from_dict,
)
from scalesim.simulation.model import (
    FROZEN_PATHS,
    MUTABLE_SECTIONS,
    ScalingModel,
    override_allowed,
)
from scalesim.workbench.compare import write_results
from scalesim.workbench.executors import Executor
from scalesim.workbench.experiment import check_path
from scalesim.workbench.stats import summary_tables
from scalesim.workbench.store import RUN_TABLES, run_tables, to_ipc
from scalesim.workbench.tasks import TaskOutput, concat_parts


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BranchOption(_Strict):
    """One alternative from the branch point on."""

    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)
    strategies: list[dict[str, Any]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty(cls, data: Any) -> Any:
        return {} if data is None else data


class OptionsFile(_Strict):
    """An options file: named alternatives; the first is the baseline."""

    options: dict[str, BranchOption] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> OptionsFile:
        import re

        for n in self.options:
            if not re.match(r"^[A-Za-z0-9_.\-]+$", n):
                raise ValueError(f"option name {n!r}: use letters, digits, '_', '-', '.'")
        return self


@dataclass(frozen=True)
class RehearsalTask:
    """One replicate: the shared history, then every option from the checkpoint."""

    replicate: int
    seed: int
    reps: int
    scenario: dict[str, Any]
    branch_week: int
    options: tuple[tuple[str, dict[str, Any], tuple[dict[str, Any], ...] | None], ...]
    tables: tuple[str, ...]
    source: str = "<rehearse>"
    # Rehearsing from a calibration: the replicate's parameter draw (set before the model is
    # built) and the observed state the branch point is made to match
    # (:func:`scalesim.workbench.from_calibration.observed_enacting`).
    params: dict[str, float] | None = None
    observed: Any = None


def orphan_rules(base: Scenario, strategies: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """The scenario's adaptation rules that name a strategy a new strategy set leaves out.

    Returns:
        ``(rule index, "drop policy_network")`` for each rule whose ``drop``, ``retarget`` or
        ``rescale`` names a label that is neither in ``strategies`` nor added by a rule.
    """
    labels = {str(s.get("name") or s.get("type")) for s in strategies if isinstance(s, dict)}
    labels |= {r.then.add.label for r in base.adaptation if r.then.add is not None}
    out = []
    for i, r in enumerate(base.adaptation):
        a = r.then
        ref = a.drop or (a.retarget or {}).get("strategy") or (a.rescale or {}).get("strategy")
        if ref is not None and ref not in labels:
            verb = "drop" if a.drop else "retarget" if a.retarget else "rescale"
            out.append((i, f"{verb} {ref}"))
    return out


def load_options(
    path: str | Path,
    base: Scenario,
    ignore_orphan_rules: bool = False,
    on_orphans: Callable[[str, list[tuple[int, str]]], None] | None = None,
) -> dict[str, BranchOption]:
    """Load and validate an options file against the scenario (nothing runs).

    Args:
        path: The options file.
        base: The scenario whose history the options branch from.
        ignore_orphan_rules: Accept an option whose strategy set leaves out a strategy that
            one of the scenario's adaptation rules names. Adaptation rules are fixed when the
            model is built, so such a rule stays but cannot act in that branch: when it
            fires, the pit stop records ``drop X: not in the set`` and nothing changes.
        on_orphans: Called as ``on_orphans(option, [(rule index, action), ...])`` for each
            option with such rules (when they are accepted), e.g. to print a note.

    Raises:
        ScalesimInputError: Naming the file, the field and what was expected.
    """
    return options_from_dict(
        parse_yaml(Path(path)), base, str(path), ignore_orphan_rules, on_orphans
    )


def options_from_dict(
    data: Any,
    base: Scenario,
    src: str = "<options>",
    ignore_orphan_rules: bool = False,
    on_orphans: Callable[[str, list[tuple[int, str]]], None] | None = None,
) -> dict[str, BranchOption]:
    """Validate a parsed options document (``{"options": {...}}``) as :func:`load_options`.

    Raises:
        ScalesimInputError: Naming ``src``, the field and what was expected.
    """
    if not isinstance(data, dict):
        raise ScalesimInputError(src, "", "expected a mapping with an 'options:' section")
    try:
        spec = OptionsFile.model_validate(data)
    except ValidationError as exc:
        raise input_error(src, exc, OptionsFile) from None
    full = base.to_dict()
    for name, opt in spec.options.items():
        where = f"options.{name}"
        for k in opt.overrides:
            check_path(src, f"{where}.overrides.{k}", k, full)
            if not override_allowed(k):
                raise ScalesimInputError(
                    src,
                    f"{where}.overrides.{k}",
                    "cannot change after the branch point (it is fixed when the district is "
                    f"built); options may change: {', '.join(MUTABLE_SECTIONS)} (except "
                    f"{', '.join(FROZEN_PATHS)})",
                )
        ov = dict(opt.overrides)
        if opt.strategies is not None:
            ov["strategies"] = opt.strategies
            orphans = orphan_rules(base, opt.strategies)
            if orphans and not ignore_orphan_rules:
                i, action = orphans[0]
                ref = action.split(" ", 1)[1]
                raise ScalesimInputError(
                    src,
                    f"{where}.strategies",
                    f"the option's strategy set leaves out {ref!r}, which the scenario's "
                    f"adaptation rule [{i}] names ({base.adaptation[i].when!r} → {action}); "
                    f"keep {ref!r} in the option's strategies, or rehearse with "
                    "--ignore-orphan-rules (such a rule then does nothing in this branch)",
                )
            if orphans:
                keep = {i for i, _ in orphans}
                ov["adaptation"] = [
                    r for i, r in enumerate(full.get("adaptation", [])) if i not in keep
                ]
                if on_orphans is not None:
                    on_orphans(name, orphans)
        try:
            scenario_from_dict(apply_overrides(full, ov), f"{src} ({where})")
        except ScalesimInputError as exc:
            raise ScalesimInputError(
                src,
                where,
                "the option makes the scenario invalid: "
                f"{exc.field + ': ' if exc.field else ''}{exc.problem}",
            ) from None
    return dict(spec.options)


def apply_option(
    model: ScalingModel,
    overrides: dict[str, Any],
    strategies: Sequence[dict[str, Any]] | None,
    source: str = "<option>",
) -> None:
    """Apply an option to a (checkpointed) model, from its current week on.

    Both go through the model's mutation API: overrides through
    :meth:`ScalingModel.apply_overrides`, a strategy set through
    :meth:`ScalingModel.set_strategies`.

    Raises:
        ScalesimInputError: If the option cannot apply at this point.
    """
    if overrides:
        model.apply_overrides(overrides, source)
    if strategies is not None:
        model.set_strategies([dict(s) for s in strategies])


def execute_rehearsal(task: RehearsalTask) -> list[TaskOutput]:
    """Run one replicate's shared history, checkpoint it, and run every branch from it.

    Returns:
        One :class:`~scalesim.workbench.tasks.TaskOutput` per option (task id ``option * reps +
        replicate``), tables encoded as Arrow IPC bytes.
    """
    from scalesim.simulation.runner import collect

    outs = []
    t0 = time.perf_counter()
    data = task.scenario if task.params is None else apply_overrides(task.scenario, task.params)
    sc = scenario_from_dict(data, source=task.source)
    model = ScalingModel(sc, seed=task.seed)
    if task.branch_week > 0:
        model.run_for(task.branch_week)
    if task.observed is not None:
        from scalesim.workbench.from_calibration import observed_enacting

        model.set_enacting(observed_enacting(model, task.observed), "history")
    checkpoint = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    shared = time.perf_counter() - t0
    for i, (name, overrides, strategies) in enumerate(task.options):
        t1 = time.perf_counter()
        ident = {
            "task_id": i * task.reps + task.replicate,
            "option": name,
            "replicate": task.replicate,
            "seed": task.seed,
        }
        branch = pickle.loads(checkpoint)
        try:
            apply_option(branch, overrides, strategies, f"{task.source} option {name}")
            branch.log.record(branch, "branch", option=name)
            branch.run()
            result = collect(branch)
        except Exception as exc:  # recorded, like a failed sweep run
            from scalesim.workbench.store import error_tables

            msg = f"{type(exc).__name__}: {exc}"
            parts = {k: to_ipc(v) for k, v in error_tables(ident, msg).items()}
            outs.append(TaskOutput(ident["task_id"], "error", msg, parts, time.perf_counter() - t1))
            continue
        t2 = time.perf_counter()
        parts = {k: to_ipc(v) for k, v in run_tables(result, ident, (), task.tables).items()}
        outs.append(
            TaskOutput(
                ident["task_id"],
                "ok",
                "",
                parts,
                t2 - t1 + shared / len(task.options),
                time.perf_counter() - t2,
            )
        )
    return outs


def rehearse(
    scenario: Scenario,
    at_month: float,
    options: dict[str, BranchOption],
    seeds: Sequence[int],
    executor: Executor,
    out: str | Path | None = None,
    *,
    scenario_source: str = "",
    options_source: str = "",
    command: str | None = None,
    seed_root: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    force: bool = False,
    params: Sequence[dict[str, float]] | None = None,
    observed: Any = None,
    manifest_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Branch the scenario at ``at_month`` into ``options`` on every seed, and compare.

    Args:
        scenario: The scenario whose history is shared up to the branch point.
        at_month: The branch month (a pit stop): ``0 <= at_month < horizon``.
        options: Alternatives from the branch point on; the first is the baseline.
        seeds: Replicate seeds.
        executor: Where replicates execute (one task per replicate).
        out: Results folder (None: compute only).
        scenario_source: Path of the scenario, for the manifest.
        options_source: Path of the options file, for the manifest.
        command: The command line, for the manifest.
        seed_root: The root the seeds were derived from, for the manifest.
        on_progress: ``on_progress(done, failed, total)`` after each branch run.
        force: Replace ``out`` even if it is not a rehearsal folder.
        params: One parameter draw per replicate (rehearsing from a calibration), or None.
        observed: The observed state every branch starts from, or None.
        manifest_extra: More manifest fields (the calibration it came from).

    Returns:
        Every table (per-run and summary), by name, plus ``branch_week``.
    """
    if not 0 <= at_month < scenario.horizon_months:
        raise ScalesimInputError(
            "--at",
            "",
            f"expected a month in [0, {scenario.horizon_months:g}) (the horizon), got {at_month:g}",
        )
    t0 = time.perf_counter()
    branch_week = month_to_week(at_month)
    names = list(options)
    opts = tuple(
        (n, dict(o.overrides), None if o.strategies is None else tuple(o.strategies))
        for n, o in options.items()
    )
    data = scenario.to_dict()
    tasks = [
        RehearsalTask(
            r,
            int(s),
            len(seeds),
            data,
            branch_week,
            opts,
            (*RUN_TABLES[1:], "extra"),
            source=scenario_source or scenario.name,
            params=None if params is None else dict(params[r]),
            observed=observed,
        )
        for r, s in enumerate(seeds)
    ]
    outputs: list[Any] = []
    failed = 0
    total = len(tasks) * len(names)
    for group in executor.map_unordered(execute_rehearsal, tasks):
        outputs.extend(group)
        failed += sum(o.status != "ok" for o in group)
        if on_progress:
            on_progress(len(outputs), failed, total)
    tables: dict[str, Any] = concat_parts(outputs)
    tables.update(
        summary_tables(
            tables["runs"],
            tables.get("timeseries"),
            tables.get("schools"),
            names,
            measures=dict.fromkeys(names, scenario.trip_ticket.destination.measure),
        )
    )
    if out is not None:
        import yaml

        full = scenario.to_dict()
        manifest = {
            "command": command,
            "versions": versions(),
            "baseline": names[0],
            "scenario": {
                "source": scenario_source,
                "scenario_hash": scenario.scenario_hash(),
                "name": scenario.name,
            },
            "options_file": options_source,
            "at_month": float(at_month),
            "branch_week": branch_week,
            "options": [
                {
                    "name": n,
                    "description": o.description,
                    "overrides": o.overrides,
                    "strategies": o.strategies,
                }
                for n, o in options.items()
            ],
            "reps": len(seeds),
            "seeds": [int(s) for s in seeds],
            "seed_root": seed_root,
            "metrics": list(METRICS),
            "confidence": 0.95,
            "counts": {
                "ok": int((tables["runs"]["status"] == "ok").sum()),
                "error": int((tables["runs"]["status"] != "ok").sum()),
            },
            "timing": {
                "wall_seconds": round(time.perf_counter() - t0, 3),
                "backend": executor.name,
                "workers": executor.workers,
            },
            **(manifest_extra or {}),
        }
        scen = {}
        for n, o in options.items():
            ov = dict(o.overrides)
            if o.strategies is not None:
                ov["strategies"] = o.strategies
            scen[n] = apply_overrides(full, ov)
        write_results(
            Path(out),
            "rehearse",
            tables,
            manifest,
            scen,
            title=f"Rehearse from month {at_month:g}: {', '.join(names)} on "
            f"{len(seeds)} common seeds",
            branch_month=at_month,
            extra_files={"history_scenario.yaml": yaml.safe_dump(full, sort_keys=True)},
            force=force,
        )
    tables["branch_week"] = branch_week
    return tables


__all__ = [
    "BranchOption",
    "apply_option",
    "execute_rehearsal",
    "load_options",
    "options_from_dict",
    "orphan_rules",
    "rehearse",
]

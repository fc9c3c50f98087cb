"""Sweeps: every task of an experiment through one executor into a resumable store.

Every backend runs :func:`scalesim.workbench.tasks.execute_task` (pure: task in, tables
out). The parent gathers the runs of a chunk of consecutive task ids and writes the chunk,
rows in task order, once all of them are back; so results are the same, byte for byte,
whichever backend runs the tasks, however many workers there are, and in whatever order
runs finish.

A run that raises (for instance, a sampled value that makes the scenario invalid) is
stored as a ``runs`` row with ``status: error`` and its message; the sweep goes on.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scalesim.common.provenance import versions
from scalesim.workbench.executors import Executor
from scalesim.workbench.experiment import LoadedExperiment, Task
from scalesim.workbench.markdown import markdown_table
from scalesim.workbench.stats import comparison_table, trip_ticket_table
from scalesim.workbench.store import (
    SWEEP_FORMAT,
    SweepStore,
    load_results,
    write_json,
    write_table_files,
)
from scalesim.workbench.tasks import TaskOutput, execute_task, gather

MANIFEST_EVERY_S = 2.0


@dataclass
class SweepReport:
    """What a sweep did: counts, where it wrote, and how long it took."""

    out: Path
    n_tasks: int
    ran: int
    skipped: int
    ok: int
    error: int
    wall_seconds: float
    model_seconds: float
    table_seconds: float
    errors: dict[int, str] = field(default_factory=dict)
    model_cpu: float = 0.0
    corrupt_chunks: list[int] = field(default_factory=list)


def _utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def plan_files(exp: LoadedExperiment, tasks: list[Task]) -> dict[str, Any]:
    """The files that describe the plan: experiment, base scenario, design, tasks."""
    paths = exp.paths
    design = pd.DataFrame([{"point": i, **pt} for i, pt in enumerate(exp.points)])
    if not paths:
        design = pd.DataFrame({"point": pd.Series([0], dtype="int64")})
    task_df = pd.DataFrame(
        [
            {
                "task_id": t.task_id,
                "point": t.point,
                "option": t.option,
                "replicate": t.replicate,
                "seed": t.seed,
                **dict(t.values),
            }
            for t in tasks
        ]
    )
    return {
        "experiment.yaml": exp.spec.model_dump(mode="json", exclude_none=True),
        "base_scenario.yaml": exp.base.to_dict(),
        "design": design,
        "tasks": task_df,
    }


def new_manifest(exp: LoadedExperiment, tasks: list[Task], command: str | None) -> dict[str, Any]:
    """The manifest of a sweep that has not run yet."""
    return {
        "format": SWEEP_FORMAT,
        "kind": "sweep",
        "experiment": {
            "name": exp.spec.name,
            "source": exp.source,
            "hash": exp.hash,
            "description": exp.spec.description,
        },
        "base_scenario": {"source": exp.base_source, "scenario_hash": exp.base.scenario_hash()},
        "versions": versions(),
        "command": command,
        **exp.describe(),
        "n_tasks": len(tasks),
        "status": "running",
        "counts": {"ok": 0, "error": 0, "pending": len(tasks)},
        "runs": [
            {
                "task_id": t.task_id,
                "point": t.point,
                "option": t.option,
                "replicate": t.replicate,
                "seed": t.seed,
                "status": "pending",
                "error": "",
            }
            for t in tasks
        ],
        "timing": {"sessions": []},
    }


def _refresh_counts(manifest: dict[str, Any]) -> None:
    counts = {"ok": 0, "error": 0, "pending": 0}
    for r in manifest["runs"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    manifest["counts"] = counts


def run_sweep(
    exp: LoadedExperiment,
    out: str | Path,
    executor: Executor,
    *,
    resume: bool = False,
    retry_failed: bool = False,
    command: str | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    force: bool = False,
) -> SweepReport:
    """Run (or resume) a sweep of ``exp`` into ``out``.

    Args:
        exp: A loaded, validated experiment.
        out: The results folder.
        executor: Where runs execute (see :mod:`scalesim.workbench.executors`).
        resume: Continue an interrupted sweep in ``out`` (same experiment only): run only
            the tasks that have no stored result.
        retry_failed: With ``resume``, also re-run tasks stored with ``status: error``.
        command: The command line, recorded in the manifest.
        on_progress: Called as ``on_progress(done, failed, total)`` after every run.
        force: Without ``resume``, replace a non-empty ``out`` (an earlier sweep, or any
            other folder; see :func:`scalesim.common.files.check_target`).

    Returns:
        A :class:`SweepReport`.
    """
    out = Path(out)
    tasks = exp.tasks()
    size = exp.spec.store.chunk
    t_start = time.perf_counter()
    if resume:
        store = SweepStore.open(out, exp.hash)
        finished = store.finished()
        m = store.manifest
        if len(m.get("runs", [])) != len(tasks):
            m["runs"] = new_manifest(exp, tasks, command)["runs"]
        for r in m["runs"]:
            st, err = finished.get(r["task_id"], ("pending", ""))
            r["status"], r["error"] = st, err
    else:
        store = SweepStore.create(
            out, new_manifest(exp, tasks, command), plan_files(exp, tasks), force=force
        )
        finished = {}
    m = store.manifest
    # Chunks of consecutive task ids are the unit of writing and resuming.
    chunk_ids: dict[int, list[int]] = {}
    for t in tasks:
        chunk_ids.setdefault(t.task_id // size * size, []).append(t.task_id)
    redo = {
        c
        for c, ids in chunk_ids.items()
        if any(i not in finished for i in ids)
        or (retry_failed and any(finished[i][0] == "error" for i in ids))
    }
    todo = [t for t in tasks if t.task_id // size * size in redo]
    for t in todo:
        m["runs"][t.task_id].update(status="pending", error="")
    m["status"] = "running"
    _refresh_counts(m)
    session = {
        "started_utc": _utc_now(),
        "backend": executor.name,
        "workers": executor.workers,
        "tasks": len(todo),
        "command": command,
    }
    if store.corrupt:
        session["corrupt_chunks_rerun"] = sorted(store.corrupt)
    m["timing"].setdefault("sessions", []).append(session)
    store.write_manifest()

    total = len(tasks)
    done = total - len(todo)
    failed = sum(1 for r in m["runs"] if r["status"] == "error")
    if on_progress:
        on_progress(done, failed, total)
    meta = {"format": SWEEP_FORMAT, "kind": "sweep", "experiment_hash": exp.hash}
    buffers: dict[int, dict[int, TaskOutput]] = {}
    model_s = table_s = model_cpu = 0.0
    errors: dict[int, str] = {}
    ran = 0
    last_flush = time.perf_counter()
    flush_cost = 0.0
    try:
        for res in executor.map_unordered(execute_task, todo):
            cid = res.task_id // size * size
            buf = buffers.setdefault(cid, {})
            buf[res.task_id] = res
            model_s += res.model_seconds
            table_s += res.table_seconds
            model_cpu += res.model_cpu
            ran += 1
            done += 1
            if res.status != "ok":
                failed += 1
                errors[res.task_id] = res.error
            if len(buf) == len(chunk_ids[cid]):
                _write_chunk(store, cid, buffers.pop(cid), meta)
            if on_progress:
                on_progress(done, failed, total)
            now = time.perf_counter()
            if now - last_flush > max(MANIFEST_EVERY_S, 100 * flush_cost):
                # Rewriting a big manifest costs O(runs): keep it under ~1% of the time.
                _refresh_counts(m)
                session.update(runs_done=ran, wall_seconds=round(now - t_start, 3))
                store.write_manifest()
                last_flush = time.perf_counter()
                flush_cost = last_flush - now
    except BaseException:
        _refresh_counts(m)
        m["status"] = "interrupted"
        session.update(
            runs_done=ran,
            wall_seconds=round(time.perf_counter() - t_start, 3),
            model_seconds=round(model_s, 3),
            table_seconds=round(table_s, 3),
            ended="interrupted",
            unstored_runs=sum(len(b) for b in buffers.values()),
        )
        store.write_manifest()
        raise
    _refresh_counts(m)
    finalize(store, exp)
    wall = time.perf_counter() - t_start
    m["status"] = "complete" if m["counts"].get("pending", 0) == 0 else "interrupted"
    session.update(
        runs_done=ran,
        wall_seconds=round(wall, 3),
        model_seconds=round(model_s, 3),
        table_seconds=round(table_s, 3),
        model_cpu_seconds=round(model_cpu, 3),
        ended="complete",
    )
    m["timing"]["wall_seconds"] = round(
        sum(s.get("wall_seconds", 0.0) for s in m["timing"]["sessions"]), 3
    )
    store.write_manifest()
    counts = m["counts"]
    return SweepReport(
        out,
        total,
        ran,
        total - len(todo),
        counts.get("ok", 0),
        counts.get("error", 0),
        wall,
        model_s,
        table_s,
        errors,
        model_cpu,
        sorted(store.corrupt),
    )


def _write_chunk(
    store: SweepStore, first: int, outputs: dict[int, TaskOutput], meta: dict[str, Any]
) -> None:
    """Concatenate a complete chunk's runs in task order and store it."""
    ordered = [outputs[i] for i in sorted(outputs)]
    tables = gather(ordered)
    store.write_chunk(first, tables, meta)
    runs = store.manifest["runs"]
    for o in ordered:
        runs[o.task_id].update(status=o.status, error=o.error)


def finalize(store: SweepStore, exp: LoadedExperiment) -> None:
    """Consolidate the ``runs`` table and, with several options, the comparison tables."""
    runs = load_results(store.root, "runs")
    meta = {"format": SWEEP_FORMAT, "kind": "sweep", "experiment_hash": exp.hash}
    write_table_files(runs, store.root / "runs", meta)
    if len(exp.options) >= 2 and len(runs):
        first = next(iter(exp.options))
        comp = comparison_table(
            runs,
            baseline=first,
            pair_on=("point", "replicate"),
            options=list(exp.options),
            measures=dict.fromkeys(exp.options, exp.base.trip_ticket.destination.measure),
        )
        write_table_files(comp, store.root / "comparison", meta)
        tt = trip_ticket_table(runs, options=list(exp.options))
        write_table_files(tt, store.root / "trip_ticket", meta)
        (store.root / "comparison.md").write_text(
            markdown_table(
                comp,
                tt,
                title=f"Sweep {exp.spec.name}: options compared over "
                f"{len(exp.points)} design point(s) × {len(exp.seeds)} replicates",
            ),
            encoding="utf-8",
        )


def write_plain_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write a manifest (used by compare and rehearse)."""
    write_json(path, manifest)

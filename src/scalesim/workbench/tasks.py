"""The unit of work every backend runs, what it sends back, and how the parent gathers it.

:func:`execute_task` rebuilds a task's scenario from plain data, calls
:func:`scalesim.simulation.runner.run_one`, and returns the run's tables as Arrow IPC bytes
(cheap to send between processes). It is pure (task in, tables out; no clock, no host
name in the tables), so results are the same whichever backend runs it. A run that raises
(for instance, a sampled value that makes the scenario invalid) comes back as a ``runs``
row with ``status: error`` and its message. Sweeps, comparisons and rehearsals all gather
runs with :func:`gather`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from scalesim.workbench.experiment import Task
from scalesim.workbench.store import concat, error_tables, from_ipc, run_tables, to_ipc


@dataclass
class TaskOutput:
    """What a worker sends back: the run's tables (Arrow IPC bytes), and its status."""

    task_id: int
    status: str
    error: str
    parts: dict[str, Any]
    model_seconds: float = 0.0
    table_seconds: float = 0.0
    model_cpu: float = 0.0


def execute_task(task: Task) -> TaskOutput:
    """Run one task and encode its tables (the picklable unit of work of every backend).

    Exceptions raised by the scenario or the model are caught and recorded; only
    interrupts propagate.
    """
    from scalesim.scenario import scenario_from_dict
    from scalesim.simulation.runner import run_one

    ident = task.identity()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        sc = scenario_from_dict(task.scenario, source=task.source)
        result = run_one(sc, task.seed)
    except Exception as exc:  # a failing run is a result, not a crash of the sweep
        msg = f"{type(exc).__name__}: {exc}"
        t1, c1 = time.perf_counter(), time.process_time()
        parts = {k: to_ipc(v) for k, v in error_tables(ident, msg, task.outcomes).items()}
        return TaskOutput(
            task.task_id, "error", msg, parts, t1 - t0, time.perf_counter() - t1, c1 - c0
        )
    t1, c1 = time.perf_counter(), time.process_time()
    parts = {k: to_ipc(v) for k, v in run_tables(result, ident, task.outcomes, task.tables).items()}
    return TaskOutput(task.task_id, "ok", "", parts, t1 - t0, time.perf_counter() - t1, c1 - c0)


def gather(outputs: Sequence[TaskOutput]) -> dict[str, pa.Table]:
    """Concatenate runs' tables in the order given (a table absent from a run is skipped)."""
    names: list[str] = []
    for o in outputs:
        names += [k for k in o.parts if k not in names]
    return {n: concat([from_ipc(o.parts[n]) for o in outputs if n in o.parts]) for n in names}


def concat_parts(outputs: Sequence[TaskOutput]) -> dict[str, pd.DataFrame]:
    """Concatenate workers' per-run tables in task order, as pandas."""
    ordered = sorted(outputs, key=lambda o: o.task_id)
    return {n: t.to_pandas() for n, t in gather(ordered).items()}

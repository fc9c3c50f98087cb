"""Paired comparison of strategy sets: the rehearsal view for an improvement team.

Every option runs on the *same* seeds (common random numbers); :mod:`scalesim.workbench.stats`
turns the runs into the comparison, trip-ticket, bands and equity-by-need tables. This
module runs the options and writes the results folder: tables as Parquet, CSV and Markdown
(:mod:`scalesim.workbench.markdown`), figures as PNG drawn by :mod:`scalesim.plotting` (the
report's own figures). The layout is in docs/results-format.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure

from scalesim.common.files import results_folder
from scalesim.common.provenance import versions
from scalesim.metrics import METRICS
from scalesim.metrics.units import metric_title, metric_unit
from scalesim.plotting.equity import reach_by_need
from scalesim.plotting.markers import Markers
from scalesim.plotting.outcomes import trajectories
from scalesim.plotting.style import png_bytes
from scalesim.scenario import Scenario
from scalesim.workbench.executors import Executor
from scalesim.workbench.experiment import Task
from scalesim.workbench.markdown import markdown_table
from scalesim.workbench.stats import CONFIDENCE, summary_tables
from scalesim.workbench.store import (
    KNOWN_FORMATS,
    RUN_TABLES,
    atomic_write_text,
    write_json,
    write_table_files,
)
from scalesim.workbench.tasks import concat_parts, execute_task

# The metrics of figures/trajectories.png, one panel each.
TRAJECTORY_METRICS = (
    "share_enacting",
    "destination_share",
    "destination_equity_share",
    "mean_ownership",
    "institutionalization",
    "equity_ratio",
)


# --------------------------------------------------------------------------- figures


def trajectories_figure(
    bands: pd.DataFrame,
    tt: pd.DataFrame | None = None,
    metrics: Sequence[str] = TRAJECTORY_METRICS,
    branch_month: float | None = None,
    measure: str = "educators",
) -> bytes:
    """``figures/trajectories.png``: the report's trajectory panels, one per metric.

    Mean line, 95% interval of the mean and the 10th–90th percentiles of replicates; the
    destination's targets and deadline where they apply; a rehearsal's branch point.
    ``measure``: what the destination counts (``educators`` or ``students``).
    """
    return png_bytes(trajectories_plot(bands, tt, metrics, branch_month, measure))


def trajectories_plot(
    bands: pd.DataFrame,
    tt: pd.DataFrame | None = None,
    metrics: Sequence[str] = TRAJECTORY_METRICS,
    branch_month: float | None = None,
    measure: str = "educators",
) -> Figure:
    """The figure of :func:`trajectories_figure`, as a matplotlib ``Figure`` (notebooks)."""
    present = set(bands["metric"])
    panels = [(metric_title(m, measure), [m]) for m in metrics if m in present]
    options = list(dict.fromkeys(bands["option"]))
    targets: dict[str, float] = {}
    deadline = None
    if tt is not None and len(tt):
        targets = {
            "destination_share": float(tt["target"].iloc[0]),
            "destination_equity_share": float(tt["equity_target"].iloc[0]),
        }
        deadline = float(tt["by_month"].iloc[0])
    mk = Markers(branch=branch_month, deadline=deadline)
    units = {m: metric_unit(m, measure) for m in metrics}
    return trajectories(bands, panels, options, mk, targets, units=units)


def equity_figure(eq: pd.DataFrame) -> bytes:
    """``figures/equity_by_need.png``: share enacting and at depth by school need."""
    return png_bytes(reach_by_need(eq, list(dict.fromkeys(eq["option"]))))


# --------------------------------------------------------------------------- running


@dataclass
class Option:
    """One strategy set to compare: a name and a validated scenario."""

    name: str
    scenario: Scenario
    source: str = ""


def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique by appending ``-2``, ``-3`` and so on."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0) + 1
        seen[n] = k
        out.append(n if k == 1 else f"{n}-{k}")
    return out


def run_options(
    options: Sequence[Option],
    seeds: Sequence[int],
    executor: Executor,
    on_progress: Callable[[int, int, int], None] | None = None,
    tables: Sequence[str] = (*RUN_TABLES[1:], "extra"),
) -> dict[str, pd.DataFrame]:
    """Run every option on every seed and return the per-run tables (task order).

    Task ids run option-major: option 0 on every seed, then option 1, …
    """
    tasks = []
    for name, opt in ((o.name, o) for o in options):
        data = opt.scenario.to_dict()
        for r, seed in enumerate(seeds):
            tasks.append(
                Task(
                    len(tasks),
                    0,
                    name,
                    r,
                    int(seed),
                    data,
                    (),
                    (),
                    tuple(tables),
                    source=f"{opt.source or name} (seed {seed})",
                    kind="compare",
                )
            )
    outputs = []
    failed = 0
    for out in executor.map_unordered(execute_task, tasks):
        outputs.append(out)
        failed += out.status != "ok"
        if on_progress:
            on_progress(len(outputs), failed, len(tasks))
    return concat_parts(outputs)


def write_results(
    out: Path,
    kind: str,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    scenarios: dict[str, dict[str, Any]],
    title: str,
    branch_month: float | None = None,
    extra_files: dict[str, str] | None = None,
    force: bool = False,
) -> Path:
    """Write a compare/rehearse folder whole (tables, Markdown, figures, manifest).

    The folder is built beside ``out`` and swapped in
    (:func:`scalesim.common.files.results_folder`): an earlier folder of the same kind is
    replaced whole, any other non-empty folder only with ``force``.
    """
    meta = {"format": KNOWN_FORMATS[kind], "kind": kind}
    figures = []
    with results_folder(Path(out), kind, force=force) as tmp:
        for name, df in tables.items():
            write_table_files(df, tmp / name, meta)
        if "comparison" in tables:
            atomic_write_text(
                tmp / "comparison.md",
                markdown_table(tables["comparison"], tables["trip_ticket"], title),
            )
        (tmp / "options").mkdir()
        for name, data in scenarios.items():
            (tmp / "options" / name).mkdir(parents=True)
            (tmp / "options" / name / "scenario.yaml").write_text(
                yaml.safe_dump(data, sort_keys=True), encoding="utf-8"
            )
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / "figures").mkdir()
        if "bands" in tables:
            first = next(iter(scenarios.values()), {})
            measure = ((first.get("trip_ticket") or {}).get("destination") or {}).get(
                "measure", "educators"
            )
            (tmp / "figures" / "trajectories.png").write_bytes(
                trajectories_figure(
                    tables["bands"],
                    tables.get("trip_ticket"),
                    branch_month=branch_month,
                    measure=measure,
                )
            )
            figures.append("figures/trajectories.png")
        if "equity_by_need" in tables and len(tables["equity_by_need"]):
            (tmp / "figures" / "equity_by_need.png").write_bytes(
                equity_figure(tables["equity_by_need"])
            )
            figures.append("figures/equity_by_need.png")
        write_json(
            tmp / "manifest.json",
            {
                **manifest,
                "format": KNOWN_FORMATS[kind],
                "kind": kind,
                "tables": sorted(tables),
                "figures": figures,
            },
        )
    return Path(out)


def compare(
    options: Sequence[Option],
    seeds: Sequence[int],
    executor: Executor,
    out: str | Path | None = None,
    *,
    command: str | None = None,
    seed_root: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    conf: float = CONFIDENCE,
    force: bool = False,
) -> dict[str, pd.DataFrame]:
    """Run options on common seeds, compare them, and (optionally) write the results folder.

    Args:
        options: The strategy sets; the first is the baseline.
        seeds: Replicate seeds, shared by every option.
        executor: Where runs execute.
        out: Results folder (None: compute only).
        command: The command line, for the manifest.
        seed_root: The root the seeds were derived from, for the manifest.
        on_progress: ``on_progress(done, failed, total)`` after each run.
        conf: Confidence level of the intervals.
        force: Replace ``out`` even if it is not a comparison folder.

    Returns:
        Every table (per-run and summary), by name.
    """
    t0 = time.perf_counter()
    names = [o.name for o in options]
    tables = run_options(options, seeds, executor, on_progress)
    tables.update(
        summary_tables(
            tables["runs"],
            tables.get("timeseries"),
            tables.get("schools"),
            names,
            conf,
            {o.name: o.scenario.trip_ticket.destination.measure for o in options},
        )
    )
    if out is not None:
        manifest = {
            "command": command,
            "versions": versions(),
            "baseline": names[0],
            "options": [
                {"name": o.name, "source": o.source, "scenario_hash": o.scenario.scenario_hash()}
                for o in options
            ],
            "reps": len(seeds),
            "seeds": [int(s) for s in seeds],
            "seed_root": seed_root,
            "metrics": [m for m in METRICS],
            "confidence": conf,
            "counts": {
                "ok": int((tables["runs"]["status"] == "ok").sum()),
                "error": int((tables["runs"]["status"] != "ok").sum()),
            },
            "timing": {
                "wall_seconds": round(time.perf_counter() - t0, 3),
                "backend": executor.name,
                "workers": executor.workers,
            },
        }
        write_results(
            Path(out),
            "compare",
            tables,
            manifest,
            {o.name: o.scenario.to_dict() for o in options},
            title=f"Compare {', '.join(names)} on {len(seeds)} common seeds",
            force=force,
        )
    return tables

"""Write run outputs atomically: Parquet and CSV tables, the travel log, the summary.

The folder is built whole beside the destination and swapped in
(:func:`scalesim.common.files.results_folder`), so a reader sees the old run or the new one,
never a mix, and an error or a kill never leaves half an output under the destination's name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scalesim.common.files import check_target, json_text, results_folder
from scalesim.scenario import Scenario
from scalesim.simulation.runner import RunResult

RUN_FORMAT = "scalesim.run/1"
RUN_FILES = ("timeseries", "schools", "channels")


def check_out_dir(out: str | Path, option: str = "--out", force: bool = False) -> Path:
    """Check, before any work, that a run folder may be written at ``out``.

    See :func:`scalesim.common.files.check_target`: refuses a path that is not a folder, a
    folder that is not empty and not a run's results (unless ``force``), and a place that
    cannot be written.

    Returns:
        The folder that will be written (symbolic links resolved).

    Raises:
        ScalesimInputError: Naming the option and the path.
    """
    return check_target(out, "run", force=force, option=option)


def write_table(df: pd.DataFrame, base: Path, meta: dict[str, Any] | None = None) -> None:
    """Write ``df`` as ``base.parquet`` (with provenance metadata) and ``base.csv``."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    if meta:
        merged = {
            **(table.schema.metadata or {}),
            b"scalesim": json.dumps(meta, sort_keys=True).encode(),
        }
        table = table.replace_schema_metadata(merged)
    pq.write_table(table, base.with_suffix(".parquet"))
    df.to_csv(base.with_suffix(".csv"), index=False, float_format="%.10g", lineterminator="\n")


def provenance_of(result: RunResult) -> dict[str, Any]:
    """The identity fields every output carries."""
    s = result.summary
    return {
        "format": RUN_FORMAT,
        "scenario": s["scenario"],
        "scenario_hash": s["scenario_hash"],
        "seed": s["seed"],
        "versions": s["versions"],
    }


def write_run(
    result: RunResult,
    out: str | Path,
    scenario: Scenario,
    command: str | None = None,
    force: bool = False,
) -> Path:
    """Write one run's tables, travel log, summary and resolved scenario into ``out``.

    An earlier run's folder at ``out`` is replaced whole; any other non-empty folder only
    with ``force``. ``summary.json`` never holds NaN or infinity (they are ``null``).

    Returns:
        The output folder.
    """
    out = Path(out)
    meta = provenance_of(result)
    with results_folder(out, "run", force=force) as tmp:
        write_table(result.timeseries, tmp / "timeseries", meta)
        write_table(result.schools, tmp / "schools", meta)
        write_table(result.channels, tmp / "channels", meta)
        for name, df in result.extra.items():
            write_table(df, tmp / name, meta)
        (tmp / "travel_log.jsonl").write_text(
            "".join(json_text(e, indent=None) for e in result.log), encoding="utf-8"
        )
        summary = {**result.summary, "format": RUN_FORMAT, "command": command}
        (tmp / "summary.json").write_text(json_text(summary), encoding="utf-8")
        (tmp / "scenario.yaml").write_text(
            yaml.safe_dump(scenario.to_dict(), sort_keys=True), encoding="utf-8"
        )
    return out

"""Write run outputs atomically: Parquet and CSV tables, the travel log, the summary.

Files are written into a hidden temporary folder next to the destination and moved into
place only when all of them are complete, so an error never leaves half an output behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scalesim.common.errors import ScalesimInputError
from scalesim.scenario import Scenario
from scalesim.simulation.runner import RunResult

RUN_FORMAT = "scalesim.run/1"
RUN_FILES = ("timeseries", "schools", "channels")


def check_out_dir(out: str | Path, option: str = "--out") -> None:
    """Refuse an output path that exists but is not a folder (before any work is done).

    Raises:
        ScalesimInputError: Naming the option and the path.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScalesimInputError(option, "", f"{out} exists and is not a folder")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ScalesimInputError(option, "", f"{parent} exists and is not a folder")
            break


@contextlib.contextmanager
def atomic_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success move its files into ``out``, else discard it."""
    out = Path(out)
    check_out_dir(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out))
    try:
        yield tmp
        for item in sorted(tmp.iterdir()):
            dest = out / item.name
            if dest.is_dir() and not item.is_dir():
                raise IsADirectoryError(dest)
            if item.is_dir():
                if dest.exists():
                    shutil.rmtree(dest)
                os.replace(item, dest)
            else:
                os.replace(item, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)


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
    result: RunResult, out: str | Path, scenario: Scenario, command: str | None = None
) -> Path:
    """Write one run's tables, travel log, summary and resolved scenario into ``out``.

    Returns:
        The output folder.
    """
    out = Path(out)
    meta = provenance_of(result)
    with atomic_dir(out) as tmp:
        write_table(result.timeseries, tmp / "timeseries", meta)
        write_table(result.schools, tmp / "schools", meta)
        write_table(result.channels, tmp / "channels", meta)
        for name, df in result.extra.items():
            write_table(df, tmp / name, meta)
        (tmp / "travel_log.jsonl").write_text(
            "".join(json.dumps(e, sort_keys=True) + "\n" for e in result.log), encoding="utf-8"
        )
        summary = {**result.summary, "format": RUN_FORMAT, "command": command}
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        (tmp / "scenario.yaml").write_text(
            yaml.safe_dump(scenario.to_dict(), sort_keys=True), encoding="utf-8"
        )
    return out

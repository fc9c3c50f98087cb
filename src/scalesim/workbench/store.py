"""Result tables of many runs, and the sweep's resumable Parquet store.

Two things live here:

* the per-run tables every multi-run command writes (``runs``, ``timeseries``,
  ``schools``, ``channels``, ``log``; columns in docs/results-format.md), built from a
  :class:`~scalesim.simulation.runner.RunResult` by :func:`run_tables`;
* :class:`SweepStore`, the sweep's folder: a Parquet dataset partitioned into chunks of
  consecutive task ids (``parts/<table>/chunk-<first task id>.parquet``; the chunk size is
  part of the experiment, ``store.chunk``), so appending costs one new file per table and
  chunk, plus ``manifest.json``. A chunk is written once all its runs are back, rows in
  task order, so its bytes never depend on the backend or the order runs finished. Every
  file is written to a temporary name and renamed into place (atomic on POSIX), and a
  chunk's ``runs`` file is written last: a chunk is done exactly when that file exists.
  The ``runs`` file carries Parquet page checksums and, in its metadata, the SHA-256 of
  each of the chunk's other files; ``--resume`` runs the chunks without a ``runs`` file and
  those whose files are unreadable, truncated or fail their checksum.

:func:`load_results` reads any table of any results folder back into pandas.

Longer than 500 lines: the per-run tables, the chunk store that writes and verifies them
(checksums) and the loader of every kind of results folder (a single run's included) share
one Parquet encoding; split, one file format would live in three modules.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scalesim.common.errors import ScalesimInputError
from scalesim.common.files import (
    atomic_write_bytes,
    atomic_write_text,
    clean_leftovers,
    results_folder,
    write_json,
)
from scalesim.common.provenance import versions
from scalesim.common.units import month_to_week
from scalesim.metrics import METRICS
from scalesim.simulation.runner import RunResult

SWEEP_FORMAT = "scalesim.sweep/1"
KNOWN_FORMATS = {
    "sweep": SWEEP_FORMAT,
    "compare": "scalesim.compare/1",
    "rehearse": "scalesim.rehearse/1",
    "sensitivity": "scalesim.sensitivity/1",
    "discover": "scalesim.discover/1",
    "robustness": "scalesim.robustness/1",
    "optimize": "scalesim.optimize/1",
}
RUN_TABLES = ("runs", "timeseries", "schools", "channels", "log")
TT_FIELDS = (
    ("tt_reached", "reached", bool),
    ("tt_reached_month", "reached_month", float),
    ("tt_achieved_at_deadline", "achieved_at_deadline", float),
    ("tt_equity_achieved_at_deadline", "equity_achieved_at_deadline", float),
    ("tt_equity_clause_holds", "equity_clause_holds", bool),
    ("tt_shortfall", "shortfall", float),
    ("tt_equity_shortfall", "equity_shortfall", float),
    ("tt_target", "target", float),
    ("tt_equity_target", "equity_target", float),
    ("tt_min_depth", "min_depth", float),
    ("tt_by_month", "by_month", float),
    ("tt_deadline_in_run", "deadline_in_run", bool),
)
INT_FIELDS = ("superintendent_changes", "educators", "schools", "weeks")


# --------------------------------------------------------------------------- tables


def _float(x: Any) -> float:
    return float("nan") if x is None else float(x)


def runs_row(
    identity: dict[str, Any],
    result: RunResult | None,
    error: str = "",
    outcomes: Iterable[tuple[str, str, float | str]] = (),
) -> dict[str, Any]:
    """One row of the ``runs`` table (a failed run when ``result`` is None)."""
    row = dict(identity)
    s = result.summary if result is not None else None
    row["scenario_hash"] = s["scenario_hash"] if s else ""
    row["status"] = "ok" if result is not None else "error"
    row["error"] = error
    end = s["end"] if s else {}
    for name in METRICS:
        row[name] = _float(end.get(name))
    tt = s["trip_ticket"] if s else {}
    for col, key, typ in TT_FIELDS:
        row[col] = bool(tt.get(key, False)) if typ is bool else _float(tt.get(key))
    row["retention_after_support_end"] = _float(s.get("retention_after_support_end") if s else None)
    row["retention_after_leadership_change"] = _float(
        s.get("retention_after_leadership_change") if s else None
    )
    row["capacity_total"] = _float(s["cost"]["capacity_total"] if s else None)
    for col in INT_FIELDS:
        row[col] = int(s.get(col, 0)) if s else 0
    ts = result.timeseries if result is not None else None
    for name, metric, at in outcomes:
        if at == "end" or name in row:
            continue
        val = float("nan")
        if ts is not None:
            hit = ts.loc[ts["week"] == month_to_week(float(at)), metric]
            if len(hit):
                val = float(hit.iloc[0])
        row[name] = val
    return row


def _column(values: Any) -> pa.Array:
    """One column as an Arrow array (numeric and boolean columns without a copy)."""
    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    if arr.dtype.kind in "biuf":
        return pa.array(arr)
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed objects: keep them readable as sorted-key JSON text.
        return pa.array([json.dumps(v, sort_keys=True, default=str) for v in arr], pa.string())


def _identity_arrays(identity: dict[str, Any], n: int) -> dict[str, pa.Array]:
    out = {}
    for k, v in identity.items():
        if isinstance(v, bool):
            out[k] = pa.array(np.full(n, v, dtype=bool))
        elif isinstance(v, int):
            out[k] = pa.array(np.full(n, v, dtype=np.int64))
        elif isinstance(v, float):
            out[k] = pa.array(np.full(n, v, dtype=np.float64))
        else:
            out[k] = pa.array([str(v)] * n, pa.string())
    return out


def _columns(df: pd.DataFrame) -> list[Any]:
    """The column arrays of ``df`` without building a Series per column."""
    get = getattr(df, "_get_column_array", None)  # pandas internals (pinned): ~5x faster
    if get is None:  # pragma: no cover - other pandas versions
        return [v for _, v in df.items()]
    return [get(i) for i in range(df.shape[1])]


def to_arrow(df: pd.DataFrame, identity: dict[str, Any] | None = None) -> pa.Table:
    """``df`` as an Arrow table with ``identity`` columns first (repeated on every row).

    Built column by column (no pandas metadata): several times cheaper than
    ``Table.from_pandas`` for the small tables of one run, and deterministic.
    """
    n = len(df)
    cols = _identity_arrays(identity or {}, n)
    for name, values in zip(df.columns, _columns(df), strict=True):
        if str(name) not in cols:
            cols[str(name)] = _column(values)
    return pa.table(cols)


def to_ipc(table: pa.Table) -> bytes:
    """A table as Arrow IPC stream bytes: what workers send back.

    About ten times cheaper than pickling the table, and decoded without copying.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    """The inverse of :func:`to_ipc`."""
    return pa.ipc.open_stream(data).read_all()


def concat(tables: list[pa.Table]) -> pa.Table:
    """Concatenate per-run tables (schemas unified: a column absent from a run is null)."""
    return pa.concat_tables(tables, promote_options="permissive").combine_chunks()


def row_arrow(row: dict[str, Any]) -> pa.Table:
    """A one-row table from a dict of scalars."""
    return pa.table({k: pa.array([v]) for k, v in row.items()})


def log_table(events: list[dict[str, Any]]) -> pd.DataFrame:
    """The travel log as a table: week, month, kind, and the rest as JSON."""
    return pd.DataFrame(
        {
            "week": np.array([int(e.get("week", 0)) for e in events], dtype=np.int64),
            "month": np.array([float(e.get("month", 0.0)) for e in events], dtype=np.float64),
            "kind": pd.array([str(e.get("kind", "")) for e in events], dtype="str"),
            "detail": pd.array(
                [
                    json.dumps(
                        {k: v for k, v in e.items() if k not in ("week", "month", "kind")},
                        sort_keys=True,
                        default=str,
                    )
                    for e in events
                ],
                dtype="str",
            ),
        }
    )


def run_tables(
    result: RunResult,
    identity: dict[str, Any],
    outcomes: Iterable[tuple[str, str, float | str]] = (),
    tables: Iterable[str] = RUN_TABLES,
) -> dict[str, pa.Table]:
    """The per-run tables of one finished run (Arrow), each with the identity columns first."""
    tables = set(tables)
    out = {"runs": row_arrow(runs_row(identity, result, outcomes=outcomes))}
    if "timeseries" in tables:
        out["timeseries"] = to_arrow(result.timeseries, identity)
    if "schools" in tables:
        out["schools"] = to_arrow(result.schools, identity)
    if "channels" in tables:
        out["channels"] = to_arrow(result.channels, identity)
    if "log" in tables:
        out["log"] = to_arrow(log_table(result.log), identity)
    for name, df in sorted(result.extra.items()):
        if "extra" in tables or name in tables:
            out[name] = to_arrow(df, identity)
    return out


def error_tables(
    identity: dict[str, Any], error: str, outcomes: Iterable[tuple[str, str, float | str]] = ()
) -> dict[str, pa.Table]:
    """The ``runs`` row of a run that raised."""
    return {"runs": row_arrow(runs_row(identity, None, error, outcomes))}


def parquet_bytes(
    table: pd.DataFrame | pa.Table, meta: dict[str, Any] | None = None, checksums: bool = False
) -> bytes:
    """A table as Parquet bytes (deterministic: no timestamps are embedded).

    Args:
        table: The table.
        meta: Provenance stored in the schema metadata under ``scalesim``.
        checksums: Write a CRC for every data page (checked on read with
            ``page_checksum_verification=True``).
    """
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    if meta:
        merged = {
            **(table.schema.metadata or {}),
            b"scalesim": json.dumps(meta, sort_keys=True).encode(),
        }
        table = table.replace_schema_metadata(merged)
    buf = io.BytesIO()
    pq.write_table(table, buf, write_page_checksum=checksums)
    return buf.getvalue()


def read_parquet_bytes(data: bytes) -> pd.DataFrame:
    """The inverse of :func:`parquet_bytes`."""
    return pq.read_table(io.BytesIO(data)).to_pandas()


def write_table_files(
    df: pd.DataFrame, base: Path, meta: dict[str, Any] | None = None, csv: bool = True
) -> None:
    """Write ``base.parquet`` (and ``base.csv``) atomically."""
    atomic_write_bytes(base.with_suffix(".parquet"), parquet_bytes(df, meta))
    if csv:
        atomic_write_text(
            base.with_suffix(".csv"),
            df.to_csv(index=False, float_format="%.10g", lineterminator="\n"),
        )


# --------------------------------------------------------------------------- the sweep store


def _chunk_file(folder: Path, first_task: int) -> Path:
    return folder / f"chunk-{first_task:07d}.parquet"


def _chunk_start(path: Path) -> int | None:
    stem = path.name.removesuffix(".parquet")
    if not stem.startswith("chunk-") or path.suffix != ".parquet":
        return None
    try:
        return int(stem[6:])
    except ValueError:
        return None


class SweepStore:
    """A sweep's results folder (layout in docs/results-format.md).

    Use :meth:`create` for a new sweep and :meth:`open` to resume one.
    """

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = Path(root)
        self.parts = self.root / "parts"
        self.manifest = manifest
        self.corrupt: list[int] = []  # first task ids of damaged chunks (see finished)

    # ---- creating and opening

    @classmethod
    def create(
        cls,
        root: Path,
        manifest: dict[str, Any],
        files: dict[str, Any],
        force: bool = False,
    ) -> SweepStore:
        """Create the folder with its plan, all at once (built beside it, then swapped in).

        Args:
            root: The results folder; must not exist, or be empty (or, with ``force``, is
                replaced; see :func:`scalesim.common.files.check_target`).
            manifest: The initial manifest.
            files: Extra files: ``name.yaml`` (data), or ``name`` (DataFrame → .parquet/.csv).
            force: Replace a non-empty ``root`` (an earlier sweep or any other folder).
        """
        root = Path(root)
        with results_folder(root, "sweep", force=force, replace=False) as tmp:
            for t in RUN_TABLES:
                (tmp / "parts" / t).mkdir(parents=True)
            meta = {
                "format": SWEEP_FORMAT,
                "kind": "sweep",
                "experiment_hash": manifest["experiment"]["hash"],
            }
            for name, obj in files.items():
                if name.endswith(".yaml"):
                    (tmp / name).write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
                else:
                    write_table_files(obj, tmp / name, meta)
            write_json(tmp / "manifest.json", manifest)
        return cls(root, manifest)

    @classmethod
    def open(cls, root: Path, experiment_hash: str) -> SweepStore:
        """Open an existing sweep to resume it; it must be of the same experiment."""
        root = Path(root)
        mpath = root / "manifest.json"
        if not mpath.exists():
            raise ScalesimInputError("--out", "", f"nothing to resume: {mpath} does not exist")
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ScalesimInputError(str(mpath), "", f"unreadable manifest ({exc})") from None
        if manifest.get("format") != SWEEP_FORMAT:
            raise ScalesimInputError(
                str(mpath), "format", f"expected {SWEEP_FORMAT!r}, got {manifest.get('format')!r}"
            )
        got = manifest.get("experiment", {}).get("hash")
        if got != experiment_hash:
            raise ScalesimInputError(
                str(mpath),
                "experiment.hash",
                f"these results are from a different experiment (hash {got}, the file now "
                f"gives {experiment_hash}); resume only an unchanged experiment, or use "
                "another --out",
            )
        store = cls(root, manifest)
        store.clean_temporaries()
        return store

    def clean_temporaries(self) -> None:
        """Remove half-written files (and folders) left by an interrupted writer."""
        clean_leftovers(self.root)
        for folder in (self.root, *(self.parts / t for t in RUN_TABLES)):
            folder.mkdir(parents=True, exist_ok=True)
            for p in folder.glob(".tmp-*"):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)

    # ---- state

    def finished(self) -> dict[int, tuple[str, str]]:
        """``{task_id: (status, error)}`` of every run already stored (and intact).

        A chunk whose ``runs`` file is unreadable or truncated, or one of whose other files
        is missing or fails the checksum recorded in the ``runs`` file, is not finished:
        its ``runs`` file is removed (so the chunk runs again) and its first task id is
        added to :attr:`corrupt`.
        """
        out: dict[int, tuple[str, str]] = {}
        self.corrupt = []
        for p in sorted((self.parts / "runs").glob("chunk-*.parquet")):
            first = _chunk_start(p)
            if first is None:
                continue
            t = self._intact_runs(p, first)
            if t is None:
                self.corrupt.append(first)
                p.unlink(missing_ok=True)
                continue
            for tid, st, err in zip(t["task_id"], t["status"], t["error"], strict=True):
                out[int(tid)] = (str(st), str(err))
        return out

    def _intact_runs(self, path: Path, first: int) -> dict[str, list[Any]] | None:
        """The runs chunk's task ids, statuses and errors, or None if the chunk is damaged."""
        try:
            table = pq.read_table(path, page_checksum_verification=True)
            t = table.select(["task_id", "status", "error"]).to_pydict()
            raw = (table.schema.metadata or {}).get(b"scalesim")
            sums = json.loads(raw).get("chunk_sha256", {}) if raw else {}
        except Exception:  # truncated, not Parquet, bad page CRC, missing columns
            return None
        for name, digest in sums.items():
            f = _chunk_file(self.parts / name, first)
            try:
                ok = hashlib.sha256(f.read_bytes()).hexdigest() == digest
            except OSError:
                ok = False
            if not ok:
                return None
        return t

    # ---- writing

    def write_chunk(
        self, first_task: int, tables: dict[str, pa.Table], meta: dict[str, Any]
    ) -> None:
        """Store one chunk's tables; the ``runs`` file goes last (it marks the chunk done).

        The ``runs`` file records the SHA-256 of every other file of the chunk, and has
        page checksums of its own, so ``--resume`` can tell a damaged chunk.
        """
        sums = {}
        for name, table in sorted(tables.items()):
            if name == "runs":
                continue
            folder = self.parts / name
            folder.mkdir(exist_ok=True)
            data = parquet_bytes(table, meta)
            sums[name] = hashlib.sha256(data).hexdigest()
            atomic_write_bytes(_chunk_file(folder, first_task), data)
        atomic_write_bytes(
            _chunk_file(self.parts / "runs", first_task),
            parquet_bytes(tables["runs"], {**meta, "chunk_sha256": sums}, checksums=True),
        )

    def write_manifest(self) -> None:
        """Atomically rewrite ``manifest.json``."""
        write_json(self.root / "manifest.json", self.manifest)


# --------------------------------------------------------------------------- loading


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check the manifest of a results folder."""
    root = Path(path)
    mpath = root / "manifest.json"
    if not mpath.exists():
        raise ScalesimInputError(str(root), "", "not a results folder (no manifest.json)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScalesimInputError(str(mpath), "", f"unreadable manifest ({exc})") from None
    kind = manifest.get("kind")
    if kind not in KNOWN_FORMATS:
        raise ScalesimInputError(str(mpath), "kind", f"unknown kind {kind!r}")
    fmt = str(manifest.get("format", ""))
    if fmt.split("/")[0] != KNOWN_FORMATS[kind].split("/")[0] or fmt != KNOWN_FORMATS[kind]:
        raise ScalesimInputError(
            str(mpath), "format", f"expected {KNOWN_FORMATS[kind]!r}, got {fmt!r}"
        )
    return manifest


# The table a folder without per-run tables loads by default.
MAIN_TABLE = {
    "sensitivity": "indices",
    "discover": "box",
    "robustness": "robustness",
    "optimize": "trials",
}
RUN_FOLDER_FORMAT = "scalesim.run/1"


def _tables_in(root: Path) -> list[str]:
    names = {p.stem for p in root.glob("*.parquet")}
    if (root / "parts").is_dir():
        names |= {p.name for p in (root / "parts").iterdir() if p.is_dir()}
    if (root / "travel_log.jsonl").exists():
        names |= {"log", "runs"}
    return sorted(names)


def _missing_table(root: Path, table: str, problem: str) -> ScalesimInputError:
    from scalesim.common.validation import did_you_mean

    names = _tables_in(root)
    return ScalesimInputError(
        str(root), table, f"{problem}{did_you_mean(table, names)}; tables: {', '.join(names)}"
    )


def _load_run_folder(root: Path, table: str) -> pd.DataFrame:
    """A ``scalesim run`` folder: its tables, ``log`` (the travel log) or a one-row ``runs``."""
    try:
        summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScalesimInputError(str(root / "summary.json"), "", f"unreadable ({exc})") from None
    if summary.get("format") != RUN_FOLDER_FORMAT:
        raise ScalesimInputError(
            str(root / "summary.json"),
            "format",
            f"expected {RUN_FOLDER_FORMAT!r}, got {summary.get('format')!r}",
        )
    if table == "log":
        lines = (root / "travel_log.jsonl").read_text(encoding="utf-8").splitlines()
        return pd.DataFrame([json.loads(x) for x in lines if x.strip()])
    if table == "runs":
        ts = pq.read_table(root / "timeseries.parquet").to_pandas()
        empty = pd.DataFrame()
        result = RunResult(ts, empty, empty, [], summary)
        ident = {"task_id": 0, "option": summary["scenario"], "replicate": 0}
        return pd.DataFrame([runs_row({**ident, "seed": summary["seed"]}, result)])
    whole = root / f"{table}.parquet"
    if not whole.exists():
        raise _missing_table(root, table, f"missing table ({whole.name} not found)")
    return pq.read_table(whole).to_pandas()


def load_results(path: str | Path, table: str | None = None) -> pd.DataFrame:
    """Load one table of any results folder into pandas.

    Reads every folder scalesim writes: ``run`` (its ``summary.json``), ``compare``,
    ``rehearse``, ``sweep`` (its chunked parts), ``sensitivity``, ``discover``,
    ``robustness`` and ``optimize``.

    Args:
        path: The results folder.
        table: ``runs`` (one row per run: the default where there are runs; a single run's
            folder gives one row), ``timeseries``, ``schools``, ``channels``, ``log``, or a
            summary table such as ``comparison``, ``indices``, ``box`` or ``trials`` (the
            default of a folder without runs).

    Returns:
        The table, rows in task order.

    Raises:
        ScalesimInputError: If the folder is not a results folder or lacks the table (the
            message lists the tables it has).

    Examples:
        >>> runs = load_results("out/sweep")                     # doctest: +SKIP
        >>> runs.groupby("option")["share_enacting"].mean()       # doctest: +SKIP
        >>> ts = load_results("out/default", "timeseries")       # doctest: +SKIP
    """
    root = Path(path)
    if not (root / "manifest.json").exists() and (root / "summary.json").exists():
        return _load_run_folder(root, table or "runs")
    manifest = read_manifest(root)
    if table is None:
        has_runs = (root / "runs.parquet").exists() or (root / "parts" / "runs").is_dir()
        table = "runs" if has_runs else MAIN_TABLE.get(manifest["kind"], "runs")
    whole = root / f"{table}.parquet"
    folder = root / "parts" / table
    if manifest["kind"] == "sweep" and (table in RUN_TABLES or folder.is_dir()):
        files = sorted(folder.glob("chunk-*.parquet")) if folder.is_dir() else []
        if not files:
            if whole.exists() and table == "runs":
                return pq.read_table(whole).to_pandas()
            raise _missing_table(root, table, "no runs of this table are stored")
        try:
            df = concat([pq.read_table(p) for p in files]).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            raise ScalesimInputError(
                str(root),
                f"parts/{table}",
                f"unreadable chunk ({exc}); run the sweep again with --resume to redo it",
            ) from None
        return df.sort_values("task_id", kind="stable").reset_index(drop=True)
    if not whole.exists():
        raise _missing_table(root, table, f"missing table ({whole.name} not found)")
    return pq.read_table(whole).to_pandas()


def provenance() -> dict[str, Any]:
    """Versions for manifests."""
    return versions()

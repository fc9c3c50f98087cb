"""Read a results folder for the report: detect its kind, check it, load its tables.

The report reads only what ``scalesim run``, ``compare``, ``rehearse`` and ``sweep`` write
(layouts: :mod:`scalesim.simulation.output` and docs/results-format.md); it never re-runs the model.
A folder is recognised by the ``format`` field of its ``summary.json`` (a single run) or
``manifest.json`` (everything else). Every table the report needs is checked before any
figure is drawn, so a folder that is missing tables, lacks columns, or comes from a format
version this code does not know gets one clear :class:`~scalesim.common.errors.ScalesimInputError`
naming the folder and what is missing.

Longer than 500 lines: one reader per kind of results folder (run, compare, rehearse, sweep
with its analyses, optimize) and the tables and columns each must have, kept together so
that what the report accepts is stated in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scalesim.common.errors import ScalesimInputError

# The formats this report understands, by kind. A different major version is refused.
FORMATS = {
    "run": "scalesim.run/1",
    "compare": "scalesim.compare/1",
    "rehearse": "scalesim.rehearse/1",
    "sweep": "scalesim.sweep/1",
    "sensitivity": "scalesim.sensitivity/1",
    "calibration": "scalesim.calibration/1",
    "discover": "scalesim.discover/1",
    "robustness": "scalesim.robustness/1",
    "optimize": "scalesim.optimize/1",
}
# Analyses of a sweep kept in its sub-folders (scalesim discover, robustness), with their tables.
SWEEP_ANALYSES: dict[str, tuple[str, ...]] = {
    "discover": ("peeling_trajectory", "box", "cart"),
    "robustness": ("robustness", "futures", "paired", "failures"),
}
OPTIMIZE_TABLES: dict[str, tuple[str, ...]] = {
    "trials": ("trial", "state", "set", "feasible", "on_front"),
    "front": ("trial", "set"),
    "runs": ("trial", "task_id", "option", "replicate", "seed", "status", "tt_reached"),
}

# Metric columns the figures and tables read from time series.
TS_METRICS = (
    "share_enacting",
    "students_reached",
    "share_deep",
    "mean_depth",
    "mean_ownership",
    "district_ownership",
    "institutionalization",
    "reach_furthest",
    "equity_ratio",
    "high_need_coverage",
    "other_coverage",
    "destination_share",
    "destination_equity_share",
    "capacity_spent",
    "capacity_left",
)
SCHOOL_COLUMNS = (
    "school",
    "name",
    "region",
    "high_need",
    "need_share",
    "enrollment",
    "educators",
    "enacting",
    "share_enacting",
    "deep",
    "ever_reached",
)
IDENTITY = ("option", "replicate")

# Required tables and their required columns, by kind. ``None`` means "any columns".
RUN_TABLES: dict[str, tuple[str, ...]] = {
    "timeseries": ("week", "month", "in_session", *TS_METRICS),
    "schools": SCHOOL_COLUMNS,
    "channels": ("week", "channel", "new_enacting"),
}
RUN_OPTIONAL: dict[str, tuple[str, ...]] = {
    "pit_stops": ("week", "month", "planned", "reason", "decisions"),
    "strategies": ("strategy", "type", "start_month", "end_month", "spent", "credited_enactments"),
    "shortfalls": ("month_index", "strategy", "shortfall"),
}
MULTI_TABLES: dict[str, tuple[str, ...]] = {
    "runs": (
        "task_id",
        *IDENTITY,
        "seed",
        "status",
        "tt_reached",
        "tt_reached_month",
        "tt_equity_clause_holds",
        "tt_achieved_at_deadline",
        "tt_equity_achieved_at_deadline",
        "capacity_spent",
        "capacity_total",
    ),
    "timeseries": (*IDENTITY, "week", "month", *TS_METRICS),
    "schools": (*IDENTITY, *SCHOOL_COLUMNS),
    "comparison": (
        "option",
        "metric",
        "label",
        "unit",
        "kind",
        "n",
        "mean",
        "ci_low",
        "ci_high",
        "baseline",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "verdict",
    ),
    "trip_ticket": (
        "option",
        "n",
        "reached",
        "p_reached",
        "p_ci_low",
        "p_ci_high",
        "equity_clause_holds",
        "p_equity",
        "achieved_mean",
        "equity_achieved_mean",
        "target",
        "equity_target",
        "min_depth",
        "by_month",
    ),
    "bands": ("option", "week", "month", "metric", "n", "mean", "ci_low", "ci_high", "p10", "p90"),
    "equity_by_need": (
        "option",
        "need_bin",
        "need_low",
        "need_high",
        "schools",
        "share_enacting",
        "ci_low",
        "ci_high",
        "share_deep",
        "never_reached",
    ),
}
MULTI_OPTIONAL: dict[str, tuple[str, ...]] = {
    "channels": (*IDENTITY, "week", "channel", "new_enacting"),
    "log": (*IDENTITY, "week", "month", "kind", "detail"),
    "pit_stops": (*IDENTITY, "week", "month", "planned", "reason", "decisions"),
    "strategies": (*IDENTITY, "strategy", "spent", "credited_enactments"),
}
SWEEP_TABLES: dict[str, tuple[str, ...]] = {
    "runs": ("task_id", "point", *IDENTITY, "seed", "status"),
    "design": ("point",),
}
# Sweep tables stored under parts/<table>/ (all optional for the report).
SWEEP_PARTS: dict[str, tuple[str, ...]] = {
    "timeseries": MULTI_TABLES["timeseries"],
    "schools": MULTI_TABLES["schools"],
}
SWEEP_OPTIONAL: dict[str, tuple[str, ...]] = {
    "comparison": MULTI_TABLES["comparison"],
    "trip_ticket": MULTI_TABLES["trip_ticket"],
}


@dataclass
class Results:
    """A loaded results folder.

    Attributes:
        kind: ``run``, ``compare``, ``rehearse`` or ``sweep``.
        root: The folder.
        meta: ``summary.json`` (a run) or ``manifest.json`` (the others).
        tables: Every table the report may read, by name (missing optional ones are absent).
        scenarios: The resolved scenario of each option (a run has one, named after it).
        log: A run's travel log (list of events); empty for other kinds.
        sensitivity: For a sweep with ``sensitivity/``: its manifest and ``indices`` table.
        analyses: For a sweep with ``discover/`` or ``robustness/``: each one's manifest
            and tables, by folder name.
    """

    kind: str
    root: Path
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: dict[str, Any] | None = None
    analyses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def options(self) -> list[str]:
        """Option names in the order the producer gave them (the first is the baseline)."""
        if self.kind == "run":
            return [str(self.meta.get("scenario", "run"))]
        if self.kind == "optimize":  # the sets picked on the front (up to three)
            return [f"trial-{int(t):04d}" for t in self.meta.get("picked", [])]
        opts = [str(o["name"]) for o in self.meta.get("options", []) if "name" in o]
        if not opts and "runs" in self.tables:
            opts = list(dict.fromkeys(self.tables["runs"]["option"].astype(str)))
        return opts

    @property
    def multi(self) -> bool:
        """Whether the folder holds several runs (compare, rehearse, sweep)."""
        return self.kind != "run"


def _fail(root: Path, field_name: str, problem: str) -> ScalesimInputError:
    return ScalesimInputError(str(root), field_name, problem)


def _read_json(path: Path, root: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(root, path.name, f"unreadable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _fail(root, path.name, "expected a JSON object")
    return data


def _read_yaml(path: Path, root: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _fail(root, str(path.relative_to(root)), f"unreadable YAML ({exc})") from None
    if not isinstance(data, dict):
        raise _fail(root, str(path.relative_to(root)), "expected a mapping")
    return data


def _check_format(root: Path, where: str, got: Any, kind: str) -> None:
    want = FORMATS[kind]
    got = str(got or "")
    if got == want:
        return
    family = want.split("/")[0]
    if got.split("/")[0] == family:
        raise _fail(
            root,
            f"{where}: format",
            f"format {got!r} is not supported by this version of scalesim report "
            f"(it reads {want!r}); re-create the results with this scalesim version",
        )
    raise _fail(root, f"{where}: format", f"expected {want!r}, got {got!r}")


def detect_kind(root: Path) -> tuple[str, dict[str, Any]]:
    """The folder's kind and its summary or manifest.

    Raises:
        ScalesimInputError: If the folder is not a results folder or its format is unknown.
    """
    if not root.exists():
        raise _fail(root, "", "no such folder")
    if not root.is_dir():
        raise _fail(
            root,
            "",
            "expected a results folder (from scalesim run, compare, rehearse or sweep), got a file",
        )
    summary, manifest = root / "summary.json", root / "manifest.json"
    if manifest.exists():
        meta = _read_json(manifest, root)
        kind = meta.get("kind")
        if kind not in FORMATS or kind in ("run", "discover", "robustness"):
            raise _fail(
                root,
                "manifest.json: kind",
                f"unknown kind {kind!r}; expected one of compare, rehearse, sweep, optimize",
            )
        _check_format(root, "manifest.json", meta.get("format"), kind)
        return kind, meta
    if summary.exists():
        meta = _read_json(summary, root)
        _check_format(root, "summary.json", meta.get("format"), "run")
        return "run", meta
    raise _fail(
        root,
        "",
        "not a results folder: it has neither summary.json (scalesim run) "
        "nor manifest.json (scalesim compare, rehearse or sweep)",
    )


def _parquet_format(path: Path) -> str | None:
    """The ``format`` recorded in a Parquet file's ``scalesim`` metadata, if any."""
    try:
        md = pq.read_schema(path).metadata or {}
    except Exception:  # unreadable files are reported by the reader below
        return None
    raw = md.get(b"scalesim")
    if not raw:
        return None
    try:
        return json.loads(raw).get("format")
    except (ValueError, AttributeError):
        return None


def _read_table(root: Path, name: str, kind: str) -> pd.DataFrame:
    path = root / f"{name}.parquet"
    fmt = _parquet_format(path)
    if fmt is not None:
        _check_format(root, path.name, fmt, kind)
    try:
        return pq.read_table(path).to_pandas()
    except Exception as exc:
        raise _fail(root, path.name, f"unreadable Parquet table ({exc})") from None


def _empty_with_columns(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    """An optional table with no rows (a run without pit stops) gets its columns, empty.

    A run writes such a table without columns when nothing happened (no pit stop, no
    strategy); it is still a valid, empty table.
    """
    if len(df) == 0:
        return df.reindex(columns=list(dict.fromkeys([*df.columns, *cols])))
    return df


def _check_columns(root: Path, name: str, df: pd.DataFrame, cols: tuple[str, ...]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise _fail(
            root,
            f"{name}.parquet",
            f"missing column(s) {', '.join(missing)}; the table is incomplete or from "
            "another version",
        )


def _require_files(root: Path, names: list[str], what: str) -> None:
    missing = [n for n in names if not (root / n).exists()]
    if missing:
        raise _fail(
            root, "", f"missing {', '.join(missing)} (a {what} folder has {', '.join(names)})"
        )


def _load_run(root: Path, meta: dict[str, Any]) -> Results:
    names = [f"{t}.parquet" for t in RUN_TABLES] + ["travel_log.jsonl", "scenario.yaml"]
    _require_files(root, ["summary.json", *names], "`scalesim run`")
    for key in ("scenario_hash", "seed", "end", "trip_ticket", "versions"):
        if key not in meta:
            raise _fail(root, f"summary.json: {key}", "missing field")
    res = Results("run", root, meta)
    for name, cols in {**RUN_TABLES, **RUN_OPTIONAL}.items():
        if name in RUN_OPTIONAL and not (root / f"{name}.parquet").exists():
            continue
        df = _read_table(root, name, "run")
        if name in RUN_OPTIONAL:
            df = _empty_with_columns(df, cols)
        _check_columns(root, name, df, cols)
        res.tables[name] = df
    try:
        res.log = [
            json.loads(line)
            for line in (root / "travel_log.jsonl").read_text(encoding="utf-8").splitlines()
            if line
        ]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(root, "travel_log.jsonl", f"unreadable JSON lines ({exc})") from None
    res.scenarios[res.options[0]] = _read_yaml(root / "scenario.yaml", root)
    return res


CALIBRATION_TABLES = ("parameters", "posterior", "generations", "fit", "goodness")


def _load_calibration(root: Path, meta: dict[str, Any]) -> Results:
    """A ``scalesim calibrate`` folder: its tables and summary (docs/calibration.md)."""
    names = [f"{t}.parquet" for t in CALIBRATION_TABLES]
    _require_files(
        root, ["manifest.json", "summary.json", "scenario.yaml", *names], "`scalesim calibrate`"
    )
    summary = _read_json(root / "summary.json", root)
    for key in ("fit", "params", "method", "scenario_hash"):
        if key not in summary:
            raise _fail(root, f"summary.json: {key}", "missing field")
    meta = {**meta, "summary": summary, "options": [{"name": str(meta.get("scenario"))}]}
    res = Results("calibration", root, meta)
    for name in CALIBRATION_TABLES:
        res.tables[name] = _read_table(root, name, "calibration")
    _check_columns(
        root, "fit", res.tables["fit"], ("unit", "month", "observed", "mean", "lo", "hi")
    )
    res.scenarios[res.options[0]] = _read_yaml(root / "scenario.yaml", root)
    return res


def _load_multi(root: Path, kind: str, meta: dict[str, Any]) -> Results:
    names = [f"{t}.parquet" for t in MULTI_TABLES]
    _require_files(root, ["manifest.json", *names], f"`scalesim {kind}`")
    res = Results(kind, root, meta)
    for name, cols in {**MULTI_TABLES, **MULTI_OPTIONAL}.items():
        if name in MULTI_OPTIONAL and not (root / f"{name}.parquet").exists():
            continue
        df = _read_table(root, name, kind)
        if name in MULTI_OPTIONAL:
            df = _empty_with_columns(df, cols)
        _check_columns(root, name, df, cols)
        res.tables[name] = df
    options = res.options
    if not options:
        raise _fail(root, "manifest.json: options", "no options listed")
    missing = [
        f"options/{o}/scenario.yaml"
        for o in options
        if not (root / "options" / o / "scenario.yaml").exists()
    ]
    if missing:
        raise _fail(root, "", f"missing {', '.join(missing)}")
    for o in options:
        res.scenarios[o] = _read_yaml(root / "options" / o / "scenario.yaml", root)
    return res


def _load_parts(root: Path, name: str) -> pd.DataFrame | None:
    folder = root / "parts" / name
    # One file per run (task-*.parquet) or per chunk of runs (chunk-*.parquet); names
    # starting with "." are temporaries of a writer.
    files = (
        sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
        if folder.is_dir()
        else []
    )
    if not files:
        return None
    try:
        # Chunks may differ in columns (a run can add columns others lack): unify them.
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
        df = table.to_pandas()
    except Exception as exc:
        raise _fail(root, f"parts/{name}", f"unreadable Parquet parts ({exc})") from None
    return df.sort_values("task_id", kind="stable").reset_index(drop=True)


def _load_sweep(root: Path, meta: dict[str, Any]) -> Results:
    _require_files(
        root, ["manifest.json", "design.parquet", "base_scenario.yaml"], "`scalesim sweep`"
    )
    res = Results("sweep", root, meta)
    runs = _load_parts(root, "runs")
    if runs is None:
        if not (root / "runs.parquet").exists():
            raise _fail(
                root,
                "",
                "missing runs: neither runs.parquet nor parts/runs/ holds "
                "any run (has the sweep started?)",
            )
        runs = _read_table(root, "runs", "sweep")
    _check_columns(root, "runs", runs, SWEEP_TABLES["runs"])
    res.tables["runs"] = runs
    design = _read_table(root, "design", "sweep")
    _check_columns(root, "design", design, SWEEP_TABLES["design"])
    res.tables["design"] = design
    for name, cols in SWEEP_PARTS.items():
        df = _load_parts(root, name)
        if df is not None:
            _check_columns(root, f"parts/{name}/*", df, cols)
            res.tables[name] = df
    for name, cols in SWEEP_OPTIONAL.items():
        if (root / f"{name}.parquet").exists():
            df = _read_table(root, name, "sweep")
            _check_columns(root, name, df, cols)
            res.tables[name] = df
    res.scenarios["base"] = _read_yaml(root / "base_scenario.yaml", root)
    sens = root / "sensitivity"
    if (sens / "manifest.json").exists():
        smeta = _read_json(sens / "manifest.json", sens)
        _check_format(sens, "manifest.json", smeta.get("format"), "sensitivity")
        if not (sens / "indices.parquet").exists():
            raise _fail(sens, "", "missing indices.parquet")
        idx = _read_table(sens, "indices", "sensitivity")
        _check_columns(sens, "indices", idx, ("outcome", "parameter", "method"))
        res.sensitivity = {"manifest": smeta, "indices": idx}
    for sub, names in SWEEP_ANALYSES.items():
        folder = root / sub
        if not (folder / "manifest.json").exists():
            continue
        ameta = _read_json(folder / "manifest.json", folder)
        _check_format(folder, "manifest.json", ameta.get("format"), sub)
        _require_files(folder, [f"{n}.parquet" for n in names], f"`scalesim {sub}`")
        tabs = {name: _read_table(folder, name, sub) for name in names}
        res.analyses[sub] = {"manifest": ameta, "tables": tabs}
    return res


def _load_optimize(root: Path, meta: dict[str, Any]) -> Results:
    names = ["manifest.json", *[f"{t}.parquet" for t in OPTIMIZE_TABLES], "base_scenario.yaml"]
    _require_files(root, names, "`scalesim optimize`")
    res = Results("optimize", root, meta)
    for name, cols in OPTIMIZE_TABLES.items():
        df = _read_table(root, name, "optimize")
        _check_columns(root, name, df, cols)
        res.tables[name] = df
    res.scenarios["base"] = _read_yaml(root / "base_scenario.yaml", root)
    return res


def load(path: str | Path) -> Results:
    """Detect, check and load a results folder.

    A ``sensitivity/`` folder is reported together with the sweep it analyses (its parent).

    Raises:
        ScalesimInputError: The folder is not a results folder, misses a table or column,
            or is from a format version this code does not read.
    """
    root = Path(path)
    if (
        root.name == "sensitivity"
        and (root / "manifest.json").exists()
        and (root.parent / "manifest.json").exists()
    ):
        root = root.parent
    kind, meta = detect_kind(root)
    if kind == "sensitivity":
        raise _fail(
            root,
            "",
            "a sensitivity folder is reported with its sweep: give the "
            "sweep's folder (the parent of sensitivity/)",
        )
    if kind == "run":
        return _load_run(root, meta)
    if kind == "calibration":
        return _load_calibration(root, meta)
    if kind == "sweep":
        return _load_sweep(root, meta)
    if kind == "optimize":
        return _load_optimize(root, meta)
    return _load_multi(root, kind, meta)

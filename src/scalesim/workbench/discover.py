"""Scenario discovery on a sweep: where in the uncertainty space does a condition hold?

Given a sweep and an outcome condition (``share_enacting_m36 < 0.6``, ``trip_ticket_missed``;
see :mod:`scalesim.workbench.outcomes`), this finds the region of the uncertainties (the
sweep's X: district conditions, factors, shock hazards; and the option, when the sweep has
several) where the condition holds, with EMA Workbench 3.0's analysis functions:

* **PRIM** (Friedman & Fisher 1999; for scenario discovery Bryant & Lempert 2010): the
  *peeling trajectory* (every candidate box with its coverage, density and number of
  restricted dimensions), and the box chosen on it: among the boxes with density ≥
  ``min_density`` (0.8 by default), the one with the highest coverage; ties go to fewer
  restricted dimensions. EMA 3.0 returns the whole trajectory and leaves this choice to
  the user (its migration guide). The table of the chosen box lists each restricted
  dimension with its limits, its range in the sweep and the quasi-p values of Bryant &
  Lempert (a one-sided binomial test of each restriction).
* **CART** as the alternative view: a classification tree (scikit-learn's
  ``DecisionTreeClassifier`` with ``random_state=0`` and a depth limit, because EMA's
  ``CART.build_tree`` leaves the tree's random state unset and is not reproducible), read
  as boxes with EMA's ``CART`` (one per leaf, with coverage and density).

One row per run is one case (x = the run's uncertainty values, y = the condition on that
run); replicates of one design point repeat the same x. Failed runs are left out.

EMA and pandas 3 (EMA 3.0.0 is the newest release): integer columns are passed as floats,
yes/no and text columns as categories (EMA's PRIM and CART fail on int64, bool and str
columns); tables are built from ``box_lims`` and ``p_values`` rather than
``PrimBox.inspect``, which fails on restricted categorical dimensions; EMA's figures use
pyplot, so the figures here are :mod:`scalesim.plotting.discovery`'s. EMA takes about two
seconds to import and is imported only here, only when a discovery runs.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalesim.common.errors import ScalesimInputError
from scalesim.common.provenance import versions
from scalesim.plotting.discovery import box_limits, pairs_scatter, peeling_trajectory
from scalesim.plotting.style import png_bytes
from scalesim.workbench.outcomes import DERIVED, evaluate, outcome_columns, with_derived
from scalesim.workbench.store import (
    KNOWN_FORMATS,
    atomic_write_text,
    load_results,
    read_manifest,
    write_json,
    write_table_files,
)

METHODS = ("prim", "cart")
MIN_DENSITY = 0.8
MASS_MIN = 0.05
PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
CART_MAX_DEPTH = 3
OPTION = "option"
CONSTANT = "_constant"


@contextlib.contextmanager
def ema_quiet() -> Iterator[None]:
    """Silence only EMA's known import and pandas-deprecation warnings (nothing else).

    ``import ema_workbench`` warns that ipyparallel is missing (we do not use it), and
    EMA's ``Prim`` uses ``inplace=`` which pandas 3.1 deprecates (``Pandas4Warning``).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
        warnings.filterwarnings(
            "ignore", category=pd.errors.Pandas4Warning, module=r"ema_workbench\."
        )
        yield


@dataclass
class Discovery:
    """What a discovery found: the cases, the trajectory, the chosen box, the CART leaves."""

    outcome: str
    method: str
    x: pd.DataFrame
    y: np.ndarray
    trajectory: pd.DataFrame
    chosen: int
    box: pd.DataFrame
    cart: pd.DataFrame
    dims: list[str]
    stats: dict[str, float]


def prepare_x(x: pd.DataFrame) -> pd.DataFrame:
    """The uncertainty columns as EMA can read them (integers as floats, others as categories)."""
    out = pd.DataFrame(index=x.index)
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_bool_dtype(col):
            out[c] = col.astype(str).astype("category")
        elif pd.api.types.is_numeric_dtype(col):
            out[c] = col.astype("float64")
        else:
            out[c] = col.astype(str).astype("category")
    return out.reset_index(drop=True)


def choose_box(trajectory: pd.DataFrame, min_density: float = MIN_DENSITY) -> int:
    """Index of the box to report: highest coverage among boxes with density ≥ ``min_density``.

    Ties go to fewer restricted dimensions, then to the earlier box. If no box is dense
    enough, the densest box is taken (the table then says so through its density).
    """
    ok = trajectory[trajectory["density"] >= min_density - 1e-12]
    if ok.empty:
        return int(trajectory["density"].astype(float).idxmax())
    ok = ok.sort_values(["coverage", "res_dim", "id"], ascending=[False, True, True])
    return int(ok.index[0])


def _box_rows(lims: pd.DataFrame, init: pd.DataFrame, qp: dict[str, Any], x: pd.DataFrame) -> list:
    rows = []
    for d in lims.columns:
        lo, hi = lims.loc[0, d], lims.loc[1, d]
        ilo, ihi = init.loc[0, d], init.loc[1, d]
        if isinstance(lo, set):
            if lo == ilo:
                continue
            q = qp.get(d, [-1, -1])
            rows.append(
                {
                    "dimension": d,
                    "kind": "categories",
                    "min": np.nan,
                    "max": np.nan,
                    "range_min": np.nan,
                    "range_max": np.nan,
                    "values": ", ".join(sorted(map(str, lo))),
                    "qp_lower": np.nan if q[0] == -1 else float(q[0]),
                    "qp_upper": np.nan,
                }
            )
            continue
        if float(lo) == float(ilo) and float(hi) == float(ihi):
            continue
        q = qp.get(d, [-1, -1])
        rows.append(
            {
                "dimension": d,
                "kind": "range",
                "min": float(lo),
                "max": float(hi),
                "range_min": float(ilo),
                "range_max": float(ihi),
                "values": "",
                "qp_lower": np.nan if q[0] == -1 else float(q[0]),
                "qp_upper": np.nan if q[1] == -1 else float(q[1]),
            }
        )
    return rows


def _empty_box() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dimension": pd.Series([], dtype="str"),
            "kind": pd.Series([], dtype="str"),
            **{k: pd.Series([], dtype="float64") for k in ("min", "max", "range_min", "range_max")},
            "values": pd.Series([], dtype="str"),
            "qp_lower": pd.Series([], dtype="float64"),
            "qp_upper": pd.Series([], dtype="float64"),
        }
    )


def run_prim(
    x: pd.DataFrame,
    y: np.ndarray,
    min_density: float = MIN_DENSITY,
    mass_min: float = MASS_MIN,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
) -> tuple[pd.DataFrame, int, pd.DataFrame, list[pd.DataFrame], pd.DataFrame]:
    """PRIM on prepared ``x`` and 0/1 ``y``.

    Returns:
        The peeling trajectory (one row per box), the chosen box's index, its table of
        restricted dimensions, every box's limits, and the initial box (the sweep's ranges).
    """
    with ema_quiet():
        from ema_workbench.analysis import prim

        p = prim.Prim(
            x,
            np.asarray(y, dtype=int).copy(),  # guivarch updates y in place; keep ours intact
            peel_alpha=peel_alpha,
            paste_alpha=paste_alpha,
            mass_min=mass_min,
        )
        box = p.find_box()
    traj = box.peeling_trajectory.copy()
    traj["id"] = traj["id"].astype(int)
    traj["res_dim"] = traj["res_dim"].astype(int)
    for c in ("coverage", "density", "mean", "mass"):
        traj[c] = traj[c].astype(float)
    for c in ("n", "k"):
        traj[c] = traj[c].astype(int)
    i = choose_box(traj, min_density)
    rows = _box_rows(box.box_lims[i], box.prim.box_init, box.p_values[i], x)
    table = pd.DataFrame(rows) if rows else _empty_box()
    traj["chosen"] = traj.index == i
    cols = ["id", "coverage", "density", "mass", "mean", "res_dim", "n", "k", "chosen"]
    return traj[cols].reset_index(drop=True), i, table, list(box.box_lims), box.prim.box_init


def run_cart(x: pd.DataFrame, y: np.ndarray, mass_min: float = MASS_MIN) -> pd.DataFrame:
    """CART leaves as boxes: one row per leaf and restricted dimension, densest leaf first."""
    with ema_quiet():
        from ema_workbench.analysis import cart
        from ema_workbench.analysis import scenario_discovery_util as sdutil
        from sklearn.tree import DecisionTreeClassifier

        if x.shape[1] == 1:
            # EMA 3.0.0's CART.boxes indexes feature names with sklearn's leaf marker (-2),
            # which fails with a single feature; a constant column is never split on.
            x = x.assign(**{CONSTANT: 0.0})
        c = cart.CART(x, np.asarray(y, dtype=bool), mass_min=mass_min)
        # EMA's build_tree leaves random_state unset: not reproducible (see module doc).
        c.clf = DecisionTreeClassifier(
            min_samples_leaf=max(1, int(mass_min * x.shape[0])),
            random_state=0,
            max_depth=CART_MAX_DEPTH,
        )
        c.clf.fit(c._x, c.y)
        boxes, stats = c.boxes, c.stats
        init = sdutil._make_box(c.x)
    rows = []
    for leaf, (lims, st) in enumerate(zip(boxes, stats, strict=True)):
        rs = _box_rows(lims, init, {}, x) or [
            {"dimension": "", "kind": "", "min": np.nan, "max": np.nan, "values": ""}
        ]
        for r in rs:
            rows.append(
                {
                    "leaf": leaf,
                    "coverage": float(st["coverage"]),
                    "density": float(st["density"]),
                    "mass": float(st["mass"]),
                    "res_dim": int(st["res dim"]),
                    "dimension": r["dimension"],
                    "kind": r["kind"],
                    "min": r["min"],
                    "max": r["max"],
                    "values": r["values"],
                }
            )
    df = pd.DataFrame(rows)
    order = (
        df.groupby("leaf")[["density", "coverage"]]
        .first()
        .sort_values(["density", "coverage"], ascending=False)
        .index
    )
    rank = {leaf: k for k, leaf in enumerate(order)}
    df["rank"] = df["leaf"].map(rank)
    return df.sort_values(["rank", "dimension"], kind="stable").reset_index(drop=True)


def sweep_cases(
    sweep: str | Path, outcome: str, option: str | None = None
) -> tuple[dict[str, Any], pd.DataFrame, np.ndarray]:
    """Read a sweep and evaluate ``outcome`` on its runs.

    Returns:
        The sweep's manifest, the uncertainty values of each ok run (plus ``option``
        when several options are pooled), and the condition per run.

    Raises:
        ScalesimInputError: Not a sweep, no uncertainties, no ok runs, an unknown option, or
            a condition that is not in the rule language or names an unknown column.
    """
    root = Path(sweep)
    manifest = read_manifest(root)
    if manifest.get("kind") != "sweep":
        raise ScalesimInputError(
            str(root), "", f"expected a sweep folder (scalesim sweep), got a {manifest['kind']}"
        )
    paths = [u["path"] for u in manifest.get("uncertainties", [])]
    runs = with_derived(load_results(root, "runs"))
    known = outcome_columns(runs, exclude=paths)
    y_all = evaluate(outcome, runs, known)  # checks the names before anything else
    ok = (runs["status"] == "ok").to_numpy()
    options = list(dict.fromkeys(runs["option"].astype(str)))
    if option is not None:
        if option not in options:
            raise ScalesimInputError(
                "--option",
                "",
                f"{option!r} is not an option of {root}; options: " + ", ".join(options),
            )
        ok = ok & (runs["option"].astype(str) == option).to_numpy()
    if not paths:
        raise ScalesimInputError(
            str(root), "uncertainties", "the sweep has no uncertainties to discover over"
        )
    if not ok.any():
        raise ScalesimInputError(str(root), "runs", "no run finished (status ok)")
    cols = list(paths)
    if option is None and len(options) > 1:
        cols.append(OPTION)
    x = runs.loc[ok, cols].reset_index(drop=True)
    return manifest, x, y_all[ok]


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    outcome: str,
    method: str = "prim",
    min_density: float = MIN_DENSITY,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """PRIM (or CART) on cases ``x`` with condition ``y``; both tables are always made.

    ``method`` says which one the chosen box comes from (the headline); the other is kept
    as the alternative view.
    """
    if method not in METHODS:
        raise ScalesimInputError("--method", "", f"expected prim or cart, got {method!r}")
    if not 0 < int(np.sum(y)) < len(y):
        share = "every" if np.all(y) else "no"
        raise ScalesimInputError(
            "--outcome",
            "",
            f"{outcome!r} holds in {share} run of the sweep: there is no region to find",
        )
    xp = prepare_x(x)
    traj, i, box, _, _ = run_prim(xp, y, min_density=min_density, mass_min=mass_min)
    leaves = run_cart(xp, y, mass_min=mass_min)
    if method == "prim":
        row = traj.iloc[i]
        stats = {
            "coverage": float(row["coverage"]),
            "density": float(row["density"]),
            "mass": float(row["mass"]),
            "res_dim": int(row["res_dim"]),
        }
        dims = list(box["dimension"])
    else:
        top = leaves[leaves["rank"] == 0]
        first = top.iloc[0]
        stats = {
            "coverage": float(first["coverage"]),
            "density": float(first["density"]),
            "mass": float(first["mass"]),
            "res_dim": int(first["res_dim"]),
        }
        dims = [d for d in top["dimension"] if d]
    return Discovery(outcome, method, x, np.asarray(y, bool), traj, i, box, leaves, dims, stats)


def _fmt_limit(r: pd.Series) -> str:
    if r["kind"] == "categories":
        return f"in {{{r['values']}}}"
    lo, hi = float(r["min"]), float(r["max"])
    return f"{lo:.4g} – {hi:.4g}"


def markdown(d: Discovery, sweep_name: str) -> str:
    """The discovery as Markdown: the chosen box and the best CART leaf."""
    s = d.stats
    lines = [
        f"# Scenario discovery: where `{d.outcome}` holds ({sweep_name})",
        "",
        f"{int(d.y.sum())} of {len(d.y)} runs meet the condition "
        f"({d.y.mean():.1%}). Method: {d.method.upper()}.",
        "",
        f"Chosen box: coverage {s['coverage']:.1%}, density {s['density']:.1%}, "
        f"mass {s['mass']:.1%}, {s['res_dim']} restricted dimension(s).",
        "",
    ]
    if d.method == "prim":
        lines += [
            "| dimension | limits in the box | sweep range | quasi-p (low, high) |",
            "|---|---|---|---|",
        ]
        for _, r in d.box.iterrows():
            rng = (
                "" if r["kind"] == "categories" else f"{r['range_min']:.4g} – {r['range_max']:.4g}"
            )
            qp = ", ".join(
                "–" if pd.isna(v) else f"{v:.2g}" for v in (r["qp_lower"], r["qp_upper"])
            )
            lines.append(f"| {r['dimension']} | {_fmt_limit(r)} | {rng} | {qp} |")
    else:
        lines += ["| dimension | limits in the leaf |", "|---|---|"]
        for _, r in d.cart[d.cart["rank"] == 0].iterrows():
            if r["dimension"]:
                lines.append(f"| {r['dimension']} | {_fmt_limit(r)} |")
    return "\n".join(lines) + "\n"


def figures(d: Discovery) -> dict[str, bytes]:
    """The discovery's PNG figures: trajectory, box limits, pairwise scatter."""
    out = {"peeling_trajectory.png": png_bytes(peeling_trajectory(d.trajectory, d.outcome))}
    if d.method == "prim":
        lim = d.box
    else:
        lim = d.cart[(d.cart["rank"] == 0) & (d.cart["dimension"] != "")].copy()
        ranges = {
            c: (float(d.x[c].min()), float(d.x[c].max()))
            for c in d.x.columns
            if pd.api.types.is_numeric_dtype(d.x[c])
        }
        lim["range_min"] = [ranges.get(c, (np.nan, np.nan))[0] for c in lim["dimension"]]
        lim["range_max"] = [ranges.get(c, (np.nan, np.nan))[1] for c in lim["dimension"]]
    out["box_limits.png"] = png_bytes(box_limits(lim, d.outcome))
    dims = [c for c in d.dims if c in d.x.columns and pd.api.types.is_numeric_dtype(d.x[c])][:4]
    if dims:
        out["pairs.png"] = png_bytes(pairs_scatter(d.x, d.y, dims, lim, d.outcome))
    return out


def write_discovery(
    d: Discovery,
    manifest: dict[str, Any],
    out: Path,
    sweep: Path,
    command: str | None = None,
    option: str | None = None,
) -> Path:
    """Write ``out`` (tables, Markdown, figures, manifest) atomically."""
    from scalesim.common.files import results_folder

    meta = {"format": KNOWN_FORMATS["discover"], "kind": "discover"}
    exp = manifest.get("experiment", {})
    figs = figures(d)
    with results_folder(Path(out), "discover") as tmp:
        write_table_files(d.trajectory, tmp / "peeling_trajectory", meta)
        write_table_files(d.box, tmp / "box", meta)
        write_table_files(d.cart, tmp / "cart", meta)
        atomic_write_text(tmp / "discover.md", markdown(d, str(exp.get("name"))))
        (tmp / "figures").mkdir()
        for name, png in figs.items():
            (tmp / "figures" / name).write_bytes(png)
        write_json(
            tmp / "manifest.json",
            {
                "format": KNOWN_FORMATS["discover"],
                "kind": "discover",
                "sweep": str(sweep),
                "experiment": exp,
                "outcome": d.outcome,
                "derived_outcomes": {k: f"1 - {v[0]} ({v[1]})" for k, v in DERIVED.items()},
                "method": d.method,
                "option": option,
                "dimensions": list(d.x.columns),
                "cases": len(d.y),
                "cases_meeting": int(d.y.sum()),
                "chosen_box": int(d.chosen),
                "chosen": {**d.stats, "dimensions": d.dims},
                "settings": {
                    "min_density": MIN_DENSITY,
                    "mass_min": MASS_MIN,
                    "peel_alpha": PEEL_ALPHA,
                    "paste_alpha": PASTE_ALPHA,
                    "cart_max_depth": CART_MAX_DEPTH,
                    "cart_random_state": 0,
                },
                "versions": {**versions(), **_ema_versions()},
                "command": command,
                "tables": ["peeling_trajectory", "box", "cart"],
                "figures": [f"figures/{n}" for n in figs],
            },
        )
    return Path(out)


def _ema_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("ema_workbench", "scikit-learn")}

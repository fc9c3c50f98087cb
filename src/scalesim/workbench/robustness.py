"""Robustness across futures: which strategy set holds up in the conditions we cannot control?

A sweep over levers (the options: strategy sets) × uncertainties (the design points: the
futures) is read as Robust Decision Making reads it (Lempert, Groves, Popper & Bankes 2006;
the metrics as McPhail et al. 2018 classify them):

* **performance in a future** f(l, s): the mean over the replicates of option l at design
  point s. Every option runs on the same seeds at every point (common random numbers), so
  differences between options inside a future are paired;
* **satisficing robustness** (Starr's domain criterion): the share of futures in which an
  option meets the criterion, by default the trip ticket *with its equity clause*
  (``tt_reached``) reached in at least half of the replicates; any rule-language condition
  over the per-future means can be given instead;
* per outcome, the **mean** and the **10th percentile** over futures;
* **regret** (Savage): in each future, how far an option falls short of the best option in
  that future, in the outcome's own direction (``kind`` in the experiment): the **maximum**
  and the **90th percentile** over futures, and the mean. Regret is taken on per-future
  means, never on single replicates: the best of several noisy values is biased upward;
* **paired differences per design point**: each option minus the baseline (the first
  option), per replicate seed, with a 95% t-interval, so a future where an option is
  clearly better or worse is visible (not only pooled means). Identical options give
  exactly 0.

The verdict names the most robust option (highest satisficing share; ties go to the lowest
maximum regret on the experiment's first outcome) and, for each option, the futures in which
it fails, as the range of each uncertainty over them (``scalesim discover`` describes such a
region properly).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalesim.common.errors import ScalesimInputError
from scalesim.common.provenance import versions
from scalesim.plotting.discovery import robustness_bars
from scalesim.plotting.style import png_bytes
from scalesim.workbench.outcomes import evaluate, outcome_columns, with_derived
from scalesim.workbench.stats import t_interval
from scalesim.workbench.store import (
    KNOWN_FORMATS,
    atomic_write_text,
    load_results,
    read_manifest,
    write_json,
    write_table_files,
)

DEFAULT_CRITERION = "tt_reached >= 0.5"
QUANTILE_LOW = 0.1
QUANTILE_REGRET = 0.9


def _directions(manifest: dict[str, Any], runs: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in manifest.get("outcomes", []):
        name = str(o.get("name") or o.get("metric"))
        if name in runs.columns and o.get("kind") in ("maximize", "minimize"):
            out[name] = str(o["kind"])
    if "tt_reached" in runs.columns:
        out.setdefault("tt_reached", "maximize")
    return out


def future_means(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean over replicates per (point, option): the performance in each future."""
    ok = runs[runs["status"] == "ok"]
    g = ok.groupby(["point", "option"], sort=True)
    perf = g[outcomes].mean(numeric_only=False).astype(float)
    perf["replicates"] = g.size()
    return perf


def regret(perf: pd.DataFrame, directions: dict[str, str]) -> pd.DataFrame:
    """Regret of each option in each future against the best option there (always ≥ 0)."""
    out = {}
    for col, kind in directions.items():
        by = perf[col].groupby(level="point")
        if kind == "maximize":
            out[col] = by.transform("max") - perf[col]
        else:
            out[col] = perf[col] - by.transform("min")
    return pd.DataFrame(out, index=perf.index)


def _nan(fn: Any, v: np.ndarray, *args: Any) -> float:
    """``fn`` over the finite values of ``v``; NaN (without a warning) if there are none."""
    return float(fn(v, *args)) if np.isfinite(v).any() else float("nan")


def summary(
    perf: pd.DataFrame, reg: pd.DataFrame, met: pd.Series, directions: dict[str, str]
) -> pd.DataFrame:
    """Per option and outcome: mean and 10th percentile over futures, regret, satisficing."""
    rows = []
    options = list(dict.fromkeys(perf.index.get_level_values("option")))
    for opt in options:
        cur = perf.xs(opt, level="option")
        rcur = reg.xs(opt, level="option")
        share = float(met.xs(opt, level="option").mean())
        for col, kind in directions.items():
            v = cur[col].to_numpy(float)
            r = rcur[col].to_numpy(float)
            rows.append(
                {
                    "option": opt,
                    "outcome": col,
                    "kind": kind,
                    "futures": int(np.isfinite(v).sum()),
                    "mean": _nan(np.nanmean, v),
                    "p10": _nan(np.nanquantile, v, QUANTILE_LOW),
                    "max_regret": _nan(np.nanmax, r),
                    "p90_regret": _nan(np.nanquantile, r, QUANTILE_REGRET),
                    "mean_regret": _nan(np.nanmean, r),
                    "satisficing_share": share,
                }
            )
    return pd.DataFrame(rows)


def paired_by_point(
    runs: pd.DataFrame, outcomes: list[str], baseline: str, options: list[str]
) -> pd.DataFrame:
    """Per design point, option and outcome: mean paired difference to ``baseline`` [95% CI].

    Pairs are the runs of one point on the same replicate seed (common random numbers).
    """
    ok = runs[runs["status"] == "ok"]
    base = ok[ok["option"] == baseline].set_index(["point", "replicate"])
    rows = []
    for opt in options:
        if opt == baseline:
            continue
        cur = ok[ok["option"] == opt].set_index(["point", "replicate"])
        joined = (
            cur[outcomes]
            .astype(float)
            .join(base[outcomes].astype(float).add_suffix("__base"), how="inner")
        )
        for point, grp in joined.groupby(level="point", sort=True):
            for col in outcomes:
                d = (grp[col] - grp[f"{col}__base"]).to_numpy(float)
                mean, _, lo, hi = t_interval(d)
                rows.append(
                    {
                        "point": int(point),
                        "option": opt,
                        "baseline": baseline,
                        "outcome": col,
                        "n": int(np.isfinite(d).sum()),
                        "diff": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=["point", "option", "baseline", "outcome", "n", "diff", "ci_low", "ci_high"],
    )


def where_fails(met: pd.Series, design: pd.DataFrame, paths: list[str]) -> pd.DataFrame:
    """The futures in which each option does not meet the criterion, with their conditions."""
    failed = met[~met.astype(bool)].reset_index()[["point", "option"]]
    return failed.merge(design[["point", *paths]], on="point", how="left")


def _range_text(vals: pd.Series) -> str:
    u = list(dict.fromkeys(vals.tolist()))
    if pd.api.types.is_numeric_dtype(vals) and not pd.api.types.is_bool_dtype(vals):
        lo, hi = float(vals.min()), float(vals.max())
        return f"{lo:.3g}" if lo == hi else f"{lo:.3g}–{hi:.3g}"
    return "{" + ", ".join(map(str, u)) + "}"


def verdict(
    table: pd.DataFrame, failures: pd.DataFrame, paths: list[str], criterion: str, n_futures: int
) -> list[str]:
    """Sentences: the most robust option, and where each option fails."""
    first = table["outcome"].iloc[0]
    per = (
        table[table["outcome"] == first]
        .sort_values(["satisficing_share", "max_regret"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    best = per.iloc[0]
    out = [
        f"Most robust: **{best['option']}**, meeting `{criterion}` in "
        f"{best['satisficing_share']:.0%} of the {n_futures} futures (maximum regret in "
        f"{first}: {best['max_regret']:.3g})."
    ]
    for _, r in per.iterrows():
        f = failures[failures["option"] == r["option"]]
        if f.empty:
            out.append(f"{r['option']} meets the criterion in every future.")
            continue
        where = "; ".join(f"{p} {_range_text(f[p])}" for p in paths)
        out.append(f"{r['option']} fails in {len(f)} of {n_futures} futures ({where}).")
    return out


def analyze(
    sweep: str | Path, criterion: str = DEFAULT_CRITERION
) -> tuple[dict[str, Any], dict[str, pd.DataFrame], list[str]]:
    """Robustness tables of a sweep's options across its design points.

    Returns:
        The sweep's manifest, the tables (``robustness``, ``futures``, ``paired``,
        ``failures``) and the verdict sentences.

    Raises:
        ScalesimInputError: Not a sweep, fewer than two options, or a criterion that is not
            in the rule language or names an unknown outcome.
    """
    root = Path(sweep)
    manifest = read_manifest(root)
    if manifest.get("kind") != "sweep":
        raise ScalesimInputError(
            str(root), "", f"expected a sweep folder (scalesim sweep), got a {manifest['kind']}"
        )
    runs = with_derived(load_results(root, "runs"))
    paths = [u["path"] for u in manifest.get("uncertainties", [])]
    directions = _directions(manifest, runs)
    outcomes = list(directions)
    known = outcome_columns(runs, exclude=paths)
    ok = runs[runs["status"] == "ok"]
    perf = future_means(ok, sorted(set(known)))
    met = pd.Series(evaluate(criterion, perf.reset_index(), known, "--satisfice"), index=perf.index)
    options = [str(o["name"]) for o in manifest.get("options", [])] or list(
        dict.fromkeys(runs["option"])
    )
    if len(options) < 2:
        raise ScalesimInputError(
            str(root), "levers", "robustness compares options: the sweep needs at least two"
        )
    reg = regret(perf, directions)
    table = summary(perf, reg, met, directions)
    futures = perf[[*outcomes, "replicates"]].join(reg.add_suffix("_regret"))
    futures["meets_criterion"] = met
    futures = futures.reset_index()
    paired = paired_by_point(ok, outcomes, options[0], options)
    design = (
        ok.groupby("point", sort=True)[paths].first().reset_index()
        if paths
        else (pd.DataFrame({"point": sorted(ok["point"].unique())}))
    )
    failures = where_fails(met, design, paths)
    n_futures = int(perf.index.get_level_values("point").nunique())
    text = verdict(table, failures, paths, criterion, n_futures)
    tables = {"robustness": table, "futures": futures, "paired": paired, "failures": failures}
    return manifest, tables, text


def markdown(tables: dict[str, pd.DataFrame], text: list[str], name: str) -> str:
    """The robustness tables as Markdown."""
    t = tables["robustness"]
    lines = [f"# Robustness across futures ({name})", "", *[f"- {s}" for s in text], ""]
    lines += [
        "| option | outcome | satisficing share | mean | 10th pct | max regret | 90th pct regret |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, r in t.iterrows():
        lines.append(
            f"| {r['option']} | {r['outcome']} | {r['satisficing_share']:.0%} | "
            f"{r['mean']:.3g} | {r['p10']:.3g} | {r['max_regret']:.3g} | {r['p90_regret']:.3g} |"
        )
    return "\n".join(lines) + "\n"


def write_robustness(
    manifest: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    text: list[str],
    out: Path,
    sweep: Path,
    criterion: str,
    command: str | None = None,
) -> Path:
    """Write ``out`` (tables, Markdown, figure, manifest) atomically."""
    from scalesim.common.files import results_folder

    meta = {"format": KNOWN_FORMATS["robustness"], "kind": "robustness"}
    exp = manifest.get("experiment", {})
    t = tables["robustness"]
    first = str(t["outcome"].iloc[0])
    fig = png_bytes(robustness_bars(t[t["outcome"] == first], first))
    with results_folder(Path(out), "robustness") as tmp:
        for name, df in tables.items():
            write_table_files(df, tmp / name, meta)
        atomic_write_text(tmp / "robustness.md", markdown(tables, text, str(exp.get("name"))))
        (tmp / "figures").mkdir()
        (tmp / "figures" / "robustness.png").write_bytes(fig)
        write_json(
            tmp / "manifest.json",
            {
                "format": KNOWN_FORMATS["robustness"],
                "kind": "robustness",
                "sweep": str(sweep),
                "experiment": exp,
                "criterion": criterion,
                "baseline": str(tables["paired"]["baseline"].iloc[0])
                if len(tables["paired"])
                else None,
                "verdict": text,
                "quantiles": {"low": QUANTILE_LOW, "regret": QUANTILE_REGRET},
                "confidence": 0.95,
                "versions": versions(),
                "command": command,
                "tables": list(tables),
                "figures": ["figures/robustness.png"],
            },
        )
    return Path(out)

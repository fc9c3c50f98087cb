"""Paired comparison of strategy sets: the rehearsal view for an improvement team.

Every option runs on the *same* seeds (common random numbers), so the difference between
two options on one seed is the effect of the options alone, not of luck. For each metric
(its value at the end of the run) this module reports:

* the mean across replicates and its 95% t-interval;
* the mean paired difference to the baseline (the first option) and its 95% t-interval,
  computed from the per-seed differences (identical options give exactly 0);
* the probability of reaching the trip-ticket destination *with its equity clause* by
  the deadline, with a 95% Wilson interval (it behaves well near 0 and 1, where the
  normal interval does not; Wilson 1927, via :func:`scipy.stats.binomtest`).

Tables are written as Parquet, CSV and Markdown; figures as PNG (matplotlib, Agg,
Okabe–Ito colour-blind-safe palette). The layout is in docs/results-format.md.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scalesim.common.provenance import versions
from scalesim.metrics import METRICS
from scalesim.scenario import Scenario
from scalesim.workbench.executors import Executor
from scalesim.workbench.experiment import Task
from scalesim.workbench.store import KNOWN_FORMATS, RUN_TABLES, atomic_write_text, concat, from_ipc

CONFIDENCE = 0.95
# Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MAIN_METRICS = (
    "share_enacting",
    "share_deep",
    "destination_share",
    "destination_equity_share",
    "mean_depth",
    "mean_ownership",
    "institutionalization",
    "reach_furthest",
    "equity_ratio",
    "high_need_coverage",
    "schools_left_behind",
    "capacity_spent",
)
TRAJECTORY_METRICS = (
    "share_enacting",
    "destination_share",
    "destination_equity_share",
    "mean_ownership",
    "institutionalization",
    "equity_ratio",
)
NEED_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)


# --------------------------------------------------------------------------- statistics


def t_interval(x: np.ndarray, conf: float = CONFIDENCE) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the two-sided t-interval of the mean.

    Returns NaN bounds for fewer than two values; a zero spread gives a zero-width interval.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return (float("nan"),) * 4  # type: ignore[return-value]
    mean = float(x.mean())
    if n < 2:
        return mean, float("nan"), float("nan"), float("nan")
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + conf / 2, n - 1)) * sd / np.sqrt(n)
    return mean, sd, mean - half, mean + half


def wilson(k: int, n: int, conf: float = CONFIDENCE) -> tuple[float, float, float]:
    """Proportion ``k/n`` with its Wilson score interval."""
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=conf, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def _verdict(kind: str, lo: float, hi: float) -> str:
    if kind == "info":
        return "info"
    if np.isnan(lo) or np.isnan(hi):
        return "too few replicates"
    if lo > 0:
        return "better" if kind == "maximize" else "worse"
    if hi < 0:
        return "worse" if kind == "maximize" else "better"
    return "no clear difference"


def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"] if "status" in runs else runs


def comparison_table(
    runs: pd.DataFrame,
    baseline: str,
    pair_on: Sequence[str] = ("replicate",),
    options: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    conf: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per option and metric: mean with its interval, and the paired difference to baseline.

    Args:
        runs: The ``runs`` table (one row per run, with ``option`` and the pairing keys).
        baseline: The option every other is compared with.
        pair_on: Columns that identify a pair across options (the seed's replicate; in a
            sweep, also the design point).
        options: Options in display order (default: order of first appearance).
        metrics: Metric columns (default: every registered metric present).
        conf: Confidence level.
    """
    ok = _ok(runs)
    options = list(options or dict.fromkeys(runs["option"]))
    metrics = [m for m in (metrics or METRICS) if m in runs.columns]
    base = ok[ok["option"] == baseline].set_index(list(pair_on))
    rows = []
    for opt in options:
        cur = ok[ok["option"] == opt].set_index(list(pair_on))
        joined = cur.join(base, how="inner", suffixes=("", "__base"))
        for m in metrics:
            d = METRICS[m]
            mean, sd, lo, hi = t_interval(cur[m].to_numpy(), conf)
            if opt == baseline:
                diff = diff_sd = dlo = dhi = 0.0
                verdict = "baseline"
            else:
                delta = (joined[m] - joined[m + "__base"]).to_numpy()
                diff, diff_sd, dlo, dhi = t_interval(delta, conf)
                verdict = _verdict(d.kind, dlo, dhi)
            rows.append(
                {
                    "option": opt,
                    "metric": m,
                    "label": d.label,
                    "dimension": d.dimension,
                    "kind": d.kind,
                    "unit": d.unit,
                    "n": int(cur[m].notna().sum()),
                    "mean": mean,
                    "sd": sd,
                    "ci_low": lo,
                    "ci_high": hi,
                    "baseline": baseline,
                    "diff": diff,
                    "diff_sd": diff_sd,
                    "diff_ci_low": dlo,
                    "diff_ci_high": dhi,
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows)


def trip_ticket_table(
    runs: pd.DataFrame, options: Sequence[str] | None = None, conf: float = CONFIDENCE
) -> pd.DataFrame:
    """Per option: probability of reaching the destination with its equity clause, by deadline."""
    ok = _ok(runs)
    options = list(options or dict.fromkeys(runs["option"]))
    rows = []
    for opt in options:
        cur = ok[ok["option"] == opt]
        n = len(cur)
        k = int(cur["tt_reached"].sum()) if n else 0
        ke = int(cur["tt_equity_clause_holds"].sum()) if n else 0
        p, lo, hi = wilson(k, n, conf)
        pe, elo, ehi = wilson(ke, n, conf)
        first = cur.iloc[0] if n else None
        rows.append(
            {
                "option": opt,
                "n": n,
                "reached": k,
                "p_reached": p,
                "p_ci_low": lo,
                "p_ci_high": hi,
                "equity_clause_holds": ke,
                "p_equity": pe,
                "p_equity_ci_low": elo,
                "p_equity_ci_high": ehi,
                "achieved_mean": float(cur["tt_achieved_at_deadline"].mean()) if n else np.nan,
                "equity_achieved_mean": (
                    float(cur["tt_equity_achieved_at_deadline"].mean()) if n else np.nan
                ),
                "target": float(first["tt_target"]) if n else np.nan,
                "equity_target": float(first["tt_equity_target"]) if n else np.nan,
                "min_depth": float(first["tt_min_depth"]) if n else np.nan,
                "by_month": float(first["tt_by_month"]) if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def bands_table(
    timeseries: pd.DataFrame,
    options: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    conf: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per option, week and metric: mean, its t-interval, and the 10th/90th percentiles."""
    options = list(options or dict.fromkeys(timeseries["option"]))
    metrics = [m for m in (metrics or METRICS) if m in timeseries.columns]
    g = timeseries.groupby(["option", "week"], sort=False)[metrics]
    parts = {
        "n": g.count(),
        "mean": g.mean(),
        "sd": g.std(),
        "p10": g.quantile(0.1),
        "p90": g.quantile(0.9),
    }
    long = pd.concat(
        {k: v.rename_axis(columns="metric").stack() for k, v in parts.items()}, axis=1
    ).reset_index()
    month = timeseries.groupby("week")["month"].first()
    long["month"] = long["week"].map(month)
    n = long["n"].to_numpy()
    tq = stats.t.ppf(0.5 + conf / 2, np.maximum(n - 1, 1))
    half = np.where(
        n > 1, tq * long["sd"].fillna(0.0).to_numpy() / np.sqrt(np.maximum(n, 1)), np.nan
    )
    long["ci_low"] = long["mean"] - half
    long["ci_high"] = long["mean"] + half
    long["n"] = long["n"].astype("int64")
    order = {o: i for i, o in enumerate(options)}
    morder = {m: i for i, m in enumerate(metrics)}
    long = long.assign(_o=long["option"].map(order), _m=long["metric"].map(morder))
    long = long.sort_values(["_o", "_m", "week"]).reset_index(drop=True)
    return long[
        ["option", "week", "month", "metric", "n", "mean", "ci_low", "ci_high", "p10", "p90"]
    ]


def equity_by_need_table(
    schools: pd.DataFrame, options: Sequence[str] | None = None, conf: float = CONFIDENCE
) -> pd.DataFrame:
    """Reach by school need: schools binned by their share of students furthest from opportunity."""
    options = list(options or dict.fromkeys(schools["option"]))
    labels = [f"{int(a * 100)}–{int(b * 100)}%" for a, b in itertools.pairwise(NEED_BINS)]
    s = schools.copy()
    idx = np.clip(
        np.searchsorted(NEED_BINS, s["need_share"].to_numpy(), side="right") - 1, 0, len(labels) - 1
    )
    s["bin"] = idx
    s["never"] = ~s["ever_reached"].astype(bool)
    per = (
        s.groupby(["option", "replicate", "bin"])
        .agg(
            schools=("school", "count"),
            educators=("educators", "sum"),
            enacting=("enacting", "sum"),
            deep=("deep", "sum"),
            never=("never", "sum"),
        )
        .reset_index()
    )
    per["share"] = per["enacting"] / per["educators"]
    per["share_deep"] = per["deep"] / per["educators"]
    rows = []
    for opt in options:
        for b, lab in enumerate(labels):
            cur = per[(per["option"] == opt) & (per["bin"] == b)]
            if cur.empty:
                continue
            mean, _, lo, hi = t_interval(cur["share"].to_numpy(), conf)
            rows.append(
                {
                    "option": opt,
                    "need_bin": lab,
                    "need_low": NEED_BINS[b],
                    "need_high": NEED_BINS[b + 1],
                    "schools": float(cur["schools"].mean()),
                    "educators": float(cur["educators"].mean()),
                    "share_enacting": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "share_deep": float(cur["share_deep"].mean()),
                    "never_reached": float(cur["never"].mean()),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- presentation


def _fmt(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    if unit in ("schools", "person-days"):
        return f"{x:.1f}"
    return f"{x:.3f}"


def markdown_table(
    comp: pd.DataFrame, tt: pd.DataFrame, title: str, metrics: Sequence[str] = MAIN_METRICS
) -> str:
    """A readable Markdown table: mean [95% CI] per option, paired Δ vs the baseline."""
    options = list(dict.fromkeys(comp["option"]))
    base = comp["baseline"].iloc[0] if len(comp) else ""
    head = (
        ["metric"]
        + [f"{o} (mean [95% CI])" for o in options]
        + [f"{o} − {base} (Δ [95% CI])" for o in options if o != base]
    )
    lines = [
        f"# {title}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    for m in metrics:
        rows = comp[comp["metric"] == m]
        if rows.empty:
            continue
        unit = rows["unit"].iloc[0]
        cells = [f"{rows['label'].iloc[0]} ({unit})"]
        for o in options:
            r = rows[rows["option"] == o].iloc[0]
            cells.append(
                f"{_fmt(r['mean'], unit)} [{_fmt(r['ci_low'], unit)}, {_fmt(r['ci_high'], unit)}]"
            )
        for o in options:
            if o == base:
                continue
            r = rows[rows["option"] == o].iloc[0]
            cells.append(
                f"{_fmt(r['diff'], unit)} [{_fmt(r['diff_ci_low'], unit)}, "
                f"{_fmt(r['diff_ci_high'], unit)}] {r['verdict']}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    if len(tt):
        t0 = tt.iloc[0]
        cells = [
            f"P(destination {t0['target']:.0%} at depth ≥ {t0['min_depth']:g}, equity "
            f"{t0['equity_target']:.0%}, by month {t0['by_month']:g})"
        ]
        for o in options:
            r = tt[tt["option"] == o]
            if r.empty:
                cells.append("–")
                continue
            r = r.iloc[0]
            cells.append(
                f"{r['p_reached']:.2f} [{r['p_ci_low']:.2f}, {r['p_ci_high']:.2f}] "
                f"({int(r['reached'])}/{int(r['n'])})"
            )
        cells += [""] * (len(head) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Intervals: 95% t-intervals over replicates; Δ is the paired difference on "
        f"the same seeds (common random numbers); P(destination) has a 95% Wilson "
        f"interval. Baseline: {base}.",
        "",
    ]
    return "\n".join(lines)


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_trajectories(
    bands: pd.DataFrame,
    path: Path,
    tt: pd.DataFrame | None = None,
    metrics: Sequence[str] = TRAJECTORY_METRICS,
    branch_month: float | None = None,
) -> Path:
    """Trajectories with bands (mean line, 95% CI of the mean, 10–90% of replicates)."""
    plt = _mpl()
    metrics = [m for m in metrics if m in set(bands["metric"])]
    options = list(dict.fromkeys(bands["option"]))
    ncol = 3
    nrow = int(np.ceil(len(metrics) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.2 * nrow), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        d = METRICS[m]
        for i, opt in enumerate(options):
            cur = bands[(bands["option"] == opt) & (bands["metric"] == m)]
            c = PALETTE[i % len(PALETTE)]
            ax.fill_between(cur["month"], cur["p10"], cur["p90"], color=c, alpha=0.12, linewidth=0)
            ax.fill_between(
                cur["month"], cur["ci_low"], cur["ci_high"], color=c, alpha=0.3, linewidth=0
            )
            ax.plot(cur["month"], cur["mean"], color=c, label=opt, linewidth=1.6)
        if tt is not None and len(tt) and m in ("destination_share", "destination_equity_share"):
            target = tt["target" if m == "destination_share" else "equity_target"].iloc[0]
            ax.axhline(target, color="0.3", linestyle=":", linewidth=1)
            ax.axvline(tt["by_month"].iloc[0], color="0.3", linestyle=":", linewidth=1)
        if branch_month is not None:
            ax.axvline(branch_month, color="0.2", linestyle="--", linewidth=1)
        ax.set_title(d.label, fontsize=10)
        ax.set_xlabel("month")
        ax.set_ylabel(d.unit)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="best")
    fig.suptitle(
        "Trajectories: mean, 95% CI of the mean (dark), 10–90% of replicates (light)", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_equity_by_need(eq: pd.DataFrame, path: Path) -> Path:
    """Share of educators enacting at the end, by school need, per option (95% CI bars)."""
    plt = _mpl()
    options = list(dict.fromkeys(eq["option"]))
    bins = list(dict.fromkeys(eq["need_bin"]))
    fig, ax = plt.subplots(figsize=(7, 3.8))
    width = 0.8 / max(len(options), 1)
    for i, opt in enumerate(options):
        cur = eq[eq["option"] == opt].set_index("need_bin").reindex(bins)
        x = np.arange(len(bins)) + (i - (len(options) - 1) / 2) * width
        err = np.vstack(
            [cur["share_enacting"] - cur["ci_low"], cur["ci_high"] - cur["share_enacting"]]
        )
        ax.bar(
            x,
            cur["share_enacting"],
            width,
            label=opt,
            color=PALETTE[i % len(PALETTE)],
            yerr=np.nan_to_num(err),
            capsize=3,
        )
    ax.set_xticks(np.arange(len(bins)), bins)
    ax.set_xlabel("school's share of students furthest from opportunity")
    ax.set_ylabel("share of educators enacting (end)")
    ax.set_title("Equity of reach by school need (95% CI)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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


def concat_parts(outputs: list[Any]) -> dict[str, pd.DataFrame]:
    """Concatenate workers' per-run tables in task order, as pandas."""
    outputs = sorted(outputs, key=lambda o: o.task_id)
    names: list[str] = []
    for o in outputs:
        names += [k for k in o.parts if k not in names]
    return {
        n: concat([from_ipc(o.parts[n]) for o in outputs if n in o.parts]).to_pandas()
        for n in names
    }


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
    from scalesim.workbench.sweep import execute_task

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


def summary_tables(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame | None,
    schools: pd.DataFrame | None,
    options: Sequence[str],
    conf: float = CONFIDENCE,
) -> dict[str, pd.DataFrame]:
    """The comparison, trip-ticket, bands and equity-by-need tables."""
    out = {
        "comparison": comparison_table(runs, options[0], ("replicate",), options, conf=conf),
        "trip_ticket": trip_ticket_table(runs, options, conf),
    }
    ok_keys = _ok(runs)[["option", "replicate"]]
    if timeseries is not None and len(timeseries):
        ts = timeseries.merge(ok_keys, on=["option", "replicate"])
        out["bands"] = bands_table(ts, options, conf=conf)
    if schools is not None and len(schools):
        sch = schools.merge(ok_keys, on=["option", "replicate"])
        out["equity_by_need"] = equity_by_need_table(sch, options, conf)
    return out


def write_results(
    out: Path,
    kind: str,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    scenarios: dict[str, dict[str, Any]],
    title: str,
    branch_month: float | None = None,
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write a compare/rehearse folder atomically (tables, Markdown, figures, manifest)."""
    import yaml

    from scalesim.simulation.output import atomic_dir
    from scalesim.workbench.store import write_json, write_table_files

    meta = {"format": KNOWN_FORMATS[kind], "kind": kind}
    figures = []
    with atomic_dir(Path(out)) as tmp:
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
            plot_trajectories(
                tables["bands"],
                tmp / "figures" / "trajectories.png",
                tables.get("trip_ticket"),
                branch_month=branch_month,
            )
            figures.append("figures/trajectories.png")
        if "equity_by_need" in tables and len(tables["equity_by_need"]):
            plot_equity_by_need(tables["equity_by_need"], tmp / "figures" / "equity_by_need.png")
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

    Returns:
        Every table (per-run and summary), by name.
    """
    t0 = time.perf_counter()
    names = [o.name for o in options]
    tables = run_options(options, seeds, executor, on_progress)
    tables.update(
        summary_tables(tables["runs"], tables.get("timeseries"), tables.get("schools"), names, conf)
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
        )
    return tables

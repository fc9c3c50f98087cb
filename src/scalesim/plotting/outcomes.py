"""Where the options end up: trajectories, the destination, its probability, paired differences.

Each function takes plain tables (the ``bands``, ``trip_ticket`` and ``comparison`` layouts
of docs/results-format.md) and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from scalesim.metrics import METRICS
from scalesim.metrics.units import PERCENT_UNITS
from scalesim.plotting.markers import Markers, draw_markers, marker_legend
from scalesim.plotting.style import LINESTYLES, MARKERS, colour, new_figure, unit_axis

# Characters of a trajectory panel's title per line (a 3.9-inch panel at the title size).
TITLE_CHARS = 36


def option_series(bands: pd.DataFrame, option: str, metric: str) -> pd.DataFrame:
    """One option's rows of one metric in a ``bands`` table, in time order."""
    cur = bands[(bands["option"] == option) & (bands["metric"] == metric)]
    return cur.sort_values("month")


def draw_band(ax: Any, cur: pd.DataFrame, c: str, with_bands: bool) -> None:
    """95% interval of the mean as a band; 10th/90th percentiles of replicates as thin lines."""
    if not with_bands:
        return
    if cur["ci_low"].notna().any():
        ax.fill_between(
            cur["month"], cur["ci_low"], cur["ci_high"], color=c, alpha=0.18, linewidth=0
        )
    if {"p10", "p90"} <= set(cur.columns) and cur["p10"].notna().any():
        for q in ("p10", "p90"):
            ax.plot(
                cur["month"], cur[q], color=c, linewidth=0.6, alpha=0.7, linestyle=(0, (1, 1.5))
            )


def trajectories(
    bands: pd.DataFrame,
    panels: Sequence[tuple[str, Sequence[str]]],
    options: Sequence[str],
    mk: Markers,
    targets: dict[str, float] | None = None,
    ncols: int = 3,
    units: dict[str, str] | None = None,
) -> Figure:
    """Metrics over time: one panel per dimension, one line per option (or per metric).

    With one option, each panel may hold several metrics (told apart by line style); with
    several options, each panel holds one metric and each option has its colour, with the
    95% interval of the mean (dark band) and the 10th–90th percentile of replicates (light).
    ``units`` replaces a metric's registered unit (the trip ticket's shares are of students
    when the destination counts students: :func:`scalesim.metrics.units.metric_unit`).
    """
    n = len(panels)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, 3.9 * ncols, 2.9 * nrows + 0.5, sharex=True)
    multi = len(options) > 1
    with_bands = "ci_low" in bands.columns and bands["ci_low"].notna().any()
    for k, (ax, (title, metrics)) in enumerate(zip(axes.flat, panels, strict=False)):
        draw_markers(ax, mk, labels=(k == 0))
        unit = (units or {}).get(metrics[0]) or (
            METRICS[metrics[0]].unit if metrics[0] in METRICS else ""
        )
        for j, m in enumerate(metrics):
            for i, opt in enumerate(options):
                cur = option_series(bands, opt, m)
                if cur.empty:
                    continue
                c = colour(i) if multi else colour(j)
                draw_band(ax, cur, c, with_bands)
                ax.plot(
                    cur["month"],
                    cur["mean"],
                    color=c,
                    linewidth=1.7,
                    linestyle=LINESTYLES[(i if multi else j) % 4],
                    label=opt if multi else METRICS[m].label,
                )
            if targets and m in targets:
                ax.axhline(targets[m], color="0.2", linestyle=(0, (4, 2)), linewidth=0.9)
        if mk.deadline is not None and targets and any(m in targets for m in metrics):
            ax.axvline(mk.deadline, color="0.2", linestyle=(0, (4, 2)), linewidth=0.9)
        # A long title wraps inside its panel (a neighbour's would overlap it).
        ax.set_title(textwrap.fill(title, TITLE_CHARS, break_on_hyphens=False))
        unit_axis(ax, unit)
        if unit in PERCENT_UNITS or unit == "schools":
            hi = ax.get_ylim()[1]
            ax.set_ylim(0.0, max(hi, 0.05 if unit in PERCENT_UNITS else 1.0))
        if not multi and len(metrics) > 1:
            ax.legend(loc="best", fontsize=7.5)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes.flat[max(n - ncols, 0) : n]:
        ax.set_xlabel("month since start")
        ax.xaxis.set_tick_params(labelbottom=True)
    extra = []
    if multi:
        extra = [
            Line2D([], [], color=colour(i), linestyle=LINESTYLES[i % 4], label=o)
            for i, o in enumerate(options)
        ]
    spare = axes.flat[n] if n < axes.size else None
    marker_legend(fig, mk, extra, ax=spare)
    fig.tight_layout(rect=(0, 0 if spare is not None else 0.06, 1, 1))
    return fig


def destination(
    bands: pd.DataFrame,
    options: Sequence[str],
    targets: dict[str, float],
    mk: Markers,
    pit: pd.DataFrame | None = None,
) -> Figure:
    """Progress toward the destination, all educators and high-need schools, vs targets.

    ``pit`` (a single run): observed indicator and expected trajectory at each pit stop.
    """
    fig, axes = new_figure(1, 2, 10.5, 3.6, sharey=True)
    panels = (
        ("All educators", "destination_share"),
        ("High-need schools (equity clause)", "destination_equity_share"),
    )
    multi = len(options) > 1
    with_bands = "ci_low" in bands.columns and bands["ci_low"].notna().any()
    for k, (ax, (title, m)) in enumerate(zip(axes.flat, panels, strict=True)):
        draw_markers(ax, mk, labels=False)
        for i, opt in enumerate(options):
            cur = option_series(bands, opt, m)
            draw_band(ax, cur, colour(i), with_bands)
            ax.plot(
                cur["month"],
                cur["mean"],
                color=colour(i),
                linewidth=1.9,
                linestyle=LINESTYLES[i % 4],
                label=opt if multi else "simulated (true)",
            )
        ax.axhline(targets[m], color="0.15", linestyle=(0, (4, 2)), linewidth=1.0)
        if mk.deadline is not None:
            ax.axvline(mk.deadline, color="0.15", linestyle=(0, (4, 2)), linewidth=1.0)
            ax.plot([mk.deadline], [targets[m]], marker="*", markersize=13, color="0.15", zorder=5)
        if pit is not None and len(pit):
            col = f"obs_{m}"
            if col in pit.columns:
                ax.plot(
                    pit["month"],
                    pit[col],
                    "o",
                    color=colour(1),
                    markersize=5,
                    label="observed at pit stop",
                )
            if k == 0 and "obs_expected_share" in pit.columns:
                ax.plot(
                    pit["month"],
                    pit["obs_expected_share"],
                    "x",
                    color="0.3",
                    markersize=5,
                    label="expected (straight path)",
                )
        ax.set_title(title)
        unit_axis(
            ax,
            "share of educators",
            label="% of educators at the destination's depth" if k == 0 else None,
        )
        ax.set_ylim(0, max(1.0, ax.get_ylim()[1]))
        ax.set_xlabel("month since start")
    handles = [
        Line2D([], [], color="0.15", linestyle=(0, (4, 2)), marker="*", label="target and deadline")
    ]
    if multi:
        handles += [
            Line2D([], [], color=colour(i), linestyle=LINESTYLES[i % 4], label=o)
            for i, o in enumerate(options)
        ]
    else:
        h, _ = axes[0, 0].get_legend_handles_labels()
        handles = h + handles
    marker_legend(fig, mk, handles)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def probabilities(tt: pd.DataFrame) -> Figure:
    """P(destination with its equity clause) and P(equity clause), with Wilson intervals."""
    opts = list(tt["option"])
    fig, axes = new_figure(1, 1, 7.5, 0.55 * len(opts) + 1.4)
    ax = axes[0, 0]
    y = np.arange(len(opts))
    h = 0.36
    for j, (col, lo, hi, lab) in enumerate(
        (
            ("p_reached", "p_ci_low", "p_ci_high", "destination with its equity clause"),
            ("p_equity", "p_equity_ci_low", "p_equity_ci_high", "equity clause alone"),
        )
    ):
        if col not in tt.columns:
            continue
        p = tt[col].to_numpy(float)
        err = None
        if lo in tt.columns:
            err = np.vstack([p - tt[lo].to_numpy(float), tt[hi].to_numpy(float) - p])
        ax.barh(
            y + (j - 0.5) * h,
            p,
            height=h,
            color=colour(j * 2),
            alpha=0.85,
            label=lab,
            xerr=err,
            error_kw={"ecolor": "0.2", "capsize": 3, "linewidth": 1},
        )
        for k, v in enumerate(p):
            if np.isfinite(v):
                ax.annotate(
                    f"{v:.0%}",
                    (v, y[k] + (j - 0.5) * h),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
    ax.set_yticks(y, opts)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    unit_axis(
        ax,
        "probability",
        axis="x",
        label="probability of reaching it by the deadline (95% Wilson interval)",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


DIFF_GROUPS = (
    ("percentage points", lambda u: u in PERCENT_UNITS, 100.0),
    ("0–1 scale", lambda u: u in ("0–1", "ratio"), 1.0),
    ("schools", lambda u: u == "schools", 1.0),
    ("person-days", lambda u: u == "person-days", 1.0),
)


def diff_forest(
    comp: pd.DataFrame, metrics: Sequence[str], options: Sequence[str], baseline: str
) -> Figure:
    """Paired differences to the baseline with 95% intervals: a forest plot per unit.

    Metrics sharing a unit share a panel (shares in percentage points, indices on their
    0–1 scale, counts of schools, person-days), so every axis has one unit.
    """
    others = [o for o in options if o != baseline]
    present = [m for m in metrics if m in set(comp["metric"])]
    unit_of = dict(zip(comp["metric"], comp["unit"], strict=False))
    groups = []
    for name, test, scale in DIFF_GROUPS:
        ms = [m for m in present if test(str(unit_of[m]))]
        if ms:
            groups.append((name, ms, scale))
    heights = [len(ms) * max(len(others), 1) * 0.22 + 0.55 for _, ms, _ in groups]
    fig, axes = new_figure(
        len(groups), 1, 9.5, sum(heights) + 0.9, gridspec_kw={"height_ratios": heights}
    )
    step = 0.7 / max(len(others), 1)
    for ax, (name, ms, scale) in zip(axes[:, 0], groups, strict=True):
        ax.axvline(0, color="0.3", linewidth=0.9)
        ax.grid(axis="y", visible=False)
        labels = []
        for y, m in enumerate(ms):
            cur = comp[comp["metric"] == m].set_index("option")
            kind = str(cur["kind"].iloc[0])
            arrow = "  ↑" if kind == "maximize" else "  ↓" if kind == "minimize" else ""
            labels.append(f"{cur['label'].iloc[0]}{arrow}")
            for k, opt in enumerate(others):
                if opt not in cur.index:
                    continue
                r = cur.loc[opt]
                d = float(r["diff"]) * scale
                lo, hi = float(r["diff_ci_low"]) * scale, float(r["diff_ci_high"]) * scale
                yy = y - 0.35 + step * (k + 0.5)
                i = options.index(opt)
                xerr = [[d - lo], [hi - d]] if np.isfinite(lo) and np.isfinite(hi) else None
                ax.errorbar(
                    [d],
                    [yy],
                    xerr=xerr,
                    fmt=MARKERS[i % len(MARKERS)],
                    color=colour(i),
                    capsize=2.5,
                    markersize=4.5,
                    linewidth=1.2,
                    label=opt if y == 0 else None,
                )
        ax.set_yticks(range(len(ms)), labels, fontsize=8.5)
        ax.set_ylim(len(ms) - 0.5, -0.5)
        lo_x, hi_x = ax.get_xlim()
        pad = 0.05 * max(hi_x - lo_x, 1e-9)
        ax.set_xlim(min(lo_x, -pad), max(hi_x, pad))
        ax.set_xlabel(f"Δ {name}", fontsize=8.5)
    if len(others) > 1:
        h, lab = axes[0, 0].get_legend_handles_labels()
        axes[0, 0].legend(h, lab, loc="best", fontsize=8)
    fig.suptitle(
        f"Paired difference to {baseline} (same seeds), 95% interval; ↑/↓: the better direction",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def progress(rows: pd.DataFrame) -> Figure:
    """How far each option has come from the start to the destination, with 95% intervals.

    Args:
        rows: One row per option and panel: ``option``, ``panel`` ("All educators" or
            "High-need schools (equity clause)"), ``progress``, ``ci_low``, ``ci_high`` — the
            share of the way from the starting value to the target (1 = there).
    """
    panels = list(dict.fromkeys(rows["panel"]))
    options = list(dict.fromkeys(rows["option"]))
    fig, axes = new_figure(1, len(panels), 10.5, 0.55 * len(options) + 1.6, sharey=True)
    y = np.arange(len(options))[::-1]
    for ax, panel in zip(axes.flat, panels, strict=True):
        cur = rows[rows["panel"] == panel].set_index("option").loc[options]
        err = np.vstack([cur["progress"] - cur["ci_low"], cur["ci_high"] - cur["progress"]]).clip(
            min=0
        )
        ax.barh(y, cur["progress"], color=[colour(i) for i in range(len(options))], height=0.6)
        ax.errorbar(cur["progress"], y, xerr=err, fmt="none", ecolor="0.15", capsize=3)
        ax.axvline(1.0, color="0.15", linestyle=(0, (4, 2)), linewidth=1.0)
        ax.set_yticks(y, options)
        ax.set_title(panel)
        lo = min(0.0, float(cur["ci_low"].min()))
        ax.set_xlim(lo, max(1.1, float(cur["ci_high"].max()) + 0.05))
        unit_axis(ax, "share of educators", axis="x", label="% of the way to the target")
    fig.tight_layout()
    return fig

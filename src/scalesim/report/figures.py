"""The report's figures: matplotlib (Agg), readable labels with units, colour-blind-safe colours.

Each function takes plain tables and returns a :class:`matplotlib.figure.Figure`;
:func:`png_bytes` turns it into PNG bytes (no timestamp, so the same tables give the same
bytes). Colours are the Okabe & Ito (2008) palette, which stays distinguishable under the
common colour-vision deficiencies; options are also told apart by line style and marker,
so a grey-scale print still reads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from scalesim.metrics import METRICS
from scalesim.report.formatting import PERCENT_UNITS

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion,
# reddish purple, sky blue, yellow, black.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
SHOCK_COLOUR = "#D55E00"
PIT_COLOUR = "0.35"
STYLE = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.facecolor": "white",
}


def colour(i: int) -> str:
    """The ``i``-th palette colour (options keep their colour in every figure)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` as PNG bytes and close it."""
    buf = io.BytesIO()
    # metadata Software=None: no version string; PNG from Agg has no date either.
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _fig(nrows: int, ncols: int, w: float, h: float, **kw: Any) -> tuple[Figure, np.ndarray]:
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(w, h), squeeze=False, **kw)
    return fig, axes


def unit_axis(ax: Any, unit: str, axis: str = "y", label: str | None = None) -> None:
    """Label an axis with its unit; shares as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit in PERCENT_UNITS:
        target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        text = label or unit.replace("share of ", "% of ")
    elif unit == "person-days":
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        text = label or "person-days"
    else:
        text = label or unit
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(text)


@dataclass
class Markers:
    """Events drawn on every time axis."""

    pit_stops: Sequence[float] = ()
    unplanned: Sequence[tuple[float, str]] = ()
    shocks: Sequence[tuple[float, str]] = ()
    shock_ticks: Sequence[float] = ()
    summers: Sequence[tuple[float, float]] = ()
    branch: float | None = None
    deadline: float | None = None
    notes: list[str] = field(default_factory=list)


def draw_markers(ax: Any, mk: Markers, labels: bool = False) -> None:
    """Summers shaded, pit stops dotted, shocks dashed (labelled on the first panel)."""
    for a, b in mk.summers:
        ax.axvspan(a, b, color="0.9", linewidth=0, zorder=0)
    for m in mk.pit_stops:
        ax.axvline(m, color=PIT_COLOUR, linestyle=":", linewidth=0.9, zorder=1)
    for m, _ in mk.unplanned:
        ax.axvline(m, color=SHOCK_COLOUR, linestyle=":", linewidth=1.0, zorder=1)
    for m, text in mk.shocks:
        ax.axvline(m, color=SHOCK_COLOUR, linestyle="--", linewidth=1.2, zorder=1)
        if labels:
            ax.annotate(
                text,
                (m, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(4, -2),
                textcoords="offset points",
                fontsize=7.5,
                color=SHOCK_COLOUR,
                va="top",
                ha="left",
                rotation=90,
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            )
    if len(mk.shock_ticks):
        ax.plot(
            list(mk.shock_ticks),
            [0.985] * len(mk.shock_ticks),
            "|",
            transform=ax.get_xaxis_transform(),
            color=SHOCK_COLOUR,
            alpha=0.5,
            markersize=8,
        )
    if mk.branch is not None:
        ax.axvline(mk.branch, color="0.1", linestyle="-", linewidth=1.3, zorder=1)
        if labels:
            ax.annotate(
                "branch point",
                (mk.branch, 0.02),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=7.5,
            )


def marker_legend(fig: Figure, mk: Markers, extra: Sequence[Any] = (), ax: Any = None) -> None:
    """A legend for the event markers: in ``ax`` (a spare panel) or under the figure."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = list(extra)
    if mk.summers:
        handles.append(Patch(color="0.9", label="summer (no classes)"))
    if mk.pit_stops:
        handles.append(Line2D([], [], color=PIT_COLOUR, linestyle=":", label="planned pit stop"))
    if mk.unplanned:
        handles.append(
            Line2D([], [], color=SHOCK_COLOUR, linestyle=":", label="unplanned pit stop")
        )
    if mk.shocks:
        handles.append(Line2D([], [], color=SHOCK_COLOUR, linestyle="--", label="shock"))
    if len(mk.shock_ticks):
        handles.append(
            Line2D(
                [],
                [],
                color=SHOCK_COLOUR,
                marker="|",
                linestyle="",
                markersize=8,
                label="shock in one replicate",
            )
        )
    if mk.branch is not None:
        handles.append(Line2D([], [], color="0.1", label="branch point (rehearsal)"))
    if handles and ax is not None:
        ax.set_visible(True)
        ax.axis("off")
        ax.legend(handles=handles, loc="center", fontsize=8.5, frameon=False)
    elif handles:
        fig.legend(
            handles=handles,
            loc="lower center",
            ncol=min(len(handles), 5),
            bbox_to_anchor=(0.5, 0.0),
            fontsize=8.5,
            frameon=False,
        )


def _series(bands: pd.DataFrame, option: str, metric: str) -> pd.DataFrame:
    cur = bands[(bands["option"] == option) & (bands["metric"] == metric)]
    return cur.sort_values("month")


def _band(ax: Any, cur: pd.DataFrame, c: str, with_bands: bool) -> None:
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
) -> Figure:
    """Metrics over time: one panel per dimension, one line per option (or per metric).

    With one option, each panel may hold several metrics (told apart by line style); with
    several options, each panel holds one metric and each option has its colour, with the
    95% interval of the mean (dark band) and the 10th–90th percentile of replicates (light).
    """
    from matplotlib.lines import Line2D

    n = len(panels)
    nrows = int(np.ceil(n / ncols))
    fig, axes = _fig(nrows, ncols, 3.9 * ncols, 2.9 * nrows + 0.5, sharex=True)
    multi = len(options) > 1
    with_bands = "ci_low" in bands.columns and bands["ci_low"].notna().any()
    for k, (ax, (title, metrics)) in enumerate(zip(axes.flat, panels, strict=False)):
        draw_markers(ax, mk, labels=(k == 0))
        unit = METRICS[metrics[0]].unit if metrics[0] in METRICS else ""
        for j, m in enumerate(metrics):
            for i, opt in enumerate(options):
                cur = _series(bands, opt, m)
                if cur.empty:
                    continue
                c = colour(i) if multi else colour(j)
                _band(ax, cur, c, with_bands)
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
        ax.set_title(title)
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
    from matplotlib.lines import Line2D

    fig, axes = _fig(1, 2, 10.5, 3.6, sharey=True)
    panels = (
        ("All educators", "destination_share"),
        ("High-need schools (equity clause)", "destination_equity_share"),
    )
    multi = len(options) > 1
    with_bands = "ci_low" in bands.columns and bands["ci_low"].notna().any()
    for k, (ax, (title, m)) in enumerate(zip(axes.flat, panels, strict=True)):
        draw_markers(ax, mk, labels=False)
        for i, opt in enumerate(options):
            cur = _series(bands, opt, m)
            _band(ax, cur, colour(i), with_bands)
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
    fig, axes = _fig(1, 1, 7.5, 0.55 * len(opts) + 1.4)
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


def _need_ax(ax: Any, ebn: pd.DataFrame, options: Sequence[str]) -> None:
    bins = list(dict.fromkeys(ebn["need_bin"]))
    x = np.arange(len(bins))
    w = 0.8 / max(len(options), 1)
    for i, opt in enumerate(options):
        cur = ebn[ebn["option"] == opt].set_index("need_bin").reindex(bins)
        pos = x - 0.4 + w * (i + 0.5)
        mean = cur["share_enacting"].to_numpy(float)
        err = None
        if cur["ci_low"].notna().any():
            err = np.vstack(
                [mean - cur["ci_low"].to_numpy(float), cur["ci_high"].to_numpy(float) - mean]
            )
        ax.bar(
            pos,
            mean,
            width=w * 0.95,
            color=colour(i),
            alpha=0.45,
            label=f"{opt}: enacting" if len(options) > 1 else "enacting",
            yerr=err,
            error_kw={"ecolor": "0.25", "capsize": 3, "linewidth": 1},
        )
        _deep_bar(
            ax,
            pos,
            cur["share_deep"],
            w,
            i,
            label=f"{opt}: at depth" if len(options) > 1 else "at depth",
        )
    ax.set_xticks(x, bins)
    ax.set_xlabel("school's share of students furthest from opportunity")
    unit_axis(ax, "share of educators", label="% of the group's educators")
    ax.set_ylim(0, 1.12)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_title("By school need")
    ax.legend(ncol=2, loc="upper left", fontsize=7.5)


def _deep_bar(ax: Any, pos: np.ndarray, deep: pd.Series, w: float, i: int, **label: str) -> None:
    """The hatched 'at depth' bar drawn inside an option's 'enacting' bar."""
    ax.bar(
        pos,
        deep.to_numpy(float),
        width=w * 0.95,
        color=colour(i),
        hatch="///",
        edgecolor="white",
        linewidth=0,
        **label,
    )


def _region_ax(ax: Any, reg: pd.DataFrame, options: Sequence[str]) -> None:
    regions = sorted(reg["region"].unique())
    x = np.arange(len(regions))
    w = 0.8 / max(len(options), 1)
    for i, opt in enumerate(options):
        cur = reg[reg["option"] == opt].set_index("region").reindex(regions)
        pos = x - 0.4 + w * (i + 0.5)
        ax.bar(
            pos,
            cur["share"].to_numpy(float),
            width=w * 0.95,
            color=colour(i),
            alpha=0.45,
            label=opt if len(options) > 1 else "enacting",
        )
        _deep_bar(ax, pos, cur["share_deep"], w, i)
    ax.set_xticks(x, [str(r).replace("region-", "") for r in regions])
    ax.set_xlabel("region")
    unit_axis(ax, "share of educators", label="% of the group's educators")
    ax.set_ylim(0, 1.12)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_title("By region")
    if len(options) > 1:
        ax.legend(loc="upper left", ncol=len(options), fontsize=7.5)


def reach_groups(ebn: pd.DataFrame, reg: pd.DataFrame, options: Sequence[str]) -> Figure:
    """Share enacting (light, with interval) and at depth (hatched) by need band and region."""
    fig, axes = _fig(1, 2, 10.5, 3.4, gridspec_kw={"width_ratios": [1, 1.15]})
    _need_ax(axes[0, 0], ebn, options)
    _region_ax(axes[0, 1], reg, options)
    fig.tight_layout()
    return fig


def _scatter_ax(ax: Any, schools: pd.DataFrame, threshold: float, left_behind: float) -> None:
    size = 12 + 60 * schools["educators"] / max(float(schools["educators"].max()), 1.0)
    reached = schools["ever_reached"].astype(bool).to_numpy()
    ax.scatter(
        schools.loc[reached, "need_share"],
        schools.loc[reached, "share_enacting"],
        s=size[reached],
        color=colour(0),
        alpha=0.6,
        label="reached at some point",
        edgecolor="white",
        linewidth=0.4,
    )
    if (~reached).any():
        ax.scatter(
            schools.loc[~reached, "need_share"],
            schools.loc[~reached, "share_enacting"],
            s=40,
            color=colour(3),
            marker="X",
            label="never reached",
        )
    ax.axvline(threshold, color="0.4", linestyle=":", linewidth=1)
    ax.annotate(
        "high-need →",
        (threshold, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        fontsize=8,
        color="0.3",
    )
    ax.axhline(left_behind, color=colour(3), linestyle=":", linewidth=1)
    ax.annotate(
        "left behind below this line",
        (0.0, left_behind),
        xycoords=("axes fraction", "data"),
        xytext=(3, 3),
        textcoords="offset points",
        fontsize=7.5,
        color=colour(3),
    )
    unit_axis(ax, "share of educators", label="% of the school's educators enacting")
    unit_axis(ax, "share", axis="x", label="school's share of students furthest from opportunity")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, 1)
    ax.set_title("Every school at the end")
    ax.legend(loc="lower right", fontsize=7.5)


def _concentration_ax(ax: Any, curves: dict[str, pd.DataFrame], options: Sequence[str]) -> None:
    ax.plot([0, 1], [0, 1], color="0.4", linestyle=":", linewidth=1, label="in proportion to need")
    for i, opt in enumerate(options):
        cur = curves.get(opt)
        if cur is None:
            continue
        if "lo" in cur.columns:
            ax.fill_between(cur["x"], cur["lo"], cur["hi"], color=colour(i), alpha=0.2, linewidth=0)
        ax.plot(
            cur["x"],
            cur["y"],
            color=colour(i),
            linewidth=1.8,
            linestyle=LINESTYLES[i % 4],
            label=opt if len(options) > 1 else "this run",
        )
    unit_axis(
        ax,
        "share",
        axis="x",
        label="cumulative % of students furthest from\nopportunity "
        "(schools ranked from highest need)",
    )
    unit_axis(ax, "share", label="cumulative % of their reach")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_title("Concentration of reach")
    ax.legend(loc="lower right", fontsize=7.5)


def reach_schools(
    schools: pd.DataFrame | None,
    curves: dict[str, pd.DataFrame],
    options: Sequence[str],
    threshold: float,
    left_behind: float,
) -> Figure:
    """Every school (a single run) and the concentration curve(s) of reach against need."""
    if schools is None:
        fig, axes = _fig(1, 1, 4.8, 4.4)
        _concentration_ax(axes[0, 0], curves, options)
    else:
        fig, axes = _fig(1, 2, 10.5, 4.0, gridspec_kw={"width_ratios": [1.75, 1]})
        _scatter_ax(axes[0, 0], schools, threshold, left_behind)
        _concentration_ax(axes[0, 1], curves, options)
    fig.tight_layout()
    return fig


def gantt(
    rows: pd.DataFrame, horizon: float, decisions: Sequence[tuple[float, str, str]], mk: Markers
) -> Figure:
    """Which strategies ran when, with what they cost and were credited with.

    ``rows``: ``strategy``, ``start``, ``end``, ``label`` (text right of the bar).
    ``decisions``: ``(month, strategy, action)`` from pit-stop rules.
    """
    names = list(dict.fromkeys(rows["strategy"]))
    fig, axes = _fig(1, 1, 10.5, 0.42 * len(names) + 1.5)
    ax = axes[0, 0]
    ax.grid(axis="y", visible=False)
    for m in mk.pit_stops:
        ax.axvline(m, color=PIT_COLOUR, linestyle=":", linewidth=0.9, zorder=0)
    for m, _ in mk.shocks:
        ax.axvline(m, color=SHOCK_COLOUR, linestyle="--", linewidth=1.1, zorder=0)
    for i, name in enumerate(names):
        for _, r in rows[rows["strategy"] == name].iterrows():
            end = horizon if pd.isna(r["end"]) else float(r["end"])
            ax.barh(
                i,
                end - float(r["start"]),
                left=float(r["start"]),
                height=0.55,
                color=colour(i),
                alpha=0.8,
            )
        lab = rows.loc[rows["strategy"] == name, "label"].iloc[-1]
        if lab:
            ax.annotate(
                lab,
                (horizon, i),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                annotation_clip=False,
            )
    for month, name, action in decisions:
        if name in names:
            ax.plot(month, names.index(name), marker="D", color="0.1", markersize=6, zorder=4)
            ax.annotate(
                action,
                (month, names.index(name)),
                xytext=(0, 7),
                textcoords="offset points",
                fontsize=7,
                ha="center",
            )
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, horizon)
    ax.set_xlabel("month since start")
    fig.tight_layout()
    return fig


def capacity(
    bands: pd.DataFrame, options: Sequence[str], mk: Markers, budget: dict[str, float]
) -> Figure:
    """Fuel: capacity spent (cumulative, vs the run's total) and capacity left each week."""
    fig, axes = _fig(1, 2, 10.5, 3.2)
    multi = len(options) > 1
    for ax, m in zip(axes.flat, ("capacity_spent", "capacity_left"), strict=True):
        draw_markers(ax, mk)
        for i, opt in enumerate(options):
            cur = _series(bands, opt, m)
            _band(ax, cur, colour(i), multi)
            ax.plot(
                cur["month"],
                cur["mean"],
                color=colour(i),
                linestyle=LINESTYLES[i % 4],
                linewidth=1.7,
                label=opt,
            )
            if m == "capacity_spent" and opt in budget:
                ax.axhline(budget[opt], color=colour(i), linestyle=(0, (4, 2)), linewidth=0.9)
        ax.set_title(METRICS[m].label)
        unit_axis(ax, METRICS[m].unit)
        ax.set_xlabel("month since start")
        if multi:
            ax.legend(loc="lower right" if m == "capacity_spent" else "center right")
    fig.tight_layout()
    return fig


def channel_bars(df: pd.DataFrame, options: Sequence[str]) -> Figure:
    """New enactments credited to each channel (strategies, peers, outside), per run."""
    channels = list(dict.fromkeys(df.sort_values("value", ascending=False)["channel"]))
    fig, axes = _fig(1, 1, 7.8, 0.22 * len(channels) * max(1, len(options)) ** 0.5 + 1.2)
    ax = axes[0, 0]
    y = np.arange(len(channels))
    h = 0.8 / max(len(options), 1)
    for i, opt in enumerate(options):
        cur = df[df["option"] == opt].set_index("channel").reindex(channels)["value"]
        ax.barh(
            y - 0.4 + h * (i + 0.5),
            cur.fillna(0).to_numpy(float),
            height=h * 0.95,
            color=colour(i),
            label=opt,
        )
    ax.set_yticks(y, channels)
    ax.invert_yaxis()
    ax.set_xlabel("new enactments credited (per run)")
    if len(options) > 1:
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def factor_profile(rows: pd.DataFrame, options: Sequence[str]) -> Figure:
    """The scenario's 0–1 factors by category; colour shows whether each helps or hinders.

    ``rows``: ``category``, ``label``, ``option``, ``value`` (0–1), ``reading``
    (``tailwind``, ``headwind``, ``neutral``).
    """
    rows = rows.copy()
    labels = list(dict.fromkeys(zip(rows["category"], rows["label"], strict=True)))
    fig, axes = _fig(1, 1, 8.2, 0.27 * len(labels) + 1.3)
    ax = axes[0, 0]
    ax.grid(axis="y", visible=False)
    ax.axvspan(0, 0.35, color="0.95", zorder=0)
    ax.axvspan(0.65, 1, color="0.95", zorder=0)
    tone = {"tailwind": colour(2), "headwind": colour(3), "neutral": "0.45"}
    pos = {k: n for n, k in enumerate(labels)}
    for i, opt in enumerate(options):
        cur = rows[rows["option"] == opt]
        ys = np.array(
            [pos[(c, lab)] for c, lab in zip(cur["category"], cur["label"], strict=True)],
            dtype=float,
        )
        ax.scatter(
            cur["value"].to_numpy(float),
            ys + (i - (len(options) - 1) / 2) * 0.18,
            marker=MARKERS[i % len(MARKERS)],
            s=30,
            zorder=3,
            c=[tone[r] for r in cur["reading"]],
        )
    ax.set_yticks(range(len(labels)), [f"{lab}" for _, lab in labels], fontsize=8)
    prev = None
    for y, (cat, _) in enumerate(labels):
        if cat != prev:
            ax.axhline(y - 0.5, color="0.6", linewidth=0.6)
            ax.annotate(
                cat,
                (1.0, y - 0.45),
                xycoords=("axes fraction", "data"),
                ha="right",
                va="top",
                fontsize=7.5,
                color="0.3",
                style="italic",
            )
            prev = cat
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("value on the 0–1 scale (low ← → high)")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", color=tone[k], linestyle="", label=k)
        for k in ("tailwind", "neutral", "headwind")
    ]
    if len(options) > 1:
        handles += [
            Line2D([], [], marker=MARKERS[i % len(MARKERS)], color="0.3", linestyle="", label=o)
            for i, o in enumerate(options)
        ]
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        fontsize=8,
    )
    fig.tight_layout(rect=(0, 0.6 / (0.27 * len(labels) + 1.3), 1, 1))
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
    fig, axes = _fig(
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


def sensitivity_bars(idx: pd.DataFrame, outcomes: Sequence[str], method: str) -> Figure:
    """Sobol S1/ST or Morris μ* with their confidence intervals, per outcome."""
    n = len(outcomes)
    params = list(dict.fromkeys(idx["parameter"]))
    fig, axes = _fig(1, n, 3.6 * n + 1.2, 0.36 * len(params) + 1.5, sharey=True)
    cols = (
        (("S1", "S1_conf", "first order"), ("ST", "ST_conf", "total order"))
        if method == "sobol"
        else (("mu_star", "mu_star_conf", "μ*"),)
    )
    y = np.arange(len(params))
    h = 0.8 / len(cols)
    for ax, out in zip(axes.flat, outcomes, strict=True):
        cur = idx[idx["outcome"] == out].set_index("parameter").reindex(params)
        for j, (c, conf, lab) in enumerate(cols):
            if c not in cur.columns:
                continue
            err = cur[conf].to_numpy(float) if conf in cur.columns else None
            ax.barh(
                y - 0.4 + h * (j + 0.5),
                cur[c].to_numpy(float),
                height=h * 0.95,
                color=colour(j),
                xerr=err,
                label=lab,
                error_kw={"ecolor": "0.25", "capsize": 2, "linewidth": 0.8},
            )
        ax.set_title(out, fontsize=9.5)
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set_xlabel("index" if method == "sobol" else "μ* (outcome units)")
    axes[0, 0].set_yticks(y, params, fontsize=8)
    axes[0, 0].invert_yaxis()
    axes[0, 0].legend(loc="lower right", fontsize=7.5)
    fig.tight_layout()
    return fig


def correlation_heatmap(corr: pd.DataFrame) -> Figure:
    """Spearman rank correlations: uncertainty (rows) × outcome (columns)."""
    fig, axes = _fig(1, 1, 1.3 * corr.shape[1] + 3.2, 0.45 * corr.shape[0] + 1.6)
    ax = axes[0, 0]
    ax.grid(False)
    im = ax.imshow(corr.to_numpy(float), cmap="PuOr", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(corr.shape[1]), corr.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(corr.shape[0]), corr.index, fontsize=8)
    for (i, j), v in np.ndenumerate(corr.to_numpy(float)):
        if np.isfinite(v):
            ax.text(
                j,
                i,
                f"{v:+.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if abs(v) > 0.6 else "black",
            )
    fig.colorbar(im, ax=ax, label="Spearman rank correlation", shrink=0.8)
    fig.tight_layout()
    return fig


def outcome_scatter(
    points: pd.DataFrame,
    uncertainties: Sequence[str],
    outcomes: Sequence[str],
    options: Sequence[str],
    labels: dict[str, tuple[str, str]] | None = None,
) -> Figure:
    """Each outcome (mean over replicates at a design point) against each uncertainty."""
    labels = labels or {}
    nr, nc = len(outcomes), len(uncertainties)
    fig, axes = _fig(nr, nc, 3.1 * nc + 1.2, 2.3 * nr + 0.8, sharey="row")
    for r, out in enumerate(outcomes):
        label, unit = labels.get(out, (out, ""))
        for c, unc in enumerate(uncertainties):
            ax = axes[r, c]
            for i, opt in enumerate(options):
                cur = points[points["option"] == opt]
                x = cur[unc]
                if not pd.api.types.is_numeric_dtype(x):
                    x = x.astype(str)
                ax.plot(
                    x,
                    cur[out],
                    marker=MARKERS[i % len(MARKERS)],
                    linestyle="",
                    color=colour(i),
                    alpha=0.75,
                    markersize=4.5,
                    label=opt,
                )
            if r == nr - 1:
                ax.set_xlabel(unc, fontsize=8)
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
                if unit in PERCENT_UNITS:
                    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    if len(options) > 1:
        h, lab = axes[0, 0].get_legend_handles_labels()
        fig.legend(h, lab, loc="lower center", ncol=len(options), bbox_to_anchor=(0.5, 0.0))
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    else:
        fig.tight_layout()
    return fig


def pit_measurement(pit: pd.DataFrame) -> Figure:
    """What the team saw at each pit stop against the model's true state."""
    fig, axes = _fig(1, 2, 10.5, 3.0)
    for ax, (m, title) in zip(
        axes.flat,
        (
            ("destination_share", "At the destination's depth"),
            ("equity_ratio", "Equity ratio (furthest / all)"),
        ),
        strict=True,
    ):
        if f"true_{m}" in pit.columns:
            ax.plot(
                pit["month"],
                pit[f"true_{m}"],
                "o-",
                color=colour(0),
                markersize=4,
                label="true (model)",
            )
        if f"obs_{m}" in pit.columns:
            ax.plot(
                pit["month"],
                pit[f"obs_{m}"],
                "s--",
                color=colour(1),
                markersize=4,
                label="observed by the team",
            )
        if m == "destination_share" and "obs_expected_share" in pit.columns:
            ax.plot(
                pit["month"],
                pit["obs_expected_share"],
                "x:",
                color="0.3",
                label="expected on a straight path",
            )
        ax.set_title(title)
        unit_axis(ax, METRICS[m].unit)
        ax.set_xlabel("month of the pit stop")
        ax.legend(loc="best", fontsize=7.5)
    fig.tight_layout()
    return fig

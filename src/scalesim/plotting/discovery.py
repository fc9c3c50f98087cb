"""Deciding under uncertainty: scenario discovery, robustness and the optimisation front.

Each function takes plain tables (a PRIM peeling trajectory, a box's limits, the cases of a
discovery, robustness summaries, the trials of an optimisation, strategy timelines) and
returns a :class:`matplotlib.figure.Figure`. EMA Workbench's and Optuna's own plots draw on
pyplot's global state (and Optuna's set a global style), so these are drawn here instead.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from scalesim.metrics import METRICS
from scalesim.metrics.units import PERCENT_UNITS, metric_title
from scalesim.plotting.style import MARKERS, OI, colour, new_figure, unit_axis


def peeling_trajectory(traj: pd.DataFrame, outcome: str) -> Figure:
    """Coverage against density of every box PRIM tried, coloured by restricted dimensions.

    ``traj``: ``coverage``, ``density``, ``res_dim``, ``chosen`` (one true row).
    """
    fig, axes = new_figure(1, 1, 6.4, 4.6)
    ax = axes[0, 0]
    dims = traj["res_dim"].to_numpy(int)
    for j, k in enumerate(sorted(set(dims))):
        cur = traj[dims == k]
        ax.scatter(
            cur["coverage"],
            cur["density"],
            s=22,
            color=colour(j),
            marker=MARKERS[j % len(MARKERS)],
            label=f"{k} restricted",
            zorder=3,
        )
    ax.plot(traj["coverage"], traj["density"], color="0.7", linewidth=0.8, zorder=2)
    ch = traj[traj["chosen"]]
    if len(ch):
        ax.scatter(
            ch["coverage"],
            ch["density"],
            s=140,
            facecolors="none",
            edgecolors=OI["black"],
            linewidths=1.5,
            zorder=4,
            label="chosen box",
        )
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box's cases that are of interest)")
    ax.set_title(f"PRIM peeling trajectory: {outcome}")
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def box_limits(box: pd.DataFrame, outcome: str) -> Figure:
    """Each restricted dimension's limits as a bar over its range in the sweep (0–1 scaled).

    ``box``: ``dimension``, ``kind`` (``range`` or ``categories``), ``min``, ``max``,
    ``range_min``, ``range_max``, ``values``.
    """
    n = max(len(box), 1)
    fig, axes = new_figure(1, 1, 6.8, 0.55 * n + 1.4)
    ax = axes[0, 0]
    ax.grid(axis="y", visible=False)
    for i, (_, r) in enumerate(box.iterrows()):
        ax.barh(i, 1.0, left=0.0, height=0.5, color="0.9", zorder=1)
        if r["kind"] == "categories":
            ax.annotate(f"in {{{r['values']}}}", (0.5, i), ha="center", va="center", fontsize=8)
            continue
        lo, hi = float(r["range_min"]), float(r["range_max"])
        span = hi - lo if hi > lo else 1.0
        a, b = (float(r["min"]) - lo) / span, (float(r["max"]) - lo) / span
        ax.barh(i, b - a, left=a, height=0.5, color=colour(0), zorder=2)
        ax.annotate(
            f"{r['min']:.3g}",
            (a, i),
            xytext=(-3, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=8,
        )
        ax.annotate(
            f"{r['max']:.3g}",
            (b, i),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(box)), list(box["dimension"]))
    ax.invert_yaxis()
    ax.set_xlim(-0.15, 1.15)
    ax.set_xlabel("position in the sweep's range (0 = lowest value, 1 = highest)")
    ax.set_title(f"Box limits: {outcome}" if len(box) else f"No restriction found: {outcome}")
    fig.tight_layout()
    return fig


def pairs_scatter(
    x: pd.DataFrame, y: np.ndarray, dims: Sequence[str], box: pd.DataFrame, outcome: str
) -> Figure:
    """Pairwise scatter of the restricted dimensions; the cases of interest stand out.

    The box's limits are drawn on each panel (numeric dimensions only).
    """
    dims = [d for d in dims if pd.api.types.is_numeric_dtype(x[d])]
    k = len(dims)
    size = 2.6 if k > 2 else 4.2
    fig, axes = new_figure(
        max(k - 1, 1), max(k - 1, 1), size * max(k - 1, 1) + 0.8, size * max(k - 1, 1) + 0.4
    )
    lim = {str(r["dimension"]): r for _, r in box.iterrows()}
    yb = np.asarray(y, bool)
    if k == 1:
        ax = axes[0, 0]
        d = dims[0]
        vals = x[d].astype(float).to_numpy()
        ax.hist(
            [vals[~yb], vals[yb]],
            bins=20,
            stacked=True,
            color=["0.75", colour(3)],
            label=["condition false", "condition true"],
        )
        ax.set_xlabel(d)
        ax.legend()
    for i in range(1, k):
        for j in range(k - 1):
            ax = axes[i - 1, j]
            if j >= i:
                ax.set_visible(False)
                continue
            dx, dy = dims[j], dims[i]
            xv, yv = x[dx].astype(float).to_numpy(), x[dy].astype(float).to_numpy()
            ax.scatter(xv[~yb], yv[~yb], s=6, color="0.75", label="condition false", zorder=2)
            ax.scatter(xv[yb], yv[yb], s=6, color=colour(3), label="condition true", zorder=3)
            if dx in lim and dy in lim and lim[dx]["kind"] == lim[dy]["kind"] == "range":
                x0, x1 = float(lim[dx]["min"]), float(lim[dx]["max"])
                y0, y1 = float(lim[dy]["min"]), float(lim[dy]["max"])
                ax.plot(
                    [x0, x1, x1, x0, x0],
                    [y0, y0, y1, y1, y0],
                    color=OI["black"],
                    linewidth=1.3,
                    zorder=4,
                )
            if i == k - 1:
                ax.set_xlabel(dx, fontsize=8)
            if j == 0:
                ax.set_ylabel(dy, fontsize=8)
    if k > 1:
        axes[0, 0].legend(loc="best", fontsize=7, markerscale=2)
    fig.suptitle(f"Where {outcome} holds", fontsize=10)
    fig.tight_layout()
    return fig


def robustness_bars(summary: pd.DataFrame, outcome: str) -> Figure:
    """Per option: satisficing share (left) and maximum / 90th-percentile regret (right).

    ``summary``: ``option``, ``satisficing_share``, ``max_regret``, ``p90_regret`` (for
    ``outcome``). The regret axis names the outcome by its label, wrapped to the panel, and the
    layout is fitted to every label (tests/test_figure_labels_fit.py checks that none is
    clipped).
    """
    opts = list(summary["option"])
    # One y axis for both panels: the regret panel needs no second copy of the option names.
    fig, axes = new_figure(1, 2, 9.0, 0.45 * len(opts) + 2.1, sharey=True)
    ax = axes[0, 0]
    ax.grid(axis="y", visible=False)
    ypos = np.arange(len(opts))
    ax.barh(ypos, summary["satisficing_share"], color=[colour(i) for i in range(len(opts))])
    ax.set_yticks(ypos, opts)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    unit_axis(ax, "share", axis="x", label="share of futures meeting the criterion")
    ax.set_title("Satisficing robustness")
    ax = axes[0, 1]
    ax.grid(axis="y", visible=False)
    ax.barh(ypos - 0.18, summary["max_regret"], height=0.35, color=colour(3), label="max")
    ax.barh(
        ypos + 0.18, summary["p90_regret"], height=0.35, color=colour(5), label="90th percentile"
    )
    ax.tick_params(axis="y", labelleft=False)
    d = METRICS.get(outcome)
    if d is not None and d.unit in PERCENT_UNITS:
        # A regret is a difference of shares: percentage points (metrics.units).
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f} pp"))
    name = metric_title(outcome) if d is not None else outcome.replace("_", " ")
    # Wrapped to the panel's width: tight_layout moves margins but never shortens a label.
    ax.set_xlabel(
        textwrap.fill(
            f"{name}: regret against the best option in the same future",
            44,
            break_on_hyphens=False,
        )
    )
    ax.set_title("Regret")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def pareto_front(
    trials: pd.DataFrame,
    x: str,
    ys: Sequence[str],
    front: Sequence[int],
    picked: Sequence[int],
    x_label: str,
    y_labels: Sequence[str],
    probability: Sequence[bool] = (),
) -> Figure:
    """Every evaluated candidate (grey), the front and the picked points A, B, C.

    One panel per goal (``ys``: the objectives after the cost ``x``). ``trials``:
    ``trial``, the objective columns and ``feasible`` (bool). ``probability`` marks goals on
    a 0–1 scale.
    """
    n = len(ys)
    fig, axes = new_figure(1, n, 6.4 * n, 4.6)
    feas = trials["feasible"].to_numpy(bool)
    idx = trials.set_index("trial")
    fr = idx.loc[list(front)].sort_values(x)
    for k, (y, label) in enumerate(zip(ys, y_labels, strict=True)):
        ax = axes[0, k]
        ax.scatter(
            trials.loc[feas, x],
            trials.loc[feas, y],
            s=14,
            color="0.7",
            label="evaluated candidate",
            zorder=2,
        )
        if (~feas).any():
            ax.scatter(
                trials.loc[~feas, x],
                trials.loc[~feas, y],
                s=14,
                marker="x",
                color="0.8",
                label="over capacity",
                zorder=2,
            )
        ax.scatter(fr[x], fr[y], s=30, color=colour(0), label="on the front", zorder=4)
        if n == 1:
            ax.step(fr[x], fr[y], where="post", color=colour(0), linewidth=1.4, zorder=3)
        for j, t in enumerate(picked):
            r = idx.loc[t]
            ax.scatter(
                [r[x]],
                [r[y]],
                s=120,
                facecolors="none",
                edgecolors=OI["black"],
                linewidths=1.4,
                zorder=5,
            )
            ax.annotate(
                chr(ord("A") + j),
                (r[x], r[y]),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=10,
                fontweight="bold",
            )
        if k < len(probability) and probability[k]:
            ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(x_label)
        ax.set_ylabel(label)
        ax.legend(loc="lower right")
    axes[0, 0].set_title("Cost against reaching the trip ticket", loc="left")
    fig.tight_layout()
    return fig


def timelines(sets: Sequence[tuple[str, pd.DataFrame]], horizon: float) -> Figure:
    """One strategy timeline per picked set: which strategies run when, at what intensity.

    ``sets``: ``(title, rows)`` with rows ``strategy``, ``start``, ``end`` (NaN: to the
    horizon), ``intensity``.
    """
    n = max(len(sets), 1)
    heights = [max(len(r), 1) for _, r in sets] or [1]
    fig, axes = new_figure(
        n, 1, 9.0, 0.38 * sum(heights) + 1.0 * n + 0.4, gridspec_kw={"height_ratios": heights}
    )
    for k, (title, rows) in enumerate(sets):
        ax = axes[k, 0]
        ax.grid(axis="y", visible=False)
        names = list(rows["strategy"])
        for i, (_, r) in enumerate(rows.iterrows()):
            end = horizon if pd.isna(r["end"]) else float(r["end"])
            ax.barh(
                i,
                end - float(r["start"]),
                left=float(r["start"]),
                height=0.55,
                color=colour(i),
                alpha=0.85,
            )
            ax.annotate(
                f"×{float(r['intensity']):.2g}",
                (end, i),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                annotation_clip=False,
            )
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xlim(0, horizon)
        ax.set_title(title, loc="left", fontsize=9.5)
        if not names:
            ax.set_yticks([])
            ax.annotate("no strategies", (0.5, 0.5), xycoords="axes fraction", ha="center")
    axes[-1, 0].set_xlabel("month since start")
    fig.tight_layout()
    return fig

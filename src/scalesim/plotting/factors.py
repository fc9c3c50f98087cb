"""What drives the results: the scenario's factors, sensitivity indices, correlations, scatter.

Each function takes plain tables (a factor profile, the sensitivity ``indices`` layout of
docs/results-format.md, a correlation matrix, design-point outcomes) and returns a
:class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from scalesim.metrics.units import PERCENT_UNITS
from scalesim.plotting.style import MARKERS, colour, new_figure


def factor_profile(rows: pd.DataFrame, options: Sequence[str]) -> Figure:
    """The scenario's 0–1 factors by category; colour shows whether each helps or hinders.

    ``rows``: ``category``, ``label``, ``option``, ``value`` (0–1), ``reading``
    (``tailwind``, ``headwind``, ``neutral``).
    """
    rows = rows.copy()
    labels = list(dict.fromkeys(zip(rows["category"], rows["label"], strict=True)))
    fig, axes = new_figure(1, 1, 8.2, 0.27 * len(labels) + 1.3)
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


def sensitivity_bars(idx: pd.DataFrame, outcomes: Sequence[str], method: str) -> Figure:
    """Sobol S1/ST or Morris μ* with their confidence intervals, per outcome."""
    n = len(outcomes)
    params = list(dict.fromkeys(idx["parameter"]))
    fig, axes = new_figure(1, n, 3.6 * n + 1.2, 0.36 * len(params) + 1.5, sharey=True)
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
    fig, axes = new_figure(1, 1, 1.3 * corr.shape[1] + 3.2, 0.45 * corr.shape[0] + 1.6)
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
    fig, axes = new_figure(nr, nc, 3.1 * nc + 1.2, 2.3 * nr + 0.8, sharey="row")
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

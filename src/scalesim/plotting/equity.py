"""Who is reached: by school need and region, every school, and the concentration of reach.

Each function takes plain tables (the ``equity_by_need`` layout of docs/results-format.md,
schools grouped by region, the ``schools`` table, concentration curves) and returns a
:class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scalesim.plotting.style import LINESTYLES, colour, new_figure, unit_axis


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
    fig, axes = new_figure(1, 2, 10.5, 3.4, gridspec_kw={"width_ratios": [1, 1.15]})
    _need_ax(axes[0, 0], ebn, options)
    _region_ax(axes[0, 1], reg, options)
    fig.tight_layout()
    return fig


def reach_by_need(ebn: pd.DataFrame, options: Sequence[str]) -> Figure:
    """The need-band panel of :func:`reach_groups` on its own (the compare command's figure).

    Args:
        ebn: An ``equity_by_need`` table (docs/results-format.md).
        options: Options in display order.
    """
    fig, axes = new_figure(1, 1, 6.0, 3.6)
    _need_ax(axes[0, 0], ebn, options)
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
        fig, axes = new_figure(1, 1, 4.8, 4.4)
        _concentration_ax(axes[0, 0], curves, options)
    else:
        fig, axes = new_figure(1, 2, 10.5, 4.0, gridspec_kw={"width_ratios": [1.75, 1]})
        _scatter_ax(axes[0, 0], schools, threshold, left_behind)
        _concentration_ax(axes[0, 1], curves, options)
    fig.tight_layout()
    return fig

"""How the journey went: strategies over time, capacity, channels, pit-stop measurement.

Each function takes plain tables (a strategy timeline, the ``bands`` layout, credited
channels, the pit-stop table) and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scalesim.metrics import METRICS
from scalesim.plotting.markers import Markers, draw_markers
from scalesim.plotting.outcomes import draw_band, option_series
from scalesim.plotting.style import (
    LINESTYLES,
    PIT_COLOUR,
    SHOCK_COLOUR,
    colour,
    new_figure,
    unit_axis,
)


def gantt(
    rows: pd.DataFrame, horizon: float, decisions: Sequence[tuple[float, str, str]], mk: Markers
) -> Figure:
    """Which strategies ran when, with what they cost and were credited with.

    ``rows``: ``strategy``, ``start``, ``end``, ``label`` (text right of the bar).
    ``decisions``: ``(month, strategy, action)`` from pit-stop rules.
    """
    names = list(dict.fromkeys(rows["strategy"]))
    fig, axes = new_figure(1, 1, 10.5, 0.42 * len(names) + 1.5)
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
    fig, axes = new_figure(1, 2, 10.5, 3.2)
    multi = len(options) > 1
    for ax, m in zip(axes.flat, ("capacity_spent", "capacity_left"), strict=True):
        draw_markers(ax, mk)
        for i, opt in enumerate(options):
            cur = option_series(bands, opt, m)
            draw_band(ax, cur, colour(i), multi)
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
    fig, axes = new_figure(1, 1, 7.8, 0.22 * len(channels) * max(1, len(options)) ** 0.5 + 1.2)
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


def pit_measurement(pit: pd.DataFrame) -> Figure:
    """What the team saw at each pit stop against the model's true state."""
    fig, axes = new_figure(1, 2, 10.5, 3.0)
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

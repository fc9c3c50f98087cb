"""Events drawn on every time axis: summers, pit stops, shocks, a rehearsal's branch point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scalesim.plotting.style import PIT_COLOUR, SHOCK_COLOUR


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

"""Shared check for figure tests: which drawn texts leave the figure's box."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def outside(fig: Figure) -> list[str]:
    """The drawn texts (and axes) whose box leaves the figure, as readable strings."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    box = fig.bbox
    bad = []

    def check(what: str, b) -> None:
        # Half a pixel of slack: extents are rounded to the pixel grid.
        if b.x0 < box.x0 - 0.5 or b.x1 > box.x1 + 0.5 or b.y0 < box.y0 - 0.5 or b.y1 > box.y1 + 0.5:
            bad.append(f"{what}: {b} outside {box}")

    for i, ax in enumerate(fig.axes):
        check(f"axes {i}", ax.get_tightbbox(r))
        for t in (ax.xaxis.label, ax.yaxis.label, ax.title):
            if t.get_text():
                check(f"axes {i} {t.get_text()!r}", t.get_window_extent(r))
        leg = ax.get_legend()
        if leg is not None:
            check(f"axes {i} legend", leg.get_window_extent(r))
    return bad

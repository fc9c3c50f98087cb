"""Figures keep every label inside the picture (nothing clipped at the PNG's edge).

Each figure is drawn with matplotlib's Agg renderer and the window extent of every drawn
text (axis labels, titles, tick labels, legends) is compared with the figure's own box.
"""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scalesim.metrics import METRICS
from scalesim.plotting.discovery import robustness_bars

# The longest metric label, and a summary outcome that is not a registered metric.
LONGEST = max(METRICS, key=lambda n: len(METRICS[n].label))
OUTCOMES = ["destination_equity_share", LONGEST, "tt_reached"]


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


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_robustness_figure_labels_lie_inside_the_figure(outcome: str) -> None:
    """robustness.png: the regret axis label (and every other text) is not clipped."""
    summary = pd.DataFrame(
        {
            "option": ["baseline", "tight_mandate", "dlplusd_full_with_coaching"],
            "satisficing_share": [0.2, 0.55, 0.9],
            "max_regret": [0.31, 0.12, 0.0],
            "p90_regret": [0.22, 0.05, 0.0],
        }
    )
    fig = robustness_bars(summary, outcome)
    assert outside(fig) == []
    label = fig.axes[1].xaxis.label.get_text()
    assert "regret" in label
    if outcome in METRICS:
        assert METRICS[outcome].label in " ".join(label.split())  # named for readers, not its id

"""Figures keep every label inside the picture (nothing clipped at the PNG's edge).

Each figure is drawn with matplotlib's Agg renderer and the window extent of every drawn
text (axis labels, titles, tick labels, legends) is compared with the figure's own box.
"""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from figure_fit import outside
from scalesim.metrics import METRICS
from scalesim.metrics.units import metric_title
from scalesim.plotting.discovery import robustness_bars

# The longest metric label, and a summary outcome that is not a registered metric.
LONGEST = max(METRICS, key=lambda n: len(METRICS[n].label))
OUTCOMES = ["destination_equity_share", LONGEST, "tt_reached"]


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
        # Named for readers (standing alone: no "Same, ..."), not by its id.
        assert metric_title(outcome) in " ".join(label.split())
        assert "Same," not in label


def overlapping_titles(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of panel titles whose boxes overlap (a long title running into its neighbour's)."""
    r = fig.canvas.get_renderer()
    boxes = [
        (ax.title.get_text(), ax.title.get_window_extent(r))
        for ax in fig.axes
        if ax.get_visible() and ax.title.get_text()
    ]
    return [
        (a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1 :] if ba.overlaps(bb)
    ]


@pytest.fixture(scope="module")
def bands(make_scenario) -> dict[str, tuple]:
    """Bands and trip-ticket tables of a small comparison, for each destination measure."""
    from scalesim.workbench.compare import Option, compare
    from scalesim.workbench.executors import SerialExecutor

    out = {}
    for measure in ("educators", "students"):
        over = {"trip_ticket.destination.measure": measure}
        t = compare(
            [
                Option("none", make_scenario(over)),
                Option("coaching", make_scenario({**over, "strategies": [{"type": "coaching"}]})),
            ],
            [1, 2],
            SerialExecutor(),
        )
        out[measure] = (t["bands"], t["trip_ticket"])
    return out


@pytest.mark.parametrize("measure", ["educators", "students"])
def test_compare_trajectories_titles_fit_their_panels(bands, measure: str) -> None:
    """figures/trajectories.png: every title and label inside, no title into its neighbour."""
    from scalesim.workbench.compare import trajectories_plot

    b, tt = bands[measure]
    fig = trajectories_plot(b, tt, measure=measure)
    assert outside(fig) == []
    assert overlapping_titles(fig) == []
    titles = [" ".join(ax.title.get_text().split()) for ax in fig.axes if ax.get_visible()]
    assert metric_title("destination_equity_share", measure) in titles

"""The app's figures keep every title and tick label inside the picture at projector size.

The explore page draws the plots at ``app.components.PLOTS_SIZE`` (for a 1024x768 screen);
a fixed layout made for the larger saved figure cut the first digit of y tick labels and the
timeline's title there.
"""

from __future__ import annotations

import pytest

from figure_fit import outside
from scalesim.app.components import PLOTS_SIZE
from scalesim.app.snapshots import plots_data
from scalesim.plotting.live import PlotsRenderer
from scalesim.scenario import load_scenario
from scalesim.simulation.model import ScalingModel


@pytest.mark.parametrize("size", [PLOTS_SIZE, (8.6, 7.4)], ids=["app", "saved"])
def test_plots_keep_their_texts_inside(size: tuple[float, float]) -> None:
    """Titles, tick labels, axis labels and legends of every panel lie inside the figure."""
    sc = load_scenario(
        "scenarios/dlplusd_full.yaml", overrides={"district.generated.n_schools": 12}
    )
    m = ScalingModel(sc, seed=1)
    m.run_for(60)
    fig = PlotsRenderer(*size).figure(plots_data(m))
    assert outside(fig) == []


def test_timeline_names_strategies_and_shocks_plainly() -> None:
    """The timeline's rows and shock marks read "Design for scale", not type ids."""
    from scalesim.journey.shocks import SHOCKS
    from scalesim.journey.strategies import STRATEGIES

    sc = load_scenario(
        "scenarios/dlplusd_full.yaml",
        overrides={
            "district.generated.n_schools": 12,
            "shocks": [{"type": "budget_cut", "at_month": 2}],
        },
    )
    m = ScalingModel(sc, seed=1)
    m.run_for(20)
    d = plots_data(m)
    labels = [label for label, *_ in d.intervals] + [label for _, label in d.shocks]
    assert "Design for scale" in labels and "Budget cut" in labels
    assert not set(labels) & (set(STRATEGIES) | set(SHOCKS))

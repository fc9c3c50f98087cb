"""The weekly collector records what Mesa's own DataCollector would, through public state only."""

from __future__ import annotations

import pickle

import mesa
import pandas as pd

from scalesim.core.collector import WeeklyCollector
from scalesim.simulation.model import ScalingModel

# A strategy, a shock and a pit stop, so the recorded metrics move in many ways.
BUSY = {
    "strategies": [{"type": "coaching"}, {"type": "local_champions", "start_month": 2}],
    "shocks": [{"type": "budget_cut", "at_month": 5, "params": {"cut": 0.3}}],
    "trip_ticket.pit_stops": [4.0],
}


def _twin_with_mesa_collector(scenario, seed: int) -> ScalingModel:
    """The same model, recording with Mesa's stock ``DataCollector.collect`` from week 0."""
    m = ScalingModel(scenario, seed=seed)
    stock = mesa.DataCollector(model_reporters=dict(m.datacollector.model_reporters))
    stock.collect(m)  # the week-0 row, as the model's own collector took it in __init__
    m.datacollector = stock
    return m


def test_rows_equal_mesas_own_collect(make_scenario) -> None:
    """Every row of every reporter equals what Mesa's stock collect records on the same run."""
    sc = make_scenario(BUSY)
    ours, theirs = ScalingModel(sc, seed=4), _twin_with_mesa_collector(sc, seed=4)
    ours.run()
    theirs.run()
    a = ours.datacollector.get_model_vars_dataframe()
    b = theirs.datacollector.get_model_vars_dataframe()
    assert len(a) == sc.n_weeks + 1 and a["share_enacting"].iloc[-1] > 0
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # Its own list of times: one per row, the model time when the row was taken.
    assert ours.datacollector.times == [float(w) for w in a["week"]]


def test_collect_writes_only_public_state(make_scenario) -> None:
    """Collecting changes the reporters' value lists and the collector's ``times``, nothing else.

    In particular no private attribute of Mesa's DataCollector is written: compared with a
    freshly built collector, only ``model_vars`` and ``times`` differ after a whole run.
    """
    m = ScalingModel(make_scenario(BUSY), seed=2)
    fresh = vars(WeeklyCollector(model_reporters=m.datacollector.model_reporters))
    m.run()
    after = vars(m.datacollector)
    assert set(after) == set(fresh)
    changed = {k for k in after if after[k] != fresh[k]}
    assert changed == {"model_vars", "times"}, f"collect wrote {sorted(changed)}"


def test_collector_survives_pickling(make_scenario) -> None:
    """A model mid-run pickles with its collector; the copy goes on recording identically."""
    sc = make_scenario(BUSY)
    m = ScalingModel(sc, seed=3)
    m.run_for(10)
    twin = pickle.loads(pickle.dumps(m))
    m.run()
    twin.run()
    assert twin.datacollector.times == m.datacollector.times
    pd.testing.assert_frame_equal(
        twin.datacollector.get_model_vars_dataframe(),
        m.datacollector.get_model_vars_dataframe(),
        check_exact=True,
    )

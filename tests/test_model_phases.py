"""The weekly step runs the phases of ``simulation.model.PHASES``, in that order, every week."""

from __future__ import annotations

import pickle

import pytest

from scalesim.common.units import month_to_week
from scalesim.simulation.model import PHASES, ScalingModel

# A strategy and a pit stop, so every phase has work to do.
WITH_STRATEGY = {"strategies": [{"type": "coaching"}], "trip_ticket.pit_stops": [1.0]}


def test_step_runs_every_phase_in_the_written_order(make_scenario) -> None:
    """Wrapping each phase method records the order one step actually runs."""
    model = ScalingModel(make_scenario(WITH_STRATEGY), seed=1)
    calls: list[str] = []
    for phase in PHASES:
        method = getattr(model, f"_{phase}")

        def record(week, method=method, phase=phase) -> None:
            calls.append(phase)
            method(week)

        setattr(model, f"_{phase}", record)
    model.step()
    model.step()
    assert calls == [*PHASES, *PHASES], f"phases ran as {calls}"


def test_model_docstring_lists_the_phases_in_order() -> None:
    """The model module's docstring numbers the phases exactly as PHASES runs them."""
    import re

    from scalesim.simulation import model as model_module

    listed = re.findall(r"^\d+\.\s+``(\w+)``", model_module.__doc__ or "", flags=re.M)
    assert tuple(listed) == PHASES


def test_a_shock_acts_before_that_weeks_adoption(make_scenario) -> None:
    """Shocks come before the classroom phases.

    A pandemic that stops all enactment at week w leaves week w without a single new
    adoption, while the week before had some.
    """
    pandemic = {
        "adoption.p_external": 3.0,
        "shocks": [
            {"type": "pandemic", "at_month": 3, "params": {"enactment_drop": 1.0}},
        ],
    }
    m = ScalingModel(make_scenario(pandemic), seed=2)
    w = month_to_week(3)
    m.run_for(w)
    assert m.log.of_kind("shock")[0]["week"] == w
    by_week = {r["week"] for r in m.channel_rows}
    assert w - 1 in by_week and w not in by_week


def test_pit_stops_read_the_week_just_recorded(make_scenario) -> None:
    """Recording comes before the pit stop.

    With a census and no lag, what the team sees at a stop is that week's row of the time
    series.
    """
    m = ScalingModel(make_scenario({"trip_ticket.pit_stops": [2.0, 5.0]}), seed=3).run()
    ts = m.datacollector.get_model_vars_dataframe()
    assert len(m.pit_stops.rows) == 2
    for row in m.pit_stops.rows:
        week = ts[ts["week"] == row["week"]].iloc[0]
        assert row["true_share_enacting"] == week["share_enacting"]
        assert row["obs_share_enacting"] == week["share_enacting"]


@pytest.mark.parametrize("weeks", [0, 7])
def test_model_pickles_mid_run_and_continues_identically(make_scenario, weeks: int) -> None:
    """A pickled checkpoint continues exactly like the original (used by rehearse)."""
    a = ScalingModel(make_scenario(WITH_STRATEGY), seed=4)
    if weeks:
        a.run_for(weeks)
    b = pickle.loads(pickle.dumps(a))
    a.run_for(10)
    b.run_for(10)
    ta = a.datacollector.get_model_vars_dataframe()
    tb = b.datacollector.get_model_vars_dataframe()
    assert ta.equals(tb), "the checkpoint diverged from the original"

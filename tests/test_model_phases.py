"""The weekly step runs the phases of scalesim.simulation.model.PHASES in order, every week."""

from __future__ import annotations

import pickle

import pytest

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


def test_phases_are_the_documented_eleven() -> None:
    """The order of DESIGN §2: shocks, strategies, classroom rules, turnover, record, pit stops."""
    assert PHASES == (
        "calendar",
        "shocks",
        "strategies",
        "exposure",
        "adoption",
        "depth",
        "ownership",
        "abandonment",
        "turnover",
        "record",
        "pit_stops",
    )


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

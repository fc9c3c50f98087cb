"""Mesa agents are thin views: eager or lazy, they show the arrays and change nothing."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from scalesim.core.agents import Educator, ImprovementTeam, School
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import collect


def test_eager_agents_are_one_per_slot_and_read_the_arrays(make_scenario) -> None:
    """``educator_agents="eager"`` registers one Educator per slot, showing the live state."""
    sc = make_scenario({"strategies": [{"type": "local_champions"}]})
    m = ScalingModel(sc, seed=3, educator_agents="eager")
    educators = m.agents_by_type[Educator]
    assert len(educators) == m.ed.n
    assert len(m.agents_by_type[School]) == m.schools.n
    assert len(m.agents_by_type[ImprovementTeam]) == 1
    m.run_for(8)
    views = sorted(educators, key=lambda a: a.slot)
    assert [a.slot for a in views] == list(range(m.ed.n))
    assert np.array_equal([a.enacting for a in views], m.ed.enacting)
    assert np.array_equal([a.champion for a in views], m.ed.champion)
    assert np.allclose([a.depth for a in views], m.ed.depth)
    assert any(a.champion for a in views)
    school = views[0].school
    assert isinstance(school, School) and views[0].slot in school.slots
    assert school.share_enacting == m.ed.enacting[school.slots.start : school.slots.stop].mean()


def test_eager_and_lazy_give_the_same_history(make_scenario) -> None:
    """Views never draw or write: the eager run equals the lazy one exactly."""
    sc = make_scenario({"strategies": [{"type": "coaching"}]})
    lazy = collect(ScalingModel(sc, seed=5).run())
    eager = collect(ScalingModel(sc, seed=5, educator_agents="eager").run())
    pd.testing.assert_frame_equal(lazy.timeseries, eager.timeseries, check_exact=True)
    assert lazy.log == eager.log


def test_lazy_views_are_created_on_demand_and_cached(make_scenario) -> None:
    """A lazy model registers no educator agents until one is asked for, then keeps it."""
    m = ScalingModel(make_scenario(), seed=1)
    assert Educator not in m.agents_by_type or len(m.agents_by_type[Educator]) == 0
    a = m.educator(7)
    assert m.educator(7) is a and isinstance(a, mesa.Agent)
    assert len(m.agents_by_type[Educator]) == 1

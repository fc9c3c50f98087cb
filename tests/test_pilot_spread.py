"""Pilot → spread → institutionalize (004_*.txt): evidence, the decision, gates, champions, cost.

A pilot ends with observed evidence; the decision (spread, wait, re-pilot or stop) opens the
gates of the strategies that wait for it; at a spread the pilot's members can become the
champions; the spread's effort depends on the pilot's base of support. Real models on a small
district, fixed seeds.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from paired import assert_paired
from scalesim.journey.strategies.support import CHAMPION_READY_DEPTH
from scalesim.scenario import scenario_from_dict
from scalesim.simulation.model import ScalingModel

SEEDS = range(12)
BASE: dict[str, Any] = {
    "name": "pilot-spread",
    "horizon_months": 12,
    "district": {
        "generated": {"n_schools": 30, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 12}},
    "turnover": {"superintendent": 0.0},
}


def _scenario(pilot: dict[str, Any], gated: list[dict[str, Any]]) -> dict[str, Any]:
    return {**BASE, "strategies": [{"type": "pilot", "end_month": 4, **pilot}, *gated]}


@cache
def _run(pilot: str, gated: str, seed: int) -> ScalingModel:
    import json

    data = _scenario(json.loads(pilot), json.loads(gated))
    return ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed).run()


def run(pilot: dict[str, Any], gated: list[dict[str, Any]], seed: int) -> ScalingModel:
    """A finished model with a pilot and strategies gated on it (cached)."""
    import json

    return _run(json.dumps(pilot, sort_keys=True), json.dumps(gated, sort_keys=True), seed)


CHAMPIONS = {
    "type": "local_champions",
    "select": {"rule": "pilot_members"},
    "gate": {"pilot": "pilot", "on": "spread"},
}
COACHING = {"type": "coaching", "gate": {"pilot": "pilot", "on": "spread"}}


def decisions(m: ScalingModel) -> list[dict[str, Any]]:
    """The pilot's decisions, in order."""
    return m.log.of_kind("pilot_decision")


def test_evidence_decides_spread_or_stop() -> None:
    """The same pilot spreads when the bar is low and stops when it is out of reach.

    Gated strategies start at a spread decision and never start after a stop.
    """
    for seed in SEEDS[:6]:
        low = run({"params": {"spread_at": 0.0}}, [COACHING], seed)
        high = run({"params": {"spread_at": 1.0, "repilot_at": 1.0}}, [COACHING], seed)
        assert [d["decision"] for d in decisions(low)] == ["spread"]
        assert [d["decision"] for d in decisions(high)] == ["stop"]
        (opened,) = low.log.of_kind("gate_open")
        assert opened["strategy"] == "coaching"
        (start,) = [e for e in low.log.of_kind("strategy_start") if e["strategy"] == "coaching"]
        assert start["week"] == decisions(low)[0]["week"]
        assert not [e for e in high.log.of_kind("strategy_start") if e["strategy"] == "coaching"]
        assert high.strategy_set.get("coaching").spent == 0.0


def test_middling_evidence_repilots_once_then_decides() -> None:
    """Evidence between the two bars re-runs the pilot once; the second reading decides."""
    m = run({"params": {"spread_at": 1.0, "repilot_at": 0.0, "max_repilots": 1}}, [COACHING], 1)
    assert [d["decision"] for d in decisions(m)] == ["repilot", "stop"]
    starts = [e for e in m.log.of_kind("strategy_start") if e["strategy"] == "pilot"]
    assert len(starts) == 2 and starts[1]["week"] == decisions(m)[0]["week"] + 1


def test_spread_waits_for_leaders_who_back_it() -> None:
    """Good evidence without leadership support waits; the gate stays shut."""
    data = _scenario({"params": {"spread_at": 0.0, "decision_min_leadership": 0.9}}, [COACHING])
    data["conditions"] = {"leadership_support": 0.3}
    m = ScalingModel(scenario_from_dict(data, source="<test>"), seed=2).run()
    assert [d["decision"] for d in decisions(m)] == ["wait"]
    assert not m.log.of_kind("gate_open")


def test_pilot_members_become_the_champions() -> None:
    """At a spread, the gated champions are the members still enacting at a champion's depth."""
    for seed in SEEDS[:6]:
        m = run({"params": {"spread_at": 0.0}}, [CHAMPIONS], seed)
        pilot = m.strategy_set.get("pilot")
        champs = m.strategy_set.get("local_champions")
        starts = m.log.of_kind("strategy_start")
        (start,) = [e for e in starts if e["strategy"] == "local_champions"]
        assert start["educators"] > 0
        # Every champion was a pilot member (same person, same slot) and was deep enough.
        assert np.isin(champs.member_persons, pilot.member_persons).all()
        assert m.ed.champion[champs.members].all()
        assert start["educators"] <= pilot.members.size


def test_spread_members_are_the_enacting_deep_members() -> None:
    """``spread_members`` returns exactly the members still enacting at the champion depth."""
    m = run({"params": {"spread_at": 1.0, "repilot_at": 1.0}}, [], 3)
    pilot = m.strategy_set.get("pilot")
    mem = pilot.members
    want = np.sort(mem[m.ed.enacting[mem] & (m.ed.depth[mem] >= CHAMPION_READY_DEPTH)])
    assert np.array_equal(pilot.spread_members(m), want)


def test_base_of_support_lowers_the_cost_of_spread() -> None:
    """A balanced pilot builds a broader base of support than volunteers, so spread costs less.

    Balanced: credible veterans beside early adopters (004_*.txt).
    """

    def reading(rule: str, seed: int) -> dict[str, Any]:
        pilot = {"params": {"spread_at": 0.0}, "select": {"rule": rule, "n_educators": 30}}
        (d,) = decisions(run(pilot, [COACHING], seed))
        return d

    diffs = [
        reading("balanced", s)["base_of_support"] - reading("volunteer", s)["base_of_support"]
        for s in SEEDS
    ]
    assert_paired(diffs, "higher", "base of support: balanced vs volunteer pilot")
    costs = [
        reading("balanced", s)["spread_cost"] - reading("volunteer", s)["spread_cost"]
        for s in SEEDS
    ]
    assert_paired(costs, "lower", "spread cost: balanced vs volunteer pilot")
    for s in SEEDS[:3]:
        m = run(
            {"params": {"spread_at": 0.0}, "select": {"rule": "balanced", "n_educators": 30}},
            [COACHING],
            s,
        )
        (opened,) = m.log.of_kind("gate_open")
        base_cost = m.strategy_set.get("coaching").default_cost * 4.0  # four coaches
        cost = m.strategy_set.get("coaching").cost_per_month
        assert cost == pytest.approx(base_cost * opened["cost_factor"], abs=1e-3 * base_cost)


def test_base_of_support_softens_a_tight_mandate() -> None:
    """After a spread with a base of support, a tight mandate erodes ownership less."""
    from scalesim.core import rules
    from scalesim.core.state import Effects
    from scalesim.core.week import ALL, Week

    m = ScalingModel(scenario_from_dict(BASE, source="<test>"), seed=0)
    week = Week(1, 0.0, True, Effects(m.ed.n, m.schools.n), *(np.zeros(m.ed.n),) * 3)
    own = np.full(m.ed.n, 0.6)
    depth = np.full(m.ed.n, 0.0)
    m.dist.mandate_tight = True
    m.dist.spread_base = 0.0
    bare = rules.own(own, depth, week, m.dist, m.sc.ownership, ALL)
    m.dist.spread_base = 1.0
    based = rules.own(own, depth, week, m.dist, m.sc.ownership, ALL)
    loss_bare, loss_based = 0.6 - bare, 0.6 - based
    assert np.allclose(loss_based, loss_bare * (1 - rules.MANDATE_BASE_RELIEF))
    assert (loss_based > 0).all()

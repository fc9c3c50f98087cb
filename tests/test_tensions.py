"""The tensions the documents report come out of the mechanisms, not only benefits.

- co-design without non-negotiables: more ownership, less depth (002_*.txt);
- a "tight" mandate: more spread, less ownership (004_*.txt);
- volunteer proof points land in lower-need schools and give a lower equity ratio than
  representative ones (003_*.txt: the volunteer trap);
- support spread over more adopters gets thinner (004_*.txt: superficial spread).

Each comparison is paired on the same seeds (common random numbers) in a small district.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np

from paired import assert_paired
from scalesim.scenario import apply_overrides, scenario_from_dict
from scalesim.simulation.model import ScalingModel

SEEDS = range(16)
BASE: dict[str, Any] = {
    "name": "tensions",
    "horizon_months": 12,
    "district": {
        "generated": {"n_schools": 30, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 12}},
    "turnover": {"superintendent": 0.0},
}


@cache
def _run(strategies: str, overrides: str, seed: int) -> ScalingModel:
    data = apply_overrides(BASE, json.loads(overrides))
    data["strategies"] = json.loads(strategies)
    return ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed).run()


def run(strategies: list[dict[str, Any]], seed: int, **overrides: Any) -> ScalingModel:
    """A finished model of the small district (cached)."""
    return _run(json.dumps(strategies, sort_keys=True), json.dumps(overrides, sort_keys=True), seed)


def compare(
    a: list[dict[str, Any]], b: list[dict[str, Any]], metric: str, **overrides: Any
) -> np.ndarray:
    """Paired end-of-run differences of ``metric`` (set ``a`` minus set ``b``)."""
    return np.array(
        [
            run(a, s, **overrides).current[metric] - run(b, s, **overrides).current[metric]
            for s in SEEDS
        ]
    )


def assert_sign(d: np.ndarray, sign: int, what: str) -> None:
    """The shared pass rule (tests/paired.py) in the direction of ``sign``."""
    assert_paired(d, "higher" if sign > 0 else "lower", what)


def test_codesign_without_non_negotiables_trades_depth_for_ownership() -> None:
    """Without non-negotiables: higher ownership and lower mean depth than with them."""
    loose = [{"type": "co_design", "params": {"non_negotiables": False}}]
    core = [{"type": "co_design", "params": {"non_negotiables": True}}]
    assert_sign(compare(loose, core, "mean_ownership"), +1, "ownership without non-negotiables")
    assert_sign(compare(loose, core, "mean_depth"), -1, "mean depth without non-negotiables")


def test_tight_mandate_raises_spread_and_lowers_ownership() -> None:
    """The same strategy set with a tight mandate: more enactment, less ownership."""
    base = [{"type": "local_champions"}, {"type": "coaching"}]
    tight = [*base, {"type": "shape_local_policy", "params": {"mode": "tight"}}]
    assert_sign(compare(tight, base, "share_enacting"), +1, "spread under a tight mandate")
    assert_sign(compare(tight, base, "mean_ownership"), -1, "ownership under a tight mandate")
    m = run(tight, 0)
    assert "mandate" in m.channel_counts, "enactments are credited to the mandate channel"


def test_volunteer_proof_points_land_in_lower_need_schools() -> None:
    """Volunteer proof points: lower-need schools and a lower equity ratio than representative."""
    vol = [{"type": "proof_point", "select": {"rule": "volunteer", "n_schools": 6}}]
    rep = [{"type": "proof_point", "select": {"rule": "representative", "n_schools": 6}}]
    need = []
    for s in SEEDS:
        a, b = run(vol, s), run(rep, s)
        sites_a = a.strategy_set.get("proof_point").schools
        sites_b = b.strategy_set.get("proof_point").schools
        need.append(a.schools.need_share[sites_a].mean() - b.schools.need_share[sites_b].mean())
        # Representative picks carry the district's high-need share exactly.
        hn = b.schools.high_need
        assert hn[sites_b].sum() == round(6 * hn.mean())
    assert_sign(np.array(need), -1, "need share of volunteer proof-point schools")
    assert_sign(compare(vol, rep, "equity_ratio"), -1, "equity ratio with volunteer proof points")
    assert_sign(
        compare(vol, rep, "high_need_coverage"),
        -1,
        "high-need coverage with volunteer proof points",
    )


def coached_depth(m: ScalingModel) -> float:
    """Mean depth of the enacting educators in the coached schools."""
    coached = np.isin(m.ed.school, m.strategy_set.get("coaching").schools) & m.ed.enacting
    return float(m.ed.depth[coached].mean())


def test_same_coaches_over_more_schools_get_thinner() -> None:
    """Two coaches over all 30 schools give the coached less depth than over 4 schools."""
    few = [
        {"type": "coaching", "select": {"rule": "random", "n_schools": 4}, "params": {"coaches": 2}}
    ]
    all_ = [{"type": "coaching", "params": {"coaches": 2}}]
    d = np.array([coached_depth(run(all_, s)) - coached_depth(run(few, s)) for s in SEEDS])
    assert_sign(d, -1, "mean depth among the coached when coaching covers every school")
    # The same total cost: the dilution is not a budget effect.
    assert run(all_, 0).team.spent_total == run(few, 0).team.spent_total


def test_network_of_users_beyond_its_reach_gets_superficial() -> None:
    """A network of users that can support few members gives less depth than a big one."""
    small = [{"type": "network_of_users", "params": {"reach": 20}}]
    big = [{"type": "network_of_users", "params": {"reach": 2000}}]
    assert_sign(compare(small, big, "mean_depth"), -1, "mean depth with a small reach")
    assert_sign(compare(small, big, "share_deep"), -1, "share at depth with a small reach")

"""Every registered strategy moves what docs/strategies.md says it moves.

Each strategy runs alone in a small district (30 schools, about 600 educators, 12 months)
and is compared with the same district without it, paired on the same seeds (common random
numbers). A newly registered strategy without an entry in ``CHECKS`` fails
``test_every_strategy_has_a_check``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paired import assert_paired
from scalesim.common.units import WEEKS_PER_MONTH
from scalesim.journey.selection import RULES
from scalesim.journey.shocks import SHOCKS
from scalesim.journey.strategies import STRATEGIES
from scalesim.journey.strategies.support import Coaching
from scalesim.scenario import apply_overrides, scenario_from_dict
from scalesim.simulation.model import ScalingModel

SEEDS = range(12)
BASE: dict[str, Any] = {
    "name": "strategy-direction",
    "horizon_months": 12,
    "district": {
        "generated": {"n_schools": 30, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 12}},
    "turnover": {"superintendent": 0.0},  # no random leadership changes in these comparisons
}


@cache
def _run(strategies: str, overrides: str, seed: int) -> ScalingModel:
    data = apply_overrides(BASE, json.loads(overrides))
    data["strategies"] = json.loads(strategies)
    model = ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed)
    return model.run()


def run(strategies: list[dict[str, Any]], seed: int, **overrides: Any) -> ScalingModel:
    """A finished model of the small district (cached: baselines are shared by the checks)."""
    return _run(json.dumps(strategies, sort_keys=True), json.dumps(overrides, sort_keys=True), seed)


def pairs(
    strategies: list[dict[str, Any]], **overrides: Any
) -> list[tuple[ScalingModel, ScalingModel]]:
    """(with, without) on each seed."""
    return [(run(strategies, s, **overrides), run([], s, **overrides)) for s in SEEDS]


def assert_up(diffs: list[float] | np.ndarray, what: str) -> None:
    """The shared pass rule (tests/paired.py), direction: up (with − without)."""
    assert_paired(diffs, "higher", what)


def end(m: ScalingModel, metric: str) -> float:
    """A metric at the end of the run."""
    return float(m.current[metric])


def share_in(m: ScalingModel, schools: np.ndarray) -> float:
    """Share of educators enacting in ``schools``."""
    inside = np.isin(m.ed.school, schools)
    return float(m.ed.enacting[inside].mean())


def mean_depth_in(m: ScalingModel, schools: np.ndarray) -> float:
    """Mean depth of the enacting educators of ``schools``."""
    inside = np.isin(m.ed.school, schools) & m.ed.enacting
    return float(m.ed.depth[inside].mean())


# ----------------------------------------------------------------------------- the checks


def check_co_design() -> None:
    """Ownership up (and the innovation becomes more compatible)."""
    ps = pairs([{"type": "co_design"}])
    assert_up(
        [end(a, "mean_ownership") - end(b, "mean_ownership") for a, b in ps],
        "co_design: mean ownership",
    )
    assert all(a.dist.compatibility > b.dist.compatibility for a, b in ps)


def check_scalable_characteristics() -> None:
    """Spread up; complexity down, trialability and observability up."""
    ps = pairs([{"type": "scalable_characteristics"}])
    assert_up(
        [end(a, "share_enacting") - end(b, "share_enacting") for a, b in ps],
        "scalable_characteristics: share enacting",
    )
    for a, b in ps:  # the redesign is deterministic: it holds on every seed
        assert a.dist.complexity < b.dist.complexity
        assert a.dist.trialability > b.dist.trialability
        assert a.dist.observability > b.dist.observability


def check_proof_point() -> None:
    """Spread up; the proof-point schools enact more than without, and more than the rest."""
    ps = pairs([{"type": "proof_point", "select": {"rule": "random", "n_schools": 4}}])
    assert_up(
        [end(a, "share_enacting") - end(b, "share_enacting") for a, b in ps],
        "proof_point: share enacting",
    )
    sites = [a.strategy_set.get("proof_point").schools for a, _ in ps]
    assert all(s.size == 4 for s in sites)
    assert_up(
        [share_in(a, s) - share_in(b, s) for (a, b), s in zip(ps, sites, strict=True)],
        "proof_point: share enacting in the proof-point schools",
    )
    others = [np.setdiff1d(np.arange(a.schools.n), s) for (a, _), s in zip(ps, sites, strict=True)]
    assert_up(
        [share_in(a, s) - share_in(a, o) for (a, _), s, o in zip(ps, sites, others, strict=True)],
        "proof_point: proof-point schools vs the other schools",
    )


def check_network_of_users() -> None:
    """Depth up; abandonment down (more of the first enactors keep enacting)."""
    ps = pairs([{"type": "network_of_users"}], **{"turnover.enabled": False})
    assert_up(
        [end(a, "mean_depth") - end(b, "mean_depth") for a, b in ps], "network_of_users: mean depth"
    )
    # Without turnover, enacting_since == 0 marks those enacting since week 0 without a stop.
    assert_up(
        [
            int((a.ed.enacting_since == 0).sum()) - int((b.ed.enacting_since == 0).sum())
            for a, b in ps
        ],
        "network_of_users: first enactors still enacting",
    )
    assert all(a.log.of_kind("convening") for a, _ in ps)


def check_local_champions() -> None:
    """Spread up, beyond the champions themselves: their influence converts colleagues."""
    ps = pairs([{"type": "local_champions"}])
    assert_up(
        [end(a, "share_enacting") - end(b, "share_enacting") for a, b in ps],
        "local_champions: share enacting",
    )
    diffs = []
    for a, b in ps:
        champion_slots = np.zeros(a.ed.n, dtype=bool)
        champion_slots[a.strategy_set.get("local_champions").members] = True
        diffs.append(a.ed.enacting[~champion_slots].mean() - b.ed.enacting[~champion_slots].mean())
        # Credited enactments beyond the champions who started enacting when appointed.
        converted = sum(
            r["new_enacting"]
            for r in a.channel_rows
            if r["channel"] == "local_champions" and r["week"] == 1
        )
        assert a.channel_counts["local_champions"] > converted
    assert_up(diffs, "local_champions: share enacting among the other educators")
    for a, _ in ps:
        (start,) = [
            e for e in a.log.of_kind("strategy_start") if e["strategy"] == "local_champions"
        ]
        assert start["educators"] == a.schools.n, "default: one champion per school"
        champs = a.strategy_set.get("local_champions").members
        assert champs.size > 0.8 * a.schools.n, "most champions are still in place"
        assert a.ed.champion[champs].all(), "every champion still in place is flagged"
        assert a.ed.champion.sum() == champs.size, "those who left lost the role"


def check_policy_network() -> None:
    """Policy alignment up (and the network's strength builds)."""
    ps = pairs([{"type": "policy_network"}])
    assert_up(
        [end(a, "policy_alignment") - end(b, "policy_alignment") for a, b in ps],
        "policy_network: policy alignment",
    )
    assert all(a.dist.policy_network > 0 and b.dist.policy_network == 0 for a, b in ps)


def check_shape_local_policy() -> None:
    """Mode align: policy alignment and high-need coverage up.

    The district adopts faster than the default (p = 0.3 per year) so that a year is long
    enough for the removed accountability drag to show in enactment.
    """
    ps = pairs(
        [{"type": "shape_local_policy", "params": {"mode": "align"}}],
        **{"adoption.p_external": 0.3},
    )
    assert_up(
        [end(a, "policy_alignment") - end(b, "policy_alignment") for a, b in ps],
        "shape_local_policy align: policy alignment",
    )
    assert_up(
        [end(a, "high_need_coverage") - end(b, "high_need_coverage") for a, b in ps],
        "shape_local_policy align: high-need coverage",
    )


def check_educate_policymakers() -> None:
    """Leadership support up (and district ownership)."""
    ps = pairs([{"type": "educate_policymakers"}])
    assert_up(
        [end(a, "leadership_support") - end(b, "leadership_support") for a, b in ps],
        "educate_policymakers: leadership support",
    )
    assert_up(
        [end(a, "district_ownership") - end(b, "district_ownership") for a, b in ps],
        "educate_policymakers: district ownership",
    )


def check_coaching() -> None:
    """Depth up among the enacting educators of the coached schools."""
    ps = pairs([{"type": "coaching", "select": {"rule": "random", "n_schools": 8}}])
    coached = [a.strategy_set.get("coaching").schools for a, _ in ps]
    assert_up(
        [mean_depth_in(a, s) - mean_depth_in(b, s) for (a, b), s in zip(ps, coached, strict=True)],
        "coaching: mean depth in coached schools",
    )


def check_pilot() -> None:
    """Pilot members enact; compatibility and observability rise after it ends."""
    ps = pairs([{"type": "pilot", "end_month": 6}])
    members = [a.strategy_set.all_strategies()[0].members for a, _ in ps]
    assert_up(
        [
            a.ed.enacting[m].mean() - b.ed.enacting[m].mean()
            for (a, b), m in zip(ps, members, strict=True)
        ],
        "pilot: members enacting",
    )
    for a, b in ps:
        (ev,) = a.log.of_kind("pilot_evidence")
        assert ev["week"] == round(6 * 52 / 12) and ev["gain"] > 0
        assert a.dist.compatibility > b.dist.compatibility
        assert a.dist.observability > b.dist.observability


def check_pdsa_cycles() -> None:
    """The team learns (learning > 0) and enacting participants gain ownership."""
    ps = pairs(
        [
            {
                "type": "pdsa_cycles",
                "select": {"rule": "random", "share_schools": 0.5, "per_school": 6},
            }
        ],
        **{"turnover.enabled": False},
    )
    for a, b in ps:
        assert a.dist.learning > 0 and b.dist.learning == 0
    diffs = []
    for a, b in ps:
        mem = a.strategy_set.get("pdsa_cycles").members
        both = mem[a.ed.enacting[mem] & b.ed.enacting[mem]]
        diffs.append(a.ed.ownership[both].mean() - b.ed.ownership[both].mean())
    assert_up(diffs, "pdsa_cycles: ownership of enacting participants")


def check_engage_leaders() -> None:
    """Principals of engaged schools back the work more; the district owns more of it."""
    ps = pairs([{"type": "engage_leaders", "select": {"rule": "random", "n_schools": 10}}])
    engaged = [a.strategy_set.get("engage_leaders").schools for a, _ in ps]
    assert_up(
        [
            float(a.schools.principal_support[s].mean() - b.schools.principal_support[s].mean())
            for (a, b), s in zip(ps, engaged, strict=True)
        ],
        "engage_leaders: principal support in engaged schools",
    )
    for a, b in ps:  # deterministic drives: they hold on every seed
        assert a.dist.district_ownership > b.dist.district_ownership
        assert a.dist.district_improvement > b.dist.district_improvement
    assert_up(
        [end(a, "school_routines") - end(b, "school_routines") for a, b in ps],
        "engage_leaders: school routines",
    )


CHECKS: dict[str, Callable[[], None]] = {
    "co_design": check_co_design,
    "scalable_characteristics": check_scalable_characteristics,
    "proof_point": check_proof_point,
    "network_of_users": check_network_of_users,
    "local_champions": check_local_champions,
    "policy_network": check_policy_network,
    "shape_local_policy": check_shape_local_policy,
    "educate_policymakers": check_educate_policymakers,
    "coaching": check_coaching,
    "pilot": check_pilot,
    "pdsa_cycles": check_pdsa_cycles,
    "engage_leaders": check_engage_leaders,
}


def test_every_strategy_has_a_check() -> None:
    """Registering a strategy without a directional check here fails."""
    assert set(CHECKS) == set(STRATEGIES)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_strategy_direction(name: str) -> None:
    """The strategy moves its documented indicators against the run without it."""
    CHECKS[name]()


def test_strategy_costs_capacity() -> None:
    """With fuel to spare, each strategy spends its monthly cost × intensity per month active.

    Capacity is paced weekly, so a strategy active for w weeks spends exactly
    ``cost_per_month × intensity × w / (52/12)``; coaching's cost scales with its coaches.
    """
    for name in STRATEGIES:
        params = {"mode": "align"} if name == "shape_local_policy" else {}
        spec = {"type": name, "params": params, "intensity": 1.5}
        m = run([spec], 0, **{"team.capacity_per_month": 1e6})
        s = m.strategy_set.get(name)
        assert s is not None and s.weeks_active > 0
        expected = s.cost_per_month * 1.5 * s.weeks_active / WEEKS_PER_MONTH
        assert m.team.spent_by_strategy[name] == pytest.approx(expected, rel=1e-9), name
        assert s.shortfall == 0.0
    coaching = run([{"type": "coaching", "params": {"coaches": 3}}], 0)
    assert coaching.strategy_set.get("coaching").cost_per_month == 3 * Coaching.default_cost


def test_docs_name_every_strategy_rule_and_shock(repo: Path) -> None:
    """docs/strategies.md documents every registered strategy, selection rule and shock."""
    text = (repo / "docs" / "strategies.md").read_text(encoding="utf-8")
    missing = [n for n in (*STRATEGIES, *RULES, *SHOCKS) if f"`{n}`" not in text]
    assert not missing, f"not documented in docs/strategies.md: {missing}"


def test_docs_name_every_parameter(repo: Path) -> None:
    """docs/strategies.md mentions every parameter of every strategy and shock."""
    import re

    text = (repo / "docs" / "strategies.md").read_text(encoding="utf-8")
    missing = [
        f"{kind}.{field}"
        for kind, cls in (*STRATEGIES.items(), *SHOCKS.items())
        for field in cls.Params.model_fields
        if not re.search(rf"\b{field}\b", text)
    ]
    assert not missing, f"parameters not documented in docs/strategies.md: {missing}"

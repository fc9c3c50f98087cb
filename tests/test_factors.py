"""Every influential factor of the framework's four categories acts (000_*.txt, Component 3).

For each factor the test moves it from a low to a high value, runs the same small district on
the same seeds (common random numbers) and checks that a named outcome moves in the direction
docs/model.md documents, with the shared pass rule (tests/paired.py). A factor added to the
schema's four category sections without an entry here fails ``test_every_factor_has_a_test``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest

from paired import assert_paired
from scalesim.scenario import (
    Conditions,
    Educators,
    Innovation,
    Team,
    apply_overrides,
    scenario_from_dict,
)
from scalesim.simulation.model import ScalingModel

SEEDS = tuple(range(10))
EQUITY_SEEDS = tuple(range(16))
BASE: dict[str, Any] = {
    "name": "factors",
    "horizon_months": 18,
    "district": {
        "generated": {
            "n_schools": 24,
            "educators_per_school": {"mean": 25, "sd": 5, "min": 8},
            "high_need_share": 0.34,
        }
    },
    "adoption": {"p_external": 0.3},
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 18}},
    "turnover": {"superintendent": 0.0},
}
# A set of team strategies for the team factors: several at once, with room to fall short.
TEST_SET: list[dict[str, Any]] = [
    {"type": "coaching", "select": {"rule": "random", "share_schools": 0.34}},
    {"type": "local_champions", "select": {"rule": "volunteer", "per_school": 1}},
    {"type": "proof_point", "select": {"rule": "random", "n_schools": 3}},
    {"type": "network_of_users"},
    {"type": "pdsa_cycles"},
    {"type": "educate_policymakers"},
]


@cache
def _run(overrides: str, strategies: str, seed: int) -> ScalingModel:
    data = apply_overrides(BASE, json.loads(overrides))
    data["strategies"] = json.loads(strategies)
    return ScalingModel(scenario_from_dict(data, source="<factors>"), seed=seed).run()


def run(overrides: dict[str, Any], strategies: list[dict[str, Any]], seed: int) -> ScalingModel:
    """A finished model of the small district (cached across tests)."""
    return _run(json.dumps(overrides, sort_keys=True), json.dumps(strategies), seed)


@dataclass(frozen=True)
class FactorCase:
    """One factor: its path, low and high values, the outcome, its direction and the setting."""

    path: str
    low: Any
    high: Any
    outcome: str
    direction: str  # "higher" or "lower" at the high value
    strategies: tuple[str, ...] = ()  # names of TEST_SET strategies (empty: none)
    extra: tuple[tuple[str, Any], ...] = ()  # further overrides for both arms
    seeds: tuple[int, ...] = SEEDS
    margin: float = 0.0


ALL = tuple(s["type"] for s in TEST_SET)
SUPPORT_END = (("team.support_ends_month", 9.0),)
CASES: dict[str, FactorCase] = {
    # Category 1 — the innovation
    "innovation.complexity": FactorCase(
        "innovation.complexity", 0.2, 0.9, "share_enacting", "lower"
    ),
    "innovation.compatibility": FactorCase(
        "innovation.compatibility", 0.1, 0.9, "share_enacting", "higher"
    ),
    "innovation.observability": FactorCase(
        "innovation.observability", 0.1, 0.9, "share_enacting", "higher"
    ),
    "innovation.trialability": FactorCase(
        "innovation.trialability", 0.1, 0.9, "share_enacting", "higher"
    ),
    "innovation.depth_ceiling": FactorCase(
        "innovation.depth_ceiling", 0.5, 1.0, "mean_depth", "higher"
    ),
    # Category 2 — educators
    "educators.attitude": FactorCase(
        "educators.attitude",
        {"mean": 0.2, "sd": 0.15},
        {"mean": 0.8, "sd": 0.15},
        "share_enacting",
        "higher",
    ),
    "educators.emotion": FactorCase(
        "educators.emotion",
        {"mean": 0.2, "sd": 0.15},
        {"mean": 0.8, "sd": 0.15},
        "share_enacting",
        "higher",
    ),
    "educators.openness": FactorCase(
        "educators.openness",
        {"mean": 0.2, "sd": 0.18},
        {"mean": 0.8, "sd": 0.18},
        "share_enacting",
        "higher",
    ),
    "educators.persistence": FactorCase(
        "educators.persistence",
        {"mean": 0.2, "sd": 0.15},
        {"mean": 0.8, "sd": 0.15},
        "share_enacting",
        "higher",
    ),
    "educators.cynicism": FactorCase(
        "educators.cynicism",
        {"mean": 0.1, "sd": 0.15},
        {"mean": 0.7, "sd": 0.15},
        "share_enacting",
        "lower",
    ),
    "educators.credibility": FactorCase(
        "educators.credibility",
        {"mean": 0.3, "sd": 0.15},
        {"mean": 0.7, "sd": 0.15},
        "share_enacting",
        "higher",
        strategies=("local_champions",),
    ),
    # Experience: a more experienced district is more cynical (004_*.txt's veterans).
    "educators.veteran_mean_years": FactorCase(
        "educators.veteran_mean_years",
        8.0,
        25.0,
        "share_enacting",
        "lower",
        seeds=EQUITY_SEEDS,
    ),
    # Novices are still learning the job and deepen a new practice more slowly: in high-need
    # schools, deep practice is rarer where more of the staff is new.
    "educators.novice_share_high_need": FactorCase(
        "educators.novice_share_high_need",
        0.05,
        0.6,
        "high_need_deep",
        "lower",
        strategies=ALL,
        seeds=EQUITY_SEEDS,
    ),
    "educators.novice_share_other": FactorCase(
        "educators.novice_share_other",
        0.05,
        0.6,
        "share_deep",
        "lower",
        strategies=ALL,
        seeds=EQUITY_SEEDS,
    ),
    # Category 3 — the improvement team
    "team.capacity_per_month": FactorCase(
        "team.capacity_per_month", 30.0, 150.0, "share_enacting", "higher", strategies=ALL
    ),
    "team.collaboration": FactorCase(
        "team.collaboration",
        0.1,
        0.9,
        "share_enacting",
        "higher",
        strategies=ALL,
        extra=(("team.capacity_per_month", 200.0),),
    ),
    "team.communication": FactorCase("team.communication", 0.1, 0.9, "share_aware", "higher"),
    "team.decision_culture": FactorCase(
        "team.decision_culture",
        0.1,
        0.9,
        "share_enacting",
        "higher",
        strategies=ALL,
        extra=(("team.capacity_per_month", 200.0),),
    ),
    "team.equity_orientation": FactorCase(
        "team.equity_orientation",
        0.1,
        0.9,
        "high_need_coverage",
        "higher",
        strategies=ALL,
        extra=(("team.capacity_per_month", 200.0),),
        seeds=EQUITY_SEEDS,
    ),
    "team.support_ends_month": FactorCase(
        "team.support_ends_month",
        6.0,
        15.0,
        "share_enacting",
        "higher",
        strategies=ALL,
        extra=(("team.capacity_per_month", 200.0),),
    ),
    # Category 4 — community, district and state conditions
    "conditions.leadership_support": FactorCase(
        "conditions.leadership_support", 0.1, 0.9, "share_enacting", "higher"
    ),
    "conditions.attention_competition": FactorCase(
        "conditions.attention_competition", 0.1, 0.9, "share_enacting", "lower"
    ),
    "conditions.community_beliefs": FactorCase(
        "conditions.community_beliefs", 0.1, 0.9, "share_enacting", "higher"
    ),
    "conditions.policy_alignment": FactorCase(
        "conditions.policy_alignment", 0.0, 1.0, "high_need_coverage", "higher"
    ),
    # What carries on when support ends (month 9): district-run strategies, school routines.
    "conditions.district_ownership": FactorCase(
        "conditions.district_ownership",
        0.05,
        0.95,
        "share_enacting",
        "higher",
        strategies=ALL,
        extra=(*SUPPORT_END, ("team.capacity_per_month", 200.0)),
    ),
    # PDSA spreads beyond its participants through the district's own improvement process.
    "conditions.district_improvement": FactorCase(
        "conditions.district_improvement",
        0.0,
        0.9,
        "improvement_routines",
        "higher",
        strategies=("pdsa_cycles",),
    ),
    "conditions.mandate": FactorCase(
        "conditions.mandate", "loose", "tight", "share_enacting", "higher"
    ),
}


def _arm(case: FactorCase, value: Any, seed: int) -> float:
    overrides = {**dict(case.extra), case.path: value}
    strategies = [s for s in TEST_SET if s["type"] in case.strategies]
    return float(run(overrides, strategies, seed).current[case.outcome])


@pytest.mark.parametrize("name", sorted(CASES))
def test_factor_moves_its_outcome(name: str) -> None:
    """Low → high moves the named outcome in the documented direction (paired, pass rule)."""
    case = CASES[name]
    diffs = [_arm(case, case.high, s) - _arm(case, case.low, s) for s in case.seeds]
    assert_paired(diffs, case.direction, f"{name} {case.low} → {case.high}: {case.outcome}")


FACTOR_SECTIONS = {"innovation": Innovation, "educators": Educators, "team": Team}
# How experience shapes the other factors (its slopes), not factors of their own: checked by
# test_experience_shapes_the_factors below, and through veteran_mean_years above.
NOT_FACTORS = {
    "educators.cynicism_per_decade",
    "educators.credibility_per_decade",
    "educators.openness_per_decade",
}


def test_every_factor_has_a_test() -> None:
    """Every field of the four category sections is moved by a case above."""
    fields = {
        f"{section}.{name}"
        for section, model in {**FACTOR_SECTIONS, "conditions": Conditions}.items()
        for name in model.model_fields
    }
    missing = sorted(fields - set(CASES) - NOT_FACTORS)
    assert not missing, f"factors without a test: {missing}"


def _factors_at_start(overrides: dict[str, Any], seed: int = 0):
    data = apply_overrides(BASE, overrides)
    return ScalingModel(scenario_from_dict(data, source="<factors>"), seed=seed).ed.factors


def test_experience_shapes_the_factors() -> None:
    """Experience makes a district more cynical and credible and less open, slope by slope.

    Experience is counted from a fixed reference career; before, it was centred on the
    scenario's own mean, so a more experienced district came out *less* cynical.
    """
    young = _factors_at_start({"educators.veteran_mean_years": 8.0})
    old = _factors_at_start({"educators.veteran_mean_years": 25.0})
    assert old.experience.mean() > young.experience.mean() + 5
    assert old.cynicism.mean() > young.cynicism.mean() + 0.03
    assert old.credibility.mean() > young.credibility.mean() + 0.05
    assert old.openness.mean() < young.openness.mean() - 0.01
    veteran = {"educators.veteran_mean_years": 25.0}
    for slope, factor, sign in (
        ("cynicism_per_decade", "cynicism", 1),
        ("credibility_per_decade", "credibility", 1),
        ("openness_per_decade", "openness", -1),
    ):
        flat = _factors_at_start({**veteran, f"educators.{slope}": 0.0})
        steep = _factors_at_start({**veteran, f"educators.{slope}": sign * 0.3})
        decades = (flat.experience - 15.0) / 10.0
        shift = getattr(steep, factor) - getattr(flat, factor)
        a, b = getattr(flat, factor), getattr(steep, factor)
        inside = (a > 0) & (a < 1) & (b > 0) & (b < 1)
        # Same draws, so the shift is the slope × decades wherever clipping does not bite.
        assert np.allclose(
            shift[inside & (decades > 0) & (decades < 1)],
            sign * 0.3 * decades[inside & (decades > 0) & (decades < 1)],
            atol=1e-9,
        ), slope

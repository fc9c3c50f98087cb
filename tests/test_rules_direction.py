"""Each weekly rule moves its outcome in the documented direction.

Every comparison is paired on the same seeds (common random numbers: both arms share the
district, the network, the starting state and every mechanism's draws), on a small district
(about 600 educators in 20 schools) over 18 months (so one year boundary falls inside). The
base scenario makes diffusion lively (p = 0.3, q = 1.5 per year) so that each mechanism has
room to act.

For each pair we require the mean paired difference to exceed a fixed margin *and* to be at
least four standard errors from zero. The margins are a third to a quarter of the
differences measured when the tests were written (docs/model.md lists the mechanisms), so unrelated
changes to the model cannot make them flake, while a rule that lost its direction fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import SMALL
from paired import assert_paired
from scalesim.core import turnover
from scalesim.scenario import apply_overrides, scenario_from_dict
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import collect

SEEDS = range(10)
BASE = apply_overrides(
    SMALL,
    {
        "name": "direction",
        "horizon_months": 18,
        "trip_ticket.destination.by_month": 18,
        "district.generated.n_schools": 20,
        "district.generated.educators_per_school": {"mean": 30, "sd": 8, "min": 6},
        "adoption.p_external": 0.3,
        "adoption.q_peer": 1.5,
    },
)


@cache
def _end(overrides_json: str, seed: int) -> tuple[pd.Series, pd.DataFrame]:
    """Final-week metrics and per-school end states of one run (cached across tests)."""
    sc = scenario_from_dict(
        apply_overrides(BASE, json.loads(overrides_json)), source="<direction test>"
    )
    m = ScalingModel(sc, seed=seed)
    m.run()
    res = collect(m)
    return res.timeseries.iloc[-1], res.schools


Outcome = str | Callable[[pd.Series, pd.DataFrame], float]


def outcome(ov: dict[str, Any], seed: int, what: Outcome) -> float:
    end, schools = _end(json.dumps(ov, sort_keys=True), seed)
    return float(end[what]) if isinstance(what, str) else float(what(end, schools))


def paired(low: dict[str, Any], high: dict[str, Any], what: Outcome) -> np.ndarray:
    """``what(high) - what(low)`` on each seed."""
    return np.array([outcome(high, s, what) - outcome(low, s, what) for s in SEEDS])


def assert_increases(diffs: np.ndarray, margin: float, label: str) -> None:
    """The shared pass rule (tests/paired.py), direction: up, by more than ``margin``."""
    assert_paired(diffs, "higher", label, margin)


def high_pressure_share(end: pd.Series, schools: pd.DataFrame) -> float:
    """Share enacting in the schools with above-median accountability pressure."""
    hi = schools["pressure"] >= schools["pressure"].median()
    return schools["enacting"][hi].sum() / schools["educators"][hi].sum()


def pressure_gap_ratio(end: pd.Series, schools: pd.DataFrame) -> float:
    """Enactment in high-pressure schools relative to the others."""
    hi = schools["pressure"] >= schools["pressure"].median()
    share = schools["enacting"].groupby(hi).sum() / schools["educators"].groupby(hi).sum()
    return share[True] / share[False]


def high_need_relative(end: pd.Series, schools: pd.DataFrame) -> float:
    """Coverage of high-need schools relative to the other schools."""
    return end["high_need_coverage"] / end["other_coverage"]


# (test id, low arm, high arm, outcome, sign, margin): sign -1 means the outcome must *fall*
# from the low arm to the high arm.
CASES: list[tuple[str, dict[str, Any], dict[str, Any], Outcome, int, float]] = [
    # adoption: educator factors
    (
        "more cynicism, less adoption",
        {"educators.cynicism.mean": 0.2},
        {"educators.cynicism.mean": 0.6},
        "share_enacting",
        -1,
        0.04,
    ),
    (
        "more persistence, more retained enactment",
        {"educators.persistence.mean": 0.2},
        {"educators.persistence.mean": 0.8},
        "share_enacting",
        1,
        0.005,
    ),
    # adoption: Bass channels
    (
        "higher external p, more adoption",
        {"adoption.p_external": 0.1},
        {"adoption.p_external": 0.6},
        "share_enacting",
        1,
        0.05,
    ),
    (
        "higher peer q, more adoption",
        {"adoption.q_peer": 0.5},
        {"adoption.q_peer": 3.0},
        "share_enacting",
        1,
        0.05,
    ),
    (
        "lower thresholds, more adoption (threshold rule)",
        {"adoption.rule": "threshold", "adoption.threshold.mean": 0.5},
        {"adoption.rule": "threshold", "adoption.threshold.mean": 0.15},
        "share_enacting",
        1,
        0.15,
    ),
    # adoption: innovation and district conditions
    (
        "more complexity, less adoption",
        {"innovation.complexity": 0.2},
        {"innovation.complexity": 0.9},
        "share_enacting",
        -1,
        0.05,
    ),
    (
        "more leadership support, more adoption",
        {"conditions.leadership_support": 0.1},
        {"conditions.leadership_support": 0.9},
        "share_enacting",
        1,
        0.04,
    ),
    (
        "more competition for attention, less adoption",
        {"conditions.attention_competition": 0.1},
        {"conditions.attention_competition": 0.9},
        "share_enacting",
        -1,
        0.04,
    ),
    (
        "policy alignment, more adoption in high-pressure schools",
        {"conditions.policy_alignment": 0.0},
        {"conditions.policy_alignment": 1.0},
        high_pressure_share,
        1,
        0.1,
    ),
    (
        "policy alignment narrows the high/low-pressure gap",
        {"conditions.policy_alignment": 0.0},
        {"conditions.policy_alignment": 1.0},
        pressure_gap_ratio,
        1,
        0.05,
    ),
    (
        "accountability pressure penalty, lower high-need coverage relative to other",
        {"adoption.pressure_penalty": 0.0, "district.performance_need_correlation": -0.9},
        {"adoption.pressure_penalty": 3.0, "district.performance_need_correlation": -0.9},
        high_need_relative,
        -1,
        0.1,
    ),
    # tight mandate
    ("tight mandate, more spread", {}, {"conditions.mandate": "tight"}, "share_enacting", 1, 0.1),
    (
        "tight mandate, less ownership",
        {},
        {"conditions.mandate": "tight"},
        "mean_ownership",
        -1,
        0.015,
    ),
    # exposure
    (
        "district awareness rate, more aware",
        {"adoption.awareness_external": 0.1},
        {"adoption.awareness_external": 2.0},
        "share_aware",
        1,
        0.05,
    ),
    (
        "peer awareness rate, more aware",
        {"adoption.awareness_peer": 0.5},
        {"adoption.awareness_peer": 8.0},
        "share_aware",
        1,
        0.05,
    ),
    # depth
    (
        "more collegial support, more depth",
        {"depth.peer_support": 0.1},
        {"depth.peer_support": 0.9},
        "mean_depth",
        1,
        0.04,
    ),
    (
        "more principal support, more depth",
        {"district.principal_support": {"mean": 0.1, "sd": 0.1}},
        {"district.principal_support": {"mean": 0.9, "sd": 0.1}},
        "mean_depth",
        1,
        0.03,
    ),
    (
        "faster depth growth, more depth",
        {"depth.growth": 0.5},
        {"depth.growth": 3.0},
        "mean_depth",
        1,
        0.05,
    ),
    (
        "faster decay, less depth",
        {"depth.decay": 0.1},
        {"depth.decay": 2.0},
        "mean_depth",
        -1,
        0.04,
    ),
    (
        "more complexity, less depth",
        {"innovation.complexity": 0.2},
        {"innovation.complexity": 0.9},
        "mean_depth",
        -1,
        0.015,
    ),
    # ownership
    (
        "faster ownership growth, more ownership",
        {"ownership.growth": 0.1},
        {"ownership.growth": 1.5},
        "mean_ownership",
        1,
        0.05,
    ),
    # abandonment
    (
        "higher abandonment rate, fewer enacting",
        {"abandonment.base_rate": 0.05},
        {"abandonment.base_rate": 0.8},
        "share_enacting",
        -1,
        0.06,
    ),
    # turnover and calendar
    (
        "turnover on, lower enactment",
        {"turnover.enabled": False},
        {"turnover.enabled": True},
        "share_enacting",
        -1,
        0.012,
    ),
    (
        "more teachers leaving, lower enactment",
        {"turnover.teacher_leave": 0.05},
        {"turnover.teacher_leave": 0.3},
        "share_enacting",
        -1,
        0.02,
    ),
    (
        "longer summers, less enactment",
        {"calendar.summer_weeks": 0},
        {"calendar.summer_weeks": 16},
        "share_enacting",
        -1,
        0.012,
    ),
]


@pytest.mark.parametrize(
    ("low", "high", "what", "sign", "margin"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_direction(
    low: dict[str, Any], high: dict[str, Any], what: Outcome, sign: int, margin: float
) -> None:
    """The outcome moves in the documented direction, paired on the same seeds."""
    label = what if isinstance(what, str) else what.__name__
    assert_increases(sign * paired(low, high, what), margin, f"{label} ({low} -> {high})")


def test_turnover_brings_unaware_newcomers() -> None:
    """Turnover replaces people: newcomers arrive unaware, so awareness falls too."""
    diffs = paired({"turnover.enabled": False}, {"turnover.enabled": True}, "share_aware")
    assert_increases(-diffs, 0.01, "share_aware")


def superintendent_outcome(
    policy_alignment: float, district_ownership: float, seed: int
) -> tuple[float, float]:
    """Leadership support and district ownership after one superintendent change.

    Before the change, leadership support stands at 0.9, above the scenario's 0.5 (as if
    strategies had educated the previous superintendent).
    """
    sc = scenario_from_dict(
        apply_overrides(
            BASE,
            {
                "conditions.policy_alignment": policy_alignment,
                "conditions.district_ownership": district_ownership,
                "conditions.leadership_support": 0.5,
            },
        )
    )
    m = ScalingModel(sc, seed=seed)
    m.dist.leadership_support = 0.9
    turnover.superintendent_change(m, "test")
    assert m.dist.superintendent_changes == 1
    assert m.log.of_kind("superintendent_change"), "the change is in the travel log"
    return m.dist.leadership_support, m.dist.district_ownership


def test_superintendent_change_lowers_support_unless_institutionalized() -> None:
    """A new superintendent undoes leadership support unless policy and ownership embed it."""
    seeds = range(20)
    loose = np.array([superintendent_outcome(0.0, 0.0, s)[0] for s in seeds])
    half = np.array([superintendent_outcome(0.5, 0.5, s)[0] for s in seeds])
    embedded = np.array([superintendent_outcome(1.0, 1.0, s)[0] for s in seeds])
    assert loose.mean() < 0.7, f"un-institutionalized support should fall to ~0.5: {loose.mean()}"
    assert_increases(embedded - loose, 0.25, "leadership support, embedded vs loose")
    assert_increases(half - loose, 0.1, "leadership support, half vs loose")
    np.testing.assert_allclose(embedded, 0.9, err_msg="fully institutionalized work keeps it")


def test_superintendent_change_erodes_ownership_unless_policy_embeds_it() -> None:
    """District ownership erodes with a new superintendent unless policy is aligned."""
    _, own_loose = superintendent_outcome(0.0, 0.6, 0)
    _, own_aligned = superintendent_outcome(1.0, 0.6, 0)
    assert own_loose < 0.6 - 0.1
    assert own_aligned == pytest.approx(0.6)


def test_summer_pauses_classroom_rules() -> None:
    """In summer nobody starts or stops enacting (turnover off), and depth does not move."""
    sc = scenario_from_dict(
        apply_overrides(
            BASE,
            {
                "turnover.enabled": False,
                "horizon_months": 12,
                "trip_ticket.destination.by_month": 12,
            },
        )
    )
    m = ScalingModel(sc, seed=0)
    session_weeks = 52 - sc.calendar.summer_weeks
    while m.week < session_weeks:
        m.step()
    enacting, depth = m.ed.enacting.copy(), m.ed.depth.copy()
    while m.week < sc.n_weeks:
        m.step()
        assert not m.in_session
        np.testing.assert_array_equal(m.ed.enacting, enacting)
        np.testing.assert_array_equal(m.ed.depth, depth)

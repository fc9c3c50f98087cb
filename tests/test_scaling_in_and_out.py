"""Scaling in and out, participation under norms, the learning system and students reached.

Directional claims are paired on common random numbers with the shared pass rule
(tests/paired.py); mechanics that are deterministic given the draws are checked exactly.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from paired import assert_paired
from scalesim.core import institutions
from scalesim.journey.pitstops import DECISION_LAG_WEEKS, decision_lag
from scalesim.scenario import apply_overrides, scenario_from_dict
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import summarize, timeseries_of

SEEDS = tuple(range(10))
BASE: dict[str, Any] = {
    "name": "scaling-in-out",
    "horizon_months": 18,
    "district": {
        "generated": {
            "n_schools": 24,
            "educators_per_school": {"mean": 25, "sd": 5, "min": 8},
            "high_need_share": 0.34,
        }
    },
    "adoption": {"p_external": 0.3},
    "team": {"capacity_per_month": 200.0},
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 18}},
    "turnover": {"superintendent": 0.0},
}
SET: list[dict[str, Any]] = [
    {"type": "coaching", "select": {"rule": "random", "share_schools": 0.34}},
    {"type": "local_champions"},
    {"type": "network_of_users"},
    {"type": "pdsa_cycles"},
]
# A district with no routines of its own and no ownership (they cannot grow).
NO_ROUTINES = {
    "conditions.district_ownership": 0.0,
    "conditions.district_improvement": 0.0,
    "institutions.routine_start": 0.0,
    "institutions.routine_from_depth": 0.0,
    "institutions.routine_from_district": 0.0,
    "institutions.routine_loss": 20.0,
}


@cache
def _run(overrides: str, strategies: str, seed: int) -> ScalingModel:
    data = apply_overrides(BASE, json.loads(overrides))
    data["strategies"] = json.loads(strategies)
    return ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed).run()


def run(
    overrides: dict[str, Any], seed: int, strategies: list[dict[str, Any]] | None = None
) -> ScalingModel:
    """A finished model of the test district with ``SET`` (or ``strategies``), cached."""
    chosen = SET if strategies is None else strategies
    return _run(json.dumps(overrides, sort_keys=True), json.dumps(chosen), seed)


def end(m: ScalingModel, name: str) -> float:
    """A metric at the end of the run."""
    return float(m.current[name])


# ----------------------------------------------------------------------- support's end


def test_district_ownership_keeps_practice_after_support_ends() -> None:
    """Support ends at month 9: a district that owns the work keeps more enactment and depth."""
    low = {"team.support_ends_month": 9.0, "conditions.district_ownership": 0.05}
    high = {"team.support_ends_month": 9.0, "conditions.district_ownership": 0.95}
    for metric in ("share_enacting", "mean_depth"):
        assert_paired(
            [end(run(high, s), metric) - end(run(low, s), metric) for s in SEEDS],
            "higher",
            f"district ownership 0.05 → 0.95 after support ends: {metric}",
        )


def test_practice_decays_after_support_ends_without_routines() -> None:
    """Without routines or district ownership, support ending costs enactment and depth.

    And it costs more there than in a district that owns the work (the difference of the
    paired losses): routines and ownership are what carries practice on.
    """
    for metric in ("share_enacting", "mean_depth"):
        loss_bare = [
            end(run(NO_ROUTINES, s), metric)
            - end(run({**NO_ROUTINES, "team.support_ends_month": 9.0}, s), metric)
            for s in SEEDS
        ]
        assert_paired(loss_bare, "higher", f"no routines: support end lowers {metric}")
    owned = {"conditions.district_ownership": 0.95, "conditions.district_improvement": 0.9}
    loss_owned = [
        end(run(owned, s), "share_enacting")
        - end(run({**owned, "team.support_ends_month": 9.0}, s), "share_enacting")
        for s in SEEDS
    ]
    loss_bare = [
        end(run(NO_ROUTINES, s), "share_enacting")
        - end(run({**NO_ROUTINES, "team.support_ends_month": 9.0}, s), "share_enacting")
        for s in SEEDS
    ]
    assert_paired(
        np.array(loss_bare) - np.array(loss_owned),
        "higher",
        "support's end costs more without routines and ownership",
    )


def test_carried_strategies_run_off_the_team_budget_at_district_strength() -> None:
    """After support ends, district-run strategies go on, carried; the others stop.

    The team spends nothing more; a carried strategy's strength is intensity × carry strength
    × (0.5 + leadership) × its level, so it stops once the level is too low.
    """
    m = run({"team.support_ends_month": 9.0, "conditions.district_ownership": 0.5}, 1)
    carried = {e["strategy"]: e["carrier"] for e in m.log.of_kind("strategy_carried")}
    assert carried == {
        "coaching": "district",
        "local_champions": "school",
        "network_of_users": "district",
        "pdsa_cycles": "improvement",
    }
    spent_by_week = m.datacollector.model_vars["capacity_spent"]
    end_week = round(9 * 52 / 12)
    assert spent_by_week[-1] == spent_by_week[end_week], "the team spends nothing after its end"
    assert m.strategy_set.get("coaching").district_spent > 0
    cost = summarize(m, timeseries_of(m))["cost"]
    carried = sum(s.district_spent for s in m.strategy_set.all_strategies())
    assert cost["district_carried"] == pytest.approx(carried) and carried > 0
    # No district ownership (and nothing that raises it): nobody can carry them; they stop.
    alone = [SET[0], SET[3]]  # coaching and PDSA
    bare = run({**NO_ROUTINES, "team.support_ends_month": 9.0}, 1, alone)
    stops = {
        e["strategy"]
        for e in bare.log.of_kind("strategy_stop")
        if e["reason"].startswith("no longer carried")
    }
    assert stops == {"coaching", "pdsa_cycles"}


def test_support_end_signal_spares_institutionalized_and_deep_practice() -> None:
    """The 'this too shall pass' drop is (1 − institutionalization) × (1 − depth) × the rate."""
    cfg = scenario_from_dict(BASE, "<t>").institutions
    enacting = np.array([True, True, True, False])
    depth = np.array([0.0, 0.9, 0.0, 0.0])
    inst = np.array([0.0, 0.0, 1.0, 0.0])
    u = np.full(4, cfg.support_end_drop * 0.95)
    assert institutions.support_end_drops(enacting, depth, inst, u, cfg).tolist() == [0]


def test_new_principal_keeps_routines_where_the_district_owns_the_work() -> None:
    """A principal wave at month 9 costs school routines less under district ownership."""
    wave = [{"type": "principal_turnover", "at_month": 9, "params": {"share_schools": 1.0}}]

    def routines(own: float, shock: bool, seed: int) -> float:
        data = apply_overrides(BASE, {"conditions.district_ownership": own, "horizon_months": 9.3})
        data["strategies"] = SET
        data["shocks"] = wave if shock else []
        m = ScalingModel(scenario_from_dict(data, "<t>"), seed=seed).run()
        return end(m, "school_routines")

    loss = [
        (routines(0.05, False, s) - routines(0.05, True, s))
        - (routines(0.95, False, s) - routines(0.95, True, s))
        for s in SEEDS[:6]
    ]
    assert_paired(loss, "higher", "routines lost at a principal wave: low vs high ownership")


# ----------------------------------------------------------------------- participation


def _volunteer_high_need(overrides: dict[str, Any], seed: int) -> float:
    data = apply_overrides(BASE, overrides)
    data["strategies"] = [
        {"type": "proof_point", "select": {"rule": "volunteer", "share_schools": 0.25}}
    ]
    m = ScalingModel(scenario_from_dict(data, "<t>"), seed=seed)
    m.step()
    return float(m.schools.high_need[m.strategy_set.get("proof_point").schools].mean())


def test_aligned_accountability_changes_who_volunteers() -> None:
    """With evaluation and accountability aligned, more high-need schools volunteer."""
    seeds = range(30)
    assert_paired(
        [
            _volunteer_high_need({"conditions.policy_alignment": 1.0}, s)
            - _volunteer_high_need({"conditions.policy_alignment": 0.0}, s)
            for s in seeds
        ],
        "higher",
        "policy alignment 0 → 1: high-need share of volunteers",
    )


def test_equity_orientation_changes_who_volunteers() -> None:
    """A team that centres equity recruits more high-need schools from a volunteer call."""
    seeds = range(30)
    assert_paired(
        [
            _volunteer_high_need({"team.equity_orientation": 0.9}, s)
            - _volunteer_high_need({"team.equity_orientation": 0.1}, s)
            for s in seeds
        ],
        "higher",
        "equity orientation 0.1 → 0.9: high-need share of volunteers",
    )


def test_alignment_lifts_high_need_schools_more_than_others() -> None:
    """Policy alignment is an equity lever: it lifts high-need coverage more than the rest's."""
    lift = []
    for s in range(30):
        lo = run({"conditions.policy_alignment": 0.0}, s, [])
        hi = run({"conditions.policy_alignment": 1.0}, s, [])
        lift.append(
            (end(hi, "high_need_coverage") - end(lo, "high_need_coverage"))
            - (end(hi, "other_coverage") - end(lo, "other_coverage"))
        )
    assert_paired(lift, "higher", "alignment: high-need lift minus the other schools' lift")


# ----------------------------------------------------------------------- the learning system


def test_improvement_routines_spread_only_with_district_ownership_of_improvement() -> None:
    """PDSA schools build improvement routines; beyond them only a district process spreads them.

    Beyond the participants' schools, routines grow only when the district owns the
    improvement process (002_*.txt).
    """
    pdsa = [{"type": "pdsa_cycles", "select": {"rule": "random", "n_schools": 4, "per_school": 3}}]
    for s in SEEDS[:4]:
        none = run({"conditions.district_improvement": 0.0}, s, pdsa)
        owned = run({"conditions.district_improvement": 0.9}, s, pdsa)
        mine = none.strategy_set.get("pdsa_cycles").schools
        others = np.setdiff1d(np.arange(none.schools.n), mine)
        start = none.sc.institutions.improvement_start
        assert (none.schools.improvement[mine] > start).all()
        assert (none.schools.improvement[others] < start).all(), "they fade without the district"
        assert (owned.schools.improvement[others] > none.schools.improvement[others]).all()


def test_decision_culture_sets_the_lag_of_pit_stop_decisions() -> None:
    """A hierarchical team's decision takes effect weeks after the stop; a flexible one's now."""
    assert decision_lag(0.0) == DECISION_LAG_WEEKS
    assert decision_lag(0.5) == decision_lag(0.9) == 0
    rule = {"when": "month >= 0", "then": {"drop": "coaching"}}
    for dc, lag in ((0.0, DECISION_LAG_WEEKS), (0.25, DECISION_LAG_WEEKS // 2), (0.8, 0)):
        data = apply_overrides(
            BASE, {"team.decision_culture": dc, "trip_ticket.pit_stops": [3.0], "horizon_months": 6}
        )
        data["strategies"] = SET
        data["adaptation"] = [rule]
        m = ScalingModel(scenario_from_dict(data, "<t>"), seed=0).run()
        (stop,) = m.log.of_kind("pit_stop")
        (dropped,) = [e for e in m.log.of_kind("strategy_stop") if e["strategy"] == "coaching"]
        assert dropped["week"] - stop["week"] == lag


# ----------------------------------------------------------------------- students


@pytest.mark.parametrize("measure", ["educators", "students"])
def test_trip_ticket_counts_what_it_says(measure: str) -> None:
    """A destination in students weights each school's deep share by enrollment (and need)."""
    data = apply_overrides(BASE, {"trip_ticket.destination.measure": measure})
    data["strategies"] = SET
    m = ScalingModel(scenario_from_dict(data, "<t>"), seed=3)
    m.run_for(40)
    ed, sch = m.ed, m.schools
    dest = ed.enacting & (ed.depth >= m.sc.trip_ticket.destination.min_depth)
    per_school = np.bincount(ed.school, weights=dest, minlength=sch.n) / sch.size
    if measure == "students":
        want = (sch.enrollment * per_school).sum() / sch.enrollment.sum()
        w = sch.enrollment * sch.need_share
        want_eq = (w * per_school).sum() / w.sum()
    else:
        want = dest.mean()
        want_eq = dest[sch.high_need[ed.school]].mean()
    assert m.current["destination_share"] == pytest.approx(want, rel=1e-12)
    assert m.current["destination_equity_share"] == pytest.approx(want_eq, rel=1e-12)

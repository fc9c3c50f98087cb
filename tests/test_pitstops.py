"""Pit stops see observed indicators, never the true state; rules and actions act on them.

- with no noise, no lag and a census, observed equals true for every metric;
- a lag shows the district as it was; a sample gives survey estimates;
- with noise, a rule near its threshold decides differently from the no-noise run on the
  same seed, and the decision's log entry shows the observed values it used;
- the checklist's answers follow from the observed values; every action does what it says.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from scalesim.journey.pitstops import SAMPLED
from scalesim.metrics import METRICS
from scalesim.scenario import apply_overrides, month_to_week, scenario_from_dict
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import collect

SEEDS = range(8)
BASE: dict[str, Any] = {
    "name": "pit-stops",
    "horizon_months": 12,
    "district": {
        "generated": {"n_schools": 30, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "team": {"capacity_per_month": 60},
    "trip_ticket": {
        "pit_stops": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        "destination": {"by_month": 12},
    },
    "strategies": [
        {"type": "local_champions", "start_month": 1},
        {"type": "coaching", "select": {"rule": "volunteer", "n_schools": 8}},
        {"type": "proof_point", "select": {"rule": "volunteer", "n_schools": 3}},
    ],
    "shocks": [{"type": "pandemic", "at_month": 4, "duration_months": 2, "pit_stop": True}],
}


@cache
def _run(overrides: str, seed: int) -> ScalingModel:
    data = apply_overrides(BASE, json.loads(overrides))
    return ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed).run()


def run(seed: int, **overrides: Any) -> ScalingModel:
    """A finished model with the given overrides (cached)."""
    return _run(json.dumps(overrides, sort_keys=True), seed)


def stops(m: ScalingModel) -> pd.DataFrame:
    """The pit_stops table."""
    return collect(m).extra["pit_stops"]


def test_census_without_noise_or_lag_observes_the_truth() -> None:
    """Noise 0, lag 0, census: obs_* == true_* for every metric at every pit stop."""
    for s in SEEDS[:4]:
        m = run(s)
        table = stops(m)
        assert len(table) == 12, "11 planned pit stops and one unplanned after the pandemic"
        assert (~table["planned"]).sum() == 1
        ts = collect(m).timeseries.set_index("week")
        for name in METRICS:
            obs, true = table[f"obs_{name}"].to_numpy(), table[f"true_{name}"].to_numpy()
            assert np.array_equal(obs, true), f"{name}: observed {obs} != true {true}"
            assert np.array_equal(true, ts.loc[table["week"], name].to_numpy())
        # The metrics vary between stops, so the equality is not trivial.
        assert table["true_share_enacting"].nunique() > 5
        assert (table["true_equity_gap"] != 0).any()


def test_lag_shows_the_district_as_it_was() -> None:
    """With a reporting lag and no noise, observed = true of ``lag`` weeks earlier."""
    lag = 4
    m = run(0, **{"measurement.lag_weeks": lag})
    table = stops(m)
    ts = collect(m).timeseries.set_index("week")
    for name in METRICS:
        lagged = ts.loc[table["week"] - lag, name].to_numpy()
        assert np.array_equal(table[f"obs_{name}"].to_numpy(), lagged), name
    assert (table["obs_share_enacting"] != table["true_share_enacting"]).any()


def test_sample_gives_survey_estimates() -> None:
    """A survey of n educators: shares are k/n estimates near the truth; records are exact."""
    n = 50
    m = run(0, **{"measurement.sample_size": n})
    table = stops(m)
    for name in METRICS:
        obs, true = table[f"obs_{name}"].to_numpy(), table[f"true_{name}"].to_numpy()
        if name in SAMPLED:
            assert np.allclose(obs * n, np.round(obs * n)), f"{name} is not a k/{n} estimate"
            lo, hi = binom.ppf(1e-7, n, true), binom.ppf(1 - 1e-7, n, true)
            k = np.round(obs * n)
            assert ((lo <= k) & (k <= hi)).all(), f"{name}: {k} of {n} is implausible"
        else:
            assert np.array_equal(obs, true), f"{name} is a record, not a survey estimate"
    assert (table["obs_share_enacting"] != table["true_share_enacting"]).any()
    assert "share_enacting" in SAMPLED and "policy_alignment" not in SAMPLED


def near_threshold_rule(seed: int, **measurement: Any) -> tuple[ScalingModel, ScalingModel]:
    """The same seed without and with imperfect measurement, and a rule just above the truth.

    One planned pit stop at month 6; the rule ``share_enacting > T`` has T a little above the
    true value, so a perfect measurement never fires it.
    """
    probe = run(seed, **{"trip_ticket.pit_stops": [6], "shocks": []})
    true = stops(probe)["true_share_enacting"].iloc[0]
    rule = [
        {"when": f"share_enacting > {true + 0.004:.6f}", "then": {"recalibrate": {"target": 0.5}}}
    ]
    common = {"trip_ticket.pit_stops": [6], "shocks": [], "adaptation": rule}
    exact = run(seed, **common)
    noisy = run(seed, **common, **{f"measurement.{k}": v for k, v in measurement.items()})
    return exact, noisy


@pytest.mark.parametrize(
    "measurement",
    [{"noise_sd": 0.02}, {"sample_size": 80}, {"noise_sd": 0.01, "lag_weeks": 2}],
    ids=["noise", "sample", "noise+lag"],
)
def test_imperfect_measurement_changes_decisions(measurement: dict[str, Any]) -> None:
    """Near its threshold, a rule fires on some seeds only because of measurement error.

    The true history is the same in both runs (measurement draws have their own stream), and
    the decision's log entry carries the observed value, which differs from the truth.
    """
    fired_noisy = 0
    for s in SEEDS:
        exact, noisy = near_threshold_rule(s, **measurement)
        assert not exact.log.of_kind("decision"), "a perfect measurement must not fire"
        assert np.array_equal(exact.ed.enacting, noisy.ed.enacting), "same true history"
        decisions = noisy.log.of_kind("decision")
        if not decisions:
            continue
        fired_noisy += 1
        (d,) = decisions
        row = stops(noisy).iloc[0]
        assert d["rule"].startswith("share_enacting > ")
        assert d["action"] == "recalibrate target=0.5"
        assert d["observed"] == {"share_enacting": round(row["obs_share_enacting"], 4)}
        assert row["obs_share_enacting"] != row["true_share_enacting"]
        assert row["true_share_enacting"] < float(d["rule"].split(">")[1])
        assert row["decisions"] == f"{d['rule']} → {d['action']}"
    assert 0 < fired_noisy < len(SEEDS), f"fired on {fired_noisy} of {len(SEEDS)} seeds"


def test_checklist_answers_follow_observed_values() -> None:
    """Four questions of Tool #2, each answered from the observed indicators logged with it."""
    m = run(1, **{"measurement.noise_sd": 0.02})
    events = m.log.of_kind("pit_stop")
    assert len(events) == 12
    for ev in events:
        obs, qs = ev["observed"], ev["checklist"]
        assert set(METRICS) <= set(obs)
        assert [q["question"][:12] for q in qs] == [
            "Are we still",
            "Is anything ",
            "Is our fuel ",
            "Who's drivin",
        ]
        assert qs[0]["answer"] == ("yes" if obs["on_track"] else "no")
        assert obs["on_track"] == float(obs["destination_share"] >= obs["expected_share"])
        fuel_low = obs["capacity_left"] < 0.1 or obs["shortfall_since_last"] > 0
        assert qs[2]["answer"] == ("yes" if fuel_low else "no")
        assert qs[3]["answer"] == (
            "high-need schools behind"
            if obs["equity_ratio"] < 1.0
            else "high-need schools not behind"
        )
        assert qs[3]["evidence"]["equity_ratio"] == round(obs["equity_ratio"], 4)
    # Capacity is short in this scenario, so the fuel question says so at some stop.
    assert any(ev["checklist"][2]["answer"] == "yes" for ev in events)


def strategy_events(m: ScalingModel, kind: str, label: str) -> list[dict[str, Any]]:
    """Log events of ``kind`` about strategy ``label``."""
    return [e for e in m.log.of_kind(kind) if e.get("strategy") == label]


def test_actions_add_drop_retarget_rescale_recalibrate() -> None:
    """Each action changes the strategy set (or destination) from the pit stop on."""
    rules = [
        {
            "when": "month >= 2",
            "then": {
                "add": {
                    "type": "pilot",
                    "name": "late_pilot",
                    "select": {"rule": "random", "n_educators": 10},
                }
            },
        },
        {"when": "month >= 3", "then": {"drop": "proof_point"}},
        {
            "when": "month >= 4",
            "then": {
                "retarget": {
                    "strategy": "coaching",
                    "select": {"rule": "highest_need", "n_schools": 5},
                }
            },
        },
        {"when": "month >= 5", "then": {"rescale": {"strategy": "local_champions", "factor": 0.5}}},
        {"when": "month >= 6", "then": {"recalibrate": {"target": 0.4, "by_month": 12}}},
        {
            "when": "month >= 1",
            "then": {"rescale": {"strategy": "coaching", "factor": 1.0}},
            "max_times": 3,
        },
    ]
    m = run(0, **{"adaptation": rules, "shocks": [], "team.capacity_per_month": 500})
    decisions = m.log.of_kind("decision")
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for d in decisions:
        by_rule.setdefault(d["rule"], []).append(d)
    assert len(by_rule["month >= 1"]) == 3, "max_times caps how often a rule fires"
    for r in rules[:5]:
        assert len(by_rule[r["when"]]) == 1, r["when"]
    wk = {mo: month_to_week(mo) for mo in range(1, 12)}
    # add: the pilot starts the week after the stop and spends capacity.
    (start,) = strategy_events(m, "strategy_start", "late_pilot")
    assert start["week"] == wk[2] + 1 and start["educators"] == 10
    assert m.team.spent_by_strategy["late_pilot"] > 0
    # drop: stopped at the stop, with the rule as the reason; nothing spent afterwards.
    (stop,) = strategy_events(m, "strategy_stop", "proof_point")
    assert stop["week"] == wk[3] and stop["reason"] == "pit stop rule: month >= 3"
    assert m.strategy_set.get("proof_point") is None
    assert not m.ed.proof_point.any()
    # retarget: new rule and schools.
    changes = strategy_events(m, "strategy_change", "coaching")
    retarget = [c for c in changes if c["change"] == "retarget"]
    assert len(retarget) == 1 and retarget[0]["select"]["rule"] == "highest_need"
    coaching = m.strategy_set.get("coaching")
    top = np.sort(np.argsort(-m.schools.need_share)[:5])
    assert np.array_equal(coaching.schools, top)
    # rescale: intensity halves.
    (resc,) = [
        c
        for c in strategy_events(m, "strategy_change", "local_champions")
        if c["change"] == "rescale"
    ]
    assert resc["intensity"] == 0.5 and m.strategy_set.get("local_champions").intensity == 0.5
    # recalibrate: the destination used by later stops changes.
    assert m.pit_stops.destination.target == 0.4
    later = [e for e in m.log.of_kind("pit_stop") if e["week"] > wk[6]]
    assert later and all(e["observed"]["expected_share"] <= 0.4 for e in later)


def test_rescale_changes_spending() -> None:
    """Halving a strategy's intensity halves what it spends per week (capacity permitting)."""
    rule = [{"when": "month >= 6", "then": {"rescale": {"strategy": "coaching", "factor": 0.5}}}]
    data = apply_overrides(
        BASE,
        {
            "adaptation": rule,
            "shocks": [],
            "strategies": [{"type": "coaching"}],
            "team.capacity_per_month": 500,
        },
    )
    m = ScalingModel(scenario_from_dict(data, source="<test>"), seed=0)
    weekly = []
    for _ in range(m.n_weeks):
        before = m.team.spent_by_strategy.get("coaching", 0.0)
        m.step()
        weekly.append(m.team.spent_by_strategy["coaching"] - before)
    wk = month_to_week(6)
    assert weekly[wk + 1] == pytest.approx(weekly[wk - 1] / 2)


def test_retarget_keeps_what_a_strategy_has_built() -> None:
    """Retargeting restarts the targeting, not the work: design gains are not paid twice."""
    strategies = [{"type": "co_design"}, {"type": "scalable_characteristics"}]
    rules = [
        {
            "when": "month >= 3",
            "then": {
                "retarget": {"strategy": s["type"], "select": {"rule": "random", "n_schools": 3}}
            },
        }
        for s in strategies
    ]
    common = {"strategies": strategies, "shocks": [], "team.capacity_per_month": 500}
    plain = run(0, **common)
    moved = run(0, **common, adaptation=rules)
    assert len(moved.log.of_kind("decision")) == 2
    for attr in ("compatibility", "complexity", "trialability", "observability"):
        assert getattr(moved.dist, attr) == pytest.approx(getattr(plain.dist, attr)), attr

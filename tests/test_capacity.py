"""Capacity accounting: never spend more than the fuel, log every shortfall, fund by priority.

Models are stepped week by week over several scenarios and seeds so the accounting can be
checked at every week and month, not only at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pytest

from scalesim.scenario import apply_overrides, load_scenario, scenario_from_dict
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import collect

SMALL: dict[str, Any] = {
    "name": "capacity",
    "horizon_months": 9,
    "district": {
        "generated": {"n_schools": 24, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "trip_ticket": {"pit_stops": [3, 6], "destination": {"by_month": 9}},
}
STARVED = {
    **SMALL,
    "team": {"capacity_per_month": 40},
    "strategies": [
        {"type": "coaching", "params": {"coaches": 2}},  # priority 10, 30/month
        {"type": "proof_point", "name": "top", "priority": 1},  # 12/month, funded first
        {"type": "local_champions", "start_month": 1},  # priority 15
        {"type": "network_of_users", "end_month": 6},  # priority 25
        {"type": "policy_network"},  # priority 45
        {"type": "educate_policymakers", "priority": 45},  # same priority: file order
    ],
}
SHOCKED = {
    **STARVED,
    "team": {"capacity_per_month": 80},
    "shocks": [
        {"type": "budget_cut", "at_month": 2, "params": {"cut": 0.5}, "duration_months": 3},
        {"type": "pandemic", "at_month": 4, "duration_months": 2},
    ],
    "adaptation": [
        {
            "when": "capacity_left < 0.05",
            "then": {"rescale": {"strategy": "coaching", "factor": 0.5}},
        },
        {"when": "month >= 6", "then": {"add": {"type": "pilot", "priority": 2}}},
    ],
}


@dataclass
class Trace:
    """A stepped model and each strategy's weekly grant and shortfall."""

    model: ScalingModel
    granted: list[dict[str, float]] = field(default_factory=list)
    short: list[dict[str, float]] = field(default_factory=list)
    order: list[list[str]] = field(default_factory=list)  # funding order of active strategies
    month_of_week: list[int] = field(default_factory=list)


def full_set(repo_scenarios: str) -> dict[str, Any]:
    """The realistic full strategy set, on a smaller district and horizon."""
    sc = load_scenario(
        repo_scenarios,
        overrides={
            "district.generated.n_schools": 24,
            "horizon_months": 13,
            "trip_ticket.pit_stops": [3, 6, 9, 12],
            "team.capacity_per_month": 90,
        },
    )
    return sc.to_dict()


@cache
def trace(which: str, seed: int) -> Trace:
    """Step a scenario to its end, recording every strategy's weekly spending and shortfall."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    data = {
        "starved": STARVED,
        "shocked": SHOCKED,
        "full": full_set(str(repo / "scenarios" / "dlplusd_full.yaml")),
    }[which]
    m = ScalingModel(scenario_from_dict(apply_overrides(data, {}), source="<test>"), seed=seed)
    t = Trace(m)
    while m.week < m.n_weeks:
        every = m.strategy_set.all_strategies()
        spent = {s.label: s.spent for s in every}
        short = {s.label: s.shortfall for s in every}
        m.step()
        # Check the team's books at every week.
        team = m.team
        assert team.week_spent <= team.week_allowance + 1e-9
        assert team.month_spent <= team.month_capacity + 1e-9, f"month {team.month} overspent"
        assert team.spent_total <= team.capacity_total + 1e-9
        every = m.strategy_set.all_strategies()
        t.granted.append({s.label: s.spent - spent.get(s.label, 0.0) for s in every})
        t.short.append({s.label: s.shortfall - short.get(s.label, 0.0) for s in every})
        active = sorted(
            (s for s in m.strategy_set.items if s.active), key=lambda s: (s.priority, s.order)
        )
        t.order.append([s.label for s in active])
        t.month_of_week.append(team.month)
    return t


CASES = [(w, s) for w in ("starved", "shocked", "full") for s in (0, 1, 2)]


@pytest.mark.parametrize(("which", "seed"), CASES)
def test_spending_never_exceeds_capacity(which: str, seed: int) -> None:
    """Week by week and in total, the team spends no more than its capacity."""
    m = trace(which, seed).model
    res = collect(m)
    cost = res.summary["cost"]
    assert cost["capacity_spent"] <= cost["capacity_total"] + 1e-9
    assert sum(cost["by_strategy"].values()) == pytest.approx(cost["capacity_spent"])
    # capacity_spent (the metric) never decreases and ends at the summary's figure.
    spent = res.timeseries["capacity_spent"].to_numpy()
    assert (np.diff(spent) >= -1e-12).all() and spent[-1] == pytest.approx(cost["capacity_spent"])


@pytest.mark.parametrize(("which", "seed"), CASES)
def test_every_shortfall_is_logged(which: str, seed: int) -> None:
    """capacity_shortfall events add up to the strategies table's shortfall, month by month."""
    t = trace(which, seed)
    res = collect(t.model)
    table = res.extra["strategies"].set_index("strategy")
    events = [e for e in res.log if e["kind"] == "capacity_shortfall"]
    shortfalls = res.extra["shortfalls"]
    assert table["shortfall"].sum() > 0, "these scenarios are meant to run short"
    logged = {}
    for e in events:
        logged[e["strategy"]] = logged.get(e["strategy"], 0.0) + e["shortfall"]
    for label, row in table.iterrows():
        assert logged.get(label, 0.0) == pytest.approx(row["shortfall"], abs=1e-4 * 40)
        assert shortfalls.loc[shortfalls["strategy"] == label, "shortfall"].sum() == pytest.approx(
            row["shortfall"], rel=1e-12, abs=1e-12
        )
    # One event per (month, strategy) short that month, carrying the table's figure.
    keys = {(e["month_index"], e["strategy"]): e["shortfall"] for e in events}
    assert len(keys) == len(events) == len(shortfalls)
    for r in shortfalls.itertuples():
        assert keys[(r.month_index, r.strategy)] == round(r.shortfall, 4)
    # Every week a strategy was short is inside a month that has its event.
    for week, short in enumerate(t.short):
        for label, amount in short.items():
            if amount > 1e-12:
                assert (t.month_of_week[week], label) in keys, (week, label)


@pytest.mark.parametrize(("which", "seed"), CASES)
def test_funding_follows_priority(which: str, seed: int) -> None:
    """A strategy is short only when every strategy after it in funding order gets nothing."""
    t = trace(which, seed)
    shorts = 0
    for week, order in enumerate(t.order):
        granted, short = t.granted[week], t.short[week]
        for i, label in enumerate(order):
            if short.get(label, 0.0) > 1e-12:
                shorts += 1
                later = {k: granted.get(k, 0.0) for k in order[i + 1 :]}
                assert all(v == 0.0 for v in later.values()), (
                    f"week {week + 1}: {label} short while later strategies were funded {later}"
                )
    assert shorts > 0, "the check must see short weeks to mean anything"


def test_priority_one_is_never_short_while_others_are_funded() -> None:
    """The strategy given priority 1 is funded first every week."""
    for seed in (0, 1, 2):
        for which in ("starved", "shocked"):
            t = trace(which, seed)
            for week, granted in enumerate(t.granted):
                if t.short[week].get("top", 0.0) > 1e-12:
                    others = {k: v for k, v in granted.items() if k != "top"}
                    assert all(v == 0.0 for v in others.values()), (which, seed, week)
            assert t.order[5][0] == "top"
    # In the starved scenario, the last in line (educate_policymakers, same priority as
    # policy_network but later in the file) is short more often than the first.
    t = trace("starved", 0)
    n_short = {k: sum(1 for w in t.short if w.get(k, 0.0) > 1e-12) for k in t.order[10]}
    assert n_short["top"] == 0
    assert n_short["educate_policymakers"] >= n_short["policy_network"] >= n_short["coaching"]

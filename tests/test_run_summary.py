"""The run summary keeps its promises: the trip-ticket verdict and the retention figures.

The verdict is checked against hand-built trajectories whose answer is known; retention is
recomputed from a real run's time series and travel log.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import scalesim
from scalesim.common.units import WEEKS_PER_MONTH, month_to_week
from scalesim.scenario import Scenario
from scalesim.simulation.runner import LEADERSHIP_RETENTION_WEEKS, trip_ticket_verdict


def trajectory(weeks: int, dest: Callable[[int], float], equity: Callable[[int], float]):
    """A time series with the two destination columns the verdict reads."""
    w = np.arange(weeks + 1)
    return pd.DataFrame(
        {
            "week": w,
            "month": w / WEEKS_PER_MONTH,
            "destination_share": [dest(k) for k in w],
            "destination_equity_share": [equity(k) for k in w],
        }
    )


@pytest.fixture
def ticket(make_scenario: Callable[..., Scenario]) -> Scenario:
    """80% at depth, 80% in high-need schools, by month 24, in a 36-month run."""
    return make_scenario(
        {
            "horizon_months": 36,
            "trip_ticket.destination": {
                "target": 0.8,
                "equity_target": 0.8,
                "min_depth": 0.5,
                "by_month": 24,
            },
        }
    )


def test_reached_before_the_deadline(ticket: Scenario) -> None:
    """Both shares cross 0.8 at week 80: reached then, nothing short at the deadline."""
    ts = trajectory(156, lambda k: 0.2 + 0.6 * min(k / 80, 1.0), lambda k: 0.85 * min(k / 80, 1))
    v = trip_ticket_verdict(ticket, ts)
    first = ts[(ts["destination_share"] >= 0.8) & (ts["destination_equity_share"] >= 0.8)]
    assert v["reached"] is True
    assert v["reached_month"] == pytest.approx(first["month"].iloc[0])
    assert v["reached_month"] == pytest.approx(80 / WEEKS_PER_MONTH)
    assert v["achieved_at_deadline"] == pytest.approx(0.8)
    assert v["shortfall"] == 0.0 and v["equity_shortfall"] == 0.0
    assert v["equity_clause_holds"] is True and v["deadline_in_run"] is True


def test_spread_without_the_equity_clause_is_not_reached(ticket: Scenario) -> None:
    """90% overall but 60% in high-need schools: not reached; the equity shortfall is 0.2."""
    ts = trajectory(156, lambda k: 0.9, lambda k: 0.6)
    v = trip_ticket_verdict(ticket, ts)
    assert v["reached"] is False and v["reached_month"] is None
    assert v["equity_clause_holds"] is False
    assert v["shortfall"] == 0.0
    assert v["equity_shortfall"] == pytest.approx(0.2)


def test_reaching_after_the_deadline_does_not_count(ticket: Scenario) -> None:
    """The shares reach 0.8 only at month 30: not reached; the shortfall is read at month 24."""
    late = month_to_week(30)
    ts = trajectory(156, lambda k: 0.8 * min(k / late, 1.0), lambda k: 0.8 * min(k / late, 1.0))
    v = trip_ticket_verdict(ticket, ts)
    deadline = ts[ts["week"] == month_to_week(24)].iloc[0]
    assert v["reached"] is False
    assert v["achieved_at_deadline"] == pytest.approx(deadline["destination_share"])
    assert v["shortfall"] == pytest.approx(0.8 - deadline["destination_share"])
    assert v["equity_shortfall"] == pytest.approx(0.8 - deadline["destination_equity_share"])


def test_a_run_shorter_than_the_deadline_is_judged_at_its_end(ticket: Scenario) -> None:
    """A 12-month run against a month-24 deadline: judged at its last week, flagged as such."""
    ts = trajectory(52, lambda k: 0.5, lambda k: 0.4)
    v = trip_ticket_verdict(ticket, ts)
    assert v["deadline_in_run"] is False
    assert v["achieved_at_deadline"] == 0.5 and v["shortfall"] == pytest.approx(0.3)


def test_retention_after_support_ends(make_scenario: Callable[..., Scenario]) -> None:
    """Share enacting at the end over the share the week support ended."""
    sc = make_scenario({"team.support_ends_month": 6, "strategies": [{"type": "coaching"}]})
    res = scalesim.run(sc, seed=4)
    ts = res.timeseries
    w = month_to_week(6)
    expected = ts["share_enacting"].iloc[-1] / ts["share_enacting"].iloc[w]
    assert res.summary["retention_after_support_end"] == pytest.approx(expected, rel=1e-12)
    assert scalesim.run(make_scenario(), seed=4).summary["retention_after_support_end"] is None


def test_retention_after_leadership_change(make_scenario: Callable[..., Scenario]) -> None:
    """Mean over superintendent changes of share(week + 26) / share(week), complete ones only."""
    sc = make_scenario(
        {
            "horizon_months": 24,
            "trip_ticket.destination.by_month": 24,
            "shocks": [
                {"type": "superintendent_turnover", "at_month": 3},
                {"type": "superintendent_turnover", "at_month": 9},
                {"type": "superintendent_turnover", "at_month": 22},  # too late to measure
            ],
            "turnover.superintendent": 0.0,
        }
    )
    res = scalesim.run(sc, seed=2)
    ts = res.timeseries
    weeks = [e["week"] for e in res.log if e["kind"] == "superintendent_change"]
    assert len(weeks) == 3
    share = ts["share_enacting"].to_numpy()
    ratios = [
        share[w + LEADERSHIP_RETENTION_WEEKS] / share[w]
        for w in weeks
        if w + LEADERSHIP_RETENTION_WEEKS < len(share)
    ]
    assert len(ratios) == 2
    assert res.summary["retention_after_leadership_change"] == pytest.approx(np.mean(ratios))
    assert res.summary["superintendent_changes"] == 3

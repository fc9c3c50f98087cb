"""Every registered shock has its documented effect, and each can call an unplanned pit stop.

Shocks are compared with the same small district without them, paired on the same seeds
(common random numbers: the shock's own draws come from its own stream). A newly registered
shock without an entry in ``CHECKS`` fails ``test_every_shock_has_a_check``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

from paired import assert_paired
from scalesim.journey.shocks import SHOCKS
from scalesim.scenario import apply_overrides, month_to_week, scenario_from_dict
from scalesim.scenario.params import PolicyShiftParams
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import collect

SEEDS = range(12)
BASE: dict[str, Any] = {
    "name": "shocks",
    "horizon_months": 10,  # no year boundary: annual turnover stays out of the comparisons
    "district": {
        "generated": {"n_schools": 24, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 10}},
    "turnover": {"superintendent": 0.0},
}


@cache
def _run(strategies: str, shocks: str, overrides: str, seed: int) -> ScalingModel:
    data = apply_overrides(BASE, json.loads(overrides))
    data["strategies"] = json.loads(strategies)
    data["shocks"] = json.loads(shocks)
    return ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed).run()


def run(
    seed: int,
    shocks: list[dict[str, Any]] | None = None,
    strategies: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> ScalingModel:
    """A finished model (cached, so arms without the shock are shared)."""
    return _run(
        json.dumps(strategies or [], sort_keys=True),
        json.dumps(shocks or [], sort_keys=True),
        json.dumps(overrides, sort_keys=True),
        seed,
    )


def series(m: ScalingModel, metric: str) -> np.ndarray:
    """A metric's weekly values (index = week)."""
    return np.asarray(m.datacollector.model_vars[metric], dtype=float)


def assert_down(diffs: list[float], what: str) -> None:
    """The shared pass rule (tests/paired.py), direction: down (with − without)."""
    assert_paired(diffs, "lower", what)


# ----------------------------------------------------------------------------- checks


def check_superintendent_turnover() -> None:
    """Leadership support falls, and less where policy and district ownership embed the work.

    Educating policymakers first raises support well above what a new superintendent brings
    on average, so a change is a loss; the same change (same draws) with high policy
    alignment and district ownership loses less.
    """
    strat = [{"type": "educate_policymakers", "params": {"support_rate": 3.0}}]
    shock = [{"type": "superintendent_turnover", "at_month": 6}]
    wk = month_to_week(6)
    loose = {"conditions.policy_alignment": 0.1, "conditions.district_ownership": 0.1}
    tight = {"conditions.policy_alignment": 0.9, "conditions.district_ownership": 0.9}
    drops, drops_protected = [], []
    for s in SEEDS:
        with_ = series(run(s, shock, strat, **loose), "leadership_support")[wk]
        without = series(run(s, None, strat, **loose), "leadership_support")[wk]
        drops.append(with_ - without)
        with_p = series(run(s, shock, strat, **tight), "leadership_support")[wk]
        without_p = series(run(s, None, strat, **tight), "leadership_support")[wk]
        drops_protected.append(with_p - without_p)
    assert_down(drops, "superintendent_turnover: leadership support")
    assert all(abs(p) < abs(d) for p, d in zip(drops_protected, drops, strict=True)), (
        f"institutionalization should protect: {np.round(drops_protected, 3)} vs "
        f"{np.round(drops, 3)}"
    )
    m = run(0, shock, strat, **loose)
    (ev,) = m.log.of_kind("superintendent_change")
    assert ev["week"] == wk and ev["cause"] == "superintendent_turnover"


def check_principal_turnover() -> None:
    """Principal support changes in exactly the picked schools (one school, or a wave)."""
    quiet = {"turnover.principal": 0.0}
    for params, k in (
        ({"n_schools": 1}, 1),
        ({"share_schools": 0.25}, 6),
        ({"schools": ["school-0002", "school-0005"]}, 2),
    ):
        for s in SEEDS[:4]:
            shock = [{"type": "principal_turnover", "at_month": 3, "params": params}]
            a, b = run(s, shock, **quiet), run(s, None, **quiet)
            changed = np.flatnonzero(a.schools.principal_support != b.schools.principal_support)
            assert changed.size == k, f"{params}: {changed.size} schools changed, expected {k}"
            if "schools" in params:
                assert set(a.schools.name[changed]) == set(params["schools"])
            ev = [
                e for e in a.log.of_kind("principal_change") if e["cause"] == "principal_turnover"
            ]
            assert len(ev) == 1 and ev[0]["n_schools"] == k


def check_pandemic() -> None:
    """Enactment and capacity fall during the window; the factors are restored after it."""
    shock = [{"type": "pandemic", "at_month": 2, "duration_months": 4}]
    strat = [{"type": "coaching"}]
    start, stop = month_to_week(2), month_to_week(2) + month_to_week(4)
    diffs, caps = [], []
    for s in SEEDS:
        a, b = run(s, shock, strat), run(s, None, strat)
        window = slice(start, stop)
        diffs.append(
            float(
                (series(a, "share_enacting")[window] - series(b, "share_enacting")[window]).mean()
            )
        )
        caps.append(a.team.capacity_total - b.team.capacity_total)
    assert_down(diffs, "pandemic: share enacting during the window")
    assert all(c < 0 for c in caps), f"pandemic: capacity should fall, {caps}"
    # During the window the factors are down; after it they are back exactly.
    sc = run(0, shock, strat).sc
    m = ScalingModel(sc, seed=0)
    for _ in range(start + 2):
        m.step()
    assert m.dist.enactment_factor < 1 and m.dist.capacity_factor < 1
    assert m.dist.attention_competition > sc.conditions.attention_competition
    while m.week < stop + 1:
        m.step()
    assert m.dist.enactment_factor == pytest.approx(1.0, abs=1e-12)
    assert m.dist.capacity_factor == pytest.approx(1.0, abs=1e-12)
    assert m.dist.attention_competition == pytest.approx(
        sc.conditions.attention_competition, abs=1e-12
    )
    (end,) = m.log.of_kind("shock_end")
    assert end["week"] == stop and end["type"] == "pandemic"


POLICY_SEEDS = range(40)
TINY = {
    "district.generated.n_schools": 4,
    "horizon_months": 6,
    "trip_ticket.destination.by_month": 6,
}


MAGNITUDE = PolicyShiftParams().magnitude  # the shift's default size


def check_policy_shift() -> None:
    """Alignment moves by the shift; favourable shifts are likelier with a policy network."""
    shock = [{"type": "policy_shift", "at_month": 5}]
    net = [{"type": "policy_network", "params": {"strength_rate": 5.0}}]
    wk = month_to_week(5)
    fav, fav_net = [], []
    for s in POLICY_SEEDS:
        a = run(s, shock, None, **TINY)
        (ev,) = a.log.of_kind("shock")
        fav.append(ev["favourable"])
        pa = series(a, "policy_alignment")
        # An unfavourable shift is cushioned by district ownership (read, not copied).
        owned = series(a, "district_ownership")[wk - 1]
        expected = MAGNITUDE if ev["favourable"] else -MAGNITUDE * (1 - owned)
        assert pa[wk] - pa[wk - 1] == pytest.approx(expected, abs=1e-9)
        (ev_net,) = run(s, shock, net, **TINY).log.of_kind("shock")
        fav_net.append(ev_net["favourable"])
        assert ev_net["chance_favourable"] > ev["chance_favourable"]
    # Same draw in both arms: a shift favourable without the network is favourable with it.
    assert all(n for f, n in zip(fav, fav_net, strict=True) if f)
    assert sum(fav_net) >= sum(fav) + 8, f"favourable: {sum(fav_net)} with vs {sum(fav)}"


def check_budget_cut() -> None:
    """Total capacity (and what the team can spend) falls."""
    shock = [{"type": "budget_cut", "at_month": 2, "params": {"cut": 0.5}}]
    strat = [{"type": "local_champions"}, {"type": "coaching"}, {"type": "proof_point"}]
    for s in SEEDS[:4]:
        a, b = collect(run(s, shock, strat)).summary, collect(run(s, None, strat)).summary
        assert a["cost"]["capacity_total"] < b["cost"]["capacity_total"]
        assert a["cost"]["capacity_spent"] < b["cost"]["capacity_spent"]


FAST = {"adoption.p_external": 0.3}  # enough adoption in 10 months to see it fall


def check_competing_initiative() -> None:
    """Fewer new enactments while another initiative competes for attention."""
    shock = [{"type": "competing_initiative", "at_month": 1, "duration_months": 8}]
    assert_down(
        [
            sum(run(s, shock, **FAST).channel_counts.values())
            - sum(run(s, None, **FAST).channel_counts.values())
            for s in SEEDS
        ],
        "competing_initiative: new enactments",
    )


def check_teacher_turnover_wave() -> None:
    """Enactment falls: leavers are replaced by newcomers who are not enacting."""
    shock = [{"type": "teacher_turnover_wave", "at_month": 3, "params": {"share": 0.3}}]
    wk = month_to_week(3)
    assert_down(
        [
            series(run(s, shock), "share_enacting")[wk] - series(run(s), "share_enacting")[wk]
            for s in SEEDS
        ],
        "teacher_turnover_wave: share enacting that week",
    )
    assert_down(
        [run(s, shock).current["share_enacting"] - run(s).current["share_enacting"] for s in SEEDS],
        "teacher_turnover_wave: share enacting at the end",
    )


CHECKS: dict[str, Callable[[], None]] = {
    "superintendent_turnover": check_superintendent_turnover,
    "principal_turnover": check_principal_turnover,
    "pandemic": check_pandemic,
    "policy_shift": check_policy_shift,
    "budget_cut": check_budget_cut,
    "competing_initiative": check_competing_initiative,
    "teacher_turnover_wave": check_teacher_turnover_wave,
}


def test_every_shock_has_a_check() -> None:
    """Registering a shock without a directional check here fails."""
    assert set(CHECKS) == set(SHOCKS)


@pytest.mark.parametrize("name", sorted(SHOCKS))
def test_shock_effect(name: str) -> None:
    """The shock has its documented effect against the run without it."""
    CHECKS[name]()


@pytest.mark.parametrize("name", sorted(SHOCKS))
def test_shock_calls_unplanned_pit_stop(name: str) -> None:
    """With ``pit_stop: true`` the team holds an unplanned pit stop the week after."""
    shock = {"type": name, "name": f"the {name}", "at_month": 2, "pit_stop": True}
    m = run(1, [shock], None, horizon_months=4)
    (fired,) = m.log.of_kind("shock")
    assert fired["week"] == month_to_week(2) and fired["pit_stop"] is True
    stops = collect(m).extra["pit_stops"]
    assert len(stops) == 1
    row = stops.iloc[0]
    assert row["week"] == fired["week"] + 1 and not row["planned"]
    assert row["reason"] == f"shock: the {name}"
    (ev,) = m.log.of_kind("pit_stop")
    assert ev["planned"] is False and ev["observed"]["unplanned"] == 1.0
    quiet = run(1, [{**shock, "pit_stop": False}], None, horizon_months=4)
    assert not quiet.log.of_kind("pit_stop"), "no pit stop unless the shock asks for one"


def test_hazard_shocks_call_a_pit_stop_each_time() -> None:
    """A shock drawn from a hazard calls its unplanned pit stop the week after, every time."""
    fired = 0
    for s in SEEDS:
        m = run(s, [{"type": "superintendent_turnover", "hazard_per_year": 6.0, "pit_stop": True}])
        weeks = [e["week"] for e in m.log.of_kind("shock")]
        fired += len(weeks)
        stops = {e["week"] for e in m.log.of_kind("pit_stop")}
        assert all(w + 1 in stops for w in weeks if w + 1 <= m.n_weeks)
        assert m.dist.superintendent_changes == len(weeks)
    assert fired > len(SEEDS)  # the hazard fired, more than once a run on average


def test_hazard_shocks_fire_at_their_rate() -> None:
    """Over 16 × 20 years of weeks, a hazard shock fires as often as its annual rate says.

    Each week it fires with probability 1 − exp(−rate/52), so the count over N weeks is
    binomial; the count must be within 4 standard deviations of N·p. With about 16,600
    simulated weeks that band is ±9% of the expected count, so a rate 10% off fails.
    """
    rate = 6.0
    long = {
        "horizon_months": 240,
        "trip_ticket.destination.by_month": 240,
        "turnover.enabled": False,
    }
    shock = [{"type": "competing_initiative", "hazard_per_year": rate, "duration_months": 0.25}]
    counts = [
        len(run(s, shock, None, **long, **{"district.generated.n_schools": 2}).log.of_kind("shock"))
        for s in range(16)
    ]
    weeks = 16 * month_to_week(240)
    p = -np.expm1(-rate / 52)
    sd = np.sqrt(weeks * p * (1 - p))
    assert abs(sum(counts) - weeks * p) < 4 * sd, (sum(counts), weeks * p, sd)
    assert 4 * sd < 0.1 * weeks * p  # the band would reject a rate 10% off


def test_shock_draws_do_not_disturb_the_rest() -> None:
    """A shock that never fires (hazard tiny) leaves the run bit-for-bit unchanged (CRN)."""
    a = run(2, [{"type": "budget_cut", "hazard_per_year": 1e-9}])
    b = run(2)
    assert np.array_equal(a.ed.enacting, b.ed.enacting)
    assert np.array_equal(series(a, "mean_depth"), series(b, "mean_depth"))


def test_overlapping_windows_restore_the_district_exactly() -> None:
    """Overlapping windows (hazard draws), even ones that zero a factor, undo exactly."""
    shocks = [
        {
            "type": "pandemic",
            "hazard_per_year": 5.0,
            "duration_months": 1,
            "params": {"enactment_drop": 1.0, "capacity_drop": 1.0, "attention_rise": 0.4},
        },
        {
            "type": "competing_initiative",
            "hazard_per_year": 5.0,
            "duration_months": 2,
            "params": {"attention_rise": 0.5},
        },
        {"type": "budget_cut", "at_month": 1, "duration_months": 2, "params": {"cut": 1.0}},
    ]
    sc = run(0, shocks).sc
    initial = sc.conditions.attention_competition
    overlap_weeks = 0
    for seed in SEEDS[:4]:
        m = ScalingModel(sc, seed=seed)
        open_by: dict[str, int] = {}
        closed_weeks = 0
        while m.week < m.n_weeks:
            m.step()
            for e in m.log.events:
                if e["week"] == m.week and e["kind"] in ("shock", "shock_end"):
                    open_by[e["type"]] = open_by.get(e["type"], 0) + (
                        1 if e["kind"] == "shock" else -1
                    )
            d = m.dist
            if sum(open_by.values()) == 0:
                closed_weeks += 1
                assert (d.enactment_factor, d.capacity_factor) == (1.0, 1.0), m.week
                assert d.attention_competition == pytest.approx(initial, abs=1e-12), m.week
            else:
                overlap_weeks += sum(open_by.values()) > 1
                assert d.enactment_factor == (0.0 if open_by.get("pandemic") else 1.0)
                assert 0.0 <= d.attention_competition <= 1.0
        assert closed_weeks > 0
    assert overlap_weeks > 0, "the check must see windows overlap"

"""Turnover keeps the published rates over many simulated years (DESIGN §8, NCES).

One district runs for 20 years with novices given the veterans' rates, so every slot faces
the same annual chances: leave 7.7%, move 8.1% (NCES Teacher Follow-up Survey 2012-13), of the
movers 59% staying in the district, principals changing in 18% of schools (NCES Principal
Follow-up Survey 2016-17). Turnover is split between the year boundary and in-year batches;
the year's total must keep the annual rate. Bands are 4 binomial standard deviations.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from scalesim.common.units import WEEKS_PER_YEAR
from scalesim.core.actions import Reassignment
from scalesim.core.turnover import DEPTH_KEPT_ON_MOVE
from scalesim.scenario import scenario_from_dict
from scalesim.simulation.model import ScalingModel

YEARS = 20
LEAVE, MOVE, STAY = 0.077, 0.081, 0.59
PRINCIPAL = 0.18


@cache
def long_run() -> tuple[ScalingModel, list[dict]]:
    """The 20-year run, and every reassignment it made (with the state before it)."""
    sc = scenario_from_dict(
        {
            "horizon_months": 12 * YEARS,
            "district": {"generated": {"n_schools": 60, "educators_per_school": {"mean": 30}}},
            "trip_ticket": {"pit_stops": [], "destination": {"by_month": 12}},
            "turnover": {
                "teacher_leave": LEAVE,
                "teacher_move": MOVE,
                "novice_leave": LEAVE,
                "novice_move": MOVE,
                "movers_stay_in_district": STAY,
                "principal": PRINCIPAL,
                "superintendent": 0.0,
            },
        },
        source="<turnover test>",
    )
    m = ScalingModel(sc, seed=7)
    events: list[dict] = []
    apply = m.act.replace_people

    def spy(plan: Reassignment) -> None:
        ed = m.ed
        src = plan.movers_from
        events.append(
            {
                "week": m.week,
                "plan": plan,
                "person": ed.person.copy(),
                "depth": ed.depth[src].copy(),
                "ownership": ed.ownership[src].copy(),
                "aware": ed.aware[src].copy(),
                "enacting": ed.enacting[src].copy(),
            }
        )
        apply(plan)
        dst = plan.movers_to
        events[-1]["after"] = {
            "person": ed.person[dst].copy(),
            "depth": ed.depth[dst].copy(),
            "ownership": ed.ownership[dst].copy(),
            "aware": ed.aware[dst].copy(),
            "enacting": ed.enacting[dst].copy(),
            "new_aware": ed.aware[plan.newcomers_to].copy(),
            "new_enacting": ed.enacting[plan.newcomers_to].copy(),
        }

    m.act.replace_people = spy  # type: ignore[method-assign]
    m.run()
    return m, events


def band(k: int, n: int, p: float) -> tuple[float, float]:
    """4 binomial standard deviations around ``n·p``."""
    sd = np.sqrt(n * p * (1 - p))
    return n * p - 4 * sd, n * p + 4 * sd


def test_year_boundary_and_in_year_batches_keep_the_annual_rate() -> None:
    """Slots vacated in a year, boundary and batches together, match leave + move."""
    m, events = long_run()
    n = m.ed.n
    t = m.sc.turnover
    p = LEAVE + MOVE
    batches = (WEEKS_PER_YEAR - m.sc.calendar.summer_weeks - 1) // 4
    # A slot is vacated at most once per draw; the year's chance of at least one vacancy.
    p_year = 1 - (1 - p * (1 - t.in_year_share)) * (1 - p * t.in_year_share / batches) ** batches
    years = {}
    for ev in events:
        year = (ev["week"] - 1) // WEEKS_PER_YEAR
        years.setdefault(year, np.zeros(n, dtype=bool))[ev["plan"].vacated] = True
    full = [y for y in years if 1 <= y < YEARS]  # the boundary of year 0 is not simulated
    assert len(full) == YEARS - 1
    boundary = sum(ev["plan"].vacated.size for ev in events if (ev["week"] - 1) % 52 == 0)
    in_year = sum(ev["plan"].vacated.size for ev in events) - boundary
    assert in_year > 0 and boundary > 0
    # The in-year share of vacancies is the configured one (10%), within sampling error.
    lo, hi = band(in_year, in_year + boundary, t.in_year_share)
    assert lo < in_year < hi
    vacated = sum(int(years[y].sum()) for y in full)
    lo, hi = band(vacated, n * len(full), p_year)
    assert lo < vacated < hi, (vacated / (n * len(full)), p_year)
    assert hi - lo < 0.1 * n * len(full) * p_year  # tight enough to catch a 5% error


def test_movers_stay_in_the_district_at_the_published_share() -> None:
    """Of the vacated slots, movers who stay fill MOVE · STAY / (LEAVE + MOVE) of them."""
    _, events = long_run()
    vacated = sum(ev["plan"].vacated.size for ev in events)
    stayed = sum(ev["plan"].movers_from.size for ev in events)
    share = MOVE * STAY / (LEAVE + MOVE)
    lo, hi = band(stayed, vacated, share)
    assert lo < stayed < hi, (stayed / vacated, share)


def test_movers_keep_awareness_and_ownership_with_half_their_depth() -> None:
    """A mover's new slot holds the same person, aware and owning as before, depth halved.

    Newcomers arrive unaware and not enacting.
    """
    _, events = long_run()
    moved = 0
    for ev in events:
        plan, after = ev["plan"], ev["after"]
        np.testing.assert_array_equal(after["person"], ev["person"][plan.movers_from])
        np.testing.assert_allclose(after["depth"], ev["depth"] * DEPTH_KEPT_ON_MOVE)
        np.testing.assert_array_equal(after["ownership"], ev["ownership"])
        np.testing.assert_array_equal(after["aware"], ev["aware"])
        np.testing.assert_array_equal(after["enacting"], ev["enacting"])
        assert not after["new_aware"].any() and not after["new_enacting"].any()
        moved += int((ev["depth"] > 0).sum())
    assert moved > 100  # enough movers with some depth for the check to mean something


def test_principals_change_at_the_published_rate() -> None:
    """About 18% of schools change principal each year."""
    m, _ = long_run()
    changed = sum(e["n_schools"] for e in m.log.of_kind("principal_change"))
    school_years = m.schools.n * (YEARS - 1)
    lo, hi = band(changed, school_years, PRINCIPAL)
    assert lo < changed < hi, (changed / school_years, PRINCIPAL)


def test_movers_concentrate_in_high_need_schools() -> None:
    """Vacancies by moving are about twice as likely in high-need schools (NCES)."""
    m, events = long_run()
    high_need_multiplier = m.sc.turnover.high_need_move_multiplier
    high = m.schools.high_need[m.ed.school]
    left = np.zeros(m.ed.n)
    for ev in events:
        np.add.at(left, ev["plan"].vacated, 1)
    rate_high = left[high].mean()
    rate_other = left[~high].mean()
    # leave is flat, move doubles: (LEAVE + 2 MOVE k) / (LEAVE + MOVE k) with k the normaliser
    frac = high.mean()
    k = 1 / (frac * high_need_multiplier + 1 - frac)
    expected = (LEAVE + high_need_multiplier * MOVE * k) / (LEAVE + MOVE * k)
    assert rate_high / rate_other == pytest.approx(expected, rel=0.1)

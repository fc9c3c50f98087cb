"""Every selection rule picks whom docs/strategies.md says, compared with random picks.

Each rule is run through real strategies in a real model (a proof point picks schools, a
pilot picks people), one week into the run, on the same seeds as the ``random`` rule. A new
rule without an entry in ``CHECKS`` fails ``test_every_rule_has_a_check``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy import stats

from paired import assert_paired
from scalesim.journey.selection import RULES, VETERAN_YEARS, select_educators, select_schools
from scalesim.scenario import Select, scenario_from_dict
from scalesim.simulation.model import ScalingModel

SEEDS = range(10)
N_SCHOOLS = 8  # schools a proof point picks
N_PEOPLE = 24  # educators a pilot picks
BASE: dict[str, Any] = {
    "name": "selection",
    "horizon_months": 1,
    "district": {
        "generated": {
            "n_schools": 40,
            "educators_per_school": {"mean": 20, "sd": 5, "min": 6},
            "high_need_share": 0.25,
        }
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 1}},
    # Picks are compared with the educators' factors after the first week: no one may have
    # left their slot in between.
    "turnover": {"enabled": False},
}
EXPLICIT = ["school-0003", "school-0010", "school-0031"]


@cache
def picked(rule: str, seed: int, per_school: int | None = None) -> ScalingModel:
    """A model one week in, with a proof point and a pilot both selected by ``rule``."""
    school_sel: dict[str, Any] = {"rule": rule}
    people_sel: dict[str, Any] = {"rule": rule}
    if rule == "explicit":
        school_sel["schools"] = people_sel["schools"] = EXPLICIT
        people_sel["per_school"] = per_school or 2
    else:
        school_sel["n_schools"] = N_SCHOOLS
        if per_school:
            people_sel["share_schools"] = 0.25
            people_sel["per_school"] = per_school
        else:
            people_sel["n_educators"] = N_PEOPLE
    data = {
        **BASE,
        "strategies": [
            {"type": "proof_point", "select": school_sel},
            {"type": "pilot", "select": people_sel},
        ],
    }
    m = ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed)
    m.step()
    return m


def schools(m: ScalingModel) -> np.ndarray:
    """Schools the proof point picked."""
    return m.strategy_set.get("proof_point").schools


def people(m: ScalingModel) -> np.ndarray:
    """Educator slots the pilot picked."""
    return m.strategy_set.get("pilot").members


def mostly_below(a: list[float], b: list[float], what: str) -> None:
    """``a`` below ``b`` by the shared pass rule (tests/paired.py), paired by seed."""
    assert_paired(np.asarray(a) - np.asarray(b), "lower", f"{what} (vs random)")


# ----------------------------------------------------------------------------- checks


def check_volunteer() -> None:
    """Volunteers come from lower-pressure (lower-need) schools and are more open."""
    press = [float(m.schools.pressure[schools(m)].mean()) for m in map(vol, SEEDS)]
    rand = [float(m.schools.pressure[schools(m)].mean()) for m in map(rnd, SEEDS)]
    mostly_below(press, rand, "volunteer schools' accountability pressure")
    need = [float(m.schools.need_share[schools(m)].mean()) for m in map(vol, SEEDS)]
    need_r = [float(m.schools.need_share[schools(m)].mean()) for m in map(rnd, SEEDS)]
    mostly_below(need, need_r, "volunteer schools' need share (the volunteer trap)")
    op = [-float(m.ed.factors.openness[people(m)].mean()) for m in map(vol, SEEDS)]
    op_r = [-float(m.ed.factors.openness[people(m)].mean()) for m in map(rnd, SEEDS)]
    mostly_below(op, op_r, "volunteer educators' openness (negated)")


def vol(seed: int) -> ScalingModel:
    return picked("volunteer", seed)


def rnd(seed: int) -> ScalingModel:
    return picked("random", seed)


def check_random() -> None:
    """Random picks differ across seeds; their uniformity is tested below on many draws."""
    ms = [rnd(s) for s in SEEDS]
    assert len({tuple(schools(m)) for m in ms}) == len(ms), "picks should differ by seed"
    assert len({tuple(people(m)) for m in ms}) == len(ms)
    for m in ms:
        assert schools(m).size == N_SCHOOLS and people(m).size == N_PEOPLE


DRAWS = 3000


def _pick_counts(
    m: ScalingModel, pick: Callable[[np.random.Generator], np.ndarray], n: int
) -> np.ndarray:
    counts = np.zeros(n)
    for i in range(DRAWS):
        np.add.at(counts, pick(np.random.default_rng(i)), 1)
    return counts


def _uniform_p(counts: np.ndarray) -> float:
    """Chi-square p-value of per-item pick counts against equal chances.

    Picks within one draw are without replacement, which makes counts less variable than
    multinomial ones: the test is conservative for a fair picker.
    """
    return float(stats.chisquare(counts).pvalue)


def test_random_picks_are_uniform() -> None:
    """Over 3,000 draws every school and every educator is picked equally often.

    The same test rejects a picker slightly biased toward need (weights 1 + need share),
    so a biased ``random`` rule cannot pass.
    """
    m = picked("random", 0)
    sel = Select(rule="random", n_schools=N_SCHOOLS)
    counts = _pick_counts(m, lambda rng: select_schools(m, sel, rng), m.schools.n)
    assert _uniform_p(counts) > 1e-3, counts
    people_sel = Select(rule="random", n_educators=N_PEOPLE)
    counts = _pick_counts(m, lambda rng: select_educators(m, people_sel, rng), m.ed.n)
    assert _uniform_p(counts) > 1e-3

    def biased(rng: np.random.Generator) -> np.ndarray:
        keys = np.log1p(m.schools.need_share) + rng.gumbel(size=m.schools.n)
        return np.argsort(-keys)[:N_SCHOOLS]

    assert _uniform_p(_pick_counts(m, biased, m.schools.n)) < 1e-3, "the test must see bias"


def check_representative() -> None:
    """The high-need share of the picks matches the district's (stratified quotas)."""
    exact_random = 0
    for s in SEEDS:
        m = picked("representative", s)
        hn = m.schools.high_need
        assert hn[schools(m)].sum() == round(N_SCHOOLS * hn.mean()), "school quota"
        slot_hn = hn[m.ed.school]
        assert slot_hn[people(m)].sum() == round(N_PEOPLE * slot_hn.mean()), "educator quota"
        r = rnd(s)
        exact_random += int(r.schools.high_need[schools(r)].sum() == round(N_SCHOOLS * hn.mean()))
    assert exact_random < len(SEEDS), "random picks should miss the quota on some seeds"


def check_highest_need() -> None:
    """The schools with the highest need share, and educators from them."""
    for s in SEEDS:
        m = picked("highest_need", s)
        top = np.sort(np.argsort(-m.schools.need_share)[:N_SCHOOLS])
        assert np.array_equal(schools(m), top)
        need = m.schools.need_share[m.ed.school[people(m)]]
        assert need.min() >= np.sort(m.schools.need_share)[-N_SCHOOLS], (
            "educators picked by highest_need should sit in the neediest schools"
        )
    mostly_below(
        [-rnd(s).schools.need_share[schools(picked("highest_need", s))].mean() for s in SEEDS],
        [-rnd(s).schools.need_share[schools(rnd(s))].mean() for s in SEEDS],
        "highest_need schools' need (negated)",
    )


def check_most_central() -> None:
    """Educators with more ties than random picks (the highest degrees)."""
    for s in SEEDS:
        m, r = picked("most_central", s), rnd(s)
        deg = m.network.degree
        assert deg[people(m)].min() >= np.sort(deg)[-N_PEOPLE], "not the most central"
        assert deg[people(m)].mean() > r.network.degree[people(r)].mean()


def check_most_credible() -> None:
    """Educators with higher credibility than random picks (the most credible)."""
    for s in SEEDS:
        m, r = picked("most_credible", s), rnd(s)
        cred = m.ed.factors.credibility
        assert cred[people(m)].min() >= np.sort(cred)[-N_PEOPLE] - 1e-9
        assert cred[people(m)].mean() > r.ed.factors.credibility[people(r)].mean()


def check_balanced() -> None:
    """Half influential veterans (experience >= 10), half the most open (early adopters)."""
    half = (N_PEOPLE + 1) // 2
    for s in SEEDS:
        m, r = picked("balanced", s), rnd(s)
        f, chosen = m.ed.factors, people(m)
        veteran = f.experience >= VETERAN_YEARS
        influence = np.where(veteran, f.credibility * np.minimum(f.experience, 30) / 30, -1)
        # The veteran half: the most influential veterans of the pool (ties broken at random).
        vets = chosen[np.argsort(-influence[chosen])[:half]]
        assert veteran[vets].all()
        assert np.allclose(np.sort(influence[vets]), np.sort(influence)[-half:], atol=1e-5)
        # The other half: the most open of everyone else.
        rest = np.setdiff1d(np.arange(m.ed.n), vets)
        early = np.setdiff1d(chosen, vets)
        assert np.allclose(
            np.sort(f.openness[early]), np.sort(f.openness[rest])[-(N_PEOPLE - half) :], atol=1e-5
        )
        assert veteran[chosen].sum() >= half
        assert f.openness[chosen].mean() > r.ed.factors.openness[people(r)].mean()
    # Per school: each chosen school contributes one veteran (if it has one) and one other.
    for s in SEEDS[:3]:
        m = picked("balanced", s, per_school=2)
        f, chosen = m.ed.factors, people(m)
        for sch in np.unique(m.ed.school[chosen]):
            mine = chosen[m.ed.school[chosen] == sch]
            assert mine.size == 2
            in_school = np.flatnonzero(m.ed.school == sch)
            if (f.experience[in_school] >= VETERAN_YEARS).any():
                assert (f.experience[mine] >= VETERAN_YEARS).any()


def check_explicit() -> None:
    """Exactly the named schools (and ``per_school`` educators in each)."""
    for s in SEEDS[:3]:
        m = picked("explicit", s)
        names = set(m.schools.name[schools(m)].astype(str))
        assert names == set(EXPLICIT)
        where = m.ed.school[people(m)]
        assert set(m.schools.name[where].astype(str)) == set(EXPLICIT)
        assert np.bincount(where).max() == 2 and people(m).size == 2 * len(EXPLICIT)


CHECKS: dict[str, Callable[[], None]] = {
    "volunteer": check_volunteer,
    "random": check_random,
    "representative": check_representative,
    "highest_need": check_highest_need,
    "most_central": check_most_central,
    "most_credible": check_most_credible,
    "balanced": check_balanced,
    "explicit": check_explicit,
}


def test_every_rule_has_a_check() -> None:
    """Adding a selection rule without a check here fails (and the schema knows them all)."""
    assert set(CHECKS) == set(RULES)
    schema_rules = set(Select.model_fields["rule"].annotation.__args__)
    assert schema_rules == set(RULES), "scenario schema and selection.RULES disagree"


@pytest.mark.parametrize("rule", RULES)
def test_rule_direction(rule: str) -> None:
    """The rule picks what it promises, unlike random picks on the same seeds."""
    CHECKS[rule]()


def test_selection_is_reproducible() -> None:
    """Same seed, same picks; the picks are logged when the strategy starts."""
    m1, m2 = picked("volunteer", 3), picked.__wrapped__("volunteer", 3)
    assert np.array_equal(schools(m1), schools(m2))
    assert np.array_equal(people(m1), people(m2))
    starts = {e["strategy"]: e for e in m1.log.of_kind("strategy_start")}
    assert starts["proof_point"]["schools"] == N_SCHOOLS
    assert starts["pilot"]["educators"] == N_PEOPLE
    assert starts["pilot"]["select"]["rule"] == "volunteer"


def check_pilot_members() -> None:
    """The members of the gate's pilot still enacting at a champion's depth, nobody else."""
    from scalesim.journey.strategies.support import CHAMPION_READY_DEPTH

    for s in SEEDS[:3]:
        data = {
            **BASE,
            "horizon_months": 5,
            "trip_ticket": {"pit_stops": [], "destination": {"by_month": 5}},
            "strategies": [
                {"type": "pilot", "end_month": 4, "params": {"spread_at": 0.0}},
                {
                    "type": "local_champions",
                    "select": {"rule": "pilot_members"},
                    "gate": {"pilot": "pilot"},
                },
            ],
        }
        m = ScalingModel(scenario_from_dict(data, source="<test>"), seed=s)
        pilot = m.strategy_set.get("pilot")
        while not m.log.of_kind("gate_open"):
            m.step()
            if not m.log.of_kind("gate_open"):
                mem = pilot.members
                ready = mem[m.ed.enacting[mem] & (m.ed.depth[mem] >= CHAMPION_READY_DEPTH)]
        champs = m.strategy_set.get("local_champions").members
        assert champs.size > 0 and np.array_equal(champs, np.sort(ready))


CHECKS["pilot_members"] = check_pilot_members

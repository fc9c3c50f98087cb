"""Degenerate checks against the diffusion literature's closed forms.

Setting: a complete graph, the Bass rule with ``adoption.modulate: false`` (no educator,
school, innovation or district factors) and ``credibility_weighted: false``, no turnover, no
abandonment, no summers, no strategies, everyone aware at month 0 and nobody enacting. Then
each non-enacting educator adopts in a week with probability ``1 - exp(-(p + q F)/52)``,
where ``F`` is the share of the *other* educators who enact (the complete network excludes
self, so ``F = K / (N - 1)``; with N = 5,000 the difference from ``K / N`` is negligible).

The expected mean path is the Bass closed form (t in years, a week is 1/52 year)::

    F(t) = (1 - exp(-(p + q) t)) / (1 + (q / p) exp(-(p + q) t))

For the literature's p = 0.03, q = 0.38 (Sultan, Farley & Lehmann 1990; DESIGN §8) over five
years, the weekly discretisation misses the closed form by less than 0.001, so the test
compares the mean of 100 runs with the **closed form** (and, as a cross-check, with the
matching discrete recursion ``F[k+1] = F[k] + (1 - F[k]) (1 - exp(-(p + q F[k]) / 52))``).
With q = 0 (peer influence off) the path is the pure external curve ``1 - exp(-p t)``, which
the weekly hazard reproduces exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scalesim.core.rules import adoption_rates
from scalesim.core.week import Week
from scalesim.scenario import Scenario, scenario_from_dict
from scalesim.simulation.model import ScalingModel

N_SCHOOLS, PER_SCHOOL = 100, 50  # exactly 5,000 educators


def degenerate(p: float, q: float, months: float) -> Scenario:
    """The textbook setting (see the module docstring)."""
    data: dict[str, Any] = {
        "name": "bass-degenerate",
        "horizon_months": months,
        "district": {
            "generated": {
                "n_schools": N_SCHOOLS,
                "educators_per_school": {"mean": PER_SCHOOL, "sd": 0, "min": 1},
            }
        },
        "network": {"kind": "complete"},
        "adoption": {
            "rule": "bass",
            "p_external": p,
            "q_peer": q,
            "modulate": False,
            "credibility_weighted": False,
        },
        "turnover": {"enabled": False},
        "abandonment": {"enabled": False},
        "calendar": {"summer_weeks": 0},
        "start": {"enacting_share": 0.0, "aware_share": 1.0},
        "trip_ticket": {"pit_stops": [], "destination": {"by_month": months}},
    }
    return scenario_from_dict(data, source="<bass test>")


def mean_path(sc: Scenario, runs: int) -> np.ndarray:
    """Mean weekly share enacting over ``runs`` seeds (week 0 first)."""
    paths = []
    for seed in range(runs):
        m = ScalingModel(sc, seed=seed)
        assert m.ed.n == N_SCHOOLS * PER_SCHOOL
        m.run()
        paths.append(m.datacollector.get_model_vars_dataframe()["share_enacting"].to_numpy())
    return np.mean(paths, axis=0)


def bass_closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_discrete(p: float, q: float, weeks: int) -> np.ndarray:
    f = np.zeros(weeks + 1)
    for k in range(weeks):
        f[k + 1] = f[k] + (1.0 - f[k]) * -np.expm1(-(p + q * f[k]) / 52.0)
    return f


def test_degenerate_setting_is_textbook() -> None:
    """The degenerate scenario really removes every modulating factor (guards the test below)."""
    sc = degenerate(0.03, 0.38, 1)
    m = ScalingModel(sc, seed=0)
    assert m.network.kind == "complete"
    assert bool(m.ed.aware.all()) and not bool(m.ed.enacting.any())
    idx = np.arange(m.ed.n)
    n = m.ed.n
    week = Week(1, 0.0, True, m.effects, np.ones(n), np.ones(n), np.ones(n), share=np.full(n, 0.25))
    rate, _ = adoption_rates(idx, week, m.dist, sc.adoption, m.propensity, m.pressure_slot)
    np.testing.assert_allclose(
        rate, 0.03 + 0.38 * 0.25, rtol=1e-12, err_msg="hazard must be exactly p + q * share"
    )


def test_bass_mean_of_100_runs_matches_closed_form() -> None:
    """Mean of 100 runs x 5,000 educators stays within 0.01 of the Bass closed form F(t)."""
    p, q, months = 0.03, 0.38, 60
    sc = degenerate(p, q, months)
    weeks = sc.n_weeks
    t = np.arange(weeks + 1) / 52.0
    closed = bass_closed_form(p, q, t)
    assert closed[-1] > 0.3, "the curve must move substantially over the horizon"
    mean = mean_path(sc, runs=100)
    gap = np.abs(mean - closed)
    assert gap.max() <= 0.01, (
        f"mean path leaves the Bass closed form by {gap.max():.4f} at week {gap.argmax()}"
    )
    discrete = bass_discrete(p, q, weeks)
    assert np.abs(mean - discrete).max() <= 0.01
    # The discretisation itself is far inside the tolerance at these rates.
    assert np.abs(discrete - closed).max() < 0.002


def test_no_peer_influence_gives_pure_external_curve() -> None:
    """With q = 0, adoption follows 1 - exp(-p t) (the weekly hazard is exact for q = 0)."""
    p = 0.4
    sc = degenerate(p, 0.0, 36)
    t = np.arange(sc.n_weeks + 1) / 52.0
    expected = -np.expm1(-p * t)
    mean = mean_path(sc, runs=30)
    gap = np.abs(mean - expected)
    assert expected[-1] > 0.6
    assert gap.max() <= 0.01, f"max gap {gap.max():.4f} at week {gap.argmax()}"


def test_peer_influence_bends_the_curve() -> None:
    """Sanity: with q > 0 the same p gives a path above the pure external curve."""
    months = 36
    with_q = mean_path(degenerate(0.03, 1.0, months), runs=5)
    without = mean_path(degenerate(0.03, 0.0, months), runs=5)
    assert with_q[-1] - without[-1] > 0.2

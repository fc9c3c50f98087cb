"""School-level heterogeneity: never adopters and a school random effect on adoption rates.

Off by default (no draw from the ``heterogeneity`` stream, golden outputs unchanged); on, never
adopters never start whatever the pressure, and schools' final shares spread out as the Beta
concentration falls or the rate effect's sd grows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scalesim.simulation.model import ScalingModel

FAST = {
    "horizon_months": 12,
    "start.enacting_share": 0.0,
    "start.aware_share": 1.0,
    "adoption.modulate": False,
    "adoption.p_external": 6.0,
    "adoption.q_peer": 0.0,
    "abandonment.enabled": False,
    "turnover.enabled": False,
    "calendar.summer_weeks": 0,
}


def final_school_shares(make: Callable, seed: int, **over: float) -> tuple[ScalingModel, list]:
    m = ScalingModel(make({**FAST, **{f"heterogeneity.{k}": v for k, v in over.items()}}), seed)
    m.run()
    shares = [m.ed.enacting[m.ed.school == k].mean() for k in range(m.schools.n)]
    return m, shares


def test_off_by_default_draws_nothing(make_scenario: Callable) -> None:
    m, _ = final_school_shares(make_scenario, 1)
    assert m.adoption_clock is None
    assert "heterogeneity" not in m.streams.names()


def test_never_adopters_never_start(make_scenario: Callable) -> None:
    """With a strong external pull everyone adoptable adopts; the never adopters do not."""
    m, shares = final_school_shares(make_scenario, 1, never_adopt_share=0.3)
    clock = m.adoption_clock
    assert clock is not None and "heterogeneity" in m.streams.names()
    never = np.isinf(clock.scale)
    assert not m.ed.enacting[never].any()
    assert m.ed.enacting[~never].mean() > 0.99
    assert abs(never.mean() - 0.3) < 0.06
    assert abs(np.mean(shares) - 0.7) < 0.06


def test_school_spread_grows_as_concentration_falls(make_scenario: Callable) -> None:
    """Between-school sd of final shares, averaged over seeds: small concentration spreads."""

    def spread(conc: float) -> float:
        return float(
            np.mean(
                [
                    np.std(
                        final_school_shares(
                            make_scenario,
                            s,
                            never_adopt_share=0.4,
                            never_adopt_concentration=conc,
                        )[1]
                    )
                    for s in range(1, 6)
                ]
            )
        )

    assert spread(2.0) > 2 * spread(1000.0)


def test_rate_effect_spreads_schools_mid_diffusion(make_scenario: Callable) -> None:
    slow = {"adoption.p_external": 0.5, "horizon_months": 6}

    def spread(sd: float) -> float:
        vals = []
        for s in range(1, 6):
            m = ScalingModel(make_scenario({**FAST, **slow, "heterogeneity.rate_school_sd": sd}), s)
            m.run()
            vals.append(np.std([m.ed.enacting[m.ed.school == k].mean() for k in range(12)]))
        return float(np.mean(vals))

    assert spread(1.0) > 2 * spread(0.0)

"""School-level heterogeneity of adoption: never adopters and a shared frailty (issue 12).

Adoption is decided each week by comparing a unit-exponential draw ``e`` with the yearly
hazard times the step (``rules.occurs``: ``e < rate * DT``). Multiplying every adoption hazard
of an educator by a frailty ``k`` is the same event as ``e / k < rate * DT``, so both
mechanisms act on the week's adoption draws and leave the rules untouched:

* a never adopter has ``k = 0`` (the draw becomes infinite: no hazard is ever enough);
* a school's random effect gives its educators ``k = exp(sd·z − sd²/2)`` (mean one).

The fractional-threshold rule's crossings do not use the draws, so under that rule only the
hazard channels (external sources, strategies, the mandate) are scaled (documented limit).
Everything is drawn once, at set-up, from the named stream ``heterogeneity``; newcomers at
turnover draw whether they are never adopters from their school's share, from the same stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalesim.scenario.heterogeneity import Heterogeneity


@dataclass
class AdoptionClock:
    """Per-school never-adopter shares and frailties, and each slot's clock scale."""

    never_share: np.ndarray  # per school
    frailty: np.ndarray  # per school, mean one
    scale: np.ndarray  # per slot: 1 / (frailty × adoptable), inf for never adopters

    def apply(self, e_adopt: np.ndarray) -> np.ndarray:
        """The week's adoption draws, scaled (an infinite draw never adopts)."""
        return e_adopt * self.scale

    def redraw(
        self, slots: np.ndarray, school_of_slot: np.ndarray, rng: np.random.Generator
    ) -> None:
        """New people in ``slots`` (turnover): draw whether they are never adopters."""
        if slots.size == 0:
            return
        s = school_of_slot[slots]
        never = rng.random(slots.size) < self.never_share[s]
        self.scale[slots] = np.where(never, np.inf, 1.0 / self.frailty[s])


def build_clock(
    cfg: Heterogeneity, school_of_slot: np.ndarray, n_schools: int, rng: np.random.Generator
) -> AdoptionClock | None:
    """Draw the schools' heterogeneity (None when the scenario switches it off)."""
    if not cfg.active:
        return None
    m = cfg.never_adopt_share
    c = cfg.never_adopt_concentration
    if m <= 0:
        share = np.zeros(n_schools)
    elif c is None or m >= 1:
        share = np.full(n_schools, m)
    else:
        share = rng.beta(m * c, (1.0 - m) * c, n_schools)
    sd = cfg.rate_school_sd
    frailty = np.exp(sd * rng.standard_normal(n_schools) - 0.5 * sd * sd)
    never = rng.random(school_of_slot.size) < share[school_of_slot]
    scale = np.where(never, np.inf, 1.0 / frailty[school_of_slot])
    return AdoptionClock(share, frailty, scale)

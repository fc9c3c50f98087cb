"""Time units: one model step is one week; scenario files speak in months and years.

A year has 52 weeks and 12 months, so a month is 52/12 weeks. Rates in scenario files are per
year; the weekly loop turns them into weekly chances with :data:`DT`.
"""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12
# One week, in years: a yearly rate r is r * DT per week.
DT = 1.0 / WEEKS_PER_YEAR


def month_to_week(month: float) -> int:
    """Week index (0-based step count) at which a time given in months falls."""
    return round(month * WEEKS_PER_MONTH)


def hazard_to_prob(rate: np.ndarray | float) -> np.ndarray | float:
    """Probability of at least one event in a week at a constant yearly rate."""
    return -np.expm1(-np.asarray(rate) * DT)

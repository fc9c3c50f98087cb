"""The units metrics are reported in, and the one way every face writes their values.

The CLI's tables, the report and the app all format a metric's value with
:func:`format_value`: shares as percentages with one decimal, differences of shares in
percentage points, counts whole, indices with two decimals (tests/test_units_across_faces.py).
"""

from __future__ import annotations

import math
from typing import Any

from scalesim.metrics.definitions import METRICS

MINUS = "\u2212"

# Units shown as percentages (values are shares in [0, 1]).
PERCENT_UNITS = frozenset(
    {
        "share of educators",
        "share of schools",
        "share of students",
        "share of weekly capacity",
        "share",
        "probability",
    }
)


def is_missing(x: Any) -> bool:
    """Whether ``x`` is None or NaN."""
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _decimals(unit: str) -> int:
    if unit == "probability":
        return 0
    if unit in PERCENT_UNITS:
        return 1
    if unit in ("person-days", "count", "educators", "person-days / month"):
        return 0
    if unit in ("month", "schools", "months", "per run", "person-days each"):
        return 1
    return 2


def format_value(x: Any, unit: str, diff: bool = False) -> str:
    """Format ``x`` for reading: percentages with one decimal, indices with two, counts whole.

    Args:
        x: The value (a share in [0, 1] for percentage units).
        unit: The metric's unit (see :data:`scalesim.metrics.METRICS`) or ``probability``,
            ``month``, ``count``, ``bool``, ``index``.
        diff: Format as a signed difference (percentage points for shares).
    """
    if is_missing(x):
        return "–"
    if unit == "bool":
        return "yes" if bool(x) else "no"
    x = float(x)
    d = _decimals(unit)
    pct = unit in PERCENT_UNITS
    v = x * 100 if pct else x
    if unit == "schools" and not diff and float(v).is_integer():
        d = 0
    mag = f"{abs(v):,.{d}f}"
    if float(mag.replace(",", "")) == 0:
        sign = ""
    elif v < 0:
        sign = MINUS
    else:
        sign = "+" if diff else ""
    if unit == "month" and "." in mag:
        # Whole months read better without a trailing ".0" (month 36, month 14.1).
        mag = mag.rstrip("0").rstrip(".")
    text = sign + mag
    if pct:
        text += " pp" if diff else "%"
    return text


def format_metric(name: str, x: Any, diff: bool = False) -> str:
    """``x`` formatted in the unit of the registered metric ``name``."""
    return format_value(x, METRICS[name].unit, diff)

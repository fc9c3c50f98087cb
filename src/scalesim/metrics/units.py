"""The units metrics are reported in, and the one way every face writes their values.

The CLI's tables, the report and the app all format a metric's value with
:func:`format_value`: shares as percentages with one decimal, differences of shares in
percentage points, counts whole, indices with two decimals (tests/test_units_across_faces.py).

The trip ticket's metrics count what the scenario's destination counts
(``trip_ticket.destination.measure``): a share of educators, or of students. Faces name their
unit and label with :func:`metric_unit` and :func:`metric_label`, given that measure.
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


# What a destination measured in students counts, by metric (metrics.definitions: the share
# of students whose educator enacts at the destination's depth; the same among students
# furthest from opportunity).
STUDENT_LABELS = {
    "destination_share": "Students at the destination's depth",
    "destination_equity_share": "Same, students furthest from opportunity",
}


def measured(name: str) -> bool:
    """Whether metric ``name`` counts the destination's measure (a trip-ticket share)."""
    d = METRICS.get(name)
    return d is not None and d.dimension == "trip_ticket" and d.unit == "share of educators"


def destination_unit(measure: str = "educators") -> str:
    """The unit of the trip ticket's shares and targets for a destination's ``measure``."""
    return "share of students" if measure == "students" else "share of educators"


def metric_unit(name: str, measure: str = "educators") -> str:
    """The unit of metric ``name`` when the destination counts ``measure`` (empty if unknown).

    Args:
        name: A registered metric.
        measure: ``trip_ticket.destination.measure``: ``educators`` or ``students``.
    """
    if name not in METRICS:
        return ""
    return destination_unit(measure) if measured(name) else METRICS[name].unit


def metric_label(name: str, measure: str = "educators") -> str:
    """The label of metric ``name`` when the destination counts ``measure``.

    The name itself if ``name`` is not a registered metric.
    """
    if name not in METRICS:
        return name
    if measure == "students" and name in STUDENT_LABELS:
        return STUDENT_LABELS[name]
    return METRICS[name].label


# Labels that lean on the row above them in a table ("Same, in high-need schools"), written
# out for a figure's title or axis, where no row is above.
STANDALONE_LABELS = {
    ("destination_equity_share", "educators"): "At the destination's depth, high-need schools",
    ("destination_equity_share", "students"): (
        "Students furthest from opportunity at the destination's depth"
    ),
}


def metric_title(name: str, measure: str = "educators") -> str:
    """The label of metric ``name`` standing alone (a figure's panel title or axis)."""
    return STANDALONE_LABELS.get((name, measure)) or metric_label(name, measure)


def format_metric(name: str, x: Any, diff: bool = False, measure: str = "educators") -> str:
    """``x`` formatted in the unit of the registered metric ``name``."""
    return format_value(x, metric_unit(name, measure), diff)

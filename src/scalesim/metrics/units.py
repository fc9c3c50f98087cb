"""The units metrics are reported in, as the tables, the report and the figures show them."""

from __future__ import annotations

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

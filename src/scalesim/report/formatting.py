"""Numbers as a reader sees them, each tagged with where it came from.

Every number the report prints goes through :func:`num`. The element carries:

* ``data-src``: the table (``comparison``, ``schools``…) or file (``summary.json``,
  ``travel_log.jsonl``) of the results folder it was read from;
* ``data-where``: JSON filter selecting rows (``{"option": "a", "metric": "share_enacting"}``;
  a value ``{"ge": 0.25, "lt": 0.5}`` selects a range; dotted keys reach into JSON fields);
* ``data-col``: the column (or dotted path) holding the value;
* ``data-agg``: how the selected rows become one number (``value``: exactly one row,
  ``mean``, ``median``, ``sum``, ``count``, ``ratio`` = sum of ``data-col`` over sum of
  ``data-den``, ``per_run`` = sum over the rows divided by the number of ``ok`` runs of the
  option in ``runs``);
* ``data-value``: the exact number (``repr`` of the float), and ``data-unit``.

so that a test (or a sceptical reader with pandas) can check each printed number against
the source tables. Numbers the report derives itself (a concentration index, a rank
correlation) are tagged ``data-derived`` instead, with the formula named in docs/report.md.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from scalesim.metrics.units import MINUS, format_value, is_missing

# The report formats numbers as every face does (scalesim.metrics.units.format_value).
fmt = format_value
__all__ = ["MINUS", "derived", "fmt", "interval", "is_missing", "num", "value_repr"]


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=_plain)


def _plain(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return str(x)


def value_repr(x: Any) -> str:
    """The exact value as written in ``data-value``."""
    if x is None:
        return "nan"
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return "1" if bool(x) else "0"
    return repr(float(x))


def num(
    x: Any,
    unit: str,
    src: str,
    col: str,
    where: dict[str, Any] | None = None,
    agg: str = "value",
    diff: bool = False,
    den: str | None = None,
    text: str | None = None,
) -> Markup:
    """A number, formatted, in a ``<span>`` tagged with its source (see module docstring)."""
    attrs = {
        "class": "num" + (" diff" if diff else ""),
        "data-src": src,
        "data-col": col,
        "data-agg": agg,
        "data-unit": unit,
        "data-value": value_repr(x),
    }
    if where:
        attrs["data-where"] = _json(where)
    if den:
        attrs["data-den"] = den
    if diff:
        attrs["data-diff"] = "1"
    return _span(attrs, text if text is not None else fmt(x, unit, diff))


def derived(x: Any, unit: str, what: str, diff: bool = False) -> Markup:
    """A number the report computed itself (``data-derived`` names the computation)."""
    attrs = {
        "class": "num derived",
        "data-derived": what,
        "data-unit": unit,
        "data-value": value_repr(x),
    }
    return _span(attrs, fmt(x, unit, diff))


def _span(attrs: dict[str, str], text: str) -> Markup:
    inner = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
    return Markup(f"<span {inner}>{escape(text)}</span>")


def interval(lo: Markup, hi: Markup) -> Markup:
    """``[lo, hi]`` in a muted style."""
    return Markup('<span class="ci">[{}, {}]</span>').format(lo, hi)

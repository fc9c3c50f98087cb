"""Outcome conditions over a results table, written in the safe rule language.

``scalesim discover`` and ``scalesim robustness`` take a condition such as
``share_enacting_m36 < 0.6`` or ``equity_clause_missed`` and evaluate it on every row of a
table (the sweep's ``runs``, or the per-future means of robustness). The text is parsed by
:mod:`scalesim.common.rule_lang` (never ``eval``), and its names must be outcome columns of
the table: an unknown name is a :class:`~scalesim.common.errors.ScalesimInputError` that
lists the names that exist.

Besides the stored columns, a few derived yes/no outcomes make the usual questions short
(:data:`DERIVED`): the trip ticket (its destination *with* its equity clause, which is what
``tt_reached`` records) missed, and the equity clause missed.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scalesim.common.errors import ScalesimInputError
from scalesim.common.rule_lang import RuleSyntaxError, parse_rule

# Derived 0/1 outcomes: name -> (stored column, meaning). Each is "not <column>".
DERIVED = {
    "trip_ticket_missed": ("tt_reached", "the destination with its equity clause not reached"),
    "equity_clause_missed": ("tt_equity_clause_holds", "the equity clause missed at the deadline"),
}
# Columns of a runs table that say which run it is, never what came out of it.
IDENTITY_COLUMNS = ("task_id", "point", "option", "replicate", "seed", "trial", "status")


def with_derived(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the :data:`DERIVED` columns added where their source column exists."""
    out = table.copy()
    for name, (col, _) in DERIVED.items():
        if col in out.columns and name not in out.columns:
            out[name] = 1.0 - out[col].astype(float)
    return out


def outcome_columns(table: pd.DataFrame, exclude: Iterable[str] = ()) -> list[str]:
    """The numeric (or yes/no) columns of ``table`` a condition may name."""
    skip = set(IDENTITY_COLUMNS) | set(exclude)
    out = []
    for c in table.columns:
        name = str(c)
        if name in skip or "." in name:
            continue
        kind = table[c].dtype.kind
        if kind in "biuf":
            out.append(name)
    return out


def evaluate(
    text: str,
    table: pd.DataFrame,
    known: Iterable[str],
    source: str = "--outcome",
) -> np.ndarray:
    """Evaluate the condition ``text`` on every row of ``table``.

    Args:
        text: The condition, in the rule language (``and``, ``or``, ``not``, comparisons,
            arithmetic; names are columns).
        table: The rows (it must hold every name the condition uses).
        known: The names the condition may use (the outcome columns).
        source: The option the text came from, for the error message.

    Returns:
        A boolean array, one value per row. A comparison with a missing value (NaN) is
        false, as in the rule language.

    Raises:
        ScalesimInputError: The text is not in the rule language, or names an unknown
            column (the message lists the known ones).
    """
    known = list(known)
    try:
        rule = parse_rule(text, known)
    except RuleSyntaxError as exc:
        raise ScalesimInputError(source, "", f"{text!r}: {exc}") from None
    cols = {n: table[n].astype(float).to_numpy() for n in rule.names}
    n = len(table)
    out = np.zeros(n, dtype=bool)
    for i in range(n):
        out[i] = rule.evaluate({k: v[i] for k, v in cols.items()})
    return out

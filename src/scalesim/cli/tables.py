"""The terminal tables of ``scalesim compare`` and ``scalesim rehearse`` (rich).

One table per option against the baseline (metric, the baseline's mean, the option's mean,
the paired difference with its verdict), then the trip ticket's probabilities. Each table
has four columns whatever the number of options, so it fits an 80-column terminal; values
go through the one formatter (:func:`scalesim.metrics.units.format_value`: shares as %,
differences in pp) in the unit the comparison table gives each row, which follows the
destination's measure (tests/test_units_across_faces.py, tests/test_cli_tables.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from scalesim.metrics.units import PERCENT_UNITS, format_value, is_missing
from scalesim.workbench.markdown import MAIN_METRICS

VERDICT_STYLE = {"better": "green", "worse": "red"}


def interval_text(lo: float, hi: float, unit: str, diff: bool = False) -> str:
    """A 95% interval, its unit written once: ``10.6 to 20.6%``, ``+72.8 to +74.3 pp``."""
    if is_missing(lo) or is_missing(hi):
        return "–"
    a, b = format_value(lo, unit, diff), format_value(hi, unit, diff)
    suffix = " pp" if diff and unit in PERCENT_UNITS else "%" if unit in PERCENT_UNITS else ""
    if suffix:
        a = a.removesuffix(suffix)
    return f"{a} to {b}"


def _metric_cell(row: pd.Series) -> Text:
    cell = Text(str(row["label"]))
    cell.append(f"\n{row['unit']}", style="dim")
    return cell


def _mean_cell(row: pd.Series) -> Text:
    unit = str(row["unit"])
    cell = Text(format_value(row["mean"], unit))
    cell.append(f"\n{interval_text(row['ci_low'], row['ci_high'], unit)}", style="dim")
    return cell


def _diff_cell(row: pd.Series) -> Text:
    unit = str(row["unit"])
    cell = Text(format_value(row["diff"], unit, diff=True))
    cell.append(
        f"\n{interval_text(row['diff_ci_low'], row['diff_ci_high'], unit, diff=True)}",
        style="dim",
    )
    verdict = str(row["verdict"])
    cell.append(f"\n{verdict}", style=VERDICT_STYLE.get(verdict, "dim"))
    return cell


def option_table(comp: pd.DataFrame, option: str, metrics: Sequence[str] = MAIN_METRICS) -> Table:
    """One option against the baseline: means with 95% intervals and the paired difference."""
    base = str(comp["baseline"].iloc[0])
    t = Table(
        title=f"{option} against {base}",
        caption="mean, 95% interval below; Δ paired on the same seeds",
        box=box.SIMPLE_HEAD,
        leading=1,  # a blank line between metrics: each row is three lines high
        header_style="bold",
        title_justify="left",
        caption_justify="left",
        expand=False,
    )
    t.add_column("metric", ratio=1, overflow="fold", min_width=16)
    for head in (base, option, "Δ (paired)"):
        t.add_column(Text(head, overflow="fold"), justify="right", no_wrap=True)
    for m in metrics:
        rows = comp[comp["metric"] == m]
        if rows.empty:
            continue
        b = rows[rows["option"] == base].iloc[0]
        o = rows[rows["option"] == option].iloc[0]
        t.add_row(_metric_cell(o), _mean_cell(b), _mean_cell(o), _diff_cell(o))
    return t


def trip_ticket_table(tt: pd.DataFrame, options: Sequence[str], who: str = "educators") -> Table:
    """Per option: the probability of reaching the destination with its equity clause.

    ``who``: what the destination counts (``educators`` or ``students``).
    """
    t0 = tt.iloc[0]
    t = Table(
        title=(
            f"Trip ticket: {t0['target']:.0%} of {who} at depth ≥ {t0['min_depth']:g} by "
            f"month {t0['by_month']:g}, equity clause {t0['equity_target']:.0%}"
        ),
        caption="95% Wilson intervals over replicates",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        title_justify="left",
        caption_justify="left",
    )
    t.add_column("option", overflow="fold")
    t.add_column("P(destination)", justify="right", no_wrap=True)
    t.add_column("reached", justify="right", no_wrap=True)
    t.add_column("P(equity clause)", justify="right", no_wrap=True)
    for o in options:
        r = tt[tt["option"] == o]
        if r.empty:
            continue
        r = r.iloc[0]
        p = Text(format_value(r["p_reached"], "probability"))
        p.append(f" ({interval_text(r['p_ci_low'], r['p_ci_high'], 'probability')})", style="dim")
        pe = Text(format_value(r["p_equity"], "probability"))
        pe.append(
            f" ({interval_text(r['p_equity_ci_low'], r['p_equity_ci_high'], 'probability')})",
            style="dim",
        )
        t.add_row(o, p, f"{int(r['reached'])} of {int(r['n'])}", pe)
    return t


def comparison_tables(comp: pd.DataFrame, tt: pd.DataFrame | None) -> list[Table]:
    """Every table the command prints: one per option against the baseline, the trip ticket."""
    options = list(dict.fromkeys(comp["option"]))
    base = str(comp["baseline"].iloc[0]) if len(comp) else ""
    out = [option_table(comp, o) for o in options if o != base]
    if tt is not None and len(tt):
        units = set(comp.loc[comp["metric"] == "destination_share", "unit"])
        who = "students" if units == {"share of students"} else "educators"
        out.append(trip_ticket_table(tt, options, who))
    return out


def comparison_group(comp: pd.DataFrame, tt: pd.DataFrame | None, title: str) -> Group:
    """The tables under one bold title, ready for ``Console.print``."""
    return Group(Text(title, style="bold"), *comparison_tables(comp, tt))

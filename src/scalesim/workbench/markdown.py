"""A comparison as a readable Markdown table (``comparison.md`` of compare, rehearse, sweep)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from scalesim.metrics.units import format_value

# The metrics the Markdown table shows, in its row order (every metric is in the tables).
MAIN_METRICS = (
    "share_enacting",
    "share_deep",
    "destination_share",
    "destination_equity_share",
    "mean_depth",
    "mean_ownership",
    "institutionalization",
    "reach_furthest",
    "equity_ratio",
    "high_need_coverage",
    "schools_left_behind",
    "capacity_spent",
)


def _fmt(x: float, unit: str, diff: bool = False) -> str:
    # The one unit convention of every face (shares as %, differences in pp).
    return format_value(x, unit, diff)


def markdown_table(
    comp: pd.DataFrame, tt: pd.DataFrame, title: str, metrics: Sequence[str] = MAIN_METRICS
) -> str:
    """A readable Markdown table: mean [95% CI] per option, paired Δ vs the baseline."""
    options = list(dict.fromkeys(comp["option"]))
    base = comp["baseline"].iloc[0] if len(comp) else ""
    head = (
        ["metric"]
        + [f"{o} (mean [95% CI])" for o in options]
        + [f"{o} − {base} (Δ [95% CI])" for o in options if o != base]
    )
    lines = [
        f"# {title}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    for m in metrics:
        rows = comp[comp["metric"] == m]
        if rows.empty:
            continue
        unit = rows["unit"].iloc[0]
        cells = [f"{rows['label'].iloc[0]} ({unit})"]
        for o in options:
            r = rows[rows["option"] == o].iloc[0]
            cells.append(
                f"{_fmt(r['mean'], unit)} [{_fmt(r['ci_low'], unit)}, {_fmt(r['ci_high'], unit)}]"
            )
        for o in options:
            if o == base:
                continue
            r = rows[rows["option"] == o].iloc[0]
            cells.append(
                f"{_fmt(r['diff'], unit, True)} [{_fmt(r['diff_ci_low'], unit, True)}, "
                f"{_fmt(r['diff_ci_high'], unit, True)}] {r['verdict']}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    if len(tt):
        t0 = tt.iloc[0]
        cells = [
            f"P(destination {t0['target']:.0%} at depth ≥ {t0['min_depth']:g}, equity "
            f"{t0['equity_target']:.0%}, by month {t0['by_month']:g})"
        ]
        for o in options:
            r = tt[tt["option"] == o]
            if r.empty:
                cells.append("–")
                continue
            r = r.iloc[0]
            cells.append(
                f"{_fmt(r['p_reached'], 'probability')} [{_fmt(r['p_ci_low'], 'probability')}, "
                f"{_fmt(r['p_ci_high'], 'probability')}] ({int(r['reached'])}/{int(r['n'])})"
            )
        cells += [""] * (len(head) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Intervals: 95% t-intervals over replicates; Δ is the paired difference on "
        f"the same seeds (common random numbers); P(destination) has a 95% Wilson "
        f"interval. Baseline: {base}.",
        "",
    ]
    return "\n".join(lines)

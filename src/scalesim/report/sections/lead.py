"""The answer at the top of a comparison's page: how far each option gets, and how sure we are.

For a compare, rehearse or sweep: each option's progress toward the destination (the share of
the way from where the district starts to the target, for all educators and for the equity
clause, with 95% intervals), its paired difference against the reference option, and its
probability of reaching the trip ticket, in plain words and one figure (docs/report.md).
"""

from __future__ import annotations

import math

import pandas as pd
from markupsafe import Markup

from scalesim.plotting.outcomes import progress as progress_figure
from scalesim.report.formatting import derived, interval, num
from scalesim.report.sections.base import Ctx, destination, groups

# The two groups of the trip ticket: (group key of base.groups, metric, destination key).
PANELS = (
    ("all", "destination_share", "target"),
    ("equity", "destination_equity_share", "equity_target"),
)


def _start(ctx: Ctx, option: str, metric: str) -> float:
    """The option's mean value at month 0 (every option starts from the same district)."""
    bands = ctx.res.tables.get("bands")
    if bands is None or not len(bands):
        return 0.0
    cur = bands[(bands["option"] == option) & (bands["metric"] == metric)]
    if not len(cur):
        return 0.0
    return float(cur.sort_values("month")["mean"].iloc[0])


def _share_of_way(value: float, start: float, target: float) -> float:
    span = target - start
    return (value - start) / span if span > 0 else (1.0 if value >= target else 0.0)


def progress_rows(ctx: Ctx) -> pd.DataFrame:
    """Per option and panel: the share of the way to the target with its 95% interval."""
    comp = ctx.res.tables["comparison"]
    dest = destination(ctx)
    names = groups(ctx)
    rows = []
    for o in ctx.options:
        for group, metric, key in PANELS:
            panel = names[group]
            r = comp[(comp["option"] == o) & (comp["metric"] == metric)]
            if not len(r):
                continue
            r = r.iloc[0]
            start = _start(ctx, o, metric)
            rows.append(
                {
                    "option": o,
                    "panel": panel,
                    "metric": metric,
                    "start": start,
                    "target": dest[key],
                    "progress": _share_of_way(float(r["mean"]), start, dest[key]),
                    "ci_low": _share_of_way(float(r["ci_low"]), start, dest[key]),
                    "ci_high": _share_of_way(float(r["ci_high"]), start, dest[key]),
                }
            )
    return pd.DataFrame(rows)


def lead(ctx: Ctx) -> Markup:
    """Plain words and one figure: progress, paired difference, probability of arriving."""
    res = ctx.res
    comp = res.tables.get("comparison")
    if comp is None or not len(comp) or res.kind == "run":
        return Markup("")
    rows = progress_rows(ctx)
    if not len(rows):
        return Markup("")
    tt = res.tables.get("trip_ticket")
    base = ctx.options[0]
    dest = destination(ctx)
    names = groups(ctx)
    items = []
    for o in ctx.options:
        parts = [Markup("<b>{}</b>").format(o)]
        if tt is not None and o in set(tt["option"]):
            t = tt[tt["option"] == o].iloc[0]
            w = {"option": o}
            parts.append(
                Markup(
                    "reaches the destination with its equity clause in {} of replicates {}"
                ).format(
                    num(t["p_reached"], "probability", "trip_ticket", "p_reached", w),
                    interval(
                        num(t["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                        num(t["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w),
                    ),
                )
            )
        mine = rows[rows["option"] == o].set_index("metric")
        way = []
        for _, metric, _ in PANELS:
            if metric not in mine.index:
                continue
            p = mine.loc[metric]
            way.append(
                Markup("{} of the way for {} {}").format(
                    derived(p["progress"], "share of educators", "progress"),
                    names["all_short" if metric == "destination_share" else "equity_short"],
                    interval(
                        derived(p["ci_low"], "share of educators", "progress"),
                        derived(p["ci_high"], "share of educators", "progress"),
                    ),
                )
            )
        if way:
            parts.append(Markup("is ") + Markup(" and ").join(way) + Markup(" by the end"))
        if o != base:
            r = comp[(comp["option"] == o) & (comp["metric"] == "destination_share")]
            if len(r):
                r = r.iloc[0]
                w = {"option": o, "metric": "destination_share"}
                parts.append(
                    Markup("{} of {} at the destination's depth against {} {}").format(
                        num(r["diff"], ctx.dest_unit, "comparison", "diff", w, diff=True),
                        names["who"],
                        base,
                        interval(
                            num(
                                r["diff_ci_low"],
                                ctx.dest_unit,
                                "comparison",
                                "diff_ci_low",
                                w,
                                diff=True,
                            ),
                            num(
                                r["diff_ci_high"],
                                ctx.dest_unit,
                                "comparison",
                                "diff_ci_high",
                                w,
                                diff=True,
                            ),
                        ),
                    )
                )
        items.append(Markup("<li>{} {}.</li>").format(parts[0], Markup("; ").join(parts[1:])))
    by = dest.get("by_month", math.nan)
    intro = Markup(
        "<p>The destination: {} of {} at depth {} or more by month {}, {} {}. Intervals are "
        "95%; differences are paired on the same seeds (percentage points).</p>"
    ).format(
        f"{dest['target']:.0%}",
        "students with an educator" if ctx.measure == "students" else "educators",
        f"{dest['min_depth']:g}",
        f"{by:g}",
        f"{dest['equity_target']:.0%}",
        "of students furthest from opportunity"
        if ctx.measure == "students"
        else "in high-need schools",
    )
    fig = ctx.figure(
        "lead-progress",
        progress_figure(rows),
        "How far each option gets",
        "Share of the way from the district's start to the target at the end of the run, "
        f"{names['all_short']} and {names['equity_short']} (the equity clause); bars from 0, "
        "95% intervals; the dashed line is the target.",
    )
    return Markup(
        '<section id="lead" class="lead"><h2>The answer</h2>{}<ul>{}</ul>{}</section>'
    ).format(intro, Markup("").join(items), fig)

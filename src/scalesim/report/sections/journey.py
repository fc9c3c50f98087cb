"""Where we have been: spread, depth, ownership, sustainability and equity of reach over time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from scalesim.plotting.markers import Markers
from scalesim.plotting.outcomes import trajectories
from scalesim.report import derive
from scalesim.report.formatting import fmt, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    metric_label,
    metric_unit,
    note,
    table,
    trajectory_bands,
)
from scalesim.scenario.names import plain_label, plain_text

RUN_PANELS = (
    ("Spread", ("share_enacting", "students_reached")),
    ("Depth: enacting at depth", ("share_deep", "students_reached_deep")),
    ("Depth: quality of enactment", ("mean_depth",)),
    ("Ownership", ("mean_ownership", "district_ownership")),
    ("Sustainability", ("institutionalization", "leadership_support", "policy_alignment")),
    ("Equity of reach", ("reach_furthest", "students_reached")),
    ("Coverage by school need", ("high_need_coverage", "other_coverage")),
    ("Schools left behind", ("schools_left_behind", "high_need_left_behind")),
)
MULTI_PANELS = (
    ("Spread: educators enacting", ("share_enacting",)),
    ("Depth: enacting at depth", ("share_deep",)),
    ("Ownership (enacting educators)", ("mean_ownership",)),
    ("Sustainability: institutionalization", ("institutionalization",)),
    ("Equity ratio (furthest / all)", ("equity_ratio",)),
    ("Enacting in high-need schools", ("high_need_coverage",)),
)
MILESTONE_METRICS = (
    "share_enacting",
    "share_deep",
    "mean_ownership",
    "institutionalization",
    "reach_furthest",
    "equity_ratio",
    "high_need_coverage",
    "schools_left_behind",
)

# --------------------------------------------------------------------------- where we have been


def where_we_have_been(ctx: Ctx) -> Section | None:
    """The five views of scale over time, with events marked, and a milestone table."""
    res = ctx.res
    bands = trajectory_bands(ctx)
    if bands is None:
        return None
    sec = Section("where-we-have-been", *TITLES["where-we-have-been"])
    mk = derive.run_markers(res) if res.kind == "run" else derive.multi_markers(res, ctx.events)
    panels = RUN_PANELS if res.kind == "run" else MULTI_PANELS
    cap = (
        "Each panel is one view of scale (Coburn's dimensions, <code>002_*.txt</code>) or "
        "of equity of reach. Grey shading marks summers; dotted lines the planned pit stops"
    )
    if res.kind == "run":
        cap += "; dashed red lines shocks (labelled) and red dotted lines unplanned pit stops."
    else:
        cap += (
            "; red ticks shocks or superintendent changes in single replicates. Lines are "
            "means over replicates, bands the 95% interval of the mean, and thin dotted "
            "lines the 10th and 90th percentiles of replicates."
        )
    if mk.branch is not None:
        cap += " The black line is the branch point: the history before it is shared."
    sec.blocks.append(
        ctx.figure(
            "trajectories",
            trajectories(bands, panels, ctx.options, mk),
            "Where we have been",
            cap,
        )
    )
    _milestones(ctx, sec, bands)
    events = _event_list(ctx, mk)
    if events:
        sec.blocks.append(events)
    return sec


def _milestones(ctx: Ctx, sec: Section, bands: pd.DataFrame) -> None:
    res = ctx.res
    last = int(bands["week"].max())
    horizon = float(ctx.base.get("horizon_months", bands["month"].max()))
    weeks = derive.milestone_weeks(last, horizon)
    month_of = bands.drop_duplicates("week").set_index("week")["month"]
    head = ["Metric"] + [f"month {fmt(month_of.get(w, np.nan), 'month')}" for w in weeks]
    metrics = [m for m in MILESTONE_METRICS if m in set(bands["metric"])]
    if res.multi:
        head.insert(1, "Option")
    rows = []
    for m in metrics:
        for k, o in enumerate(ctx.options):
            label = Markup('{} <span class="unit">({})</span>').format(
                metric_label(m, ctx.measure), metric_unit(m, ctx.measure)
            )
            cells: list[Any] = [label if k == 0 else ""]
            if res.multi:
                cells.append(o)
            for w in weeks:
                if res.kind == "run":
                    val = res.tables["timeseries"].set_index("week")[m].get(w, np.nan)
                    cells.append(
                        num(val, metric_unit(m, ctx.measure), "timeseries", m, {"week": w})
                    )
                elif "bands" in res.tables:
                    cur = bands[
                        (bands["option"] == o) & (bands["metric"] == m) & (bands["week"] == w)
                    ]
                    val = float(cur["mean"].iloc[0]) if len(cur) else np.nan
                    cells.append(
                        num(
                            val,
                            metric_unit(m, ctx.measure),
                            "bands",
                            "mean",
                            {"option": o, "metric": m, "week": w},
                        )
                    )
                else:
                    ts = res.tables["timeseries"]
                    ok = res.tables["runs"]
                    ok = ok.loc[(ok["status"] == "ok") & (ok["option"] == o), "task_id"]
                    val = ts.loc[ts["task_id"].isin(ok) & (ts["week"] == w), m].mean()
                    cells.append(
                        num(
                            val,
                            metric_unit(m, ctx.measure),
                            "timeseries",
                            m,
                            {"option": o, "week": w},
                            "mean",
                        )
                    )
            rows.append(cells)
    cap = "Where the district stood at the start, at the end of each year, and at the end."
    if res.multi:
        cap += " Means over replicates."
    sec.blocks.append(table(head, rows, cls="num-table milestones", caption=cap))


def _event_list(ctx: Ctx, mk: Markers) -> Markup | None:
    if ctx.res.kind != "run":
        return None
    items = []
    for e in ctx.events:
        kind = e.get("kind")
        if kind in ("shock", "superintendent_change", "decision", "strategy_change") or (
            kind == "pit_stop" and not e.get("planned", True)
        ):
            month = num(
                e.get("month"),
                "month",
                "travel_log.jsonl",
                "month",
                {"kind": kind, "week": e.get("week")},
                agg="first",
            )
            items.append(Markup("<li>month {} — {}</li>").format(month, _describe(e)))
    if not items:
        return note("No shocks, leadership changes or pit-stop decisions in this run.")
    return Markup(
        '<details open><summary>Events on the way ({})</summary><ul class="events">'
        "{}</ul></details>"
    ).format(len(items), Markup("").join(items))


def _describe(e: dict[str, Any]) -> str:
    kind = e.get("kind")
    if kind == "shock":
        return f"shock: {plain_label(e.get('shock', e.get('type', '')))}"
    if kind == "superintendent_change":
        return (
            f"new superintendent ({str(e.get('cause', '')).replace('_', ' ')}); leadership "
            f"support {fmt(e.get('leadership_support_before'), '0–1')} → "
            f"{fmt(e.get('leadership_support_after'), '0–1')}"
        )
    if kind == "decision":
        return f"decision: {plain_text(e.get('action'))} (rule: {e.get('rule')})"
    if kind == "strategy_change":
        return f"strategy {plain_text(e.get('change'))}: {plain_label(e.get('strategy'))}"
    if kind == "pit_stop":
        return f"unplanned pit stop ({plain_text(e.get('reason'))})"
    return str(kind)

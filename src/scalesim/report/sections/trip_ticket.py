"""Trip ticket (Tool #1 of ``000_*.txt``): the destination, its equity clause, reached or not."""

from __future__ import annotations

from typing import Any

import numpy as np
from markupsafe import Markup

from scalesim.plotting.outcomes import destination as destination_figure
from scalesim.plotting.outcomes import probabilities
from scalesim.report import derive
from scalesim.report.formatting import derived, fmt, interval, is_missing, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    chip,
    destination,
    destination_text,
    note,
    para,
    table,
    trajectory_bands,
)
from scalesim.report.sections.base import (
    groups as trip_groups,
)
from scalesim.workbench.stats import NEED_LABELS

# --------------------------------------------------------------------------- trip ticket


def trip_ticket(ctx: Ctx) -> Section:
    """Destination and equity clause; reached or not, when, how likely; distance per group."""
    res = ctx.res
    sec = Section("trip-ticket", *TITLES["trip-ticket"])
    d = destination(ctx)
    sec.blocks.append(para('<span class="dest">Destination: {}</span>', destination_text(ctx, d)))
    if res.kind == "run":
        _trip_ticket_run(ctx, sec, d)
    else:
        _trip_ticket_multi(ctx, sec, d)
    bands = trajectory_bands(ctx)
    if bands is not None:
        mk = derive.run_markers(res) if res.kind == "run" else derive.multi_markers(res, ctx.events)
        mk.deadline = d["by_month"]
        pit = res.tables.get("pit_stops") if res.kind == "run" else None
        targets = {"destination_share": d["target"], "destination_equity_share": d["equity_target"]}
        cap = (
            "Share of educators enacting at depth ≥ the destination's bar, for all "
            "educators (left) and in high-need schools (right). The star marks the target at "
            "the deadline."
        )
        if res.kind == "run":
            cap += (
                " Dots show what the team observed at each pit stop (a survey sample, "
                "lagged and noisy); crosses the straight path from the start to the target "
                "that the checklist compares against."
            )
        else:
            cap += (
                " Lines are means over replicates, bands the 95% interval of the mean, and "
                "thin dotted lines the 10th and 90th percentiles of replicates."
            )
        sec.blocks.append(
            ctx.figure(
                "destination",
                destination_figure(bands, ctx.options, targets, mk, pit),
                "Progress toward the destination",
                cap,
            )
        )
    return sec


def _trip_ticket_run(ctx: Ctx, sec: Section, d: dict[str, float]) -> None:
    res = ctx.res
    tt = res.meta["trip_ticket"]
    seed = res.meta.get("seed")
    if tt.get("reached"):
        verdict = Markup("{} at month {}").format(
            chip("Reached", "good"),
            num(tt["reached_month"], "month", "summary.json", "trip_ticket.reached_month"),
        )
    elif not tt.get("deadline_in_run", True):
        verdict = Markup("{} — the run ends at month {}, before the deadline.").format(
            chip("Not reached yet", "neutral"),
            num(res.meta.get("months"), "month", "summary.json", "months"),
        )
    else:
        verdict = Markup("{} by month {}").format(
            chip("Not reached", "bad"),
            num(tt["by_month"], "month", "summary.json", "trip_ticket.by_month"),
        )
    sec.blocks.append(para("<strong>Verdict:</strong> {}", verdict, cls="verdict"))
    sec.blocks.append(
        note(
            "This is one run (seed {}): one possible history. The probability of reaching the "
            "destination needs many seeds; <code>scalesim compare</code> runs strategy sets on "
            "common seeds and reports it with an interval.",
            str(seed),
        )
    )
    pct = ctx.dest_unit
    names = trip_groups(ctx)
    rows = [
        [
            names["all"],
            num(
                tt["achieved_at_deadline"], pct, "summary.json", "trip_ticket.achieved_at_deadline"
            ),
            num(tt["target"], pct, "summary.json", "trip_ticket.target"),
            _short(tt["shortfall"], "summary.json", "trip_ticket.shortfall"),
        ],
        [
            names["equity"],
            num(
                tt["equity_achieved_at_deadline"],
                pct,
                "summary.json",
                "trip_ticket.equity_achieved_at_deadline",
            ),
            num(tt["equity_target"], pct, "summary.json", "trip_ticket.equity_target"),
            _short(tt["equity_shortfall"], "summary.json", "trip_ticket.equity_shortfall"),
        ],
    ]
    sec.blocks.append(
        table(
            ["Group", "At the deadline (at depth)", "Target", "Distance"],
            rows,
            cls="num-table",
            caption="How far each group is from the destination at the deadline.",
        )
    )
    # Per need band and region: the schools table holds the end state, counted at the
    # depth bar; it equals the destination's measure only when the two bars coincide.
    bar = float((ctx.base.get("metrics") or {}).get("depth_bar", np.nan))
    if abs(bar - d["min_depth"]) < 1e-12:
        groups = derive.schools_by(res.tables["schools"], "need_bin").set_index("need_bin")
        rows = []
        for i, lab in enumerate(NEED_LABELS):
            if i not in groups.index:
                continue
            share = groups.at[i, "share_deep"]
            rows.append(
                [
                    f"Schools with {lab} of students furthest from opportunity",
                    num(
                        share,
                        "share of educators",
                        "schools",
                        "deep",
                        derive.need_where(i),
                        "ratio",
                        den="educators",
                    ),
                    derived(
                        share - d["target"],
                        "share of educators",
                        "ratio(deep/educators) − target",
                        diff=True,
                    ),
                ]
            )
        months = res.meta.get("months")
        sec.blocks.append(
            table(
                ["Need band", "At depth (end of run)", "Distance to the target"],
                rows,
                cls="num-table",
                caption=f"By school need, at the end of the run (month {fmt(months, 'month')}).",
            )
        )


def _short(
    x: Any, src: str, col: str, where: dict[str, Any] | None = None, agg: str = "value"
) -> Markup:
    if is_missing(x):
        return Markup("–")
    if float(x) <= 0:
        return Markup("{} {}").format(
            chip("met", "good"),
            num(x, "share of educators", src, col, where, agg, text="0 pp short"),
        )
    return num(
        x,
        "share of educators",
        src,
        col,
        where,
        agg,
        text=fmt(x, "share of educators", diff=True).lstrip("+") + " short",
    )


def _trip_ticket_multi(ctx: Ctx, sec: Section, d: dict[str, float]) -> None:
    res = ctx.res
    pct = ctx.dest_unit
    names = trip_groups(ctx)
    rows = []
    tt = res.tables.get("trip_ticket")
    opts = ctx.options
    for o in opts:
        w_ok = {"option": o, "status": "ok", "tt_reached": True}
        med = res.tables["runs"]
        med = med[(med["option"] == o) & (med["status"] == "ok") & med["tt_reached"].astype(bool)]
        when = (
            num(
                float(med["tt_reached_month"].median()),
                "month",
                "runs",
                "tt_reached_month",
                w_ok,
                "median",
            )
            if len(med)
            else Markup("–")
        )
        if tt is not None and o in set(tt["option"]):
            r = tt[tt["option"] == o].iloc[0]
            w = {"option": o}
            p = Markup('{} {} <span class="kn">({} of {})</span>').format(
                num(r["p_reached"], "probability", "trip_ticket", "p_reached", w),
                interval(
                    num(r["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                    num(r["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w),
                ),
                num(r["reached"], "count", "trip_ticket", "reached", w),
                num(r["n"], "count", "trip_ticket", "n", w),
            )
            pe = Markup("{} {}").format(
                num(r["p_equity"], "probability", "trip_ticket", "p_equity", w),
                interval(
                    num(r["p_equity_ci_low"], "probability", "trip_ticket", "p_equity_ci_low", w),
                    num(r["p_equity_ci_high"], "probability", "trip_ticket", "p_equity_ci_high", w),
                ),
            )
            ach = num(r["achieved_mean"], pct, "trip_ticket", "achieved_mean", w)
            ach_e = num(r["equity_achieved_mean"], pct, "trip_ticket", "equity_achieved_mean", w)
            gap = derived(r["achieved_mean"] - r["target"], pct, "achieved_mean − target", True)
            gap_e = derived(
                r["equity_achieved_mean"] - r["equity_target"],
                pct,
                "equity_achieved_mean − equity_target",
                True,
            )
        else:
            runs = res.tables["runs"]
            cur = runs[(runs["option"] == o) & (runs["status"] == "ok")]
            w = {"option": o, "status": "ok"}
            p = Markup('{} <span class="kn">({} of {})</span>').format(
                num(cur["tt_reached"].mean(), "probability", "runs", "tt_reached", w, "mean"),
                num(cur["tt_reached"].sum(), "count", "runs", "tt_reached", w, "sum"),
                num(len(cur), "count", "runs", "task_id", w, "count"),
            )
            pe = num(
                cur["tt_equity_clause_holds"].mean(),
                "probability",
                "runs",
                "tt_equity_clause_holds",
                w,
                "mean",
            )
            ach = num(
                cur["tt_achieved_at_deadline"].mean(),
                pct,
                "runs",
                "tt_achieved_at_deadline",
                w,
                "mean",
            )
            ach_e = num(
                cur["tt_equity_achieved_at_deadline"].mean(),
                pct,
                "runs",
                "tt_equity_achieved_at_deadline",
                w,
                "mean",
            )
            gap = derived(
                cur["tt_achieved_at_deadline"].mean() - d["target"],
                pct,
                "mean(tt_achieved_at_deadline) − target",
                True,
            )
            gap_e = derived(
                cur["tt_equity_achieved_at_deadline"].mean() - d["equity_target"],
                pct,
                "mean(tt_equity_achieved_at_deadline) − equity_target",
                True,
            )
        rows.append(
            [
                o,
                p,
                pe,
                Markup("{} ({})").format(ach, gap),
                Markup("{} ({})").format(ach_e, gap_e),
                when,
            ]
        )
    head = [
        "Option",
        "P(destination with equity clause) [95% CI]",
        "P(equity clause) [95% CI]",
        f"{names['all']} at the deadline (vs target)",
        f"{names['equity'].removesuffix(' (equity clause)')} at the deadline (vs target)",
        "Median month reached",
    ]
    cap = (
        "Probability across replicates of reaching the destination, with its equity "
        "clause, by the deadline (95% Wilson interval), and how far each group is from it "
        "on average."
    )
    if res.kind == "sweep":
        cap += " In a sweep, replicates span every design point of the experiment."
    sec.blocks.append(table(head, rows, cls="num-table", caption=cap))
    # The figure adds nothing to the table when no replicate reaches anything.
    if (
        tt is not None
        and len(tt) > 1
        and (tt["p_reached"].fillna(0).gt(0).any() or tt["p_equity"].fillna(0).gt(0).any())
    ):
        sec.blocks.append(
            ctx.figure(
                "probabilities",
                probabilities(tt),
                "How likely is the destination?",
                "Share of replicates reaching the destination with its "
                "equity clause by the deadline, and meeting the equity "
                "clause alone; bars show 95% Wilson intervals.",
            )
        )

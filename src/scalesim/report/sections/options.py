"""Compared options: side-by-side table with intervals and paired differences, and figures."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from scalesim.metrics import METRICS
from scalesim.plotting.factors import outcome_scatter
from scalesim.plotting.outcomes import diff_forest
from scalesim.report.formatting import derived, fmt, interval, num
from scalesim.report.sections.base import (
    MAIN_METRICS,
    TITLES,
    Ctx,
    Section,
    chip,
    metric_label,
    metric_unit,
    para,
    table,
)
from scalesim.scenario.names import plain_label, plain_spec

# --------------------------------------------------------------------------- compared options


def compared_options(ctx: Ctx) -> Section:
    """The side-by-side table with intervals and paired differences, and the figures."""
    res = ctx.res
    sec = Section("compared-options", *TITLES["compared-options"])
    if res.kind == "rehearse":
        m = res.meta
        sec.blocks.append(
            para(
                "Rehearsal from a pit stop: every option shares the same history up to month {} "
                "(week {}), then branches from that exact state on the same random streams.",
                num(m.get("at_month"), "month", "manifest.json", "at_month"),
                num(m.get("branch_week"), "count", "manifest.json", "branch_week"),
            )
        )
        items = []
        for o in m.get("options", []):
            what = o.get("overrides") or {}
            strat = o.get("strategies")
            text = "; ".join(f"{k} = {v}" for k, v in what.items())
            if strat:
                text = (
                    (text + "; " if text else "")
                    + "strategies: "
                    + ", ".join(
                        plain_spec(s) if isinstance(s, dict) else plain_label(s) for s in strat
                    )
                )
            items.append(
                Markup("<li><b>{}</b>: {}</li>").format(o.get("name"), text or "no change")
            )
        sec.blocks.append(Markup("<ul>{}</ul>").format(Markup("").join(items)))
    comp = res.tables.get("comparison")
    if comp is not None and len(comp):
        _comparison_table(ctx, sec, comp)
    if res.kind == "sweep":
        _sweep_outcomes(ctx, sec)
    return sec


def _comparison_table(ctx: Ctx, sec: Section, comp: pd.DataFrame) -> None:
    res = ctx.res
    opts = list(dict.fromkeys(comp["option"]))
    base = str(comp["baseline"].iloc[0])
    others = [o for o in opts if o != base]
    head = (
        ["Metric"]
        + [f"{o} mean [95% CI]" for o in opts]
        + [f"{o} − {base} (paired Δ [95% CI])" for o in others]
    )
    rows = []
    metrics = [m for m in MAIN_METRICS if m in set(comp["metric"])]
    for m in metrics:
        cur = comp[comp["metric"] == m].set_index("option")
        unit = str(cur["unit"].iloc[0])
        cells: list[Any] = [
            Markup('{} <span class="unit">({})</span>').format(cur["label"].iloc[0], unit)
        ]
        for o in opts:
            r = cur.loc[o]
            w = {"option": o, "metric": m}
            cells.append(
                Markup("{} {}").format(
                    num(r["mean"], unit, "comparison", "mean", w),
                    interval(
                        num(r["ci_low"], unit, "comparison", "ci_low", w),
                        num(r["ci_high"], unit, "comparison", "ci_high", w),
                    ),
                )
            )
        for o in others:
            r = cur.loc[o]
            w = {"option": o, "metric": m}
            tone = {"better": "good", "worse": "bad"}.get(str(r["verdict"]), "neutral")
            cells.append(
                Markup("{} {} {}").format(
                    num(r["diff"], unit, "comparison", "diff", w, diff=True),
                    interval(
                        num(r["diff_ci_low"], unit, "comparison", "diff_ci_low", w, diff=True),
                        num(r["diff_ci_high"], unit, "comparison", "diff_ci_high", w, diff=True),
                    ),
                    chip(str(r["verdict"]), tone),
                )
            )
        rows.append(cells)
    tt = res.tables.get("trip_ticket")
    if tt is not None and len(tt):
        cells = [Markup("<b>P(destination with equity clause)</b>")]
        for o in opts:
            r = tt[tt["option"] == o]
            if r.empty:
                cells.append("–")
                continue
            r = r.iloc[0]
            w = {"option": o}
            cells.append(
                Markup("{} {}").format(
                    num(r["p_reached"], "probability", "trip_ticket", "p_reached", w),
                    interval(
                        num(r["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                        num(r["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w),
                    ),
                )
            )
        cells += [""] * len(others)
        rows.append(cells)
    pair = "the same design point and replicate" if res.kind == "sweep" else "the same seed"
    n = int(comp["n"].max()) if len(comp) else 0
    sec.blocks.append(
        table(
            head,
            rows,
            cls="num-table compare",
            caption=f"End-of-run values: mean over replicates with its 95% t-interval (n = up to "
            f"{n} per option); Δ is the mean paired difference to <b>{escape(base)}</b> on "
            f"{pair} (common random numbers), with its 95% interval. <i>better</i>/<i>worse</i>: "
            "the interval excludes 0 in the metric's direction. Percentages differ in percentage "
            "points (pp).",
        )
    )
    if others:
        sec.blocks.append(
            ctx.figure(
                "differences",
                diff_forest(comp, metrics, opts, base),
                "Paired differences",
                "Each option minus the baseline on "
                f"{pair}, with 95% intervals; arrows give each metric's "
                "better direction.",
            )
        )


def _outcome_label(o: dict[str, Any], measure: str = "educators") -> tuple[str, str]:
    """A sweep outcome's label and unit (``equity_ratio_m6`` → ratio at month 6)."""
    metric = str(o.get("metric", o.get("name")))
    at = o.get("at", "end")
    if metric in METRICS:
        label, unit = metric_label(metric, measure), metric_unit(metric, measure)
    elif metric == "tt_reached":
        label, unit = "Destination reached", "probability"
    else:
        label, unit = metric, ""
    if at not in (None, "end"):
        label += f" at month {fmt(at, 'month')}"
    return label, unit


def _sweep_outcomes(ctx: Ctx, sec: Section) -> None:
    res = ctx.res
    runs = res.tables["runs"]
    ok = runs[runs["status"] == "ok"]
    outcomes = [o["name"] for o in res.meta.get("outcomes", []) if o["name"] in runs.columns]
    params = [u["path"] for u in res.meta.get("uncertainties", []) if u.get("path") in runs]
    rows = []
    for out in outcomes:
        unit = _outcome_label(
            next((o for o in res.meta.get("outcomes", []) if o["name"] == out), {"name": out}),
            ctx.measure,
        )[1]
        cells: list[Any] = [out]
        for o in ctx.options:
            cur = ok[ok["option"] == o][out].astype(float)
            cells.append(
                Markup('{} <span class="ci">(sd {})</span>').format(
                    num(cur.mean(), unit, "runs", out, {"option": o, "status": "ok"}, "mean"),
                    derived(cur.std(), unit, f"sd({out})"),
                )
            )
        rows.append(cells)
    c = res.meta.get("counts", {})
    sec.blocks.append(
        table(
            ["Outcome", *ctx.options],
            rows,
            cls="num-table",
            caption=f"The experiment's outcomes, mean (and standard deviation) over all runs that "
            f"finished ({c.get('ok', len(ok))} ok, {c.get('error', 0)} failed, "
            f"{c.get('pending', 0)} pending).",
        )
    )
    if params and outcomes:
        pts = (
            ok.groupby(["option", "point", *params], sort=True, dropna=False)[[o for o in outcomes]]
            .mean(numeric_only=True)
            .reset_index()
        )
        labels = {o["name"]: _outcome_label(o, ctx.measure) for o in res.meta.get("outcomes", [])}
        sec.blocks.append(
            ctx.figure(
                "outcomes",
                outcome_scatter(pts, params[:4], outcomes[:4], ctx.options, labels),
                "Outcomes across the design",
                "Each marker is one design point (mean over its "
                "replicates); columns are the varied factors, rows the outcomes.",
            )
        )

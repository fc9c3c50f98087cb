"""The report's sections, each answering one of the framework's questions from the tables.

The sections mirror the Navigator's tools in the framework (``000_*.txt``, Appendix): the
trip ticket, the pit-stop checklist, the strategy set and the influential factors, plus
the views of scale of ``002_*.txt`` (spread, depth, ownership, sustainability) and equity of
reach. Which sections a folder gets depends on its kind (see :data:`SECTIONS`). Every number
is printed through :func:`scalesim.report.formatting.num`, tagged with its source table.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from scalesim.metrics import METRICS
from scalesim.report import derive, figures
from scalesim.report.formatting import derived, fmt, interval, is_missing, num
from scalesim.report.loading import Results

# Section ids, titles and the question each answers, in page order.
TITLES = {
    "trip-ticket": ("Trip ticket", "Where are we going, and will we get there?"),
    "where-we-have-been": ("Where we have been",
                           "Spread, depth, ownership, sustainability and equity of reach "
                           "over time."),
    "left-behind": ("Who has been left behind", "Reach by school need and region; schools "
                    "the work has not reached."),
    "pit-stops": ("Pit-stop checklist", "The four questions, answered from what the team "
                  "observed, and the decisions taken."),
    "strategies": ("Strategy set tracker", "Which strategies ran when, what they cost, what "
                   "they were credited with, and the fuel left."),
    "factors": ("Factor review", "The influential factors in the framework's four categories."),
    "compared-options": ("Compared options", "Side by side, on the same seeds, with "
                         "intervals and paired differences."),
    "provenance": ("Provenance", "Exactly what produced these results."),
}
# Which sections each kind of folder gets. A sweep spans many conditions, so a per-pit-stop
# checklist or a strategy timeline averaged across them would answer no team's question;
# its strategy sets are compared under "Compared options" instead.
SECTIONS = {
    "run": ("trip-ticket", "where-we-have-been", "left-behind", "pit-stops", "strategies",
            "factors", "provenance"),
    "compare": ("trip-ticket", "where-we-have-been", "left-behind", "pit-stops", "strategies",
                "factors", "compared-options", "provenance"),
    "rehearse": ("trip-ticket", "where-we-have-been", "left-behind", "pit-stops", "strategies",
                 "factors", "compared-options", "provenance"),
    "sweep": ("trip-ticket", "where-we-have-been", "left-behind", "factors", "compared-options",
              "provenance"),
}
# The metrics of the side-by-side table, in reading order.
MAIN_METRICS = (
    "share_enacting", "share_deep", "destination_share", "destination_equity_share",
    "mean_depth", "mean_ownership", "district_ownership", "institutionalization",
    "reach_furthest", "equity_ratio", "high_need_coverage", "schools_left_behind",
    "capacity_spent",
)
RUN_PANELS = (
    ("Spread", ("share_enacting", "students_reached")),
    ("Depth", ("share_deep", "mean_depth")),
    ("Ownership", ("mean_ownership", "district_ownership")),
    ("Sustainability", ("institutionalization",)),
    ("Equity of reach", ("reach_furthest", "students_reached")),
    ("Coverage by school need", ("high_need_coverage", "other_coverage")),
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
    "share_enacting", "share_deep", "mean_ownership", "institutionalization",
    "reach_furthest", "equity_ratio", "high_need_coverage", "schools_left_behind",
)
QUESTIONS = (
    "Are we still headed towards our destination?",
    "Is anything broken? How do we fix it?",
    "Is our fuel running low?",
    "Who's driving, who is navigating and who's been left behind?",
)


# --------------------------------------------------------------------------- building blocks


@dataclass
class Section:
    """One section of the page."""

    id: str
    title: str
    question: str
    blocks: list[Markup] = field(default_factory=list)


class Ctx:
    """What every section builder needs: the results, the figures drawn so far, the log."""

    def __init__(self, res: Results, prefix: str) -> None:
        self.res = res
        self.prefix = prefix
        self.figures: dict[str, bytes] = {}
        self.events = res.log if res.kind == "run" else derive.decode_log(res.tables.get("log"))
        self.options = res.options
        self.base = res.scenarios.get(self.options[0]) or next(iter(res.scenarios.values()))
        self.log_src = "travel_log.jsonl" if res.kind == "run" else "log"
        self.scenario_src = {o: ("scenario.yaml" if res.kind == "run" else
                                 "base_scenario.yaml" if res.kind == "sweep" else
                                 f"options/{o}/scenario.yaml") for o in self.options}

    def figure(self, name: str, fig: Any, title: str, caption: str) -> Markup:
        """Render ``fig`` to PNG, keep it for figures/, and return it embedded as a data URI."""
        png = figures.png_bytes(fig)
        fname = f"{self.prefix}-{name}.png"
        self.figures[fname] = png
        b64 = base64.b64encode(png).decode("ascii")
        return Markup(
            '<figure class="fig" id="fig-{}"><img src="data:image/png;base64,{}" alt="{}" '
            'data-file="figures/{}"><figcaption><b>{}.</b> {}</figcaption></figure>'
        ).format(name, b64, title, fname, title, Markup(caption))

    def ok_runs(self, option: str) -> int:
        """Number of runs with status ``ok`` for ``option``."""
        runs = self.res.tables["runs"]
        return int(((runs["option"] == option) & (runs["status"] == "ok")).sum())


def table(head: Sequence[Any], rows: Sequence[Sequence[Any]], cls: str = "",
          caption: str | None = None, row_header: bool = True) -> Markup:
    """An HTML table; str cells are escaped, Markup cells kept."""
    out = [Markup('<div class="table-wrap"><table class="{}">').format(cls)]
    if caption:
        out.append(Markup("<caption>{}</caption>").format(Markup(caption)))
    out.append(Markup("<thead><tr>"))
    out += [Markup("<th scope=\"col\">{}</th>").format(h) for h in head]
    out.append(Markup("</tr></thead><tbody>"))
    for r in rows:
        out.append(Markup("<tr>"))
        for i, c in enumerate(r):
            tag = "th scope=\"row\"" if (i == 0 and row_header) else "td"
            end = "th" if (i == 0 and row_header) else "td"
            out.append(Markup(f"<{tag}>{{}}</{end}>").format(c))
        out.append(Markup("</tr>"))
    out.append(Markup("</tbody></table></div>"))
    return Markup("").join(out)


def para(text: str, *args: Any, cls: str = "") -> Markup:
    """A paragraph; ``text`` is a Markup format string, ``args`` are escaped unless Markup."""
    body = Markup(text).format(*args) if args else Markup(text)
    return Markup('<p class="{}">{}</p>').format(cls, body) if cls else Markup(
        "<p>{}</p>").format(body)


def chip(text: str, tone: str) -> Markup:
    """A coloured label: ``good``, ``bad``, ``neutral``, ``info``."""
    return Markup('<span class="chip {}">{}</span>').format(tone, text)


def note(text: str, *args: Any) -> Markup:
    """A muted explanatory note."""
    return para(text, *args, cls="note")


def _label(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric


def _unit(metric: str) -> str:
    return METRICS[metric].unit if metric in METRICS else ""


def _dest(ctx: Ctx) -> dict[str, float]:
    """The destination (target, equity_target, min_depth, by_month)."""
    res = ctx.res
    if res.kind == "run":
        tt = res.meta["trip_ticket"]
        return {k: float(tt[k]) for k in ("target", "equity_target", "min_depth", "by_month")}
    if "trip_ticket" in res.tables and len(res.tables["trip_ticket"]):
        r = res.tables["trip_ticket"].iloc[0]
        return {k: float(r[k]) for k in ("target", "equity_target", "min_depth", "by_month")}
    runs = res.tables["runs"]
    ok = runs[runs["status"] == "ok"]
    if len(ok) and "tt_target" in ok.columns:
        r = ok.iloc[0]
        return {"target": float(r["tt_target"]), "equity_target": float(r["tt_equity_target"]),
                "min_depth": float(r["tt_min_depth"]), "by_month": float(r["tt_by_month"])}
    d = (ctx.base.get("trip_ticket") or {}).get("destination") or {}
    return {k: float(d.get(k, np.nan)) for k in ("target", "equity_target", "min_depth",
                                                  "by_month")}


def _dest_markup(ctx: Ctx, d: dict[str, float]) -> Markup:
    res = ctx.res
    if res.kind == "run":
        def n(k: str, unit: str) -> Markup:
            return num(d[k], unit, "summary.json", f"trip_ticket.{k}")
    elif "trip_ticket" in res.tables:
        first = ctx.options[0] if res.kind != "sweep" else str(
            res.tables["trip_ticket"]["option"].iloc[0])

        def n(k: str, unit: str) -> Markup:
            return num(d[k], unit, "trip_ticket", k, {"option": first})
    else:
        def n(k: str, unit: str) -> Markup:
            return num(d[k], unit, "runs", f"tt_{k}", {"status": "ok"}, agg="mean")
    return Markup(
        "<strong>{}</strong> of educators enacting at depth ≥ {} by month {}, "
        "including <strong>{}</strong> of educators in high-need schools (the equity clause)."
    ).format(n("target", "share of educators"), n("min_depth", "0–1"),
             n("by_month", "month"), n("equity_target", "share of educators"))


def _bands(ctx: Ctx) -> pd.DataFrame | None:
    """Trajectories in the long ``bands`` layout for any kind of folder."""
    res = ctx.res
    if res.kind == "run":
        return derive.run_bands(res.tables["timeseries"], ctx.options[0])
    if "bands" in res.tables:
        return res.tables["bands"]
    ts = res.tables.get("timeseries")
    if ts is None:
        return None
    ok = res.tables["runs"].loc[res.tables["runs"]["status"] == "ok", ["option", "replicate",
                                                                        "task_id"]]
    ts = ts[ts["task_id"].isin(ok["task_id"])] if "task_id" in ts.columns else ts
    metrics = [m for m in METRICS if m in ts.columns]
    g = ts.groupby(["option", "week"], sort=True)
    mean = g[metrics].mean()
    p10, p90 = g[metrics].quantile(0.1), g[metrics].quantile(0.9)
    cnt, sd = g[metrics].count(), g[metrics].std()
    long = []
    months = g["month"].first()
    for m in metrics:
        half = 1.96 * sd[m] / np.sqrt(cnt[m].clip(lower=1))
        long.append(pd.DataFrame({
            "metric": m, "month": months, "mean": mean[m], "n": cnt[m],
            "ci_low": mean[m] - half, "ci_high": mean[m] + half,
            "p10": p10[m], "p90": p90[m]}).reset_index())
    return pd.concat(long, ignore_index=True)


# --------------------------------------------------------------------------- trip ticket


def trip_ticket(ctx: Ctx) -> Section:
    """Destination and equity clause; reached or not, when, how likely; distance per group."""
    res = ctx.res
    sec = Section("trip-ticket", *TITLES["trip-ticket"])
    d = _dest(ctx)
    sec.blocks.append(para('<span class="dest">Destination: {}</span>', _dest_markup(ctx, d)))
    if res.kind == "run":
        _trip_ticket_run(ctx, sec, d)
    else:
        _trip_ticket_multi(ctx, sec, d)
    bands = _bands(ctx)
    if bands is not None:
        mk = derive.run_markers(res) if res.kind == "run" else derive.multi_markers(
            res, ctx.events)
        mk.deadline = d["by_month"]
        pit = res.tables.get("pit_stops") if res.kind == "run" else None
        targets = {"destination_share": d["target"], "destination_equity_share": d["equity_target"]}
        cap = ("Share of educators enacting at depth ≥ the destination's bar, for all "
               "educators (left) and in high-need schools (right). The star marks the target at "
               "the deadline.")
        if res.kind == "run":
            cap += (" Dots show what the team observed at each pit stop (a survey sample, "
                    "lagged and noisy); crosses the straight path from the start to the target "
                    "that the checklist compares against.")
        else:
            cap += (" Lines are means over replicates; the dark band is the 95% interval of the "
                    "mean, the light band the 10th–90th percentile of replicates.")
        sec.blocks.append(ctx.figure("destination", figures.destination(
            bands, ctx.options, targets, mk, pit), "Progress toward the destination", cap))
    return sec


def _trip_ticket_run(ctx: Ctx, sec: Section, d: dict[str, float]) -> None:
    res = ctx.res
    tt = res.meta["trip_ticket"]
    seed = res.meta.get("seed")
    if tt.get("reached"):
        verdict = Markup("{} at month {}").format(
            chip("Reached", "good"),
            num(tt["reached_month"], "month", "summary.json", "trip_ticket.reached_month"))
    elif not tt.get("deadline_in_run", True):
        verdict = Markup("{} — the run ends at month {}, before the deadline.").format(
            chip("Not reached yet", "neutral"),
            num(res.meta.get("months"), "month", "summary.json", "months"))
    else:
        verdict = Markup("{} by month {}").format(
            chip("Not reached", "bad"), num(tt["by_month"], "month", "summary.json",
                                            "trip_ticket.by_month"))
    sec.blocks.append(para("<strong>Verdict:</strong> {}", verdict, cls="verdict"))
    sec.blocks.append(note(
        "This is one run (seed {}): one possible history. The probability of reaching the "
        "destination needs many seeds; <code>scalesim compare</code> runs strategy sets on "
        "common seeds and reports it with an interval.", str(seed)))
    pct = "share of educators"
    rows = [
        ["All educators",
         num(tt["achieved_at_deadline"], pct, "summary.json", "trip_ticket.achieved_at_deadline"),
         num(tt["target"], pct, "summary.json", "trip_ticket.target"),
         _short(tt["shortfall"], "summary.json", "trip_ticket.shortfall")],
        ["High-need schools (equity clause)",
         num(tt["equity_achieved_at_deadline"], pct, "summary.json",
             "trip_ticket.equity_achieved_at_deadline"),
         num(tt["equity_target"], pct, "summary.json", "trip_ticket.equity_target"),
         _short(tt["equity_shortfall"], "summary.json", "trip_ticket.equity_shortfall")],
    ]
    sec.blocks.append(table(
        ["Group", "At the deadline (at depth)", "Target", "Distance"], rows, cls="num-table",
        caption="How far each group is from the destination at the deadline."))
    # Per need band and region: the schools table holds the end state, counted at the
    # depth bar; it equals the destination's measure only when the two bars coincide.
    bar = float((ctx.base.get("metrics") or {}).get("depth_bar", np.nan))
    if abs(bar - d["min_depth"]) < 1e-12:
        sch = res.tables["schools"]
        band = derive.need_band(sch["need_share"])
        rows = []
        for i, lab in enumerate(derive.NEED_LABELS):
            cur = sch[band == i]
            if cur.empty:
                continue
            share = cur["deep"].sum() / cur["educators"].sum()
            rows.append([f"Schools with {lab} of students furthest from opportunity",
                         num(share, pct, "schools", "deep", derive.need_where(i), "ratio",
                             den="educators"),
                         derived(share - d["target"], pct, "ratio(deep/educators) − target",
                                 diff=True)])
        months = res.meta.get("months")
        sec.blocks.append(table(
            ["Need band", "At depth (end of run)", "Distance to the target"], rows,
            cls="num-table", caption=f"By school need, at the end of the run (month "
            f"{fmt(months, 'month')})."))


def _short(x: Any, src: str, col: str, where: dict[str, Any] | None = None,
           agg: str = "value") -> Markup:
    if is_missing(x):
        return Markup("–")
    if float(x) <= 0:
        return Markup("{} {}").format(chip("met", "good"),
                                       num(x, "share of educators", src, col, where, agg,
                                           text="0 pp short"))
    return num(x, "share of educators", src, col, where, agg,
               text=fmt(x, "share of educators", diff=True).lstrip("+") + " short")


def _trip_ticket_multi(ctx: Ctx, sec: Section, d: dict[str, float]) -> None:
    res = ctx.res
    pct = "share of educators"
    rows = []
    tt = res.tables.get("trip_ticket")
    opts = ctx.options
    for o in opts:
        w_ok = {"option": o, "status": "ok", "tt_reached": True}
        med = res.tables["runs"]
        med = med[(med["option"] == o) & (med["status"] == "ok") & med["tt_reached"].astype(bool)]
        when = (num(float(med["tt_reached_month"].median()), "month", "runs", "tt_reached_month",
                    w_ok, "median") if len(med) else Markup("–"))
        if tt is not None and o in set(tt["option"]):
            r = tt[tt["option"] == o].iloc[0]
            w = {"option": o}
            p = Markup("{} {} <span class=\"kn\">({} of {})</span>").format(
                num(r["p_reached"], "probability", "trip_ticket", "p_reached", w),
                interval(num(r["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                         num(r["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w)),
                num(r["reached"], "count", "trip_ticket", "reached", w),
                num(r["n"], "count", "trip_ticket", "n", w))
            pe = Markup("{} {}").format(
                num(r["p_equity"], "probability", "trip_ticket", "p_equity", w),
                interval(num(r["p_equity_ci_low"], "probability", "trip_ticket",
                             "p_equity_ci_low", w),
                         num(r["p_equity_ci_high"], "probability", "trip_ticket",
                             "p_equity_ci_high", w)))
            ach = num(r["achieved_mean"], pct, "trip_ticket", "achieved_mean", w)
            ach_e = num(r["equity_achieved_mean"], pct, "trip_ticket", "equity_achieved_mean", w)
            gap = derived(r["achieved_mean"] - r["target"], pct, "achieved_mean − target", True)
            gap_e = derived(r["equity_achieved_mean"] - r["equity_target"], pct,
                            "equity_achieved_mean − equity_target", True)
        else:
            runs = res.tables["runs"]
            cur = runs[(runs["option"] == o) & (runs["status"] == "ok")]
            w = {"option": o, "status": "ok"}
            p = Markup("{} <span class=\"kn\">({} of {})</span>").format(
                num(cur["tt_reached"].mean(), "probability", "runs", "tt_reached", w, "mean"),
                num(cur["tt_reached"].sum(), "count", "runs", "tt_reached", w, "sum"),
                num(len(cur), "count", "runs", "task_id", w, "count"))
            pe = num(cur["tt_equity_clause_holds"].mean(), "probability", "runs",
                     "tt_equity_clause_holds", w, "mean")
            ach = num(cur["tt_achieved_at_deadline"].mean(), pct, "runs",
                      "tt_achieved_at_deadline", w, "mean")
            ach_e = num(cur["tt_equity_achieved_at_deadline"].mean(), pct, "runs",
                        "tt_equity_achieved_at_deadline", w, "mean")
            gap = derived(cur["tt_achieved_at_deadline"].mean() - d["target"], pct,
                          "mean(tt_achieved_at_deadline) − target", True)
            gap_e = derived(cur["tt_equity_achieved_at_deadline"].mean() - d["equity_target"],
                            pct, "mean(tt_equity_achieved_at_deadline) − equity_target", True)
        rows.append([o, p, pe, Markup("{} ({})").format(ach, gap),
                     Markup("{} ({})").format(ach_e, gap_e), when])
    head = ["Option", "P(destination with equity clause) [95% CI]",
            "P(equity clause) [95% CI]", "All educators at the deadline (vs target)",
            "High-need schools at the deadline (vs target)", "Median month reached"]
    cap = ("Probability across replicates of reaching the destination, with its equity "
           "clause, by the deadline (95% Wilson interval), and how far each group is from it "
           "on average.")
    if res.kind == "sweep":
        cap += " In a sweep, replicates span every design point of the experiment."
    sec.blocks.append(table(head, rows, cls="num-table", caption=cap))
    if tt is not None and len(tt) > 1:
        sec.blocks.append(ctx.figure("probabilities", figures.probabilities(tt),
                                     "How likely is the destination?",
                                     "Share of replicates reaching the destination with its "
                                     "equity clause by the deadline, and meeting the equity "
                                     "clause alone; bars show 95% Wilson intervals."))


# --------------------------------------------------------------------------- where we have been


def where_we_have_been(ctx: Ctx) -> Section | None:
    """The five views of scale over time, with events marked, and a milestone table."""
    res = ctx.res
    bands = _bands(ctx)
    if bands is None:
        return None
    sec = Section("where-we-have-been", *TITLES["where-we-have-been"])
    mk = derive.run_markers(res) if res.kind == "run" else derive.multi_markers(res, ctx.events)
    panels = RUN_PANELS if res.kind == "run" else MULTI_PANELS
    cap = ("Each panel is one view of scale (Coburn's dimensions, <code>002_*.txt</code>) or "
           "of equity of reach. Grey shading marks summers; dotted lines the planned pit stops")
    if res.kind == "run":
        cap += "; dashed red lines shocks (labelled) and red dotted lines unplanned pit stops."
    else:
        cap += ("; red ticks shocks or superintendent changes in single replicates. Lines are "
                "means over replicates with the 95% interval of the mean (dark band) and the "
                "10th–90th percentile of replicates (light band).")
    if mk.branch is not None:
        cap += " The black line is the branch point: the history before it is shared."
    sec.blocks.append(ctx.figure("trajectories", figures.trajectories(
        bands, panels, ctx.options, mk), "Where we have been", cap))
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
    for o in ctx.options if res.multi else ctx.options[:1]:
        rows = []
        for m in metrics:
            cells: list[Any] = [Markup("{} <span class=\"unit\">({})</span>").format(
                _label(m), _unit(m))]
            for w in weeks:
                if res.kind == "run":
                    val = res.tables["timeseries"].set_index("week")[m].get(w, np.nan)
                    cells.append(num(val, _unit(m), "timeseries", m, {"week": w}))
                elif "bands" in res.tables:
                    cur = bands[(bands["option"] == o) & (bands["metric"] == m)
                                & (bands["week"] == w)]
                    val = float(cur["mean"].iloc[0]) if len(cur) else np.nan
                    cells.append(num(val, _unit(m), "bands", "mean",
                                     {"option": o, "metric": m, "week": w}))
                else:
                    ts = res.tables["timeseries"]
                    ok = res.tables["runs"]
                    ok = ok.loc[(ok["status"] == "ok") & (ok["option"] == o), "task_id"]
                    val = ts.loc[ts["task_id"].isin(ok) & (ts["week"] == w), m].mean()
                    cells.append(num(val, _unit(m), "timeseries", m,
                                     {"option": o, "week": w, "status": "ok"}, "mean"))
            rows.append(cells)
        cap = "Where the district stood at the start, at the end of each year, and at the end."
        if res.multi:
            cap = f"<b>{escape(o)}</b>: mean over replicates. " + cap
        sec.blocks.append(table(head, rows, cls="num-table", caption=cap))


def _event_list(ctx: Ctx, mk: figures.Markers) -> Markup | None:
    if ctx.res.kind != "run":
        return None
    items = []
    for e in ctx.events:
        kind = e.get("kind")
        if kind in ("shock", "superintendent_change", "decision", "strategy_change") or (
                kind == "pit_stop" and not e.get("planned", True)):
            month = num(e.get("month"), "month", "travel_log.jsonl", "month",
                        {"kind": kind, "week": e.get("week")}, agg="first")
            items.append(Markup("<li>month {} — {}</li>").format(month, _describe(e)))
    if not items:
        return note("No shocks, leadership changes or pit-stop decisions in this run.")
    return Markup('<details open><summary>Events on the way ({})</summary><ul class="events">'
                  "{}</ul></details>").format(len(items), Markup("").join(items))


def _describe(e: dict[str, Any]) -> str:
    kind = e.get("kind")
    if kind == "shock":
        return f"shock: {str(e.get('shock', e.get('type', ''))).replace('_', ' ')}"
    if kind == "superintendent_change":
        return (f"new superintendent ({str(e.get('cause', '')).replace('_', ' ')}); leadership "
                f"support {fmt(e.get('leadership_support_before'), '0–1')} → "
                f"{fmt(e.get('leadership_support_after'), '0–1')}")
    if kind == "decision":
        return f"decision: {e.get('action')} (rule: {e.get('rule')})"
    if kind == "strategy_change":
        return f"strategy {e.get('change')}: {e.get('strategy')}"
    if kind == "pit_stop":
        return f"unplanned pit stop ({e.get('reason')})"
    return str(kind)


# --------------------------------------------------------------------------- left behind


def left_behind(ctx: Ctx) -> Section | None:
    """Reach by need band and region, schools never reached, the concentration curve."""
    res = ctx.res
    sch = res.tables.get("schools")
    if sch is None:
        return None
    sec = Section("left-behind", *TITLES["left-behind"])
    if res.kind == "sweep" and "task_id" in sch.columns:
        ok = res.tables["runs"].loc[res.tables["runs"]["status"] == "ok", "task_id"]
        sch = sch[sch["task_id"].isin(ok)]
    pct = "share of educators"
    if "equity_by_need" in res.tables:
        ebn = res.tables["equity_by_need"]
        rows = []
        for _, r in ebn.iterrows():
            w = {"option": r["option"], "need_bin": r["need_bin"]}
            rows.append([r["option"], r["need_bin"],
                         num(r["schools"], "schools", "equity_by_need", "schools", w),
                         Markup("{} {}").format(
                             num(r["share_enacting"], pct, "equity_by_need", "share_enacting", w),
                             interval(num(r["ci_low"], pct, "equity_by_need", "ci_low", w),
                                      num(r["ci_high"], pct, "equity_by_need", "ci_high", w))),
                         num(r["share_deep"], pct, "equity_by_need", "share_deep", w),
                         num(r["never_reached"], "schools", "equity_by_need", "never_reached",
                             w)])
        sec.blocks.append(table(
            ["Option", "Students furthest from opportunity", "Schools (per run)",
             "Educators enacting [95% CI]", "At depth", "Never reached (per run)"],
            rows, cls="num-table", caption="Reach by school need at the end (mean over "
            "replicates of each band's educator-weighted share)."))
        plot_ebn = ebn
    else:
        plot_ebn = _need_table(ctx, sec, sch)
    reg = _region_table(ctx, sec, sch)
    sec.blocks.append(ctx.figure(
        "reach-groups", figures.reach_groups(plot_ebn, reg, ctx.options),
        "Reach by school need and by region",
        "Share of each group's educators enacting (light bars) and enacting at depth (hatched) "
        "at the end. Need groups are schools by their share of students furthest from "
        "opportunity." + (" Error bars: 95% interval over replicates; regions are pooled over "
                          "replicates." if res.multi else "")))
    _not_reached(ctx, sec, sch)
    curves, index = derive.concentration_curves(sch, ctx.options)
    if curves:
        d = ctx.base.get("district") or {}
        lb = float((ctx.base.get("metrics") or {}).get("left_behind_share", 0.1))
        cap = ("Right: schools ranked from the highest share of students furthest from "
               "opportunity; the curve shows the share of those students' reach delivered by "
               "the time a given share of them is counted. On the diagonal, reach is in "
               "proportion to need; above it, reach is concentrated in the highest-need "
               "schools.")
        if res.multi:
            cap = cap.replace("Right: s", "S") + " Band: 10th–90th percentile of replicates."
        else:
            cap = ("Left: each dot is a school (size: its educators), by its share of students "
                   "furthest from opportunity and its share of educators enacting at the end; "
                   "crosses mark schools never reached. " + cap)
        sec.blocks.append(ctx.figure(
            "reach-schools", figures.reach_schools(
                None if res.multi else sch, curves, ctx.options,
                float(d.get("high_need_threshold", 0.75)), lb),
            "Every school, and the concentration of reach" if not res.multi
            else "Concentration of reach", cap))
        items = Markup("").join(
            Markup("<li>{}: {}</li>").format(o, derived(v, "index", "concentration index"))
            for o, v in index.items())
        sec.blocks.append(Markup(
            '<p>Concentration index (twice the area between the curve and the diagonal; 0 = '
            'in proportion to need, positive = concentrated in the highest-need schools'
            '{}):</p><ul class="inline">{}</ul>').format(
                ", mean over replicates" if res.multi else "", items))
    return sec


def _need_table(ctx: Ctx, sec: Section, sch: pd.DataFrame) -> pd.DataFrame:
    """Need-band table computed from the schools table (single run, or a sweep)."""
    res = ctx.res
    pct = "share of educators"
    band = derive.need_band(sch["need_share"])
    rows, plot = [], []
    for o in ctx.options:
        for i, lab in enumerate(derive.NEED_LABELS):
            mask = band == i
            if res.multi:
                mask = mask & (sch["option"] == o).to_numpy()
            cur = sch[mask]
            if cur.empty:
                continue
            w = dict(derive.need_where(i))
            if res.multi:
                w["option"] = o
            share = cur["enacting"].sum() / cur["educators"].sum()
            deep = cur["deep"].sum() / cur["educators"].sum()
            never = int((~cur["ever_reached"].astype(bool)).sum())
            w_never = {**w, "ever_reached": False}
            if res.multi:
                n_runs = max(ctx.ok_runs(o), 1)
                schools = num(len(cur) / n_runs, "schools", "schools", "school", w,
                              "count_per_run")
                nev = num(never / n_runs, "schools", "schools", "school", w_never,
                          "count_per_run")
            else:
                schools = num(len(cur), "count", "schools", "school", w, "count")
                nev = num(never, "count", "schools", "school", w_never, "count")
            row = [lab, schools, num(cur["educators"].sum() / (n_runs if res.multi else 1),
                                     "educators", "schools", "educators", w,
                                     "per_run" if res.multi else "sum"),
                   num(share, pct, "schools", "enacting", w, "ratio", den="educators"),
                   num(deep, pct, "schools", "deep", w, "ratio", den="educators"), nev]
            rows.append(([o] if res.multi else []) + row)
            plot.append({"option": o, "need_bin": lab, "share_enacting": share,
                         "ci_low": np.nan, "ci_high": np.nan, "share_deep": deep})
    head = (["Option"] if res.multi else []) + [
        "Students furthest from opportunity", "Schools", "Educators", "Educators enacting",
        "At depth", "Never reached"]
    cap = "Reach by school need at the end of the run."
    if res.multi:
        cap = ("Reach by school need at the end, pooled over all runs (schools, educators and "
               "never-reached counts are per run).")
    sec.blocks.append(table(head, rows, cls="num-table", caption=cap,
                            row_header=not res.multi))
    return pd.DataFrame(plot)


def _region_table(ctx: Ctx, sec: Section, sch: pd.DataFrame) -> pd.DataFrame:
    res = ctx.res
    pct = "share of educators"
    reg = derive.schools_by(sch, "region")
    if "option" not in reg.columns:
        reg["option"] = ctx.options[0]
    regions = sorted(reg["region"].unique())
    head = ["Region"] + [f"{o}: enacting · at depth" if res.multi else "Schools"
                         for o in (ctx.options if res.multi else ctx.options[:1])]
    if not res.multi:
        head += ["High-need schools", "Educators enacting", "At depth", "Never reached"]
    rows = []
    for g in regions:
        if res.multi:
            cells: list[Any] = [g]
            for o in ctx.options:
                w = {"option": o, "region": g}
                r = reg[(reg["option"] == o) & (reg["region"] == g)]
                if r.empty:
                    cells.append("–")
                    continue
                r = r.iloc[0]
                cells.append(Markup("{} · {}").format(
                    num(r["share"], pct, "schools", "enacting", w, "ratio", den="educators"),
                    num(r["share_deep"], pct, "schools", "deep", w, "ratio", den="educators")))
            rows.append(cells)
        else:
            r = reg[reg["region"] == g].iloc[0]
            w = {"region": g}
            rows.append([g, num(r["schools"], "count", "schools", "school", w, "count"),
                         num(r["high_need"], "count", "schools", "high_need", w, "sum"),
                         num(r["share"], pct, "schools", "enacting", w, "ratio",
                             den="educators"),
                         num(r["share_deep"], pct, "schools", "deep", w, "ratio",
                             den="educators"),
                         num(r["never"], "count", "schools", "school",
                             {**w, "ever_reached": False}, "count")])
    cap = "Reach by region at the end" + (", pooled over replicates." if res.multi else ".")
    sec.blocks.append(table(head, rows, cls="num-table", caption=cap))
    return reg


def _not_reached(ctx: Ctx, sec: Section, sch: pd.DataFrame) -> None:
    res = ctx.res
    metrics = ctx.base.get("metrics") or {}
    lb = float(metrics.get("left_behind_share", 0.1))
    if res.multi:
        rows = []
        for o in ctx.options:
            n_runs = max(ctx.ok_runs(o), 1)
            cur = sch[sch["option"] == o]
            never = int((~cur["ever_reached"].astype(bool)).sum())
            behind = int((cur["share_enacting"] < lb).sum())
            hn_behind = int(((cur["share_enacting"] < lb) & cur["high_need"].astype(bool)).sum())
            w = {"option": o}
            rows.append([o, num(never / n_runs, "schools", "schools", "school",
                                {**w, "ever_reached": False}, "count_per_run"),
                         num(behind / n_runs, "schools", "schools", "school",
                             {**w, "share_enacting": {"lt": lb}}, "count_per_run"),
                         num(hn_behind / n_runs, "schools", "schools", "school",
                             {**w, "share_enacting": {"lt": lb}, "high_need": True},
                             "count_per_run")])
        sec.blocks.append(table(
            ["Option", "Schools never reached", f"Left behind at the end (< {fmt(lb, 'share')} "
             "enacting)", "…of which high-need"], rows, cls="num-table",
            caption="Schools the work has not reached, per run (mean over replicates). A "
            "school is reached once any of its educators enacts."))
        return
    never = sch[~sch["ever_reached"].astype(bool)]
    behind = sch[sch["share_enacting"] < lb].sort_values(["high_need", "need_share"],
                                                         ascending=[False, False])
    sec.blocks.append(para(
        "{} schools were never reached (no educator ever enacted); {} schools are left behind "
        "at the end (fewer than {} of their educators enacting), {} of them high-need.",
        num(len(never), "count", "schools", "school", {"ever_reached": False}, "count"),
        num(len(behind), "count", "schools", "school", {"share_enacting": {"lt": lb}}, "count"),
        fmt(lb, "share"),
        num(int(behind["high_need"].sum()), "count", "schools", "school",
            {"share_enacting": {"lt": lb}, "high_need": True}, "count")))
    listed = pd.concat([never, behind]).drop_duplicates("school")
    if len(listed):
        rows = []
        for _, r in listed.head(30).iterrows():
            w = {"school": int(r["school"])}
            rows.append([r["name"], r["region"], "yes" if r["high_need"] else "no",
                         num(r["need_share"], "share", "schools", "need_share", w),
                         num(r["educators"], "count", "schools", "educators", w),
                         num(r["share_enacting"], "share of educators", "schools",
                             "share_enacting", w),
                         "never" if not r["ever_reached"] else "left behind"])
        more = f" (first 30 of {len(listed)})" if len(listed) > 30 else ""
        sec.blocks.append(table(
            ["School", "Region", "High-need", "Students furthest from opportunity",
             "Educators", "Enacting (end)", "Status"], rows, cls="num-table",
            caption=f"Schools not reached or left behind{more}, high-need first."))


# --------------------------------------------------------------------------- pit stops


def pit_stops(ctx: Ctx) -> Section:
    """The checklist of each pit stop, from observed indicators, and the decisions."""
    sec = Section("pit-stops", *TITLES["pit-stops"])
    stops = [e for e in ctx.events if e.get("kind") == "pit_stop"]
    if not stops:
        sec.blocks.append(note("No pit stops in these results: the scenario plans none, and no "
                               "shock called one."))
        return sec
    meas = ctx.base.get("measurement") or {}
    sec.blocks.append(note(
        "The team answers from what it can observe: a survey sample of {} educators, "
        "indicators {} weeks old, with measurement noise (sd {}). It never sees the model's "
        "true state. Questions from the framework's pit-stop checklist (Tool #2, "
        "<code>000_*.txt</code>).",
        str(meas.get("sample_size", "–")), str(meas.get("lag_weeks", "–")),
        fmt(meas.get("noise_sd"), "0–1")))
    if ctx.res.kind == "run":
        _pit_run(ctx, sec, stops)
    else:
        _pit_multi(ctx, sec)
    return sec


def _pit_run(ctx: Ctx, sec: Section, stops: list[dict[str, Any]]) -> None:
    src = "travel_log.jsonl"
    decisions: dict[int, list[str]] = {}
    for e in ctx.events:
        if e.get("kind") == "decision":
            decisions.setdefault(int(e["week"]), []).append(str(e.get("action")))
    rows = []
    pct = "share of educators"
    for e in stops:
        wk = int(e["week"])
        base_w = {"kind": "pit_stop", "week": wk}

        def ob(key: str, unit: str, w: dict[str, Any] = base_w,
               e: dict[str, Any] = e) -> Markup:
            return num(e["observed"].get(key), unit, src, f"observed.{key}", w)

        ans = [str(q.get("answer")) for q in e.get("checklist", [])] + [""] * 4
        q1 = Markup("{}<br><small>observed {} vs {} expected</small>").format(
            chip(ans[0], "good" if ans[0] == "yes" else "bad"),
            ob("destination_share", pct), ob("expected_share", pct))
        q2 = chip(ans[1], "good" if ans[1] == "no" else "bad")
        q3 = Markup("{}<br><small>{} of weekly capacity left; {} person-days short since the "
                    "last stop</small>").format(
            chip(ans[2], "bad" if ans[2] == "yes" else "good"),
            ob("capacity_left", "share of weekly capacity"),
            ob("shortfall_since_last", "person-days"))
        q4 = Markup("{}<br><small>high-need {} vs others {}; equity ratio {}</small>").format(
            chip(ans[3], "bad" if "behind" in ans[3] and "not" not in ans[3] else "good"),
            ob("high_need_coverage", pct), ob("other_coverage", pct), ob("equity_ratio", "ratio"))
        kind = "planned" if e.get("planned", True) else f"unplanned: {e.get('reason')}"
        when = Markup("{}<br><small>{}</small>").format(
            num(e.get("month"), "month", src, "month", base_w), kind)
        dec = "; ".join(decisions.get(wk, [])) or "—"
        rows.append([when, q1, q2, q3, q4, dec])
    sec.blocks.append(table(
        ["Month", "1. Still headed to the destination?", "2. Anything broken?",
         "3. Fuel running low?", "4. Who's been left behind?", "Decisions taken"], rows,
        cls="checklist", caption="Each pit stop's answers, the evidence behind them, and what "
        "the adaptation rules decided."))
    pit = ctx.res.tables.get("pit_stops")
    if pit is not None and len(pit):
        sec.blocks.append(ctx.figure(
            "pit-measurement", figures.pit_measurement(pit), "What the team saw",
            "At each pit stop: the indicator the team observed (sampled, lagged, noisy) "
            "against the model's true value, and the straight path to the target."))


def _pit_multi(ctx: Ctx, sec: Section) -> None:
    src = "log"
    for o in ctx.options:
        tab = derive.checklist_counts([e for e in ctx.events if e.get("planned", True)
                                       or e.get("kind") != "pit_stop"], o)
        if tab.empty:
            continue
        decisions = Counter((int(e["week"]), str(e.get("action"))) for e in ctx.events
                            if e.get("kind") == "decision" and e.get("option") == o)
        rows = []
        for _, r in tab.iterrows():
            wk = int(r["week"])
            w = {"option": o, "kind": "pit_stop", "week": wk, "detail.planned": True}
            n = num(r["n"], "count", src, "week", w, "count")

            def share(q: int, answer: str, label: str, tone: str,
                      r: pd.Series = r, w: dict[str, Any] = w, n: Markup = n) -> Markup:
                k = sum(a == answer for a in r[f"q{q + 1}"])
                return Markup("{} of {} {}").format(
                    num(k, "count", src, "week", {**w, f"detail.checklist.{q}.answer": answer},
                        "count"), n, chip(label, tone if k else "neutral"))

            broken = Counter(a for a in r["q2"] if a != "no")
            top = "; ".join(f"{a} ({c})" for a, c in broken.most_common(2))
            q2 = Markup("{} of {} {}{}").format(
                derived(len(r["q2"]) - sum(a == "no" for a in r["q2"]), "count",
                        "replicates whose answer is not 'no'"), n,
                chip("something broken", "bad" if broken else "neutral"),
                Markup("<br><small>{}</small>").format(top) if top else "")
            dec = [Markup("{} ({} of {})").format(
                a, num(c, "count", src, "week", {"option": o, "kind": "decision", "week": wk,
                                                 "detail.action": a}, "count"), n)
                for (dw, a), c in sorted(decisions.items()) if dw == wk]
            rows.append([num(r["month"], "month", src, "month", w, "first"),
                         share(0, "no", "off track", "bad"), q2,
                         share(2, "yes", "fuel low", "bad"),
                         share(3, "high-need schools behind", "high-need behind", "bad"),
                         Markup("; ").join(dec) if dec else "—"])
        unplanned = [e for e in ctx.events if e.get("kind") == "pit_stop"
                     and e.get("option") == o and not e.get("planned", True)]
        cap = (f"<b>{escape(o)}</b>: at each planned pit stop, in how many replicates the team "
               "answered each question that way, and the decisions its rules took.")
        if unplanned:
            reasons = Counter(str(e.get("reason")) for e in unplanned)
            cap += " Unplanned pit stops: " + escape(", ".join(
                f"{k} ({v})" for k, v in reasons.most_common())) + "."
        sec.blocks.append(table(
            ["Month", "1. Off track", "2. Anything broken", "3. Fuel low", "4. Left behind",
             "Decisions"], rows, cls="checklist", caption=cap))


# --------------------------------------------------------------------------- strategies


def strategies(ctx: Ctx) -> Section:
    """Which strategies ran when, cost, credited enactments, capacity left."""
    sec = Section("strategies", *TITLES["strategies"])
    if ctx.res.kind == "run":
        _strategies_run(ctx, sec)
    else:
        _strategies_multi(ctx, sec)
    return sec


def _strategies_run(ctx: Ctx, sec: Section) -> None:
    res = ctx.res
    specs = list(ctx.base.get("strategies") or [])
    cost = res.meta.get("cost", {})
    end = res.meta.get("end", {})
    if not specs:
        sec.blocks.append(note("No strategies in this scenario: the district is left alone "
                               "(the baseline a strategy set is compared against)."))
    st = res.tables.get("strategies")
    if st is not None and len(st):
        spent_total = float(st["spent"].sum())
        rows = []
        for _, r in st.iterrows():
            w = {"strategy": r["strategy"]}
            when = Markup("{}–{}").format(
                num(r["start_month"], "month", "strategies", "start_month", w),
                num(r["end_month"], "month", "strategies", "end_month", w)
                if not is_missing(r["end_month"]) else "end")
            per = (derived(r["spent"] / r["credited_enactments"], "person-days each",
                           "spent / credited_enactments")
                   if r["credited_enactments"] > 0 else Markup("–"))
            rows.append([r["strategy"], r["type"], when, str(r.get("rule", "–")),
                         Markup("{} / {}").format(
                             num(r.get("schools"), "count", "strategies", "schools", w),
                             num(r.get("educators"), "count", "strategies", "educators", w)),
                         Markup("{} <small>({})</small>").format(
                             num(r["spent"], "person-days", "strategies", "spent", w),
                             derived(r["spent"] / spent_total if spent_total else np.nan,
                                     "share", "spent / total spent")),
                         num(r.get("shortfall"), "person-days", "strategies", "shortfall", w),
                         num(r["credited_enactments"], "count", "strategies",
                             "credited_enactments", w), per])
        sec.blocks.append(table(
            ["Strategy", "Type", "Months", "Selection", "Schools / educators", "Spent "
             "(person-days)", "Short of capacity", "Credited enactments",
             "Person-days per enactment"], rows, cls="num-table",
            caption="Each strategy's timing, whom it selected, what it cost, the capacity it "
            "was short of, and the new enactments credited to it."))
    sec.blocks.append(para(
        "Fuel: {} person-days available over the run, {} spent; {} of weekly capacity left at "
        "the end.",
        num(cost.get("capacity_total"), "person-days", "summary.json", "cost.capacity_total"),
        num(cost.get("capacity_spent"), "person-days", "summary.json", "cost.capacity_spent"),
        num(end.get("capacity_left"), "share of weekly capacity", "summary.json",
            "end.capacity_left")))
    mk = derive.run_markers(res)
    if specs:
        horizon = float(ctx.base.get("horizon_months", 36))
        tl = derive.strategy_timeline(ctx.events, specs, horizon)
        labels = []
        for name in tl["strategy"]:
            if st is not None and name in set(st["strategy"]):
                r = st[st["strategy"] == name].iloc[0]
                labels.append(f"{int(r['credited_enactments']):,} credited · "
                              f"{float(r['spent']):,.0f} pd")
            else:
                labels.append("")
        tl["label"] = labels
        sec.blocks.append(ctx.figure(
            "strategy-timeline", figures.gantt(tl, horizon, derive.strategy_decisions(ctx.events),
                                               mk),
            "Strategy set over time", "Bars show when each strategy ran (from the travel log); "
            "diamonds mark pit-stop decisions that changed it; right: enactments credited to "
            "it and capacity it spent (person-days). Dotted lines are planned pit stops."))
    bands = derive.run_bands(res.tables["timeseries"], ctx.options[0])
    sec.blocks.append(ctx.figure(
        "capacity", figures.capacity(bands, ctx.options, mk,
                                     {ctx.options[0]: float(cost.get("capacity_total", np.nan))}),
        "Fuel", "Capacity spent so far (person-days, against the total available over the run) "
        "and the share of each week's capacity left after the strategies took their share."))
    ch = res.meta.get("adoptions_by_channel") or {}
    if ch:
        total = sum(ch.values())
        rows = [[k, num(v, "count", "summary.json", f"adoptions_by_channel.{k}"),
                 derived(v / total if total else np.nan, "share", "count / total")]
                for k, v in sorted(ch.items(), key=lambda kv: -kv[1])]
        sec.blocks.append(table(["Channel", "New enactments", "Share"], rows, cls="num-table",
                                caption="Where new enactments came from: strategies (by name), "
                                "peers, mandates or outside influence."))


def _strategies_multi(ctx: Ctx, sec: Section) -> None:
    res = ctx.res
    runs = res.tables["runs"]
    head = ["Option", "Strategies (months)", "Capacity spent per run (person-days)",
            "Available per run"]
    rows = []
    for o in ctx.options:
        specs = (res.scenarios.get(o) or {}).get("strategies") or []
        text = ", ".join(
            f"{derive.strategy_label(s)} ({fmt(s.get('start_month') or 0, 'month')}–"
            f"{'end' if s.get('end_month') is None else fmt(s['end_month'], 'month')})"
            for s in specs) or "none (the district is left alone)"
        w = {"option": o, "status": "ok"}
        cur = runs[(runs["option"] == o) & (runs["status"] == "ok")]
        rows.append([o, text,
                     num(cur["capacity_spent"].mean(), "person-days", "runs", "capacity_spent",
                         w, "mean"),
                     num(cur["capacity_total"].mean(), "person-days", "runs", "capacity_total",
                         w, "mean")])
    sec.blocks.append(table(head, rows, cls="num-table",
                            caption="Each option's strategy set (timing as planned in its "
                            "scenario) and the fuel it used."))
    st = res.tables.get("strategies")
    if st is not None and len(st):
        rows = []
        for (o, name), cur in st.groupby(["option", "strategy"], sort=False):
            n_runs = max(ctx.ok_runs(o), 1)
            w = {"option": o, "strategy": name}
            rows.append([o, name,
                         num(cur["spent"].sum() / n_runs, "person-days", "strategies", "spent",
                             w, "per_run"),
                         num(cur["credited_enactments"].sum() / n_runs, "per run", "strategies",
                             "credited_enactments", w, "per_run")])
        sec.blocks.append(table(["Option", "Strategy", "Spent per run (person-days)",
                                 "Credited enactments per run"], rows, cls="num-table",
                                caption="Cost and credit by strategy (means per run)."))
    ch = res.tables.get("channels")
    if ch is not None and len(ch):
        agg = ch.groupby(["option", "channel"], sort=False)["new_enacting"].sum().reset_index()
        agg["value"] = [v / max(ctx.ok_runs(o), 1) for o, v in zip(agg["option"],
                                                                      agg["new_enacting"],
                                                                      strict=True)]
        channels = list(dict.fromkeys(agg.sort_values("value", ascending=False)["channel"]))
        rows = []
        for c in channels:
            cells: list[Any] = [derive.channel_name(c)]
            for o in ctx.options:
                cur = agg[(agg["option"] == o) & (agg["channel"] == c)]
                val = float(cur["value"].iloc[0]) if len(cur) else 0.0
                cells.append(num(val, "per run", "channels", "new_enacting",
                                 {"option": o, "channel": c}, "per_run"))
            rows.append(cells)
        sec.blocks.append(table(["Channel", *ctx.options], rows, cls="num-table",
                                caption="New enactments credited to each channel, per run "
                                "(mean over replicates)."))
        sec.blocks.append(ctx.figure("channels", figures.channel_bars(agg, ctx.options),
                                     "Credited enactments by channel",
                                     "New enactments credited to each strategy, to peers and "
                                     "to outside influence, per run."))
    bands = _bands(ctx)
    if bands is not None and "capacity_spent" in set(bands["metric"]):
        budget = {o: float(runs.loc[(runs["option"] == o) & (runs["status"] == "ok"),
                                    "capacity_total"].mean()) for o in ctx.options}
        mk = derive.multi_markers(res, ctx.events)
        sec.blocks.append(ctx.figure(
            "capacity", figures.capacity(bands, ctx.options, mk, budget), "Fuel",
            "Capacity spent so far (person-days; dashed: available over the run) and the "
            "share of each week's capacity left, mean over replicates with 95% interval."))


# --------------------------------------------------------------------------- factors


# (category, dotted path, direction: +1 helps when high, -1 hinders when high, 0 neither)
FACTORS: tuple[tuple[str, str, int], ...] = (
    ("Innovation", "innovation.complexity", -1),
    ("Innovation", "innovation.compatibility", 1),
    ("Innovation", "innovation.observability", 1),
    ("Innovation", "innovation.trialability", 1),
    ("Innovation", "innovation.depth_ceiling", 1),
    ("Educators", "educators.attitude.mean", 1),
    ("Educators", "educators.emotion.mean", 1),
    ("Educators", "educators.openness.mean", 1),
    ("Educators", "educators.persistence.mean", 1),
    ("Educators", "educators.cynicism.mean", -1),
    ("Educators", "educators.credibility.mean", 1),
    ("Educators", "educators.novice_share_high_need", 0),
    ("Improvement team", "team.capacity_per_month", 0),
    ("Improvement team", "team.collaboration", 1),
    ("Improvement team", "team.communication", 1),
    ("Improvement team", "team.decision_culture", 1),
    ("Improvement team", "team.equity_orientation", 1),
    ("Community, district and state conditions", "conditions.leadership_support", 1),
    ("Community, district and state conditions", "conditions.attention_competition", -1),
    ("Community, district and state conditions", "conditions.community_beliefs", 1),
    ("Community, district and state conditions", "conditions.policy_alignment", 1),
    ("Community, district and state conditions", "conditions.district_ownership", 1),
    ("Community, district and state conditions", "conditions.mandate", 0),
    ("Community, district and state conditions", "turnover.superintendent", 0),
    ("Community, district and state conditions", "turnover.principal", 0),
)
CATEGORY_OF_PREFIX = {
    "innovation": "Innovation", "educators": "Educators", "team": "Improvement team",
    "conditions": "Community, district and state conditions",
    "turnover": "Community, district and state conditions",
    "district": "Community, district and state conditions",
    "shocks": "Community, district and state conditions",
}
UNIT_OF = {"team.capacity_per_month": "person-days / month",
           "turnover.superintendent": "per year", "turnover.principal": "per year",
           "educators.novice_share_high_need": "share"}


def _get(d: dict[str, Any], path: str) -> Any:
    cur: Any = d
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def factor_label(path: str) -> str:
    """A readable name for a dotted scenario path (``educators.cynicism.mean`` → Cynicism)."""
    parts = path.removesuffix(".mean").split(".")
    text = parts[-1].replace("_", " ")
    if parts[0] == "turnover":
        text = f"{text} turnover"
    return text[:1].upper() + text[1:]


def describe_path(path: str) -> str:
    """The scenario schema's description of a dotted path (empty if none)."""
    from scalesim.scenario import Scenario

    model: Any = Scenario
    info = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return ""
        info = fields[part]
        model = info.annotation
        args = getattr(model, "__args__", None)
        if args and not hasattr(model, "model_fields"):
            model = next((a for a in args if hasattr(a, "model_fields")), model)
    desc = (info.description or "") if info is not None else ""
    if path.endswith(".mean"):
        return "Mean of the educators' " + path.split(".")[-2] + " (0–1)."
    return desc


def reading(value: Any, direction: int) -> str:
    """``tailwind``, ``headwind`` or ``neutral`` for a 0–1 factor and its direction."""
    if direction == 0 or not isinstance(value, int | float) or isinstance(value, bool):
        return "neutral"
    v = float(value) if direction > 0 else 1.0 - float(value)
    return "tailwind" if v >= 0.6 else "headwind" if v <= 0.4 else "neutral"


def factors(ctx: Ctx) -> Section:
    """The scenario's influential factors by the framework's four categories."""
    res = ctx.res
    sec = Section("factors", *TITLES["factors"])
    opts = ["base"] if res.kind == "sweep" else ctx.options
    scen = {o: res.scenarios.get(o, {}) for o in opts}
    src = {o: ("base_scenario.yaml" if res.kind == "sweep" else ctx.scenario_src[o])
           for o in opts}
    varied = {u.get("path"): u for u in res.meta.get("uncertainties", [])} if (
        res.kind == "sweep") else {}
    sec.blocks.append(note(
        "The framework groups the factors that help or hinder scaling into four categories "
        "(<code>000_*.txt</code>): the innovation, the educators, the improvement team, and "
        "community, district and state conditions. <em>Tailwind</em>: the value helps "
        "scaling (≥ 0.6 on a factor where more helps); <em>headwind</em>: it hinders."))
    head = ["Factor", *(["Value"] if len(opts) == 1 else opts), "Reading", "What it means"]
    if varied:
        head.insert(2, "Varied in the sweep")
    rows, plot = [], []
    category = None
    for cat, path, direction in FACTORS:
        if cat != category:
            rows.append(Markup('<tr class="group"><th colspan="{}">{}</th></tr>').format(
                len(head), cat))
            category = cat
        vals = {o: _get(scen[o], path) for o in opts}
        unit = UNIT_OF.get(path, "0–1")
        cells: list[Any] = [Markup("{}<br><code class=\"path\">{}</code>").format(
            factor_label(path), path)]
        differs = len({str(v) for v in vals.values()}) > 1
        for o in opts:
            v = vals[o]
            if isinstance(v, str):
                cells.append(Markup('<span class="num" data-src="{}" data-col="{}" '
                                    'data-agg="value" data-unit="text" data-value="{}">{}</span>'
                                    ).format(src[o], path, v, v))
            elif v is None:
                cells.append("–")
            else:
                cells.append(num(v, unit, src[o], path))
            if isinstance(v, int | float) and not isinstance(v, bool) and unit == "0–1":
                plot.append({"category": cat, "label": factor_label(path), "option": o,
                             "value": float(v), "reading": reading(v, direction)})
        if varied:
            u = varied.get(path)
            cells.append(_range_text(u) if u else "")
        reads = sorted({reading(v, direction) for v in vals.values()})
        cells.append(Markup(" / ").join(chip(r, {"tailwind": "good", "headwind": "bad"}.get(
            r, "neutral")) for r in reads))
        cells.append(describe_path(path) + (" (differs between options)" if differs else ""))
        rows.append(cells)
    extra = [(p, u) for p, u in varied.items() if p not in {f[1] for f in FACTORS}]
    for p, u in extra:
        cells = [Markup("{}<br><code class=\"path\">{}</code>").format(factor_label(p), p),
                 *("–" for _ in opts), _range_text(u),
                 chip("varied", "info"),
                 f"{CATEGORY_OF_PREFIX.get(p.split('.')[0], 'Model setting')}: "
                 f"{describe_path(p)}"]
        rows.append(cells)
    sec.blocks.append(_factor_table(head, rows))
    if plot:
        sec.blocks.append(ctx.figure("factors", figures.factor_profile(pd.DataFrame(plot), opts),
                                     "Factor profile", "The scenario's 0–1 factors, grouped by "
                                     "category and coloured by whether they help or hinder "
                                     "scaling at that value."))
    for o in opts:
        shocks = scen[o].get("shocks") or []
        if shocks:
            items = ", ".join(
                f"{s.get('name') or s.get('type')} "
                + (f"at month {fmt(s['at_month'], 'month')}" if s.get("at_month") is not None
                   else f"hazard {s.get('hazard_per_year')}/year") for s in shocks)
            sec.blocks.append(para("<b>Shocks{}:</b> {}.", f" ({o})" if len(opts) > 1 else "",
                                   items))
    if res.kind == "sweep":
        _sensitivity(ctx, sec)
    return sec


def _range_text(u: dict[str, Any]) -> str:
    if "values" in u:
        return "one of " + ", ".join(str(v) for v in u["values"])
    return f"{u.get('low')} to {u.get('high')}"


def _factor_table(head: list[str], rows: list[Any]) -> Markup:
    out = [Markup('<div class="table-wrap"><table class="factors"><thead><tr>')]
    out += [Markup('<th scope="col">{}</th>').format(h) for h in head]
    out.append(Markup("</tr></thead><tbody>"))
    for r in rows:
        if isinstance(r, Markup):
            out.append(r)
            continue
        out.append(Markup("<tr>"))
        out += [Markup("<td>{}</td>").format(c) for c in r]
        out.append(Markup("</tr>"))
    out.append(Markup("</tbody></table></div>"))
    return Markup("").join(out)


def _sensitivity(ctx: Ctx, sec: Section) -> None:
    res = ctx.res
    outcomes = [o["name"] for o in res.meta.get("outcomes", [])]
    if res.sensitivity is not None:
        idx = res.sensitivity["indices"]
        method = str(res.sensitivity["manifest"].get("method", idx["method"].iloc[0]))
        cols = (("S1", "S1_conf"), ("ST", "ST_conf")) if method == "sobol" else (
            ("mu_star", "mu_star_conf"), ("sigma", None))
        rows = []
        for _, r in idx.iterrows():
            w = {"outcome": r["outcome"], "parameter": r["parameter"]}
            cells: list[Any] = [r["outcome"], Markup("<code>{}</code>").format(r["parameter"])]
            for c, conf in cols:
                if c not in idx.columns:
                    cells.append("–")
                    continue
                v = num(r[c], "index", "sensitivity/indices", c, w)
                if conf and conf in idx.columns:
                    v = Markup("{} <span class=\"ci\">± {}</span>").format(
                        v, num(r[conf], "index", "sensitivity/indices", conf, w))
                cells.append(v)
            rows.append(cells)
        names = ("First-order S1 (± 95%)", "Total-order ST (± 95%)") if method == "sobol" else (
            "μ* (± 95%)", "σ")
        sec.blocks.append(table(["Outcome", "Parameter", *names], rows, cls="num-table",
                                caption=f"Sensitivity indices ({method}, SALib) from "
                                "<code>sensitivity/indices</code>; replicates averaged per "
                                "design point before the analysis.", row_header=False))
        outs = list(dict.fromkeys(idx["outcome"]))
        sec.blocks.append(ctx.figure("sensitivity", figures.sensitivity_bars(idx, outs, method),
                                     "What the outcomes are most sensitive to",
                                     "Sensitivity indices per outcome with 95% confidence "
                                     "intervals (SALib)."))
        return
    runs = res.tables["runs"]
    params = [u["path"] for u in res.meta.get("uncertainties", []) if u.get("path") in runs]
    outs = [o for o in outcomes if o in runs.columns]
    ok = runs[runs["status"] == "ok"]
    if not params or not outs or len(ok) < 3:
        sec.blocks.append(note("No sensitivity analysis in this folder (run "
                               "<code>scalesim sensitivity</code> for Sobol or Morris indices)."))
        return
    num_params = [p for p in params if pd.api.types.is_numeric_dtype(ok[p])]
    corr = pd.DataFrame(index=num_params, columns=outs, dtype=float)
    for p in num_params:
        for o in outs:
            x, y = ok[p].astype(float), ok[o].astype(float)
            corr.loc[p, o] = x.corr(y, method="spearman") if x.nunique() > 1 and y.nunique(
            ) > 1 else np.nan
    rows = []
    for o in outs:
        col = corr[o].abs().dropna().sort_values(ascending=False)
        top = ", ".join(f"{p} ({corr.loc[p, o]:+.2f})" for p in col.index[:3]) or "–"
        rows.append([o, top])
    sec.blocks.append(table(
        ["Outcome", "Most influential uncertainties (Spearman ρ)"], rows, cls="num-table",
        caption="No sensitivity analysis in this folder; as a first reading, the rank "
        "correlation of each outcome with each varied factor across all runs. Run "
        "<code>scalesim sensitivity</code> for Sobol or Morris indices."))
    if len(num_params):
        sec.blocks.append(ctx.figure("correlations", figures.correlation_heatmap(corr),
                                     "Outcomes against the varied factors",
                                     "Spearman rank correlation across all runs between each "
                                     "varied factor and each outcome."))


# --------------------------------------------------------------------------- compared options


def compared_options(ctx: Ctx) -> Section:
    """The side-by-side table with intervals and paired differences, and the figures."""
    res = ctx.res
    sec = Section("compared-options", *TITLES["compared-options"])
    if res.kind == "rehearse":
        m = res.meta
        sec.blocks.append(para(
            "Rehearsal from a pit stop: every option shares the same history up to month {} "
            "(week {}), then branches from that exact state on the same random streams.",
            num(m.get("at_month"), "month", "manifest.json", "at_month"),
            num(m.get("branch_week"), "count", "manifest.json", "branch_week")))
        items = []
        for o in m.get("options", []):
            what = o.get("overrides") or {}
            strat = o.get("strategies")
            text = "; ".join(f"{k} = {v}" for k, v in what.items())
            if strat:
                text = (text + "; " if text else "") + "strategies: " + ", ".join(
                    derive.strategy_label(s) if isinstance(s, dict) else str(s) for s in strat)
            items.append(Markup("<li><b>{}</b>: {}</li>").format(o.get("name"),
                                                                  text or "no change"))
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
    head = ["Metric"] + [f"{o} mean [95% CI]" for o in opts] + [
        f"{o} − {base} (paired Δ [95% CI])" for o in others]
    rows = []
    metrics = [m for m in MAIN_METRICS if m in set(comp["metric"])]
    for m in metrics:
        cur = comp[comp["metric"] == m].set_index("option")
        unit = str(cur["unit"].iloc[0])
        cells: list[Any] = [Markup("{} <span class=\"unit\">({})</span>").format(
            cur["label"].iloc[0], unit)]
        for o in opts:
            r = cur.loc[o]
            w = {"option": o, "metric": m}
            cells.append(Markup("{} {}").format(
                num(r["mean"], unit, "comparison", "mean", w),
                interval(num(r["ci_low"], unit, "comparison", "ci_low", w),
                         num(r["ci_high"], unit, "comparison", "ci_high", w))))
        for o in others:
            r = cur.loc[o]
            w = {"option": o, "metric": m}
            tone = {"better": "good", "worse": "bad"}.get(str(r["verdict"]), "neutral")
            cells.append(Markup("{} {} {}").format(
                num(r["diff"], unit, "comparison", "diff", w, diff=True),
                interval(num(r["diff_ci_low"], unit, "comparison", "diff_ci_low", w, diff=True),
                         num(r["diff_ci_high"], unit, "comparison", "diff_ci_high", w,
                             diff=True)),
                chip(str(r["verdict"]), tone)))
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
            cells.append(Markup("{} {}").format(
                num(r["p_reached"], "probability", "trip_ticket", "p_reached", w),
                interval(num(r["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                         num(r["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w))))
        cells += [""] * len(others)
        rows.append(cells)
    pair = "the same design point and replicate" if res.kind == "sweep" else "the same seed"
    n = int(comp["n"].max()) if len(comp) else 0
    sec.blocks.append(table(
        head, rows, cls="num-table compare",
        caption=f"End-of-run values: mean over replicates with its 95% t-interval (n = up to "
        f"{n} per option); Δ is the mean paired difference to <b>{escape(base)}</b> on "
        f"{pair} (common random numbers), with its 95% interval. <i>better</i>/<i>worse</i>: "
        "the interval excludes 0 in the metric's direction. Percentages differ in percentage "
        "points (pp)."))
    if others:
        sec.blocks.append(ctx.figure("differences", figures.diff_forest(comp, metrics, opts, base),
                                     "Paired differences", "Each option minus the baseline on "
                                     f"{pair}, with 95% intervals; arrows give each metric's "
                                     "better direction."))


def _sweep_outcomes(ctx: Ctx, sec: Section) -> None:
    res = ctx.res
    runs = res.tables["runs"]
    ok = runs[runs["status"] == "ok"]
    outcomes = [o["name"] for o in res.meta.get("outcomes", []) if o["name"] in runs.columns]
    params = [u["path"] for u in res.meta.get("uncertainties", []) if u.get("path") in runs]
    rows = []
    for out in outcomes:
        unit = _unit(out) if out in METRICS else ("probability" if out == "tt_reached" else "")
        cells: list[Any] = [out]
        for o in ctx.options:
            cur = ok[ok["option"] == o][out].astype(float)
            cells.append(Markup("{} <span class=\"ci\">(sd {})</span>").format(
                num(cur.mean(), unit, "runs", out, {"option": o, "status": "ok"}, "mean"),
                derived(cur.std(), unit, f"sd({out})")))
        rows.append(cells)
    c = res.meta.get("counts", {})
    sec.blocks.append(table(
        ["Outcome", *ctx.options], rows, cls="num-table",
        caption=f"The experiment's outcomes, mean (and standard deviation) over all runs that "
        f"finished ({c.get('ok', len(ok))} ok, {c.get('error', 0)} failed, "
        f"{c.get('pending', 0)} pending)."))
    if params and outcomes:
        pts = ok.groupby(["option", "point", *params], sort=True, dropna=False)[
            [o for o in outcomes]].mean(numeric_only=True).reset_index()
        sec.blocks.append(ctx.figure(
            "outcomes", figures.outcome_scatter(pts, params[:4], outcomes[:4], ctx.options),
            "Outcomes across the design", "Each marker is one design point (mean over its "
            "replicates); columns are the varied factors, rows the outcomes."))


# --------------------------------------------------------------------------- provenance


def provenance(ctx: Ctx) -> Section:
    """Scenario hash, seeds, versions and the command that produced the results."""
    res = ctx.res
    m = res.meta
    sec = Section("provenance", *TITLES["provenance"])
    rows: list[list[Any]] = [["Results folder", Markup("<code>{}</code>").format(str(res.root))],
                             ["Format", str(m.get("format"))]]
    cmd = m.get("command")
    rows.append(["Command", Markup("<code>{}</code>").format(cmd) if cmd else "not recorded"])
    if res.kind == "run":
        rows += [["Scenario", str(m.get("scenario"))],
                 ["Scenario hash", Markup("<code>{}</code>").format(m.get("scenario_hash"))],
                 ["Seed", num(m.get("seed"), "count", "summary.json", "seed",
                              text=str(m.get("seed")))],
                 ["Size", f"{m.get('educators')} educators in {m.get('schools')} schools, "
                          f"{m.get('weeks')} weeks ({fmt(m.get('months'), 'month')} months)"]]
    elif res.kind == "sweep":
        exp, bs = m.get("experiment", {}), m.get("base_scenario", {})
        d, rep = m.get("design", {}), m.get("replicates", {})
        rows += [["Experiment", f"{exp.get('name')} ({exp.get('source')})"],
                 ["Experiment hash", Markup("<code>{}</code>").format(exp.get("hash"))],
                 ["Base scenario", Markup("{} <code>{}</code>").format(
                     bs.get("source"), bs.get("scenario_hash"))],
                 ["Design", f"{d.get('method')}, {d.get('points')} points"],
                 ["Replicates", f"{rep.get('count')} seeds from root {rep.get('seed_root')}: "
                                + _seed_text(rep.get("seeds") or [])],
                 ["Runs", f"{m.get('n_tasks')} planned; status {m.get('status')}; "
                          + ", ".join(f"{k} {v}" for k, v in (m.get("counts") or {}).items())]]
        if res.sensitivity is not None:
            sm = res.sensitivity["manifest"]
            rows.append(["Sensitivity", f"{sm.get('method')} (replicates: "
                                        f"{sm.get('replicate_handling', '–')})"])
    else:
        if res.kind == "rehearse":
            sc = m.get("scenario", {})
            rows += [["Scenario", Markup("{} <code>{}</code>").format(
                sc.get("source"), sc.get("scenario_hash"))],
                     ["Options file", str(m.get("options_file"))],
                     ["Branch", f"month {m.get('at_month')} (week {m.get('branch_week')})"]]
        for o in m.get("options", []):
            h = o.get("scenario_hash")
            rows.append([f"Option {o.get('name')}", Markup("{}{}").format(
                o.get("source") or "", Markup(" <code>{}</code>").format(h) if h else "")])
        rows += [["Baseline", str(m.get("baseline"))],
                 ["Seeds", f"{m.get('reps')} common seeds (root {m.get('seed_root')}): "
                           + _seed_text(m.get("seeds") or [])],
                 ["Confidence", fmt(m.get("confidence"), "share")]]
    for k, v in sorted((m.get("versions") or {}).items()):
        rows.append([f"{k} version", str(v)])
    from scalesim.provenance import versions

    rows.append(["Report written by", f"scalesim {versions().get('scalesim')} "
                 "(scalesim report reads the tables only; it never re-runs the model)"])
    sec.blocks.append(table(["", "Value"], rows, cls="provenance"))
    return sec


def _seed_text(seeds: Sequence[int]) -> str:
    if len(seeds) <= 12:
        return ", ".join(str(s) for s in seeds)
    return ", ".join(str(s) for s in seeds[:10]) + f", … ({len(seeds)} seeds)"


BUILDERS: dict[str, Callable[[Ctx], Section | None]] = {
    "trip-ticket": trip_ticket,
    "where-we-have-been": where_we_have_been,
    "left-behind": left_behind,
    "pit-stops": pit_stops,
    "strategies": strategies,
    "factors": factors,
    "compared-options": compared_options,
    "provenance": provenance,
}


def build_sections(ctx: Ctx) -> list[Section]:
    """Every section that applies to the folder's kind, in page order."""
    out = []
    for sid in SECTIONS[ctx.res.kind]:
        sec = BUILDERS[sid](ctx)
        if sec is not None:
            out.append(sec)
    return out


# --------------------------------------------------------------------------- headline


def _card(title: str, value: Markup, sub: Markup | str = "", tone: str = "") -> Markup:
    return Markup('<div class="card {}"><div class="card-title">{}</div>'
                  '<div class="card-value">{}</div><div class="card-sub">{}</div></div>'
                  ).format(tone, title, value, sub)


def headline(ctx: Ctx) -> Markup:
    """The cards at the top of the page: the answers a meeting asks for first."""
    res = ctx.res
    cards = []
    if res.kind == "run":
        s = "summary.json"
        tt, end, cost = res.meta["trip_ticket"], res.meta["end"], res.meta.get("cost", {})
        pct = "share of educators"
        if tt.get("reached"):
            cards.append(_card("Destination", Markup("Reached"), Markup("at month {}").format(
                num(tt["reached_month"], "month", s, "trip_ticket.reached_month")), "good"))
        else:
            cards.append(_card("Destination", Markup("Not reached"), Markup(
                "{} at depth at month {} (target {})").format(
                num(tt["achieved_at_deadline"], pct, s, "trip_ticket.achieved_at_deadline"),
                num(tt["by_month"], "month", s, "trip_ticket.by_month"),
                num(tt["target"], pct, s, "trip_ticket.target")), "bad"))
        ts = res.tables["timeseries"]
        cards.append(_card("Educators enacting", num(end["share_enacting"], pct, s,
                                                     "end.share_enacting"),
                           Markup("from {} at the start").format(
                               num(ts["share_enacting"].iloc[0], pct, "timeseries",
                                   "share_enacting", {"week": int(ts["week"].iloc[0])}))))
        cards.append(_card("High-need schools at depth",
                           num(end["destination_equity_share"], pct, s,
                               "end.destination_equity_share"),
                           Markup("equity target {}").format(
                               num(tt["equity_target"], pct, s, "trip_ticket.equity_target")),
                           "good" if tt.get("equity_clause_holds") else "bad"))
        cards.append(_card("Equity ratio", num(end["equity_ratio"], "ratio", s,
                                               "end.equity_ratio"),
                           "reach of students furthest from opportunity / all students"))
        cards.append(_card("Fuel spent", num(cost.get("capacity_spent"), "person-days", s,
                                             "cost.capacity_spent"),
                           Markup("of {} person-days available").format(
                               num(cost.get("capacity_total"), "person-days", s,
                                   "cost.capacity_total"))))
    else:
        tt = res.tables.get("trip_ticket")
        for i, o in enumerate(ctx.options):
            if tt is not None and o in set(tt["option"]):
                r = tt[tt["option"] == o].iloc[0]
                w = {"option": o}
                val = num(r["p_reached"], "probability", "trip_ticket", "p_reached", w)
                sub = Markup("P(destination) {} · {} of {} replicates").format(
                    interval(num(r["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                             num(r["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w)),
                    num(r["reached"], "count", "trip_ticket", "reached", w),
                    num(r["n"], "count", "trip_ticket", "n", w))
            else:
                runs = res.tables["runs"]
                cur = runs[(runs["option"] == o) & (runs["status"] == "ok")]
                val = num(cur["tt_reached"].mean(), "probability", "runs", "tt_reached",
                          {"option": o, "status": "ok"}, "mean")
                sub = Markup("P(destination) over {} runs").format(
                    num(len(cur), "count", "runs", "task_id", {"option": o, "status": "ok"},
                        "count"))
            title = o + (" (baseline)" if i == 0 and len(ctx.options) > 1 else "")
            cards.append(_card(title, val, sub, f"opt opt{i % 8}"))
    return Markup('<div class="cards">{}</div>').format(Markup("").join(cards))

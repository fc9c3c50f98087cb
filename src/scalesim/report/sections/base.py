"""Building blocks of the sections: the context, HTML helpers, the destination, trajectories."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.text import Text

from scalesim.metrics import METRICS, units
from scalesim.metrics.units import destination_unit
from scalesim.plotting.style import png_bytes
from scalesim.report import derive
from scalesim.report.formatting import num
from scalesim.report.loading import Results

# Section ids, titles and the question each answers, in page order.
TITLES = {
    "trip-ticket": ("Trip ticket", "Where are we going, and will we get there?"),
    "where-we-have-been": (
        "Where we have been",
        "Spread, depth, ownership, sustainability and equity of reach over time.",
    ),
    "left-behind": (
        "Who has been left behind",
        "Reach by school need and region; schools the work has not reached.",
    ),
    "pit-stops": (
        "Pit-stop checklist",
        "The four questions, answered from what the team observed, and the decisions taken.",
    ),
    "strategies": (
        "Strategy set tracker",
        "Which strategies ran when, what they cost, what "
        "they were credited with, and the fuel left.",
    ),
    "factors": ("Factor review", "The influential factors in the framework's four categories."),
    "compared-options": (
        "Compared options",
        "Side by side, on the same seeds, with intervals and paired differences.",
    ),
    "discovery": (
        "Where it fails: scenario discovery",
        "In which conditions does the outcome condition hold (PRIM box, CART leaf)?",
    ),
    "robustness": (
        "Robustness across futures",
        "Which strategy set holds up in the futures we cannot control, and where each fails.",
    ),
    "optimization": (
        "The cheapest sets that get there",
        "The front of cost against reaching the trip ticket with its equity clause.",
    ),
    "provenance": ("Provenance", "Exactly what produced these results."),
    "calibration": (
        "Calibration",
        "What the observed history says about the parameters, and how well the model fits it.",
    ),
}
# Which sections each kind of folder gets. A sweep spans many conditions, so a per-pit-stop
# checklist or a strategy timeline averaged across them would answer no team's question;
# its strategy sets are compared under "Compared options" instead.
_COMPARED = (
    "trip-ticket",
    "where-we-have-been",
    "left-behind",
    "pit-stops",
    "strategies",
    "factors",
    "compared-options",
    "provenance",
)
SECTIONS = {
    "run": (
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "pit-stops",
        "strategies",
        "factors",
        "provenance",
    ),
    "compare": _COMPARED,
    "rehearse": _COMPARED,
    "calibration": ("calibration",),
    "sweep": (
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "factors",
        "compared-options",
        "discovery",
        "robustness",
        "provenance",
    ),
    "optimize": ("optimization", "provenance"),
}
# The metrics of the side-by-side table, in reading order.
MAIN_METRICS = (
    "share_enacting",
    "share_deep",
    "destination_share",
    "destination_equity_share",
    "mean_depth",
    "mean_ownership",
    "district_ownership",
    "institutionalization",
    "reach_furthest",
    "equity_ratio",
    "high_need_coverage",
    "schools_left_behind",
    "capacity_spent",
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
        self.figure_texts: dict[str, list[str]] = {}
        self.events = res.log if res.kind == "run" else derive.decode_log(res.tables.get("log"))
        self.options = res.options
        self.base = res.scenarios.get(self.options[0]) or next(iter(res.scenarios.values()))
        # What the destination counts: its shares are of educators or of students.
        dest = (self.base.get("trip_ticket") or {}).get("destination") or {}
        self.measure = str(dest.get("measure") or "educators")
        self.dest_unit = destination_unit(self.measure)
        self.log_src = "travel_log.jsonl" if res.kind == "run" else "log"
        self.scenario_src = {
            o: (
                "scenario.yaml"
                if res.kind == "run"
                else "base_scenario.yaml"
                if res.kind == "sweep"
                else f"options/{o}/scenario.yaml"
            )
            for o in self.options
        }

    def figure(self, name: str, fig: Any, title: str, caption: str) -> Markup:
        """Render ``fig`` to PNG, keep it for figures/, and return it embedded as a data URI."""
        png = png_bytes(fig)
        fname = f"{self.prefix}-{name}.png"
        self.figures[fname] = png
        # The words drawn in it (titles, ticks, legends): what readers see, for the tests.
        self.figure_texts[fname] = [
            t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()
        ]
        b64 = base64.b64encode(png).decode("ascii")
        return Markup(
            '<figure class="fig" id="fig-{}"><img src="data:image/png;base64,{}" alt="{}" '
            'data-file="figures/{}"><figcaption><b>{}.</b> {}</figcaption></figure>'
        ).format(name, b64, title, fname, title, Markup(caption))

    def ok_runs(self, option: str) -> int:
        """Number of runs with status ``ok`` for ``option``."""
        runs = self.res.tables["runs"]
        return int(((runs["option"] == option) & (runs["status"] == "ok")).sum())


def table(
    head: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    cls: str = "",
    caption: str | None = None,
    row_header: bool = True,
) -> Markup:
    """An HTML table; str cells are escaped, Markup cells kept."""
    out = [Markup('<div class="table-wrap"><table class="{}">').format(cls)]
    if caption:
        out.append(Markup("<caption>{}</caption>").format(Markup(caption)))
    out.append(Markup("<thead><tr>"))
    out += [Markup('<th scope="col">{}</th>').format(h) for h in head]
    out.append(Markup("</tr></thead><tbody>"))
    for r in rows:
        out.append(Markup("<tr>"))
        for i, c in enumerate(r):
            tag = 'th scope="row"' if (i == 0 and row_header) else "td"
            end = "th" if (i == 0 and row_header) else "td"
            out.append(Markup(f"<{tag}>{{}}</{end}>").format(c))
        out.append(Markup("</tr>"))
    out.append(Markup("</tbody></table></div>"))
    return Markup("").join(out)


def para(text: str, *args: Any, cls: str = "") -> Markup:
    """A paragraph; ``text`` is a Markup format string, ``args`` are escaped unless Markup."""
    body = Markup(text).format(*args) if args else Markup(text)
    return (
        Markup('<p class="{}">{}</p>').format(cls, body)
        if cls
        else Markup("<p>{}</p>").format(body)
    )


def chip(text: str, tone: str) -> Markup:
    """A coloured label: ``good``, ``bad``, ``neutral``, ``info``."""
    return Markup('<span class="chip {}">{}</span>').format(tone, text)


def note(text: str, *args: Any) -> Markup:
    """A muted explanatory note."""
    return para(text, *args, cls="note")


def metric_label(metric: str, measure: str = "educators") -> str:
    """The metric's label (the name if unknown) for the destination's ``measure``.

    See :func:`scalesim.metrics.units.metric_label`.
    """
    return units.metric_label(metric, measure)


def metric_unit(metric: str, measure: str = "educators") -> str:
    """The metric's unit (empty if unknown) for the destination's ``measure``.

    See :func:`scalesim.metrics.units.metric_unit`.
    """
    return units.metric_unit(metric, measure)


def groups(ctx: Ctx) -> dict[str, str]:
    """How the trip ticket's two groups are named, for what the destination counts."""
    if ctx.measure == "students":
        return {
            "all": "All students",
            "equity": "Students furthest from opportunity (equity clause)",
            "all_short": "all students",
            "equity_short": "students furthest from opportunity",
            "who": "students",
        }
    return {
        "all": "All educators",
        "equity": "High-need schools (equity clause)",
        "all_short": "all educators",
        "equity_short": "high-need schools",
        "who": "educators",
    }


def destination(ctx: Ctx) -> dict[str, float]:
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
        return {
            "target": float(r["tt_target"]),
            "equity_target": float(r["tt_equity_target"]),
            "min_depth": float(r["tt_min_depth"]),
            "by_month": float(r["tt_by_month"]),
        }
    d = (ctx.base.get("trip_ticket") or {}).get("destination") or {}
    return {
        k: float(d.get(k, np.nan)) for k in ("target", "equity_target", "min_depth", "by_month")
    }


def destination_text(ctx: Ctx, d: dict[str, float]) -> Markup:
    """The destination as a sentence, each number tagged with its source."""
    res = ctx.res
    if res.kind == "run":

        def n(k: str, unit: str) -> Markup:
            return num(d[k], unit, "summary.json", f"trip_ticket.{k}")
    elif "trip_ticket" in res.tables:
        first = (
            ctx.options[0]
            if res.kind != "sweep"
            else str(res.tables["trip_ticket"]["option"].iloc[0])
        )

        def n(k: str, unit: str) -> Markup:
            return num(d[k], unit, "trip_ticket", k, {"option": first})
    else:

        def n(k: str, unit: str) -> Markup:
            return num(d[k], unit, "runs", f"tt_{k}", {"status": "ok"}, agg="mean")

    if ctx.measure == "students":
        text = (
            "<strong>{}</strong> of students with an educator enacting at depth ≥ {} by month "
            "{}, including <strong>{}</strong> of students furthest from opportunity (the "
            "equity clause)."
        )
    else:
        text = (
            "<strong>{}</strong> of educators enacting at depth ≥ {} by month {}, "
            "including <strong>{}</strong> of educators in high-need schools (the equity clause)."
        )
    return Markup(text).format(
        n("target", ctx.dest_unit),
        n("min_depth", "0–1"),
        n("by_month", "month"),
        n("equity_target", ctx.dest_unit),
    )


def trajectory_bands(ctx: Ctx) -> pd.DataFrame | None:
    """Trajectories in the long ``bands`` layout for any kind of folder."""
    res = ctx.res
    if res.kind == "run":
        return derive.run_bands(res.tables["timeseries"], ctx.options[0])
    if "bands" in res.tables:
        return res.tables["bands"]
    ts = res.tables.get("timeseries")
    if ts is None:
        return None
    ok = res.tables["runs"].loc[
        res.tables["runs"]["status"] == "ok", ["option", "replicate", "task_id"]
    ]
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
        long.append(
            pd.DataFrame(
                {
                    "metric": m,
                    "month": months,
                    "mean": mean[m],
                    "n": cnt[m],
                    "ci_low": mean[m] - half,
                    "ci_high": mean[m] + half,
                    "p10": p10[m],
                    "p90": p90[m],
                }
            ).reset_index()
        )
    return pd.concat(long, ignore_index=True)

"""The headline cards at the top of the page."""

from __future__ import annotations

from markupsafe import Markup

from scalesim.report.formatting import interval, num
from scalesim.report.sections.base import (
    Ctx,
)
from scalesim.report.sections.lead import lead

# --------------------------------------------------------------------------- headline


def _card(title: str, value: Markup, sub: Markup | str = "", tone: str = "") -> Markup:
    return Markup(
        '<div class="card {}"><div class="card-title">{}</div>'
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
            cards.append(
                _card(
                    "Destination",
                    Markup("Reached"),
                    Markup("at month {}").format(
                        num(tt["reached_month"], "month", s, "trip_ticket.reached_month")
                    ),
                    "good",
                )
            )
        else:
            cards.append(
                _card(
                    "Destination",
                    Markup("Not reached"),
                    Markup("{} at depth at month {} (target {})").format(
                        num(tt["achieved_at_deadline"], pct, s, "trip_ticket.achieved_at_deadline"),
                        num(tt["by_month"], "month", s, "trip_ticket.by_month"),
                        num(tt["target"], pct, s, "trip_ticket.target"),
                    ),
                    "bad",
                )
            )
        ts = res.tables["timeseries"]
        cards.append(
            _card(
                "Educators enacting",
                num(end["share_enacting"], pct, s, "end.share_enacting"),
                Markup("from {} at the start").format(
                    num(
                        ts["share_enacting"].iloc[0],
                        pct,
                        "timeseries",
                        "share_enacting",
                        {"week": int(ts["week"].iloc[0])},
                    )
                ),
            )
        )
        cards.append(
            _card(
                "High-need schools at depth",
                num(end["destination_equity_share"], pct, s, "end.destination_equity_share"),
                Markup("equity target {}").format(
                    num(tt["equity_target"], pct, s, "trip_ticket.equity_target")
                ),
                "good" if tt.get("equity_clause_holds") else "bad",
            )
        )
        cards.append(
            _card(
                "Equity ratio",
                num(end["equity_ratio"], "ratio", s, "end.equity_ratio"),
                "reach of students furthest from opportunity / all students",
            )
        )
        cards.append(
            _card(
                "Fuel spent",
                num(cost.get("capacity_spent"), "person-days", s, "cost.capacity_spent"),
                Markup("of {} person-days available").format(
                    num(cost.get("capacity_total"), "person-days", s, "cost.capacity_total")
                ),
            )
        )
    else:
        tt = res.tables.get("trip_ticket")
        for i, o in enumerate(ctx.options):
            if tt is not None and o in set(tt["option"]):
                r = tt[tt["option"] == o].iloc[0]
                w = {"option": o}
                val = num(r["p_reached"], "probability", "trip_ticket", "p_reached", w)
                sub = Markup("P(destination) {} · {} of {} replicates").format(
                    interval(
                        num(r["p_ci_low"], "probability", "trip_ticket", "p_ci_low", w),
                        num(r["p_ci_high"], "probability", "trip_ticket", "p_ci_high", w),
                    ),
                    num(r["reached"], "count", "trip_ticket", "reached", w),
                    num(r["n"], "count", "trip_ticket", "n", w),
                )
            else:
                runs = res.tables["runs"]
                cur = runs[(runs["option"] == o) & (runs["status"] == "ok")]
                val = num(
                    cur["tt_reached"].mean(),
                    "probability",
                    "runs",
                    "tt_reached",
                    {"option": o, "status": "ok"},
                    "mean",
                )
                sub = Markup("P(destination) over {} runs").format(
                    num(
                        len(cur), "count", "runs", "task_id", {"option": o, "status": "ok"}, "count"
                    )
                )
            title = o + (
                " (baseline)" if i == 0 and len(ctx.options) > 1 and "baseline" not in o else ""
            )
            cards.append(_card(title, val, sub, f"opt opt{i % 8}"))
    cards_html = Markup('<div class="cards">{}</div>').format(Markup("").join(cards))
    return cards_html + lead(ctx)

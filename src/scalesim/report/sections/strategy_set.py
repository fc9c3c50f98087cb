"""Strategy set tracker: which strategies ran when, cost, credited enactments, fuel left."""

from __future__ import annotations

from typing import Any

import numpy as np
from markupsafe import Markup

from scalesim.plotting.journey import capacity, channel_bars, gantt
from scalesim.report import derive
from scalesim.report.formatting import derived, fmt, is_missing, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    note,
    para,
    table,
    trajectory_bands,
)
from scalesim.scenario.names import plain_label, plain_spec, plain_text

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
        sec.blocks.append(
            note(
                "No strategies in this scenario: the district is left alone "
                "(the baseline a strategy set is compared against)."
            )
        )
    st = res.tables.get("strategies")
    if st is not None and len(st):
        spent_total = float(st["spent"].sum())
        rows = []
        for _, r in st.iterrows():
            w = {"strategy": r["strategy"]}
            when = Markup("{}–{}").format(
                num(r["start_month"], "month", "strategies", "start_month", w),
                num(r["end_month"], "month", "strategies", "end_month", w)
                if not is_missing(r["end_month"])
                else "end",
            )
            per = (
                derived(
                    r["spent"] / r["credited_enactments"],
                    "person-days each",
                    "spent / credited_enactments",
                )
                if r["credited_enactments"] > 0
                else Markup("–")
            )
            rows.append(
                [
                    plain_label(r["strategy"]),
                    plain_label(r["type"]),
                    when,
                    plain_text(r.get("rule", "–")),
                    Markup("{} / {}").format(
                        num(r.get("schools"), "count", "strategies", "schools", w),
                        num(r.get("educators"), "count", "strategies", "educators", w),
                    ),
                    Markup("{} <small>({})</small>").format(
                        num(r["spent"], "person-days", "strategies", "spent", w),
                        derived(
                            r["spent"] / spent_total if spent_total else np.nan,
                            "share",
                            "spent / total spent",
                        ),
                    ),
                    num(r.get("shortfall"), "person-days", "strategies", "shortfall", w),
                    num(r["credited_enactments"], "count", "strategies", "credited_enactments", w),
                    per,
                ]
            )
        sec.blocks.append(
            table(
                [
                    "Strategy",
                    "Type",
                    "Months",
                    "Selection",
                    "Schools / educators",
                    "Spent (person-days)",
                    "Short of capacity",
                    "Credited enactments",
                    "Person-days per enactment",
                ],
                rows,
                cls="num-table",
                caption="Each strategy's timing, whom it selected, what it cost, the capacity it "
                "was short of, and the new enactments credited to it.",
            )
        )
    sec.blocks.append(
        para(
            "Fuel: {} person-days available over the run, {} spent; {} of weekly capacity left at "
            "the end.",
            num(cost.get("capacity_total"), "person-days", "summary.json", "cost.capacity_total"),
            num(cost.get("capacity_spent"), "person-days", "summary.json", "cost.capacity_spent"),
            num(
                end.get("capacity_left"),
                "share of weekly capacity",
                "summary.json",
                "end.capacity_left",
            ),
        )
    )
    mk = derive.run_markers(res)
    if specs:
        horizon = float(ctx.base.get("horizon_months", 36))
        tl = derive.strategy_timeline(ctx.events, specs, horizon)
        labels = []
        for name in tl["strategy"]:
            if st is not None and name in set(st["strategy"]):
                r = st[st["strategy"] == name].iloc[0]
                labels.append(
                    f"{int(r['credited_enactments']):,} credited · {float(r['spent']):,.0f} pd"
                )
            else:
                labels.append("")
        tl["label"] = labels
        # Labels are keys until here; the figure shows them as users read them.
        tl["strategy"] = [plain_label(n) for n in tl["strategy"]]
        decisions = [
            (m, plain_label(n), plain_text(a)) for m, n, a in derive.strategy_decisions(ctx.events)
        ]
        sec.blocks.append(
            ctx.figure(
                "strategy-timeline",
                gantt(tl, horizon, decisions, mk),
                "Strategy set over time",
                "Bars show when each strategy ran (from the travel log); "
                "diamonds mark pit-stop decisions that changed it; right: enactments credited to "
                "it and capacity it spent (person-days). Dotted lines are planned pit stops.",
            )
        )
    bands = derive.run_bands(res.tables["timeseries"], ctx.options[0])
    if specs:
        budget = {ctx.options[0]: float(cost.get("capacity_total", np.nan))}
        sec.blocks.append(
            ctx.figure(
                "capacity",
                capacity(bands, ctx.options, mk, budget),
                "Fuel",
                "Capacity spent so far (person-days, against the total available over the run) "
                "and the share of each week's capacity left after the strategies took their share.",
            )
        )
    ch = res.meta.get("adoptions_by_channel") or {}
    if ch:
        total = sum(ch.values())
        rows = [
            [
                derive.channel_name(k),
                num(v, "count", "summary.json", f"adoptions_by_channel.{k}"),
                derived(v / total if total else np.nan, "share", "count / total"),
            ]
            for k, v in sorted(ch.items(), key=lambda kv: -kv[1])
        ]
        sec.blocks.append(
            table(
                ["Channel", "New enactments", "Share"],
                rows,
                cls="num-table",
                caption="Where new enactments came from: strategies (by name), "
                "peers, mandates or outside influence.",
            )
        )


def _strategies_multi(ctx: Ctx, sec: Section) -> None:
    res = ctx.res
    runs = res.tables["runs"]
    head = [
        "Option",
        "Strategies (months)",
        "Capacity spent per run (person-days)",
        "Available per run",
    ]
    rows = []
    for o in ctx.options:
        specs = (res.scenarios.get(o) or {}).get("strategies") or []
        text = (
            ", ".join(
                f"{plain_spec(s)} ({fmt(s.get('start_month') or 0, 'month')}–"
                f"{'end' if s.get('end_month') is None else fmt(s['end_month'], 'month')})"
                for s in specs
            )
            or "none (the district is left alone)"
        )
        if res.kind == "rehearse":
            opt = next((x for x in res.meta.get("options", []) if x.get("name") == o), {})
            at = fmt(res.meta.get("at_month"), "month")
            if opt.get("strategies") is not None:
                text = f"from month {at} (the branch point): {text}"
            elif opt.get("overrides"):
                text += "; from month {}: {}".format(
                    at, ", ".join(f"{k} = {v}" for k, v in opt["overrides"].items())
                )
        w = {"option": o, "status": "ok"}
        cur = runs[(runs["option"] == o) & (runs["status"] == "ok")]
        rows.append(
            [
                o,
                text,
                num(
                    cur["capacity_spent"].mean(), "person-days", "runs", "capacity_spent", w, "mean"
                ),
                num(
                    cur["capacity_total"].mean(), "person-days", "runs", "capacity_total", w, "mean"
                ),
            ]
        )
    sec.blocks.append(
        table(
            head,
            rows,
            cls="num-table",
            caption="Each option's strategy set (timing as planned in its "
            "scenario; in a rehearsal, changes apply from the branch point) "
            "and the fuel it used.",
        )
    )
    st = res.tables.get("strategies")
    if st is not None and len(st):
        names = list(dict.fromkeys(st["strategy"]))
        opts = [o for o in ctx.options if o in set(st["option"])]
        rows = []
        for name in names:
            cells: list[Any] = [plain_label(name)]
            for o in opts:
                cur = st[(st["option"] == o) & (st["strategy"] == name)]
                if cur.empty:
                    cells.append("–")
                    continue
                n_runs = max(ctx.ok_runs(o), 1)
                w = {"option": o, "strategy": name}
                cells.append(
                    Markup("{} pd · {} credited").format(
                        num(
                            cur["spent"].sum() / n_runs,
                            "person-days",
                            "strategies",
                            "spent",
                            w,
                            "per_run",
                        ),
                        num(
                            cur["credited_enactments"].sum() / n_runs,
                            "per run",
                            "strategies",
                            "credited_enactments",
                            w,
                            "per_run",
                        ),
                    )
                )
            rows.append(cells)
        sec.blocks.append(
            table(
                ["Strategy", *opts],
                rows,
                cls="num-table",
                caption="Cost (person-days, pd) and credited enactments by "
                "strategy, per run (means over replicates).",
            )
        )
    ch = res.tables.get("channels")
    if ch is not None and len(ch):
        agg = ch.groupby(["option", "channel"], sort=False)["new_enacting"].sum().reset_index()
        agg["value"] = [
            v / max(ctx.ok_runs(o), 1)
            for o, v in zip(agg["option"], agg["new_enacting"], strict=True)
        ]
        channels = list(dict.fromkeys(agg.sort_values("value", ascending=False)["channel"]))
        rows = []
        for c in channels:
            cells: list[Any] = [derive.channel_name(c)]
            for o in ctx.options:
                cur = agg[(agg["option"] == o) & (agg["channel"] == c)]
                val = float(cur["value"].iloc[0]) if len(cur) else 0.0
                cells.append(
                    num(
                        val,
                        "per run",
                        "channels",
                        "new_enacting",
                        {"option": o, "channel": c},
                        "per_run",
                    )
                )
            rows.append(cells)
        sec.blocks.append(
            table(
                ["Channel", *ctx.options],
                rows,
                cls="num-table",
                caption="New enactments credited to each channel, per run (mean over replicates).",
            )
        )
        sec.blocks.append(
            ctx.figure(
                "channels",
                channel_bars(
                    agg.assign(channel=agg["channel"].map(derive.channel_name)), ctx.options
                ),
                "Credited enactments by channel",
                "New enactments credited to each strategy, to peers and "
                "to outside influence, per run.",
            )
        )
    bands = trajectory_bands(ctx)
    if bands is not None and "capacity_spent" in set(bands["metric"]):
        budget = {
            o: float(
                runs.loc[(runs["option"] == o) & (runs["status"] == "ok"), "capacity_total"].mean()
            )
            for o in ctx.options
        }
        mk = derive.multi_markers(res, ctx.events)
        sec.blocks.append(
            ctx.figure(
                "capacity",
                capacity(bands, ctx.options, mk, budget),
                "Fuel",
                "Capacity spent so far (person-days; dashed: available over the run) and the "
                "share of each week's capacity left, mean over replicates with 95% interval.",
            )
        )

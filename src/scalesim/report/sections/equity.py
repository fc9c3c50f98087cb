"""Who has been left behind: reach by school need and region, schools not reached, concentration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from scalesim.plotting.equity import reach_groups, reach_schools
from scalesim.report import derive
from scalesim.report.formatting import derived, fmt, interval, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    para,
    table,
)
from scalesim.workbench.stats import NEED_LABELS

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
            rows.append(
                [
                    r["option"],
                    r["need_bin"],
                    num(r["schools"], "schools", "equity_by_need", "schools", w),
                    Markup("{} {}").format(
                        num(r["share_enacting"], pct, "equity_by_need", "share_enacting", w),
                        interval(
                            num(r["ci_low"], pct, "equity_by_need", "ci_low", w),
                            num(r["ci_high"], pct, "equity_by_need", "ci_high", w),
                        ),
                    ),
                    num(r["share_deep"], pct, "equity_by_need", "share_deep", w),
                    num(r["never_reached"], "schools", "equity_by_need", "never_reached", w),
                ]
            )
        sec.blocks.append(
            table(
                [
                    "Option",
                    "Students furthest from opportunity",
                    "Schools (per run)",
                    "Educators enacting [95% CI]",
                    "At depth",
                    "Never reached (per run)",
                ],
                rows,
                cls="num-table",
                caption="Reach by school need at the end (mean over "
                "replicates of each band's educator-weighted share).",
            )
        )
        plot_ebn = ebn
    else:
        plot_ebn = _need_table(ctx, sec, sch)
    reg = _region_table(ctx, sec, sch)
    sec.blocks.append(
        ctx.figure(
            "reach-groups",
            reach_groups(plot_ebn, reg, ctx.options),
            "Reach by school need and by region",
            "Share of each group's educators enacting (light bars) and enacting at depth (hatched) "
            "at the end. Need groups are schools by their share of students furthest from "
            "opportunity."
            + (
                " Error bars: 95% interval over replicates; regions are pooled over replicates."
                if res.multi
                else ""
            ),
        )
    )
    _not_reached(ctx, sec, sch)
    curves, index = derive.concentration_curves(sch, ctx.options)
    if curves:
        d = ctx.base.get("district") or {}
        lb = float((ctx.base.get("metrics") or {}).get("left_behind_share", 0.1))
        cap = (
            "Right: schools ranked from the highest share of students furthest from "
            "opportunity; the curve shows the share of those students' reach delivered by "
            "the time a given share of them is counted. On the diagonal, reach is in "
            "proportion to need; above it, reach is concentrated in the highest-need "
            "schools."
        )
        if res.multi:
            cap = cap.replace("Right: s", "S") + " Band: 10th–90th percentile of replicates."
        else:
            cap = (
                "Left: each dot is a school (size: its educators), by its share of students "
                "furthest from opportunity and its share of educators enacting at the end; "
                "crosses mark schools never reached. " + cap
            )
        sec.blocks.append(
            ctx.figure(
                "reach-schools",
                reach_schools(
                    None if res.multi else sch,
                    curves,
                    ctx.options,
                    float(d.get("high_need_threshold", 0.75)),
                    lb,
                ),
                "Every school, and the concentration of reach"
                if not res.multi
                else "Concentration of reach",
                cap,
            )
        )
        items = Markup("").join(
            Markup("<li>{}: {}</li>").format(o, derived(v, "index", "concentration index"))
            for o, v in index.items()
        )
        sec.blocks.append(
            Markup(
                "<p>Concentration index (twice the area between the curve and the diagonal; 0 = "
                "in proportion to need, positive = concentrated in the highest-need schools"
                '{}):</p><ul class="inline">{}</ul>'
            ).format(", mean over replicates" if res.multi else "", items)
        )
    return sec


def _need_table(ctx: Ctx, sec: Section, sch: pd.DataFrame) -> pd.DataFrame:
    """Need-band table computed from the schools table (single run, or a sweep)."""
    res = ctx.res
    pct = "share of educators"
    groups = derive.schools_by(sch, "need_bin")
    rows, plot = [], []
    for o in ctx.options:
        for i, lab in enumerate(NEED_LABELS):
            mask = groups["need_bin"] == i
            if res.multi:
                mask &= groups["option"] == o
            if not mask.any():
                continue
            g = groups[mask].iloc[0]
            w = dict(derive.need_where(i))
            if res.multi:
                w["option"] = o
            share, deep, never = g["share"], g["share_deep"], int(g["never"])
            w_never = {**w, "ever_reached": False}
            if res.multi:
                n_runs = max(ctx.ok_runs(o), 1)
                schools = num(
                    g["schools"] / n_runs, "schools", "schools", "school", w, "count_per_run"
                )
                nev = num(never / n_runs, "schools", "schools", "school", w_never, "count_per_run")
            else:
                schools = num(int(g["schools"]), "count", "schools", "school", w, "count")
                nev = num(never, "count", "schools", "school", w_never, "count")
            row = [
                lab,
                schools,
                num(
                    g["educators"] / (n_runs if res.multi else 1),
                    "educators",
                    "schools",
                    "educators",
                    w,
                    "per_run" if res.multi else "sum",
                ),
                num(share, pct, "schools", "enacting", w, "ratio", den="educators"),
                num(deep, pct, "schools", "deep", w, "ratio", den="educators"),
                nev,
            ]
            rows.append(([o] if res.multi else []) + row)
            plot.append(
                {
                    "option": o,
                    "need_bin": lab,
                    "share_enacting": share,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "share_deep": deep,
                }
            )
    head = (["Option"] if res.multi else []) + [
        "Students furthest from opportunity",
        "Schools",
        "Educators",
        "Educators enacting",
        "At depth",
        "Never reached",
    ]
    cap = "Reach by school need at the end of the run."
    if res.multi:
        cap = (
            "Reach by school need at the end, pooled over all runs (schools, educators and "
            "never-reached counts are per run)."
        )
    sec.blocks.append(table(head, rows, cls="num-table", caption=cap, row_header=not res.multi))
    return pd.DataFrame(plot)


def _region_table(ctx: Ctx, sec: Section, sch: pd.DataFrame) -> pd.DataFrame:
    res = ctx.res
    pct = "share of educators"
    reg = derive.schools_by(sch, "region")
    if "option" not in reg.columns:
        reg["option"] = ctx.options[0]
    regions = sorted(reg["region"].unique())
    head = ["Region"] + [
        f"{o}: enacting · at depth" if res.multi else "Schools"
        for o in (ctx.options if res.multi else ctx.options[:1])
    ]
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
                cells.append(
                    Markup("{} · {}").format(
                        num(r["share"], pct, "schools", "enacting", w, "ratio", den="educators"),
                        num(r["share_deep"], pct, "schools", "deep", w, "ratio", den="educators"),
                    )
                )
            rows.append(cells)
        else:
            r = reg[reg["region"] == g].iloc[0]
            w = {"region": g}
            rows.append(
                [
                    g,
                    num(r["schools"], "count", "schools", "school", w, "count"),
                    num(r["high_need"], "count", "schools", "high_need", w, "sum"),
                    num(r["share"], pct, "schools", "enacting", w, "ratio", den="educators"),
                    num(r["share_deep"], pct, "schools", "deep", w, "ratio", den="educators"),
                    num(
                        r["never"],
                        "count",
                        "schools",
                        "school",
                        {**w, "ever_reached": False},
                        "count",
                    ),
                ]
            )
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
            rows.append(
                [
                    o,
                    num(
                        never / n_runs,
                        "schools",
                        "schools",
                        "school",
                        {**w, "ever_reached": False},
                        "count_per_run",
                    ),
                    num(
                        behind / n_runs,
                        "schools",
                        "schools",
                        "school",
                        {**w, "share_enacting": {"lt": lb}},
                        "count_per_run",
                    ),
                    num(
                        hn_behind / n_runs,
                        "schools",
                        "schools",
                        "school",
                        {**w, "share_enacting": {"lt": lb}, "high_need": True},
                        "count_per_run",
                    ),
                ]
            )
        sec.blocks.append(
            table(
                [
                    "Option",
                    "Schools never reached",
                    f"Left behind at the end (< {fmt(lb, 'share')} enacting)",
                    "…of which high-need",
                ],
                rows,
                cls="num-table",
                caption="Schools the work has not reached, per run (mean over replicates). A "
                "school is reached once any of its educators enacts.",
            )
        )
        return
    never = sch[~sch["ever_reached"].astype(bool)]
    behind = sch[sch["share_enacting"] < lb].sort_values(
        ["high_need", "need_share"], ascending=[False, False]
    )
    sec.blocks.append(
        para(
            "{} schools were never reached (no educator ever enacted); {} schools are left behind "
            "at the end (fewer than {} of their educators enacting), {} of them high-need.",
            num(len(never), "count", "schools", "school", {"ever_reached": False}, "count"),
            num(len(behind), "count", "schools", "school", {"share_enacting": {"lt": lb}}, "count"),
            fmt(lb, "share"),
            num(
                int(behind["high_need"].sum()),
                "count",
                "schools",
                "school",
                {"share_enacting": {"lt": lb}, "high_need": True},
                "count",
            ),
        )
    )
    listed = pd.concat([never, behind]).drop_duplicates("school")
    if len(listed):
        rows = []
        for _, r in listed.head(30).iterrows():
            w = {"school": int(r["school"])}
            rows.append(
                [
                    r["name"],
                    r["region"],
                    "yes" if r["high_need"] else "no",
                    num(r["need_share"], "share", "schools", "need_share", w),
                    num(r["educators"], "count", "schools", "educators", w),
                    num(r["share_enacting"], "share of educators", "schools", "share_enacting", w),
                    "never" if not r["ever_reached"] else "left behind",
                ]
            )
        more = f" (first 30 of {len(listed)})" if len(listed) > 30 else ""
        sec.blocks.append(
            table(
                [
                    "School",
                    "Region",
                    "High-need",
                    "Students furthest from opportunity",
                    "Educators",
                    "Enacting (end)",
                    "Status",
                ],
                rows,
                cls="num-table",
                caption=f"Schools not reached or left behind{more}, high-need first.",
            )
        )

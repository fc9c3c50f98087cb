"""Deciding under uncertainty: where a sweep's condition holds, which set is robust, the front.

Three sections, drawn from the tables ``scalesim discover``, ``scalesim robustness`` (both
in a sweep's sub-folders) and ``scalesim optimize`` write; nothing is recomputed beyond
picking rows. See docs/decisions-under-uncertainty.md.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from markupsafe import Markup

from scalesim.metrics.units import metric_title
from scalesim.plotting.discovery import (
    box_limits,
    pareto_front,
    peeling_trajectory,
    robustness_bars,
    timelines,
)
from scalesim.report.formatting import interval, num
from scalesim.report.sections.base import TITLES, Ctx, Section, metric_label, note, para, table
from scalesim.scenario.names import plain_spec


def _range(r: pd.Series, src: str) -> Markup:
    w = {"dimension": str(r["dimension"])}
    if r["kind"] == "categories":
        return Markup("in {{{}}}").format(r["values"])
    return Markup("{} – {}").format(
        num(r["min"], "", src, "min", w), num(r["max"], "", src, "max", w)
    )


def discovery(ctx: Ctx) -> Section | None:
    """The chosen PRIM box (or CART leaf), the peeling trajectory and the box limits."""
    a = ctx.res.analyses.get("discover")
    if a is None:
        return None
    m, t = a["manifest"], a["tables"]
    sec = Section("discovery", *TITLES["discovery"])
    src = "discover/peeling_trajectory"
    traj = t["peeling_trajectory"]
    row = traj[traj["chosen"]].iloc[0]
    w = {"chosen": True}
    sec.blocks.append(
        para(
            "Condition <code>{}</code> holds in {} of {} runs. The chosen PRIM box (the highest "
            "coverage among boxes with density ≥ 80%) holds {} of those runs, {} of the runs "
            "inside it meet the condition, and it restricts {} dimension(s).",
            m.get("outcome"),
            num(m.get("cases_meeting"), "count", "discover/manifest.json", "cases_meeting"),
            num(m.get("cases"), "count", "discover/manifest.json", "cases"),
            num(row["coverage"], "share", src, "coverage", w),
            num(row["density"], "share", src, "density", w),
            num(row["res_dim"], "count", src, "res_dim", w),
        )
    )
    box = t["box"]
    if len(box):
        rows = []
        for _, r in box.iterrows():
            rng = (
                ""
                if r["kind"] == "categories"
                else Markup("{} – {}").format(
                    num(
                        r["range_min"],
                        "",
                        "discover/box",
                        "range_min",
                        {"dimension": r["dimension"]},
                    ),
                    num(
                        r["range_max"],
                        "",
                        "discover/box",
                        "range_max",
                        {"dimension": r["dimension"]},
                    ),
                )
            )
            rows.append([str(r["dimension"]), _range(r, "discover/box"), rng])
        sec.blocks.append(
            table(
                ["Dimension", "In the box (PRIM)", "Range in the sweep"],
                rows,
                caption="The chosen PRIM box: its restricted dimensions.",
            )
        )
    name = str(m.get("outcome"))
    sec.blocks.append(
        ctx.figure(
            "discover-trajectory",
            peeling_trajectory(t["peeling_trajectory"], name),
            "PRIM peeling trajectory",
            "Every box PRIM tried, from the whole space (coverage 100%) inwards; the ring marks "
            "the chosen box.",
        )
    )
    sec.blocks.append(
        ctx.figure(
            "discover-box",
            box_limits(box, name),
            "Box limits",
            "Each restricted dimension's limits within its range in the sweep.",
        )
    )
    cart = t["cart"]
    top = cart[(cart["rank"] == 0) & (cart["dimension"] != "")]
    if len(top):
        sec.blocks.append(
            note(
                "CART, the alternative view (a depth-3 tree): its densest leaf ({} density, {} "
                "coverage) restricts {}.",
                num(
                    top["density"].iloc[0],
                    "share",
                    "discover/cart",
                    "density",
                    {"rank": 0},
                    "first",
                ),
                num(
                    top["coverage"].iloc[0],
                    "share",
                    "discover/cart",
                    "coverage",
                    {"rank": 0},
                    "first",
                ),
                ", ".join(map(str, top["dimension"])),
            )
        )
    return sec


def robustness(ctx: Ctx) -> Section | None:
    """Satisficing share, regret and where each option fails, across the sweep's futures."""
    a = ctx.res.analyses.get("robustness")
    if a is None:
        return None
    m, t = a["manifest"], a["tables"]
    sec = Section("robustness", *TITLES["robustness"])
    for s in m.get("verdict", []):
        sec.blocks.append(para(Markup(str(Markup.escape(s)).replace("**", ""))))
    rob = t["robustness"]
    src = "robustness/robustness"
    rows = []
    for _, r in rob.iterrows():
        w = {"option": r["option"], "outcome": r["outcome"]}
        unit = ""
        rows.append(
            [
                str(r["option"]),
                metric_label(str(r["outcome"])),
                num(r["satisficing_share"], "share", src, "satisficing_share", w),
                num(r["mean"], unit, src, "mean", w),
                num(r["p10"], unit, src, "p10", w),
                num(r["max_regret"], unit, src, "max_regret", w),
                num(r["p90_regret"], unit, src, "p90_regret", w),
            ]
        )
    sec.blocks.append(
        table(
            [
                "Option",
                "Outcome",
                "Futures meeting the criterion",
                "Mean",
                "10th pct",
                "Max regret",
                "90th pct regret",
            ],
            rows,
            caption=f"Criterion: <code>{Markup.escape(m.get('criterion'))}</code>; regret "
            "against the best option in the same future.",
        )
    )
    first = str(rob["outcome"].iloc[0])
    sec.blocks.append(
        ctx.figure(
            "robustness",
            robustness_bars(rob[rob["outcome"] == first], first),
            "Robustness across futures",
            "Share of futures meeting the criterion, and regret (max, 90th percentile).",
        )
    )
    sec.blocks.append(
        note(
            "Paired differences to {} per design point, with 95% intervals, are in "
            "<code>robustness/paired</code>.",
            str(m.get("baseline")),
        )
    )
    return sec


PROBABILITIES = ("tt_reached", "tt_equity_clause_holds")


def _label(name: str) -> str:
    if name == "tt_reached":
        return "P(trip ticket reached, with its equity clause)"
    if name == "tt_equity_clause_holds":
        return "P(equity clause holds)"
    return metric_title(name)


def _timeline_rows(s: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {
            "strategy": plain_spec(x),
            "start": float(x.get("start_month", 0.0)),
            "end": float(x["end_month"]) if x.get("end_month") is not None else float("nan"),
            "intensity": float(x.get("intensity", 1.0)),
        }
        for x in s.get("strategies", [])
    ]
    return pd.DataFrame(rows, columns=["strategy", "start", "end", "intensity"])


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five")


def picked_sets(n: int) -> str:
    """The picked sets named as the text refers to them: "the set A", "the two sets A and B".

    ``pick_three`` picks up to three distinct points; a front of one or two points gives
    fewer, and the text counts what is shown.
    """
    letters = [chr(ord("A") + k) for k in range(n)]
    if n == 1:
        return "the set A"
    count = NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)
    listed = " and ".join(letters) if n == 2 else ", ".join(letters)
    return f"the {count} sets {listed}"


def optimization(ctx: Ctx) -> Section:
    """The front of cost against reaching the trip ticket, and the picked sets' timelines."""
    res = ctx.res
    m = res.meta
    trials = res.tables["trials"]
    objs = [o["name"] for o in m.get("objectives", [])]
    cost, goal = objs[0], objs[1]
    sec = Section("optimization", *TITLES["optimization"])
    ok = trials[trials["state"] == "complete"]
    sec.blocks.append(
        para(
            "{} candidates evaluated on the same {} seeds each ({} sampler, seed {}); {} on the "
            "front of {} against {}.",
            num(len(trials), "count", "trials", "trial", agg="count"),
            num(
                (m.get("replicates") or {}).get("count"),
                "count",
                "manifest.json",
                "replicates.count",
            ),
            str(m.get("sampler")),
            str(m.get("seed")),
            num(len(m.get("front", [])), "count", "front", "trial", agg="count"),
            _label(cost),
            _label(goal),
        )
    )
    front, picked = list(m.get("front", [])), list(m.get("picked", []))
    if len(ok) and front:
        sec.blocks.append(
            ctx.figure(
                "front",
                pareto_front(
                    ok,
                    cost,
                    objs[1:],
                    front,
                    picked,
                    _label(cost),
                    [_label(o) for o in objs[1:]],
                    [o in PROBABILITIES for o in objs[1:]],
                ),
                "Pareto front",
                f"Every candidate (grey), the front (blue), and {picked_sets(len(picked))} shown "
                "below."
                if picked
                else "Every candidate (grey) and the front (blue).",
            )
        )
    rows = []
    fr = trials.set_index("trial")
    for k, tnum in enumerate(picked):
        r = fr.loc[tnum]
        w = {"trial": int(tnum)}
        s = json.loads(r["set"])
        names = ", ".join(plain_spec(x) for x in s["strategies"]) or "none"
        rows.append(
            [
                f"{chr(ord('A') + k)} (trial {int(tnum)})",
                num(r[cost], "", "trials", cost, w),
                Markup("{} {}").format(
                    num(r[goal], "probability", "trials", goal, w),
                    interval(
                        num(r[f"{goal}_ci_low"], "probability", "trials", f"{goal}_ci_low", w),
                        num(r[f"{goal}_ci_high"], "probability", "trials", f"{goal}_ci_high", w),
                    ),
                )
                if f"{goal}_ci_low" in r.index
                else num(r[goal], "", "trials", goal, w),
                names,
                Markup("<code>sets/trial-{:04d}.yaml</code>").format(int(tnum)),
            ]
        )
    if rows:
        sec.blocks.append(
            table(
                ["Set", metric_label(cost), metric_label(goal), "Strategies", "Scenario file"], rows
            )
        )
        sets = [
            (f"{chr(ord('A') + k)}: trial {int(t)}", _timeline_rows(json.loads(fr.loc[t, "set"])))
            for k, t in enumerate(picked)
        ]
        sec.blocks.append(
            ctx.figure(
                "front-timelines",
                timelines(sets, float(m.get("horizon_months") or 36)),
                "Strategy timelines of "
                + picked_sets(len(picked)).replace("the ", "", 1)
                + " on the front",
                "Which strategies run when, at what intensity (×).",
            )
        )
    else:
        sec.blocks.append(note("No feasible candidate: nothing is on the front."))
    sec.blocks.append(
        note(
            "Each set's scenario file runs as it is (<code>scalesim run</code>, "
            "<code>compare</code>, <code>rehearse</code>). The front of noisy estimates keeps "
            "lucky points: compare a set again on fresh seeds before choosing it."
        )
    )
    return sec

"""Pit-stop checklist (Tool #2 of ``000_*.txt``): the four questions and the decisions taken."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
from markupsafe import Markup

from scalesim.plotting.journey import pit_measurement
from scalesim.report import derive
from scalesim.report.formatting import derived, fmt, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    chip,
    note,
    table,
)
from scalesim.scenario.names import plain_text

# --------------------------------------------------------------------------- pit stops


def pit_stops(ctx: Ctx) -> Section:
    """The checklist of each pit stop, from observed indicators, and the decisions."""
    sec = Section("pit-stops", *TITLES["pit-stops"])
    stops = [e for e in ctx.events if e.get("kind") == "pit_stop"]
    if ctx.res.kind != "run" and "log" not in ctx.res.tables:
        sec.blocks.append(
            note(
                "This folder has no <code>log</code> table (the travel logs of "
                "the runs), so the checklist cannot be shown."
            )
        )
        return sec
    if not stops:
        sec.blocks.append(
            note("No pit stops in these results: the scenario plans none, and no shock called one.")
        )
        return sec
    # Each option's own measurement (options may measure differently).
    hows: dict[str, str] = {}
    for o in ctx.options:
        scenario = ctx.res.scenarios.get(o) or ctx.base
        hows[o] = _measurement_text(scenario.get("measurement") or {})
    if len(set(hows.values())) == 1:
        observed = next(iter(hows.values()))
    else:
        observed = "; ".join(f"{o}: {h}" for o, h in hows.items())
    sec.blocks.append(
        note(
            "The team answers from what it can observe: {}. It never sees the model's true state "
            "directly. The questions are the framework's pit-stop checklist (Tool #2, "
            "<code>000_*.txt</code>).",
            observed,
        )
    )
    thresholds = [
        q.get("threshold") for q in (stops[0].get("checklist") or []) if q.get("threshold")
    ]
    if thresholds:
        sec.blocks.append(
            note(
                "How each answer is decided: {}.",
                "; ".join(f"Q{i + 1}: {t}" for i, t in enumerate(thresholds)),
            )
        )
    if ctx.res.kind == "run":
        _pit_run(ctx, sec, stops)
    else:
        _pit_multi(ctx, sec)
    return sec


def _measurement_text(meas: dict[str, Any]) -> str:
    """How a scenario's team measures, in words (sample, lag, noise)."""
    size, lag, sd = meas.get("sample_size"), meas.get("lag_weeks") or 0, meas.get("noise_sd") or 0
    return ", ".join(
        [
            f"a survey sample of {size} educators" if size else "every educator (a census)",
            f"indicators {lag} weeks old" if lag else "current indicators",
            f"measurement noise (sd {fmt(sd, '0–1')})" if sd else "no measurement noise",
        ]
    )


def _pit_run(ctx: Ctx, sec: Section, stops: list[dict[str, Any]]) -> None:
    src = "travel_log.jsonl"
    decisions: dict[int, list[str]] = {}
    for e in ctx.events:
        if e.get("kind") == "decision":
            decisions.setdefault(int(e["week"]), []).append(plain_text(e.get("action")))
    rows = []
    pct = "share of educators"
    for e in stops:
        wk = int(e["week"])
        base_w = {"kind": "pit_stop", "week": wk}

        def ob(key: str, unit: str, w: dict[str, Any] = base_w, e: dict[str, Any] = e) -> Markup:
            return num(e["observed"].get(key), unit, src, f"observed.{key}", w)

        ans = [str(q.get("answer")) for q in e.get("checklist", [])] + [""] * 4
        q1 = Markup("{}<br><small>observed {} vs {} expected</small>").format(
            chip(ans[0], "good" if ans[0] == "yes" else "bad"),
            ob("destination_share", ctx.dest_unit),
            ob("expected_share", ctx.dest_unit),
        )
        q2 = chip(plain_text(ans[1]), "good" if ans[1] == "no" else "bad")
        q3 = Markup(
            "{}<br><small>{} of weekly capacity left; {} person-days short since the "
            "last stop</small>"
        ).format(
            chip(ans[2], "bad" if ans[2] == "yes" else "good"),
            ob("capacity_left", "share of weekly capacity"),
            ob("shortfall_since_last", "person-days"),
        )
        q4 = Markup("{}<br><small>high-need {} vs others {}; equity ratio {}</small>").format(
            chip(ans[3], "bad" if "behind" in ans[3] and "not" not in ans[3] else "good"),
            ob("high_need_coverage", pct),
            ob("other_coverage", pct),
            ob("equity_ratio", "ratio"),
        )
        kind = "planned" if e.get("planned", True) else f"unplanned: {plain_text(e.get('reason'))}"
        when = Markup("{}<br><small>{}</small>").format(
            num(e.get("month"), "month", src, "month", base_w), kind
        )
        dec = "; ".join(decisions.get(wk, [])) or "—"
        rows.append([when, q1, q2, q3, q4, dec])
    sec.blocks.append(
        table(
            [
                "Month",
                "1. Still headed to the destination?",
                "2. Anything broken?",
                "3. Fuel running low?",
                "4. Who's been left behind?",
                "Decisions taken",
            ],
            rows,
            cls="checklist",
            caption="Each pit stop's answers, the evidence behind them, and what "
            "the adaptation rules decided.",
        )
    )
    pit = ctx.res.tables.get("pit_stops")
    if pit is not None and len(pit):
        sec.blocks.append(
            ctx.figure(
                "pit-measurement",
                pit_measurement(pit),
                "What the team saw",
                "At each pit stop: the indicator as the team observed it (measured as described "
                "above) against the model's true value, and the straight path to the target.",
            )
        )


def _pit_multi(ctx: Ctx, sec: Section) -> None:
    src = "log"
    for o in ctx.options:
        tab = derive.checklist_counts(
            [e for e in ctx.events if e.get("planned", True) or e.get("kind") != "pit_stop"], o
        )
        if tab.empty:
            continue
        decisions = Counter(
            (int(e["week"]), str(e.get("action")))
            for e in ctx.events
            if e.get("kind") == "decision" and e.get("option") == o
        )
        rows = []
        for _, r in tab.iterrows():
            wk = int(r["week"])
            w = {"option": o, "kind": "pit_stop", "week": wk, "detail.planned": True}
            n = num(r["n"], "count", src, "week", w, "count")

            def share(
                q: int,
                answer: str,
                label: str,
                tone: str,
                r: pd.Series = r,
                w: dict[str, Any] = w,
                n: Markup = n,
            ) -> Markup:
                k = sum(a == answer for a in r[f"q{q + 1}"])
                return Markup("{} of {} {}").format(
                    num(
                        k,
                        "count",
                        src,
                        "week",
                        {**w, f"detail.checklist.{q}.answer": answer},
                        "count",
                    ),
                    n,
                    chip(label, tone if k else "neutral"),
                )

            broken = Counter(a for a in r["q2"] if a != "no")
            top = "; ".join(f"{plain_text(a)} ({c})" for a, c in broken.most_common(2))
            q2 = Markup("{} of {} {}{}").format(
                derived(
                    len(r["q2"]) - sum(a == "no" for a in r["q2"]),
                    "count",
                    "replicates whose answer is not 'no'",
                ),
                n,
                chip("something broken", "bad" if broken else "neutral"),
                Markup("<br><small>{}</small>").format(top) if top else "",
            )
            dec = [
                Markup("{} ({} of {})").format(
                    plain_text(a),
                    num(
                        c,
                        "count",
                        src,
                        "week",
                        {"option": o, "kind": "decision", "week": wk, "detail.action": a},
                        "count",
                    ),
                    n,
                )
                for (dw, a), c in sorted(decisions.items())
                if dw == wk
            ]
            rows.append(
                [
                    num(r["month"], "month", src, "month", w, "first"),
                    share(0, "no", "off track", "bad"),
                    q2,
                    share(2, "yes", "fuel low", "bad"),
                    share(3, "high-need schools behind", "high-need behind", "bad"),
                    Markup("; ").join(dec) if dec else "—",
                ]
            )
        unplanned = [
            e
            for e in ctx.events
            if e.get("kind") == "pit_stop" and e.get("option") == o and not e.get("planned", True)
        ]
        cap = Markup(
            "<b>{}</b>: at each planned pit stop, in how many replicates the team "
            "answered each question that way, and the decisions its rules took."
        ).format(o)
        if unplanned:
            reasons = Counter(str(e.get("reason")) for e in unplanned)
            cap += Markup(" Unplanned pit stops: {}.").format(
                ", ".join(f"{plain_text(k)} ({v})" for k, v in reasons.most_common())
            )
        sec.blocks.append(
            table(
                [
                    "Month",
                    "1. Off track",
                    "2. Anything broken",
                    "3. Fuel low",
                    "4. Left behind",
                    "Decisions",
                ],
                rows,
                cls="checklist",
                caption=cap,
            )
        )

"""Provenance: scenario hash, seeds, versions and the command that produced the results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from scalesim.report.formatting import fmt, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    table,
)

# --------------------------------------------------------------------------- provenance


def provenance(ctx: Ctx) -> Section:
    """Scenario hash, seeds, versions and the command that produced the results."""
    res = ctx.res
    m = res.meta
    sec = Section("provenance", *TITLES["provenance"])
    rows: list[list[Any]] = [
        ["Results folder", Markup("<code>{}</code>").format(str(res.root))],
        ["Format", str(m.get("format"))],
    ]
    cmd = m.get("command")
    rows.append(["Command", Markup("<code>{}</code>").format(cmd) if cmd else "not recorded"])
    if res.kind == "run":
        rows += [
            ["Scenario", str(m.get("scenario"))],
            ["Scenario hash", Markup("<code>{}</code>").format(m.get("scenario_hash"))],
            ["Seed", num(m.get("seed"), "count", "summary.json", "seed", text=str(m.get("seed")))],
            [
                "Size",
                f"{m.get('educators')} educators in {m.get('schools')} schools, "
                f"{m.get('weeks')} weeks ({fmt(m.get('months'), 'month')} months)",
            ],
        ]
    elif res.kind == "sweep":
        exp, bs = m.get("experiment", {}), m.get("base_scenario", {})
        d, rep = m.get("design", {}), m.get("replicates", {})
        rows += [
            ["Experiment", f"{exp.get('name')} ({exp.get('source')})"],
            ["Experiment hash", Markup("<code>{}</code>").format(exp.get("hash"))],
            [
                "Base scenario",
                Markup("{} <code>{}</code>").format(bs.get("source"), bs.get("scenario_hash")),
            ],
            ["Design", f"{d.get('method')}, {d.get('points')} points"],
            [
                "Replicates",
                f"{rep.get('count')} seeds from root {rep.get('seed_root')}: "
                + _seed_text(rep.get("seeds") or []),
            ],
            [
                "Runs",
                f"{m.get('n_tasks')} planned; status {m.get('status')}; "
                + ", ".join(f"{k} {v}" for k, v in (m.get("counts") or {}).items()),
            ],
        ]
        if res.sensitivity is not None:
            sm = res.sensitivity["manifest"]
            rows.append(
                [
                    "Sensitivity",
                    f"{sm.get('method')} (replicates: {sm.get('replicate_handling', '–')})",
                ]
            )
    else:
        if res.kind == "rehearse":
            sc = m.get("scenario", {})
            rows += [
                [
                    "Scenario",
                    Markup("{} <code>{}</code>").format(sc.get("source"), sc.get("scenario_hash")),
                ],
                ["Options file", str(m.get("options_file"))],
                ["Branch", f"month {m.get('at_month')} (week {m.get('branch_week')})"],
            ]
        for o in m.get("options", []):
            h = o.get("scenario_hash")
            rows.append(
                [
                    f"Option {o.get('name')}",
                    Markup("{}{}").format(
                        o.get("source") or "", Markup(" <code>{}</code>").format(h) if h else ""
                    ),
                ]
            )
        rows += [
            ["Baseline", str(m.get("baseline"))],
            [
                "Seeds",
                f"{m.get('reps')} common seeds (root {m.get('seed_root')}): "
                + _seed_text(m.get("seeds") or []),
            ],
            ["Confidence", fmt(m.get("confidence"), "share")],
        ]
    for k, v in sorted((m.get("versions") or {}).items()):
        rows.append([f"{k} version", str(v)])
    from scalesim.common.provenance import versions

    rows.append(
        [
            "Report written by",
            f"scalesim {versions().get('scalesim')} "
            "(scalesim report reads the tables only; it never re-runs the model)",
        ]
    )
    sec.blocks.append(table(["", "Value"], rows, cls="provenance"))
    return sec


def _seed_text(seeds: Sequence[int]) -> str:
    if len(seeds) <= 12:
        return ", ".join(str(s) for s in seeds)
    return ", ".join(str(s) for s in seeds[:10]) + f", … ({len(seeds)} seeds)"

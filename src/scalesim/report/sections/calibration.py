"""Calibration: what was fitted, how well, with how much uncertainty (`scalesim calibrate`)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from scalesim.plotting.calibration import fit_figure, generations_figure, posterior_figure
from scalesim.report.formatting import fmt
from scalesim.report.sections.base import TITLES, Ctx, Section, para, table


def calibration(ctx: Ctx) -> Section | None:
    """The posterior (or best fit), the fitted curve against the observed, diagnostics."""
    res = ctx.res
    if res.kind != "calibration":
        return None
    s: dict[str, Any] = res.meta["summary"]
    t = res.tables
    sec = Section("calibration", *TITLES["calibration"])
    method = s.get("method")
    level = round(100 * float(s["fit"]["band_level"]))
    sec.blocks.append(
        para(
            "Method: {} on {} ({} history); {} simulations in {} s ({} per second).",
            "ABC-SMC posterior (pyabc)" if method == "abc" else "point fit (Optuna TPE)",
            str(s.get("scenario")),
            str(s.get("history_kind")),
            str(s.get("simulations")),
            fmt(s.get("wall_s"), "count"),
            fmt(s.get("sims_per_s"), "count"),
        )
    )
    interval = f"{level}% interval" if method == "abc" else "near-best range"
    rows = [
        [
            r["parameter"],
            f"{r['prior']} [{r['low']:.4g}, {r['high']:.4g}]",
            f"{r['mean']:.4g}",
            f"{r['median']:.4g}",
            f"[{r['lo']:.4g}, {r['hi']:.4g}]",
        ]
        for r in t["parameters"].to_dict("records")
    ]
    head = ["Parameter", "Prior / range", "Mean" if method == "abc" else "Best", "Median", interval]
    sec.blocks.append(table(head, rows, caption="Fitted parameters (parameters table)"))
    fit = s["fit"]
    bass = s.get("bass_closed_form", {})
    good = [
        ["Pooled RMSE of the cumulative share (predictive mean)", f"{fit['rmse_pooled']:.4f}"],
        ["Closed-form Bass fit, ceiling free (reference)", f"{bass.get('rmse_pooled', 0):.4f}"],
        ["Ratio to the Bass reference", f"{s.get('rmse_ratio_to_bass') or 0:.2f}"],
    ]
    if fit.get("rmse_schools_mean") is not None:
        good.append(["Mean RMSE per school", f"{fit['rmse_schools_mean']:.4f}"])
        good.append(
            [
                f"Schools whose final share lies in the {level}% band",
                f"{100 * fit['final_band_coverage_schools']:.0f}%",
            ]
        )
    sec.blocks.append(table(["Goodness of fit", "Value"], good))
    title = f"{level}% posterior-predictive band against the observed history"
    sec.blocks.append(
        ctx.figure(
            "calibration-fit",
            fit_figure(t["fit"], title),
            "Fitted curve",
            "Mean and band of the simulated share against the observed points, pooled "
            "and per school (fit table).",
        )
    )
    if method == "abc":
        sec.blocks.append(
            ctx.figure(
                "calibration-posterior",
                posterior_figure(t["posterior"], t["parameters"]),
                "Posterior",
                "Weighted particles of the last generation; shaded: the interval; line: the mean.",
            )
        )
        g = t["generations"]
        sec.blocks.append(
            ctx.figure(
                "calibration-generations",
                generations_figure(g),
                "ABC generations",
                "Distance threshold and acceptance rate by generation.",
            )
        )
        rows = [
            [
                str(int(r["generation"])),
                f"{r['epsilon']:.4g}",
                str(int(r["simulations"])),
                f"{100 * r['acceptance']:.1f}%",
                f"{r['ess']:.0f}",
            ]
            for r in g.to_dict("records")
        ]
        sec.blocks.append(
            table(
                ["Generation", "Epsilon", "Simulations", "Acceptance", "ESS"],
                rows,
                caption="Diagnostics (generations table)",
            )
        )
    prov = [
        [
            "Scenario",
            Markup("{} <code>{}</code>").format(s.get("scenario_source"), s.get("scenario_hash")),
        ],
        ["Calibration file", str(s.get("calibration_source"))],
        ["Seed", str(s.get("seed"))],
        ["Command", Markup("<code>{}</code>").format(s.get("command") or "not recorded")],
        *[[f"{k} version", str(v)] for k, v in sorted((s.get("versions") or {}).items())],
    ]
    sec.blocks.append(table(["Provenance", "Value"], prov, cls="provenance"))
    return sec

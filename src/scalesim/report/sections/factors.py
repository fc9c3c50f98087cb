"""Factor review: the influential factors in the framework's four categories (``000_*.txt``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from scalesim.plotting.factors import correlation_heatmap, factor_profile, sensitivity_bars
from scalesim.report.formatting import fmt, num
from scalesim.report.sections.base import (
    TITLES,
    Ctx,
    Section,
    chip,
    note,
    para,
    table,
)
from scalesim.scenario.names import plain_spec

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
    "innovation": "Innovation",
    "educators": "Educators",
    "team": "Improvement team",
    "conditions": "Community, district and state conditions",
    "turnover": "Community, district and state conditions",
    "district": "Community, district and state conditions",
    "shocks": "Community, district and state conditions",
}
UNIT_OF = {
    "team.capacity_per_month": "person-days / month",
    "turnover.superintendent": "per year",
    "turnover.principal": "per year",
    "educators.novice_share_high_need": "share",
}


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
    src = {o: ("base_scenario.yaml" if res.kind == "sweep" else ctx.scenario_src[o]) for o in opts}
    varied = (
        {u.get("path"): u for u in res.meta.get("uncertainties", [])}
        if (res.kind == "sweep")
        else {}
    )
    sec.blocks.append(
        note(
            "The framework groups the factors that help or hinder scaling into four categories "
            "(<code>000_*.txt</code>): the innovation, the educators, the improvement team, and "
            "community, district and state conditions. <em>Tailwind</em>: the value helps "
            "scaling (≥ 0.6 on a factor where more helps); <em>headwind</em>: it hinders."
        )
    )
    head = ["Factor", *(["Value"] if len(opts) == 1 else opts), "Reading", "What it means"]
    if varied:
        head.insert(2, "Varied in the sweep")
    rows, plot = [], []
    category = None
    for cat, path, direction in FACTORS:
        if cat != category:
            rows.append(
                Markup('<tr class="group"><th colspan="{}">{}</th></tr>').format(len(head), cat)
            )
            category = cat
        vals = {o: _get(scen[o], path) for o in opts}
        unit = UNIT_OF.get(path, "0–1")
        cells: list[Any] = [
            Markup('{}<br><code class="path">{}</code>').format(factor_label(path), path)
        ]
        differs = len({str(v) for v in vals.values()}) > 1
        for o in opts:
            v = vals[o]
            if isinstance(v, str):
                cells.append(
                    Markup(
                        '<span class="num" data-src="{}" data-col="{}" '
                        'data-agg="value" data-unit="text" data-value="{}">{}</span>'
                    ).format(src[o], path, v, v)
                )
            elif v is None:
                cells.append("–")
            else:
                cells.append(num(v, unit, src[o], path))
            if isinstance(v, int | float) and not isinstance(v, bool) and unit == "0–1":
                plot.append(
                    {
                        "category": cat,
                        "label": factor_label(path),
                        "option": o,
                        "value": float(v),
                        "reading": reading(v, direction),
                    }
                )
        if varied:
            u = varied.get(path)
            cells.append(_range_text(u) if u else "")
        reads = sorted({reading(v, direction) for v in vals.values()})
        cells.append(
            Markup(" / ").join(
                chip(r, {"tailwind": "good", "headwind": "bad"}.get(r, "neutral")) for r in reads
            )
        )
        cells.append(describe_path(path) + (" (differs between options)" if differs else ""))
        rows.append(cells)
    extra = [(p, u) for p, u in varied.items() if p not in {f[1] for f in FACTORS}]
    for p, u in extra:
        cells = [
            Markup('{}<br><code class="path">{}</code>').format(factor_label(p), p),
            *("–" for _ in opts),
            _range_text(u),
            chip("varied", "info"),
            f"{CATEGORY_OF_PREFIX.get(p.split('.')[0], 'Model setting')}: {describe_path(p)}",
        ]
        rows.append(cells)
    sec.blocks.append(_factor_table(head, rows))
    if plot:
        sec.blocks.append(
            ctx.figure(
                "factors",
                factor_profile(pd.DataFrame(plot), opts),
                "Factor profile",
                "The scenario's 0–1 factors, grouped by "
                "category and coloured by whether they help or hinder "
                "scaling at that value.",
            )
        )
    for o in opts:
        shocks = scen[o].get("shocks") or []
        if shocks:
            items = ", ".join(
                f"{plain_spec(s)} "
                + (
                    f"at month {fmt(s['at_month'], 'month')}"
                    if s.get("at_month") is not None
                    else f"hazard {s.get('hazard_per_year')}/year"
                )
                for s in shocks
            )
            sec.blocks.append(
                para("<b>Shocks{}:</b> {}.", f" ({o})" if len(opts) > 1 else "", items)
            )
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
        cols = (
            (("S1", "S1_conf"), ("ST", "ST_conf"))
            if method == "sobol"
            else (("mu_star", "mu_star_conf"), ("sigma", None))
        )
        multi_opt = "option" in idx.columns and idx["option"].nunique() > 1
        rows = []
        for _, r in idx.iterrows():
            w = {"outcome": r["outcome"], "parameter": r["parameter"]}
            if "option" in idx.columns:
                w["option"] = r["option"]
            cells: list[Any] = ([r["option"]] if multi_opt else []) + [
                r["outcome"],
                Markup("<code>{}</code>").format(r["parameter"]),
            ]
            for c, conf in cols:
                if c not in idx.columns:
                    cells.append("–")
                    continue
                v = num(r[c], "index", "sensitivity/indices", c, w)
                if conf and conf in idx.columns:
                    v = Markup('{} <span class="ci">± {}</span>').format(
                        v, num(r[conf], "index", "sensitivity/indices", conf, w)
                    )
                cells.append(v)
            rows.append(cells)
        names = (
            ("First-order S1 (± 95%)", "Total-order ST (± 95%)")
            if method == "sobol"
            else ("μ* (± 95%)", "σ")
        )
        head = (["Option"] if multi_opt else []) + ["Outcome", "Parameter", *names]
        sec.blocks.append(
            table(
                head,
                rows,
                cls="num-table",
                caption=f"Sensitivity indices ({method}, SALib) from "
                "<code>sensitivity/indices</code>; replicates averaged per "
                "design point before the analysis.",
                row_header=False,
            )
        )
        if multi_opt:
            idx = idx.assign(outcome=idx["option"].astype(str) + ": " + idx["outcome"])
        outs = list(dict.fromkeys(idx["outcome"]))
        sec.blocks.append(
            ctx.figure(
                "sensitivity",
                sensitivity_bars(idx, outs, method),
                "What the outcomes are most sensitive to",
                "Sensitivity indices per outcome with 95% confidence intervals (SALib).",
            )
        )
        return
    runs = res.tables["runs"]
    params = [u["path"] for u in res.meta.get("uncertainties", []) if u.get("path") in runs]
    outs = [o for o in outcomes if o in runs.columns]
    ok = runs[runs["status"] == "ok"]
    if not params or not outs or len(ok) < 3:
        sec.blocks.append(
            note(
                "No sensitivity analysis in this folder (run "
                "<code>scalesim sensitivity</code> for Sobol or Morris indices)."
            )
        )
        return
    num_params = [p for p in params if pd.api.types.is_numeric_dtype(ok[p])]
    corr = pd.DataFrame(index=num_params, columns=outs, dtype=float)
    for p in num_params:
        for o in outs:
            x, y = ok[p].astype(float), ok[o].astype(float)
            corr.loc[p, o] = (
                x.corr(y, method="spearman") if x.nunique() > 1 and y.nunique() > 1 else np.nan
            )
    rows = []
    for o in outs:
        col = corr[o].abs().dropna().sort_values(ascending=False)
        top = ", ".join(f"{p} ({corr.loc[p, o]:+.2f})" for p in col.index[:3]) or "–"
        rows.append([o, top])
    sec.blocks.append(
        table(
            ["Outcome", "Most influential uncertainties (Spearman ρ)"],
            rows,
            cls="num-table",
            caption="No sensitivity analysis in this folder; as a first reading, the rank "
            "correlation of each outcome with each varied factor across all runs. Run "
            "<code>scalesim sensitivity</code> for Sobol or Morris indices.",
        )
    )
    if len(num_params):
        sec.blocks.append(
            ctx.figure(
                "correlations",
                correlation_heatmap(corr),
                "Outcomes against the varied factors",
                "Spearman rank correlation across all runs between each "
                "varied factor and each outcome.",
            )
        )

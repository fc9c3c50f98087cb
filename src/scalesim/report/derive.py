"""Small tables the report derives from the results tables (pure pandas, no model).

Everything here is a re-arrangement or a plain aggregate of stored tables: trajectories in
long form, schools grouped by need band or region (with
:func:`scalesim.workbench.stats.school_groups`, as the ``equity_by_need`` table is),
concentration curves, event markers, strategy timelines, and the pit-stop checklist in
tabular form.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Any

import numpy as np
import pandas as pd

from scalesim.common.units import month_to_week
from scalesim.plotting.markers import Markers
from scalesim.report.loading import Results
from scalesim.scenario.names import plain_label, plain_spec
from scalesim.workbench.stats import NEED_BINS, school_groups

CURVE_GRID = np.linspace(0.0, 1.0, 101)


def need_where(i: int) -> dict[str, Any]:
    """The ``data-where`` filter of need band ``i`` (the last band includes 100%)."""
    lo, hi = NEED_BINS[i], NEED_BINS[i + 1]
    rng = {"ge": lo, "le": hi} if i == len(NEED_BINS) - 2 else {"ge": lo, "lt": hi}
    return {"need_share": rng}


def run_bands(ts: pd.DataFrame, option: str) -> pd.DataFrame:
    """A single run's time series in the long ``bands`` layout (no intervals)."""
    metrics = [c for c in ts.columns if c not in ("week", "month", "in_session")]
    long = ts.melt(
        id_vars=["week", "month"], value_vars=metrics, var_name="metric", value_name="mean"
    )
    long["option"] = option
    long["ci_low"] = np.nan
    long["ci_high"] = np.nan
    return long


def schools_by(schools: pd.DataFrame, key: str) -> pd.DataFrame:
    """Schools grouped by ``key`` (and option if present): counts, educators, reach.

    ``key`` may be ``need_bin``: the band of :data:`~scalesim.workbench.stats.NEED_BINS`.
    """
    keys = (["option"] if "option" in schools.columns else []) + [key]
    return school_groups(schools, keys)


def concentration_curve(schools: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Cumulative reach among students furthest from opportunity, schools ranked by need.

    Schools are ranked from the highest share of students furthest from opportunity down
    (ties by school number). ``x`` is the cumulative share of those students
    (enrollment × need share), ``y`` the cumulative share of them whose educator enacts
    (weighted by the school's share enacting). The diagonal is reach in proportion to
    need; a curve above it means reach is concentrated in the highest-need schools.

    Returns:
        ``(x, y)`` starting at ``(0, 0)``, or None if nobody is reached.
    """
    s = schools.sort_values(["need_share", "school"], ascending=[False, True])
    w = s["enrollment"].to_numpy(float) * s["need_share"].to_numpy(float)
    reached = w * s["share_enacting"].to_numpy(float)
    if w.sum() <= 0 or reached.sum() <= 0:
        return None
    x = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    y = np.concatenate([[0.0], np.cumsum(reached) / reached.sum()])
    return x, y


def concentration_index(x: np.ndarray, y: np.ndarray) -> float:
    """Twice the area between the curve and the diagonal: > 0 favours the highest-need schools.

    0 means reach in proportion to need; the bounds are −1 and +1.
    """
    return float(2.0 * np.trapezoid(y, x) - 1.0)


def concentration_curves(
    schools: pd.DataFrame, options: list[str]
) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Curve per option (mean over replicates on a common grid, with 10–90% band) and index.

    Works on a single run too (no ``option`` column: one curve, no band).
    """
    curves: dict[str, pd.DataFrame] = {}
    index: dict[str, float] = {}
    if "option" not in schools.columns:
        got = concentration_curve(schools)
        if got is not None:
            x, y = got
            curves[options[0]] = pd.DataFrame({"x": x, "y": y})
            index[options[0]] = concentration_index(x, y)
        return curves, index
    for opt in options:
        ys, idx = [], []
        # One curve per run: in a sweep a replicate number recurs at every design point.
        key = "task_id" if "task_id" in schools.columns else "replicate"
        for _, grp in schools[schools["option"] == opt].groupby(key, sort=True):
            got = concentration_curve(grp)
            if got is None:
                continue
            x, y = got
            ys.append(np.interp(CURVE_GRID, x, y))
            idx.append(concentration_index(x, y))
        if ys:
            arr = np.vstack(ys)
            curves[opt] = pd.DataFrame(
                {
                    "x": CURVE_GRID,
                    "y": arr.mean(axis=0),
                    "lo": np.quantile(arr, 0.1, axis=0),
                    "hi": np.quantile(arr, 0.9, axis=0),
                }
            )
            index[opt] = float(np.mean(idx))
    return curves, index


def summers(ts: pd.DataFrame) -> list[tuple[float, float]]:
    """(start month, end month) of each out-of-session stretch."""
    if "in_session" not in ts.columns:
        return []
    one = ts.drop_duplicates("week").sort_values("week")
    off = ~one["in_session"].astype(bool).to_numpy()
    months = one["month"].to_numpy(float)
    out, start = [], None
    for i, o in enumerate(off):
        if o and start is None:
            start = months[i]
        if not o and start is not None:
            out.append((start, months[i]))
            start = None
    if start is not None:
        out.append((start, months[-1]))
    return out


def _event_label(e: dict[str, Any]) -> str | None:
    kind = e.get("kind")
    if kind == "shock":
        return plain_label(e.get("shock") or e.get("type") or "shock")
    if kind == "superintendent_change":
        return "new superintendent"
    return None


def run_markers(res: Results) -> Markers:
    """Pit stops, shocks and summers of a single run, from its travel log and time series."""
    planned, unplanned, shocks = [], [], {}
    for e in res.log:
        month = float(e.get("month", 0.0))
        if e.get("kind") == "pit_stop":
            if e.get("planned", True):
                planned.append(month)
            else:
                unplanned.append((month, str(e.get("reason", "unplanned"))))
        lab = _event_label(e)
        if lab is not None:
            # A superintendent shock logs both events in the same week: keep one label.
            key = round(month, 3)
            shocks[key] = lab if lab != "new superintendent" or key not in shocks else shocks[key]
    tt = res.meta["trip_ticket"]
    return Markers(
        pit_stops=planned,
        unplanned=unplanned,
        shocks=sorted(shocks.items()),
        summers=summers(res.tables["timeseries"]),
        deadline=float(tt["by_month"]),
    )


def decode_log(log: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A multi-run ``log`` table as a list of events (``detail`` decoded)."""
    if log is None or not len(log):
        return []
    out = []
    for r in log.itertuples(index=False):
        d = r._asdict()
        detail = d.pop("detail", "") or "{}"
        with contextlib.suppress(json.JSONDecodeError):
            d.update(json.loads(detail))
        out.append(d)
    return out


def multi_markers(res: Results, events: list[dict[str, Any]]) -> Markers:
    """Planned pit stops and dated shocks from the baseline scenario; shocks in replicates."""
    base = (
        res.scenarios[res.options[0]]
        if res.options[0] in res.scenarios
        else next(iter(res.scenarios.values()))
    )
    tt = base.get("trip_ticket", {}) or {}
    planned = [float(m) for m in (tt.get("pit_stops") or [])]
    dated = [
        (float(s["at_month"]), plain_spec(s) if s.get("name") or s.get("type") else "shock")
        for s in (base.get("shocks") or [])
        if s.get("at_month") is not None
    ]
    ticks = sorted(
        {
            (e.get("option"), e.get("replicate"), round(float(e["month"]), 3))
            for e in events
            if _event_label(e) is not None
        }
    )
    dated_months = {round(m, 3) for m, _ in dated}
    tick_months = [m for _, _, m in ticks if m not in dated_months]
    ts = res.tables.get("timeseries")
    first = None
    if ts is not None and len(ts):
        k = ts[["option", "replicate"]].iloc[0]
        first = ts[(ts["option"] == k["option"]) & (ts["replicate"] == k["replicate"])]
    deadline = (tt.get("destination") or {}).get("by_month")
    return Markers(
        pit_stops=planned,
        shocks=dated,
        shock_ticks=tick_months,
        summers=summers(first) if first is not None else [],
        branch=res.meta.get("at_month") if res.kind == "rehearse" else None,
        deadline=float(deadline) if deadline is not None else None,
    )


def milestone_weeks(last_week: int, horizon_months: float) -> list[int]:
    """Week 0, the end of each year, and the last week."""
    weeks = [0]
    year = 12
    while year < horizon_months + 1e-9:
        w = month_to_week(year)
        if w <= last_week:
            weeks.append(w)
        year += 12
    if last_week not in weeks:
        weeks.append(last_week)
    return sorted(set(weeks))


def strategy_label(spec: dict[str, Any]) -> str:
    """A strategy's label in logs and channels: its name, or its type."""
    return str(spec.get("name") or spec.get("type"))


def strategy_timeline(
    events: list[dict[str, Any]], specs: list[dict[str, Any]], horizon: float
) -> pd.DataFrame:
    """When each strategy ran: from the travel log, or from the scenario's timing."""
    rows: list[dict[str, Any]] = []
    open_: dict[str, float] = {}
    seen_any = False
    for e in sorted(events, key=lambda e: float(e.get("month", 0))):
        kind, name = e.get("kind"), e.get("strategy")
        if kind == "strategy_start" and name:
            seen_any = True
            open_.setdefault(str(name), float(e["month"]))
        elif kind == "strategy_stop" and name and str(name) in open_:
            rows.append(
                {"strategy": str(name), "start": open_.pop(str(name)), "end": float(e["month"])}
            )
    for name, start in open_.items():
        rows.append({"strategy": name, "start": start, "end": np.nan})
    if not seen_any:
        for s in specs:
            rows.append(
                {
                    "strategy": strategy_label(s),
                    "start": float(s.get("start_month") or 0),
                    "end": np.nan if s.get("end_month") is None else float(s["end_month"]),
                }
            )
    order = [strategy_label(s) for s in specs]
    df = pd.DataFrame(rows, columns=["strategy", "start", "end"])
    df["order"] = [order.index(n) if n in order else len(order) for n in df["strategy"]]
    return df.sort_values(["order", "start"]).drop(columns="order").reset_index(drop=True)


def strategy_decisions(events: list[dict[str, Any]]) -> list[tuple[float, str, str]]:
    """Pit-stop decisions that changed a strategy: (month, strategy, change)."""
    out = []
    for e in events:
        if e.get("kind") == "strategy_change" and e.get("strategy"):
            out.append((float(e["month"]), str(e["strategy"]), str(e.get("change", "change"))))
        elif (
            e.get("kind") == "strategy_stop"
            and e.get("strategy")
            and str(e.get("reason", "")).startswith("pit stop")
        ):
            out.append((float(e["month"]), str(e["strategy"]), "drop"))
    return out


def channel_name(ch: str) -> str:
    """A credit channel as users read it (``strategy:coaching`` or ``coaching`` → Coaching)."""
    return plain_label(ch)


def checklist_counts(events: list[dict[str, Any]], option: str) -> pd.DataFrame:
    """Per planned pit-stop month: how replicates answered the four questions."""
    rows = []
    stops = [e for e in events if e.get("kind") == "pit_stop" and e.get("option") == option]
    for week, grp in itertools.groupby(
        sorted(stops, key=lambda e: (int(e["week"]), int(e["replicate"]))),
        key=lambda e: int(e["week"]),
    ):
        grp = list(grp)
        row = {
            "week": week,
            "month": float(grp[0]["month"]),
            "n": len(grp),
            "planned": sum(bool(e.get("planned", True)) for e in grp),
        }
        for q in range(4):
            answers = [
                str(e["checklist"][q]["answer"]) for e in grp if len(e.get("checklist") or []) > q
            ]
            row[f"q{q + 1}"] = answers
        rows.append(row)
    return pd.DataFrame(rows)

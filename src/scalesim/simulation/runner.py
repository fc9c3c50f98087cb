"""Run a scenario from Python and get plain tables back.

:func:`run_one` is the one pure, picklable seam every front end uses: the CLI, sweeps on
local processes or Dask, comparisons, tests and reports. It returns tables, never the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scalesim.common.provenance import versions
from scalesim.common.seeds import DEFAULT_SEED
from scalesim.common.units import month_to_week
from scalesim.scenario import Scenario, load_scenario, scenario_from_dict
from scalesim.simulation.model import ScalingModel

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

# The panels of RunResult.plot(): each dimension of scale and the equity of reach.
PLOT_METRICS = (
    "share_enacting",
    "destination_share",
    "destination_equity_share",
    "mean_ownership",
    "institutionalization",
    "equity_ratio",
)
# Weeks after a superintendent change at which retention of enactment is measured.
LEADERSHIP_RETENTION_WEEKS = 26


@dataclass
class RunResult:
    """Everything one run produces, as plain tables.

    Attributes:
        timeseries: One row per week (week 0 is the starting point), one column per metric.
        schools: One row per school: its attributes and end state.
        channels: New enactments per week and channel (strategy, peer, mandate, external).
        log: The travel log, a list of JSON-safe events.
        summary: End values, the trip-ticket verdict, retention, cost and provenance.
    """

    timeseries: pd.DataFrame
    schools: pd.DataFrame
    channels: pd.DataFrame
    log: list[dict[str, Any]]
    summary: dict[str, Any]
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    def plot(self, metrics: tuple[str, ...] | list[str] = PLOT_METRICS) -> Figure:
        """The run's trajectories as a matplotlib ``Figure`` (drawn by scalesim.plotting).

        One panel per metric, shares from 0, with the pit stops and shocks of the travel
        log and the trip ticket's targets and deadline; no pyplot, so the notebook's backend
        decides how it is shown.

        Args:
            metrics: Metric names (columns of :attr:`timeseries`), one panel each.
        """
        from scalesim.common.errors import ScalesimInputError
        from scalesim.common.validation import did_you_mean
        from scalesim.metrics import METRICS
        from scalesim.plotting.markers import Markers
        from scalesim.plotting.outcomes import trajectories
        from scalesim.scenario.names import plain_label

        for m in metrics:
            if m not in METRICS or m not in self.timeseries.columns:
                raise ScalesimInputError(
                    "metrics", m, f"not a metric of this run{did_you_mean(m, METRICS)}"
                )
        name = str(self.summary.get("scenario", "run"))
        long = self.timeseries.melt(
            id_vars=["week", "month"], value_vars=list(metrics), var_name="metric"
        ).rename(columns={"value": "mean"})
        long["option"] = name
        tt = self.summary["trip_ticket"]
        pits = [float(e["month"]) for e in self.log if e.get("kind") == "pit_stop"]
        shocks = [
            (float(e["month"]), plain_label(e.get("shock") or e.get("type") or "shock"))
            for e in self.log
            if e.get("kind") == "shock"
        ]
        mk = Markers(pit_stops=pits, shocks=shocks, deadline=float(tt["by_month"]))
        targets = {
            "destination_share": float(tt["target"]),
            "destination_equity_share": float(tt["equity_target"]),
        }
        panels = [(METRICS[m].label, [m]) for m in metrics]
        return trajectories(long, panels, [name], mk, targets)


def as_scenario(scenario: Scenario | str | Path | dict[str, Any]) -> Scenario:
    """Accept a Scenario, a path to a YAML file, or a plain mapping."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return scenario_from_dict(scenario)
    return load_scenario(scenario)


def timeseries_of(model: ScalingModel) -> pd.DataFrame:
    """The model's weekly metrics as a DataFrame indexed by row (week 0 first)."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df["week"] = df["week"].astype("int64")
    df["in_session"] = df["in_session"].astype(bool)
    return df


def schools_of(model: ScalingModel) -> pd.DataFrame:
    """Per-school attributes and end state."""
    sch, ed = model.schools, model.ed
    start = sch.start
    enact = np.add.reduceat(ed.enacting.astype(np.int64), start)
    bar = model.sc.metrics.depth_bar
    deep = np.add.reduceat((ed.enacting & (ed.depth >= bar)).astype(np.int64), start)
    depth_sum = np.add.reduceat(np.where(ed.enacting, ed.depth, 0.0), start)
    own_sum = np.add.reduceat(np.where(ed.enacting, ed.ownership, 0.0), start)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_depth = np.where(enact > 0, depth_sum / np.maximum(enact, 1), 0.0)
        mean_own = np.where(enact > 0, own_sum / np.maximum(enact, 1), 0.0)
    return pd.DataFrame(
        {
            "school": np.arange(sch.n),
            "name": sch.name.astype(str),
            "region": [sch.region_names[r] for r in sch.region],
            "high_need": sch.high_need,
            "need_share": sch.need_share,
            "enrollment": sch.enrollment,
            "performance": sch.performance,
            "pressure": sch.pressure,
            "principal_support": sch.principal_support,
            "educators": sch.size,
            "enacting": enact,
            "share_enacting": enact / sch.size,
            "deep": deep,
            "mean_depth": mean_depth,
            "mean_ownership": mean_own,
            "ever_reached": model.ever_reached,
        }
    )


def trip_ticket_verdict(sc: Scenario, ts: pd.DataFrame) -> dict[str, Any]:
    """Reached or not, when, and by how much missed, with its equity clause."""
    dest = sc.trip_ticket.destination
    ok = (ts["destination_share"] >= dest.target) & (
        ts["destination_equity_share"] >= dest.equity_target
    )
    deadline_week = month_to_week(dest.by_month)
    within = ts["week"] <= deadline_week
    hits = ts.loc[ok & within, "month"]
    at = ts[ts["week"] <= deadline_week].iloc[-1]
    achieved, achieved_eq = float(at["destination_share"]), float(at["destination_equity_share"])
    return {
        "target": dest.target,
        "equity_target": dest.equity_target,
        "min_depth": dest.min_depth,
        "by_month": dest.by_month,
        "deadline_in_run": bool(deadline_week <= int(ts["week"].iloc[-1])),
        "reached": bool(len(hits) > 0),
        "reached_month": float(hits.iloc[0]) if len(hits) else None,
        "achieved_at_deadline": achieved,
        "equity_achieved_at_deadline": achieved_eq,
        "shortfall": max(dest.target - achieved, 0.0),
        "equity_shortfall": max(dest.equity_target - achieved_eq, 0.0),
        "equity_clause_holds": bool(achieved_eq >= dest.equity_target),
    }


def _retention(ts: pd.DataFrame, week: int, after: int | None = None) -> float | None:
    """Share enacting at ``week + after`` (or at the end) over the share at ``week``."""
    last = int(ts["week"].iloc[-1])
    end = last if after is None else week + after
    if week > last or end > last:
        return None
    base = float(ts["share_enacting"].iloc[week])
    return float(ts["share_enacting"].iloc[end] / base) if base > 0 else None


def summarize(model: ScalingModel, ts: pd.DataFrame) -> dict[str, Any]:
    """The run summary: provenance, end values, trip ticket, retention and cost."""
    sc = model.sc
    end = ts.iloc[-1]
    changes = model.log.of_kind("superintendent_change")
    lead = [_retention(ts, e["week"], LEADERSHIP_RETENTION_WEEKS) for e in changes]
    lead = [x for x in lead if x is not None]
    return {
        "scenario": sc.name,
        "scenario_hash": sc.scenario_hash(),
        "seed": model.seed,
        "versions": versions(),
        "educators": int(model.ed.n),
        "schools": int(model.schools.n),
        "weeks": int(model.week),
        "months": round(model.month, 3),
        "end": {k: float(end[k]) for k in ts.columns if k not in ("week", "month", "in_session")},
        "trip_ticket": trip_ticket_verdict(sc, ts),
        "retention_after_support_end": (
            _retention(ts, model.support_end_week) if model.support_end_week else None
        ),
        "retention_after_leadership_change": float(np.mean(lead)) if lead else None,
        "superintendent_changes": int(model.dist.superintendent_changes),
        "adoptions_by_channel": dict(sorted(model.channel_counts.items())),
        "cost": {
            "capacity_total": float(model.team.capacity_total),
            "capacity_spent": float(model.team.spent_total),
            "by_strategy": dict(sorted(model.team.spent_by_strategy.items())),
            # Nominal cost of the weeks the district and schools carried strategies on after
            # the team's support ended (not the team's fuel; docs/strategies.md).
            "district_carried": float(
                sum(st.district_spent for st in model.strategy_set.all_strategies())
            ),
        },
    }


STRATEGY_COLUMNS = (
    "strategy",
    "type",
    "start_month",
    "end_month",
    "rule",
    "intensity",
    "priority",
    "schools",
    "educators",
    "spent",
    "shortfall",
    "credited_enactments",
)


def extra_tables(model: ScalingModel) -> dict[str, pd.DataFrame]:
    """Pit stops, strategies and capacity shortfalls as tables."""
    strategies = pd.DataFrame(
        [
            {
                "strategy": s.label,
                "type": s.type_name,
                "start_month": s.spec.start_month,
                "end_month": s.spec.end_month,
                "rule": s.select.rule,
                "intensity": s.intensity,
                "priority": s.priority,
                "schools": int(s.schools.size),
                "educators": int(s.members.size),
                "spent": s.spent,
                "shortfall": s.shortfall,
                "credited_enactments": int(model.channel_counts.get(s.label, 0)),
            }
            for s in model.strategy_set.all_strategies()
        ],
        columns=list(STRATEGY_COLUMNS),
    )
    return {
        "pit_stops": pd.DataFrame(model.pit_stops.rows),
        "strategies": strategies,
        "shortfalls": pd.DataFrame(
            model.strategy_set.shortfall_rows, columns=["month_index", "strategy", "shortfall"]
        ),
    }


def collect(model: ScalingModel) -> RunResult:
    """Turn a (finished or paused) model into a :class:`RunResult`."""
    ts = timeseries_of(model)
    channels = pd.DataFrame(model.channel_rows, columns=["week", "channel", "new_enacting"])
    channels = channels.astype({"week": "int64", "channel": "str", "new_enacting": "int64"})
    extra = extra_tables(model)
    return RunResult(
        timeseries=ts,
        schools=schools_of(model),
        channels=channels,
        log=list(model.log.events),
        summary=summarize(model, ts),
        extra=extra,
    )


def run(scenario: Scenario | str | Path | dict[str, Any], seed: int = DEFAULT_SEED) -> RunResult:
    """Build and run a model, and return its tables.

    Args:
        scenario: A :class:`Scenario`, a path to a scenario file, or a plain mapping.
        seed: The run's seed; the same scenario and seed give the same history, exactly.
            The default is the CLI's (:data:`~scalesim.common.seeds.DEFAULT_SEED`).

    Returns:
        A :class:`RunResult`.

    Examples:
        >>> res = run({"district": {"generated": {"n_schools": 4}}, "horizon_months": 2}, seed=1)
        >>> int(res.timeseries["week"].iloc[-1])
        9
    """
    sc = as_scenario(scenario)
    model = ScalingModel(sc, seed=seed)
    model.run()
    return collect(model)


def run_one(scenario: Scenario | dict[str, Any], seed: int) -> RunResult:
    """The picklable unit of work for every backend: one scenario, one seed, plain tables."""
    return run(scenario, seed=seed)

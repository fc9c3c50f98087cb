"""Observed adoption histories on model time, and validating a scenario's observed files.

A history is per educator (the period each started enacting, or never: cumulative shares by
period) or per school per date (the share enacting, optionally the mean depth). Dates become
model months from ``history.start_date`` (365.25 / 12 days a month); a date outside the run is
an error naming the file, line and column. See :mod:`scalesim.scenario.observed` for the other
two files.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scalesim.common.errors import ScenarioError
from scalesim.scenario.csv_files import CsvFile, CsvRow
from scalesim.scenario.observed import (
    DAYS_PER_MONTH,
    History,
    RosterData,
    _cached,
    load_roster,
    load_ties,
)
from scalesim.scenario.school_csv import school_names

if TYPE_CHECKING:
    from scalesim.scenario.schema import Scenario


@dataclass(frozen=True)
class HistoryData:
    """An observed history on model time.

    Attributes:
        months: Observation times in model months (sorted, unique).
        share: Observed share enacting (started, for per-educator histories), schools × times;
            NaN where a school was not observed at that time.
        depth: Observed mean depth, same shape, or None.
        counts: Educators per school.
        started_period: per_educator only: each slot's period of starting (0 = never).
        kind: ``per_educator`` or ``per_school``.
    """

    months: np.ndarray
    share: np.ndarray
    depth: np.ndarray | None
    counts: np.ndarray
    started_period: np.ndarray | None
    kind: str

    def pooled(self) -> np.ndarray:
        """Share enacting over the whole district at each time (observed schools only)."""
        w = np.where(np.isnan(self.share), 0.0, self.counts[:, None])
        return np.nansum(self.share * w, axis=0) / np.maximum(w.sum(axis=0), 1)


def load_history(
    cfg: History, roster: RosterData | None, school_names: list[str], horizon_months: float
) -> HistoryData:
    """Read and validate an adoption history (cached)."""
    extra = json.dumps([list(school_names), horizon_months, roster.ids if roster else None])
    return _cached(
        "history",
        Path(cfg.path),
        cfg,
        str(hash(extra)),
        lambda: _read_history(cfg, roster, school_names, horizon_months),
    )


def _read_history(
    cfg: History, roster: RosterData | None, school_names: list[str], horizon_months: float
) -> HistoryData:
    path = Path(cfg.path)
    src = str(path)
    if cfg.kind == "per_educator":
        if roster is None:
            raise ScenarioError(
                src, "history.kind", "per_educator needs a roster (district.source: roster)"
            )
        last = cfg.periods * cfg.period_months
        if last > horizon_months + 1e-9:
            raise ScenarioError(
                src,
                "history.periods",
                f"{cfg.periods} periods of {cfg.period_months:g} months end at month {last:g}, "
                f"after the horizon ({horizon_months:g} months)",
            )
        f = CsvFile(path, [cfg.id_column, cfg.period_column], what="adoption history")
        slot = roster.slot_of()
        started = np.zeros(roster.n, dtype=np.int64)
        seen: dict[int, int] = {}
        for row in f.rows():
            pid = row.text(cfg.id_column)
            if pid not in slot:
                raise ScenarioError(
                    src, row.where(cfg.id_column), f"id {pid!r} is not in the roster"
                )
            s = slot[pid]
            if s in seen:
                raise ScenarioError(
                    src,
                    row.where(cfg.id_column),
                    f"id {pid!r} is listed twice (first on line {seen[s]})",
                )
            seen[s] = row.line
            raw = (row.cells.get(cfg.period_column) or "").strip()
            if raw in {v.strip() for v in cfg.never_values}:
                continue
            started[s] = int(row.number(cfg.period_column, 1, cfg.periods, integer=True))
        months = np.arange(1, cfg.periods + 1) * cfg.period_months
        counts = np.bincount(roster.school_of_slot, minlength=len(roster.school_names))
        by = (started[:, None] >= 1) & (started[:, None] <= np.arange(1, cfg.periods + 1))
        share = np.vstack([by[roster.school_of_slot == k].mean(axis=0) for k in range(len(counts))])
        return HistoryData(months, share, None, counts, started, "per_educator")
    f = CsvFile(
        path,
        [cfg.school_column, cfg.date_column, cfg.share_column],
        [cfg.depth_column],
        what="adoption history",
    )
    index = {n: k for k, n in enumerate(school_names)}
    recs: list[tuple[int, float, float, float]] = []
    seen2: dict[tuple[int, float], int] = {}
    has_depth = cfg.depth_column in f.header
    for row in f.rows():
        name = row.text(cfg.school_column)
        if name not in index:
            raise ScenarioError(
                src, row.where(cfg.school_column), f"no school named {name!r} in the district"
            )
        month = _month_of(row, cfg, horizon_months)
        key = (index[name], month)
        if key in seen2:
            raise ScenarioError(
                src,
                row.where(cfg.date_column),
                f"school {name!r} is observed twice at this date (first on line {seen2[key]})",
            )
        seen2[key] = row.line
        depth = (
            row.number(cfg.depth_column, 0, 1)
            if has_depth and row.has(cfg.depth_column)
            else np.nan
        )
        recs.append((index[name], month, row.number(cfg.share_column, 0, 1), depth))
    months = np.array(sorted({r[1] for r in recs}))
    col = {m: j for j, m in enumerate(months)}
    share = np.full((len(school_names), len(months)), np.nan)
    depth_arr = np.full_like(share, np.nan)
    for k, m, s, d in recs:
        share[k, col[m]] = s
        depth_arr[k, col[m]] = d
    counts = (
        np.bincount(roster.school_of_slot, minlength=len(school_names))
        if roster is not None
        else np.ones(len(school_names))
    )
    return HistoryData(
        months, share, depth_arr if has_depth else None, counts.astype(float), None, "per_school"
    )


def _number_or_none(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def _month_of(row: CsvRow, cfg: History, horizon: float) -> float:
    raw = row.text(cfg.date_column)
    where = row.where(cfg.date_column)
    month = _number_or_none(raw)
    if month is None:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ScenarioError(
                row.source, where, f"expected a date YYYY-MM-DD or a month number, got {raw!r}"
            ) from None
        if cfg.start_date is None:
            raise ScenarioError(
                row.source, where, "a calendar date needs history.start_date (model month 0)"
            )
        month = round((day - cfg.start_date).days / DAYS_PER_MONTH, 6)
    if not 0 <= month <= horizon + 1e-9:
        raise ScenarioError(
            row.source,
            where,
            f"{raw} is month {month:g} of the model, outside the horizon [0, {horizon:g}]",
        )
    return month


# ---------------------------------------------------------------- hooks for loading


def _resolve(path: str, base_dir: Path | None) -> Path:
    p = Path(path)
    if not p.is_absolute() and base_dir is not None:
        p = (base_dir / p).resolve()
    return p


def _check_file(p: Path, source: str, field: str) -> str:
    if not p.is_file():
        raise ScenarioError(
            source,
            field,
            f"no such CSV file: {p} (relative paths start at the scenario file's folder)",
        )
    return str(p)


def resolve_observed(sc: Scenario, source: str, base_dir: Path | None) -> None:
    """Resolve the observed sections' paths and validate their files now, before any run.

    Raises:
        ScenarioError: Naming the scenario field, or the CSV's line and column.
    """
    d, net, hist = sc.district, sc.network, sc.history
    roster = None
    if d.source == "roster":
        assert d.roster is not None
        d.roster.path = _check_file(
            _resolve(d.roster.path, base_dir), source, "district.roster.path"
        )
        if d.roster.schools is not None:
            d.roster.schools = _check_file(
                _resolve(d.roster.schools, base_dir), source, "district.roster.schools"
            )
        roster = load_roster(d.roster)
    if net.kind == "observed":
        if roster is None:
            raise ScenarioError(
                source, "network.kind", "observed needs district.source: roster (the nodes)"
            )
        assert net.ties is not None
        net.ties.path = _check_file(_resolve(net.ties.path, base_dir), source, "network.ties.path")
        load_ties(net.ties, roster)
    if hist is not None:
        hist.path = _check_file(_resolve(hist.path, base_dir), source, "history.path")
        load_history(hist, roster, district_school_names(sc), sc.horizon_months)


def scenario_history(sc: Scenario) -> HistoryData:
    """The scenario's observed history (it must have one)."""
    if sc.history is None:
        raise ScenarioError(sc.name, "history", "the scenario has no history section")
    roster = load_roster(sc.district.roster) if sc.district.roster is not None else None
    return load_history(sc.history, roster, district_school_names(sc), sc.horizon_months)


def district_school_names(sc: Scenario) -> list[str]:
    """The names the district's schools will have (roster districts too), without building it."""
    if sc.district.source == "roster":
        assert sc.district.roster is not None
        return list(load_roster(sc.district.roster).school_names)
    return school_names(sc)

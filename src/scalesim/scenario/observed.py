"""An observed district: a staff roster, a tie list from a network survey, an adoption history.

Three scenario sections name CSV files a district (or a study) exports:

* ``district: {source: roster, roster: {path: ...}}`` — one row per educator: an id and a
  school; optionally a role, years of experience and any factor the survey measured
  (columns named like the educator factors, 0–1, replace the drawn values; other numeric
  columns listed in ``extra_columns`` are kept as extra factors);
* ``network: {kind: observed, ties: {path: ...}}`` — ``ego, alter[, weight]`` rows between
  roster ids, directed (``ego`` names ``alter``: ego hears from alter) or undirected; every
  roster person is a node, people without ties stay in as isolates;
* ``history: {...}`` — who enacts when: per educator (the period each started, or never) or per
  school per date (the share enacting, optionally the mean depth), with its periods or dates
  mapped onto model months.

Every file goes through :class:`~scalesim.scenario.csv_files.CsvFile`; every problem names the
file, the line and the column. An unknown id, a self-tie, a duplicate tie and a negative
weight are errors (a survey export with those needs cleaning that the model should not guess).
Parsed files are cached by path, size and modification time, so re-validating a scenario
(overrides, calibration) does not read them again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field

from scalesim.common.errors import ScenarioError
from scalesim.scenario.csv_files import CsvFile, CsvRow
from scalesim.scenario.fields import PositiveInt, Share, Strict, doc_field

if TYPE_CHECKING:
    pass

# Educator factors a roster column may set directly (0–1 scales); experience is in years.
ROSTER_FACTORS = (
    "attitude",
    "emotion",
    "openness",
    "persistence",
    "cynicism",
    "credibility",
    "threshold",
)
MAX_EXPERIENCE_YEARS = 60.0
MAX_TIE_WEIGHT = 1e6
# Days per month when dates are mapped onto model months (365.25 / 12).
DAYS_PER_MONTH = 365.25 / 12.0


class Roster(Strict):
    """An educator roster CSV: who works in which school."""

    path: str = doc_field(..., "Roster CSV path, relative to the scenario file.", "path")
    id_column: str = doc_field("id", "Column with each educator's unique id.")
    school_column: str = doc_field("school", "Column with the educator's school.")
    role_column: str = doc_field("role", "Optional column with the educator's role.")
    experience_column: str = doc_field(
        "years_experience", "Optional column with years of experience (blank: drawn)."
    )
    extra_columns: list[str] = doc_field(
        [], "Other numeric columns kept as extra factors (for selections and analysis)."
    )
    need_share: Share = doc_field(
        0.5,
        "Share of students furthest from opportunity, for every school (the roster has no "
        "school data; give district.roster.schools for real values).",
        "share of students",
    )
    schools: str | None = doc_field(
        None,
        "Optional school CSV (the district CSV format) with each school's region, enrollment "
        "and need; its n_educators must equal the roster's count.",
        "path",
    )


class ObservedTies(Strict):
    """A tie list CSV from a network survey (``ego, alter[, weight]``)."""

    path: str = doc_field(..., "Tie list CSV path, relative to the scenario file.", "path")
    ego_column: str = doc_field("ego", "Column of the person who named the tie.")
    alter_column: str = doc_field("alter", "Column of the person named.")
    weight_column: str = doc_field("weight", "Optional column with the tie's weight (>= 0).")
    directed: bool = doc_field(
        True,
        "Ties are nominations: ego hears from alter (ego's share of enacting neighbours counts "
        "the alters ego named). False: each tie counts both ways.",
    )
    weighted: bool = doc_field(
        False, "Weigh each neighbour by the tie's weight (False: every tie counts once)."
    )


class History(Strict):
    """An observed adoption history, mapped onto model time."""

    path: str = doc_field(..., "History CSV path, relative to the scenario file.", "path")
    kind: Literal["per_educator", "per_school"] = doc_field(
        "per_educator",
        "per_educator: one row per educator with the period they started enacting (or never); "
        "per_school: one row per school and date with the share enacting.",
    )
    id_column: str = doc_field("id", "per_educator: the roster id column.")
    period_column: str = doc_field(
        "period", "per_educator: the period (1, 2, ...) in which the educator started."
    )
    never_values: list[str] = doc_field(
        [""], "per_educator: cell values that mean 'never started' (censored)."
    )
    periods: PositiveInt = doc_field(
        1, "per_educator: number of observed periods (period k ends at month k·period_months)."
    )
    period_months: Annotated[float, Field(gt=0, le=120)] = doc_field(
        12.0, "Length of one period in model months.", "months"
    )
    school_column: str = doc_field("school", "per_school: the school column.")
    date_column: str = doc_field(
        "date", "per_school: the observation date (YYYY-MM-DD) or a month number."
    )
    share_column: str = doc_field("share_enacting", "per_school: the share enacting (0–1).")
    depth_column: str = doc_field("depth", "per_school: optional mean depth of enactment (0–1).")
    start_date: dt.date | None = doc_field(
        None, "per_school: the date of model month 0 (needed when dates are calendar dates)."
    )


# ---------------------------------------------------------------- parsed data


@dataclass(frozen=True)
class RosterData:
    """A validated roster, with educators grouped by school (slot order)."""

    ids: tuple[str, ...]  # slot order: school by school, roster order inside a school
    school_names: tuple[str, ...]  # order of first appearance
    school_of_slot: np.ndarray
    role: np.ndarray | None  # object array of role strings, slot order
    experience: np.ndarray | None  # years, NaN where blank
    factors: dict[str, np.ndarray]  # factor name -> values (NaN where blank), slot order
    extra: dict[str, np.ndarray]
    schools: list[dict[str, Any]] | None  # rows of the school CSV, roster school order

    @property
    def n(self) -> int:
        """Number of educators."""
        return len(self.ids)

    def slot_of(self) -> dict[str, int]:
        """Slot of each roster id."""
        return {pid: i for i, pid in enumerate(self.ids)}


@dataclass(frozen=True)
class TieData:
    """Validated ties as slot indices."""

    ego: np.ndarray
    alter: np.ndarray
    weight: np.ndarray
    directed: bool


_CACHE: dict[str, Any] = {}


def _cached(kind: str, path: Path, cfg: Strict, extra: str, build: Any) -> Any:
    try:
        st = path.stat()
    except OSError:
        st = None
    key = json.dumps(
        [
            kind,
            str(path),
            st.st_size if st else -1,
            st.st_mtime_ns if st else -1,
            cfg.model_dump(mode="json"),
            extra,
        ],
        sort_keys=True,
    )
    hit = _CACHE.get(key)
    if hit is None:
        hit = build()
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = hit
    return hit


def load_roster(cfg: Roster) -> RosterData:
    """Read and validate a roster (cached)."""
    return _cached("roster", Path(cfg.path), cfg, "", lambda: _read_roster(cfg))


def _read_roster(cfg: Roster) -> RosterData:
    path = Path(cfg.path)
    src = str(path)
    optional = [cfg.role_column, cfg.experience_column, *ROSTER_FACTORS, *cfg.extra_columns]
    f = CsvFile(
        path,
        [cfg.id_column, cfg.school_column, *cfg.extra_columns],
        optional,
        what="roster",
        empty="empty roster: the CSV has no educators",
    )
    first: dict[str, int] = {}
    rows: list[CsvRow] = []
    by_school: dict[str, list[int]] = {}
    for row in f.rows():
        pid = row.text(cfg.id_column)
        if pid in first:
            raise ScenarioError(
                src,
                row.where(cfg.id_column),
                f"id {pid!r} is listed twice (first on line {first[pid]}); ids must be unique",
            )
        first[pid] = row.line
        by_school.setdefault(row.text(cfg.school_column), []).append(len(rows))
        rows.append(row)
    names = tuple(by_school)
    order = [i for s in names for i in by_school[s]]
    ordered = [rows[i] for i in order]
    school_of = np.repeat(np.arange(len(names)), [len(by_school[s]) for s in names])

    def column(col: str, lo: float, hi: float) -> np.ndarray | None:
        if col not in f.header:
            return None
        return np.array(
            [r.number(col, lo, hi) if r.has(col) else np.nan for r in ordered], dtype=float
        )

    role = None
    if cfg.role_column in f.header:
        role = np.array([r.text(cfg.role_column, required=False) for r in ordered], dtype=object)
    factors = {k: v for k in ROSTER_FACTORS if (v := column(k, 0.0, 1.0)) is not None}
    extra: dict[str, np.ndarray] = {}
    for col in cfg.extra_columns:
        extra[col] = np.array([r.number(col, -1e12, 1e12) for r in ordered], dtype=float)
    schools = None
    if cfg.schools is not None:
        schools = _roster_schools(Path(cfg.schools), names, school_of)
    return RosterData(
        ids=tuple(r.text(cfg.id_column) for r in ordered),
        school_names=names,
        school_of_slot=school_of,
        role=role,
        experience=column(cfg.experience_column, 0.0, MAX_EXPERIENCE_YEARS),
        factors=factors,
        extra=extra,
        schools=schools,
    )


def _roster_schools(path: Path, names: tuple[str, ...], school_of: np.ndarray) -> list[dict]:
    from scalesim.scenario.school_csv import load_school_csv

    rows = {r["name"]: r for r in load_school_csv(path)}
    counts = np.bincount(school_of, minlength=len(names))
    out = []
    for k, name in enumerate(names):
        if name not in rows:
            raise ScenarioError(
                str(path), "column 'name'", f"no row for the roster's school {name!r}"
            )
        if rows[name]["n_educators"] != counts[k]:
            raise ScenarioError(
                str(path),
                "column 'n_educators'",
                f"school {name!r} has {rows[name]['n_educators']} educators here but "
                f"{counts[k]} in the roster",
            )
        out.append(rows[name])
    return out


def load_ties(cfg: ObservedTies, roster: RosterData) -> TieData:
    """Read and validate a tie list against a roster (cached)."""
    return _cached(
        "ties", Path(cfg.path), cfg, str(hash(roster.ids)), lambda: _read_ties(cfg, roster)
    )


def _read_ties(cfg: ObservedTies, roster: RosterData) -> TieData:
    path = Path(cfg.path)
    src = str(path)
    f = CsvFile(
        path,
        [cfg.ego_column, cfg.alter_column],
        [cfg.weight_column],
        what="tie list",
        empty="empty tie list: the CSV has a header but no ties (drop network.ties and use "
        "another network kind for a district without ties)",
    )
    slot = roster.slot_of()
    has_w = cfg.weight_column in f.header
    ego, alter, weight = [], [], []
    seen: dict[tuple[int, int], int] = {}
    for row in f.rows():
        ends = []
        for col in (cfg.ego_column, cfg.alter_column):
            pid = row.text(col)
            if pid not in slot:
                raise ScenarioError(
                    src, row.where(col), f"id {pid!r} is not in the roster ({roster.n} people)"
                )
            ends.append(slot[pid])
        a, b = ends
        if a == b:
            raise ScenarioError(
                src,
                row.where(cfg.alter_column),
                f"self-tie: {row.text(cfg.ego_column)!r} names themselves",
            )
        key = (a, b) if cfg.directed else (min(a, b), max(a, b))
        if key in seen:
            raise ScenarioError(
                src,
                row.where(cfg.alter_column),
                f"duplicate tie {row.text(cfg.ego_column)!r} -> {row.text(cfg.alter_column)!r} "
                f"(first on line {seen[key]})"
                + ("" if cfg.directed else "; the ties are undirected, so a-b and b-a are one"),
            )
        seen[key] = row.line
        w = 1.0
        if has_w and row.has(cfg.weight_column):
            raw = row.text(cfg.weight_column)
            try:
                w = float(raw)
            except ValueError:
                raise ScenarioError(
                    src, row.where(cfg.weight_column), f"expected a number, got {raw!r}"
                ) from None
            if not 0 <= w <= MAX_TIE_WEIGHT:  # NaN fails too
                raise ScenarioError(
                    src,
                    row.where(cfg.weight_column),
                    f"expected a weight in [0, {MAX_TIE_WEIGHT:g}], got {raw}",
                )
        ego.append(a)
        alter.append(b)
        weight.append(w)
    return TieData(
        np.array(ego, dtype=np.int64),
        np.array(alter, dtype=np.int64),
        np.array(weight, dtype=float),
        cfg.directed,
    )

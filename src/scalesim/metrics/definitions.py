"""Coburn's four dimensions of scale plus equity of reach (DESIGN §6), as named functions.

Each weekly metric is a pure function of a :class:`Snapshot`, registered with its
direction, dimension, unit and label. The snapshot computes the per-school aggregates once
per week, so adding a metric costs one small function, not another pass over educators.
Formulas are written out in docs/metrics.md.

Longer than 500 lines because every metric is one short registered function and the order of
registration is the order of the output's columns: one file keeps that order in view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

Kind = Literal["maximize", "minimize", "info"]


@dataclass(frozen=True)
class MetricDef:
    """A registered weekly metric."""

    name: str
    fn: Callable[[Snapshot], float]
    kind: Kind
    dimension: str
    unit: str
    label: str


METRICS: dict[str, MetricDef] = {}


def metric(
    name: str, *, kind: Kind, dimension: str, unit: str, label: str
) -> Callable[[Callable[[Snapshot], float]], Callable[[Snapshot], float]]:
    """Register a weekly metric under ``name``."""

    def deco(fn: Callable[[Snapshot], float]) -> Callable[[Snapshot], float]:
        old = METRICS.get(name)
        # The same function registered again (a re-imported module, a re-run notebook cell)
        # replaces the earlier one; another function under a taken name is an error.
        if old is not None and (old.fn.__module__, old.fn.__qualname__) != (
            fn.__module__,
            fn.__qualname__,
        ):
            raise ValueError(f"metric {name!r} is already registered by {old.fn.__qualname__}")
        METRICS[name] = MetricDef(name, fn, kind, dimension, unit, label)
        return fn

    return deco


def _ratio(num: float, den: float, empty: float = 0.0) -> float:
    return float(num / den) if den > 0 else empty


def _weighted_share(weights: np.ndarray, shares: np.ndarray, total: float | None = None) -> float:
    """Weighted mean of per-school shares, kept in [0, 1].

    A dot product over a sum can land one ulp above 1 when every share is 1 (found by
    tests/test_invariants.py), so the result is clipped.
    """
    total = float(weights.sum()) if total is None else total
    return min(max(_ratio(float((weights * shares).sum()), total), 0.0), 1.0)


@dataclass(frozen=True)
class Static:
    """School-level constants the metrics reuse every week (schools do not change)."""

    enroll: np.ndarray
    enroll_total: float
    need_w: np.ndarray
    need_total: float
    high: np.ndarray
    size_high: float
    size_other: float


def _static(m: ScalingModel) -> Static:
    st = getattr(m, "_metric_static", None)
    if st is None:
        sch = m.schools
        need_w = sch.enrollment * sch.need_share
        st = Static(
            enroll=sch.enrollment,
            enroll_total=float(sch.enrollment.sum()),
            need_w=need_w,
            need_total=float(need_w.sum()),
            high=sch.high_need,
            size_high=float(sch.size[sch.high_need].sum()),
            size_other=float(sch.size[~sch.high_need].sum()),
        )
        m._metric_static = st
    return st


class Snapshot:
    """Per-school aggregates of one week, shared by every metric."""

    def __init__(self, m: ScalingModel) -> None:
        ed, sch, cfg = m.ed, m.schools, m.sc.metrics
        st = _static(m)
        self.m = m
        self.st = st
        self.size = sch.size
        enact = ed.enacting
        deep = enact & (ed.depth >= cfg.depth_bar)
        self.n = ed.n
        start = sch.start
        self.enact_s = np.add.reduceat(enact.view(np.uint8), start, dtype=np.int64)
        self.deep_s = np.add.reduceat(deep.view(np.uint8), start, dtype=np.int64)
        self.n_enacting = int(self.enact_s.sum())
        self.aware_n = int(np.count_nonzero(ed.aware))
        min_depth = m.sc.trip_ticket.destination.min_depth
        if min_depth == cfg.depth_bar:
            self.dest_s = self.deep_s
        else:
            dest = enact & (ed.depth >= min_depth)
            self.dest_s = np.add.reduceat(dest.view(np.uint8), start, dtype=np.int64)
        self.share_s = self.enact_s / sch.size
        self.deep_share_s = self.deep_s / sch.size
        if self.n_enacting:
            # Elementwise products, not `@`: a dot product goes to the BLAS library, whose
            # worker threads made each call ~20 ms instead of ~0.1 ms on a busy 2-core machine
            # or when pinned to one core (measured, benchmarks/RESULTS.md); its result could
            # also depend on the machine's thread count.
            self.depth_sum = float((ed.depth * enact).sum())
            self.own_sum = float((ed.ownership * enact).sum())
        else:
            self.depth_sum = self.own_sum = 0.0
        self.enroll = st.enroll
        self.need_w = st.need_w
        self.high = st.high
        self.cfg = cfg
        # Shared by several metrics: computed once.
        self.reach_all = _weighted_share(st.enroll, self.share_s, st.enroll_total)
        self.reach_fo = _weighted_share(st.need_w, self.share_s, st.need_total)


# ---------------------------------------------------------------- spread


@metric(
    "share_enacting",
    kind="maximize",
    dimension="spread",
    unit="share of educators",
    label="Educators enacting",
)
def share_enacting(s: Snapshot) -> float:
    """Share of educators enacting."""
    return _ratio(s.n_enacting, s.n)


@metric(
    "share_aware",
    kind="info",
    dimension="spread",
    unit="share of educators",
    label="Educators aware",
)
def share_aware(s: Snapshot) -> float:
    """Share of educators aware of the innovation."""
    return _ratio(s.aware_n, s.n)


@metric(
    "schools_reached",
    kind="maximize",
    dimension="spread",
    unit="share of schools",
    label="Schools reached",
)
def schools_reached(s: Snapshot) -> float:
    """Share of schools where at least ``school_reached_share`` of educators enact."""
    return float((s.share_s >= s.cfg.school_reached_share).mean())


@metric(
    "students_reached",
    kind="maximize",
    dimension="spread",
    unit="share of students",
    label="Students reached",
)
def students_reached(s: Snapshot) -> float:
    """Enrollment-weighted share of students whose educator enacts."""
    return s.reach_all


# ---------------------------------------------------------------- depth


@metric("mean_depth", kind="maximize", dimension="depth", unit="0–1", label="Mean depth (enacting)")
def mean_depth(s: Snapshot) -> float:
    """Mean depth of enactment among enacting educators."""
    return _ratio(s.depth_sum, s.n_enacting)


@metric(
    "share_deep",
    kind="maximize",
    dimension="depth",
    unit="share of educators",
    label="Educators enacting at depth",
)
def share_deep(s: Snapshot) -> float:
    """Share of all educators enacting at or above the depth bar."""
    return _ratio(float(s.deep_s.sum()), s.n)


@metric(
    "students_reached_deep",
    kind="maximize",
    dimension="depth",
    unit="share of students",
    label="Students reached at depth",
)
def students_reached_deep(s: Snapshot) -> float:
    """Enrollment-weighted share of students whose educator enacts at depth."""
    return _weighted_share(s.st.enroll, s.deep_share_s, s.st.enroll_total)


# ---------------------------------------------------------------- ownership


@metric(
    "mean_ownership",
    kind="maximize",
    dimension="ownership",
    unit="0–1",
    label="Mean ownership (enacting)",
)
def mean_ownership(s: Snapshot) -> float:
    """Mean ownership among enacting educators."""
    return _ratio(s.own_sum, s.n_enacting)


@metric(
    "district_ownership",
    kind="maximize",
    dimension="ownership",
    unit="0–1",
    label="District ownership",
)
def district_ownership(s: Snapshot) -> float:
    """How far the district (not the team) owns the work."""
    return float(s.m.dist.district_ownership)


# ---------------------------------------------------------------- sustainability


@metric(
    "institutionalization",
    kind="maximize",
    dimension="sustainability",
    unit="0–1",
    label="Institutionalization index",
)
def institutionalization(s: Snapshot) -> float:
    """Mean of policy alignment, district ownership, deep spread and owned spread."""
    d = s.m.dist
    owned_spread = _ratio(s.own_sum, s.n)
    return (d.policy_alignment + d.district_ownership + share_deep(s) + owned_spread) / 4.0


@metric(
    "school_routines",
    kind="maximize",
    dimension="sustainability",
    unit="0–1",
    label="School routines for the practice",
)
def school_routines(s: Snapshot) -> float:
    """Educator-weighted mean of the schools' routines for the practice (scaling in)."""
    sch = s.m.schools
    return _weighted_share(sch.size.astype(float), sch.routines, float(s.n))


@metric(
    "improvement_routines",
    kind="maximize",
    dimension="sustainability",
    unit="0–1",
    label="School improvement routines (own PDSA cycles)",
)
def improvement_routines(s: Snapshot) -> float:
    """Educator-weighted mean of the schools' own improvement routines."""
    sch = s.m.schools
    return _weighted_share(sch.size.astype(float), sch.improvement, float(s.n))


@metric(
    "ownership_shift",
    kind="maximize",
    dimension="sustainability",
    unit="0–1",
    label="Ownership shifted to schools and district",
)
def ownership_shift(s: Snapshot) -> float:
    """Share of the work carried by schools' routines and the district, not by the team.

    The mean of school routines and district ownership: Coburn's shift in ownership
    (000_*.txt; 002_*.txt, scaling in and scaling out).
    """
    return 0.5 * school_routines(s) + 0.5 * float(s.m.dist.district_ownership)


@metric(
    "district_improvement",
    kind="info",
    dimension="sustainability",
    unit="0–1",
    label="District ownership of the improvement process",
)
def district_improvement(s: Snapshot) -> float:
    """How far the district runs the improvement process as its own (002_*.txt)."""
    return float(s.m.dist.district_improvement)


@metric(
    "leadership_support",
    kind="info",
    dimension="sustainability",
    unit="0–1",
    label="Leadership support",
)
def leadership_support(s: Snapshot) -> float:
    """Current superintendent and senior leaders' support."""
    return float(s.m.dist.leadership_support)


@metric(
    "policy_alignment",
    kind="info",
    dimension="sustainability",
    unit="0–1",
    label="Policy alignment",
)
def policy_alignment(s: Snapshot) -> float:
    """Alignment of evaluation, accountability and assessment with the innovation."""
    return float(s.m.dist.policy_alignment)


# ---------------------------------------------------------------- equity of reach


@metric(
    "reach_furthest",
    kind="maximize",
    dimension="equity",
    unit="share of students",
    label="Reach: students furthest from opportunity",
)
def reach_furthest(s: Snapshot) -> float:
    """Share of students furthest from opportunity whose educator enacts."""
    return s.reach_fo


@metric(
    "equity_ratio",
    kind="maximize",
    dimension="equity",
    unit="ratio",
    label="Equity ratio (furthest / all)",
)
def equity_ratio(s: Snapshot) -> float:
    """Reach among students furthest from opportunity over reach among all students.

    1 when nobody is reached (no gap can be measured).
    """
    return _ratio(reach_furthest(s), students_reached(s), empty=1.0)


@metric(
    "equity_gap",
    kind="maximize",
    dimension="equity",
    unit="share of students",
    label="Equity gap (furthest − all)",
)
def equity_gap(s: Snapshot) -> float:
    """Reach among students furthest from opportunity minus reach among all students."""
    return reach_furthest(s) - students_reached(s)


@metric(
    "high_need_coverage",
    kind="maximize",
    dimension="equity",
    unit="share of educators",
    label="Enacting in high-need schools",
)
def high_need_coverage(s: Snapshot) -> float:
    """Share of educators in high-need schools who enact."""
    return _ratio(float(s.enact_s[s.high].sum()), s.st.size_high)


@metric(
    "other_coverage",
    kind="info",
    dimension="equity",
    unit="share of educators",
    label="Enacting in other schools",
)
def other_coverage(s: Snapshot) -> float:
    """Share of educators in the other schools who enact."""
    return _ratio(float(s.enact_s[~s.high].sum()), s.st.size_other)


@metric(
    "high_need_deep",
    kind="maximize",
    dimension="equity",
    unit="share of educators",
    label="At depth in high-need schools",
)
def high_need_deep(s: Snapshot) -> float:
    """Share of educators in high-need schools enacting at or above the depth bar."""
    return _ratio(float(s.deep_s[s.high].sum()), s.st.size_high)


@metric(
    "schools_left_behind",
    kind="minimize",
    dimension="equity",
    unit="schools",
    label="Schools left behind",
)
def schools_left_behind(s: Snapshot) -> float:
    """Number of schools where fewer than ``left_behind_share`` of educators enact."""
    return float((s.share_s < s.cfg.left_behind_share).sum())


@metric(
    "high_need_left_behind",
    kind="minimize",
    dimension="equity",
    unit="schools",
    label="High-need schools left behind",
)
def high_need_left_behind(s: Snapshot) -> float:
    """Number of high-need schools left behind."""
    return float(((s.share_s < s.cfg.left_behind_share) & s.high).sum())


# ---------------------------------------------------------------- trip ticket


@metric(
    "destination_share",
    kind="maximize",
    dimension="trip_ticket",
    unit="share of educators",
    label="Enacting at the destination's depth",
)
def destination_share(s: Snapshot) -> float:
    """Share enacting at or above the trip ticket's ``min_depth``.

    Of educators, or, when the destination is measured in students, of students (each school's
    share of educators there, weighted by enrollment).
    """
    if s.m.sc.trip_ticket.destination.measure == "students":
        return _weighted_share(s.enroll, s.dest_s / s.size, s.st.enroll_total)
    return _ratio(float(s.dest_s.sum()), s.n)


@metric(
    "destination_equity_share",
    kind="maximize",
    dimension="trip_ticket",
    unit="share of educators",
    label="Same, in high-need schools",
)
def destination_equity_share(s: Snapshot) -> float:
    """The same among educators of high-need schools, or among students furthest from opportunity.

    Students furthest from opportunity are counted by each school's need share × enrollment.
    """
    if s.m.sc.trip_ticket.destination.measure == "students":
        return _weighted_share(s.need_w, s.dest_s / s.size, s.st.need_total)
    return _ratio(float(s.dest_s[s.high].sum()), s.st.size_high)


# ---------------------------------------------------------------- cost


@metric(
    "capacity_spent",
    kind="minimize",
    dimension="cost",
    unit="person-days",
    label="Capacity spent (cumulative)",
)
def capacity_spent(s: Snapshot) -> float:
    """Team capacity spent since the start."""
    return float(s.m.team.spent_total)


@metric(
    "capacity_left",
    kind="info",
    dimension="cost",
    unit="share of weekly capacity",
    label="Capacity left (fuel)",
)
def capacity_left(s: Snapshot) -> float:
    """Share of this week's capacity left after funding the strategy set."""
    return float(s.m.team.left_share)


METRIC_NAMES = tuple(METRICS)


def compute_all(m: ScalingModel) -> tuple[dict[str, float], Snapshot]:
    """Every registered metric for the model's current week, and the snapshot behind them."""
    snap = Snapshot(m)
    return {name: d.fn(snap) for name, d in METRICS.items()}, snap


def current_value(model: ScalingModel, name: str) -> float:
    """Read one metric of the model's current week (a picklable DataCollector reporter).

    Used as ``functools.partial(current_value, name=name)``: Mesa calls partials with the
    model, and a partial of a module-level function pickles (a lambda would not).
    """
    return model.current[name]

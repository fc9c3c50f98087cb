"""Build a district: schools and their educators, as struct-of-arrays columns.

Educators are stored sorted by school, so school ``s`` owns the contiguous slots
``start[s]:start[s] + size[s]``. A slot is a teaching position: when an educator leaves, a
newcomer (or a within-district mover) fills the slot, so the educator count is conserved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from scalesim.scenario import Dist, Educators, Scenario, load_school_csv
from scalesim.scenario.observed import RosterData, load_roster
from scalesim.scenario.school_csv import generated_school_name

# A generated school's enrollment is its educators × students per educator × a factor drawn
# uniformly from this range (schools differ in class size; assumption).
ENROLLMENT_FACTOR = (0.85, 1.15)
# Novices have fewer years of experience than this (NCES: "novice" = 1–3 years).
NOVICE_YEARS = 3.0
YEARS_PER_DECADE = 10.0
# Experience shifts factors relative to a fixed reference career, the schema's default mean
# (NCES SASS: ~14 years), not to the scenario's own mean: a more experienced district is then
# more cynical and more credible on average, as 004_*.txt's veterans are.
EXPERIENCE_REFERENCE_YEARS = float(Educators.model_fields["veteran_mean_years"].get_default())


@dataclass
class Schools:
    """Per-school columns (length ``n``)."""

    name: np.ndarray
    region: np.ndarray  # int codes
    region_names: list[str]
    enrollment: np.ndarray
    need_share: np.ndarray  # share of students furthest from opportunity
    high_need: np.ndarray  # bool
    performance: np.ndarray  # 0–1, negatively correlated with need by default
    pressure: np.ndarray  # accountability pressure, 0–1, high where performance is low
    principal_support: np.ndarray
    size: np.ndarray  # educators per school
    start: np.ndarray  # first educator slot
    initial_enacting: np.ndarray | None = None  # per-school start share from a CSV
    # Scaling in (002_*.txt): the school's routines for the practice and its own improvement
    # routines, 0–1 (scalesim.core.institutions); set from the scenario when the model is built.
    routines: np.ndarray = field(default_factory=lambda: np.zeros(0))
    improvement: np.ndarray = field(default_factory=lambda: np.zeros(0))
    roster: RosterData | None = None  # the observed roster (district.source: roster)

    @property
    def n(self) -> int:
        """Number of schools."""
        return len(self.size)


@dataclass
class EducatorFactors:
    """Per-educator influential factors (framework category 2), all in [0, 1] but experience."""

    attitude: np.ndarray
    emotion: np.ndarray
    openness: np.ndarray
    persistence: np.ndarray
    cynicism: np.ndarray
    credibility: np.ndarray
    experience: np.ndarray  # years
    threshold: np.ndarray  # fractional-threshold rule
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    NAMES = (
        "attitude",
        "emotion",
        "openness",
        "persistence",
        "cynicism",
        "credibility",
        "experience",
        "threshold",
    )


def _clipped(rng: np.random.Generator, d: Dist, n: int) -> np.ndarray:
    return np.clip(rng.normal(d.mean, d.sd, n), 0.0, 1.0)


def build_schools(sc: Scenario, rng: np.random.Generator) -> Schools:
    """Generate the schools, or load them from the scenario's CSV."""
    dcfg = sc.district
    if dcfg.source == "csv":
        assert dcfg.csv is not None
        rows = load_school_csv(Path(dcfg.csv.path))
        names = np.array([r["name"] for r in rows], dtype=object)
        region_labels = [r["region"] for r in rows]
        region_names = sorted(set(region_labels))
        region = np.array([region_names.index(r) for r in region_labels], dtype=np.int32)
        enrollment = np.array([r["enrollment"] for r in rows], dtype=float)
        need = np.array([r["need_share"] for r in rows], dtype=float)
        size = np.array([r["n_educators"] for r in rows], dtype=np.int64)
        init = None
        if any("enacting_share" in r for r in rows):
            init = np.array([r.get("enacting_share", np.nan) for r in rows], dtype=float)
    elif dcfg.source == "roster":
        assert dcfg.roster is not None
        roster = load_roster(dcfg.roster)
        names, region, region_names, enrollment, need, size = _roster_columns(sc, roster)
        init = None
    else:
        g = dcfg.generated
        n = g.n_schools
        size = np.maximum(
            np.rint(rng.normal(g.educators_per_school.mean, g.educators_per_school.sd, n)),
            g.educators_per_school.min,
        ).astype(np.int64)
        n_high = round(g.high_need_share * n)
        is_high = np.zeros(n, dtype=bool)
        is_high[rng.permutation(n)[:n_high]] = True
        need = np.where(
            is_high,
            rng.uniform(*g.need_share_high, n),
            rng.uniform(*g.need_share_other, n),
        )
        region = rng.integers(0, g.n_regions, n).astype(np.int32)
        region_names = [f"region-{k + 1}" for k in range(g.n_regions)]
        enrollment = np.rint(size * g.students_per_educator * rng.uniform(*ENROLLMENT_FACTOR, n))
        names = np.array([generated_school_name(k) for k in range(n)], dtype=object)
        init = None
    n = len(size)
    # Performance: a latent normal correlated with need (rho < 0 by default), mapped to [0,1].
    z_need = (need - need.mean()) / (need.std() + 1e-12)
    rho = dcfg.performance_need_correlation
    z_perf = rho * z_need + np.sqrt(1.0 - rho * rho) * rng.standard_normal(n)
    performance = ndtr(z_perf)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    schools = Schools(
        name=names,
        region=region,
        region_names=region_names,
        enrollment=enrollment,
        need_share=need,
        high_need=need >= dcfg.high_need_threshold,
        performance=performance,
        pressure=_pressure(performance, dcfg.pressure_cut, dcfg.pressure_width),
        principal_support=_clipped(rng, dcfg.principal_support, n),
        size=size,
        start=start,
        initial_enacting=init,
        routines=np.full(n, sc.institutions.routine_start),
        improvement=np.full(n, sc.institutions.improvement_start),
    )
    if dcfg.source == "roster":
        schools.roster = roster
    return schools


def _roster_columns(sc: Scenario, roster: RosterData) -> tuple:
    """School columns of an observed roster (from its school CSV when it names one)."""
    size = np.bincount(roster.school_of_slot, minlength=len(roster.school_names)).astype(np.int64)
    names = np.array(roster.school_names, dtype=object)
    if roster.schools is not None:
        labels = [r["region"] for r in roster.schools]
        enrollment = np.array([r["enrollment"] for r in roster.schools], dtype=float)
        need = np.array([r["need_share"] for r in roster.schools], dtype=float)
    else:
        labels = ["all"] * len(names)
        enrollment = size * sc.district.generated.students_per_educator
        need = np.full(len(names), sc.district.roster.need_share if sc.district.roster else 0.5)
    region_names = sorted(set(labels))
    region = np.array([region_names.index(r) for r in labels], dtype=np.int32)
    return names, region, region_names, enrollment, need, size


def apply_roster(f: EducatorFactors, roster: RosterData | None) -> EducatorFactors:
    """Put the factors a roster measured in place of the drawn ones (blank cells stay drawn).

    Years of experience set ``experience``; columns named like a factor set it; a role and
    the extra columns go to ``extra`` (``role`` and their own names).
    """
    if roster is None:
        return f
    cols = dict(roster.factors)
    if roster.experience is not None:
        cols["experience"] = roster.experience
    for name, vals in cols.items():
        cur = getattr(f, name)
        setattr(f, name, np.where(np.isnan(vals), cur, vals))
    if roster.role is not None:
        f.extra["role"] = roster.role.copy()
    for name, vals in roster.extra.items():
        f.extra[name] = vals.copy()
    return f


def _pressure(performance: np.ndarray, cut: float | None, width: float) -> np.ndarray:
    """Accountability pressure from performance: even (1 − performance) or concentrated."""
    if cut is None:
        return 1.0 - performance
    return 1.0 / (1.0 + np.exp((performance - cut) / width))


def draw_educators(
    cfg: Educators,
    threshold: Dist,
    novice_share: np.ndarray,
    rng: np.random.Generator,
) -> EducatorFactors:
    """Draw the factors of ``len(novice_share)`` new educators.

    Args:
        cfg: The scenario's educator section.
        threshold: Distribution of adoption thresholds (fractional-threshold rule).
        novice_share: Per-educator probability of being a novice (1–3 years), which is
            higher in high-need schools.
        rng: The stream to draw from.

    Correlations (modelling assumptions, documented in docs/scenario.md): cynicism and
    credibility rise, and openness falls, with experience.
    """
    n = len(novice_share)
    novice = rng.random(n) < novice_share
    experience = np.where(
        novice,
        rng.uniform(0.0, NOVICE_YEARS, n),
        NOVICE_YEARS + rng.exponential(cfg.veteran_mean_years - NOVICE_YEARS, n),
    )
    decades = (experience - EXPERIENCE_REFERENCE_YEARS) / YEARS_PER_DECADE

    def f(d: Dist, per_decade: float = 0.0) -> np.ndarray:
        return np.clip(rng.normal(d.mean, d.sd, n) + per_decade * decades, 0.0, 1.0)

    return EducatorFactors(
        attitude=f(cfg.attitude),
        emotion=f(cfg.emotion),
        openness=f(cfg.openness, cfg.openness_per_decade),
        persistence=f(cfg.persistence),
        cynicism=f(cfg.cynicism, cfg.cynicism_per_decade),
        credibility=f(cfg.credibility, cfg.credibility_per_decade),
        experience=experience,
        threshold=np.clip(rng.normal(threshold.mean, threshold.sd, n), 0.0, 1.0),
    )


def novice_share_by_slot(sc: Scenario, schools: Schools) -> np.ndarray:
    """Per-slot novice probability from the school's need level."""
    per_school = np.where(
        schools.high_need, sc.educators.novice_share_high_need, sc.educators.novice_share_other
    )
    return np.repeat(per_school, schools.size)

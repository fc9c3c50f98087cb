"""Selection rules, shared by every strategy that picks schools or people (DESIGN §3).

Every rule turns candidates into a ranking key; the top keys are picked. Random parts use
Gumbel keys (``log w + Gumbel``), which is sampling without replacement in proportion to
``w`` and needs one vectorized draw.

- ``volunteer``: likelier where openness is high and accountability pressure low, which is
  what produces the volunteer trap (003_*.txt: asking for volunteers recruited only
  higher-performing schools). The pull of pressure is a norm: it is felt only as far as
  evaluation and accountability are not aligned with the practice, and a team that centres
  equity addresses it directly (003_*.txt), so both levers change *who* volunteers.
- ``random``: uniform.
- ``representative``: stratified by need (high-need vs other), in proportion to the
  district (000_*.txt: proof points representative of the schools scaled to).
- ``highest_need``: highest share of students furthest from opportunity first.
- ``most_central``: most ties first (degree centrality).
- ``most_credible``: highest credibility with peers first (000_*.txt: champions chosen for
  credibility, respect and trust).
- ``balanced``: for people, half influential veterans (credibility × experience), half early
  adopters (openness) (004_*.txt: balanced pilot teams); for schools, representative.
- ``explicit``: the named schools (all their educators, or ``per_school`` of them).
- ``pilot_members``: the members of the pilot named in the strategy's gate who still enact
  deeply enough to lead (004_*.txt: pilot teachers become the spread's champions); resolved by
  the strategy itself (:meth:`~scalesim.journey.strategies.base.Strategy.resolve_targets`).

Whom a team reaches first also depends on its equity orientation (000_*.txt, Component 1:
working first where many underserved students are): every rule with a random part tilts its
keys toward schools with more students furthest from opportunity, by
``EQUITY_TILT * (2 * equity_orientation - 1)`` per standard deviation of need (no tilt at the
default orientation 0.5; away from it for a team that does not centre equity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scalesim.common.errors import ScenarioError
from scalesim.core.rules import C_POLICY
from scalesim.scenario import Select

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

RULES = (
    "volunteer",
    "random",
    "representative",
    "highest_need",
    "most_central",
    "most_credible",
    "balanced",
    "explicit",
    "pilot_members",
)
# Veterans (for the balanced rule) have at least this many years of experience (assumption;
# 004_*.txt: influential veterans beside early adopters).
VETERAN_YEARS = 10.0
# A veteran's influence grows with experience up to this many years (assumption).
INFLUENCE_YEARS = 30.0
# Volunteering: log-odds weights of openness and of accountability pressure, each centred on
# the middle of its 0–1 scale (assumption; the direction is 003_*.txt's volunteer trap).
VOLUNTEER_OPENNESS = 3.0
VOLUNTEER_PRESSURE = 3.0
SCALE_MIDPOINT = 0.5
# A team that fully centres equity halves the pull of pressure (and a team that ignores it
# makes it 1.5 times as strong): it addresses the differential norms directly (003_*.txt).
# Assumption; the direction is the document's, the size is a modelling choice.
EQUITY_NORMS = 0.5
# Tilt of random keys toward high-need schools per unit of (2 * equity_orientation - 1), per
# standard deviation of need share (assumption; direction 000_*.txt, Component 1).
EQUITY_TILT = 0.75


def pressure_weight(policy_alignment: float, equity_orientation: float) -> float:
    """The volunteer key's weight on accountability pressure under the district's norms.

    It scales with the part of accountability not aligned with the practice, relative to the
    default alignment ``C_POLICY`` (so the default district keeps ``VOLUNTEER_PRESSURE``).
    """
    felt = (1.0 - policy_alignment) / (1.0 - C_POLICY)
    return VOLUNTEER_PRESSURE * felt * (1.0 - EQUITY_NORMS * (2.0 * equity_orientation - 1.0))


def volunteer_key(
    openness: np.ndarray, pressure: np.ndarray, weight: float = VOLUNTEER_PRESSURE
) -> np.ndarray:
    """Log-odds of volunteering (before the Gumbel draw): open, low-pressure units first.

    Args:
        openness: Mean openness of each unit (school or educator).
        pressure: Accountability pressure of each unit.
        weight: Weight of pressure (:func:`pressure_weight`).
    """
    return VOLUNTEER_OPENNESS * (openness - SCALE_MIDPOINT) - weight * (pressure - SCALE_MIDPOINT)


def equity_tilt(m: ScalingModel) -> np.ndarray:
    """Per-school addition to random keys from the team's equity orientation (0 at 0.5)."""
    need = m.schools.need_share
    sd = float(need.std())
    z = (need - need.mean()) / sd if sd > 0 else np.zeros_like(need)
    return (EQUITY_TILT * (2.0 * m.sc.team.equity_orientation - 1.0)) * z


def _norms_weight(m: ScalingModel) -> float:
    return pressure_weight(m.dist.policy_alignment, m.sc.team.equity_orientation)


def _gumbel(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.gumbel(size=n)


def _school_keys(m: ScalingModel, rule: str, rng: np.random.Generator) -> np.ndarray:
    sch, f = m.schools, m.ed.factors
    g = _gumbel(rng, sch.n)
    if rule == "volunteer":
        openness = np.add.reduceat(f.openness, sch.start) / sch.size
        return volunteer_key(openness, sch.pressure, _norms_weight(m)) + g + equity_tilt(m)
    if rule == "highest_need":
        return sch.need_share + 1e-9 * g
    if rule == "most_central":
        deg = np.add.reduceat(m.network.degree.astype(float), sch.start) / sch.size
        return deg + 1e-9 * g
    if rule == "most_credible":
        return np.add.reduceat(f.credibility, sch.start) / sch.size + 1e-9 * g
    # random; representative and balanced stratify on top of random keys
    return g + equity_tilt(m)


def _top_stratified(keys: np.ndarray, strata: np.ndarray, k: int) -> np.ndarray:
    """Pick ``k`` by key, with each stratum's share of ``k`` equal to its share of items."""
    picked = []
    levels = np.unique(strata)
    quotas = {lv: (strata == lv).sum() * k / len(strata) for lv in levels}
    # Largest-remainder rounding so quotas add up to k.
    base = {lv: int(np.floor(q)) for lv, q in quotas.items()}
    rest = k - sum(base.values())
    for lv in sorted(levels, key=lambda v: -(quotas[v] - base[v]))[:rest]:
        base[lv] += 1
    for lv in levels:
        idx = np.flatnonzero(strata == lv)
        picked.append(idx[np.argsort(-keys[idx], kind="stable")[: base[lv]]])
    return np.sort(np.concatenate(picked)) if picked else np.array([], dtype=np.int64)


def select_schools(m: ScalingModel, sel: Select, rng: np.random.Generator) -> np.ndarray:
    """Indices of the schools picked by ``sel`` (sorted)."""
    sch = m.schools
    if sel.rule == "explicit":
        index = {str(name): i for i, name in enumerate(sch.name)}
        missing = [s for s in (sel.schools or []) if s not in index]
        if missing:
            raise ScenarioError(
                "scenario", "select.schools", f"no school named {missing[0]!r} in this district"
            )
        return np.array(sorted({index[s] for s in sel.schools or []}), dtype=np.int64)
    if sel.n_schools is not None:
        k = min(sel.n_schools, sch.n)
    elif sel.share_schools is not None:
        k = max(1, round(sel.share_schools * sch.n))
    else:
        return np.arange(sch.n)
    keys = _school_keys(m, sel.rule, rng)
    if sel.rule in ("representative", "balanced"):
        return _top_stratified(keys, sch.high_need.astype(int), k)
    return np.sort(np.argsort(-keys, kind="stable")[:k])


def _educator_keys(
    m: ScalingModel, rule: str, pool: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    f = m.ed.factors
    g = _gumbel(rng, pool.size)
    tilt = equity_tilt(m)[m.ed.school[pool]]
    if rule == "volunteer":
        pressure = m.schools.pressure[m.ed.school[pool]]
        return volunteer_key(f.openness[pool], pressure, _norms_weight(m)) + g + tilt
    if rule == "highest_need":
        return m.schools.need_share[m.ed.school[pool]] + 1e-6 * g
    if rule == "most_central":
        return m.network.degree[pool] + 1e-6 * g
    if rule == "most_credible":
        return f.credibility[pool] + 1e-6 * g
    return g + tilt


def _top_per_school(keys: np.ndarray, school: np.ndarray, k: int) -> np.ndarray:
    """Positions of the top ``k`` keys within each school."""
    order = np.lexsort((-keys, school))
    s_sorted = school[order]
    first = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
    starts = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
    rank = np.arange(order.size) - starts
    return np.sort(order[rank < k])


def _balanced(
    m: ScalingModel, pool: np.ndarray, k: int, rng: np.random.Generator, school: np.ndarray | None
) -> np.ndarray:
    """Half influential veterans, half early adopters (004_*.txt)."""
    f = m.ed.factors
    g = _gumbel(rng, pool.size) * 1e-6
    veteran = f.experience[pool] >= VETERAN_YEARS
    vet_key = (
        np.where(
            veteran,
            f.credibility[pool] * np.minimum(f.experience[pool], INFLUENCE_YEARS) / INFLUENCE_YEARS,
            -1.0,
        )
        + g
    )
    early_key = f.openness[pool] + g
    if school is not None:  # per school: ceil(k/2) veterans then the rest early adopters
        kv = (k + 1) // 2
        vets = _top_per_school(vet_key, school, kv)
        rest = np.setdiff1d(np.arange(pool.size), vets)
        early = rest[_top_per_school(early_key[rest], school[rest], k - kv)]
        return np.sort(np.concatenate([vets, early]))
    kv = (k + 1) // 2
    vets = np.argsort(-vet_key, kind="stable")[:kv]
    mask = np.ones(pool.size, dtype=bool)
    mask[vets] = False
    rest = np.flatnonzero(mask)
    early = rest[np.argsort(-early_key[rest], kind="stable")[: k - kv]]
    return np.sort(np.concatenate([vets, early]))


def select_educators(m: ScalingModel, sel: Select, rng: np.random.Generator) -> np.ndarray:
    """Slots of the educators picked by ``sel``: schools first, then people within them."""
    schools = select_schools(m, sel, rng)
    sch = m.schools
    in_school = np.zeros(sch.n, dtype=bool)
    in_school[schools] = True
    pool = np.flatnonzero(in_school[m.ed.school])
    if pool.size == 0:
        return pool
    if sel.per_school is not None:
        school = m.ed.school[pool]
        if sel.rule == "balanced":
            return pool[_balanced(m, pool, sel.per_school, rng, school)]
        keys = _educator_keys(m, sel.rule, pool, rng)
        if sel.rule == "representative":
            keys = _gumbel(rng, pool.size)  # within one school the tilt is the same for all
        return pool[_top_per_school(keys, school, sel.per_school)]
    if sel.n_educators is not None:
        k = min(sel.n_educators, pool.size)
        if sel.rule == "balanced":
            return pool[_balanced(m, pool, k, rng, None)]
        keys = _educator_keys(m, sel.rule, pool, rng)
        if sel.rule == "representative":
            strata = sch.high_need[m.ed.school[pool]].astype(int)
            return pool[_top_stratified(keys, strata, k)]
        return np.sort(pool[np.argsort(-keys, kind="stable")[:k]])
    return pool

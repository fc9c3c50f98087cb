"""The weekly rules of DESIGN §2, each a pure, vectorized function of arrays and the week.

A rule reads the state, the week's context (:class:`~scalesim.core.week.Week`: its draws, the
share of enacting neighbours, this week's effects) and the scenario section that sets its rates,
and *returns* what changes: who becomes aware, who adopts, the new depths. The model writes the
result through :class:`~scalesim.core.actions.Actions`. Every mechanism's draws are taken for
every slot every week, whatever the state (common random numbers).

Coefficients (factor weights, centres, the abandonment weights) are named constants documented
in docs/model.md, with their source or marked as assumptions; the scenario exposes the rates
they scale. Educator factors and conditions are centred on their schema defaults, so the
default world has multipliers of 1 and moving a default moves the centre with it; innovation
factors are centred on the middle of their scale, so the default innovation (more complex and
less compatible than the midpoint) is slower than an average one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scalesim.common.units import DT
from scalesim.core.district import NOVICE_YEARS
from scalesim.core.institutions import INST_CENTRE
from scalesim.core.week import ALL, Selection, Week
from scalesim.scenario import Conditions, Educators
from scalesim.scenario import Depth as DepthCfg
from scalesim.scenario import Ownership as OwnershipCfg

if TYPE_CHECKING:
    from scalesim.core.district import EducatorFactors
    from scalesim.core.state import DistrictState, EducatorState, Effects
    from scalesim.scenario import Abandonment, Adoption

__all__ = ["ALL", "Selection"]


def _default_mean(name: str) -> float:
    """The schema's default mean of an educator factor (the centre of its log-weight)."""
    return float(Educators.model_fields[name].get_default(call_default_factory=True).mean)


def _default(section: type, name: str) -> float:
    return float(section.model_fields[name].get_default())


# Log-hazard weights of educator factors on adoption (assumptions; directions from 000_*.txt,
# Component 3: attitude, emotion and openness help, cynicism hurts, 004_*.txt).
W_ATTITUDE, W_EMOTION, W_OPENNESS, W_CYNICISM = 1.2, 0.6, 1.0, 1.5
C_ATTITUDE, C_EMOTION, C_OPENNESS, C_CYNICISM, C_PERSISTENCE = (
    _default_mean(n) for n in ("attitude", "emotion", "openness", "cynicism", "persistence")
)
# Innovation factors (Rogers): complexity slows, compatibility and trialability help;
# observability scales the peer channel. Centred on the scale's midpoint.
W_COMPLEXITY, W_COMPATIBILITY, W_TRIALABILITY = 1.0, 0.8, 0.5
SCALE_MIDPOINT = 0.5
# District conditions (centred on their defaults; policy alignment counts from none: its
# district-wide term is the reassurance that the practice fits evaluation, 003_*.txt; the
# equity lever is its removing the accountability drag where pressure is, below, and in who
# volunteers, journey.selection). C_POLICY is the default alignment those are relative to.
W_LEADERSHIP, W_ATTENTION, W_COMMUNITY, W_POLICY = 0.8, 0.8, 0.4, 0.6
C_LEADERSHIP = _default(Conditions, "leadership_support")
C_POLICY = _default(Conditions, "policy_alignment")
C_ATTENTION = _default(Conditions, "attention_competition")
C_COMMUNITY = _default(Conditions, "community_beliefs")
# Tight mandate: an extra external rate (per year) on aware non-enacting educators.
MANDATE_RATE = 0.8
# Depth at which a new adopter starts: a first, superficial try.
NEW_ADOPTER_DEPTH = 0.05
# Peer and district-awareness channels scale as BASE + observability / communication (1 at 0.5).
CHANNEL_BASE = 0.5
# Complex practices deepen more slowly: growth × (1 − COMPLEXITY_DRAG · complexity).
COMPLEXITY_DRAG = 0.5
# Log-hazard weights of abandonment (assumptions; directions from DESIGN §2.6 and 004_*.txt).
A_CYNICISM, A_PERSISTENCE, A_DEPTH, A_SUPPORT, A_OWNERSHIP, A_ATTENTION = (
    1.5,
    1.0,
    2.0,
    1.5,
    1.0,
    1.0,
)
# Centres of depth and ownership: the starting levels of enacting educators (schema defaults).
C_DEPTH = float(DepthCfg.model_fields["start"].get_default(call_default_factory=True).mean)
C_OWNERSHIP = float(OwnershipCfg.model_fields["start"].get_default(call_default_factory=True).mean)
# Centre of support for abandonment: about what a well-supported school gives (assumption).
C_SUPPORT = 0.3
# Teachers keep a practice their leaders back (and drop one they do not).
A_LEADERSHIP = 1.0
# A tight mandate multiplies abandonment by this (compliance: a required practice is kept).
MANDATE_ABANDON = 0.5
# Share of depth kept by someone who stops enacting.
DEPTH_KEPT_ON_STOP = 0.5
# After a pilot that built a base of support spread, a tight mandate erodes ownership less:
# erosion × (1 − MANDATE_BASE_RELIEF · base of support) (004_*.txt: with a base of support the
# most resistant can be required at lower cost). Assumption on the size.
MANDATE_BASE_RELIEF = 0.5
# Novices (under NOVICE_YEARS of experience) deepen a new practice at this share of the rate:
# they are still learning the job itself (000_*.txt, Component 3: years in the role and
# practised experience; Kraft & Papay 2014: teachers' effectiveness grows most in their first
# years). Assumption on the size.
NOVICE_DEPTH_GROWTH = 0.6


def experience_depth_factor(experience: np.ndarray, slots: np.ndarray | slice = ALL) -> np.ndarray:
    """Per-slot multiplier of depth growth from experience (novices deepen more slowly)."""
    return np.where(experience[slots] < NOVICE_YEARS, NOVICE_DEPTH_GROWTH, 1.0)


def occurs(rate: np.ndarray | float, e: np.ndarray) -> np.ndarray:
    """Whether an event at a yearly ``rate`` happens this week, given unit-exponential draws.

    ``e < rate * DT`` has probability ``1 - exp(-rate * DT)``, the same as a uniform draw
    against :func:`~scalesim.common.units.hazard_to_prob`, without an ``exp`` per educator.
    """
    return e < np.asarray(rate) * DT


# ---------------------------------------------------------------- static factor terms


def educator_propensity(f: EducatorFactors, slots: np.ndarray | slice = ALL) -> np.ndarray:
    """Log-multiplier of adoption of ``slots`` from educator factors (recomputed at turnover)."""
    return (
        W_ATTITUDE * (f.attitude[slots] - C_ATTITUDE)
        + W_EMOTION * (f.emotion[slots] - C_EMOTION)
        + W_OPENNESS * (f.openness[slots] - C_OPENNESS)
        - W_CYNICISM * (f.cynicism[slots] - C_CYNICISM)
    )


def abandon_static(f: EducatorFactors, slots: np.ndarray | slice = ALL) -> np.ndarray:
    """Log-multiplier of abandonment of ``slots`` from stable factors."""
    return A_CYNICISM * (f.cynicism[slots] - C_CYNICISM) - A_PERSISTENCE * (
        f.persistence[slots] - C_PERSISTENCE
    )


def pressure_log_multiplier(
    pressure_slot: np.ndarray, penalty: float, policy_alignment: float
) -> np.ndarray:
    """Accountability pressure's drag on adoption, unless policy is aligned.

    003_*.txt: lower-performing schools under different accountability did not feel free to
    innovate; aligning measurement and accountability with the practice removes the drag.

    Args:
        pressure_slot: Each candidate's school's accountability pressure.
        penalty: ``adoption.pressure_penalty``.
        policy_alignment: The district's current alignment.
    """
    return -(penalty * (1.0 - policy_alignment)) * pressure_slot


def district_log_multiplier(d: DistrictState) -> float:
    """Log-multiplier of adoption from innovation factors and district conditions."""
    return (
        -W_COMPLEXITY * (d.complexity - SCALE_MIDPOINT)
        + W_COMPATIBILITY * (d.compatibility - SCALE_MIDPOINT)
        + W_TRIALABILITY * (d.trialability - SCALE_MIDPOINT)
        + W_LEADERSHIP * (d.leadership_support - C_LEADERSHIP)
        - W_ATTENTION * (d.attention_competition - C_ATTENTION)
        + W_COMMUNITY * (d.community_beliefs - C_COMMUNITY)
        + W_POLICY * d.policy_alignment
    )


# ---------------------------------------------------------------- the weekly rules


def exposure(aware: np.ndarray, week: Week, a: Adoption, communication: float) -> np.ndarray:
    """Unaware educators become aware (district communication, peers, strategies).

    Returns:
        Slots of the educators who become aware this week.
    """
    idx = np.flatnonzero(~aware)
    ext = a.awareness_external * (CHANNEL_BASE + communication)
    rate = ext + a.awareness_peer * week.peer_share()[idx] + week.effects.awareness[idx]
    return idx[occurs(rate, week.e_aware[idx])]


@dataclass
class AdoptionFactors:
    """What modulates adoption this week, per candidate (computed once, used twice)."""

    log_mult: np.ndarray | None  # educator, school and district log-multiplier (None: off)


def _log_mult(
    propensity: np.ndarray,
    pressure_slot: np.ndarray,
    d: DistrictState,
    a: Adoption,
    idx: np.ndarray,
) -> np.ndarray:
    return (
        propensity[idx]
        + pressure_log_multiplier(pressure_slot[idx], a.pressure_penalty, d.policy_alignment)
        + district_log_multiplier(d)
    )


def adoption_rates(
    idx: np.ndarray,
    week: Week,
    d: DistrictState,
    a: Adoption,
    propensity: np.ndarray,
    pressure_slot: np.ndarray,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Yearly adoption rate of the slots ``idx``, and its parts by channel (for attribution).

    Bass-type: ``mult * (p + strategy sources) + mult * q * (1 + extras) * share`` where
    ``mult`` combines educator, school, innovation and district factors (1 when the scenario
    switches modulation off). A tight mandate adds its own channel.
    """
    k = idx.size
    effects: Effects = week.effects
    if a.modulate:
        mult = np.exp(_log_mult(propensity, pressure_slot, d, a, idx)) * d.enactment_factor
        peer_scale = CHANNEL_BASE + d.observability
    else:
        mult = np.full(k, d.enactment_factor)
        peer_scale = 1.0
    parts: dict[str, np.ndarray] = {"external": mult * a.p_external}
    for source, arr in effects.external.items():
        parts[source] = mult * arr[idx]
    if d.mandate_tight:
        parts["mandate"] = np.full(k, MANDATE_RATE * d.enactment_factor)
    if a.rule == "bass":
        peer = mult * a.q_peer * peer_scale * week.peer_share()[idx]
        parts["peer"] = peer
        for source, arr in effects.peer_extra.items():
            parts[source] = peer * arr[idx]
    total = np.zeros(k)
    for arr in parts.values():
        total += arr
    return total, parts


@dataclass
class Adoptions:
    """Who adopts this week, and what the model needs to credit them to channels.

    Attributes:
        new: Slots of every new adopter (sorted).
        hazard_parts: For adopters by hazard, each channel's rate (same order).
        by_threshold: Adopters who crossed their threshold (credited to peers).
    """

    new: np.ndarray
    hazard_parts: dict[str, np.ndarray]
    by_threshold: int


def adoption(
    ed: EducatorState,
    week: Week,
    d: DistrictState,
    a: Adoption,
    propensity: np.ndarray,
    pressure_slot: np.ndarray,
) -> Adoptions:
    """Aware, non-enacting educators start enacting.

    With the threshold rule, an educator adopts once the (credibility-weighted) share of
    enacting neighbours reaches their threshold, lowered by their propensity and by
    champions' extra influence; external sources still act as a hazard.
    """
    idx = np.flatnonzero(ed.aware & ~ed.enacting)
    rate, parts = adoption_rates(idx, week, d, a, propensity, pressure_slot)
    hit = occurs(rate, week.e_adopt[idx])
    new = idx[hit]
    n_threshold = 0
    if a.rule == "threshold" and d.enactment_factor > 0:
        rest = idx[~hit]
        eff_share = week.peer_share()[rest] * week.effects.peer_multiplier(rest)
        if a.modulate:
            eff_share = eff_share * np.exp(_log_mult(propensity, pressure_slot, d, a, rest))
        crossed = rest[eff_share >= ed.factors.threshold[rest]]
        n_threshold = int(crossed.size)
        new = np.sort(np.concatenate([new, crossed]))
    return Adoptions(new, {k: v[hit] for k, v in parts.items()}, n_threshold)


def support_level(
    principal_slot: np.ndarray, week: Week, cfg: DepthCfg, idx: Selection
) -> np.ndarray:
    """Support the educators ``idx`` get for depth: principal, collegial, and strategies.

    Args:
        principal_slot: Each slot's principal's support (gathered for ``idx`` here).
        week: The week (its peer share and strategy support).
        cfg: The scenario's depth section.
        idx: The enacting educators (slots or all).
    """
    peer = cfg.peer_support * week.peer_share()[idx]
    if week.collegial is not None:  # collegial support needs school routines (002_*.txt)
        peer = peer * week.collegial[idx]
    base = cfg.principal_weight * principal_slot[idx] + peer
    return np.clip(base + week.effects.support[idx], 0.0, 1.0)


def deepen(
    depth: np.ndarray, week: Week, d: DistrictState, cfg: DepthCfg, idx: Selection
) -> np.ndarray:
    """New depth of the enacting educators ``idx``: toward the ceiling with support.

    It decays without support, and drifts down when above the ceiling (e.g. after co-design
    without non-negotiables loosened the core).
    """
    assert week.support is not None
    support = week.support
    ceiling = min(max(d.depth_ceiling + week.effects.ceiling_delta, 0.0), 1.0)
    dep = depth[idx]
    grow = (
        cfg.growth
        * support
        * (1.0 - COMPLEXITY_DRAG * d.complexity)
        * np.maximum(ceiling - dep, 0.0)
    )
    if week.depth_gain is not None:  # schools running their own PDSA cycles learn faster
        grow = grow * week.depth_gain[idx]
    decay = cfg.decay * (1.0 - support) * dep + cfg.growth * np.maximum(dep - ceiling, 0.0)
    return np.clip(dep + (grow - decay) * (DT * d.enactment_factor), 0.0, 1.0)


def own(
    ownership: np.ndarray,
    depth: np.ndarray,
    week: Week,
    d: DistrictState,
    cfg: OwnershipCfg,
    idx: Selection,
) -> np.ndarray:
    """New ownership of ``idx``: it grows with depth and co-design or champion roles.

    A tight mandate erodes it, less after a pilot with a base of support spread.
    """
    own_ = ownership[idx]
    drive = cfg.growth * depth[idx] + week.effects.ownership[idx]
    erosion = (
        cfg.mandate_erosion * (1.0 - MANDATE_BASE_RELIEF * d.spread_base)
        if d.mandate_tight
        else 0.0
    )
    return np.clip(own_ + (drive * (1.0 - own_) - erosion * own_) * DT, 0.0, 1.0)


def abandon(
    ed: EducatorState,
    week: Week,
    d: DistrictState,
    cfg: Abandonment,
    modulate: bool,
    abandon_log: np.ndarray,
    inst_weight: float = 0.0,
) -> np.ndarray:
    """Enacting educators with low depth, low support, high cynicism or overload stop.

    Institutionalization of their school (``week.inst``, weight ``inst_weight``) keeps them.

    Returns:
        Slots of the educators who stop this week.
    """
    if not cfg.enabled:
        return np.zeros(0, dtype=np.int64)
    idx = week.enacting
    assert idx is not None and week.support is not None
    rate = cfg.base_rate * week.effects.abandon_mult[idx]
    if modulate:
        rate = rate * np.exp(
            abandon_log[idx]
            - A_DEPTH * (ed.depth[idx] - C_DEPTH)
            - A_SUPPORT * (week.support - C_SUPPORT)
            - A_OWNERSHIP * (ed.ownership[idx] - C_OWNERSHIP)
            + A_ATTENTION * (d.attention_competition - C_ATTENTION)
            - A_LEADERSHIP * (d.leadership_support - C_LEADERSHIP)
            - (inst_weight * (week.inst[idx] - INST_CENTRE) if week.inst is not None else 0.0)
        )
        if d.mandate_tight:
            rate = rate * MANDATE_ABANDON
    hit = occurs(rate, week.e_abandon[idx])
    return np.flatnonzero(hit & ed.enacting) if isinstance(idx, slice) else idx[hit]

"""The weekly rules of DESIGN §2, each a vectorized function over the model's arrays.

Every rule takes the model and the uniform draws it needs, drawn by the caller from the
rule's own named stream *for every slot, every week*, whatever the state. That keeps the
draws of one mechanism independent of what other mechanisms did (common random numbers).

Coefficients written here (the factor weights of :func:`propensity`, the abandonment
weights) are modelling assumptions, not estimates; their direction follows the documents
cited in docs/model.md, and the scenario exposes the rates they scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scalesim.common.units import DT

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

ALL = slice(None)
# Enacting educators, as their slots, or ALL when most slots enact: the classroom rules then
# compute every slot and keep the result for enacting ones (cheaper than gathers and scatters).
Selection = np.ndarray | slice

# Log-hazard weights of educator factors on adoption (centred on the default means).
W_ATTITUDE, W_EMOTION, W_OPENNESS, W_CYNICISM = 1.2, 0.6, 1.0, 1.5
# Innovation factors (Rogers): complexity slows, compatibility and trialability help;
# observability scales the peer channel.
W_COMPLEXITY, W_COMPATIBILITY, W_TRIALABILITY = 1.0, 0.8, 0.5
# District conditions.
W_LEADERSHIP, W_ATTENTION, W_COMMUNITY, W_POLICY = 0.8, 0.8, 0.4, 0.6
# Tight mandate: an extra external rate (per year) on aware non-enacting educators.
MANDATE_RATE = 0.8
# Depth at which a new adopter starts: a first, superficial try.
NEW_ADOPTER_DEPTH = 0.05
# Peer and district-awareness channels scale as BASE + observability / communication (1 at 0.5).
CHANNEL_BASE = 0.5
# Complex practices deepen more slowly: growth × (1 − COMPLEXITY_DRAG · complexity).
COMPLEXITY_DRAG = 0.5
# Log-hazard weights of abandonment, each centred on its factor's default level.
A_CYNICISM, A_PERSISTENCE, A_DEPTH, A_SUPPORT, A_OWNERSHIP, A_ATTENTION = (
    1.5,
    1.0,
    2.0,
    1.5,
    1.0,
    1.0,
)
# Teachers keep a practice their leaders back (and drop one they do not).
A_LEADERSHIP = 1.0
# A tight mandate multiplies abandonment by this (compliance: a required practice is kept).
MANDATE_ABANDON = 0.5
# Share of depth kept by someone who stops enacting.
DEPTH_KEPT_ON_STOP = 0.5


def educator_propensity(m: ScalingModel, slots: np.ndarray | slice = ALL) -> np.ndarray:
    """Log-multiplier of adoption of ``slots`` from educator factors.

    Recomputed only when people change (turnover).
    """
    f = m.ed.factors
    log_m = (
        W_ATTITUDE * (f.attitude[slots] - 0.5)
        + W_EMOTION * (f.emotion[slots] - 0.5)
        + W_OPENNESS * (f.openness[slots] - 0.5)
        - W_CYNICISM * (f.cynicism[slots] - 0.35)
    )
    return log_m


def pressure_log_multiplier(m: ScalingModel, idx: np.ndarray) -> np.ndarray:
    """Accountability pressure's drag on adoption of ``idx``, unless policy is aligned.

    003_*.txt: lower-performing schools under different accountability did not feel free to
    innovate; aligning measurement and accountability with the practice removes the drag.
    """
    penalty = m.sc.adoption.pressure_penalty * (1.0 - m.dist.policy_alignment)
    return -penalty * m.schools.pressure[m.ed.school[idx]]


def district_log_multiplier(m: ScalingModel) -> float:
    """Log-multiplier of adoption from innovation factors and district conditions."""
    d = m.dist
    return (
        -W_COMPLEXITY * (d.complexity - 0.5)
        + W_COMPATIBILITY * (d.compatibility - 0.5)
        + W_TRIALABILITY * (d.trialability - 0.5)
        + W_LEADERSHIP * (d.leadership_support - 0.5)
        - W_ATTENTION * (d.attention_competition - 0.4)
        + W_COMMUNITY * (d.community_beliefs - 0.5)
        + W_POLICY * d.policy_alignment
    )


def occurs(rate: np.ndarray | float, e: np.ndarray) -> np.ndarray:
    """Whether an event at a yearly ``rate`` happens this week, given unit-exponential draws.

    ``e < rate * DT`` has probability ``1 - exp(-rate * DT)``, the same as a uniform draw
    against :func:`hazard_to_prob`, without an ``exp`` per educator per week.
    """
    return e < np.asarray(rate) * DT


def exposure(m: ScalingModel, share: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Unaware educators become aware (district communication, peers, strategies).

    Returns:
        Indices of educators who became aware this week.
    """
    a = m.sc.adoption
    idx = np.flatnonzero(~m.ed.aware)
    ext = a.awareness_external * (CHANNEL_BASE + m.sc.team.communication)
    rate = ext + a.awareness_peer * share[idx] + m.effects.awareness[idx]
    new = idx[occurs(rate, e[idx])]
    m.ed.aware[new] = True
    return new


def adoption_rates(
    m: ScalingModel, share: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Yearly adoption rate of the slots ``idx``, and its parts by channel (for attribution).

    Bass-type: ``mult * (p + strategy sources) + mult * q * (1 + extras) * share`` where
    ``mult`` combines educator, school, innovation and district factors (1 when the scenario
    switches modulation off). A tight mandate adds its own channel.
    """
    a = m.sc.adoption
    k = idx.size
    if a.modulate:
        log_mult = m.propensity[idx] + pressure_log_multiplier(m, idx) + district_log_multiplier(m)
        mult = np.exp(log_mult) * m.dist.enactment_factor
        peer_scale = CHANNEL_BASE + m.dist.observability
    else:
        mult = np.full(k, m.dist.enactment_factor)
        peer_scale = 1.0
    parts: dict[str, np.ndarray] = {"external": mult * a.p_external}
    for source, arr in m.effects.external.items():
        parts[source] = mult * arr[idx]
    if m.dist.mandate_tight:
        parts["mandate"] = np.full(k, MANDATE_RATE * m.dist.enactment_factor)
    if a.rule == "bass":
        peer = mult * a.q_peer * peer_scale * share[idx]
        parts["peer"] = peer
        for source, arr in m.effects.peer_extra.items():
            parts[source] = peer * arr[idx]
    total = np.zeros(k)
    for arr in parts.values():
        total += arr
    return total, parts


def adoption(m: ScalingModel, share: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Aware, non-enacting educators start enacting.

    With the threshold rule, an educator adopts once the (credibility-weighted) share of
    enacting neighbours reaches their threshold, lowered by their propensity and by
    champions' extra influence; external sources still act as a hazard.

    Returns:
        Indices of new adopters.
    """
    idx = np.flatnonzero(m.ed.aware & ~m.ed.enacting)
    rate, parts = adoption_rates(m, share, idx)
    hit = occurs(rate, e[idx])
    by_hazard = idx[hit]
    new = by_hazard
    n_threshold = 0
    if m.sc.adoption.rule == "threshold" and m.dist.enactment_factor > 0:
        rest = idx[~hit]
        eff_share = share[rest] * m.effects.peer_multiplier(rest)
        if m.sc.adoption.modulate:
            eff_share = eff_share * np.exp(
                m.propensity[rest] + pressure_log_multiplier(m, rest) + district_log_multiplier(m)
            )
        crossed = rest[eff_share >= m.ed.factors.threshold[rest]]
        n_threshold = int(crossed.size)
        new = np.sort(np.concatenate([by_hazard, crossed]))
    if new.size:
        m.ed.enacting[new] = True
        m.ed.enacting_since[new] = m.week
        m.ed.depth[new] = np.maximum(m.ed.depth[new], NEW_ADOPTER_DEPTH)
    m.attribute_adoptions({k: v[hit] for k, v in parts.items()}, extra_peer=n_threshold)
    return new


def support_level(m: ScalingModel, share: np.ndarray, idx: Selection) -> np.ndarray:
    """Support the educators ``idx`` get for depth: principal, collegial, and strategies."""
    d = m.sc.depth
    base = (
        d.principal_weight * m.schools.principal_support[m.ed.school[idx]]
        + d.peer_support * share[idx]
    )
    return np.clip(base + m.effects.support[idx], 0.0, 1.0)


def _store(m: ScalingModel, column: np.ndarray, idx: Selection, new: np.ndarray) -> None:
    """Write ``new`` for the enacting educators selected by ``idx`` (slots or all)."""
    if isinstance(idx, slice):  # dense: computed for every slot, kept for enacting ones
        np.copyto(column, new, where=m.ed.enacting)
    else:
        column[idx] = new


def deepen(m: ScalingModel, support: np.ndarray, idx: Selection) -> None:
    """Depth of the enacting educators ``idx`` moves toward the ceiling with support.

    It decays without support, and drifts down when above the ceiling (e.g. after co-design
    without non-negotiables loosened the core).
    """
    d = m.sc.depth
    ceiling = min(max(m.dist.depth_ceiling + m.effects.ceiling_delta, 0.0), 1.0)
    dep = m.ed.depth[idx]
    grow = (
        d.growth
        * support
        * (1.0 - COMPLEXITY_DRAG * m.dist.complexity)
        * np.maximum(ceiling - dep, 0.0)
    )
    decay = d.decay * (1.0 - support) * dep + d.growth * np.maximum(dep - ceiling, 0.0)
    new = np.clip(dep + (grow - decay) * (DT * m.dist.enactment_factor), 0.0, 1.0)
    _store(m, m.ed.depth, idx, new)


def own(m: ScalingModel, idx: Selection) -> None:
    """Ownership of ``idx`` grows with depth and co-design/champion roles.

    A tight mandate erodes it.
    """
    o = m.sc.ownership
    own_ = m.ed.ownership[idx]
    drive = o.growth * m.ed.depth[idx] + m.effects.ownership[idx]
    erosion = o.mandate_erosion if m.dist.mandate_tight else 0.0
    new = np.clip(own_ + (drive * (1.0 - own_) - erosion * own_) * DT, 0.0, 1.0)
    _store(m, m.ed.ownership, idx, new)


def abandon_static(m: ScalingModel, slots: np.ndarray | slice = ALL) -> np.ndarray:
    """Log-multiplier of abandonment of ``slots`` from stable factors."""
    f = m.ed.factors
    return A_CYNICISM * (f.cynicism[slots] - 0.35) - A_PERSISTENCE * (f.persistence[slots] - 0.5)


def abandon(m: ScalingModel, support: np.ndarray, idx: Selection, e: np.ndarray) -> np.ndarray:
    """Enacting educators ``idx`` with low depth, low support, high cynicism or overload stop.

    Returns:
        Indices of educators who stopped this week.
    """
    ab = m.sc.abandonment
    if not ab.enabled:
        return np.zeros(0, dtype=np.int64)
    rate = ab.base_rate * m.effects.abandon_mult[idx]
    if m.sc.adoption.modulate:
        rate = rate * np.exp(
            m.abandon_log[idx]
            - A_DEPTH * (m.ed.depth[idx] - 0.3)
            - A_SUPPORT * (support - 0.3)
            - A_OWNERSHIP * (m.ed.ownership[idx] - 0.2)
            + A_ATTENTION * (m.dist.attention_competition - 0.4)
            - A_LEADERSHIP * (m.dist.leadership_support - 0.5)
        )
        if m.dist.mandate_tight:
            rate = rate * MANDATE_ABANDON
    hit = occurs(rate, e[idx])
    stop = np.flatnonzero(hit & m.ed.enacting) if isinstance(idx, slice) else idx[hit]
    if stop.size:
        m.ed.enacting[stop] = False
        m.ed.enacting_since[stop] = -1
        m.ed.depth[stop] *= DEPTH_KEPT_ON_STOP
    return stop

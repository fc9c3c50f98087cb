"""Scaling in and scaling out: school routines, improvement routines, what support's end brings.

Pure functions of arrays, like :mod:`scalesim.core.rules`; the model writes their results
through :class:`~scalesim.core.actions.Actions`.

Two stocks per school, two at the district (002_*.txt separates owning the practice from owning
the improvement process, and scaling *in* to schools from scaling *out* to the central office):

- school routines for the practice ``R_s`` (a school team, time set aside, shared materials):
  they grow with deep practice that a principal backs, with district ownership and with the
  strategies that build them (co-design teams, champions, proof points, PDSA, coaching), and
  fade where nobody uses them;
- school improvement routines ``I_s`` (the school runs its own PDSA cycles): they grow with the
  PDSA strategy and, beyond its participants, only as far as the district owns the improvement
  process;
- district ownership of the practice ``D`` and of the improvement process ``D_I``
  (:class:`~scalesim.core.state.DistrictState`).

Institutionalization of a school, ``inst_s = (R_s + D) / 2``, keeps people enacting
(abandonment) and softens the signal of support ending (004_*.txt: institutionalized once it is
how things are done and outlasts its leaders).
"""

from __future__ import annotations

import numpy as np

from scalesim.common.units import DT
from scalesim.scenario import Conditions, Institutions

# A school's routines grow with deep practice × (PRINCIPAL_BASE + principal support): a
# principal behind it makes it "how we do it here" (002_*.txt), 1 at principal support 0.5.
PRINCIPAL_BASE = 0.5
# Institutionalization at which the abandonment term is zero: the default world's start.
INST_CENTRE = 0.5 * float(Institutions.model_fields["routine_start"].get_default()) + 0.5 * float(
    Conditions.model_fields["district_ownership"].get_default()
)


def institutionalization(routines: np.ndarray, district_ownership: float) -> np.ndarray:
    """Per-school institutionalization: the mean of its routines and district ownership."""
    return 0.5 * routines + 0.5 * district_ownership


def grow_routines(
    routines: np.ndarray,
    share: np.ndarray,
    deep_share: np.ndarray,
    principal: np.ndarray,
    district_ownership: float,
    drive: np.ndarray,
    cfg: Institutions,
) -> np.ndarray:
    """One in-session week of school routines for the practice.

    Args:
        routines: ``R_s`` now.
        share: Share of each school's educators enacting (last week's snapshot).
        deep_share: Share enacting at depth (last week's snapshot).
        principal: Each school's principal support.
        district_ownership: ``D``.
        drive: Strategies' drive on each school's routines this week (per year).
        cfg: The scenario's institutions section.
    """
    grow = (
        cfg.routine_from_depth * deep_share * (PRINCIPAL_BASE + principal)
        + cfg.routine_from_district * district_ownership * share
        + drive
    )
    loss = cfg.routine_loss * (1.0 - share)
    return np.clip(routines + (grow * (1.0 - routines) - loss * routines) * DT, 0.0, 1.0)


def grow_improvement(
    improvement: np.ndarray,
    district_improvement: float,
    drive: np.ndarray,
    sizes: np.ndarray,
    cfg: Institutions,
) -> np.ndarray:
    """One in-session week of school improvement routines (schools' own PDSA cycles).

    Beyond the schools a PDSA strategy works with, improvement routines spread only through the
    district's own improvement process: ``improvement_from_district × D_I × mean I``.

    Args:
        improvement: ``I_s`` now.
        district_improvement: ``D_I``.
        drive: The PDSA strategy's drive on each school (per year).
        sizes: Educators per school (the district mean is size-weighted).
        cfg: The scenario's institutions section.
    """
    mean_i = float((improvement * sizes).sum() / sizes.sum())
    grow = cfg.improvement_from_district * district_improvement * mean_i + drive
    loss = cfg.improvement_loss
    return np.clip(improvement + (grow * (1.0 - improvement) - loss * improvement) * DT, 0.0, 1.0)


def collegial_factor(routine_slot: np.ndarray, cfg: Institutions) -> np.ndarray:
    """How much of the collegial support an educator gets, given the school's routines.

    ``routine_floor`` of it needs no routine; the rest scales with them. Normalised to 1 at the
    scenario's starting routines, so a district keeps its collegial support until its routines
    move.
    """
    phi = cfg.routine_floor
    at_start = phi + (1.0 - phi) * cfg.routine_start
    return (
        (phi + (1.0 - phi) * routine_slot) / at_start
        if at_start > 0
        else np.ones_like(routine_slot)
    )


def depth_factor(improvement_slot: np.ndarray, cfg: Institutions) -> np.ndarray:
    """Multiplier of depth growth from the school's improvement routines (1 at their start)."""
    return np.maximum(1.0 + cfg.improvement_depth * (improvement_slot - cfg.improvement_start), 0.0)


def support_end_drops(
    enacting: np.ndarray,
    depth: np.ndarray,
    inst_slot: np.ndarray,
    u: np.ndarray,
    cfg: Institutions,
) -> np.ndarray:
    """Who stops when the team's support ends: the 'this too shall pass' signal (004_*.txt).

    Args:
        enacting: Who enacts.
        depth: Their depth (deep practice survives the signal).
        inst_slot: Institutionalization of each educator's school.
        u: One uniform draw per slot (the ``support_end`` stream).
        cfg: The scenario's institutions section.

    Returns:
        Slots of the educators who stop.
    """
    p = cfg.support_end_drop * (1.0 - inst_slot) * (1.0 - depth)
    return np.flatnonzero(enacting & (u < p))

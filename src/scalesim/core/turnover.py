"""Turnover of teachers, principals and the superintendent (DESIGN §2.7, defaults in §8).

Teachers occupy slots. Leavers' and movers' slots are vacated; movers who stay in the
district (59%, NCES TFS) fill vacated slots elsewhere and keep their awareness, ownership and
(halved) depth; the remaining vacancies go to newcomers, who arrive unaware.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scalesim.core.district import draw_educators

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

NOVICE_YEARS = 3.0
# Share of depth a mover keeps in a new school (a new school disrupts practice).
DEPTH_KEPT_ON_MOVE = 0.5
# Spread (standard deviation) of a new superintendent's support around the scenario's level.
NEW_LEADER_SD = 0.15
# Largest share of shallow, unprotected enactment dropped when a new superintendent arrives.
NEW_LEADER_DROP = 0.3


def move_multiplier(m: ScalingModel) -> np.ndarray:
    """Per-slot multiplier of the move rate (cached: it depends only on the school).

    Keeps the district-wide move rate at the NCES figure while movers concentrate in
    high-need schools.
    """
    cached = getattr(m, "_move_mult", None)
    if cached is None:
        t = m.sc.turnover
        high = m.schools.high_need[m.ed.school]
        frac_high = float(high.mean()) if high.size else 0.0
        norm = frac_high * t.high_need_move_multiplier + (1.0 - frac_high)
        cached = np.where(high, t.high_need_move_multiplier, 1.0) / max(norm, 1e-9)
        m._move_mult = cached
    return cached


def teacher_turnover(m: ScalingModel, share_of_year: float, u: np.ndarray) -> int:
    """Replace the teachers who leave or move this week.

    Args:
        m: The model.
        share_of_year: Fraction of the annual turnover that happens now (e.g. 0.9 at the
            year boundary, the rest spread over in-session weeks).
        u: Uniform draws, one per slot.

    Returns:
        Number of slots that changed person.
    """
    t = m.sc.turnover
    novice = m.ed.factors.experience < NOVICE_YEARS
    move_mult = move_multiplier(m)
    p_leave = np.where(novice, t.novice_leave, t.teacher_leave) * share_of_year
    p_move = np.where(novice, t.novice_move, t.teacher_move) * move_mult * share_of_year
    leave = u < p_leave
    move = (~leave) & (u < p_leave + p_move)
    vacated = np.flatnonzero(leave | move)
    if vacated.size == 0:
        return 0
    rng = m.streams["turnover"]
    movers = np.flatnonzero(move)
    stay = movers[rng.random(movers.size) < t.movers_stay_in_district]
    # Movers who stay fill vacated slots in random order; the rest of the vacancies go to
    # newcomers.
    order = rng.permutation(vacated)
    dest_m, dest_new = order[: stay.size], order[stay.size :]
    ed = m.ed
    f = ed.factors
    if stay.size:
        snapshot = {name: getattr(f, name)[stay].copy() for name in f.NAMES}
        aware, own = ed.aware[stay].copy(), ed.ownership[stay].copy()
        enact, depth = ed.enacting[stay].copy(), ed.depth[stay].copy()
        person = ed.person[stay].copy()
        for name, vals in snapshot.items():
            getattr(f, name)[dest_m] = vals
        ed.aware[dest_m] = aware
        ed.ownership[dest_m] = own
        ed.enacting[dest_m] = enact
        # A new school disrupts practice: depth halves (modelling assumption).
        ed.depth[dest_m] = depth * DEPTH_KEPT_ON_MOVE
        ed.enacting_since[dest_m] = np.where(enact, m.week, -1)
        ed.person[dest_m] = person
        ed.champion[dest_m] = False
        ed.proof_point[dest_m] = False
    if dest_new.size:
        fresh = draw_educators(
            m.sc.educators,
            m.sc.adoption.threshold,
            m.novice_prob[dest_new],
            m.streams["newcomers"],
        )
        for name in f.NAMES:
            getattr(f, name)[dest_new] = getattr(fresh, name)
        ed.aware[dest_new] = False
        ed.enacting[dest_new] = False
        ed.depth[dest_new] = 0.0
        ed.ownership[dest_new] = 0.0
        ed.champion[dest_new] = False
        ed.proof_point[dest_new] = False
        ed.enacting_since[dest_new] = -1
        ed.person[dest_new] = m.next_person_ids(dest_new.size)
    m.people_changed(vacated)
    return int(vacated.size)


def principal_turnover(m: ScalingModel, schools: np.ndarray, cause: str) -> None:
    """New principals in ``schools``: their support is drawn afresh (they start unaware)."""
    if schools.size == 0:
        return
    ps = m.sc.district.principal_support
    rng = m.streams["principals"]
    m.schools.principal_support[schools] = np.clip(rng.normal(ps.mean, ps.sd, schools.size), 0, 1)
    m.log.record(
        m,
        "principal_change",
        cause=cause,
        schools=[int(s) for s in schools[:50]],
        n_schools=int(schools.size),
    )


def superintendent_change(m: ScalingModel, cause: str) -> None:
    """A new superintendent: leadership support is redrawn unless the work is institutionalized.

    What survives is the institutionalized part (policy embedding and district ownership,
    DESIGN §4; 004_*.txt: surviving leadership turnover marks completion). District
    ownership itself erodes unless policy embeds the work.
    """
    d = m.dist
    rng = m.streams["superintendent"]
    protect = 0.5 * (d.policy_alignment + d.district_ownership)
    fresh = float(np.clip(rng.normal(m.sc.conditions.leadership_support, NEW_LEADER_SD), 0, 1))
    before = d.leadership_support
    d.leadership_support = protect * before + (1.0 - protect) * fresh
    d.district_ownership *= 0.5 + 0.5 * d.policy_alignment
    d.superintendent_changes += 1
    d.leadership_changed_week = m.week
    # New leader, new priorities: where the work is not institutionalized, some educators
    # whose practice is still shallow drop it ("this too shall pass", 004_*.txt). The draw is
    # taken for every slot, whatever the state (common random numbers).
    ed = m.ed
    u = rng.random(ed.n)
    p_drop = NEW_LEADER_DROP * (1.0 - protect) * (1.0 - ed.depth)
    dropped = np.flatnonzero(ed.enacting & (u < p_drop))
    ed.enacting[dropped] = False
    ed.enacting_since[dropped] = -1
    m.log.record(
        m,
        "superintendent_change",
        cause=cause,
        leadership_support_before=round(before, 4),
        leadership_support_after=round(d.leadership_support, 4),
        protected_share=round(protect, 4),
        educators_dropped=int(dropped.size),
    )

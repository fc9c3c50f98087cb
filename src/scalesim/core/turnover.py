"""Turnover of teachers, principals and the superintendent (DESIGN §2.7, defaults in §8).

Teachers occupy slots. Leavers' and movers' slots are vacated; movers who stay in the
district (59%, NCES TFS) fill vacated slots elsewhere and keep their awareness, ownership and
(halved) depth; the remaining vacancies go to newcomers, who arrive unaware. Each function
decides who changes (from the draws it is given) and declares the change through the model's
:class:`~scalesim.core.actions.Actions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scalesim.common.units import WEEKS_PER_YEAR, hazard_to_prob
from scalesim.core.actions import Reassignment
from scalesim.core.district import NOVICE_YEARS, draw_educators

if TYPE_CHECKING:
    from scalesim.core.week import Week
    from scalesim.simulation.model import ScalingModel

# Share of depth a mover keeps in a new school (a new school disrupts practice).
DEPTH_KEPT_ON_MOVE = 0.5
# In-session weeks between batches of in-year teacher turnover (design choice: the same annual
# rate at a quarter of the cost of weekly batches).
IN_YEAR_TURNOVER_EVERY = 4
# Spread (standard deviation) of a new superintendent's support around the scenario's level.
NEW_LEADER_SD = 0.15
# Largest share of shallow, unprotected enactment dropped when a new superintendent arrives.
NEW_LEADER_DROP = 0.3
# How far the work is protected from a new superintendent: this weight times the sum of policy
# alignment and district ownership (their mean; DESIGN §4: institutionalization decides what
# survives). Assumption: both count equally.
PROTECTION_WEIGHT = 0.5
# Share of district ownership a new superintendent keeps when no policy embeds the work; the
# rest is kept in proportion to policy alignment (assumption; 004_*.txt: tight policy outlasts
# leaders).
OWNERSHIP_KEPT_UNEMBEDDED = 0.5


def move_multiplier(high_need_slot: np.ndarray, high_need_move_multiplier: float) -> np.ndarray:
    """Per-slot multiplier of the move rate (it depends only on the school).

    Keeps the district-wide move rate at the NCES figure while movers concentrate in
    high-need schools.
    """
    frac_high = float(high_need_slot.mean()) if high_need_slot.size else 0.0
    norm = frac_high * high_need_move_multiplier + (1.0 - frac_high)
    return np.where(high_need_slot, high_need_move_multiplier, 1.0) / max(norm, 1e-9)


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
    p_leave = np.where(novice, t.novice_leave, t.teacher_leave) * share_of_year
    p_move = np.where(novice, t.novice_move, t.teacher_move) * m.move_mult * share_of_year
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
    fresh = None
    if dest_new.size:
        fresh = draw_educators(
            m.sc.educators,
            m.sc.adoption.threshold,
            m.novice_prob[dest_new],
            m.streams["newcomers"],
        )
    m.act.replace_people(Reassignment(vacated, stay, dest_m, dest_new, fresh, DEPTH_KEPT_ON_MOVE))
    return int(vacated.size)


def principal_turnover(m: ScalingModel, schools: np.ndarray, cause: str) -> None:
    """New principals in ``schools``: their support is drawn afresh (they start unaware)."""
    if schools.size == 0:
        return
    ps = m.sc.district.principal_support
    rng = m.streams["principals"]
    m.act.set_principal_support(schools, np.clip(rng.normal(ps.mean, ps.sd, schools.size), 0, 1))
    # A new principal who does not yet back the work loses part of the school's routines,
    # unless the district owns it (002_*.txt).
    routines = m.schools.routines.copy()
    loss = m.sc.institutions.principal_routine_loss * (1.0 - m.dist.district_ownership)
    routines[schools] *= 1.0 - loss
    m.act.set_routines(routines)
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
    d, act = m.dist, m.act
    rng = m.streams["superintendent"]
    protect = PROTECTION_WEIGHT * (d.policy_alignment + d.district_ownership)
    fresh = float(np.clip(rng.normal(m.sc.conditions.leadership_support, NEW_LEADER_SD), 0, 1))
    before = d.leadership_support
    act.set_condition("leadership_support", protect * before + (1.0 - protect) * fresh, cause)
    kept = OWNERSHIP_KEPT_UNEMBEDDED + (1.0 - OWNERSHIP_KEPT_UNEMBEDDED) * d.policy_alignment
    act.set_condition("district_ownership", d.district_ownership * kept, cause)
    act.set_condition("superintendent_changes", d.superintendent_changes + 1, cause)
    act.set_condition("leadership_changed_week", m.week, cause)
    # New leader, new priorities: where the work is not institutionalized, some educators
    # whose practice is still shallow drop it ("this too shall pass", 004_*.txt). The draw is
    # taken for every slot, whatever the state (common random numbers).
    ed = m.ed
    u = rng.random(ed.n)
    p_drop = NEW_LEADER_DROP * (1.0 - protect) * (1.0 - ed.depth)
    dropped = np.flatnonzero(ed.enacting & (u < p_drop))
    act.stop_enacting(dropped)
    m.log.record(
        m,
        "superintendent_change",
        cause=cause,
        leadership_support_before=round(before, 4),
        leadership_support_after=round(d.leadership_support, 4),
        protected_share=round(protect, 4),
        educators_dropped=int(dropped.size),
    )


def weekly(m: ScalingModel, week: Week) -> None:
    """This week's turnover: year-boundary and in-year teachers, principals, superintendent.

    Teachers and principals change at the year boundary, teachers also in in-year batches; the
    superintendent by an annual hazard. Turnover happens on calendar weeks fixed in advance, so
    drawing only on those weeks keeps the turnover streams independent of everything else
    (common random numbers).
    """
    t = m.sc.turnover
    if not t.enabled:
        return
    w, s = m.week, m.streams
    week_of_year = (w - 1) % WEEKS_PER_YEAR
    session_weeks = WEEKS_PER_YEAR - m.sc.calendar.summer_weeks
    if week_of_year == 0 and w > 1:
        u_teacher = s["turnover_draws"].random(m.ed.n)
        changed = teacher_turnover(m, 1.0 - t.in_year_share, u_teacher)
        m.log.record(m, "teacher_turnover", slots_changed=changed, when="year_boundary")
        u_pr = s["principals_draws"].random(m.schools.n)
        principal_turnover(m, np.flatnonzero(u_pr < t.principal), "annual")
    elif week.in_session and t.in_year_share > 0 and week_of_year % IN_YEAR_TURNOVER_EVERY == 0:
        # In-year departures are batched every few weeks: the same annual share, at a
        # quarter of the cost of weekly batches (benchmarks/RESULTS.md).
        batches = max((session_weeks - 1) // IN_YEAR_TURNOVER_EVERY, 1)
        u_teacher = s["turnover_draws"].random(m.ed.n)
        teacher_turnover(m, t.in_year_share / batches, u_teacher)
    if s["superintendent_draws"].random() < hazard_to_prob(t.superintendent):
        superintendent_change(m, "annual_hazard")

"""The model's scaling-in-and-out phases: school views, routines' growth, support's end.

The formulas are in :mod:`scalesim.core.institutions` (pure functions); these functions read
the model, call them, and write the results through the model's
:class:`~scalesim.core.actions.Actions`, like :mod:`scalesim.core.turnover`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scalesim.core import institutions, rules
from scalesim.core.week import Week

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


def school_views(m: ScalingModel, week: Week) -> None:
    """Per-slot views of the schools' routines, for this week's classroom rules.

    Slots are sorted by school, so ``np.repeat`` over school sizes is the gather (several
    times faster than fancy indexing at 75,000 educators).
    """
    sch, cfg = m.schools, m.sc.institutions
    week.collegial = np.repeat(institutions.collegial_factor(sch.routines, cfg), sch.size)
    week.depth_gain = (
        np.repeat(institutions.depth_factor(sch.improvement, cfg), sch.size) * m.experience_depth
    )
    week.inst = np.repeat(
        institutions.institutionalization(sch.routines, m.dist.district_ownership), sch.size
    )


def grow_routines(m: ScalingModel) -> None:
    """One in-session week of school routines and improvement routines (last week's record)."""
    sch, snap, cfg = m.schools, m.snapshot, m.sc.institutions
    m.act.set_routines(
        institutions.grow_routines(
            sch.routines,
            snap.share_s,
            snap.deep_share_s,
            sch.principal_support,
            m.dist.district_ownership,
            m.effects.routine_drive,
            cfg,
        )
    )
    m.act.set_improvement(
        institutions.grow_improvement(
            sch.improvement, m.dist.district_improvement, m.effects.improvement_drive, sch.size, cfg
        )
    )


def support_ends(m: ScalingModel, week: Week) -> None:
    """The team's external support ends: the signal, and what the team learned.

    Enacting educators in schools where the work is not institutionalized may stop (the
    'this too shall pass' signal, 004_*.txt); unless the district owns the work, it turns its
    attention to the next initiative (004_*.txt); the team's learning survives only as far as
    the district owns the improvement process (002_*.txt). Which strategies the district or
    schools carry on is decided by the strategy set this week.
    """
    u = m.streams["support_end"].random(m.ed.n)
    school_views(m, week)
    assert week.inst is not None
    stop = institutions.support_end_drops(
        m.ed.enacting, m.ed.depth, week.inst, u, m.sc.institutions
    )
    if stop.size:
        m.act.stop_enacting(stop, depth_kept=rules.DEPTH_KEPT_ON_STOP)
    d = m.dist
    m.act.set_condition("learning", d.learning * d.district_improvement, "support_end")
    rise = m.sc.institutions.attention_after_support * (1.0 - d.district_ownership)
    m.act.set_condition(
        "attention_competition", min(1.0, d.attention_competition + rise), "support_end"
    )
    m.log.record(m, "support_end", stopped=int(stop.size))

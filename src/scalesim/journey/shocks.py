"""Shocks (DESIGN §4): dated or drawn from an annual hazard, each with documented effects.

Shocks fire in the ``shocks`` phase of the week (second, after the calendar), not as Mesa
events: Mesa runs the model's own step at ``Priority.HIGH``, so an event would land after
the week's adoption, and the phase order would no longer be the one written in
:data:`scalesim.simulation.model.PHASES`. What survives a shock depends on institutionalization:
policy embedding and district ownership protect leadership support, depth and ownership
protect enactment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, override

import numpy as np
from pydantic import BaseModel

from scalesim.common.units import DT, month_to_week
from scalesim.core import turnover
from scalesim.journey.registry import register_entry
from scalesim.scenario import ShockSpec
from scalesim.scenario.names import SHOCK_NAMES
from scalesim.scenario.params import (
    SHOCK_PARAMS,
    BudgetParams,
    CompetingParams,
    NoParams,
    PandemicParams,
    PolicyShiftParams,
    PrincipalParams,
    WaveParams,
)

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

SHOCKS: dict[str, type[Shock]] = {}

# A pandemic's onset spares deep, owned practice: protection = these weights times depth and
# ownership (assumption; 003_*.txt: what was deeply embedded survived COVID-19 disruption).
PANDEMIC_PROTECT_DEPTH = 0.5
PANDEMIC_PROTECT_OWNERSHIP = 0.5
# Largest rise in the chance that a policy shift favours the innovation, with a policy
# network at full strength (assumption; 000_*.txt: policy networks shape policy windows).
NETWORK_SWAY = 0.8
# Fall in leadership support after an unfavourable policy shift (assumption).
UNFAVOURABLE_LEADERSHIP_DROP = 0.1


def register(cls: type[Shock]) -> type[Shock]:
    """Class decorator: make a shock available by its ``type_name`` (re-registering is fine)."""
    register_entry(SHOCKS, SHOCK_PARAMS, cls, "shock", SHOCK_NAMES)
    return cls


class Shock:
    """Base class: :meth:`fire` when due; windowed shocks also :meth:`end`.

    ``title`` is the plain name users read; a built-in's is in
    :data:`scalesim.scenario.names.SHOCK_NAMES`, a shock from outside sets it.
    """

    type_name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    windowed: ClassVar[bool] = False
    default_months: ClassVar[float] = 0.0
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, spec: ShockSpec, index: int) -> None:
        self.spec = spec
        self.label = spec.label
        self.p = self.Params.model_validate(spec.params)
        self.at_week = month_to_week(spec.at_month) if spec.at_month is not None else None
        months = spec.duration_months or self.default_months
        self.duration_weeks = max(month_to_week(months), 1) if self.windowed else 0
        self.stream = f"shock:{index}:{self.label}"
        self.ends_at: list[int] = []
        # What each open window changed, oldest first (windows of one shock last equally
        # long, so they close in the order they opened): multipliers of the district's
        # enactment and capacity factors, and the attention competition it added.
        self.windows: list[dict[str, float]] = []

    def due(self, m: ScalingModel) -> bool:
        """Whether it fires this week (its hazard draw is taken every week regardless)."""
        u = m.streams[self.stream].random()
        if self.at_week is not None:
            return m.week == max(self.at_week, 1)
        return bool(u < -np.expm1(-self.spec.hazard_per_year * DT))

    def fire(self, m: ScalingModel) -> dict[str, Any]:
        """Apply the shock; returns details for the travel log."""
        raise NotImplementedError

    def end(self, m: ScalingModel) -> dict[str, Any]:
        """Undo what the oldest open window changed."""
        w = self.windows.pop(0)
        m.act.set_condition(
            "attention_competition",
            m.dist.attention_competition - w.get("attention", 0.0),
            self.label,
        )
        refresh_factors(m, self.label)
        return {}

    def open_window(
        self, m: ScalingModel, enactment: float = 1.0, capacity: float = 1.0, attention: float = 0.0
    ) -> None:
        """Scale enactment and capacity and add attention competition until :meth:`end`."""
        added = min(attention, 1.0 - m.dist.attention_competition)
        m.act.set_condition(
            "attention_competition", m.dist.attention_competition + added, self.label
        )
        self.windows.append(
            {"enactment_factor": enactment, "capacity_factor": capacity, "attention": added}
        )
        refresh_factors(m, self.label)


def refresh_factors(m: ScalingModel, cause: str) -> None:
    """Set the enactment and capacity factors to the product over every open window.

    Recomputing (rather than dividing back) restores them exactly, even after a window that
    dropped a factor to zero. Windows of shocks fired from the app count too.
    """
    for attr in ("enactment_factor", "capacity_factor"):
        prod = 1.0
        for sh in (*m.shock_book.shocks, *m.shock_book.manual):
            for w in sh.windows:
                prod *= w[attr]
        m.act.set_condition(attr, prod, cause)


@register
class SuperintendentTurnover(Shock):
    """The superintendent leaves: leadership support is redrawn unless institutionalized."""

    type_name = "superintendent_turnover"

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        before = m.dist.leadership_support
        turnover.superintendent_change(m, cause=self.label)
        return {
            "leadership_support_before": round(before, 4),
            "leadership_support_after": round(m.dist.leadership_support, 4),
        }


@register
class PrincipalTurnover(Shock):
    """Principals leave in one school or a wave; new principals' support is drawn afresh."""

    type_name = "principal_turnover"
    Params = PrincipalParams

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        rng = m.streams[self.stream + ":pick"]
        n = m.schools.n
        if self.p.schools:
            names = {str(s): i for i, s in enumerate(m.schools.name)}
            idx = np.array(sorted(names[s] for s in self.p.schools if s in names), dtype=int)
        else:
            k = self.p.n_schools or max(1, round((self.p.share_schools or 0.3) * n))
            idx = np.sort(rng.permutation(n)[: min(k, n)])
        turnover.principal_turnover(m, idx, cause=self.label)
        return {"schools": int(idx.size)}


@register
class Pandemic(Shock):
    """Attention and enactment drop and capacity falls for a window (003_*.txt: COVID-19).

    At onset a share of enacting educators stop, less so where depth and ownership are high.
    """

    type_name = "pandemic"
    windowed = True
    default_months = 5.0
    Params = PandemicParams

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        d, p, ed = m.dist, self.p, m.ed
        u = m.streams[self.stream + ":stop"].random(ed.n)
        protect = PANDEMIC_PROTECT_DEPTH * ed.depth + PANDEMIC_PROTECT_OWNERSHIP * ed.ownership
        stop = ed.enacting & (u < p.stop_share * (1.0 - protect))
        m.act.stop_enacting(np.flatnonzero(stop))
        self.open_window(
            m,
            enactment=1.0 - p.enactment_drop,
            capacity=1.0 - p.capacity_drop,
            attention=p.attention_rise,
        )
        return {
            "stopped": int(stop.sum()),
            "enactment_factor": round(d.enactment_factor, 4),
            "capacity_factor": round(d.capacity_factor, 4),
        }


@register
class PolicyShift(Shock):
    """An election or policy shift: favourable odds rise with the policy network's strength.

    Unfavourable shifts cut policy alignment (less where the district owns the work) and
    leadership support.
    """

    type_name = "policy_shift"
    Params = PolicyShiftParams

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        d, p = m.dist, self.p
        u = m.streams[self.stream + ":direction"].random()
        fav_p = p.base_favourable + (1.0 - p.base_favourable) * NETWORK_SWAY * d.policy_network
        favourable = bool(u < fav_p)
        act = m.act
        if favourable:
            act.set_condition(
                "policy_alignment", min(1.0, d.policy_alignment + p.magnitude), self.label
            )
        else:
            cut = p.magnitude * (1.0 - d.district_ownership)
            act.set_condition("policy_alignment", max(0.0, d.policy_alignment - cut), self.label)
            act.set_condition(
                "leadership_support",
                max(0.0, d.leadership_support - UNFAVOURABLE_LEADERSHIP_DROP),
                self.label,
            )
        return {"favourable": favourable, "chance_favourable": round(fav_p, 4)}


@register
class BudgetCut(Shock):
    """The team loses a share of its capacity (for a window, or for good)."""

    type_name = "budget_cut"
    windowed = True
    default_months = 240.0
    Params = BudgetParams

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        self.open_window(m, capacity=1.0 - self.p.cut)
        return {"capacity_factor": round(m.dist.capacity_factor, 4)}


@register
class CompetingInitiative(Shock):
    """Another initiative competes for educators' attention for a window."""

    type_name = "competing_initiative"
    windowed = True
    default_months = 12.0
    Params = CompetingParams

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        self.open_window(m, attention=self.p.attention_rise)
        return {"attention_competition": round(m.dist.attention_competition, 4)}


@register
class TeacherTurnoverWave(Shock):
    """A wave of teacher departures now, on top of the usual turnover."""

    type_name = "teacher_turnover_wave"
    Params = WaveParams

    @override
    def fire(self, m: ScalingModel) -> dict[str, Any]:
        t = m.sc.turnover
        base = max(t.teacher_leave + t.teacher_move, 1e-9)
        u = m.streams[self.stream + ":who"].random(m.ed.n)
        changed = turnover.teacher_turnover(m, self.p.share / base, u)
        return {"slots_changed": changed}


class ShockBook:
    """The scenario's shocks, fired in the ``shocks`` phase."""

    def __init__(self, specs: list[ShockSpec]) -> None:
        self.shocks = [SHOCKS[s.type](s, i) for i, s in enumerate(specs)]
        self.manual: list[Shock] = []
        self.fired: list[dict[str, Any]] = []

    def fire_now(self, m: ScalingModel, spec: ShockSpec) -> dict[str, Any]:
        """Fire a shock immediately (the app's buttons); it never fires again by date."""
        sh = SHOCKS[spec.type](spec, len(self.shocks) + len(self.manual))
        self.manual.append(sh)
        return self._fire(m, sh, source="fired now")

    def _fire(self, m: ScalingModel, sh: Shock, source: str) -> dict[str, Any]:
        details = sh.fire(m)
        if sh.windowed:
            sh.ends_at.append(m.week + sh.duration_weeks)
        ev = m.log.record(
            m,
            "shock",
            shock=sh.label,
            type=sh.type_name,
            pit_stop=sh.spec.pit_stop,
            source=source,
            **details,
        )
        self.fired.append(ev)
        if sh.spec.pit_stop:
            m.pit_stops.call_unplanned(m, reason=f"shock: {sh.label}")
        return ev

    def week(self, m: ScalingModel) -> None:
        """End windows that close this week, then fire what is due."""
        for sh in (*self.shocks, *self.manual):
            while m.week in sh.ends_at:
                sh.ends_at.remove(m.week)
                details = sh.end(m)
                m.log.record(
                    m,
                    "shock_end",
                    shock=sh.label,
                    type=sh.type_name,
                    attention_competition=round(m.dist.attention_competition, 4),
                    enactment_factor=round(m.dist.enactment_factor, 4),
                    capacity_factor=round(m.dist.capacity_factor, 4),
                    **details,
                )
        for sh in self.shocks:
            if sh.due(m):
                self._fire(m, sh, source="scenario")

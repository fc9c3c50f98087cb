"""Direct support moves from the other documents: coaching, pilots and PDSA cycles."""

from __future__ import annotations

from typing import TYPE_CHECKING, override

import numpy as np

from scalesim.common.units import WEEKS_PER_MONTH
from scalesim.journey.selection import VETERAN_YEARS
from scalesim.journey.strategies.base import Strategy, register
from scalesim.scenario import StrategySpec
from scalesim.scenario.params import CoachingParams, PdsaParams, PilotParams

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

# Drives on school routines (practice) and improvement routines (own PDSA cycles), per year at
# full strength (assumptions; 002_*.txt: continued support to teachers marks sustainability;
# PDSA formalised learning so the work could be sustained).
COACHING_ROUTINES = 0.2
PDSA_ROUTINES = 0.3
PDSA_IMPROVEMENT = 1.0
# The pilot's evidence weighs implementation quality against retention (004_*.txt: what the
# pilot should learn is how it is implemented and experienced; assumption).
EVIDENCE_IMPLEMENTED = 0.7
# Base of support (004_*.txt: influential veterans and credible members build it): the share
# of veterans among enacting members counts fully at VETERAN_TARGET; a credibility edge over
# the district of CREDIBILITY_SPAN counts fully. Assumptions.
VETERAN_TARGET = 0.6
CREDIBILITY_SPAN = 0.3
# Members who still enact at this depth can become the spread's champions (assumption).
CHAMPION_READY_DEPTH = 0.3
# Educators with cynicism at or above this resist the spread (004_*.txt: resistance).
RESISTANT_CYNICISM = 0.5
# The spread's cost: × (1 + RESISTANCE_COST · resistant share) × (1 − BASE_RELIEF · base of
# support): a base of support lowers the energy the fight against resistance takes (004_*.txt).
RESISTANCE_COST = 1.0
BASE_RELIEF = 0.5
# A team that decides flexibly learns more from each cycle (000_*.txt, Component 3: decision
# structures; the Act step): learning per cycle × (DECISION_BASE + decision culture), 1 at 0.5.
DECISION_BASE = 0.5


@register
class Coaching(Strategy):
    """Coaches support enacting educators in the selected schools.

    Support per coached educator is ``support × min(1, coaches × caseload / enacting)``: the
    same coaches spread over more adopters give each less (superficial spread, 004_*.txt).
    Cost scales with the number of coaches.
    """

    type_name = "coaching"
    targets = "schools"
    default_select = {"rule": "random"}
    default_cost = 15.0  # per coach per month; see cost_for
    default_priority = 10
    source = "004_*.txt (implementation gets superficial as spread grows); 002_*.txt"
    Params = CoachingParams
    carrier = "district"

    def __init__(self, spec: StrategySpec, order: int) -> None:
        super().__init__(spec, order)
        if spec.cost_per_month is None:
            self.cost_per_month = self.default_cost * self.p.coaches

    @override
    def on_targets(self, m: ScalingModel) -> None:
        self.in_target = np.zeros(m.ed.n, dtype=bool)
        self.in_target[self.members] = True

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        coached = self.in_target & m.ed.enacting
        n_coached = int(np.count_nonzero(coached))
        if n_coached:
            cover = min(1.0, p.coaches * p.caseload * e / n_coached)
            m.effects.support += (p.support * cover) * coached
        m.effects.external_for(self.label)[:] += (p.recruit * e) * self.in_target
        m.effects.routine_drive[self.schools] += COACHING_ROUTINES * e


@register
class Pilot(Strategy):
    """A pilot team tries the innovation first and produces local evidence.

    Chosen ``balanced`` (influential veterans with early adopters) by default (004_*.txt);
    credible veterans then carry more peer influence (neighbours weigh credibility). When it
    ends, the evidence raises compatibility and observability in proportion to the depth the
    pilot reached.
    """

    type_name = "pilot"
    targets = "educators"
    default_select = {"rule": "balanced", "n_educators": 30}
    default_cost = 8.0
    default_priority = 20
    source = "004_*.txt (pilot → spread → institutionalize; balanced pilot teams)"
    Params = PilotParams

    @override
    def on_targets(self, m: ScalingModel) -> None:
        m.act.make_aware(self.members)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        m.effects.external_for(self.label)[self.members] += self.p.adoption * e
        m.effects.support[self.members] += self.p.support * e * m.ed.enacting[self.members]

    def __init__(self, spec: StrategySpec, order: int) -> None:
        super().__init__(spec, order)
        self.repilots = 0
        self.evidence: dict[str, float] = {}

    @override
    def on_stop(self, m: ScalingModel) -> None:
        if self.members.size == 0:
            return
        ed = m.ed
        depth = float(np.where(ed.enacting[self.members], ed.depth[self.members], 0.0).mean())
        gain = self.p.evidence_gain * depth
        for name in ("compatibility", "observability"):
            m.act.set_condition(name, min(1.0, getattr(m.dist, name) + gain), self.label)
        m.log.record(
            m,
            "pilot_evidence",
            strategy=self.label,
            mean_depth=round(depth, 4),
            gain=round(gain, 4),
        )
        self.evidence = self.read_evidence(m)
        self.decide(m)

    def read_evidence(self, m: ScalingModel) -> dict[str, float]:
        """What the pilot shows: retention, implementation, base of support, resistance.

        The district reads the evidence with an error (stream ``pilot:<label>``) that is
        smaller when practice and results are visible (observability).
        """
        ed, f, p = m.ed, m.ed.factors, self.p
        mem = self.members
        enact = ed.enacting[mem]
        retention = float(enact.mean())
        implemented = float((enact & (ed.depth[mem] >= p.evidence_depth)).mean())
        true = EVIDENCE_IMPLEMENTED * implemented + (1.0 - EVIDENCE_IMPLEMENTED) * retention
        noise = p.evidence_noise * (1.0 - 0.5 * m.dist.observability)
        z = float(m.streams[f"pilot:{self.label}"].standard_normal())
        observed = min(max(true + noise * z, 0.0), 1.0)
        active = mem[enact]
        if active.size:
            vet = float((f.experience[active] >= VETERAN_YEARS).mean())
            dcred = float(f.credibility[active].mean() - f.credibility.mean())
        else:
            vet, dcred = 0.0, -CREDIBILITY_SPAN
        base = retention * (
            0.5 * min(1.0, vet / VETERAN_TARGET)
            + 0.5 * min(max(0.5 + dcred / CREDIBILITY_SPAN, 0.0), 1.0)
        )
        others = ~ed.enacting
        resist = float((others & (f.cynicism >= RESISTANT_CYNICISM)).sum() / max(ed.n, 1))
        return {
            "retention": retention,
            "implemented": implemented,
            "evidence": true,
            "observed_evidence": observed,
            "base_of_support": base,
            "resistance": resist,
        }

    @override
    def decide(self, m: ScalingModel) -> None:
        """Spread, wait for leaders, re-pilot or stop, from the observed evidence (004_*.txt)."""
        p, ev = self.p, self.evidence
        if not ev:
            return
        obs = ev["observed_evidence"]
        if obs >= p.spread_at:
            decision = (
                "spread" if m.dist.leadership_support >= p.decision_min_leadership else "wait"
            )
        elif obs >= p.repilot_at and self.repilots < p.max_repilots:
            decision = "repilot"
        else:
            decision = "stop"
        if decision == self.decision == "wait":
            return
        self.decision = decision
        cost = (1.0 + RESISTANCE_COST * ev["resistance"]) * (
            1.0 - BASE_RELIEF * ev["base_of_support"]
        )
        m.log.record(
            m,
            "pilot_decision",
            strategy=self.label,
            decision=decision,
            spread_cost=round(cost, 4),
            **{k: round(v, 4) for k, v in ev.items()},
        )
        if decision == "wait":
            return
        if decision == "repilot":
            self.repilots += 1
            length = (self.end_week or m.week) - self.start_week
            self.start_week, self.end_week = m.week + 1, m.week + 1 + max(length, 1)
        if decision == "spread":
            m.act.set_condition("spread_base", ev["base_of_support"], self.label)
        for s in m.strategy_set.items:
            g = s.spec.gate
            if g is not None and g.pilot == self.label and g.on == decision:
                s.open_gate(m, cost if decision == "spread" else 1.0)

    @override
    def spread_members(self, m: ScalingModel) -> np.ndarray:
        """Members still in their slots who enact at a depth a champion needs."""
        ed = m.ed
        mem = self.members[ed.person[self.members] == self.member_persons]
        return np.sort(mem[ed.enacting[mem] & (ed.depth[mem] >= CHAMPION_READY_DEPTH)])


@register
class PdsaCycles(Strategy):
    """Plan-do-study-act cycles: the team's learning loop (002_*.txt).

    Each completed cycle raises the team's learning, which multiplies every strategy's
    effect; participants gain ownership and some support.
    """

    type_name = "pdsa_cycles"
    targets = "educators"
    default_select = {"rule": "random", "share_schools": 0.2, "per_school": 3}
    default_cost = 6.0
    default_priority = 30
    source = "002_*.txt (PDSA cycles); 000_*.txt (learning system)"
    Params = PdsaParams
    carrier = "improvement"

    @override
    def on_targets(self, m: ScalingModel) -> None:
        # Participants test the practice in their classrooms: they know of it.
        m.act.make_aware(self.members)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        cycle_weeks = max(round(p.cycle_months * WEEKS_PER_MONTH), 1)
        if self.weeks_active % cycle_weeks == 0:
            quality = DECISION_BASE + m.sc.team.decision_culture
            cap = p.max_learning * quality
            learning = min(cap, m.dist.learning + p.learning_per_cycle * e * quality)
            m.act.set_condition("learning", max(learning, m.dist.learning), self.label)
        m.effects.routine_drive[self.schools] += PDSA_ROUTINES * e
        m.effects.improvement_drive[self.schools] += PDSA_IMPROVEMENT * e
        m.effects.ownership[self.members] += p.ownership * e * m.ed.enacting[self.members]
        m.effects.support[self.members] += p.support * e * m.ed.enacting[self.members]

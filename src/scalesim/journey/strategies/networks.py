"""Build and leverage educator networks (Table 2 of 000_*.txt).

Proof points, networks of users and local champions. Rates are per year; magnitudes are
modelling assumptions whose direction follows the cited documents (docs/strategies.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, override

import numpy as np

from scalesim.common.units import WEEKS_PER_MONTH
from scalesim.core.rules import CHANNEL_BASE
from scalesim.journey.strategies.base import Strategy, raise_district_ownership, register
from scalesim.scenario.params import ChampionParams, ProofPointParams, UsersParams

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

# Champions are chosen for their practice: they start at least this deep (assumption).
CHAMPION_DEPTH = 0.4
# A champion's influence scales with credibility relative to the average educator's
# (credibility / CREDIBILITY_REFERENCE; the schema's default mean credibility).
CREDIBILITY_REFERENCE = 0.5
# Drive on school routines per year at full strength (scaling in, 002_*.txt; assumptions
# fitted jointly through Institutions in docs/calibration.md): demonstration schools build
# their own routines; champions given time and leadership support do in their schools
# (000_*.txt, Table 2; 004_*.txt).
PROOF_POINT_ROUTINES = 0.8
CHAMPION_ROUTINES = 0.5
# A network of users moves ownership to the district: its leaders come to run the meetings
# and institutes, which outlive external support (002_*.txt). Per year at full strength.
USERS_DISTRICT_OWNERSHIP = 0.1


@register
class ProofPoint(Strategy):
    """Demonstration schools chosen by a selection rule; visits expose other educators.

    Visitors are convinced more by schools like their own: a proof point's pull on a school
    falls with the distance between their shares of students furthest from opportunity
    (000_*.txt: proof points should be representative of the schools scaled to). Volunteer
    proof points therefore pull mostly on lower-need schools (003_*.txt).
    """

    type_name = "proof_point"
    targets = "schools"
    default_select = {"rule": "representative", "n_schools": 4}
    default_cost = 12.0
    default_priority = 20
    source = "000_*.txt (Table 2; equity perspective on proof points); 003_*.txt"
    Params = ProofPointParams
    carrier = "school"

    @override
    def on_targets(self, m: ScalingModel) -> None:
        m.act.set_role("proof_point", self.members, True)
        m.act.make_aware(self.members)
        need = m.schools.need_share
        # Pull of the proof points on each school: mean similarity in need.
        if self.schools.size:
            dist = np.abs(need[:, None] - need[None, self.schools])
            pull = np.exp(-dist / self.p.similarity_scale).mean(axis=1)
        else:
            pull = np.zeros(m.schools.n)
        pull[self.schools] = 0.0
        # Dense per-slot vectors: visitors are most of the district, so whole-array updates
        # beat fancy indexing.
        self.pull_slot = pull[m.ed.school]
        self.site = np.zeros(m.ed.n)
        self.site[self.members] = 1.0

    @override
    def on_release(self, m: ScalingModel) -> None:
        m.act.set_role("proof_point", self.members, False)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        # Newcomers in a proof-point school belong to it.
        m.act.set_role("proof_point", self.members, True)
        ext = m.effects.external_for(self.label)
        # Visits convince more where practice is visible (observability; 1 at 0.5).
        obs = CHANNEL_BASE + m.dist.observability
        ext += (p.site_adoption * e) * self.site + (p.visit_adoption * e * obs) * self.pull_slot
        m.effects.support += (p.site_support * e) * self.site + (
            p.visit_support * e
        ) * self.pull_slot * m.ed.enacting
        m.effects.awareness += (p.visit_awareness * e * obs) * self.pull_slot
        m.effects.routine_drive[self.schools] += PROOF_POINT_ROUTINES * e


@register
class NetworkOfUsers(Strategy):
    """Institutes and showcases that tie enacting educators across schools.

    Adds ties among enacting educators at each convening, supports depth and retention.
    Support per member is diluted when members outnumber what the network can support.
    """

    type_name = "network_of_users"
    default_cost = 10.0
    default_priority = 25
    source = "000_*.txt (Table 2; build social connections); 004_*.txt"
    Params = UsersParams
    carrier = "district"

    @override
    def on_start(self, m: ScalingModel) -> None:
        self.next_convening = m.week

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        enacting = m.ed.enacting
        n_members = int(np.count_nonzero(enacting))
        if n_members == 0:
            return
        if m.week >= self.next_convening:  # an institute or showcase
            self.next_convening = m.week + round(p.every_months * WEEKS_PER_MONTH)
            members = np.flatnonzero(enacting)
            k = round(p.ties_per_member * e * n_members / 2)
            if k > 0 and n_members > 1:
                rng = m.streams[f"strategy:{self.label}"]
                a = members[rng.integers(0, n_members, k)]
                b = members[rng.integers(0, n_members, k)]
                keep = m.ed.school[a] != m.ed.school[b]
                m.act.add_ties(a[keep], b[keep])
                m.log.record(
                    m,
                    "convening",
                    strategy=self.label,
                    members=n_members,
                    new_ties=int(keep.sum()),
                )
        dilution = min(1.0, p.reach * e / n_members)
        m.effects.support += (p.support * dilution) * enacting
        m.effects.abandon_mult *= 1.0 - (p.retention * min(e, 1.0)) * enacting
        raise_district_ownership(m, USERS_DISTRICT_OWNERSHIP * e, self.label)


@register
class LocalChampions(Strategy):
    """Teacher-leaders chosen by a selection rule who advocate for and support peers.

    Champions enact; their schools get more peer influence (scaled by the champions'
    credibility), awareness and in-school support, once champions have had time.
    """

    type_name = "local_champions"
    targets = "educators"
    default_select = {"rule": "most_credible", "per_school": 1}
    default_cost = 30.0
    default_priority = 15
    source = "000_*.txt (Table 2; cultivate school-based champions)"
    Params = ChampionParams
    carrier = "school"

    @override
    def on_targets(self, m: ScalingModel) -> None:
        ed, act = m.ed, m.act
        self.set_champions(m)
        act.make_aware(self.members)
        new = self.members[~ed.enacting[self.members]]
        act.start_enacting(new, channel=self.label)
        act.raise_depth(self.members, CHAMPION_DEPTH)

    def set_champions(self, m: ScalingModel) -> None:
        """Flag the champions and precompute their schools' credibility weight."""
        ed = m.ed
        m.act.set_role("champion", self.members, True)
        cred = np.zeros(m.schools.n)
        np.maximum.at(cred, ed.school[self.members], ed.factors.credibility[self.members])
        # Dense per-slot vectors (champions usually cover most schools).
        self.cred_slot = cred[ed.school] / CREDIBILITY_REFERENCE
        self.in_school = (cred[ed.school] > 0).astype(float)

    @override
    def on_members_changed(self, m: ScalingModel) -> None:
        # A school whose champion left loses the champion's influence and support.
        self.set_champions(m)

    @override
    def on_release(self, m: ScalingModel) -> None:
        m.act.set_role("champion", self.members, False)

    @override
    def apply(self, m: ScalingModel, e: float) -> None:
        p = self.p
        r = self.ramp(p.ramp_months)
        m.effects.peer_extra_for(self.label)[:] += (p.influence * e * r) * self.cred_slot
        m.effects.awareness += (p.awareness * e * r) * self.in_school
        m.effects.support += (p.support * e * r) * self.in_school * m.ed.enacting
        m.effects.ownership[self.members] += p.ownership * e
        m.effects.routine_drive[self.schools] += CHAMPION_ROUTINES * e * r

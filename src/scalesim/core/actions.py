"""The one writer of model state: educators, schools, the network, district conditions.

Every change to them goes through :class:`Actions`.

Rules are pure functions that return what should change; strategies, shocks, turnover and pit
stops declare what they do (make aware, start or stop enacting, appoint champions, change a
district condition, add ties, replace the people in slots) and the model's ``act`` applies it
here, in one place, where it can be counted and attributed. Weekly contributions that are
summed (extra adoption, support, ownership drive) go to :class:`~scalesim.core.state.Effects`
instead. ``tests/test_architecture.py`` checks that nothing else writes state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

import numpy as np

from scalesim.core.district import EducatorFactors
from scalesim.core.week import Selection

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel

Role = Literal["champion", "proof_point"]


@dataclass
class Reassignment:
    """Who fills which slot after teachers leave or move (``scalesim.core.turnover``).

    Attributes:
        vacated: Every slot whose person changed.
        movers_from: Slots of movers who stay in the district (where they were).
        movers_to: The vacated slots they fill, in the same order.
        newcomers_to: The vacated slots newcomers fill.
        newcomers: The newcomers' factors, one row per slot of ``newcomers_to``.
        depth_kept_on_move: Share of depth a mover keeps in the new school.
    """

    vacated: np.ndarray
    movers_from: np.ndarray
    movers_to: np.ndarray
    newcomers_to: np.ndarray
    newcomers: EducatorFactors | None
    depth_kept_on_move: float


class Actions:
    """Declared changes to a model's state, applied in one place.

    Args:
        model: The model whose state this writes.

    Attributes:
        ledger: Total change of each district condition by cause (``(cause, field)``).
    """

    def __init__(self, model: ScalingModel) -> None:
        self._m = model
        self.ledger: defaultdict[tuple[str, str], float] = defaultdict(float)

    # -------------------------------------------------------------- educators

    def make_aware(self, slots: np.ndarray) -> None:
        """The educators in ``slots`` know of the innovation."""
        self._m.ed.aware[slots] = True

    def start_enacting(
        self,
        slots: np.ndarray,
        *,
        depth_floor: float | None = None,
        channel: str | None = None,
    ) -> None:
        """The educators in ``slots`` (not enacting yet) start enacting this week.

        Args:
            slots: New adopters.
            depth_floor: Depth they start at, at least (a first, superficial try).
            channel: Credit the enactments directly to this channel (e.g. a strategy);
                adoption by hazard is credited by the model's attribution instead.
        """
        m = self._m
        ed = m.ed
        ed.enacting[slots] = True
        ed.enacting_since[slots] = m.week
        if depth_floor is not None:
            ed.depth[slots] = np.maximum(ed.depth[slots], depth_floor)
        if channel is not None and len(slots):
            m.credit_channel(channel, len(slots))

    def stop_enacting(self, slots: np.ndarray, *, depth_kept: float = 1.0) -> None:
        """The educators in ``slots`` stop enacting; they keep ``depth_kept`` of their depth."""
        ed = self._m.ed
        ed.enacting[slots] = False
        ed.enacting_since[slots] = -1
        if depth_kept != 1.0:
            ed.depth[slots] *= depth_kept

    def raise_depth(self, slots: np.ndarray, floor: float) -> None:
        """Depth of ``slots`` is at least ``floor`` (e.g. champions chosen for their practice)."""
        ed = self._m.ed
        ed.depth[slots] = np.maximum(ed.depth[slots], floor)

    def set_depth(self, sel: Selection, values: np.ndarray) -> None:
        """The weekly depth rule's result for the enacting educators ``sel``."""
        self._store(self._m.ed.depth, sel, values)

    def set_ownership(self, sel: Selection, values: np.ndarray) -> None:
        """The weekly ownership rule's result for the enacting educators ``sel``."""
        self._store(self._m.ed.ownership, sel, values)

    def _store(self, column: np.ndarray, sel: Selection, values: np.ndarray) -> None:
        if isinstance(sel, slice):  # dense: computed for every slot, kept for enacting ones
            np.copyto(column, values, where=self._m.ed.enacting)
        else:
            column[sel] = values

    def set_role(self, role: Role, slots: np.ndarray, on: bool) -> None:
        """Give or take a role (champion, proof-point member) to the educators in ``slots``."""
        getattr(self._m.ed, role)[slots] = on

    def replace_people(self, plan: Reassignment) -> None:
        """Apply turnover: movers take their state to new slots; newcomers arrive unaware."""
        m = self._m
        ed = m.ed
        f = ed.factors
        src, dst = plan.movers_from, plan.movers_to
        if src.size:
            snapshot = {name: getattr(f, name)[src].copy() for name in f.NAMES}
            aware, own = ed.aware[src].copy(), ed.ownership[src].copy()
            enact, depth = ed.enacting[src].copy(), ed.depth[src].copy()
            person = ed.person[src].copy()
            for name, vals in snapshot.items():
                getattr(f, name)[dst] = vals
            ed.aware[dst] = aware
            ed.ownership[dst] = own
            ed.enacting[dst] = enact
            ed.depth[dst] = depth * plan.depth_kept_on_move
            ed.enacting_since[dst] = np.where(enact, m.week, -1)
            ed.person[dst] = person
            ed.champion[dst] = False
            ed.proof_point[dst] = False
        new = plan.newcomers_to
        if new.size:
            assert plan.newcomers is not None
            for name in f.NAMES:
                getattr(f, name)[new] = getattr(plan.newcomers, name)
            ed.aware[new] = False
            ed.enacting[new] = False
            ed.depth[new] = 0.0
            ed.ownership[new] = 0.0
            ed.champion[new] = False
            ed.proof_point[new] = False
            ed.enacting_since[new] = -1
            ed.person[new] = m.next_person_ids(new.size)
        m.people_changed(plan.vacated)

    # -------------------------------------------------------------- schools, network

    def set_principal_support(self, schools: np.ndarray, values: np.ndarray) -> None:
        """New principals' support in ``schools``."""
        m = self._m
        m.schools.principal_support[schools] = values
        m.principal_slot = m.schools.principal_support[m.ed.school]

    def set_routines(self, values: np.ndarray) -> None:
        """Every school's routines for the practice (the weekly rule's result, or a loss)."""
        np.copyto(self._m.schools.routines, values)

    def set_improvement(self, values: np.ndarray) -> None:
        """Every school's improvement routines (the weekly rule's result)."""
        np.copyto(self._m.schools.improvement, values)

    def add_ties(self, a: np.ndarray, b: np.ndarray) -> None:
        """Tie educators ``a[i]`` and ``b[i]`` (e.g. at a convening of a network of users)."""
        self._m.network.add_ties(a, b)

    # -------------------------------------------------------------- the district

    def set_condition(self, name: str, value: float, cause: str) -> None:
        """Set one district condition (``DistrictState`` field) and count the change.

        Args:
            name: The field, e.g. ``policy_alignment``.
            value: Its new value, computed by the caller.
            cause: Who changed it (a strategy's label, a shock, ``turnover``, ``override``).
        """
        d = self._m.dist
        old = getattr(d, name)
        setattr(d, name, value)
        if isinstance(value, bool | int) and not isinstance(value, float):
            return
        self.ledger[(cause, name)] += float(value) - float(old)

    def ledger_rows(self) -> list[dict[str, object]]:
        """The ledger as rows: cause, condition and the total change it made."""
        names = {f.name for f in fields(self._m.dist)}
        return [
            {"cause": c, "condition": n, "change": v}
            for (c, n), v in sorted(self.ledger.items())
            if n in names
        ]

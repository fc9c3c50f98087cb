"""One week, explicit: the context ``ScalingModel.step`` builds and hands to every phase.

The week's draws are taken when the week opens, one vector per mechanism for every slot,
whatever the state (each from its own named stream: common random numbers). The phases fill
in what later phases need, in order: the exposure phase the share of enacting neighbours, the
adoption phase who enacts and the support they get. Nothing passes between phases through the
model's attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalesim.core.state import Effects

# Enacting educators, as their slots, or ALL when most slots enact: the classroom rules then
# compute every slot and keep the result for enacting ones (cheaper than gathers and scatters).
ALL = slice(None)
Selection = np.ndarray | slice


@dataclass
class Week:
    """What one week's phases share.

    Attributes:
        index: The week being simulated (1 for the first step).
        month: Months elapsed at the end of this week.
        in_session: Whether school is in session (classroom phases pause in summer).
        effects: What strategies and shocks contribute this week (cleared when it opens).
        e_aware: Unit-exponential draws of the exposure mechanism, one per slot.
        e_adopt: Unit-exponential draws of adoption, one per slot.
        e_abandon: Unit-exponential draws of abandonment, one per slot.
        share: Weighted share of each educator's neighbours who enact (exposure phase).
        enacting: Who enacts after adoption (slots, or :data:`ALL` when most do).
        support: Support for depth of the educators in ``enacting`` (adoption phase).
        collegial: Per slot, the share of collegial support the school's routines give
            (:func:`scalesim.core.institutions.collegial_factor`; 1 at the start).
        depth_gain: Per slot, the multiplier of depth growth from the school's improvement
            routines and the educator's experience.
        inst: Per slot, the institutionalization of the educator's school.
    """

    index: int
    month: float
    in_session: bool
    effects: Effects
    e_aware: np.ndarray
    e_adopt: np.ndarray
    e_abandon: np.ndarray
    share: np.ndarray | None = None
    enacting: Selection | None = None
    support: np.ndarray | None = None
    collegial: np.ndarray | None = None
    depth_gain: np.ndarray | None = None
    inst: np.ndarray | None = None

    def peer_share(self) -> np.ndarray:
        """The share of enacting neighbours (after the exposure phase computed it)."""
        assert self.share is not None, "the exposure phase has not run this week"
        return self.share

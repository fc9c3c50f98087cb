"""Struct-of-arrays model state: educators, district-level conditions, and weekly effects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from scalesim.core.district import EducatorFactors, Schools

if TYPE_CHECKING:
    from scalesim.scenario import Scenario


@dataclass
class EducatorState:
    """Per-slot educator columns (length ``n``, sorted by school)."""

    school: np.ndarray  # school index of each slot
    factors: EducatorFactors
    aware: np.ndarray
    enacting: np.ndarray
    depth: np.ndarray
    ownership: np.ndarray
    champion: np.ndarray
    proof_point: np.ndarray
    person: np.ndarray  # id of the person in the slot (changes at turnover)
    enacting_since: np.ndarray  # week the current enactment started (-1 if not enacting)

    @property
    def n(self) -> int:
        """Number of educator slots."""
        return len(self.school)


@dataclass
class DistrictState:
    """District-level conditions that strategies and shocks move during a run."""

    leadership_support: float
    attention_competition: float
    community_beliefs: float
    policy_alignment: float
    district_ownership: float
    district_improvement: float
    mandate_tight: bool
    complexity: float
    compatibility: float
    observability: float
    trialability: float
    depth_ceiling: float
    capacity_factor: float = 1.0  # budget cuts and events scale the team's capacity
    enactment_factor: float = 1.0  # large-scale events suppress classroom enactment
    policy_network: float = 0.0  # strength of the policy network (policy_network strategy)
    learning: float = 0.0  # the team's learning from PDSA cycles (multiplies strategy effects)
    spread_base: float = 0.0  # base of support left by the last pilot that spread (004_*.txt)
    superintendent_changes: int = 0
    leadership_changed_week: int = -1

    @classmethod
    def from_scenario(cls, sc: Scenario) -> DistrictState:
        """The district's state at month 0, from the scenario (through :data:`FROM_SCENARIO`)."""
        return cls(**{f.attr: f.read(sc) for f in FROM_SCENARIO})


@dataclass(frozen=True)
class ScenarioField:
    """A scenario field that sets a :class:`DistrictState` attribute.

    The same table builds the state at month 0 and applies overrides mid-run (rehearsal
    branches, the app), so the two can never disagree.
    """

    path: str
    attr: str
    convert: Callable[[Any], Any] = float

    def read(self, sc: Scenario) -> Any:
        """The attribute's value for scenario ``sc``."""
        section, key = self.path.split(".")
        return self.convert(getattr(getattr(sc, section), key))


def _is_tight(mandate: str) -> bool:
    return mandate == "tight"


FROM_SCENARIO: tuple[ScenarioField, ...] = (
    *(
        ScenarioField(f"conditions.{k}", k)
        for k in (
            "leadership_support",
            "attention_competition",
            "community_beliefs",
            "policy_alignment",
            "district_ownership",
            "district_improvement",
        )
    ),
    ScenarioField("conditions.mandate", "mandate_tight", _is_tight),
    *(
        ScenarioField(f"innovation.{k}", k)
        for k in ("complexity", "compatibility", "observability", "trialability", "depth_ceiling")
    ),
)
STATE_BY_PATH: dict[str, ScenarioField] = {f.path: f for f in FROM_SCENARIO}


@dataclass
class Effects:
    """What strategies and shocks contribute this week; zeroed at the start of each week.

    Rates are per year, like the scenario's rates. ``external`` holds one additive external
    adoption rate per named source, so new enactments can be attributed to their channel.
    """

    n: int
    n_schools: int = 0
    awareness: np.ndarray = field(init=False)
    support: np.ndarray = field(init=False)
    ownership: np.ndarray = field(init=False)
    abandon_mult: np.ndarray = field(init=False)
    ceiling_delta: float = 0.0
    external: dict[str, np.ndarray] = field(default_factory=dict)
    peer_extra: dict[str, np.ndarray] = field(default_factory=dict)
    # Per school, per year: strategies' drive on school routines and improvement routines.
    routine_drive: np.ndarray = field(init=False)
    improvement_drive: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.awareness = np.zeros(self.n)
        self.support = np.zeros(self.n)
        self.ownership = np.zeros(self.n)
        self.abandon_mult = np.ones(self.n)
        self.routine_drive = np.zeros(self.n_schools)
        self.improvement_drive = np.zeros(self.n_schools)

    def reset(self) -> None:
        """Clear last week's contributions."""
        self.awareness.fill(0.0)
        self.support.fill(0.0)
        self.ownership.fill(0.0)
        self.abandon_mult.fill(1.0)
        self.routine_drive.fill(0.0)
        self.improvement_drive.fill(0.0)
        self.ceiling_delta = 0.0
        for arr in self.external.values():
            arr.fill(0.0)
        for arr in self.peer_extra.values():
            arr.fill(0.0)

    def peer_extra_for(self, source: str) -> np.ndarray:
        """Extra peer influence (a multiplier minus one) credited to one source."""
        arr = self.peer_extra.get(source)
        if arr is None:
            arr = np.zeros(self.n)
            self.peer_extra[source] = arr
        return arr

    def peer_multiplier(self, idx: np.ndarray) -> np.ndarray:
        """Total peer-influence multiplier of ``idx`` (1 plus every source's extra)."""
        total = np.ones(idx.size)
        for arr in self.peer_extra.values():
            total += arr[idx]
        return total

    def external_for(self, source: str) -> np.ndarray:
        """The additive external-rate array of one source (created on first use)."""
        arr = self.external.get(source)
        if arr is None:
            arr = np.zeros(self.n)
            self.external[source] = arr
        return arr


# Scenario sections an override may change in a running model (rehearsal branches, the app).
# The district, its educators, the network, the calendar, the horizon, the start, the trip
# ticket and the adaptation rules are fixed when the model is built.
MUTABLE_SECTIONS = (
    "adoption",
    "depth",
    "ownership",
    "abandonment",
    "turnover",
    "team",
    "conditions",
    "innovation",
    "metrics",
    "measurement",
)
# ... except these, read once at set-up.
FROZEN_PATHS = ("adoption.credibility_weighted", "depth.start", "ownership.start")


def override_allowed(path: str) -> bool:
    """Whether a dotted scenario path may change in a running model."""
    if any(path == f or path.startswith(f + ".") for f in FROZEN_PATHS):
        return False
    return any(path == p or path.startswith(p + ".") for p in MUTABLE_SECTIONS)


def initial_educators(
    sc: Scenario,
    sch: Schools,
    factors: EducatorFactors,
    rng: np.random.Generator,
    person_ids: Callable[[int], np.ndarray],
) -> EducatorState:
    """Who is aware and enacting at month 0, with what depth and ownership.

    Args:
        sc: The scenario (its ``start``, ``depth.start`` and ``ownership.start``).
        sch: The schools (educator slots are sorted by school).
        factors: The educators' factors.
        rng: The ``initial`` stream.
        person_ids: Gives fresh person ids for ``k`` people.
    """
    n = int(sch.size.sum())
    st = sc.start
    school = np.repeat(np.arange(sch.n), sch.size)
    share = np.full(sch.n, st.enacting_share)
    if st.enacting_share_high_need is not None:
        share[sch.high_need] = st.enacting_share_high_need
    if st.enacting_share_other is not None:
        share[~sch.high_need] = st.enacting_share_other
    if st.from_csv and sch.initial_enacting is not None:
        share = np.where(np.isnan(sch.initial_enacting), share, sch.initial_enacting)
    u = rng.random(n)
    enacting = u < share[school]
    aware = enacting | (rng.random(n) < st.aware_share)
    depth = np.where(
        enacting, np.clip(rng.normal(sc.depth.start.mean, sc.depth.start.sd, n), 0, 1), 0.0
    )
    ownership = np.where(
        enacting,
        np.clip(rng.normal(sc.ownership.start.mean, sc.ownership.start.sd, n), 0, 1),
        0.0,
    )
    return EducatorState(
        school=school,
        factors=factors,
        aware=aware,
        enacting=enacting,
        depth=depth,
        ownership=ownership,
        champion=np.zeros(n, dtype=bool),
        proof_point=np.zeros(n, dtype=bool),
        person=person_ids(n),
        enacting_since=np.where(enacting, 0, -1),
    )

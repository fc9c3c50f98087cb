"""The whole scenario file: every section, and the scenario's identity (hash).

A scenario is a YAML document validated completely before anything runs; unknown keys are
errors. Times are given in months from the start of the run (fractions allowed).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from pydantic import Field

from scalesim.common.units import month_to_week
from scalesim.scenario.fields import Strict, doc_field
from scalesim.scenario.heterogeneity import Heterogeneity
from scalesim.scenario.journey import (
    AdaptationRule,
    Measurement,
    ShockSpec,
    StrategySpec,
    TripTicket,
)
from scalesim.scenario.mechanisms import (
    Abandonment,
    Adoption,
    Calendar,
    Depth,
    Institutions,
    Metrics,
    Ownership,
    Start,
    Turnover,
)
from scalesim.scenario.observed import History
from scalesim.scenario.world import Conditions, District, Educators, Innovation, Network, Team


class Scenario(Strict):
    """A whole scenario file."""

    name: str = doc_field("scenario", "Short name used in outputs.")
    description: str = doc_field("", "What the scenario represents.")
    horizon_months: Annotated[float, Field(gt=0, le=240)] = doc_field(
        36.0, "How long to run.", "months", "003_*.txt: the DL+D mandate's three years"
    )
    district: District = Field(default_factory=District)
    educators: Educators = Field(default_factory=Educators)
    network: Network = Field(default_factory=Network)
    innovation: Innovation = Field(default_factory=Innovation)
    team: Team = Field(default_factory=Team)
    conditions: Conditions = Field(default_factory=Conditions)
    adoption: Adoption = Field(default_factory=Adoption)
    depth: Depth = Field(default_factory=Depth)
    ownership: Ownership = Field(default_factory=Ownership)
    abandonment: Abandonment = Field(default_factory=Abandonment)
    institutions: Institutions = Field(default_factory=Institutions)
    turnover: Turnover = Field(default_factory=Turnover)
    calendar: Calendar = Field(default_factory=Calendar)
    start: Start = Field(default_factory=Start)
    trip_ticket: TripTicket = Field(default_factory=TripTicket)
    metrics: Metrics = Field(default_factory=Metrics)
    strategies: list[StrategySpec] = Field(
        default_factory=list,
        description="The team's strategy set (empty: the district is left alone).",
    )
    shocks: list[ShockSpec] = Field(
        default_factory=list, description="Shocks during the run, dated or drawn from hazards."
    )
    measurement: Measurement = Field(default_factory=Measurement)
    adaptation: list[AdaptationRule] = Field(
        default_factory=list, description="Rules the team applies at pit stops."
    )
    history: History | None = Field(
        None, description="An observed adoption history (calibration, rehearsing from today)."
    )
    heterogeneity: Heterogeneity = Field(default_factory=Heterogeneity)

    @property
    def n_weeks(self) -> int:
        """Number of weekly steps in the run."""
        return month_to_week(self.horizon_months)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-safe), the input of the scenario hash."""
        return self.model_dump(mode="json")

    def scenario_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the canonical JSON of the validated scenario.

        Defaults are included, so two files that differ only in spelling out a default hash
        the same, and a change of any effective value changes the hash.
        """
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

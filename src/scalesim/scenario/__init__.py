"""Scenario files: the schema by section, loading, CSV districts, parameters and lessons.

The schema is split by section; loading resolves ``base:`` files and overrides; strategies'
and shocks' parameters and lesson definitions are part of the file format too.

Everything a scenario file can say is defined here, so a file is validated completely without
importing the simulation.
"""

from scalesim.common.units import WEEKS_PER_MONTH, WEEKS_PER_YEAR, month_to_week
from scalesim.scenario.fields import Dist, Strict
from scalesim.scenario.journey import (
    Action,
    AdaptationRule,
    Destination,
    Measurement,
    Select,
    ShockSpec,
    StrategySpec,
    TripTicket,
)
from scalesim.scenario.loading import (
    apply_overrides,
    deep_merge,
    load_scenario,
    parse_yaml,
    resolve_base,
    scenario_from_dict,
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
from scalesim.scenario.schema import Scenario
from scalesim.scenario.school_csv import CSV_COLUMNS, load_school_csv
from scalesim.scenario.world import (
    Conditions,
    CsvDistrict,
    District,
    Educators,
    GeneratedDistrict,
    Innovation,
    Network,
    Team,
)

__all__ = [
    "CSV_COLUMNS",
    "WEEKS_PER_MONTH",
    "WEEKS_PER_YEAR",
    "Abandonment",
    "Action",
    "AdaptationRule",
    "Adoption",
    "Calendar",
    "Conditions",
    "CsvDistrict",
    "Depth",
    "Destination",
    "Dist",
    "District",
    "Educators",
    "GeneratedDistrict",
    "Innovation",
    "Institutions",
    "Measurement",
    "Metrics",
    "Network",
    "Ownership",
    "Scenario",
    "Select",
    "ShockSpec",
    "Start",
    "StrategySpec",
    "Strict",
    "Team",
    "TripTicket",
    "Turnover",
    "apply_overrides",
    "deep_merge",
    "load_scenario",
    "load_school_csv",
    "month_to_week",
    "parse_yaml",
    "resolve_base",
    "scenario_from_dict",
]

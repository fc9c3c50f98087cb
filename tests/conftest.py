"""Shared fixtures: a small district scenario and the real ``scalesim`` command.

Kept minimal on purpose; test modules add their own fixtures next to the tests that use them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scalesim.scenario import Scenario, apply_overrides, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]

# A small district (about 300 educators in 12 schools) over one year: big enough for every
# mechanism to act, small enough to run in a few tenths of a second.
SMALL: dict[str, Any] = {
    "name": "small",
    "horizon_months": 12,
    "district": {
        "generated": {"n_schools": 12, "educators_per_school": {"mean": 25, "sd": 6, "min": 4}}
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 12}},
}


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root (scenarios/, docs/, ...)."""
    return REPO


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., Scenario]:
    """Factory: the small scenario with ``{"dotted.path": value}`` overrides, validated.

    Session-scoped so hypothesis tests can use it.
    """

    def make(
        overrides: dict[str, Any] | None = None, base: dict[str, Any] | None = None
    ) -> Scenario:
        data = apply_overrides(SMALL if base is None else base, overrides or {})
        return scenario_from_dict(data, source="<test scenario>")

    return make


@pytest.fixture(scope="session")
def scalesim_cmd() -> list[str]:
    """The real command line: this interpreter running the installed package."""
    return [sys.executable, "-m", "scalesim"]

"""``scalesim list`` names everything a scenario file can use (through the real command)."""

from __future__ import annotations

import subprocess

import pytest

from scalesim.journey.selection import RULES
from scalesim.journey.shocks import SHOCKS
from scalesim.journey.strategies import STRATEGIES
from scalesim.metrics import METRICS

KINDS = {"strategies": STRATEGIES, "rules": RULES, "shocks": SHOCKS, "metrics": METRICS}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_list_names_every_registered_entry(kind: str, scalesim_cmd: list[str]) -> None:
    """Exit 0, and every registered name of that kind is in the table."""
    proc = subprocess.run(
        [*scalesim_cmd, "list", kind], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    missing = [name for name in KINDS[kind] if name not in proc.stdout]
    assert not missing, f"scalesim list {kind} misses {missing}"


def test_list_of_an_unknown_kind_is_a_clear_error(scalesim_cmd: list[str]) -> None:
    """One line naming what was expected, exit 2, no traceback."""
    proc = subprocess.run(
        [*scalesim_cmd, "list", "strategys"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "expected one of: strategies, rules, shocks, metrics" in proc.stderr

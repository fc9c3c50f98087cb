"""Every shipped scenario gives the recorded outputs for three seeds (the golden hashes).

A restructuring must keep them identical. A behaviour changed on purpose regenerates them with
``python scripts/golden_hashes.py --write``; the commit and ``docs/decisions.md`` then name the
change with its before/after figures.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("golden", REPO / "scripts" / "golden_hashes.py")
assert _spec is not None and _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

RECORDED: dict[str, dict[str, str]] = json.loads(golden.OUT.read_text(encoding="utf-8"))
CASES = [(path, seed) for path, by_seed in sorted(RECORDED.items()) for seed in sorted(by_seed)]


def test_every_shipped_scenario_is_recorded() -> None:
    """No shipped scenario file escapes the golden check (and none recorded has vanished)."""
    shipped = {str(p.relative_to(REPO)) for p in golden.scenario_files()}
    assert shipped == set(RECORDED)
    assert all(set(v) == {str(s) for s in golden.SEEDS} for v in RECORDED.values())


@pytest.mark.parametrize(("path", "seed"), CASES, ids=[f"{p}@{s}" for p, s in CASES])
def test_outputs_match_recorded_hash(path: str, seed: str) -> None:
    """The run's tables and travel log hash to the recorded value."""
    assert golden.compute(REPO / path, int(seed)) == RECORDED[path][seed]

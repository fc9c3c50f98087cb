"""The default world reproduces its calibration targets (docs/calibration.md).

Each target is measured exactly as ``scripts/calibrate.py --check-only`` measures it (the same
functions, the same seeds), so the test and the documented figures cannot drift apart. The
fitted value itself is checked to be the schema's default.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scalesim.scenario import Depth

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def calibrate() -> ModuleType:
    """scripts/calibrate.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("calibrate", REPO / "scripts" / "calibrate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.parametrize("key", ["T1", "T3", "T4", "T5", "T6"])
def test_target_holds(calibrate: ModuleType, key: str) -> None:
    """The target's measurement satisfies its condition at the schema's defaults."""
    what, measure, ok = calibrate.TARGETS[key]
    result = measure()
    assert ok(result), f"{key} fails: {result} — {what}"


def test_documented_fit_is_the_default() -> None:
    """docs/calibration.md's fitted depth growth is the schema's default."""
    doc = (REPO / "docs" / "calibration.md").read_text(encoding="utf-8")
    fitted = json.loads(doc.split("<!-- fit:")[1].split("-->")[0])
    assert fitted["depth.growth"] == Depth.model_fields["growth"].get_default()

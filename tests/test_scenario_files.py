"""Smoke: every scenario file loads and runs; the scenarios the issues require exist.

Files are validated exactly as written, then run for a few weeks on a smaller district (the
district size is the only override), so a broken file or a mechanism that fails on a real
strategy set shows up here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scalesim.journey.strategies import STRATEGIES
from scalesim.scenario import load_scenario, month_to_week
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.runner import collect

REPO = Path(__file__).resolve().parents[1]
# Teaching lessons keep their definition (title, arms, claims) in lesson.yaml next to the
# scenario files of their arms; that file is not a scenario.
FILES = sorted(
    p
    for p in (REPO / "scenarios").rglob("*")
    if p.suffix in (".yaml", ".yml") and p.name != "lesson.yaml"
)
WEEKS = 10


def small(path: Path, **overrides: object) -> ScalingModel:
    """The file's scenario on a district of at most 15 schools."""
    sc = load_scenario(path)
    if sc.district.source == "generated" and sc.district.generated.n_schools > 15:
        sc = load_scenario(path, overrides={"district.generated.n_schools": 15, **overrides})
    elif overrides:
        sc = load_scenario(path, overrides=dict(overrides))
    return ScalingModel(sc, seed=1)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_scenario_file_runs(path: Path) -> None:
    """The file validates as written and runs a few weeks with sane metrics."""
    m = small(path)
    for _ in range(min(WEEKS, m.n_weeks)):
        m.step()
    res = collect(m)
    ts = res.timeseries
    assert len(ts) == min(WEEKS, m.n_weeks) + 1
    assert np.isfinite(ts.drop(columns=["in_session"]).to_numpy(dtype=float)).all()
    assert ((ts["share_enacting"] >= 0) & (ts["share_enacting"] <= 1)).all()
    starts = {e["strategy"] for e in res.log if e["kind"] == "strategy_start"}
    due = {s.label for s in m.sc.strategies if month_to_week(s.start_month) <= WEEKS}
    assert due <= starts, f"strategies due by week {WEEKS} did not start: {due - starts}"


def test_scenario_files_found() -> None:
    """The glob sees the scenario folder (a wrong path would make the smoke test vacuous)."""
    assert len(FILES) >= 4 + len(STRATEGIES)


def test_baseline_has_no_strategies() -> None:
    """scenarios/baseline.yaml: the district left alone."""
    sc = load_scenario(REPO / "scenarios" / "baseline.yaml")
    assert sc.strategies == [] and sc.adaptation == []


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_one_scenario_per_strategy(name: str) -> None:
    """scenarios/strategies/<type>.yaml exists and its set is exactly that strategy."""
    path = REPO / "scenarios" / "strategies" / f"{name}.yaml"
    assert path.exists(), f"missing {path.relative_to(REPO)}"
    sc = load_scenario(path)
    assert [s.type for s in sc.strategies] == [name]


def test_full_strategy_set_aims_at_the_mandate() -> None:
    """dlplusd_full.yaml: most strategy types, 15% → 80% in 36 months, with pit stops."""
    sc = load_scenario(REPO / "scenarios" / "dlplusd_full.yaml")
    types = {s.type for s in sc.strategies}
    assert len(types) >= 8, types
    dest = sc.trip_ticket.destination
    assert (sc.start.enacting_share, dest.target, dest.by_month) == (0.15, 0.8, 36)
    assert len(sc.trip_ticket.pit_stops) >= 4 and sc.adaptation


def test_superintendent_m14_then_unplanned_pit_stop() -> None:
    """superintendent_m14.yaml: the superintendent leaves in month 14; the team stops next week."""
    path = REPO / "scenarios" / "superintendent_m14.yaml"
    m = small(path, horizon_months=16, **{"trip_ticket.pit_stops": [3, 6, 9, 12, 15]})
    m.run()
    wk = month_to_week(14)
    (change,) = [e for e in m.log.events if e["kind"] == "superintendent_change"]
    assert change["week"] == wk and change["cause"] == "superintendent_turnover"
    (shock,) = [e for e in m.log.events if e["kind"] == "shock"]
    assert shock["week"] == wk and shock["pit_stop"] is True
    unplanned = [e for e in m.log.events if e["kind"] == "pit_stop" and not e["planned"]]
    assert [e["week"] for e in unplanned] == [wk + 1]
    assert unplanned[0]["reason"] == "shock: superintendent_turnover"
    assert unplanned[0]["observed"]["superintendent_changes"] == 1.0

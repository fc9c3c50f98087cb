"""Retargeting a strategy from the app is the pit stop's retarget: progress kept, paid once.

The app's control (``app.controls.retarget_strategy``) and an adaptation rule at a pit stop
both go through ``ScalingModel.retarget_strategy``. A pit stop runs in the week's last phase,
so a retarget clicked in the app right after week *w* acts on the same state, with the same
random streams, as a pit-stop retarget in week *w*: the two runs must be identical from
then on, week by week, and keep what the strategies had built (co-design's compatibility
gain, champions' time in role) instead of starting it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from scalesim.app.controls import retarget_strategy, strategy_rows
from scalesim.app.model import AppModel
from scalesim.common.units import month_to_week
from scalesim.simulation.runner import timeseries_of

REPO = Path(__file__).resolve().parents[1]
AT_MONTH = 3.0
NEW_RULE = "random"
STRATEGIES = [
    {
        "type": "co_design",
        "select": {"rule": "highest_need", "share_schools": 0.5, "per_school": 2},
    },
    {"type": "local_champions", "select": {"rule": "most_credible", "per_school": 1}},
]


def _scenario(tmp_path: Path, name: str, adaptation: list[dict[str, Any]]) -> str:
    doc = {
        "base": str(REPO / "scenarios" / "default.yaml"),
        "name": name,
        "horizon_months": 9,
        "district": {"generated": {"n_schools": 20}},
        "strategies": STRATEGIES,
        "shocks": [],
        "team": {"capacity_per_month": 500},
        "trip_ticket": {"pit_stops": [AT_MONTH]},
        "adaptation": adaptation,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return str(path)


def _rule_select(spec: dict[str, Any]) -> dict[str, Any]:
    """The selection the app's control asks for: the strategy's own, with the new rule."""
    return {**spec["select"], "rule": NEW_RULE}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AppModel]:
    """Three runs on one seed: no retarget, pit-stop retargets, app retargets."""
    d = tmp_path_factory.mktemp("retarget")
    rules = [
        {
            "when": f"month >= {AT_MONTH}",
            "then": {"retarget": {"strategy": s["type"], "select": _rule_select(s)}},
            "max_times": 1,
        }
        for s in STRATEGIES
    ]
    plain = AppModel(scenario_file=_scenario(d, "plain", []), seed=7)
    pit = AppModel(scenario_file=_scenario(d, "pit", rules), seed=7)
    app = AppModel(scenario_file=_scenario(d, "app", []), seed=7)
    week = month_to_week(AT_MONTH)
    for m in (plain, pit, app):
        m.run_for(week)
    progress = {
        "gained": app.strategy_set.get("co_design").gained,
        "champion_weeks": app.strategy_set.get("local_champions").weeks_active,
    }
    assert progress["gained"] > 0 and progress["champion_weeks"] > 0, progress
    for row in strategy_rows(app):
        if row.on:
            retarget_strategy(app, row, NEW_RULE)
    app.progress_at_retarget = progress  # type: ignore[attr-defined]
    for m in (plain, pit, app):
        m.run()
    assert len(pit.log.of_kind("decision")) == 2
    assert len([e for e in app.log.events if e["kind"] == "user_action"]) == 2
    return {"plain": plain, "pit": pit, "app": app}


def test_app_retarget_runs_exactly_as_the_pit_stop_retarget(runs: dict[str, AppModel]) -> None:
    """Same weekly metrics, same members, same progress, same money spent, to the last week."""
    pit, app = runs["pit"], runs["app"]
    pd.testing.assert_frame_equal(timeseries_of(app), timeseries_of(pit), check_exact=True)
    for label in ("co_design", "local_champions"):
        a, p = app.strategy_set.get(label), pit.strategy_set.get(label)
        assert a.select == p.select and a.select.rule == NEW_RULE
        assert a.members.tolist() == p.members.tolist()
        assert (a.weeks_active, a.spent) == (p.weeks_active, p.spent), label
    assert app.strategy_set.get("co_design").gained == pit.strategy_set.get("co_design").gained
    assert app.team.spent_by_strategy == pit.team.spent_by_strategy
    assert app.channel_counts == pit.channel_counts


def test_app_retarget_keeps_progress_and_pays_design_gains_once(
    runs: dict[str, AppModel],
) -> None:
    """Co-design's gain and the champions' time in role carry on; the gain is not paid twice.

    The retargeted run picks other people, but the district's compatibility (what co-design
    builds, up to its ``compatibility_gain``) ends exactly where the run without a retarget
    ends, and the strategies keep counting their weeks from their start.
    """
    plain, app = runs["plain"], runs["app"]
    co, co_plain = app.strategy_set.get("co_design"), plain.strategy_set.get("co_design")
    assert co.gained >= app.progress_at_retarget["gained"]  # type: ignore[attr-defined]
    assert co.gained == pytest.approx(co_plain.gained, abs=1e-12)
    assert co.gained <= co.p.compatibility_gain + 1e-12
    assert app.dist.compatibility == pytest.approx(plain.dist.compatibility, abs=1e-12)
    champ = app.strategy_set.get("local_champions")
    assert champ.weeks_active == plain.strategy_set.get("local_champions").weeks_active
    assert champ.weeks_active > app.progress_at_retarget["champion_weeks"]  # type: ignore[attr-defined]
    assert champ.members.tolist() != plain.strategy_set.get("local_champions").members.tolist()

"""The travel log (Tool #6) records the journey; new enactments are credited to channels.

One eventful run (every shock, strategies starting, stopping and changing, short capacity,
planned and unplanned pit stops, decisions) is checked event by event, then written to disk
as the CLI writes it. Channel attribution is checked against an independent count of new
enactments in a run where nobody stops enacting.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scalesim.journey.shocks import SHOCKS
from scalesim.metrics import METRICS
from scalesim.scenario import apply_overrides, month_to_week, scenario_from_dict
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.output import write_run
from scalesim.simulation.runner import RunResult, collect

SMALL: dict[str, Any] = {
    "name": "travel-log",
    "horizon_months": 12,
    "district": {
        "generated": {"n_schools": 24, "educators_per_school": {"mean": 20, "sd": 5, "min": 6}}
    },
    "trip_ticket": {"pit_stops": [3, 6, 9], "destination": {"by_month": 12}},
}
# Strategies whose job is to create enactments directly (they must show up as channels).
ADOPTION = ["proof_point", "local_champions", "coaching", "pilot", "co_design"]
EVENTFUL: dict[str, Any] = {
    **SMALL,
    "team": {"capacity_per_month": 70},
    "strategies": [
        {
            "type": "proof_point",
            "end_month": 8,
            "select": {"rule": "representative", "n_schools": 4},
        },
        {"type": "local_champions", "start_month": 1},
        {"type": "coaching", "params": {"coaches": 2}},
        {"type": "pilot", "end_month": 4},
        {"type": "co_design", "end_month": 6, "priority": 1},
        {"type": "pdsa_cycles"},
        {
            "type": "shape_local_policy",
            "name": "mandate_it",
            "start_month": 7,
            "params": {"mode": "tight"},
        },
    ],
    "shocks": [
        {"type": "superintendent_turnover", "at_month": 2, "pit_stop": True},
        {"type": "principal_turnover", "at_month": 2.5, "params": {"n_schools": 3}},
        {"type": "pandemic", "at_month": 4, "duration_months": 1, "pit_stop": True},
        {"type": "policy_shift", "at_month": 5},
        {"type": "budget_cut", "at_month": 5.5, "duration_months": 2},
        {"type": "competing_initiative", "at_month": 6.5, "duration_months": 2},
        {"type": "teacher_turnover_wave", "at_month": 10, "pit_stop": True},
    ],
    "adaptation": [
        {
            "when": "unplanned and superintendent_changes >= 1",
            "then": {"add": {"type": "educate_policymakers", "name": "re_educate"}},
        },
        {
            "when": "month >= 6",
            "then": {
                "retarget": {
                    "strategy": "coaching",
                    "select": {"rule": "highest_need", "n_schools": 4},
                }
            },
        },
        {"when": "month >= 9", "then": {"rescale": {"strategy": "local_champions", "factor": 0.5}}},
        {"when": "capacity_left < 0.2 and month >= 9", "then": {"drop": "pdsa_cycles"}},
    ],
}


@cache
def eventful(seed: int = 0) -> RunResult:
    """The eventful run's tables."""
    sc = scenario_from_dict(EVENTFUL, source="<test>")
    return collect(ScalingModel(sc, seed=seed).run())


def kinds(res: RunResult, kind: str) -> list[dict[str, Any]]:
    """Log events of one kind."""
    return [e for e in res.log if e["kind"] == kind]


def test_every_shock_is_logged() -> None:
    """Each shock fires once at its date; windowed shocks log their end."""
    res = eventful()
    shocks = {e["shock"]: e for e in kinds(res, "shock")}
    assert set(shocks) == set(SHOCKS), "the eventful run covers every registered shock"
    for spec in EVENTFUL["shocks"]:
        assert shocks[spec["type"]]["week"] == month_to_week(spec["at_month"])
        assert shocks[spec["type"]]["type"] == spec["type"]
    ends = {e["shock"]: e["week"] for e in kinds(res, "shock_end")}
    for spec in EVENTFUL["shocks"]:
        if "duration_months" in spec:
            assert ends[spec["type"]] == month_to_week(spec["at_month"]) + month_to_week(
                spec["duration_months"]
            )
    assert kinds(res, "superintendent_change") and kinds(res, "principal_change")


def test_strategy_start_stop_and_change_are_logged() -> None:
    """Start (with whom), stop (with why) and each change of every strategy."""
    res = eventful()
    starts: dict = {}
    for e in kinds(res, "strategy_start"):  # the first start (a pilot may re-pilot later)
        starts.setdefault(e["strategy"], e)
    labels = [s.get("name", s["type"]) for s in EVENTFUL["strategies"]]
    assert set(labels) | {"re_educate"} == set(starts)
    for spec in EVENTFUL["strategies"]:
        ev = starts[spec.get("name", spec["type"])]
        assert ev["week"] == max(month_to_week(spec.get("start_month", 0)), 1)
        assert {"type", "select", "intensity", "schools", "educators"} <= set(ev)
    stops: dict = {}
    for e in kinds(res, "strategy_stop"):
        stops.setdefault(e["strategy"], e)
    for spec in EVENTFUL["strategies"]:
        if "end_month" in spec:
            assert stops[spec["type"]]["week"] == month_to_week(spec["end_month"])
            assert stops[spec["type"]]["reason"] == "end of timing"
    assert stops["pdsa_cycles"]["reason"].startswith("pit stop rule: ")
    changes = {(e["strategy"], e["change"]) for e in kinds(res, "strategy_change")}
    assert {("coaching", "retarget"), ("local_champions", "rescale")} <= changes
    assert kinds(res, "pilot_evidence"), "the pilot's evidence is logged when it ends"
    assert kinds(res, "pilot_decision"), "and the decision that follows it"


def test_shortfalls_pit_stops_and_decisions_are_logged() -> None:
    """Shortfalls, each pit stop's checklist with observed values, and each decision's rule."""
    res = eventful()
    assert kinds(res, "capacity_shortfall")
    stops = kinds(res, "pit_stop")
    planned = [e for e in stops if e["planned"]]
    unplanned = [e for e in stops if not e["planned"]]
    assert [e["week"] for e in planned] == [month_to_week(m) for m in (3, 6, 9)]
    assert sorted(e["week"] for e in unplanned) == sorted(
        month_to_week(s["at_month"]) + 1 for s in EVENTFUL["shocks"] if s.get("pit_stop")
    )
    for e in stops:
        assert len(e["checklist"]) == 4
        assert all({"question", "answer", "evidence"} <= set(q) for q in e["checklist"])
        assert set(METRICS) <= set(e["observed"])
    decisions = kinds(res, "decision")
    rules = {r["when"] for r in EVENTFUL["adaptation"]}
    assert {d["rule"] for d in decisions} == rules, "every rule fired once in this run"
    for d in decisions:
        stop = next(e for e in stops if e["week"] == d["week"])
        names = {n for n in stop["observed"] if n in d["rule"].split()}
        assert set(d["observed"]) == names
        assert all(d["observed"][n] == stop["observed"][n] for n in names)
        assert d["action"]


def test_log_is_written_as_json_lines(tmp_path: Path) -> None:
    """The written travel_log.jsonl is the log, event for event, in order."""
    res = eventful()
    sc = scenario_from_dict(EVENTFUL, source="<test>")
    out = write_run(res, tmp_path / "run", sc, command="test")
    lines = (out / "travel_log.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == json.loads(json.dumps(res.log))
    weeks = [json.loads(x)["week"] for x in lines]
    assert weeks == sorted(weeks), "events are in time order"
    for name in ("pit_stops", "strategies", "shortfalls"):
        assert (out / f"{name}.parquet").exists() and (out / f"{name}.csv").exists()


def test_channels_name_strategies_peer_external_and_mandate() -> None:
    """Enactments are credited to each adoption strategy's label, peers, external, mandate."""
    res = eventful()
    channels = set(res.channels["channel"])
    assert {*ADOPTION, "peer", "external", "mandate"} <= channels, channels
    by_channel = res.channels.groupby("channel")["new_enacting"].sum().to_dict()
    assert res.summary["adoptions_by_channel"] == by_channel
    credited = res.extra["strategies"].set_index("strategy")["credited_enactments"]
    for label in ADOPTION:
        assert credited[label] == by_channel[label] > 0
    # The mandate channel only exists while the practice is tight.
    first_mandate = res.channels.loc[res.channels["channel"] == "mandate", "week"].min()
    assert first_mandate >= month_to_week(7)


@pytest.mark.parametrize("rule", ["bass", "threshold"])
def test_channel_counts_sum_to_new_enactments(rule: str) -> None:
    """Each week the channels add up to the educators who started enacting that week.

    Abandonment, turnover, the pandemic's stops and a new superintendent's drops are switched
    off, so a start is the only way into enactment and nobody leaves it: the independent count
    is exact.
    """
    data = apply_overrides(
        EVENTFUL,
        {
            "adoption.rule": rule,
            "abandonment.enabled": False,
            "turnover.enabled": False,
            "shocks": [
                s
                for s in EVENTFUL["shocks"]
                if s["type"] not in ("pandemic", "teacher_turnover_wave", "superintendent_turnover")
            ],
        },
    )
    for seed in (0, 1):
        m = ScalingModel(scenario_from_dict(data, source="<test>"), seed=seed)
        counted = []
        while m.week < m.n_weeks:
            before = m.ed.enacting.copy()
            m.step()
            assert not (before & ~m.ed.enacting).any(), "nobody may stop in this setting"
            counted.append(int((m.ed.enacting & ~before).sum()))
        ch = pd.DataFrame(m.channel_rows)
        per_week = (
            ch.groupby("week")["new_enacting"]
            .sum()
            .reindex(range(1, m.n_weeks + 1), fill_value=0)
            .to_numpy()
        )
        assert np.array_equal(per_week, np.array(counted)), "channels != new enactments"
        assert sum(counted) > 50
        assert sum(m.channel_counts.values()) == sum(counted)

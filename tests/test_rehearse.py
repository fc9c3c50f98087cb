"""Rehearsal from a pit stop: branches share their past exactly and diverge after (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from exp_helpers import DEFAULT, TINY
from scalesim.common.errors import ScalesimInputError
from scalesim.metrics import METRICS
from scalesim.scenario import load_scenario, month_to_week
from scalesim.simulation.runner import run_one
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.rehearse import load_options, rehearse
from scalesim.workbench.store import load_results

OPTIONS = {
    "options": {
        "continue": {},
        "push": {"overrides": {"adoption.p_external": 1.5, "conditions.leadership_support": 0.9}},
        "champions": {
            "strategies": [
                {"type": "local_champions", "select": {"rule": "most_credible", "per_school": 2}},
            ]
        },
    }
}
AT = 3.0


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("reh")
    opt_file = d / "options.yaml"
    opt_file.write_text(yaml.safe_dump(OPTIONS, sort_keys=False), encoding="utf-8")
    sc = load_scenario(DEFAULT, TINY)
    opts = load_options(opt_file, sc)
    out = d / "out"
    tables = rehearse(
        sc,
        AT,
        opts,
        [11, 12, 13],
        SerialExecutor(),
        out,
        scenario_source=str(DEFAULT),
        options_source=str(opt_file),
    )
    return sc, tables, out


def test_branches_identical_up_to_branch_then_diverge(result) -> None:
    """Every metric is equal across branches through the branch week; branches differ after."""
    _, tables, _ = result
    ts = tables["timeseries"]
    bw = month_to_week(AT)
    metrics = [m for m in METRICS if m in ts.columns]
    for rep, cur in ts.groupby("replicate"):
        by = {o: g.set_index("week")[metrics] for o, g in cur.groupby("option")}
        base = by["continue"]
        for opt in ("push", "champions"):
            pd.testing.assert_frame_equal(by[opt].loc[:bw], base.loc[:bw])
            after = by[opt].loc[bw + 1 :]
            assert not after.equals(base.loc[bw + 1 :]), f"{opt} never diverged (rep {rep})"
        # Divergence starts right after the branch point for the mechanism change.
        diff = (by["push"]["share_enacting"] - base["share_enacting"]).abs()
        assert diff.loc[:bw].max() == 0.0 and diff.loc[bw + 1 :].max() > 0


def test_continue_branch_equals_an_unbroken_run(result) -> None:
    """Checkpointing is exact: the no-change branch reproduces a straight run of the seed."""
    sc, tables, _ = result
    ts = tables["timeseries"]
    for seed in (11, 13):
        straight = run_one(sc, seed).timeseries.reset_index(drop=True)
        branch = ts[(ts["option"] == "continue") & (ts["seed"] == seed)]
        branch = branch[straight.columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(branch, straight)


def test_effects_after_branch_make_sense(result) -> None:
    """Pushing adoption raises enactment on every seed; champions cost capacity."""
    _, tables, _ = result
    runs = tables["runs"].set_index(["option", "replicate"])
    for r in range(3):
        assert runs.loc[("push", r), "share_enacting"] > runs.loc[("continue", r), "share_enacting"]
        assert runs.loc[("champions", r), "capacity_spent"] > 0
        assert runs.loc[("continue", r), "capacity_spent"] == 0


def test_rehearse_folder_as_documented(result) -> None:
    """The folder is a compare folder plus the branch point in its manifest."""
    _, _, out = result
    m = json.loads((out / "manifest.json").read_text())
    assert (m["kind"], m["format"]) == ("rehearse", "scalesim.rehearse/1")
    assert m["branch_week"] == month_to_week(AT) and m["at_month"] == AT
    assert m["baseline"] == "continue" and [o["name"] for o in m["options"]] == [
        "continue",
        "push",
        "champions",
    ]
    assert (out / "history_scenario.yaml").exists()
    runs = load_results(out)
    assert list(runs["task_id"]) == list(range(9))
    assert (runs["status"] == "ok").all()
    log = load_results(out, "log")
    assert (log[log["kind"] == "branch"]["week"] == m["branch_week"]).all()
    assert "strategy_set_replaced" in set(log[log["option"] == "champions"]["kind"])
    comp = load_results(out, "comparison")
    assert set(comp["option"]) == {"continue", "push", "champions"}
    assert (out / "figures" / "trajectories.png").exists()


def _opts(tmp_path: Path, doc: dict) -> Path:
    p = tmp_path / "o.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("doc", "field", "expect"),
    [
        (
            {"options": {"x": {"overrides": {"district.generated.n_schools": 3}}}},
            "options.x.overrides.district.generated.n_schools",
            "cannot change after the branch",
        ),
        (
            {"options": {"x": {"overrides": {"adoption.p_externl": 3}}}},
            "options.x.overrides.adoption.p_externl",
            "is not a scenario field",
        ),
        (
            {"options": {"x": {"overrides": {"adoption.p_external": -3}}}},
            "options.x",
            "greater than or equal to 0",
        ),
        (
            {"options": {"x": {"strategies": [{"type": "no_such_strategy"}]}}},
            "options.x",
            "no_such_strategy",
        ),
        ({"options": {}}, "options", "at least 1"),
        ({"option": {}}, "option", "unknown key"),
    ],
)
def test_bad_options_file(tmp_path: Path, doc: dict, field: str, expect: str) -> None:
    """A bad options file names the file, the field and the expectation."""
    p = _opts(tmp_path, doc)
    with pytest.raises(ScalesimInputError) as info:
        load_options(p, load_scenario(DEFAULT, TINY))
    assert info.value.source == str(p)
    assert info.value.field == field, str(info.value)
    assert expect in info.value.problem, str(info.value)


def test_cli_rehearse_bad_month_exit_2(tmp_path: Path, capsys) -> None:
    """A branch month past the horizon: exit 2, nothing written."""
    from scalesim.cli import main

    scen = tmp_path / "s.yaml"
    scen.write_text(
        yaml.safe_dump(
            {"base": str(DEFAULT), "horizon_months": 6, "trip_ticket": {"pit_stops": [3]}}
        ),
        encoding="utf-8",
    )
    p = _opts(tmp_path, {"options": {"a": {}}})
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(
            ["rehearse", str(scen), "--at", "7", "--options", str(p), "--out", str(out), "--quiet"]
        )
    assert info.value.code == 2
    assert "--at: expected a month in [0, 6)" in capsys.readouterr().err
    assert not out.exists()


def test_common_random_numbers_across_branches() -> None:
    """After the branch point, branches draw the same numbers wherever their choices allow.

    From one checkpoint, the baseline carries on and the other branch raises external
    influence: the histories part, yet every state-free mechanism's stream stands at the same
    position in both branches every week (the branches share those draws, so their difference
    is the option's effect, not luck). A branch identical to the baseline repeats it exactly.
    """
    import pickle

    from scalesim.simulation.model import ScalingModel
    from scalesim.simulation.runner import collect
    from scalesim.workbench.rehearse import apply_option
    from test_determinism import STATE_FREE_STREAMS

    model = ScalingModel(load_scenario(DEFAULT, TINY), seed=12)
    model.run_for(month_to_week(AT))
    checkpoint = pickle.dumps(model)
    base, push, same = (pickle.loads(checkpoint) for _ in range(3))
    apply_option(push, OPTIONS["options"]["push"]["overrides"], None)
    apply_option(same, {}, None)
    while base.running:
        for m in (base, push, same):
            m.step()
        for name in STATE_FREE_STREAMS:
            assert base.streams.state(name) == push.streams.state(name), f"{name}, {base.week}"
    assert base.current["share_enacting"] != push.current["share_enacting"]
    a, c = collect(base), collect(same)
    pd.testing.assert_frame_equal(a.timeseries, c.timeseries, check_exact=True)
    assert a.log == c.log


def test_rehearse_pairs_options_on_the_replicate_seeds(result) -> None:
    """Every option ran on the same replicate seeds, in replicate order."""
    _, tables, _ = result
    runs = tables["runs"]
    for opt in ("continue", "push", "champions"):
        assert list(runs[runs["option"] == opt]["seed"]) == [11, 12, 13]

"""The search finds a known cheaper set, gives the same answer for the same seed, refuses bad input.

The scenario is a tiny district whose trip ticket asks for nothing (target 0), so every
candidate reaches it on every seed and the cheapest candidate is known: champions (always
on) at the lowest intensity, with the optional strategies off. This holds whatever the
model's calibration. Candidates are compared on cost and on the probability of reaching the
trip ticket with its equity clause (``tt_reached``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from exp_helpers import DEFAULT
from scalesim.cli import main
from scalesim.scenario import load_scenario
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.optimize import evaluate_set, load_problem, run_optimize

SCENARIO = {
    "base": str(DEFAULT),
    "name": "tiny-opt",
    "district": {
        "generated": {"n_schools": 6, "educators_per_school": {"mean": 16, "sd": 4, "min": 4}}
    },
    "horizon_months": 4,
    "trip_ticket": {
        "destination": {"target": 0.0, "equity_target": 0.0, "min_depth": 0.3, "by_month": 4},
        "pit_stops": [2],
    },
}
LEVERS = {
    "name": "tiny",
    "strategies": {
        "local_champions": {
            "optional": False,
            "intensity": {"low": 0.5, "high": 2.0, "step": 0.5},
            "select": [{"rule": "most_credible", "per_school": 1}],
        },
        "coaching": {"params": {"coaches": 2}},
        "pdsa_cycles": {},
    },
    "replicates": {"count": 2, "seed": 4},
}
CHEAP = {"local_champions.intensity": 0.5, "coaching.on": False, "pdsa_cycles.on": False}
DEAR = {"local_champions.intensity": 2.0, "coaching.on": True, "pdsa_cycles.on": True}
TRIALS = 24


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    lv = tmp_path / "levers.yaml"
    lv.write_text(yaml.safe_dump(LEVERS), encoding="utf-8")
    return sc, lv


def _search(files: tuple[Path, Path], out: Path, seed: int = 1) -> pd.DataFrame:
    prob = load_problem(*files, trials=TRIALS, batch=8, seed=seed)
    run_optimize(prob, out, SerialExecutor())
    return pd.read_parquet(out / "trials.parquet")


def test_front_has_a_point_at_least_as_good_as_the_known_cheaper_set(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    prob = load_problem(*files, trials=TRIALS, batch=8)
    cheap = evaluate_set(prob, CHEAP, SerialExecutor())
    dear = evaluate_set(prob, DEAR, SerialExecutor())
    # The construction: both sets reach the trip ticket as often; the cheap one costs less.
    assert cheap["tt_reached"] == dear["tt_reached"] == 1.0
    assert cheap["capacity_spent"] < dear["capacity_spent"]
    trials = _search(files, tmp_path / "out")
    front = trials[trials["on_front"]]
    assert len(trials) == TRIALS and (trials["state"] == "complete").all()
    good = front[
        (front["capacity_spent"] <= cheap["capacity_spent"] + 1e-9)
        & (front["tt_reached"] >= cheap["tt_reached"])
    ]
    assert len(good), front[["trial", "capacity_spent", "tt_reached", "set"]]
    # No front point is dominated by the expensive set, and the dear set is not on the front.
    assert not (
        (front["capacity_spent"] >= dear["capacity_spent"]) & (front["tt_reached"] < 1)
    ).any()
    # Every candidate is in the store: one runs row per candidate and seed.
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert len(runs) == TRIALS * 2 and set(runs["trial"]) == set(range(TRIALS))
    assert runs.groupby("trial")["seed"].apply(tuple).nunique() == 1  # common random numbers
    # The front's sets are runnable scenario files.
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["kind"] == "optimize" and len(m["sets"]) == len(front) and 1 <= len(m["picked"]) <= 3
    for rel in m["sets"]:
        sc = load_scenario(tmp_path / "out" / rel)
        assert sc.strategies[0].type == "local_champions"


def test_same_seed_same_results_other_seed_differs(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a = _search(files, tmp_path / "a")
    b = _search(files, tmp_path / "b")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a" / "runs.parquet"),
        pd.read_parquet(tmp_path / "b" / "runs.parquet"),
    )
    c = _search(files, tmp_path / "c", seed=2)
    assert not a["set"].equals(c["set"])


def test_two_worker_processes_give_the_serial_results(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    serial = _search(files, tmp_path / "serial")
    sc, lv = files
    out = tmp_path / "procs"
    with pytest.raises(SystemExit) as info:
        main(
            ["optimize", str(sc), "--levers", str(lv), "--trials", str(TRIALS), "--batch", "8",
             "-w", "2", "--out", str(out), "--quiet"]
        )  # fmt: skip
    assert info.value.code == 0
    pd.testing.assert_frame_equal(serial, pd.read_parquet(out / "trials.parquet"))


@pytest.mark.parametrize(
    ("change", "args", "needle"),
    [
        ({"strategies": {"local_champions": {"dose": 2}}}, [], "strategies.local_champions.dose"),
        ({"overrides": {"team.capacty": {"low": 1, "high": 2}}}, [], "'team.capacty' is not a"),
        ({"strategies": {"not_a_strategy": {}}}, [], "not_a_strategy"),
        ({}, ["--objectives", "capacity_spent,happiness"], "'happiness' is not a metric"),
        ({}, ["--objectives", "capacity_spent,capacity_left"], "information metric"),
        ({}, ["--trials", "0"], "--trials: expected at least 1 trial"),
    ],
)
def test_bad_input_exit_2_nothing_written(
    files: tuple[Path, Path], tmp_path: Path, capsys, change, args, needle
) -> None:
    sc, lv = files
    lv.write_text(yaml.safe_dump({**LEVERS, **change}), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["optimize", str(sc), "--levers", str(lv), "--out", str(out), *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and err.startswith("error: "), err
    assert not out.exists()


def test_robust_optimisation_runs_every_candidate_in_the_same_futures(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    """With uncertainties, each candidate runs at the same sampled futures on the same seeds."""
    sc, lv = files
    doc = {
        **LEVERS,
        "uncertainties": {"turnover.superintendent": {"low": 0.0, "high": 0.4}},
        "sample": {"n": 2, "seed": 3},
    }
    lv.write_text(yaml.safe_dump(doc), encoding="utf-8")
    prob = load_problem(sc, lv, trials=4, batch=4)
    assert len(prob.futures) == 2
    run_optimize(prob, tmp_path / "out", SerialExecutor())
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert len(runs) == 4 * 2 * 2
    per_trial = runs.groupby("trial")[["point", "turnover.superintendent", "seed"]].apply(
        lambda d: tuple(map(tuple, d.to_numpy()))
    )
    assert per_trial.nunique() == 1  # same futures and seeds for every candidate
    assert runs["turnover.superintendent"].nunique() == 2


def test_dask_gives_the_serial_results(files: tuple[Path, Path], tmp_path: Path) -> None:
    """A local Dask cluster (threads, to keep the test quick) tells Optuna the same results."""
    from scalesim.workbench.executors import DaskExecutor

    prob = load_problem(*files, trials=8, batch=4)
    run_optimize(prob, tmp_path / "serial", SerialExecutor())
    with DaskExecutor("local", workers=2, processes=False) as ex:
        run_optimize(prob, tmp_path / "dask", ex)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "serial" / "trials.parquet"),
        pd.read_parquet(tmp_path / "dask" / "trials.parquet"),
    )


@pytest.mark.parametrize(
    "path",
    sorted((DEFAULT.parents[1] / "experiments" / "levers").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_shipped_levers_files_validate(path: Path) -> None:
    """Every levers file in experiments/levers/ loads against the default district."""
    prob = load_problem(DEFAULT, path, trials=1)
    assert prob.levers.genes and len(prob.seeds) >= 1

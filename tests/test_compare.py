"""Paired comparisons on common random numbers (issue 4)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from exp_helpers import DEFAULT, TINY
from scalesim.scenario import load_scenario
from scalesim.simulation.model import ScalingModel
from scalesim.workbench.compare import Option, compare, run_options
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.experiment_schema import derive_seeds
from scalesim.workbench.stats import comparison_table, t_interval, wilson
from scalesim.workbench.store import load_results

# Metrics whose paired differences must all be covered by the 20-replicate intervals.
MAIN = (
    "share_enacting",
    "share_aware",
    "students_reached",
    "reach_furthest",
    "high_need_coverage",
    "mean_depth",
    "mean_ownership",
    "schools_left_behind",
)


def tiny(**over: object):
    return load_scenario(DEFAULT, {**TINY, **over})


def test_t_interval_and_wilson_known_values() -> None:
    """Textbook values: t-interval of 1..5 and Wilson intervals of 0/10 and 5/10."""
    mean, sd, lo, hi = t_interval(np.array([1.0, 2, 3, 4, 5]))
    assert (mean, round(sd, 4), round(lo, 3), round(hi, 3)) == (3.0, 1.5811, 1.037, 4.963)
    assert t_interval(np.array([2.0, 2.0, 2.0]))[2:] == (2.0, 2.0)
    p, lo, hi = wilson(0, 10)
    assert (p, lo, round(hi, 4)) == (0.0, 0.0, 0.2775)
    p, lo, hi = wilson(5, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.2366, 0.7634)


def test_identical_options_give_exactly_zero_difference() -> None:
    """Two identical strategy sets on common seeds: every paired difference is exactly 0."""
    sc = tiny()
    tables = compare([Option("a", sc), Option("b", sc)], derive_seeds(3, 6), SerialExecutor())
    comp = tables["comparison"]
    b = comp[comp["option"] == "b"]
    assert len(b) >= 20
    assert (b["diff"] == 0.0).all() and (b["diff_ci_low"] == 0.0).all()
    assert (b["diff_ci_high"] == 0.0).all()
    a = comp[comp["option"] == "a"].set_index("metric")
    assert (b.set_index("metric")["mean"] == a["mean"]).all()
    tt = tables["trip_ticket"].set_index("option")
    assert tt.loc["a", "p_reached"] == tt.loc["b", "p_reached"]


def test_paired_intervals_cover_the_reference_difference() -> None:
    """20-replicate paired intervals cover the difference measured on 400 replicates.

    Eight metrics are claimed at once, so each interval is taken at the Bonferroni level
    1 − 0.05/8: together they cover their eight reference differences with probability at
    least 95% (eight separate 95% intervals would all cover only about two times in three).
    The seed sets are fixed (roots 1 and 1000), so the check is deterministic. The
    reference mean's own standard error (400 replicates: sd/20) is a small fraction of the
    intervals' half-width (t · sd/√20 ≈ 0.7 sd), so it cannot decide the verdict by itself.
    """
    a, b = tiny(), tiny(**{"adoption.p_external": 0.6, "conditions.leadership_support": 0.7})
    opts = [Option("a", a), Option("b", b)]
    small = run_options(opts, derive_seeds(1, 20), SerialExecutor(), tables=())["runs"]
    family = 1 - 0.05 / len(MAIN)
    comp = comparison_table(small, "a", metrics=MAIN, conf=family).set_index(["option", "metric"])
    # The reference only needs end values: read them straight from the model.
    ref = {m: [] for m in MAIN}
    for seed in derive_seeds(1000, 400):
        ends = []
        for sc in (a, b):
            model = ScalingModel(sc, seed=seed)
            model.run()
            ends.append(model.current)
        for m in MAIN:
            ref[m].append(ends[1][m] - ends[0][m])
    for m in MAIN:
        lo, hi = comp.loc[("b", m), ["diff_ci_low", "diff_ci_high"]]
        truth = float(np.mean(ref[m]))
        assert lo <= truth <= hi, f"{m}: reference Δ {truth:.4f} outside [{lo:.4f}, {hi:.4f}]"
    # The intervals are paired ones: each is the t-interval of the per-seed differences.
    runs = small.set_index(["option", "replicate"])
    for m in MAIN:
        delta = (runs.loc["b", m] - runs.loc["a", m]).to_numpy()
        half = stats.t.ppf(0.5 + family / 2, delta.size - 1) * delta.std(ddof=1)
        want = (
            delta.mean() - half / np.sqrt(delta.size),
            delta.mean() + half / np.sqrt(delta.size),
        )
        got = tuple(comp.loc[("b", m), ["diff_ci_low", "diff_ci_high"]])
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), m
    # Not vacuous: the options really differ, and the tool's own 95% interval says so.
    main = comparison_table(small, "a", metrics=MAIN).set_index(["option", "metric"])
    assert main.loc[("b", "share_enacting"), "diff_ci_low"] > 0
    assert main.loc[("b", "share_enacting"), "verdict"] == "better"


def _write(path: Path, overrides: dict) -> Path:
    doc = {"base": str(DEFAULT), "name": path.stem}
    for k, v in {**TINY, **overrides}.items():
        node = doc
        *head, last = k.split(".")
        for h in head:
            node = node.setdefault(h, {})
        node[last] = v
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_compare_command_writes_documented_folder(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """The real command writes tables, Markdown, PNG figures and a manifest as documented."""
    a = _write(tmp_path / "plain.yaml", {})
    b = _write(tmp_path / "mandate.yaml", {"conditions.mandate": "tight"})
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [*scalesim_cmd, "compare", str(a), str(b), "--reps", "4", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "mandate against plain" in proc.stdout  # the terminal table (test_cli_tables.py)
    assert "mandate − plain" in (out / "comparison.md").read_text(encoding="utf-8")
    m = json.loads((out / "manifest.json").read_text())
    assert (m["kind"], m["format"], m["baseline"]) == ("compare", "scalesim.compare/1", "plain")
    assert [o["name"] for o in m["options"]] == ["plain", "mandate"]
    assert m["reps"] == 4 and m["seeds"] == derive_seeds(1, 4)
    for t in (
        "runs",
        "timeseries",
        "schools",
        "channels",
        "log",
        "comparison",
        "trip_ticket",
        "bands",
        "equity_by_need",
    ):
        assert (out / f"{t}.parquet").exists() and (out / f"{t}.csv").exists(), t
    for f in m["figures"]:
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f
    assert set(m["figures"]) == {"figures/trajectories.png", "figures/equity_by_need.png"}
    runs = load_results(out)
    assert list(runs["task_id"]) == list(range(8))
    assert list(runs["option"]) == ["plain"] * 4 + ["mandate"] * 4
    comp = load_results(out, "comparison")
    row = comp[(comp["option"] == "mandate") & (comp["metric"] == "share_enacting")].iloc[0]
    paired = (
        runs[runs.option == "mandate"]["share_enacting"].to_numpy()
        - runs[runs.option == "plain"]["share_enacting"].to_numpy()
    )
    assert row["diff"] == pytest.approx(paired.mean(), abs=1e-12)
    bands = load_results(out, "bands")
    assert set(bands.columns) >= {
        "option",
        "week",
        "month",
        "metric",
        "mean",
        "ci_low",
        "ci_high",
        "p10",
        "p90",
    }
    assert (out / "options" / "mandate" / "scenario.yaml").exists()


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["ONE"], "give at least two scenario files"),
        (["ONE", "ONE", "--seeds", "1,x"], "--seeds: expected comma-separated integers"),
        (["ONE", "missing.yaml"], "missing.yaml: file not found"),
        (["ONE", "ONE", "--name", "a"], "--name: give one --name per scenario"),
    ],
)
def test_compare_bad_input_exit_2(tmp_path: Path, capsys, args: list[str], expect: str) -> None:
    """Bad arguments: one clear line, exit code 2, nothing written."""
    from scalesim.cli import main

    one = str(_write(tmp_path / "one.yaml", {}))
    out = tmp_path / "out"
    argv = [
        "compare",
        *[one if a == "ONE" else str(tmp_path / a) if a.endswith(".yaml") else a for a in args],
        "--out",
        str(out),
        "--quiet",
    ]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert expect in capsys.readouterr().err
    assert not out.exists()

"""The result store: kill -9 the sweep, resume, and get exactly the uninterrupted results."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from exp_helpers import TINY, experiment, tree_digest, write
from scalesim.common.errors import ScalesimInputError
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.experiment import load_experiment
from scalesim.workbench.store import SweepStore, load_results
from scalesim.workbench.sweep import run_sweep

# 36 runs of a 20-school district over 9 months in chunks of 3: long enough (a few seconds
# on 2 workers) to be killed part-way, short enough for the suite.
KILL_DOC = experiment(
    overrides={**TINY, "district.generated.n_schools": 20, "horizon_months": 9},
    uncertainties={"conditions.leadership_support": {"low": 0.2, "high": 0.8}},
    design={"method": "full_grid", "levels": 3},
    replicates={"count": 6, "seed": 2},
    store={"chunk": 3},
)
N_TASKS = 3 * 2 * 6


def _stored(out: Path) -> int:
    """Runs stored so far (rows of the runs chunks; a half-written file is not counted)."""
    folder = out / "parts" / "runs"
    files = sorted(folder.glob("chunk-*.parquet")) if folder.is_dir() else []
    return sum(pq.read_metadata(f).num_rows for f in files)


def test_sigkill_then_resume_equals_uninterrupted(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """SIGKILL of the parent mid-sweep, then --resume: same bytes, no run lost or duplicated."""
    exp_file = write(tmp_path / "kill.yaml", KILL_DOC)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [*scalesim_cmd, "sweep", str(exp_file), "--out", str(out), "--workers", "2", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while _stored(out) < 3:
            assert proc.poll() is None, f"sweep ended early: {proc.stderr.read().decode()}"
            assert time.monotonic() < deadline, "no run stored within 120 s"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        # The orphaned workers belong to the process group we started; end them too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    at_kill = _stored(out)
    assert 3 <= at_kill < N_TASKS, f"{at_kill} of {N_TASKS} stored: not killed part-way"
    assert at_kill % 3 == 0, "only whole chunks are stored"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running", "the killed parent could not finish its manifest"
    assert not (out / "runs.parquet").exists()

    resumed = subprocess.run(
        [*scalesim_cmd, "sweep", str(exp_file), "--out", str(out), "--resume", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{N_TASKS} of {N_TASKS} runs stored" in resumed.stdout
    match = re.search(r"\((\d+) run now, (\d+) already there\)", resumed.stdout)
    assert match, resumed.stdout
    ran_now, skipped = int(match[1]), int(match[2])
    # The dying parent may have stored one more chunk after we counted.
    assert ran_now + skipped == N_TASKS and at_kill <= skipped <= at_kill + 3

    ref = tmp_path / "uninterrupted"
    run_sweep(load_experiment(exp_file), ref, SerialExecutor())
    assert tree_digest(out) == tree_digest(ref), "resumed results differ from uninterrupted"
    runs = load_results(out)
    assert sorted(runs["task_id"]) == list(range(N_TASKS)), "a run was lost or duplicated"
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["counts"] == {"ok": N_TASKS, "error": 0, "pending": 0}
    assert len(m["timing"]["sessions"]) == 2
    assert not list(out.rglob(".tmp-*")), "temporary files left behind"


def test_resume_refuses_another_experiment(tmp_path: Path) -> None:
    """Resuming with a changed experiment is refused: results never mix."""
    a = load_experiment(write(tmp_path / "a.yaml", experiment(replicates=[1])))
    run_sweep(a, tmp_path / "out", SerialExecutor())
    b = load_experiment(write(tmp_path / "a.yaml", experiment(replicates=[2])))
    with pytest.raises(ScalesimInputError, match="different experiment"):
        run_sweep(b, tmp_path / "out", SerialExecutor(), resume=True)


def test_resume_cleans_half_written_files_and_reruns_missing(tmp_path: Path) -> None:
    """A missing chunk and a half-written temporary file: resume runs just that chunk."""
    exp = load_experiment(
        write(tmp_path / "e.yaml", experiment(replicates=[4], store={"chunk": 1}))
    )
    out = tmp_path / "out"
    run_sweep(exp, out, SerialExecutor())
    full = tree_digest(out)
    (out / "parts" / "runs" / "chunk-0000002.parquet").unlink()
    (out / "parts" / "runs" / ".tmp-abc").write_bytes(b"half")
    rep = run_sweep(exp, out, SerialExecutor(), resume=True)
    assert (rep.ran, rep.skipped) == (1, 3)
    assert tree_digest(out) == full
    assert not list(out.rglob(".tmp-*"))


def test_retry_failed_reruns_only_errors(tmp_path: Path) -> None:
    """--retry-failed re-runs stored failures (and nothing else)."""
    doc = experiment(
        uncertainties={"adoption.p_external": [0.03, -1.0]},
        levers={},
        replicates=[1],
        store={"chunk": 1},
    )
    exp = load_experiment(write(tmp_path / "e.yaml", doc))
    run_sweep(exp, tmp_path / "out", SerialExecutor())
    rep = run_sweep(exp, tmp_path / "out", SerialExecutor(), resume=True)
    assert rep.ran == 0
    rep = run_sweep(exp, tmp_path / "out", SerialExecutor(), resume=True, retry_failed=True)
    assert (rep.ran, rep.error) == (1, 1)


def test_load_results_errors(tmp_path: Path) -> None:
    """Not a results folder, or a missing table: a clear error."""
    with pytest.raises(ScalesimInputError, match=r"no manifest\.json"):
        load_results(tmp_path)
    (tmp_path / "manifest.json").write_text(
        json.dumps({"kind": "compare", "format": "scalesim.compare/9"})
    )
    with pytest.raises(ScalesimInputError, match=r"expected 'scalesim\.compare/1'"):
        load_results(tmp_path)
    (tmp_path / "manifest.json").write_text(
        json.dumps({"kind": "compare", "format": "scalesim.compare/1"})
    )
    with pytest.raises(ScalesimInputError, match=r"runs: missing table \(runs.parquet"):
        load_results(tmp_path)


def test_store_create_refuses_non_empty(tmp_path: Path) -> None:
    """A new store never writes into a non-empty folder."""
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(ScalesimInputError, match="not empty"):
        SweepStore.create(tmp_path / "x", {"experiment": {"hash": "h"}}, {})
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["keep.txt"]

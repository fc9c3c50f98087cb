"""The result store: kill -9 the sweep, resume, and get exactly the uninterrupted results."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from exp_helpers import TINY, experiment, tree_digest, write
from scalesim.common.errors import ScalesimInputError
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.experiment import load_experiment
from scalesim.workbench.store import SweepStore, load_results
from scalesim.workbench.sweep import run_sweep

# 36 runs of a 20-school district over 9 months in chunks of 3: twelve chunks, so a sweep
# held after its first chunk is part-way.
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


# A real sweep on the real 2-process executor that holds still as soon as its first chunk is
# stored: its progress callback (called after each stored result) prints "held" and then
# blocks on stdin, which the test never closes. The parent is the only writer of the store,
# so from then on nothing more is stored: the test kills it at a known state, not at
# whatever moment a poll happened to see.
HOLD_AFTER_FIRST_CHUNK = r"""
import sys
from pathlib import Path
from scalesim.workbench.executors import ProcessExecutor
from scalesim.workbench.experiment import load_experiment
from scalesim.workbench.sweep import run_sweep
out = Path(sys.argv[2])

def hold(done, failed, total):
    if any((out / "parts" / "runs").glob("chunk-*.parquet")):
        print("held", done, total, flush=True)
        sys.stdin.read()

with ProcessExecutor(2) as ex:
    run_sweep(load_experiment(sys.argv[1]), out, ex, on_progress=hold)
"""
# Guards against a hang (the child never reaching its hold), not a timing.
HANG_GUARD_S = 300


def test_sigkill_then_resume_equals_uninterrupted(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """SIGKILL of the parent mid-sweep, then --resume: same bytes, no run lost or duplicated."""
    exp_file = write(tmp_path / "kill.yaml", KILL_DOC)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_AFTER_FIRST_CHUNK, str(exp_file), str(out)],
        start_new_session=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(HANG_GUARD_S, lambda: os.killpg(proc.pid, signal.SIGKILL))
    guard.start()
    try:
        line = proc.stdout.readline()  # returns once the sweep holds (or dies)
        assert line.startswith("held"), f"sweep ended before holding: {proc.stderr.read()}"
        at_kill = _stored(out)
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers (its process group)
        proc.wait(timeout=30)
    finally:
        guard.cancel()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    assert at_kill == 3, f"{at_kill} of {N_TASKS} stored when held after the first chunk"
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
    assert (int(match[1]), int(match[2])) == (N_TASKS - at_kill, at_kill)

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

"""Kill the sweep's parent, kill a worker, press Ctrl-C, at random points; then resume.

Each trial starts the real ``scalesim sweep --workers 2`` in its own session, interrupts it
at a random (seeded) moment in one of three ways, checks how it ended (exit code, at most
one clear line on stderr, never a traceback) and that no process of its session is left
alive, then finishes the sweep with ``--resume`` (or afresh, if it was stopped before its
store existed). The finished folder must be byte for byte the uninterrupted sweep's: no run
lost, none duplicated. A corrupt chunk (truncated, or a flipped byte that only the checksum
sees) is re-run by ``--resume``.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from exp_helpers import DEFAULT as DEFAULT_SCENARIO
from exp_helpers import TINY, experiment, tree_digest, write
from scalesim.workbench.store import load_results

# 24 runs of a tiny district in chunks of 2: a few seconds on 2 workers.
DOC = experiment(
    overrides={**TINY, "horizon_months": 6},
    uncertainties={"conditions.leadership_support": {"low": 0.2, "high": 0.8}},
    design={"method": "full_grid", "levels": 3},
    replicates={"count": 4, "seed": 3},
    store={"chunk": 2},
)
N_TASKS = 3 * 2 * 4
TRIALS = 10
SEED = 15  # the random interruption points are the same on every run of the suite


def alive_in_session(sid: int) -> list[str]:
    """Processes of session ``sid`` that are still running (zombies are already dead)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(f"{d} {fields[0]} {cmd[:120]}")
    return out


def workers_of(pid: int) -> list[int]:
    """The worker processes (not the resource tracker) the sweep ``pid`` started."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = []
    for k in kids:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes():
                out.append(int(k))
    return out


def wait_gone(sid: int, seconds: float = 20.0) -> list[str]:
    """Wait until nothing of session ``sid`` runs; what is left after ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := alive_in_session(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def sweep(cmd: list[str], exp: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """A sweep run to its end."""
    return subprocess.run(
        [*cmd, "sweep", str(exp), "--out", str(out), "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@contextlib.contextmanager
def in_own_session(args: list[str]) -> Iterator[subprocess.Popen]:
    """Start ``args`` in a process group of its own (stderr piped); kill the group at the end."""
    proc = subprocess.Popen(
        args, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def ctrl_c(proc: subprocess.Popen) -> tuple[str, list[str]]:
    """Ctrl-C to ``proc``'s whole group; its stderr, and what of the group is still running."""
    os.killpg(proc.pid, signal.SIGINT)
    _, raw = proc.communicate(timeout=120)
    return raw.decode(), wait_gone(proc.pid)


def interrupt_once(cmd: list[str], exp: Path, out: Path, how: str, delay: float) -> tuple:
    """Start a 2-worker sweep, interrupt it ``how`` after ``delay`` s of work; its end."""
    args = [*cmd, "sweep", str(exp), "--out", str(out), "--workers", "2", "--quiet"]
    with in_own_session(args) as proc:
        # The random point is measured from when the workers exist (the start of the
        # interpreter and of Mesa is not what is being tested).
        deadline = time.monotonic() + 120
        while len(workers_of(proc.pid)) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "no workers within 120 s"
            time.sleep(0.02)
        time.sleep(delay)
        if proc.poll() is None:
            if how == "parent":
                os.kill(proc.pid, signal.SIGKILL)
            elif how == "worker":
                kids = workers_of(proc.pid)
                if kids:
                    os.kill(kids[0], signal.SIGKILL)
            else:  # Ctrl-C: the terminal signals the whole foreground process group
                os.killpg(proc.pid, signal.SIGINT)
        try:
            # Orphaned workers would hold stderr open: a timeout here is a failure too.
            _, raw = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{how}: stderr still open after 120 s: {alive_in_session(proc.pid)}")
        err = raw.decode()
        rc = proc.returncode
        left = wait_gone(proc.pid)
    return rc, err, left


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_random_interruptions_then_resume_lose_and_duplicate_nothing(
    tmp_path: Path, scalesim_cmd: list[str]
) -> None:
    """10 seeded trials (parent SIGKILL, worker SIGKILL, Ctrl-C): resume gives the same bytes."""
    exp = write(tmp_path / "exp.yaml", DOC)
    ref = tmp_path / "ref"
    done = sweep(scalesim_cmd, exp, ref)
    assert done.returncode == 0, done.stderr
    expected = tree_digest(ref)

    rng = random.Random(SEED)
    kinds = ["parent"] * 4 + ["worker"] * 3 + ["sigint"] * 3
    rng.shuffle(kinds)
    interrupted = 0
    for trial, how in enumerate(kinds):
        out = tmp_path / f"t{trial}"
        delay = rng.uniform(0.0, 2.5)
        rc, err, left = interrupt_once(scalesim_cmd, exp, out, how, delay)
        where = f"trial {trial} ({how} after {delay:.2f} s)"
        assert not left, f"{where}: processes left behind: {left}"
        assert "Traceback" not in err, f"{where}: {err}"
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if rc == 0:
            assert not lines, f"{where}: {err}"
        else:
            interrupted += 1
            expect_rc = {"parent": -signal.SIGKILL, "worker": 1, "sigint": 130}[how]
            assert rc == expect_rc, f"{where}: exit {rc}: {err}"
            if how != "parent":
                assert len(lines) == 1, f"{where}: {err}"
                if (out / "manifest.json").exists():
                    assert "--resume" in lines[0], f"{where}: {err}"
        # Finish it: resume what is stored, or start again if nothing was.
        resume = ["--resume"] if (out / "manifest.json").exists() else []
        again = sweep(scalesim_cmd, exp, out, *resume)
        assert again.returncode == 0, f"{where}: {again.stderr}"
        assert tree_digest(out) == expected, f"{where}: results differ from the uninterrupted"
        ids = load_results(out)["task_id"].tolist()
        assert ids == list(range(N_TASKS)), f"{where}: a run was lost or duplicated"
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".t{trial}.")]
    assert interrupted >= TRIALS // 2, f"only {interrupted} trials were interrupted part-way"


def test_resume_reruns_truncated_and_checksum_failing_chunks(
    tmp_path: Path, scalesim_cmd: list[str]
) -> None:
    """A truncated runs chunk and a flipped byte in a timeseries chunk: --resume redoes both."""
    exp = write(tmp_path / "exp.yaml", DOC)
    out = tmp_path / "s"
    first = sweep(scalesim_cmd, exp, out)
    assert first.returncode == 0, first.stderr
    expected = tree_digest(out)
    runs = out / "parts" / "runs" / "chunk-0000004.parquet"
    runs.write_bytes(runs.read_bytes()[:100])
    ts = out / "parts" / "timeseries" / "chunk-0000010.parquet"
    data = bytearray(ts.read_bytes())
    data[len(data) // 2] ^= 0xFF
    ts.write_bytes(bytes(data))

    again = sweep(scalesim_cmd, exp, out, "--resume")
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert "re-ran 2 damaged chunk(s) (first task ids 4, 10)" in again.stderr
    assert f"{N_TASKS} of {N_TASKS} runs stored" in again.stdout and "(4 run now" in again.stdout
    assert tree_digest(out) == expected


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_with_a_local_dask_cluster_is_one_line(
    tmp_path: Path, scalesim_cmd: list[str]
) -> None:
    """Ctrl-C during a ``--dask local`` sweep: its workers print nothing, exit code 130."""
    doc = dict(DOC, replicates={"count": 40, "seed": 3})
    exp = write(tmp_path / "exp.yaml", doc)
    out = tmp_path / "d"
    args = [*scalesim_cmd, "sweep", str(exp), "--out", str(out), "--dask", "local", "-w", "2"]
    with in_own_session([*args, "--quiet"]) as proc:
        deadline = time.monotonic() + 120
        runs = out / "parts" / "runs"
        while not (runs.is_dir() and any(runs.glob("chunk-*.parquet"))):
            assert proc.poll() is None and time.monotonic() < deadline, "no chunk stored"
            time.sleep(0.05)
        err, left = ctrl_c(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--resume" in lines[0], err
    assert not left, left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_during_compare_writes_nothing(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """Ctrl-C while compare runs on 2 workers: exit 130, one line, no folder, no process left."""
    doc = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    doc["trip_ticket"]["pit_stops"] = [6]
    sc = write(tmp_path / "s.yaml", {**doc, "horizon_months": 12})
    out = tmp_path / "c"
    args = ["compare", str(sc), str(sc), "--reps", "200", "-w", "2", "--quiet", "--out", str(out)]
    with in_own_session([*scalesim_cmd, *args]) as proc:
        deadline = time.monotonic() + 120
        while len(workers_of(proc.pid)) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "no workers"
            time.sleep(0.02)
        time.sleep(1.0)
        err, left = ctrl_c(proc)
    assert proc.returncode == 130, err
    assert [ln for ln in err.splitlines() if ln.strip()] == ["interrupted"], err
    assert not left, left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def _sleep_and_return(x: float) -> float:
    time.sleep(x)
    return x


def test_a_worker_killed_mid_task_ends_the_map_and_close_leaves_no_process() -> None:
    """WorkerLostError comes before the 30-s tasks could end; the dead worker reads as exited."""
    from scalesim.workbench.executors import ProcessExecutor, WorkerLostError

    ex = ProcessExecutor(workers=2)
    procs = ex._workers()
    assert len(procs) == 2 and all(p.exitcode is None for p in procs)
    ex._raise_if_a_worker_died()  # all alive: nothing raised
    results = ex.map_unordered(_sleep_and_return, [30.0, 30.0])
    os.kill(procs[0].pid, signal.SIGKILL)
    t0 = time.monotonic()
    with pytest.raises(WorkerLostError):
        next(results)
    assert time.monotonic() - t0 < 20, "the parent waited for the tasks, not for the worker"
    # What the parent's own liveness check reads (calling the check here would race with
    # the pool, which may already have dropped the dead worker from its list).
    assert procs[0].exitcode == -signal.SIGKILL
    ex.close(now=True)
    assert all(not p.is_alive() for p in procs)

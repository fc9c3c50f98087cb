"""Sweeps: identical results on every backend, failures recorded, clear errors (issue 4)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from exp_helpers import experiment, tree_digest, write
from scalesim.workbench.executors import (
    DASK_CONNECT_TIMEOUT_S,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
)
from scalesim.workbench.experiment import load_experiment
from scalesim.workbench.store import load_results
from scalesim.workbench.sweep import run_sweep


@pytest.fixture(scope="module")
def tiny_exp(tmp_path_factory: pytest.TempPathFactory):
    """8 runs: 2 design points × 2 options × 2 replicates."""
    d = tmp_path_factory.mktemp("exp")
    return load_experiment(write(d / "tiny.yaml", experiment()))


@pytest.fixture(scope="module")
def serial_dir(tiny_exp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "sweep"
    rep = run_sweep(tiny_exp, out, SerialExecutor())
    assert rep.ok == 8 and rep.error == 0
    return out


def test_sweep_layout_and_manifest(serial_dir: Path, tiny_exp) -> None:
    """The folder holds the plan, one part per run and table, and a complete manifest."""
    m = json.loads((serial_dir / "manifest.json").read_text())
    assert (m["format"], m["kind"], m["status"]) == ("scalesim.sweep/1", "sweep", "complete")
    assert m["counts"] == {"ok": 8, "error": 0, "pending": 0}
    assert m["experiment"]["hash"] == tiny_exp.hash
    assert m["replicates"]["seeds"] == tiny_exp.seeds
    assert [r["task_id"] for r in m["runs"]] == list(range(8))
    for table in ("runs", "timeseries", "schools", "channels", "log"):
        files = list((serial_dir / "parts" / table).glob("chunk-*.parquet"))
        assert [f.name for f in files] == ["chunk-0000000.parquet"], table  # 8 runs, 1 chunk
    for f in (
        "experiment.yaml",
        "base_scenario.yaml",
        "design.parquet",
        "tasks.csv",
        "runs.parquet",
        "runs.csv",
        "comparison.parquet",
        "comparison.md",
        "trip_ticket.csv",
    ):
        assert (serial_dir / f).exists(), f


def test_results_load_and_are_tidy(serial_dir: Path) -> None:
    """load_results gives one row per run with identity, uncertainty and outcome columns."""
    runs = load_results(serial_dir)
    assert list(runs["task_id"]) == list(range(8))
    assert set(runs["option"]) == {"baseline", "mandate"}
    assert sorted(set(runs["conditions.leadership_support"])) == [0.3, 0.7]
    assert (runs["status"] == "ok").all()
    assert runs["equity_ratio_m3"].notna().all()
    ts = load_results(serial_dir, "timeseries")
    assert len(ts) == 8 * 27  # weeks 0..26 of a 6-month run
    last = ts[ts["week"] == ts["week"].max()].set_index("task_id")["share_enacting"]
    assert (last.sort_index().to_numpy() == runs["share_enacting"].to_numpy()).all()
    # The tight mandate raises enactment on every common seed (same point, same replicate).
    wide = runs.pivot_table(index=["point", "replicate"], columns="option", values="share_enacting")
    assert (wide["mandate"] > wide["baseline"]).all()


def test_duckdb_reads_the_parts(serial_dir: Path) -> None:
    """The store is a plain Parquet dataset: DuckDB queries it directly."""
    duckdb = pytest.importorskip("duckdb")
    n = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{serial_dir}/parts/runs/*.parquet') "
        "WHERE status = 'ok'"
    ).fetchall()[0][0]
    assert n == 8


def test_backends_give_identical_bytes(tiny_exp, serial_dir: Path, tmp_path: Path) -> None:
    """Serial, 2 local processes and a Dask LocalCluster write byte-identical result files."""
    ref = tree_digest(serial_dir)
    n_tables = len([p for p in (serial_dir / "parts").iterdir() if p.is_dir()])
    assert n_tables >= 5 and len(ref) == n_tables + 2
    with ProcessExecutor(2) as ex:
        run_sweep(tiny_exp, tmp_path / "proc", ex)
    assert tree_digest(tmp_path / "proc") == ref, "2 processes differ from serial"
    with DaskExecutor("local", workers=2, processes=False) as ex:
        run_sweep(tiny_exp, tmp_path / "dask", ex)
    assert tree_digest(tmp_path / "dask") == ref, "Dask LocalCluster differs from serial"
    pd.testing.assert_frame_equal(
        load_results(tmp_path / "dask", "timeseries"), load_results(serial_dir, "timeseries")
    )


def test_failing_run_is_recorded_and_others_complete(tmp_path: Path) -> None:
    """A sampled value that makes the scenario invalid fails its runs only, with the reason."""
    doc = experiment(uncertainties={"adoption.p_external": [0.03, -1.0]}, levers={})
    exp = load_experiment(write(tmp_path / "e.yaml", doc))
    rep = run_sweep(exp, tmp_path / "out", SerialExecutor())
    assert (rep.ok, rep.error) == (2, 2)
    runs = load_results(tmp_path / "out")
    bad = runs[runs["adoption.p_external"] < 0]
    good = runs[runs["adoption.p_external"] > 0]
    assert (bad["status"] == "error").all() and (good["status"] == "ok").all()
    assert bad["error"].str.contains("adoption.p_external").all(), bad["error"].iloc[0]
    assert bad["error"].str.contains("greater than or equal to 0").all()
    assert bad["share_enacting"].isna().all() and good["share_enacting"].notna().all()
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["counts"] == {"ok": 2, "error": 2, "pending": 0}
    assert [r["status"] for r in m["runs"]] == ["ok", "ok", "error", "error"]
    assert "adoption.p_external" in m["runs"][2]["error"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_dask_fails_fast_exit_2(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """An address where no scheduler listens: a clear message naming the wait bound, no output."""
    path = write(tmp_path / "e.yaml", experiment())
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            *scalesim_cmd,
            "sweep",
            str(path),
            "--out",
            str(out),
            "--dask",
            f"tcp://127.0.0.1:{_free_port()}",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "could not connect to a Dask scheduler at tcp://127.0.0.1:" in proc.stderr
    assert proc.stderr.startswith("error: --dask:"), proc.stderr
    assert f"waited at most {DASK_CONNECT_TIMEOUT_S:g} s" in proc.stderr, proc.stderr
    assert not out.exists()


def test_silent_scheduler_address_gives_up_at_the_timeout(tmp_path: Path) -> None:
    """A listener that accepts but never answers: the client gives up at its timeout, exit 2.

    Without the connect timeout the Dask client would wait for ever on such an address; the
    test's own limit (``timeout=`` of the subprocess, far above the 1 s asked for) only
    guards against that hang, it measures nothing.
    """
    path = write(tmp_path / "e.yaml", experiment())
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections in the kernel, never reads or writes
        port = listener.getsockname()[1]
        code = (
            "import sys\n"
            "from scalesim.common.errors import ScalesimInputError\n"
            "from scalesim.workbench.executors import DaskExecutor\n"
            "try:\n"
            f"    DaskExecutor('tcp://127.0.0.1:{port}', timeout=1.0)\n"
            "except ScalesimInputError as exc:\n"
            "    print(exc); sys.exit(2)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=path.parent,
        )
    assert proc.returncode == 2, proc.stderr
    assert f"could not connect to a Dask scheduler at tcp://127.0.0.1:{port}" in proc.stdout
    assert "waited at most 1 s" in proc.stdout, proc.stdout


def test_cli_sweep_refuses_existing_output(tmp_path: Path, serial_dir: Path, capsys) -> None:
    """Sweeping into a folder that holds results needs --resume; exit 2, nothing changed."""
    from scalesim.cli import main

    before = tree_digest(serial_dir)
    exp_file = write(tmp_path / "e.yaml", experiment())
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(exp_file), "--out", str(serial_dir), "--quiet"])
    assert info.value.code == 2
    assert "use --resume" in capsys.readouterr().err
    assert tree_digest(serial_dir) == before


def test_cli_sweep_runs_and_reports(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """The real command writes the store and says how many runs it stored."""
    path = write(tmp_path / "e.yaml", experiment(levers={}, replicates=[3]))
    out = tmp_path / "out"
    proc = subprocess.run(
        [*scalesim_cmd, "sweep", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 of 2 runs stored" in proc.stdout
    assert "runs" in proc.stderr and "failed" in proc.stderr, "progress bar on stderr"
    # The same experiment swept in this process gives byte-identical result files.
    run_sweep(load_experiment(path), tmp_path / "here", SerialExecutor())
    assert tree_digest(out) == tree_digest(tmp_path / "here")
    assert len(load_results(out)) == 2

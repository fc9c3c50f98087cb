"""The one helper every results folder goes through, on real files (issue 15).

``common.files.results_folder`` builds beside the target and swaps in; a failure leaves the
old folder as it was and nothing beside it. ``write_json`` never writes NaN or infinity.
The app's Ctrl-C is checked on the real server.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scalesim.common.errors import ScalesimInputError
from scalesim.common.files import check_target, json_safe, results_folder, write_json

REPO = Path(__file__).resolve().parents[1]


def make_run_folder(path: Path, seed: int) -> None:
    """A minimal folder that says it is a run's results."""
    path.mkdir()
    (path / "summary.json").write_text(json.dumps({"format": "scalesim.run/1", "seed": seed}))
    (path / "timeseries.csv").write_text(f"seed\n{seed}\n")


def test_failure_inside_leaves_the_old_folder_and_nothing_beside(tmp_path: Path) -> None:
    """An error half-way through the new folder: the old one is untouched, no temporaries."""
    out = tmp_path / "r"
    make_run_folder(out, 1)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RuntimeError, match="disk full"), results_folder(out, "run") as tmp:
        (tmp / "summary.json").write_text(json.dumps({"format": "scalesim.run/1", "seed": 2}))
        raise RuntimeError("disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert json.loads((out / "summary.json").read_text())["seed"] == 1


def test_success_replaces_every_file_and_leaves_nothing_beside(tmp_path: Path) -> None:
    """The new folder replaces the old whole: no file of the old one survives."""
    out = tmp_path / "r"
    make_run_folder(out, 1)
    (out / "stray.txt").write_text("old")
    with results_folder(out, "run") as tmp:
        (tmp / "summary.json").write_text(json.dumps({"format": "scalesim.run/1", "seed": 2}))
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_new_target_in_new_parents_is_removed_again_on_failure(tmp_path: Path) -> None:
    """Folders created for a new target are removed when the write fails."""
    out = tmp_path / "a" / "b" / "r"
    with pytest.raises(KeyboardInterrupt), results_folder(out, "compare") as tmp:
        (tmp / "manifest.json").write_text("{}")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_never_the_current_folder_its_parents_or_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even --force cannot replace the folder one works in, a parent of it, or home."""
    work = tmp_path / "project"
    work.mkdir()
    (work / "file").write_text("x")
    monkeypatch.chdir(work)
    for target in (work, tmp_path, Path.home()):
        with pytest.raises(ScalesimInputError, match="current folder"):
            check_target(target, "run", force=True)
    assert (work / "file").exists()


def test_a_sweep_is_not_replaced_without_force(tmp_path: Path) -> None:
    """An earlier sweep needs --resume or --force; other kinds are refused by name."""
    out = tmp_path / "s"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"kind": "sweep"}))
    with pytest.raises(ScalesimInputError, match="--resume"):
        check_target(out, "sweep", replace=False)
    with pytest.raises(ScalesimInputError, match="holds sweep results, not compare"):
        check_target(out, "compare")
    assert check_target(out, "sweep", replace=False, force=True) == out.resolve()


def test_json_never_holds_nan_or_infinity(tmp_path: Path) -> None:
    """NaN and ±inf (Python or numpy, nested anywhere) are written as null."""
    data = {
        "a": float("nan"),
        "b": [1.0, float("inf"), np.float64("-inf")],
        "c": {"d": np.float32("nan"), "e": np.int64(3), "f": np.bool_(True)},
        "g": np.array([0.5, np.nan]),
        "h": (2.5, math.inf),
    }
    assert json_safe(data) == {
        "a": None,
        "b": [1.0, None, None],
        "c": {"d": None, "e": 3, "f": True},
        "g": [0.5, None],
        "h": [2.5, None],
    }
    write_json(tmp_path / "x.json", data)

    def refuse(token: str) -> None:
        raise AssertionError(token)

    back = json.loads((tmp_path / "x.json").read_text(), parse_constant=refuse)
    assert back["b"] == [1.0, None, None]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")
def test_app_stops_on_ctrl_c_without_a_traceback(scalesim_cmd: list[str]) -> None:
    """Ctrl-C stops the real app server: one line, exit code 0, no traceback."""
    proc = subprocess.Popen(
        [*scalesim_cmd, "app", str(REPO / "scenarios" / "default.yaml"), "--port", "0"],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MPLBACKEND": "agg"},
    )
    try:
        deadline = time.monotonic() + 120
        seen = ""
        assert proc.stdout is not None
        while "Solara server is starting" not in seen:
            assert time.monotonic() < deadline and proc.poll() is None, seen
            seen += proc.stdout.readline()
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert [ln for ln in err.splitlines() if ln.strip()] == ["scalesim app: stopped"]

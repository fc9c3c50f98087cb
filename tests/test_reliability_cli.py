"""Bad input and bad places through the real ``scalesim`` command: one line, no traceback.

Every case runs the installed command in a fresh process (issue 15) and checks the exit
code, that stderr is one clear ``error:`` line without a traceback, and that nothing was
written. The scenario is tiny (about 40 educators, three months), so each case costs little
more than the interpreter's start.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from exp_helpers import TINY, experiment, write

TINY_SCENARIO = {
    "name": "tiny",
    "horizon_months": 3,
    "district": {
        "generated": {"n_schools": 4, "educators_per_school": {"mean": 10, "sd": 2, "min": 4}}
    },
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 3}},
}


def listing(root: Path) -> list[str]:
    """Every path under ``root`` (hidden ones too), relative and sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def one_error_line(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """Assert a clean failure: the exit code, one ``error:`` line, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with the tiny scenario and an experiment over it."""
    write(tmp_path / "tiny.yaml", TINY_SCENARIO)
    write(tmp_path / "exp.yaml", experiment(overrides=dict(TINY), levers={}))
    return tmp_path


def run_cli(cmd: list[str], args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in ``cwd``."""
    return subprocess.run(
        [*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


BAD = [
    # (arguments, words the one error line must contain)
    (["run", "tiny.yaml", "--seed", "-5", "--out", "o"], ["--seed", "greater than or equal"]),
    (["run", "tiny.yaml", "--seed", str(2**70), "--out", "o"], ["--seed", "less than"]),
    (["run", "tiny.yaml", "--seed", "abc", "--out", "o"], ["--seed", "integer"]),
    (["run", "tiny.yaml", "--bogus"], ["scalesim run", "No such option: --bogus"]),
    (["run"], ["scalesim run", "Missing argument"]),
    (["nosuchcommand"], ["No such command"]),
    (["run", "tiny.yaml", "--out", "/proc/x"], ["--out", "cannot write in /proc"]),
    (["run", "tiny.yaml", "--out", ".", "--force"], ["--out", "current folder"]),
    (["compare", "tiny.yaml", "tiny.yaml", "--reps", "1000000000", "--out", "o"], ["--reps"]),
    (["compare", "tiny.yaml", "tiny.yaml", "--seed", "-1", "--out", "o"], ["--seed", "2**63"]),
    (["compare", "tiny.yaml", "tiny.yaml", "--seeds", f"1,{2**64}", "--out", "o"], ["--seeds"]),
    (["report", "tiny.yaml"], ["tiny.yaml"]),
    (["app", "tiny.yaml", "--host", "0.0.0.0"], ["--host", "--allow-remote"]),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_one_line_exit_2_nothing_written(
    work: Path, scalesim_cmd: list[str], args: list[str], words: list[str]
) -> None:
    """A bad option or place: exit 2, one clear line naming it, no traceback, no file."""
    before = listing(work)
    line = one_error_line(run_cli(scalesim_cmd, args, work))
    for w in words:
        assert w in line, line
    assert listing(work) == before


def test_experiment_sizes_refused_before_sampling(work: Path, scalesim_cmd: list[str]) -> None:
    """A billion-point design, or ten million runs, is refused at once (nothing sampled)."""
    uncertain = {"conditions.leadership_support": {"low": 0.2, "high": 0.8}}
    for design, reps, words in (
        ({"method": "latin_hypercube", "n": 10**9}, 1, ["design.n"]),
        (
            {"method": "latin_hypercube", "n": 100_000},
            200,
            ["40,000,000 runs", "at most 10,000,000"],
        ),
        ({"method": "full_grid", "levels": 1000}, {"count": 2, "seed": -1}, ["replicates.seed"]),
    ):
        rep = reps if isinstance(reps, dict) else {"count": reps}
        doc = experiment(overrides=dict(TINY), uncertainties=uncertain, design=design)
        doc["replicates"] = rep
        write(work / "big.yaml", doc)
        before = listing(work)
        line = one_error_line(run_cli(scalesim_cmd, ["sweep", "big.yaml", "--out", "s"], work))
        assert all(w in line for w in words), line
        assert listing(work) == before


def test_refuses_non_results_and_other_kind_folders_unless_forced(
    work: Path, scalesim_cmd: list[str]
) -> None:
    """A folder of someone's files, or a run's folder for a sweep: refused; --force replaces."""
    mine = work / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    line = one_error_line(run_cli(scalesim_cmd, ["run", "tiny.yaml", "--out", "mine"], work))
    assert "not a scalesim results folder" in line and "--force" in line
    assert listing(mine) == ["notes.txt"]

    ok = run_cli(scalesim_cmd, ["run", "tiny.yaml", "--out", "r", "--quiet"], work)
    assert ok.returncode == 0, ok.stderr
    line = one_error_line(run_cli(scalesim_cmd, ["sweep", "exp.yaml", "--out", "r"], work))
    assert "holds run results, not sweep results" in line
    line = one_error_line(
        run_cli(scalesim_cmd, ["compare", "tiny.yaml", "tiny.yaml", "--out", "r"], work)
    )
    assert "holds run results, not compare results" in line
    assert (work / "r" / "summary.json").exists()

    forced = run_cli(
        scalesim_cmd, ["run", "tiny.yaml", "--out", "mine", "--force", "--quiet"], work
    )
    assert forced.returncode == 0, forced.stderr
    assert not (mine / "notes.txt").exists() and (mine / "summary.json").exists()
    # Nothing of the swap is left beside the folders.
    assert not [p for p in work.iterdir() if p.name.startswith(".")]


def test_rerun_replaces_the_folder_whole(work: Path, scalesim_cmd: list[str]) -> None:
    """A second run into the same folder leaves no file of the first (no mix, no strays)."""
    out = work / "r"
    for seed in ("1", "2"):
        proc = run_cli(
            scalesim_cmd, ["run", "tiny.yaml", "--seed", seed, "--out", "r", "--quiet"], work
        )
        assert proc.returncode == 0, proc.stderr
        if seed == "1":
            (out / "stray.txt").write_text("from before")
    assert not (out / "stray.txt").exists()
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    import pyarrow.parquet as pq

    for name in ("timeseries", "schools", "channels"):
        meta = json.loads(pq.read_schema(out / f"{name}.parquet").metadata[b"scalesim"])
        assert meta["seed"] == 2, name


def test_killed_write_leftovers_are_removed_next_time(work: Path, scalesim_cmd: list[str]) -> None:
    """Hidden siblings of a killed write (dead pid) go at the next write; a live one stays."""
    dead = work / ".r.tmp-999999999-abc"
    dead.mkdir()
    (dead / "summary.json").write_text("{}")
    old = work / ".r.old-999999999-def"
    old.mkdir()
    live = work / f".r.tmp-{1}-xyz"  # pid 1 is always alive: someone else's write
    live.mkdir()
    proc = run_cli(scalesim_cmd, ["run", "tiny.yaml", "--out", "r", "--quiet"], work)
    assert proc.returncode == 0, proc.stderr
    assert not dead.exists() and not old.exists()
    assert live.exists()


def test_report_accepts_a_run_without_pit_stops(work: Path, scalesim_cmd: list[str]) -> None:
    """A scenario without pit stops (empty pit-stop table) still gets its report."""
    assert yaml.safe_load((work / "tiny.yaml").read_text())["trip_ticket"]["pit_stops"] == []
    proc = run_cli(scalesim_cmd, ["run", "tiny.yaml", "--out", "r", "--quiet"], work)
    assert proc.returncode == 0, proc.stderr
    rep = run_cli(scalesim_cmd, ["report", "r"], work)
    assert rep.returncode == 0, rep.stderr
    assert "Traceback" not in rep.stderr
    assert (work / "r" / "report.html").stat().st_size > 1000
    bad = run_cli(scalesim_cmd, ["report", "r", "--out", "/proc/x/r.html"], work)
    assert "cannot write in /proc" in one_error_line(bad)


def test_summary_json_is_strict_json(work: Path, scalesim_cmd: list[str]) -> None:
    """summary.json parses with NaN and Infinity refused (undefined numbers are null)."""
    proc = run_cli(scalesim_cmd, ["run", "tiny.yaml", "--out", "r", "--quiet"], work)
    assert proc.returncode == 0, proc.stderr

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in summary.json")

    json.loads((work / "r" / "summary.json").read_text(), parse_constant=refuse)
    for line in (work / "r" / "travel_log.jsonl").read_text().splitlines():
        json.loads(line, parse_constant=refuse)

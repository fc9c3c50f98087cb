"""``scalesim calibrate``: bad input refused cleanly; same seed, same posterior everywhere.

Bad files (missing column, unknown id, duplicate tie, history dates outside the horizon, a
parameter name that does not exist, a prior with lower > upper) each give one clear message,
exit code 2 and nothing written. The same seed gives identical posterior tables across two
runs and across the serial, process and Dask executors (pyabc's MappingSampler over our
executors, each task seeded). The report renders the calibration folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import scalesim
from scalesim.report import build_report
from scalesim.workbench.calibration_file import load_calibration
from scalesim.workbench.calibration_output import calibrate
from scalesim.workbench.executors import DaskExecutor, ProcessExecutor, SerialExecutor

TINY_CAL = """
params:
  adoption.p_external: {prior: uniform, low: 0.0, high: 1.5}
  adoption.q_peer: {prior: uniform, low: 0.0, high: 8.0}
distance: {match: matched}
abc: {population: 20, generations: 2}
optimize: {trials: 6, batch: 3, replicates: 2}
predictive: {draws: 10}
seed: 5
"""


@pytest.fixture
def district(tmp_path: Path, repo: Path) -> Path:
    """A copy of the shipped district export and its scenario, to break one file at a time."""
    shutil.copytree(repo / "scenarios" / "data" / "district_export", tmp_path / "data")
    text = (repo / "scenarios" / "observed_district.yaml").read_text(encoding="utf-8")
    (tmp_path / "s.yaml").write_text(text.replace("data/district_export/", "data/"), "utf-8")
    (tmp_path / "cal.yaml").write_text(TINY_CAL, encoding="utf-8")
    return tmp_path


def run_cli(cmd: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, "calibrate", "s.yaml", "-c", "cal.yaml", "--out", "out", "--quiet", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


BAD = {
    "history-missing-column": (
        ("data/history.csv", "school,date,depth\nAdams ES,2023-10-16,0.1\n"),
        (),
        ["history.csv", "column 'share_enacting'", "missing"],
    ),
    "roster-unknown-id-in-ties": (
        ("data/ties.csv", "ego,alter,weight\nE0001,X9999,1\n"),
        (),
        ["ties.csv", "line 2, column 'alter'", "'X9999' is not in the roster"],
    ),
    "duplicate-tie": (
        ("data/ties.csv", "ego,alter,weight\nE0001,E0002,1\nE0001,E0002,2\n"),
        (),
        ["ties.csv", "line 3", "duplicate tie"],
    ),
    "history-date-outside-horizon": (
        ("data/history.csv", "school,date,share_enacting\nAdams ES,2027-01-10,0.5\n"),
        (),
        ["history.csv", "line 2, column 'date'", "outside the horizon"],
    ),
    "parameter-does-not-exist": (
        ("cal.yaml", TINY_CAL.replace("adoption.q_peer", "adoption.q_per")),
        (),
        ["cal.yaml", "params.adoption.q_per", "no such scenario field"],
    ),
    "params-option-not-in-file": (
        None,
        ("--params", "adoption.p_external,adoption.nope"),
        ["--params", "'adoption.nope' has no prior"],
    ),
    "prior-lower-above-upper": (
        ("cal.yaml", TINY_CAL.replace("low: 0.0, high: 1.5", "low: 2.0, high: 1.5")),
        (),
        ["cal.yaml", "params.adoption.p_external", "must be below high"],
    ),
    "prior-outside-field-range": (
        ("cal.yaml", TINY_CAL.replace("low: 0.0, high: 8.0", "low: 0.0, high: 80.0")),
        (),
        ["cal.yaml", "params.adoption.q_peer", "refuses 80"],
    ),
}


@pytest.mark.parametrize(("edit", "args", "expected"), BAD.values(), ids=BAD.keys())
def test_bad_input_one_clear_message_nothing_written(
    district: Path, scalesim_cmd: list[str], edit: tuple | None, args: tuple, expected: list
) -> None:
    if edit is not None:
        (district / edit[0]).write_text(edit[1], encoding="utf-8")
    proc = run_cli(scalesim_cmd, district, *args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for part in expected:
        assert part in proc.stderr, (part, proc.stderr)
    assert not (district / "out").exists()


def posterior(district: Path, executor: object, out: str, method: str = "abc") -> pd.DataFrame:
    sc = scalesim.load_scenario(district / "s.yaml")
    cal = load_calibration(district / "cal.yaml", sc, None)
    calibrate(
        sc,
        cal,
        method,
        executor,
        district / out,
        scenario_source="s.yaml",
        calibration_source="cal.yaml",
    )
    return pd.read_parquet(district / out / "posterior.parquet")


def test_same_seed_same_posterior_serial_processes_dask(district: Path) -> None:
    a = posterior(district, SerialExecutor(), "a")
    b = posterior(district, SerialExecutor(), "b")
    with ProcessExecutor(2) as ex:
        c = posterior(district, ex, "c")
    with DaskExecutor("local", workers=2) as ex:
        d = posterior(district, ex, "d")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    pd.testing.assert_frame_equal(a, d)
    for name in ("parameters", "fit", "generations"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(district / "a" / f"{name}.parquet"),
            pd.read_parquet(district / "d" / f"{name}.parquet"),
        )
    # A different seed gives a different posterior (the comparison can fail).
    text = (district / "cal.yaml").read_text().replace("seed: 5", "seed: 6")
    (district / "cal.yaml").write_text(text)
    e = posterior(district, SerialExecutor(), "e")
    assert not a.equals(e)


def test_point_fit_same_seed_same_trials(district: Path) -> None:
    a = posterior(district, SerialExecutor(), "a", "optimize")
    with ProcessExecutor(2) as ex:
        b = posterior(district, ex, "b", "optimize")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 6 and a["value"].notna().all()


def test_cli_writes_the_folder_and_the_report_renders_it(
    district: Path, scalesim_cmd: list[str]
) -> None:
    proc = run_cli(scalesim_cmd, district)
    assert proc.returncode == 0, proc.stderr
    out = district / "out"
    for name in ("parameters", "posterior", "generations", "fit", "goodness"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    assert (out / "figures" / "calibration.png").is_file()
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["format"] == "scalesim.calibration/1" and summary["seed"] == 5
    assert set(summary["params"]) == {"adoption.p_external", "adoption.q_peer"}
    assert summary["versions"]["pyabc"].startswith("0.13")
    page = build_report(out)
    html = page.read_text(encoding="utf-8")
    assert 'id="calibration"' in html and "adoption.q_peer" in html
    assert "Ratio to the Bass reference" in html

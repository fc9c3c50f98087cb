"""``scalesim run`` through real subprocesses, and the Python API's tables.

Bad scenario files each give one clear line on stderr naming the file, the field and what was
expected; exit code 2; no traceback; nothing written. A good CSV district runs, and the
outputs carry their provenance.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import scalesim
from scalesim.cli import main
from scalesim.metrics import METRICS
from scalesim.scenario import CSV_COLUMNS

GOOD_CSV = "name,region,enrollment,need_share,n_educators\nA,north,300,0.8,20\nB,south,400,0.3,25\n"

# id: (files to write, scenario file to run, substrings the message must contain)
BAD: dict[str, tuple[dict[str, str], str, list[str]]] = {
    "yaml-syntax": (
        {"s.yaml": "name: x\nhorizon_months: [12\n"},
        "s.yaml",
        ["s.yaml", "YAML syntax error", "line 3"],
    ),
    "unknown-top-level-key": (
        {"s.yaml": "horizonn_months: 12\n"},
        "s.yaml",
        ["s.yaml", "horizonn_months", "unknown key", "expected one of", "horizon_months"],
    ),
    "unknown-nested-key": (
        {"s.yaml": "adoption:\n  p_extrenal: 0.1\n"},
        "s.yaml",
        ["s.yaml", "adoption.p_extrenal", "unknown key", "p_external"],
    ),
    "wrong-type": (
        {"s.yaml": "horizon_months: twelve\n"},
        "s.yaml",
        ["s.yaml", "horizon_months", "valid number", "twelve"],
    ),
    "out-of-range": (
        {"s.yaml": "adoption:\n  q_peer: -1\n"},
        "s.yaml",
        ["s.yaml", "adoption.q_peer", "greater than or equal to 0", "-1"],
    ),
    "missing-csv-column": (
        {
            "s.yaml": "district: {source: csv, csv: {path: d.csv}}\n",
            "d.csv": "name,region,enrollment,n_educators\nA,north,300,20\n",
        },
        "s.yaml",
        ["d.csv", "column 'need_share'", "missing", ", ".join(CSV_COLUMNS)],
    ),
    "empty-csv-district": (
        {
            "s.yaml": "district: {source: csv, csv: {path: d.csv}}\n",
            "d.csv": "name,region,enrollment,need_share,n_educators\n",
        },
        "s.yaml",
        ["d.csv", "empty district", "no schools"],
    ),
    "csv-bad-value": (
        {
            "s.yaml": "district: {source: csv, csv: {path: d.csv}}\n",
            "d.csv": GOOD_CSV + "C,east,350,0.5,abc\n",
        },
        "s.yaml",
        ["d.csv", "line 4", "column 'n_educators'", "expected an integer", "abc"],
    ),
    "csv-file-missing": (
        {"s.yaml": "district: {source: csv, csv: {path: nowhere.csv}}\n"},
        "s.yaml",
        ["s.yaml", "district.csv.path", "no such CSV file", "nowhere.csv"],
    ),
    "nonexistent-file": ({}, "missing.yaml", ["missing.yaml", "file not found"]),
}

# More bad files, checked in-process through the same entry point (scalesim.cli.main) to
# keep the suite fast; the process boundary is covered by BAD above.
MORE_BAD: dict[str, tuple[dict[str, str], str, list[str]]] = {
    "unknown-deeply-nested-key": (
        {"s.yaml": "district:\n  generated:\n    educators_per_school: {mean: 30, sdev: 3}\n"},
        "s.yaml",
        ["s.yaml", "district.generated.educators_per_school.sdev", "unknown key", "sd"],
    ),
    "section-wrong-type": (
        {"s.yaml": "network: complete\n"},
        "s.yaml",
        ["s.yaml", "network", "dictionary", "complete"],
    ),
    "bad-choice": (
        {"s.yaml": "adoption: {rule: logistic}\n"},
        "s.yaml",
        ["s.yaml", "adoption.rule", "'bass' or 'threshold'", "logistic"],
    ),
    "share-above-one": (
        {"s.yaml": "start: {enacting_share: 1.5}\n"},
        "s.yaml",
        ["s.yaml", "start.enacting_share", "less than or equal to 1", "1.5"],
    ),
    "empty-generated-district": (
        {"s.yaml": "district: {generated: {n_schools: 0}}\n"},
        "s.yaml",
        ["s.yaml", "district.generated.n_schools", "greater than or equal to 1"],
    ),
    "csv-out-of-range": (
        {
            "s.yaml": "district: {source: csv, csv: {path: d.csv}}\n",
            "d.csv": GOOD_CSV.replace("0.8", "1.8"),
        },
        "s.yaml",
        ["d.csv", "line 2", "column 'need_share'", "[0, 1]", "1.8"],
    ),
    "csv-section-missing": (
        {"s.yaml": "district: {source: csv}\n"},
        "s.yaml",
        ["s.yaml", "district", "no 'csv: {path: ...}' section"],
    ),
    "from-csv-without-csv": (
        {"s.yaml": "start: {from_csv: true}\n"},
        "s.yaml",
        ["s.yaml", "start.from_csv", "district.source: csv"],
    ),
    "not-a-mapping": ({"s.yaml": "- a\n- b\n"}, "s.yaml", ["s.yaml", "expected a mapping"]),
}


def run_cli(cmd: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("files", "target", "expected"), list(BAD.values()), ids=list(BAD))
def test_bad_scenario_one_clear_message(
    files: dict[str, str], target: str, expected: list[str], tmp_path: Path, scalesim_cmd: list[str]
) -> None:
    """One line naming file, field and expectation; exit code 2; nothing written."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_cli(scalesim_cmd, "run", target, "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one message, got: {proc.stderr!r}"
    assert lines[0].startswith("error: ")
    for part in expected:
        assert part in lines[0], f"{part!r} missing from {lines[0]!r}"
    assert not (tmp_path / "out").exists(), "a failed run must write nothing"
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "no file may appear"


@pytest.mark.parametrize(
    ("files", "target", "expected"), list(MORE_BAD.values()), ids=list(MORE_BAD)
)
def test_more_bad_scenarios_in_process(
    files: dict[str, str],
    target: str,
    expected: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Same contract through ``scalesim.cli.main``: one message, exit 2, nothing written."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["run", target, "--out", "out"])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for part in expected:
        assert part in lines[0], f"{part!r} missing from {lines[0]!r}"
    assert not (tmp_path / "out").exists()


def test_out_is_a_file(tmp_path: Path, scalesim_cmd: list[str], repo: Path) -> None:
    """An --out path that is a file is refused before running; the file is untouched."""
    (tmp_path / "taken").write_text("keep me", encoding="utf-8")
    proc = run_cli(
        scalesim_cmd,
        "run",
        str(repo / "scenarios" / "default.yaml"),
        "--out",
        "taken",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "error: --out: taken exists and is not a folder"
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "keep me"


def test_bad_seed_is_a_usage_error(tmp_path: Path, scalesim_cmd: list[str], repo: Path) -> None:
    """A non-integer seed is rejected by the command line (exit code 2), nothing written."""
    proc = run_cli(
        scalesim_cmd,
        "run",
        str(repo / "scenarios" / "default.yaml"),
        "--seed",
        "abc",
        "--out",
        "out",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--seed" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def csv_run(
    tmp_path_factory: pytest.TempPathFactory, repo: Path, scalesim_cmd: list[str]
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The shipped CSV district scenario, run by the CLI."""
    cwd = tmp_path_factory.mktemp("csv")
    proc = run_cli(
        scalesim_cmd,
        "run",
        str(repo / "scenarios" / "csv_district.yaml"),
        "--seed",
        "2",
        "--out",
        "out",
        cwd=cwd,
    )
    return cwd / "out", proc


def test_csv_district_runs(
    csv_run: tuple[Path, subprocess.CompletedProcess[str]], repo: Path
) -> None:
    """The example CSV district runs; its schools are the CSV's schools."""
    out, proc = csv_run
    assert proc.returncode == 0, proc.stderr
    assert "Educators enacting" in proc.stdout, "the summary table is printed"
    csv = pd.read_csv(repo / "scenarios" / "data" / "example_district.csv")
    schools = pd.read_parquet(out / "schools.parquet")
    assert schools["name"].tolist() == csv["name"].tolist()
    assert schools["educators"].tolist() == csv["n_educators"].tolist()
    assert schools["region"].tolist() == csv["region"].tolist()
    assert (schools["high_need"] == (csv["need_share"] >= 0.75)).all()


def test_csv_start_shares_per_school(tmp_path: Path) -> None:
    """start.from_csv takes each school's starting share from the CSV (empty cell: default)."""
    (tmp_path / "d.csv").write_text(
        "name,region,enrollment,need_share,n_educators,enacting_share\n"
        "All,r,300,0.9,40,1.0\nNone,r,300,0.2,40,0.0\nDefault,r,300,0.5,400,\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        "district: {source: csv, csv: {path: d.csv}}\n"
        "start: {from_csv: true, enacting_share: 0.5}\nhorizon_months: 1\n",
        encoding="utf-8",
    )
    sc = scalesim.load_scenario(tmp_path / "s.yaml")
    m = scalesim.ScalingModel(sc, seed=0)
    per_school = pd.Series(m.ed.enacting).groupby(m.ed.school).mean()
    assert per_school[0] == 1.0 and per_school[1] == 0.0
    assert abs(per_school[2] - 0.5) < 0.1


def test_outputs_carry_provenance(csv_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """summary.json, the Parquet metadata and the travel log carry hash, seed, versions."""
    out, proc = csv_run
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["format"] == "scalesim.run/1"
    assert summary["seed"] == 2
    assert len(summary["scenario_hash"]) == 16
    assert {"scalesim", "mesa", "python"} <= set(summary["versions"])
    assert summary["versions"]["mesa"] == "3.5.1"
    assert summary["command"].startswith("scalesim run ")
    meta = json.loads(pq.read_schema(out / "timeseries.parquet").metadata[b"scalesim"])
    assert meta["scenario_hash"] == summary["scenario_hash"] and meta["seed"] == 2
    events = [
        json.loads(line)
        for line in (out / "travel_log.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert events and events[0]["kind"] == "start"
    assert all({"week", "month", "kind"} <= set(e) for e in events)
    # The resolved scenario is written, and reloading it gives the same hash.
    again = scalesim.load_scenario(out / "scenario.yaml")
    assert again.scenario_hash() == summary["scenario_hash"]


def test_csv_and_parquet_agree(csv_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Each table is written twice (CSV and Parquet) with the same content."""
    out, _ = csv_run
    for name in ("timeseries", "schools", "channels"):
        a = pd.read_parquet(out / f"{name}.parquet")
        b = pd.read_csv(out / f"{name}.csv")
        assert list(a.columns) == list(b.columns)
        assert len(a) == len(b)
        num = a.select_dtypes("number").columns
        pd.testing.assert_frame_equal(a[num].astype(float), b[num].astype(float), rtol=1e-9)


def test_python_api_returns_the_tables(repo: Path) -> None:
    """scalesim.run(path, seed=...) returns a RunResult with the documented columns."""
    res = scalesim.run(repo / "scenarios" / "csv_district.yaml", seed=1)
    assert isinstance(res, scalesim.RunResult)
    ts = res.timeseries
    assert list(ts.columns[:3]) == ["week", "month", "in_session"]
    assert set(METRICS) <= set(ts.columns), "every registered metric has a column"
    assert ts["week"].tolist() == list(range(len(ts)))
    assert len(ts) == scalesim.load_scenario(repo / "scenarios" / "csv_district.yaml").n_weeks + 1
    for col in (
        "school",
        "name",
        "region",
        "high_need",
        "need_share",
        "enrollment",
        "educators",
        "enacting",
        "share_enacting",
        "mean_depth",
        "mean_ownership",
        "ever_reached",
    ):
        assert col in res.schools.columns, col
    assert len(res.schools) == 12
    assert list(res.channels.columns) == ["week", "channel", "new_enacting"]
    assert all({"week", "month", "kind"} <= set(e) for e in res.log)
    for key in (
        "scenario",
        "scenario_hash",
        "seed",
        "versions",
        "end",
        "trip_ticket",
        "adoptions_by_channel",
        "cost",
    ):
        assert key in res.summary, key
    assert set(res.summary["end"]) >= set(METRICS)
    # The values, recomputed here from the scenario file and the run's own time series.
    sc = scalesim.load_scenario(repo / "scenarios" / "csv_district.yaml")
    assert res.summary["scenario_hash"] == sc.scenario_hash()
    assert (res.summary["scenario"], res.summary["seed"]) == (sc.name, 1)
    last = ts.iloc[-1]
    assert res.summary["end"] == {k: float(last[k]) for k in METRICS}
    by_channel = res.channels.groupby("channel")["new_enacting"].sum()
    assert res.summary["adoptions_by_channel"] == {k: int(v) for k, v in by_channel.items()}
    assert res.summary["trip_ticket"] == expected_ticket(sc, ts)


def expected_ticket(sc: scalesim.Scenario, ts: pd.DataFrame) -> dict[str, object]:
    """The trip-ticket verdict from its definition (docs/metrics.md), without the runner's code.

    Reached: some week up to the deadline (``round(by_month × 52/12)``) has both the
    destination share and the high-need share at or above their targets; the shortfalls are
    the distances left at the deadline week.
    """
    dest = sc.trip_ticket.destination
    deadline = round(dest.by_month * 52 / 12)
    rows = ts.to_dict("records")
    hits = [
        r["month"]
        for r in rows
        if r["week"] <= deadline
        and r["destination_share"] >= dest.target
        and r["destination_equity_share"] >= dest.equity_target
    ]
    at = rows[min(deadline, len(rows) - 1)]
    return {
        "target": dest.target,
        "equity_target": dest.equity_target,
        "min_depth": dest.min_depth,
        "by_month": dest.by_month,
        "deadline_in_run": deadline <= rows[-1]["week"],
        "reached": bool(hits),
        "reached_month": hits[0] if hits else None,
        "achieved_at_deadline": at["destination_share"],
        "equity_achieved_at_deadline": at["destination_equity_share"],
        "shortfall": max(dest.target - at["destination_share"], 0.0),
        "equity_shortfall": max(dest.equity_target - at["destination_equity_share"], 0.0),
        "equity_clause_holds": at["destination_equity_share"] >= dest.equity_target,
    }


# (destination, expected (reached, equity clause holds, deadline within the run)); with
# min_depth 0.1 the district starts at 13.5% (6.6% in high-need schools) and declines.
TICKETS = {
    "reached-then-lost": (
        {"target": 0.1, "equity_target": 0.05, "by_month": 30},
        (True, False, True),
    ),
    "missed-clause-holds": (
        {"target": 0.5, "equity_target": 0.01, "by_month": 12},
        (False, True, True),
    ),
    "after-horizon": (
        {"target": 0.3, "equity_target": 0.95, "by_month": 48},
        (False, False, False),
    ),
}


@pytest.mark.parametrize("case", TICKETS)
def test_trip_ticket_values_match_their_definition(repo: Path, case: str) -> None:
    """Reached or not, the month, both shortfalls and the clause equal a recomputation."""
    destination, verdict = TICKETS[case]
    over = {f"trip_ticket.destination.{k}": v for k, v in {**destination, "min_depth": 0.1}.items()}
    sc = scalesim.load_scenario(repo / "scenarios" / "csv_district.yaml", overrides=over)
    res = scalesim.run(sc, seed=2)
    want = expected_ticket(sc, res.timeseries)
    assert res.summary["trip_ticket"] == want
    assert (want["reached"], want["equity_clause_holds"], want["deadline_in_run"]) == verdict


def test_python_api_accepts_mapping_and_scenario() -> None:
    """run() takes a plain mapping or a Scenario object, not only a path."""
    data = {"district": {"generated": {"n_schools": 4}}, "horizon_months": 2}
    a = scalesim.run(data, seed=1)
    b = scalesim.run(scalesim.Scenario.model_validate(data), seed=1)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert int(a.timeseries["week"].iloc[-1]) == 9

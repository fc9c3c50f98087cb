"""An observed district: a roster, a surveyed tie list and an adoption history load and are used.

Roster people are the model's educators, school by school; the tie list is the network with
every roster person a node (isolates kept); the history maps onto model months. Each bad file
gives one clear message naming the file, the line and the column, exit code 2 and nothing
written (through the real ``scalesim run`` command).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import scalesim
from scalesim.scenario.observed_history import scenario_history
from scalesim.simulation.model import ScalingModel

ROSTER = (
    "id,school,role,years_experience,attitude,grade\n"
    "a1,North,teacher,2,0.9,3\n"
    "a2,North,coach,12,,4\n"
    "b1,South,teacher,30,0.1,5\n"
    "a3,North,teacher,,0.5,3\n"
    "b2,South,teacher,7,0.4,5\n"
)
TIES = "ego,alter,weight\na1,a2,2\na2,a1,1\na3,b1,1\n"
HISTORY_SCHOOL = (
    "school,date,share_enacting,depth\n"
    "North,2024-10-01,0.33,0.2\nSouth,2024-10-01,0.0,\nNorth,2025-03-01,0.67,0.3\n"
)
SCENARIO = """
name: tiny-observed
horizon_months: 12
district:
  source: roster
  roster: {path: roster.csv, extra_columns: [grade]}
network:
  kind: observed
  ties: {path: ties.csv, directed: true, weighted: true}
history: {path: history.csv, kind: per_school, start_date: 2024-08-01}
trip_ticket: {pit_stops: []}
"""


def write(tmp: Path, **files: str) -> Path:
    base = {"roster.csv": ROSTER, "ties.csv": TIES, "history.csv": HISTORY_SCHOOL}
    base.update({k.replace("_", "."): v for k, v in files.items()})
    base.setdefault("s.yaml", SCENARIO)
    for name, text in base.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp / "s.yaml"


def test_roster_people_are_the_educators_school_by_school(tmp_path: Path) -> None:
    """Slots follow the roster grouped by school; measured factors replace drawn ones."""
    m = ScalingModel(scalesim.load_scenario(write(tmp_path)), seed=1)
    roster = m.schools.roster
    assert roster is not None
    assert roster.ids == ("a1", "a2", "a3", "b1", "b2")
    assert list(m.schools.name) == ["North", "South"]
    assert m.schools.size.tolist() == [3, 2]
    assert m.ed.school.tolist() == [0, 0, 0, 1, 1]
    f = m.ed.factors
    assert f.attitude[0] == 0.9 and f.attitude[3] == 0.1
    assert 0 <= f.attitude[1] <= 1  # blank cell: drawn
    assert f.experience[3] == 30 and f.experience[0] == 2
    assert f.extra["role"].tolist() == ["teacher", "coach", "teacher", "teacher", "teacher"]
    assert f.extra["grade"].tolist() == [3, 4, 3, 5, 5]


def test_tie_list_is_the_network_with_isolates_kept(tmp_path: Path) -> None:
    """Directed nominations keep their direction and weights; b2 has no tie and stays in."""
    m = ScalingModel(scalesim.load_scenario(write(tmp_path)), seed=1)
    a = m.network.adjacency.toarray()
    assert a.shape == (5, 5)
    assert a[0, 1] == 2 and a[1, 0] == 1 and a[2, 3] == 1 and a[3, 2] == 0
    assert a[4].sum() == 0 and a[:, 4].sum() == 0  # the isolate
    # ego hears from alter: a3's share of enacting neighbours is b1's state alone.
    share = m.network.neighbour_share(np.array([False, False, False, True, False]))
    assert share[2] == 1.0 and share[3] == 0.0


def test_undirected_ties_count_both_ways(tmp_path: Path) -> None:
    text = SCENARIO.replace("directed: true, weighted: true", "directed: false")
    m = ScalingModel(
        scalesim.load_scenario(write(tmp_path, s_yaml=text, ties_csv="ego,alter\na1,a2\na3,b1\n")),
        seed=1,
    )
    a = m.network.adjacency.toarray()
    assert (a == a.T).all() and a[3, 2] == 1


def test_history_dates_map_onto_model_months(tmp_path: Path) -> None:
    """Dates become months from start_date; unobserved school-dates are missing, not zero."""
    h = scenario_history(scalesim.load_scenario(write(tmp_path)))
    # 61 and 212 days after start_date, at 365.25 / 12 days a month.
    assert h.months.tolist() == pytest.approx([61 / (365.25 / 12), 212 / (365.25 / 12)])
    assert h.share[0].tolist() == [0.33, 0.67]
    assert h.share[1, 0] == 0.0 and np.isnan(h.share[1, 1])
    assert h.depth is not None and h.depth[0, 1] == 0.3


def test_per_educator_history_gives_cumulative_shares(tmp_path: Path) -> None:
    text = SCENARIO.replace(
        "history: {path: history.csv, kind: per_school, start_date: 2024-08-01}",
        "history: {path: history.csv, kind: per_educator, periods: 3, period_months: 4,"
        " never_values: ['', never]}",
    )
    hist = "id,period\na1,1\na2,3\na3,never\nb1,2\nb2,\n"
    h = scenario_history(scalesim.load_scenario(write(tmp_path, s_yaml=text, history_csv=hist)))
    assert h.months.tolist() == [4, 8, 12]
    assert h.share[0].tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 3])
    assert h.share[1].tolist() == [0.0, 0.5, 0.5]
    assert h.started_period.tolist() == [1, 3, 0, 2, 0]


def test_shipped_district_export_runs_on_its_observed_network(repo: Path) -> None:
    sc = scalesim.load_scenario(repo / "scenarios" / "observed_district.yaml")
    m = ScalingModel(sc, seed=3)
    assert m.ed.n == 159 and m.schools.n == 6 and m.network.kind == "observed"
    assert int((m.network.out_degree + m.network.in_degree == 0).sum()) > 0  # non-respondents
    h = scenario_history(sc)
    assert h.share.shape == (6, 4) and not np.isnan(h.share).any()
    m.run()
    assert m.week == sc.n_weeks


BAD = {
    "unknown-id-in-ties": (
        {"ties_csv": "ego,alter\na1,zz\n"},
        ["ties.csv", "line 2, column 'alter'", "'zz' is not in the roster"],
    ),
    "self-tie": ({"ties_csv": "ego,alter\na1,a1\n"}, ["ties.csv", "line 2", "self-tie"]),
    "duplicate-tie": (
        {"ties_csv": "ego,alter\na1,a2\nb1,b2\na1,a2\n"},
        ["ties.csv", "line 4, column 'alter'", "duplicate tie", "first on line 2"],
    ),
    "negative-weight": (
        {"ties_csv": "ego,alter,weight\na1,a2,-1\n"},
        ["ties.csv", "line 2, column 'weight'", "expected a weight in [0"],
    ),
    "missing-roster-column": (
        {"roster_csv": "id,grade\na1,3\n"},
        ["roster.csv", "column 'school'", "missing"],
    ),
    "duplicate-roster-id": (
        {"roster_csv": "id,school,grade\na1,N,1\na1,S,1\n"},
        ["roster.csv", "line 3, column 'id'", "listed twice"],
    ),
    "history-date-outside-horizon": (
        {"history_csv": "school,date,share_enacting\nNorth,2026-01-01,0.5\n"},
        ["history.csv", "line 2, column 'date'", "outside the horizon"],
    ),
    "history-unknown-school": (
        {"history_csv": "school,date,share_enacting\nWest,2024-10-01,0.5\n"},
        ["history.csv", "line 2, column 'school'", "no school named 'West'"],
    ),
    "history-share-out-of-range": (
        {"history_csv": "school,date,share_enacting\nNorth,2024-10-01,1.5\n"},
        ["history.csv", "line 2, column 'share_enacting'", "[0, 1]"],
    ),
    "observed-without-roster": (
        {"s_yaml": "network: {kind: observed, ties: {path: ties.csv}}\n"},
        ["s.yaml", "network.kind", "needs district.source: roster"],
    ),
}


@pytest.mark.parametrize(("files", "expected"), BAD.values(), ids=BAD.keys())
def test_bad_observed_file_one_clear_message(
    files: dict[str, str], expected: list[str], tmp_path: Path, scalesim_cmd: list[str]
) -> None:
    target = write(tmp_path, **files)
    proc = subprocess.run(
        [*scalesim_cmd, "run", str(target), "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for part in expected:
        assert part in proc.stderr, (part, proc.stderr)
    assert not (tmp_path / "out").exists()

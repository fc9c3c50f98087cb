"""Scenario files: loading, validation, overrides, hashing, CSV districts, shipped files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from scalesim.common.errors import ScalesimInputError, ScenarioError
from scalesim.scenario import (
    WEEKS_PER_MONTH,
    Scenario,
    apply_overrides,
    load_scenario,
    load_school_csv,
    month_to_week,
    scenario_from_dict,
)
from scalesim.simulation.model import ScalingModel

# Every scenario file shipped under scenarios/ (a teaching lesson's lesson.yaml describes the
# lesson, not a scenario; its arms are scenarios and are included).
SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(p for p in SCENARIOS_DIR.rglob("*.yaml") if p.name != "lesson.yaml")


def test_default_scenario_is_the_issue_district(repo: Path) -> None:
    """The default: ~5,000 educators, 120 schools, a quarter high-need, three school years."""
    sc = load_scenario(repo / "scenarios" / "default.yaml")
    assert sc.n_weeks == 156
    assert sc.district.generated.n_schools == 120
    assert sc.district.generated.high_need_share == 0.25
    assert sc.start.enacting_share == 0.15
    m = ScalingModel(sc, seed=1)
    assert 4500 <= m.ed.n <= 5500
    assert m.schools.n == 120
    assert 0.2 <= m.schools.high_need.mean() <= 0.3


def test_time_conversion() -> None:
    """A month is 52/12 weeks; three years are 156 weeks."""
    assert WEEKS_PER_MONTH * 12 == 52
    assert month_to_week(36) == 156
    assert month_to_week(12) == 52
    assert month_to_week(0) == 0


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty file is a mistake, not the default scenario: one clear error."""
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="the file is empty"):
        load_scenario(tmp_path / "empty.yaml")
    assert scenario_from_dict({}).scenario_hash() == Scenario().scenario_hash()


def test_hash_ignores_spelling_out_defaults() -> None:
    """Writing a default explicitly does not change the hash; changing a value does."""
    a = scenario_from_dict({})
    b = scenario_from_dict({"adoption": {"p_external": 0.03}, "network": {"kind": "district"}})
    c = scenario_from_dict({"adoption": {"p_external": 0.031}})
    assert a.scenario_hash() == b.scenario_hash()
    assert a.scenario_hash() != c.scenario_hash()
    assert len(a.scenario_hash()) == 16 and int(a.scenario_hash(), 16) >= 0


def test_round_trip_through_dict(make_scenario: Callable[..., Scenario]) -> None:
    """A validated scenario's plain form validates to the same scenario (same hash)."""
    sc = make_scenario({"conditions.mandate": "tight", "adoption.rule": "threshold"})
    again = scenario_from_dict(sc.to_dict())
    assert again.scenario_hash() == sc.scenario_hash()
    assert again == sc


def test_overrides_set_nested_values(tmp_path: Path) -> None:
    """Dotted overrides change values, creating sections, without touching the input."""
    data = {"adoption": {"q_peer": 0.5}}
    out = apply_overrides(data, {"adoption.p_external": 0.2, "turnover.enabled": False})
    assert data == {"adoption": {"q_peer": 0.5}}
    assert out == {"adoption": {"q_peer": 0.5, "p_external": 0.2}, "turnover": {"enabled": False}}
    (tmp_path / "s.yaml").write_text("adoption: {q_peer: 0.5}\n", encoding="utf-8")
    sc = load_scenario(tmp_path / "s.yaml", overrides={"adoption.q_peer": 1.25})
    assert sc.adoption.q_peer == 1.25


def test_override_errors_name_the_field(tmp_path: Path) -> None:
    """A bad override is reported like a bad file value."""
    (tmp_path / "s.yaml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tmp_path / "s.yaml", overrides={"start.enacting_share": 2})
    assert exc.value.field == "start.enacting_share"
    assert "less than or equal to 1" in exc.value.problem


def test_error_carries_file_field_and_problem() -> None:
    """ScenarioError is a ScalesimInputError with the three parts and a one-line message."""
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict({"depth": {"growht": 1}}, source="my.yaml")
    err = exc.value
    assert isinstance(err, ScalesimInputError)
    assert (err.source, err.field) == ("my.yaml", "depth.growht")
    assert "unknown key" in err.problem and "growth" in err.problem
    assert str(err).startswith("my.yaml: depth.growht: unknown key")
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"horizon_months": 0}, "horizon_months", "greater than 0"),
        ({"adoption": {"rule": "sir"}}, "adoption.rule", "'bass' or 'threshold'"),
        ({"network": {"kind": "watts_strogatz", "ws_k": 5}}, "network.ws_k", "even"),
        (
            {"district": {"generated": {"need_share_high": [0.9, 0.8]}}},
            "district.generated.need_share_high",
            "above high end",
        ),
        (
            {"educators": {"cynicism": {"mean": 0.4, "sd": -0.1}}},
            "educators.cynicism.sd",
            "greater than or equal to 0",
        ),
        ({"educators": {"cynicism": 0.4}}, "educators.cynicism", "valid dictionary"),
        ({"trip_ticket": {"pit_stops": [6, 48]}}, "trip_ticket.pit_stops[1]", "after the horizon"),
        ({"start": {"from_csv": True}}, "start.from_csv", "district.source: csv"),
        ({"calendar": {"summer_weeks": 30}}, "calendar.summer_weeks", "less than or equal to 20"),
        ({"turnover": {"enabled": "sometimes"}}, "turnover.enabled", "valid boolean"),
    ],
)
def test_invalid_values_are_named(data: dict, field: str, words: str) -> None:
    """Each invalid value names its field path and what was expected."""
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(data, source="s.yaml")
    assert exc.value.field == field, str(exc.value)
    assert words in exc.value.problem, str(exc.value)


def test_default_pit_stops_fit_a_short_horizon() -> None:
    """Default pit-stop dates past a short horizon are dropped, not reported as errors."""
    sc = scenario_from_dict({"horizon_months": 12})
    assert sc.trip_ticket.pit_stops == [6.0, 12.0]
    assert scenario_from_dict({}).trip_ticket.pit_stops == [6.0, 12.0, 18.0, 24.0, 30.0]


def test_csv_path_is_relative_to_the_scenario_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative CSV path resolves from the scenario's folder, whatever the working folder."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "d.csv").write_text(
        "name,region,enrollment,need_share,n_educators\nA,r,100,0.9,5\n", encoding="utf-8"
    )
    (tmp_path / "s.yaml").write_text(
        "district: {source: csv, csv: {path: data/d.csv}}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path / "data")
    sc = load_scenario(tmp_path / "s.yaml")
    assert sc.district.csv is not None
    assert Path(sc.district.csv.path) == (tmp_path / "data" / "d.csv").resolve()


def test_school_csv_types_and_optional_column(tmp_path: Path) -> None:
    """CSV rows are typed; enacting_share is optional, and an empty cell is left out."""
    p = tmp_path / "d.csv"
    p.write_text(
        "name,region,enrollment,need_share,n_educators,enacting_share\n"
        " A ,north,300,0.8,20,0.25\nB,south,400.5,0.1,7,\n",
        encoding="utf-8",
    )
    rows = load_school_csv(p)
    assert rows[0] == {
        "name": "A",
        "region": "north",
        "enrollment": 300.0,
        "need_share": 0.8,
        "n_educators": 20,
        "enacting_share": 0.25,
    }
    assert "enacting_share" not in rows[1]
    assert isinstance(rows[1]["n_educators"], int)


def test_csv_district_builds_the_csv_schools(tmp_path: Path) -> None:
    """A CSV district has the CSV's schools, sizes and need shares, in file order."""
    (tmp_path / "d.csv").write_text(
        "name,region,enrollment,need_share,n_educators\n"
        "A,north,300,0.8,20\nB,south,400,0.1,7\nC,north,200,0.76,3\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        "district: {source: csv, csv: {path: d.csv}}\n", encoding="utf-8"
    )
    m = ScalingModel(load_scenario(tmp_path / "s.yaml"), seed=0)
    assert list(m.schools.name) == ["A", "B", "C"]
    assert m.schools.size.tolist() == [20, 7, 3]
    assert m.schools.high_need.tolist() == [True, False, True]
    assert m.ed.n == 30
    np.testing.assert_array_equal(m.ed.school, np.repeat([0, 1, 2], [20, 7, 3]))


@pytest.mark.parametrize(
    "path", SHIPPED, ids=[p.relative_to(SCENARIOS_DIR).as_posix() for p in SHIPPED]
)
def test_shipped_scenarios_load_and_run(path: Path) -> None:
    """Every scenario file shipped in scenarios/ validates and runs a few weeks."""
    sc = load_scenario(path)
    m = ScalingModel(sc, seed=1)
    m.run_for(3)
    assert m.week == 3
    assert 0.0 <= m.current["share_enacting"] <= 1.0

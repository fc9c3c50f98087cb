"""Experiment files: validation with clear errors, designs, seeds and tasks (issue 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exp_helpers import REPO, experiment, write
from scalesim.cli import main
from scalesim.common.errors import ScalesimInputError
from scalesim.workbench.experiment import experiment_from_dict, load_experiment
from scalesim.workbench.experiment_schema import derive_seeds


def load(doc: dict, tmp_path: Path):
    return load_experiment(write(tmp_path / "exp.yaml", doc))


@pytest.mark.parametrize(
    "path", sorted((REPO / "experiments").glob("*.yaml")), ids=lambda p: p.name
)
def test_shipped_examples_validate(path: Path) -> None:
    """Every example in experiments/ loads, resolves its design and plans its tasks."""
    exp = load_experiment(path)
    tasks = exp.tasks()
    assert len(tasks) == len(exp.points) * len(exp.options) * len(exp.seeds) > 0
    assert [t.task_id for t in tasks] == list(range(len(tasks)))


def test_grid_tasks_and_common_seeds(tmp_path: Path) -> None:
    """A 2-level grid × 2 options × 2 replicates gives 8 tasks; every cell uses the same seeds."""
    exp = load(experiment(), tmp_path)
    tasks = exp.tasks()
    assert [p["conditions.leadership_support"] for p in exp.points] == [0.3, 0.7]
    assert len(tasks) == 8
    assert [(t.point, t.option, t.replicate) for t in tasks[:4]] == [
        (0, "baseline", 0),
        (0, "baseline", 1),
        (0, "mandate", 0),
        (0, "mandate", 1),
    ]
    seeds_by_cell = {(t.point, t.option): [] for t in tasks}
    for t in tasks:
        seeds_by_cell[(t.point, t.option)].append(t.seed)
    assert len({tuple(v) for v in seeds_by_cell.values()}) == 1, "common random numbers"
    mandate = next(t for t in tasks if t.option == "mandate")
    assert mandate.scenario["conditions"]["mandate"] == "tight"
    assert tasks[-1].scenario["conditions"]["leadership_support"] == 0.7
    assert tasks[0].scenario["district"]["generated"]["n_schools"] == 8


def test_seeds_derived_and_prefix_stable() -> None:
    """Derived seeds depend only on the root; asking for more keeps the first ones."""
    assert derive_seeds(5, 3) == derive_seeds(5, 10)[:3]
    assert derive_seeds(5, 3) != derive_seeds(6, 3)
    assert all(0 <= s < 2**31 for s in derive_seeds(1, 100))


def test_explicit_seed_list(tmp_path: Path) -> None:
    """An explicit seed list is used as given."""
    exp = load(experiment(replicates=[11, 3, 7]), tmp_path)
    assert exp.seeds == [11, 3, 7]


def test_latin_hypercube_is_seeded_and_in_bounds(tmp_path: Path) -> None:
    """LHS points lie in their ranges, integers are integers, lists pick listed values."""
    doc = experiment(
        uncertainties={
            "adoption.p_external": {"low": 0.01, "high": 0.2},
            "district.generated.n_regions": {"low": 2, "high": 5, "integer": True},
            "conditions.mandate": ["loose", "tight"],
        },
        design={"method": "latin_hypercube", "n": 20, "seed": 4},
    )
    a, b = load(doc, tmp_path), load(doc, tmp_path)
    assert a.points == b.points and len(a.points) == 20
    p = np.array([x["adoption.p_external"] for x in a.points])
    assert (p >= 0.01).all() and (p <= 0.2).all()
    assert {x["district.generated.n_regions"] for x in a.points} <= {2, 3, 4, 5}
    assert {x["conditions.mandate"] for x in a.points} == {"loose", "tight"}
    doc["design"]["seed"] = 5
    assert load(doc, tmp_path).points != a.points


def test_sobol_and_morris_sizes(tmp_path: Path) -> None:
    """Saltelli gives N·(D+2) points (first order); Morris gives N·(D+1)."""
    u = {"adoption.p_external": {"low": 0, "high": 1}, "network.er_p": {"low": 0, "high": 0.5}}
    s = load(experiment(uncertainties=u, design={"method": "sobol", "n": 8}), tmp_path)
    assert len(s.points) == 8 * 4
    m = load(experiment(uncertainties=u, design={"method": "morris", "n": 5}), tmp_path)
    assert len(m.points) == 5 * 3 and m.unit_samples.shape == (15, 2)


def test_list_design(tmp_path: Path) -> None:
    """An explicit list of points is taken as written."""
    doc = experiment(
        design={
            "method": "list",
            "points": [
                {"conditions.leadership_support": 0.1},
                {"conditions.leadership_support": 0.9},
            ],
        }
    )
    assert [p["conditions.leadership_support"] for p in load(doc, tmp_path).points] == [0.1, 0.9]


def test_lever_strategies_pass_through(tmp_path: Path) -> None:
    """A lever's strategies list becomes the scenario's strategies key."""
    doc = experiment(
        levers={
            "none": {},
            "champions": {
                "strategies": [
                    {
                        "type": "local_champions",
                        "select": {"rule": "most_credible", "per_school": 1},
                    }
                ]
            },
        }
    )
    exp = load(doc, tmp_path)
    assert exp.options["none"]["strategies"] == []
    assert exp.options["champions"]["strategies"][0]["type"] == "local_champions"


BAD = [
    ({"designn": {}}, "designn", "unknown key (did you mean 'design'?); expected one of"),
    (
        {"uncertainties": {"conditions.leadership": {"low": 0, "high": 1}}},
        "uncertainties.conditions.leadership",
        "is not a scenario field; keys at conditions",
    ),
    (
        {"uncertainties": {"adoption.p_external": {"low": 0.5, "high": 0.1}}},
        "uncertainties.adoption.p_external",
        "low (0.5) is above high (0.1)",
    ),
    (
        {"uncertainties": {"conditions.mandate": {"values": ["loose", 3]}}},
        "uncertainties.conditions.mandate",
        "must all be numbers, all strings or all booleans",
    ),
    ({"design": {"method": "sobol", "n": 10}}, "design", "power of 2"),
    ({"design": {"method": "latin_hypercube"}}, "design", "needs n"),
    ({"design": {"method": "grid"}}, "design.method", "full_grid"),
    ({"replicates": {"count": 0}}, "replicates.count", "greater than or equal to 1"),
    ({"replicates": {"seeds": [1, 1]}}, "replicates", "distinct"),
    ({"outcomes": ["share_enactin"]}, "outcomes[0].metric", "unknown metric 'share_enactin'"),
    ({"outcomes": [{"metric": "tt_reached", "at": 3}]}, "outcomes[0]", "only available at the end"),
    (
        {"outcomes": [{"metric": "share_enacting", "at": 7}]},
        "outcomes[0].at",
        "after the horizon (6 months)",
    ),
    (
        {"levers": {"x": {"overrides": {"conditions.mandate": "sometimes"}}}},
        "levers.x",
        "conditions.mandate",
    ),
    ({"levers": {"x": {"overides": {}}}}, "levers.x.overides", "unknown key"),
    ({"scenario": "nowhere.yaml"}, "scenario", "scenario file not found"),
    (
        {"design": {"method": "list", "points": [{"conditions.mandate": "tight"}]}},
        "design.points[0].conditions.mandate",
        "not a declared uncertainty",
    ),
]


@pytest.mark.parametrize(("change", "field", "expect"), BAD, ids=[b[1] for b in BAD])
def test_bad_experiment_clear_error(tmp_path: Path, change: dict, field: str, expect: str) -> None:
    """Each mistake is one ScalesimInputError naming the file, the field and the expectation."""
    path = write(tmp_path / "bad.yaml", experiment(**change))
    with pytest.raises(ScalesimInputError) as info:
        load_experiment(path)
    err = info.value
    assert err.source == str(path), err
    assert err.field == field, str(err)
    assert expect in err.problem, str(err)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    """A YAML syntax error gives its line."""
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\nscenario: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScalesimInputError, match=r"broken.yaml: YAML syntax error at line"):
        load_experiment(p)


def test_not_a_mapping() -> None:
    """A document that is not a mapping is refused."""
    with pytest.raises(ScalesimInputError, match="expected a mapping"):
        experiment_from_dict([1, 2], source="x.yaml")


@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_cli_bad_experiment_exit_2_nothing_written(tmp_path: Path, capsys, command: str) -> None:
    """The CLI prints one clear line, exits with code 2 and writes nothing."""
    path = write(
        tmp_path / "bad.yaml", experiment(outcomes=["nope"], design={"method": "sobol", "n": 8})
    )
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main([command, str(path), "--out", str(out), "--quiet"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: outcomes[0].metric: unknown metric 'nope'"), err
    assert not out.exists(), "nothing may be written for a bad experiment"

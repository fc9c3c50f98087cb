"""The notebook face: ``scalesim.compare`` / ``rehearse`` objects, ``RunResult.plot``, one seed.

Python and the command line run the same code with the same default seed and replicate
count, so the numbers agree without a seed argument (issue 14): checked against the real
``scalesim`` command in a subprocess. The objects' tables carry units, ``.plot()`` returns a
``Figure`` without importing pyplot, ``.report()`` writes the HTML report, and
``load_results`` reads every kind of results folder back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure

import scalesim
from scalesim.common.errors import ScalesimInputError
from scalesim.common.seeds import DEFAULT_SEED
from scalesim.metrics import METRICS

TINY = {
    "horizon_months": 6,
    "district": {"generated": {"n_schools": 5}},
    "trip_ticket": {"pit_stops": [3, 6], "destination": {"by_month": 6}},
}


def write(path: Path, data: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("api")
    base = write(root / "base.yaml", {**TINY, "name": "base"})
    coach = write(
        root / "coach.yaml",
        {
            **TINY,
            "name": "coach",
            "strategies": [{"type": "coaching", "select": {"rule": "highest_need"}}],
        },
    )
    return {"root": root, "base": base, "coach": coach}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "scalesim", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={"MPLBACKEND": "agg", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_one_default_seed_for_python_and_the_cli() -> None:
    import inspect

    from scalesim.cli import app
    from scalesim.simulation.runner import run

    assert inspect.signature(run).parameters["seed"].default == DEFAULT_SEED
    assert inspect.signature(scalesim.compare).parameters["seed"].default == DEFAULT_SEED
    assert inspect.signature(scalesim.rehearse).parameters["seed"].default == DEFAULT_SEED
    import typer.main

    click_app = typer.main.get_command(app)
    for name in ("run", "compare", "rehearse", "optimize", "app"):
        seed = next(p for p in click_app.commands[name].params if p.name == "seed")
        assert seed.default == DEFAULT_SEED, name


def test_run_without_a_seed_gives_the_cli_numbers(files: dict[str, Path], tmp_path: Path) -> None:
    cli("run", str(files["coach"]), "--out", str(tmp_path / "run"), "--quiet")
    res = scalesim.run(files["coach"])
    cli_ts = pq.read_table(tmp_path / "run" / "timeseries.parquet").to_pandas()
    pd.testing.assert_frame_equal(res.timeseries, cli_ts)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert res.summary["seed"] == summary["seed"] == DEFAULT_SEED
    # And load_results reads the CLI's run folder: its one-row runs table and its tables.
    runs = scalesim.load_results(tmp_path / "run")
    assert len(runs) == 1 and runs["seed"].iloc[0] == DEFAULT_SEED
    assert runs["share_enacting"].iloc[0] == pytest.approx(res.summary["end"]["share_enacting"])
    pd.testing.assert_frame_equal(scalesim.load_results(tmp_path / "run", "timeseries"), cli_ts)
    assert len(scalesim.load_results(tmp_path / "run", "log")) == len(res.log)


def test_compare_without_a_seed_gives_the_cli_numbers(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cli"
    cli(
        "compare",
        str(files["base"]),
        str(files["coach"]),
        "--reps",
        "3",
        "--out",
        str(out),
        "--quiet",
    )
    cmp = scalesim.compare([files["base"], files["coach"]], reps=3)
    cli_comp = scalesim.load_results(out, "comparison")
    pd.testing.assert_frame_equal(cmp.comparison.reset_index(drop=True), cli_comp, check_like=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert cmp.seeds == manifest["seeds"]
    assert cmp.options == ["base", "coach"]


@pytest.fixture(scope="module")
def comparison(files: dict[str, Path]) -> scalesim.notebook.Results:
    return scalesim.compare([files["base"], files["coach"]], reps=2)


def test_compare_tables_carry_units(comparison: scalesim.notebook.Results) -> None:
    runs = comparison.runs
    assert runs.attrs["units"]["share_enacting"] == METRICS["share_enacting"].unit
    assert set(runs.attrs["units"]) == {c for c in runs.columns if c in METRICS}
    tidy = comparison.comparison
    assert (tidy["unit"] == tidy["metric"].map(lambda m: METRICS[m].unit)).all()
    means = comparison.means()
    assert list(means.columns) == ["base", "coach"]
    assert f"{METRICS['share_enacting'].label} ({METRICS['share_enacting'].unit})" in means.index
    with pytest.raises(ScalesimInputError, match="did you mean 'comparison'"):
        comparison["comparision"]


def test_compare_plot_and_report(comparison: scalesim.notebook.Results, tmp_path: Path) -> None:
    fig = comparison.plot(["share_enacting", "equity_ratio"])
    assert isinstance(fig, Figure)
    assert len([ax for ax in fig.axes if ax.get_visible() and ax.lines]) == 2
    page = comparison.report(tmp_path / "c.html")
    html = page.read_text()
    assert page == tmp_path / "c.html" and "<html" in html.lower()
    assert "base" in html and "coach" in html


def test_rehearse_object_from_a_mapping(files: dict[str, Path]) -> None:
    reh = scalesim.rehearse(
        files["coach"],
        at=3,
        options={"continue": {}, "more": {"overrides": {"team.capacity_per_month": 80}}},
        reps=2,
    )
    assert reh.kind == "rehearse" and reh.options == ["continue", "more"]
    assert set(reh.trip_ticket["option"]) == {"continue", "more"}
    assert reh.branch_month == 3.0
    assert isinstance(reh.plot(), Figure)
    assert len(scalesim.load_results(reh.folder)) == 4
    # An option that breaks an adaptation rule gets the same message as on the command line.
    with_rule = scalesim.load_scenario(
        files["coach"],
        overrides={"adaptation": [{"when": "month >= 4", "then": {"drop": "coaching"}}]},
    )
    with pytest.raises(ScalesimInputError, match="--ignore-orphan-rules"):
        scalesim.rehearse(with_rule, 3, {"a": {}, "b": {"strategies": []}}, reps=1)


def test_api_errors_are_clear(files: dict[str, Path]) -> None:
    with pytest.raises(ScalesimInputError, match="at least two"):
        scalesim.compare([files["base"]])
    with pytest.raises(ScalesimInputError, match="reps"):
        scalesim.compare([files["base"], files["coach"]], reps=0)
    with pytest.raises(ScalesimInputError, match="--at"):
        scalesim.rehearse(files["base"], 60, {"a": {}}, reps=1)


def test_run_result_plot_is_a_figure_with_shares_from_zero(files: dict[str, Path]) -> None:
    res = scalesim.run(files["coach"])
    fig = res.plot()
    assert isinstance(fig, Figure)
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.lines]
    assert len(shown) == 6
    assert shown[0].get_ylim()[0] == 0.0  # share_enacting, a share: plotted from 0
    with pytest.raises(ScalesimInputError, match="did you mean 'share_enacting'"):
        res.plot(["share_enactng"])


def test_load_results_names_the_tables_of_a_folder(
    comparison: scalesim.notebook.Results, tmp_path: Path
) -> None:
    with pytest.raises(ScalesimInputError, match=r"did you mean 'timeseries'.*tables: bands"):
        scalesim.load_results(comparison.folder, "timeseris")
    with pytest.raises(ScalesimInputError, match="not a results folder"):
        scalesim.load_results(tmp_path)


NO_PYPLOT = """
import sys, scalesim
assert "matplotlib.pyplot" not in sys.modules
cmp = scalesim.compare([sys.argv[1], sys.argv[2]], reps=1)
fig = cmp.plot()
res = scalesim.run(sys.argv[1])
res.plot()
print(type(fig).__name__, "matplotlib.pyplot" in sys.modules, "mesa.visualization" in sys.modules)
"""


def test_notebook_objects_need_no_pyplot(files: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", NO_PYPLOT, str(files["base"]), str(files["coach"])],
        capture_output=True,
        text=True,
        timeout=600,
        env={"MPLBACKEND": "svg", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["Figure", "False", "False"]


def test_import_scalesim_stays_light() -> None:
    code = (
        "import sys, scalesim; scalesim.compare; scalesim.rehearse; "
        "print(sorted(m for m in ('matplotlib.pyplot', 'mesa', 'ema_workbench', 'optuna', "
        "'scalesim.simulation.model') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # Looking the functions up imports scalesim.notebook only: no model, no plotting stack.
    assert proc.stdout.strip() == "[]"

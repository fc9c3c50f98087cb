"""``scalesim compare`` and ``scalesim rehearse`` print rich tables that fit 80 columns.

Through the real command in a subprocess with ``COLUMNS=80`` (as a narrow terminal sets it):
no line is wider than 80 characters, nothing is cut (no ellipsis; every option's mean of
every metric appears whole, formatted in its unit), each option has its table against the
baseline, and the trip ticket's probabilities follow.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from exp_helpers import DEFAULT, TINY
from scalesim.metrics.units import format_value
from scalesim.scenario import apply_overrides
from scalesim.workbench.markdown import MAIN_METRICS

WIDTH = 80


def _scenario(path: Path, name: str, strategies: list[dict]) -> Path:
    data = apply_overrides({"base": str(DEFAULT), "name": name}, dict(TINY))
    data["strategies"] = strategies
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _run(cmd: list[str], args: list[str], columns: int = WIDTH) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "MPLBACKEND": "agg"}
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run(
        [*cmd, *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def printed(
    tmp_path_factory: pytest.TempPathFactory, scalesim_cmd: list[str]
) -> dict[str, tuple[str, Path]]:
    """What compare (three options) and rehearse (two) print, and their results folders."""
    d = tmp_path_factory.mktemp("tables")
    files = [
        _scenario(d / "none.yaml", "none", []),
        _scenario(d / "coaching.yaml", "coaching", [{"type": "coaching"}]),
        _scenario(
            d / "champions_and_coaching.yaml",
            "champions_and_coaching",
            [{"type": "coaching"}, {"type": "local_champions"}],
        ),
    ]
    options = {
        "options": {"continue": {}, "champions": {"strategies": [{"type": "local_champions"}]}}
    }
    (d / "options.yaml").write_text(yaml.safe_dump(options, sort_keys=False), encoding="utf-8")
    out = {}
    cmp_dir, reh_dir = d / "cmp", d / "reh"
    proc = _run(scalesim_cmd, ["compare", *map(str, files), "--reps", "3", "--out", str(cmp_dir)])
    out["compare"] = (proc.stdout, cmp_dir)
    proc = _run(
        scalesim_cmd,
        [
            "rehearse",
            str(files[1]),
            "--at",
            "3",
            "--options",
            str(d / "options.yaml"),
            "--reps",
            "3",
            "--out",
            str(reh_dir),
        ],
    )
    out["rehearse"] = (proc.stdout, reh_dir)
    return out


@pytest.mark.parametrize("kind", ["compare", "rehearse"])
def test_tables_fit_80_columns_and_cut_nothing(printed, kind: str) -> None:
    text, folder = printed[kind]
    lines = text.splitlines()
    # The tables; the closing "wrote <folder>/" line is a path, as long as the path is.
    tables = lines[:-1]
    assert max(len(line) for line in tables) <= WIDTH, max(tables, key=len)
    assert "…" not in text
    comp = pd.read_parquet(folder / "comparison.parquet")
    options = list(dict.fromkeys(comp["option"]))
    base = options[0]
    for o in options[1:]:
        assert f"{o} against {base}" in text
    for m in MAIN_METRICS:
        for o in options:
            r = comp[(comp["metric"] == m) & (comp["option"] == o)].iloc[0]
            assert f" {format_value(r['mean'], r['unit'])} " in text, (m, o)
    tt = pd.read_parquet(folder / "trip_ticket.parquet")
    assert "P(destination)" in text
    for o in options:
        p = tt.set_index("option").loc[o, "p_reached"]
        start = next(i for i, line in enumerate(lines) if "P(destination)" in line)
        row = next(line for line in lines[start:] if line.strip().startswith(o + " "))
        assert format_value(p, "probability") in row
    assert lines[-1].startswith(f"wrote {folder}/")


def test_quiet_prints_no_table(printed, scalesim_cmd: list[str], tmp_path: Path) -> None:
    _, folder = printed["compare"]
    scen = sorted((folder / "options").iterdir())
    files = [str(p / "scenario.yaml") for p in scen[:2]]
    proc = _run(
        scalesim_cmd,
        ["compare", *files, "--reps", "2", "--out", str(tmp_path / "q"), "--quiet"],
    )
    assert proc.stdout.splitlines() == [
        next(x for x in proc.stdout.splitlines() if x.startswith("wrote "))
    ]

"""``rehearse --from-calibration --at today``: branches start from the observed state.

And the intervals widen when the posterior is wider.

A tiny calibration of the shipped district export gives a real calibration folder; two copies
of it get a deliberately narrow and a deliberately wide posterior (one particle repeated vs.
particles spread over the prior), and the same rehearsal on the same seeds runs from each.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scalesim
from scalesim.common.units import month_to_week
from scalesim.scenario.observed_history import scenario_history
from scalesim.simulation.model import ScalingModel
from scalesim.workbench.calibration_file import load_calibration
from scalesim.workbench.calibration_output import calibrate
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.from_calibration import observed_enacting, observed_state

CAL = """
params:
  adoption.p_external: {prior: uniform, low: 0.0, high: 1.5}
  adoption.q_peer: {prior: uniform, low: 0.0, high: 8.0}
abc: {population: 20, generations: 1}
predictive: {draws: 4}
seed: 3
"""
OPTIONS = "options:\n  continue: {}\n  no_peers:\n    overrides: {adoption.q_peer: 0.0}\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory, repo: Path) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("from_cal")
    sc_path = repo / "scenarios" / "observed_district.yaml"
    (tmp / "cal.yaml").write_text(CAL, encoding="utf-8")
    (tmp / "options.yaml").write_text(OPTIONS, encoding="utf-8")
    sc = scalesim.load_scenario(sc_path)
    calibrate(
        sc,
        load_calibration(tmp / "cal.yaml", sc, None),
        "abc",
        SerialExecutor(),
        tmp / "cal",
        scenario_source=str(sc_path),
        calibration_source="cal.yaml",
    )
    post = pd.read_parquet(tmp / "cal" / "posterior.parquet")
    n = len(post)
    narrow = post.copy()
    narrow["adoption.p_external"], narrow["adoption.q_peer"] = 0.3, 3.0
    wide = post.copy()
    # Deliberately wide: half the particles at the prior's low corner, half at its high one.
    wide["adoption.p_external"] = np.where(np.arange(n) % 2 == 0, 0.0, 1.5)
    wide["adoption.q_peer"] = np.where(np.arange(n) % 2 == 0, 0.0, 8.0)
    # The same district with two more years to rehearse after the last survey.
    text = sc_path.read_text(encoding="utf-8").replace("horizon_months: 24", "horizon_months: 48")
    longer = tmp / "longer.yaml"
    longer.write_text(text.replace("data/", str(sc_path.parent / "data") + "/"), "utf-8")
    out = {"scenario": longer, "tmp": tmp}
    for name, df in (("narrow", narrow), ("wide", wide)):
        shutil.copytree(tmp / "cal", tmp / name)
        df.to_parquet(tmp / name / "posterior.parquet")
        out[name] = tmp / name
    return out


def test_branch_point_state_equals_the_observed_state(repo: Path) -> None:
    """Per school: round(share x educators) enact at the branch week, whatever was simulated."""
    sc = scalesim.load_scenario(repo / "scenarios" / "observed_district.yaml")
    state = observed_state(sc)
    h = scenario_history(sc)
    for seed in (1, 2, 3):
        m = ScalingModel(sc, seed=seed)
        m.run_for(month_to_week(state.month))
        m.set_enacting(observed_enacting(m, state), "history")
        for k in range(m.schools.n):
            mine = m.ed.school == k
            assert m.ed.enacting[mine].sum() == round(h.share[k, -1] * mine.sum())
        ts = m.datacollector.get_model_vars_dataframe()
        assert ts["share_enacting"].iloc[-1] == pytest.approx(m.ed.enacting.mean())


def run_rehearse(cmd: list[str], f: dict[str, Path], which: str) -> pd.DataFrame:
    out = f["tmp"] / f"reh-{which}"
    proc = subprocess.run(
        [
            *cmd,
            "rehearse",
            str(f["scenario"]),
            "--from-calibration",
            str(f[which]),
            "--at",
            "today",
            "--options",
            str(f["tmp"] / "options.yaml"),
            "--reps",
            "12",
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return pd.read_parquet(out / "timeseries.parquet")


def test_intervals_widen_with_a_wider_posterior(
    folders: dict[str, Path], scalesim_cmd: list[str]
) -> None:
    sc = scalesim.load_scenario(folders["scenario"])
    branch = month_to_week(observed_state(sc).month)
    spread = {}
    for which in ("narrow", "wide"):
        ts = run_rehearse(scalesim_cmd, folders, which)
        base = ts[ts["option"] == "continue"]
        at = base[base["week"] == branch]["share_enacting"]
        # Every branch starts from the same observed state (the districts are the same).
        assert at.nunique() == 1, at
        assert at.iloc[0] == pytest.approx(observed_pooled(sc), abs=1e-9)
        end = base[base["week"] == base["week"].max()]["share_enacting"]
        spread[which] = float(end.quantile(0.9) - end.quantile(0.1))
    assert spread["wide"] > 1.5 * spread["narrow"], spread


def observed_pooled(sc: scalesim.Scenario) -> float:
    h = scenario_history(sc)
    m = ScalingModel(sc, seed=1)
    sizes = np.bincount(m.ed.school, minlength=m.schools.n)
    return float(
        sum(round(s * n) for s, n in zip(h.share[:, -1], sizes, strict=True)) / sizes.sum()
    )

"""Sensitivity analysis: a parameter without effect by construction gets indices of exactly 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exp_helpers import experiment, write
from scalesim.cli import main
from scalesim.workbench.executors import SerialExecutor
from scalesim.workbench.sensitivity import load_for_method, run_sensitivity
from scalesim.workbench.store import load_results

# network.er_p is unused when network.kind is 'district' (the default): no effect by
# construction. adoption.p_external drives adoption directly. Every design point runs on
# the same replicate seeds (common random numbers), so two points that differ only in er_p
# give identical outcomes, and every estimator of er_p's indices (Sobol's S1 and ST, Morris'
# mu*) sums differences that are exactly 0: the indices and their bootstrap intervals are 0,
# not merely small.
DOC = experiment(
    uncertainties={
        "adoption.p_external": {"low": 0.0, "high": 1.5},
        "network.er_p": {"low": 0.0, "high": 0.5},
    },
    levers={},
    design={"n": 16, "seed": 3},
    replicates={"count": 2, "seed": 11},
    outcomes=["share_enacting", "students_reached"],
    store={"tables": []},
)


def test_sobol_switched_off_parameter_exactly_zero(tmp_path: Path, capsys) -> None:
    """Sobol: S1 and ST of er_p are exactly 0, ST(p_external) large; the folder is written."""
    path = write(tmp_path / "sobol.yaml", DOC)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["sensitivity", str(path), "--method", "sobol", "--out", str(out), "--quiet"])
    assert info.value.code == 0
    idx = load_results(out / "sensitivity", "indices")
    for outcome in ("share_enacting", "students_reached"):
        cur = idx[idx["outcome"] == outcome].set_index("parameter")
        off, on = cur.loc["network.er_p"], cur.loc["adoption.p_external"]
        assert (off["S1"], off["S1_conf"], off["ST"], off["ST_conf"]) == (0, 0, 0, 0), off.to_dict()
        assert on["ST"] > 0.5, on.to_dict()
        assert on["ST"] - on["ST_conf"] > off["ST"] + off["ST_conf"], cur.to_dict()
    m = json.loads((out / "sensitivity" / "manifest.json").read_text())
    assert (m["kind"], m["format"], m["method"]) == (
        "sensitivity",
        "scalesim.sensitivity/1",
        "sobol",
    )
    assert m["replicate_handling"] == "mean" and m["parameters"] == [
        "adoption.p_external",
        "network.er_p",
    ]
    for f in m["figures"]:
        assert (out / "sensitivity" / f).read_bytes()[:4] == b"\x89PNG"
    assert len(load_results(out)) == 16 * 4 * 2  # Saltelli N(D+2) points × 2 replicates
    assert (idx["noise_share"] < 0.2).all(), "replicate noise left in the point means"


def test_morris_switched_off_parameter_zero(tmp_path: Path) -> None:
    """Morris: mu* of the unused parameter is zero, of the influential one clearly positive."""
    doc = {**DOC, "design": {"n": 6, "seed": 2}}
    exp = load_for_method(write(tmp_path / "m.yaml", doc), "morris")
    idx, facts = run_sensitivity(exp, tmp_path / "out", SerialExecutor())
    assert facts["runs"] == 6 * 3 * 2
    cur = idx[idx["outcome"] == "share_enacting"].set_index("parameter")
    assert cur.loc["network.er_p", ["mu_star", "mu_star_conf", "sigma"]].tolist() == [0, 0, 0]
    on = cur.loc["adoption.p_external"]
    assert on["mu_star"] > 0.05 and on["mu_star"] - on["mu_star_conf"] > 0


def test_sensitivity_reports_failed_runs_clearly(tmp_path: Path) -> None:
    """If some runs fail, the analysis refuses with the first failure's reason."""
    from scalesim.common.errors import ScalesimInputError

    doc = {
        **DOC,
        "uncertainties": {
            "adoption.p_external": {"low": -1.0, "high": 1.0},
            "network.er_p": {"low": 0.0, "high": 0.5},
        },
        "design": {"n": 4, "seed": 1},
    }
    exp = load_for_method(write(tmp_path / "f.yaml", doc), "sobol")
    with pytest.raises(ScalesimInputError, match="run\\(s\\) of option 'base' failed"):
        run_sensitivity(exp, tmp_path / "out", SerialExecutor())


def test_sobol_needs_power_of_two(tmp_path: Path) -> None:
    """A Sobol sample size that is not a power of 2 is refused up front."""
    from scalesim.common.errors import ScalesimInputError

    doc = {**DOC, "design": {"n": 12}}
    with pytest.raises(ScalesimInputError, match="power of 2"):
        load_for_method(write(tmp_path / "p.yaml", doc), "sobol")

"""Scenario discovery finds a planted box: PRIM restricts exactly the two planted dimensions.

A synthetic sweep (five uniform uncertainties, 1,500 runs) fails exactly when
``u.x1`` is in [0.2, 0.6] and ``u.x3`` is above 0.7 (tests/dmu_helpers.py), so the answer is
known whatever the model's calibration. With labels flipped at random (2%), coverage and
density against the noisy labels still reach 0.8; against the noise-free truth they do at 5%.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dmu_helpers import planted_sweep
from scalesim.cli import main
from scalesim.workbench.discover import choose_box, discover, sweep_cases
from scalesim.workbench.store import load_results

PLANTED = {"u.x1": (0.2, 0.6), "u.x3": (0.7, 1.0)}
CONDITION = "share_enacting < 0.6"


def _inside(x: pd.DataFrame, box: pd.DataFrame) -> np.ndarray:
    keep = np.ones(len(x), dtype=bool)
    for _, r in box.iterrows():
        keep &= x[r["dimension"]].between(r["min"], r["max"]).to_numpy()
    return keep


@pytest.mark.parametrize("noise", [0.0, 0.02, 0.05])
def test_prim_box_restricts_the_planted_dimensions(tmp_path: Path, noise: float) -> None:
    """Exactly x1 and x3, limits within 10% of their range, coverage and density >= 0.8."""
    root = planted_sweep(tmp_path / "sweep", noise=noise)
    _, x, y = sweep_cases(root, CONDITION)
    found = discover(x, y, CONDITION)
    assert set(found.box["dimension"]) == set(PLANTED)
    for _, r in found.box.iterrows():
        lo, hi = PLANTED[r["dimension"]]
        assert abs(r["min"] - lo) <= 0.1 and abs(r["max"] - hi) <= 0.1, r.to_dict()
    truth = x["u.x1"].between(0.2, 0.6).to_numpy() & (x["u.x3"] > 0.7).to_numpy()
    inside = _inside(x, found.box)
    assert truth[inside].sum() / truth.sum() >= 0.8  # coverage of the true region
    assert truth[inside].mean() >= 0.8  # density against the truth
    if noise <= 0.02:  # symmetric flips cap coverage of noisy labels near 1 - 0.05 * 1320/198
        assert found.stats["coverage"] >= 0.8 and found.stats["density"] >= 0.8, found.stats
    assert found.trajectory["chosen"].sum() == 1
    # The CART alternative's densest leaf restricts the same two dimensions.
    top = found.cart[found.cart["rank"] == 0]
    assert set(top["dimension"]) == set(PLANTED)


def test_discovery_is_reproducible(tmp_path: Path) -> None:
    """Same sweep, same trajectory, box and CART leaves (CART's random state is fixed)."""
    root = planted_sweep(tmp_path / "sweep", noise=0.05)
    _, x, y = sweep_cases(root, CONDITION)
    a, b = discover(x, y, CONDITION), discover(x, y, CONDITION)
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory)
    pd.testing.assert_frame_equal(a.box, b.box)
    pd.testing.assert_frame_equal(a.cart, b.cart)


def test_choose_box_takes_highest_coverage_at_enough_density() -> None:
    """The rule: density >= 0.8, then coverage, then fewer dimensions."""
    traj = pd.DataFrame(
        {
            "id": [0, 1, 2, 3],
            "coverage": [1.0, 0.9, 0.9, 0.5],
            "density": [0.2, 0.85, 0.81, 0.99],
            "res_dim": [0, 3, 2, 2],
        }
    )
    assert choose_box(traj) == 2
    assert choose_box(traj, min_density=0.9) == 3
    assert choose_box(traj, min_density=1.0) == 3  # none dense enough: the densest


def test_cli_writes_tables_figures_and_manifest(tmp_path: Path, capsys) -> None:
    """`scalesim discover` writes the documented folder; the derived outcome names work."""
    root = planted_sweep(tmp_path / "sweep", noise=0.0, n=600)
    with pytest.raises(SystemExit) as info:
        main(["discover", str(root), "--outcome", "trip_ticket_missed", "--quiet"])
    assert info.value.code == 0
    out = root / "discover"
    m = json.loads((out / "manifest.json").read_text())
    assert (m["kind"], m["format"], m["outcome"]) == (
        "discover",
        "scalesim.discover/1",
        "trip_ticket_missed",
    )
    assert set(m["chosen"]["dimensions"]) == set(PLANTED)
    for f in m["figures"]:
        assert (out / f).read_bytes()[:4] == b"\x89PNG"
    box = load_results(out, "box")
    assert set(box["dimension"]) == set(PLANTED)
    assert (out / "box.csv").exists() and (out / "peeling_trajectory.parquet").exists()
    assert len(load_results(out, "peeling_trajectory")) > 5


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--outcome", "share_enactin < 0.6"], "unknown name 'share_enactin'"),
        (["--outcome", "share_enacting <"], "ends too early"),
        (["--outcome", "share_enacting < 2"], "holds in every run"),
        (["--outcome", "share_enacting < 0.6", "--option", "nope"], "'nope' is not an option"),
    ],
)
def test_bad_input_exit_2_nothing_written(tmp_path: Path, capsys, args, needle) -> None:
    root = planted_sweep(tmp_path / "sweep", n=200)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    with pytest.raises(SystemExit) as info:
        main(["discover", str(root), *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and err.startswith("error: --"), err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_option_filter_and_option_as_a_dimension(tmp_path: Path) -> None:
    """Pooled options make ``option`` a dimension; --option keeps one option's runs."""
    from dmu_helpers import two_lever_sweep

    root = two_lever_sweep(tmp_path / "sweep")
    _, x, _ = sweep_cases(root, "share_enacting < 0.6")
    assert list(x.columns) == ["u.a", "option"] and len(x) == 9 * 3 * 4
    _, xs, ys = sweep_cases(root, "share_enacting < 0.6", option="strong")
    assert list(xs.columns) == ["u.a"] and len(xs) == 9 * 4
    found = discover(xs, ys, "share_enacting < 0.6")
    assert list(found.box["dimension"]) == ["u.a"] and found.box["max"].iloc[0] < 0.5

"""Robustness across futures: a lever that dominates everywhere has zero regret everywhere.

The constructed sweep (tests/dmu_helpers.py) has three options over nine futures on four
common seeds: ``strong`` is ``weak`` plus 0.15 in every future and on every seed, and
``weak_twin`` is ``weak`` exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dmu_helpers import two_lever_sweep
from scalesim.cli import main
from scalesim.workbench.robustness import analyze
from scalesim.workbench.store import load_results


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_lever_sweep(tmp_path_factory.mktemp("rob") / "sweep")


def test_dominant_lever_has_zero_regret_and_the_higher_satisficing_share(sweep: Path) -> None:
    _, t, _ = analyze(sweep)
    fut = t["futures"]
    strong = fut[fut["option"] == "strong"]
    assert (strong["share_enacting_regret"] == 0).all()
    assert (strong["tt_reached_regret"] == 0).all()
    assert (fut["share_enacting_regret"] >= 0).all() and (fut["capacity_spent_regret"] >= 0).all()
    s = t["robustness"].set_index(["option", "outcome"])
    assert s.loc[("strong", "share_enacting"), "max_regret"] == 0
    assert s.loc[("strong", "share_enacting"), "p90_regret"] == 0
    assert s.loc[("weak", "share_enacting"), "max_regret"] == pytest.approx(0.15)
    share = {o: s.loc[(o, "tt_reached"), "satisficing_share"] for o in ("weak", "strong")}
    assert share["strong"] >= share["weak"]
    # Cost is minimised: the dearer strong lever carries all the cost regret.
    assert s.loc[("strong", "capacity_spent"), "max_regret"] == 500
    assert s.loc[("weak", "capacity_spent"), "max_regret"] == 0
    # Mean and 10th percentile over futures, per outcome.
    means = fut.groupby("option")["share_enacting"].agg(["mean", lambda v: np.quantile(v, 0.1)])
    assert s.loc[("weak", "share_enacting"), "mean"] == pytest.approx(means.loc["weak", "mean"])
    assert s.loc[("weak", "share_enacting"), "p10"] == pytest.approx(means.loc["weak"].iloc[1])


def test_identical_levers_have_paired_differences_exactly_zero(sweep: Path) -> None:
    _, t, _ = analyze(sweep)
    p = t["paired"]
    twin = p[p["option"] == "weak_twin"]
    assert len(twin) == 9 * 3  # every design point, every outcome
    assert (
        (twin["diff"] == 0).all() and (twin["ci_low"] == 0).all() and (twin["ci_high"] == 0).all()
    )
    strong = p[(p["option"] == "strong") & (p["outcome"] == "share_enacting")]
    assert np.allclose(strong["diff"], 0.15) and (strong["ci_low"] > 0.14).all()
    assert set(strong["point"]) == set(range(9))  # per design point, not pooled


def test_verdict_names_the_most_robust_set_and_where_each_fails(sweep: Path) -> None:
    _, t, text = analyze(sweep)
    assert text[0].startswith("Most robust: **strong**")
    fails = t["failures"]
    # weak fails where u.a is low; strong fails in fewer futures, a subset of weak's.
    weak = set(fails.loc[fails["option"] == "weak", "point"])
    strong = set(fails.loc[fails["option"] == "strong", "point"])
    assert strong < weak and fails["u.a"].max() <= 0.5
    assert any(s.startswith("weak fails in") for s in text)


def test_cli_writes_the_folder(tmp_path: Path) -> None:
    root = two_lever_sweep(tmp_path / "sweep")
    with pytest.raises(SystemExit) as info:
        main(["robustness", str(root), "--satisfice", "share_enacting >= 0.7", "--quiet"])
    assert info.value.code == 0
    m = json.loads((root / "robustness" / "manifest.json").read_text())
    assert (m["kind"], m["criterion"], m["baseline"]) == (
        "robustness",
        "share_enacting >= 0.7",
        "weak",
    )
    assert len(load_results(root / "robustness", "paired")) == 2 * 9 * 3
    assert (root / "robustness" / "figures" / "robustness.png").read_bytes()[:4] == b"\x89PNG"


def test_unknown_criterion_column_exit_2_nothing_written(tmp_path: Path, capsys) -> None:
    root = two_lever_sweep(tmp_path / "sweep")
    with pytest.raises(SystemExit) as info:
        main(["robustness", str(root), "--satisfice", "tt_reachd >= 0.5"])
    assert info.value.code == 2
    assert "--satisfice: 'tt_reachd >= 0.5': unknown name 'tt_reachd'" in capsys.readouterr().err
    assert not (root / "robustness").exists()

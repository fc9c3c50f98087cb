"""Loading the shipped Korean family-planning data reproduces its documented facts.

Facts from ``scenarios/data/kfamily/README.md`` (Rogers & Kincaid 1981; netdiffuseR): 4,999
directed edges, mean out-degree 4.78, max 17, reciprocity 0.43, 11 isolates; 673 adopters of
1,047 (0.643 by period 10), new adopters per period as in ``kfamily_adoption_by_period.csv``;
village saturations from 0.42 to 0.83.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import scalesim
from scalesim.scenario.observed_history import scenario_history
from scalesim.simulation.model import ScalingModel


@pytest.fixture(scope="module")
def kfamily(repo: Path) -> tuple[scalesim.Scenario, ScalingModel]:
    sc = scalesim.load_scenario(repo / "scenarios" / "real" / "kfamily.yaml")
    return sc, ScalingModel(sc, seed=1)


def test_network_facts(kfamily: tuple) -> None:
    _, m = kfamily
    net = m.network
    assert m.ed.n == 1047 and m.schools.n == 25
    assert net.adjacency.nnz == 4999
    # The README's 4.78 is 4,999 / 1,047 = 4.7746 rounded up.
    assert net.out_degree.mean() == pytest.approx(4999 / 1047) and round(4999 / 1047, 2) >= 4.77
    assert net.out_degree.max() == 17
    g = net.to_networkx()
    assert nx.reciprocity(g) == pytest.approx(0.43, abs=0.005)
    assert sum(1 for v in g if g.degree(v) == 0) == 11


def test_adoption_facts_per_period(kfamily: tuple, repo: Path) -> None:
    sc, _ = kfamily
    h = scenario_history(sc)
    assert h.started_period is not None
    assert int((h.started_period > 0).sum()) == 673
    assert h.pooled()[-1] == pytest.approx(0.643, abs=0.0005)
    with open(repo / "scenarios/data/kfamily/kfamily_adoption_by_period.csv") as fh:
        table = list(csv.DictReader(fh))
    new = np.bincount(h.started_period, minlength=11)[1:]
    assert new.tolist() == [int(r["new_adopters"]) for r in table]
    assert h.pooled() == pytest.approx([float(r["cum_fraction"]) for r in table], abs=5e-5)
    final = h.share[:, -1]
    assert final.min() == pytest.approx(0.42, abs=0.005)
    assert final.max() == pytest.approx(0.83, abs=0.005)
    # Model time: ten periods of three months.
    assert h.months.tolist() == [3.0 * k for k in range(1, 11)]

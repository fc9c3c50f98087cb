"""Each network family has the degree distribution it is named for.

The district structure (dense in school, sparse across, mostly within region), and the
standard families used for controlled experiments: complete, Erdős–Rényi, Watts–Strogatz and
Barabási–Albert. Built through the model, on about 1,200 educator slots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from scalesim.simulation.model import ScalingModel

DISTRICT = {
    "district.generated.n_schools": 40,
    "district.generated.educators_per_school": {"mean": 30, "sd": 0.1, "min": 30},
}


def network(make_scenario: Callable[..., Any], **net: Any) -> ScalingModel:
    overrides = {**DISTRICT, **{f"network.{k}": v for k, v in net.items()}}
    return ScalingModel(make_scenario(overrides), seed=3)


def test_complete_graph_ties_everyone(make_scenario) -> None:
    """Everyone has n − 1 ties and the peer share counts every other educator."""
    m = network(make_scenario, kind="complete")
    n = m.ed.n
    assert (m.network.degree == n - 1).all()
    x = np.zeros(n, dtype=bool)
    x[:10] = True
    share = m.network.neighbour_share(x)
    w = m.ed.factors.credibility
    expected = ((w * x).sum() - w * x) / (w.sum() - w)
    np.testing.assert_allclose(share, expected, rtol=1e-6)


def test_erdos_renyi_degrees_are_binomial(make_scenario) -> None:
    """Mean degree p (n − 1), and a variance close to the mean (binomial, small p)."""
    m = network(make_scenario, kind="erdos_renyi", er_p=0.01)
    deg = m.network.degree.astype(float)
    n = m.ed.n
    mean = 0.01 * (n - 1)
    # The edge count is binomial over n(n-1)/2 pairs: 4 s.d. of the mean degree.
    sd_mean = 2 * np.sqrt(n * (n - 1) / 2 * 0.01 * 0.99) / n
    assert abs(deg.mean() - mean) < 4 * sd_mean
    assert deg.var() == pytest.approx(mean * 0.99, rel=0.15)


def test_watts_strogatz_keeps_its_ring_degree(make_scenario) -> None:
    """Without rewiring every degree is k; rewiring keeps the number of ties (mean k)."""
    ring = network(make_scenario, kind="watts_strogatz", ws_k=6, ws_p=0.0)
    assert (ring.network.degree == 6).all()
    rewired = network(make_scenario, kind="watts_strogatz", ws_k=6, ws_p=0.3)
    deg = rewired.network.degree
    assert deg.mean() == pytest.approx(6, abs=0.02) and deg.min() < 6 < deg.max()


def test_barabasi_albert_has_hubs(make_scenario) -> None:
    """M (n − m) ties, every degree at least m, and hubs far above the mean (heavy tail)."""
    m = network(make_scenario, kind="barabasi_albert", ba_m=3)
    deg = m.network.degree
    n = m.ed.n
    assert deg.sum() // 2 == 3 * (n - 3)
    assert deg.min() >= 3
    assert deg.max() > 8 * deg.mean()


def test_district_structure(make_scenario) -> None:
    """Ties mostly inside the school, cross-school ties mostly inside the region."""
    m = network(
        make_scenario,
        kind="district",
        within_school_degree=8.0,
        cross_school_degree=2.0,
        same_region_share=0.7,
    )
    a = m.network.adjacency.tocoo()
    school = m.ed.school
    region = m.schools.region[school]
    same_school = school[a.row] == school[a.col]
    cross = ~same_school
    within_deg = same_school.sum() / m.ed.n
    cross_deg = cross.sum() / m.ed.n
    # A cross-school partner is drawn from the region (or the district) and can land in the
    # educator's own school: that tie counts as within-school.
    sizes = m.schools.size[school]
    region_size = np.bincount(region, minlength=region.max() + 1)[region]
    own = 0.7 * (sizes / region_size).mean() + 0.3 * (sizes / m.ed.n).mean()
    assert cross_deg == pytest.approx(2.0 * (1 - own), rel=0.08)
    # Ties sent twice between the same pair (likelier in small schools) collapse into one.
    assert 0.8 * 8.0 < within_deg <= 8.0
    same_region = (region[a.row] == region[a.col])[cross].mean()
    # Ties drawn "anywhere" also land in the same region now and then (1 in n_regions).
    n_regions = len(m.schools.region_names)
    expected = 0.7 + 0.3 / n_regions
    assert same_region == pytest.approx(expected, abs=0.05)
    deg = m.network.degree
    assert deg.std() > 0.25 * deg.mean()  # heterogeneous degree (log-normal propensity)

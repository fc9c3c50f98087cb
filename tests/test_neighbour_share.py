"""The weekly share of enacting neighbours, kept up to date, equals a full product bit for bit.

``SparseNetwork.neighbour_share`` updates only the neighbours of educators who changed state
(and of slots whose weight changed at turnover); the weights are quantized so the running sums
are exact. These tests recompute the share from scratch, independently of the network's
cached sums, and require equality, not closeness.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from scalesim.core.network import FULL_PRODUCT_SHARE, ObservedNetwork, quantize_weights
from scalesim.simulation.model import ScalingModel

SMALL = {
    "district.generated.n_schools": 24,
    "turnover.in_year_share": 0.5,  # turnover inside the year too: weights change mid-run
}


def from_scratch(adjacency: sp.csr_matrix, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The share computed the slow way, from the current ties and weights only."""
    wq = quantize_weights(w)
    num = adjacency @ (wq * x)
    den = adjacency @ wq
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def test_share_equals_full_product_every_week_through_turnover_and_new_ties(
    make_scenario: Callable[..., Any],
) -> None:
    """With turnover and a network of users adding ties, every week's share is exact."""
    sc = make_scenario(
        {
            **SMALL,
            "strategies": [
                {"type": "network_of_users", "start_month": 1, "params": {"every_months": 2}}
            ],
        }
    )
    m = ScalingModel(sc, seed=4)
    net = m.network
    incremental_weeks = 0
    before = m.ed.enacting.copy()
    ties_at_start = net.adjacency.nnz
    for _ in range(60):
        m.step()
        x = m.ed.enacting
        changed = int(np.count_nonzero(x != before))
        if 0 < changed <= FULL_PRODUCT_SHARE * m.ed.n:
            incremental_weeks += 1
        share = net.neighbour_share(x)
        expected = from_scratch(net.adjacency, m.ed.factors.credibility, x)
        np.testing.assert_array_equal(share, expected, err_msg=f"week {m.week}")
        before = x.copy()
    assert net.adjacency.nnz > ties_at_start, "the network of users added no ties"
    assert incremental_weeks >= 15, "the incremental path was hardly used: the test is vacuous"


def test_observed_directed_counts_update_exactly() -> None:
    """A directed survey with whole-number weights: updates follow the alters, exactly."""
    rng = np.random.default_rng(7)
    n = 400
    ego, alter = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    keep = ego != alter
    a = sp.csr_matrix(
        (rng.integers(1, 4, int(keep.sum())).astype(float), (ego[keep], alter[keep])),
        shape=(n, n),
    )
    net = ObservedNetwork(a, directed=True, weighted=True)
    assert net.incremental
    w = rng.random(n)
    net.set_weights(w)
    x = rng.random(n) < 0.2
    for step in range(40):
        flip = rng.random(n) < 0.02
        x = x ^ flip
        if step % 7 == 3:  # a few slots change hands: their weights change
            slots = np.flatnonzero(rng.random(n) < 0.03)
            w[slots] = rng.random(slots.size)
            net.update_weights(slots, w)
        np.testing.assert_array_equal(
            net.neighbour_share(x), from_scratch(net.adjacency, w, x), err_msg=f"step {step}"
        )


def test_observed_fractional_weights_take_the_full_product() -> None:
    """Tie weights that are not whole numbers are not updated incrementally (sums would drift)."""
    a = sp.csr_matrix(np.array([[0, 0.3, 0.7], [0.2, 0, 0], [0, 1.1, 0]]))
    net = ObservedNetwork(a, directed=True, weighted=True)
    assert not net.incremental
    w = np.array([0.5, 0.25, 1.0])
    net.set_weights(w)
    for x in ([True, False, False], [True, True, False], [False, True, True]):
        xa = np.array(x)
        np.testing.assert_array_equal(net.neighbour_share(xa), from_scratch(net.adjacency, w, xa))

"""The educators' social network behind one small interface.

The hot loop needs one operation: for every educator, the weighted share of neighbours who
enact. :class:`SparseNetwork` does it with one sparse matrix-vector product;
:class:`CompleteNetwork` does it in O(n) without storing n² ties (the degenerate setting the
Bass closed form solves).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from scalesim.core.district import Schools
from scalesim.scenario import Network as NetworkCfg
from scalesim.scenario.observed import load_ties

# Each educator sends this share of their configured ties; symmetrising doubles them back
# (a tie sent either way is one tie), so the mean degree matches the configured number.
TIES_SENT_SHARE = 0.5


def _ties_both_ways(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A 0/1 matrix with the ties ``rows[i]``–``cols[i]`` in both directions."""
    return sp.csr_matrix(
        (
            np.ones(2 * rows.size),
            (np.concatenate([rows, cols]), np.concatenate([cols, rows])),
        ),
        shape=shape,
    )


def _without_self_ties(a: sp.csr_matrix) -> sp.csr_matrix:
    """``a`` without ties from an educator to themself.

    The diagonal is checked first: scipy's ``setdiag`` on a CSR matrix rebuilds it, which was
    a third of building a district's network when there was nothing to remove.
    """
    if a.diagonal().any():
        a.setdiag(0)
    a.eliminate_zeros()
    return a


def _row_entries(a: sp.csr_matrix, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries stored in the rows ``slots`` of ``a``: columns, values, and each row's count.

    Read straight from the CSR arrays: scipy's fancy row indexing costs more than the
    updates it serves.
    """
    starts, ends = a.indptr[slots], a.indptr[slots + 1]
    counts = ends - starts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    at = np.arange(int(counts.sum())) + offsets
    return a.indices[at], a.data[at], counts


def quantize_weights(w: np.ndarray) -> np.ndarray:
    """Neighbour weights rounded to multiples of ``2**-WEIGHT_BITS`` (as float64).

    Sums of such numbers are exact in float64 (for any district below ``2**29`` ties per
    educator), so a share kept up to date by adding and removing single neighbours equals
    the share computed from scratch, bit for bit, in whatever order the changes came.
    """
    return np.round(np.asarray(w, dtype=np.float64) * WEIGHT_SCALE) / WEIGHT_SCALE


# Neighbour weights keep 24 bits after the point (a float32's precision at 1): the rounding
# (below 6e-8) is far under any weight's meaning, and it makes incremental sums exact.
WEIGHT_BITS = 24
WEIGHT_SCALE = float(2**WEIGHT_BITS)
# Above this share of educators changing state in a week, one full product is cheaper than
# updating each changed educator's neighbours (either way gives the same, exact, sums).
FULL_PRODUCT_SHARE = 0.125


class SparseNetwork:
    """An undirected network stored as a symmetric CSR adjacency matrix (0/1).

    The weekly share of enacting neighbours is kept up to date: only the neighbours of
    educators who started or stopped enacting (or whose weight changed at turnover) are
    updated, with weights quantized so that the running sums are exact
    (:func:`quantize_weights`). A week where many educators change falls back to one full
    sparse product, which gives the same sums.

    Args:
        adjacency: Square sparse matrix; symmetrised and binarised here.
    """

    kind = "sparse"
    # Whether the weekly share is updated from the changes (exact for 0/1 ties only).
    incremental = True

    def __init__(self, adjacency: sp.spmatrix) -> None:
        a = sp.csr_matrix(adjacency, dtype=np.float64)
        a = _without_self_ties(a.maximum(a.T).tocsr())
        a.data[:] = 1.0
        self._set_adjacency(a)
        self.n = a.shape[0]
        self._w: np.ndarray | None = None

    def _set_adjacency(self, a: sp.csr_matrix) -> None:
        self.adjacency: sp.csr_matrix = a
        # Row j of ``_by_source`` lists who weighs educator j (the adjacency itself when it
        # is symmetric).
        self._by_source = a
        self._wsum: np.ndarray | None = None
        self._num: np.ndarray | None = None
        self._x: np.ndarray | None = None

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each educator."""
        return np.diff(self.adjacency.indptr)

    def set_weights(self, w: np.ndarray) -> None:
        """Set neighbour weights (e.g. credibility), quantized; cached until the next call."""
        self._w = quantize_weights(w)
        self._wsum = self.adjacency @ self._w
        self._refresh_denominator()
        self._num = self._x = None

    def _refresh_denominator(self) -> None:
        # 1 where nobody is weighed: the numerator is 0 there too, so the share is 0 without
        # a mask or a division warning in the weekly loop.
        assert self._wsum is not None
        self._den = np.where(self._wsum > 0, self._wsum, 1.0)

    def _spread(self, target: np.ndarray, slots: np.ndarray, delta: np.ndarray) -> None:
        """Add ``delta[k]`` times each tie's value to the sums of those who weigh ``slots[k]``."""
        cols, vals, counts = _row_entries(self._by_source, slots)
        if cols.size:
            np.add.at(target, cols, np.repeat(delta, counts) * vals)

    def update_weights(self, slots: np.ndarray, w: np.ndarray) -> None:
        """Change the weights of a few slots (turnover) without a full product."""
        assert self._w is not None and self._wsum is not None, "call set_weights first"
        new = quantize_weights(w[slots])
        delta = new - self._w[slots]
        self._w[slots] = new
        if not self.incremental:
            self._wsum = self.adjacency @ self._w
            self._num = self._x = None
        else:
            self._spread(self._wsum, slots, delta)
            if self._num is not None:
                assert self._x is not None
                self._spread(self._num, slots, delta * self._x[slots])
        self._refresh_denominator()

    def neighbour_share(self, x: np.ndarray) -> np.ndarray:
        """Weighted share of each educator's neighbours for whom ``x`` is true.

        Educators with no ties get 0.
        """
        assert self._w is not None, "call set_weights first"
        x = np.asarray(x, dtype=bool)
        changed = None
        if self.incremental and self._num is not None and self._x is not None:
            changed = np.flatnonzero(x != self._x)
        if changed is None or changed.size > FULL_PRODUCT_SHARE * self.n:
            self._num = self.adjacency @ (self._w * x)
            self._x = x.copy()
        elif changed.size:
            assert self._num is not None and self._x is not None
            w = self._w[changed]
            self._spread(self._num, changed, np.where(x[changed], w, -w))
            self._x[changed] = x[changed]
        return self._num / self._den

    def add_ties(self, rows: np.ndarray, cols: np.ndarray) -> None:
        """Add undirected ties (used by strategies such as networks of users)."""
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
        if rows.size == 0:
            return
        extra = _ties_both_ways(rows, cols, self.adjacency.shape)
        a = (self.adjacency + extra).tocsr()
        a.data[:] = 1.0  # ties are 0/1: a repeated tie stays one tie
        self._set_adjacency(a)
        if self._w is not None:
            self.set_weights(self._w)

    def to_networkx(self) -> nx.Graph:
        """The network as a networkx graph (for drawing and analysis, not the hot loop)."""
        return nx.from_scipy_sparse_array(self.adjacency)

    def centrality(self) -> np.ndarray:
        """Degree centrality (cheap, scales to large districts)."""
        return self.degree / max(self.n - 1, 1)


class CompleteNetwork:
    """Everyone tied to everyone else, without storing the ties."""

    kind = "complete"

    def __init__(self, n: int) -> None:
        self.n = n
        self._w = np.ones(n, dtype=np.float32)
        self._wtot = float(self._w.sum())

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each educator."""
        return np.full(self.n, self.n - 1)

    def set_weights(self, w: np.ndarray) -> None:
        """Set neighbour weights (e.g. credibility)."""
        self._w = w.astype(np.float64)
        self._wtot = float(self._w.sum())

    def update_weights(self, slots: np.ndarray, w: np.ndarray) -> None:
        """Change the weights of a few slots (turnover)."""
        self._w[slots] = w[slots]
        self._wtot = float(self._w.sum())

    def neighbour_share(self, x: np.ndarray) -> np.ndarray:
        """Weighted share of the *other* educators for whom ``x`` is true."""
        wx = self._w * x
        num = wx.sum() - wx
        den = self._wtot - self._w
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, 0.0)

    def add_ties(self, rows: np.ndarray, cols: np.ndarray) -> None:
        """No-op: everyone is already tied."""

    def to_networkx(self) -> nx.Graph:
        """The network as a networkx graph."""
        return nx.complete_graph(self.n)

    def centrality(self) -> np.ndarray:
        """Everyone is equally central."""
        return np.ones(self.n)


class ObservedNetwork(SparseNetwork):
    """A surveyed network: directed or not, weighted or not, kept as the survey gave it.

    Row ``i`` lists whom educator ``i`` hears from (the alters ``i`` named, in a directed
    survey), so ``neighbour_share`` is the weighted share of *those* people who enact.

    Args:
        adjacency: Square sparse matrix (row: ego, column: alter, value: tie weight).
        directed: Keep the direction (False: symmetrise, a tie counts both ways).
        weighted: Keep the weights (False: every tie counts once).
    """

    kind = "observed"

    def __init__(self, adjacency: sp.spmatrix, directed: bool, weighted: bool) -> None:
        a = sp.csr_matrix(adjacency, dtype=np.float64)
        if not directed:
            a = a.maximum(a.T).tocsr()
        a = _without_self_ties(a)
        if not weighted:
            a.data[:] = 1.0
        self.directed = directed
        self.weighted = weighted
        # Running sums stay exact when tie values are whole numbers (counts of nominations,
        # ratings); other weights get one full product a week.
        self.incremental = bool(np.all(a.data == np.round(a.data)))
        self._set_adjacency(a)
        self.n = a.shape[0]
        self._w = None

    def _set_adjacency(self, a: sp.csr_matrix) -> None:
        super()._set_adjacency(a)
        self._by_alter = a.T.tocsr()
        # Row j of the transpose lists the egos who named j: those whose share j changes.
        self._by_source = self._by_alter

    def add_ties(self, rows: np.ndarray, cols: np.ndarray) -> None:
        """Add ties both ways, of weight one (strategies' networks of users)."""
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
        if rows.size == 0:
            return
        extra = _ties_both_ways(rows, cols, self.adjacency.shape)
        self._set_adjacency(self.adjacency.maximum(extra).tocsr())
        if self._w is not None:
            self.set_weights(self._w)

    def to_networkx(self) -> nx.Graph:
        """The network as a networkx (di)graph, with the tie weights."""
        cls = nx.DiGraph if self.directed else nx.Graph
        return nx.from_scipy_sparse_array(self.adjacency, create_using=cls)

    @property
    def out_degree(self) -> np.ndarray:
        """Ties each educator named (directed) or has (undirected)."""
        return np.diff(self.adjacency.indptr)

    @property
    def in_degree(self) -> np.ndarray:
        """Times each educator was named."""
        return np.diff(self._by_alter.indptr)


def observed_network(cfg: NetworkCfg, schools: Schools) -> ObservedNetwork:
    """The tie list's network over the roster's people (isolates kept)."""
    assert cfg.ties is not None and schools.roster is not None
    t = load_ties(cfg.ties, schools.roster)
    n = schools.roster.n
    a = sp.csr_matrix((t.weight.astype(np.float32), (t.ego, t.alter)), shape=(n, n))
    return ObservedNetwork(a, directed=cfg.ties.directed, weighted=cfg.ties.weighted)


def _district_adjacency(
    cfg: NetworkCfg, schools: Schools, rng: np.random.Generator
) -> sp.csr_matrix:
    """Dense ties inside schools, sparse across (more within region), heterogeneous degree.

    Each educator sends a Poisson number of ties whose mean is scaled by a log-normal
    propensity; ties are then symmetrised, so the mean degree is about twice the configured
    per-educator number minus collisions. We halve the configured numbers to compensate.
    """
    n = int(schools.size.sum())
    school_of = np.repeat(np.arange(schools.n), schools.size)
    # Mean-one log-normal: mu = -sigma^2 / 2.
    prop = rng.lognormal(-0.5 * cfg.degree_heterogeneity**2, cfg.degree_heterogeneity, n)

    # Within school: partners drawn uniformly among the school's other slots.
    k_in = rng.poisson(TIES_SENT_SHARE * cfg.within_school_degree * prop)
    src_in = np.repeat(np.arange(n), k_in)
    s = school_of[src_in]
    size = schools.size[s]
    off = (rng.random(len(src_in)) * np.maximum(size - 1, 1)).astype(np.int64)
    local = src_in - schools.start[s]
    off = np.where(off >= local, off + 1, off)  # skip self
    dst_in = schools.start[s] + np.minimum(off, size - 1)

    # Across schools: same region with probability same_region_share, else anywhere.
    k_x = rng.poisson(TIES_SENT_SHARE * cfg.cross_school_degree * prop)
    src_x = np.repeat(np.arange(n), k_x)
    m = len(src_x)
    same = rng.random(m) < cfg.same_region_share
    # Educators sorted by region for region-restricted draws.
    region_of = schools.region[school_of]
    order = np.argsort(region_of, kind="stable")
    counts = np.bincount(region_of, minlength=len(schools.region_names))
    rstart = np.concatenate([[0], np.cumsum(counts)[:-1]])
    r = region_of[src_x]
    pick_region = order[rstart[r] + (rng.random(m) * counts[r]).astype(np.int64)]
    pick_any = (rng.random(m) * n).astype(np.int64)
    dst_x = np.where(same, pick_region, pick_any)

    rows = np.concatenate([src_in, src_x])
    cols = np.concatenate([dst_in, dst_x])
    keep = rows != cols
    return sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], cols[keep])), shape=(n, n)
    )


def build_network(
    cfg: NetworkCfg, schools: Schools, rng: np.random.Generator
) -> SparseNetwork | CompleteNetwork | ObservedNetwork:
    """Build the configured network over the district's educator slots."""
    n = int(schools.size.sum())
    if cfg.kind == "complete":
        return CompleteNetwork(n)
    if cfg.kind == "observed":
        return observed_network(cfg, schools)
    if cfg.kind == "district":
        return SparseNetwork(_district_adjacency(cfg, schools, rng))
    seed = int(rng.integers(2**31))
    if cfg.kind == "erdos_renyi":
        # networkx divides by log(1 - p), which is 0 when p is below float resolution
        # (found by tests/test_invariants.py); such a p means no ties.
        g = (
            nx.empty_graph(n)
            if 1.0 - cfg.er_p == 1.0
            else nx.fast_gnp_random_graph(n, cfg.er_p, seed=seed)
        )
    elif cfg.kind == "watts_strogatz":
        g = nx.watts_strogatz_graph(n, min(cfg.ws_k, n - 1 - (n - 1) % 2), cfg.ws_p, seed=seed)
    else:  # barabasi_albert
        g = nx.barabasi_albert_graph(n, min(cfg.ba_m, max(n - 1, 1)), seed=seed)
    return SparseNetwork(nx.to_scipy_sparse_array(g, nodelist=range(n), format="csr"))

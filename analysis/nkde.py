"""Network kernel density estimation (NKDE) of accidents on lixels of the road network.

The interface (what black-spot analysis calls)::

    from analysis import nkde
    net = nkde.Network.build(edge_ids, source, target, length_m)       # or analysis.nkde_db.load_network
    ev = nkde.Events.build(net, edge_index, offset_m, weight=None)      # or analysis.nkde_db.snap_points
    res = nkde.density(net, ev, method="simple" | "discontinuous", kernel="quartic",
                       bandwidth=300.0, lixel=20.0)
    res.edge_id, res.edge, res.from_m, res.to_m, res.centre_m, res.density   # one row per lixel

* A network is undirected (a crash on either carriageway counts for the road): edges ``i`` with
  end nodes ``source[i]``/``target[i]`` (0..n_nodes-1) and a length in metres (> 0). Events are
  points on edges: an edge index (not id), an offset in metres from the edge's source end and a
  weight (severity; default 1, must be >= 0).
* Each edge is cut into ``max(1, ceil(length / lixel))`` lixels of equal length (so no lixel is
  longer than ``lixel`` metres); the density is evaluated at each lixel's centre. Only lixels within
  network distance < ``bandwidth`` of some event are returned (every other lixel's density is 0).
* ``density`` is the kernel estimate in weighted events per metre of road (multiply by 1000 for
  per km). Kernels, with u = d / bandwidth and K(d) = k(u) / bandwidth, zero for u >= 1:
  ``quartic`` (biweight) 15/16 (1-u²)², ``triangular`` 1-|u|, ``epanechnikov`` 3/4 (1-u²),
  ``gaussian`` the normal density with sigma = bandwidth/3 truncated at the bandwidth (not
  renormalised; spNetwork's "scaled gaussian", Gelb 2021).
* ``method="simple"``: sum over events of w K(shortest network distance) (Xie & Yan 2008). It is
  not mass-conserving at junctions (each branch gets the full kernel).
* ``method="discontinuous"``: Okabe & Sugihara's equal-split discontinuous kernel (Okabe, Satoh &
  Sugihara 2009; Okabe & Sugihara 2012, section 9.2.2): the kernel spreads from the event along
  every non-backtracking path shorter than the bandwidth; at a node of degree m a path's weight is
  divided by m - 1 among the other edges; at a dead end it stops. Degree counts edge ends, so a
  loop counts twice (spatstat counts a loop once; our test networks have none). An event exactly
  at a node belongs to the edge it was snapped to: half its kernel runs along that edge, the
  other half is split at the node at distance 0.

Cost: the simple method runs one Dijkstra bounded by the bandwidth per event; the discontinuous
one takes one step per non-backtracking path shorter than the bandwidth, a number that grows
exponentially with the junctions passed within a bandwidth: fine on road segments of tens of
metres and more (the province demo: 4 s for 100,000 accidents), slow on a network cut into metre
pieces around junctions with a wide bandwidth. No path is pruned (spatstat drops tails of mass
below its `epsilon`), so that the numbers are exact.

The fast implementation is compiled (numba, :mod:`analysis.nkde_kernels`); a slow pure
networkx implementation in :mod:`analysis.nkde_reference` defines the same numbers independently
and the tests hold the two to 1e-9 on the real Montreal cyclist data. spatstat's
``densityEqualSplit(..., continuous=FALSE)`` (spatstat.linnet) matches the discontinuous method
for the compact kernels (``bench/nkde_spatstat.R``). Ideas from spNetwork's documentation
(J. Gelb, "spNetwork: A Package for Network Kernel Density Estimation", R Journal 2021); no code
was copied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METHODS = ("simple", "discontinuous")
KERNELS = ("quartic", "triangular", "epanechnikov", "gaussian")
DEFAULT_BANDWIDTH = 300.0
DEFAULT_LIXEL = 20.0
GAUSS_SIGMAS = 3.0  # the gaussian kernel's bandwidth is this many standard deviations


def kernel_value(kernel: str, d: float, bandwidth: float) -> float:
    """K(d) for one distance (the reference's kernel; the compiled one is the same formula)."""
    u = abs(d) / bandwidth
    if u >= 1.0:
        return 0.0
    if kernel == "quartic":
        k = 15.0 / 16.0 * (1.0 - u * u) ** 2
    elif kernel == "triangular":
        k = 1.0 - u
    elif kernel == "epanechnikov":
        k = 0.75 * (1.0 - u * u)
    elif kernel == "gaussian":
        z = GAUSS_SIGMAS * u
        k = GAUSS_SIGMAS / math.sqrt(2.0 * math.pi) * math.exp(-0.5 * z * z)
    else:
        raise ValueError(f"kernel must be one of {', '.join(KERNELS)}, not {kernel!r}")
    return k / bandwidth


def kernel_sd(kernel: str, bandwidth: float) -> float:
    """The standard deviation of the kernel (spatstat's `sigma`) for a bandwidth; the gaussian's
    is that of the untruncated normal."""
    factor = {"quartic": math.sqrt(7.0), "triangular": math.sqrt(6.0), "epanechnikov": math.sqrt(5.0)}
    if kernel == "gaussian":
        return bandwidth / GAUSS_SIGMAS
    return bandwidth / factor[kernel]


@dataclass(frozen=True)
class Network:
    """An undirected road network: edge ids, end nodes (0..n_nodes-1) and lengths in metres."""

    edge_ids: np.ndarray  # int64 (E)
    source: np.ndarray  # int64 (E)
    target: np.ndarray  # int64 (E)
    length: np.ndarray  # float64 (E), > 0
    n_nodes: int

    @classmethod
    def build(cls, edge_ids, source, target, length, n_nodes: int | None = None) -> Network:
        """Check and copy the arrays; `n_nodes` defaults to 1 + the largest node index."""
        ids = np.asarray(edge_ids, dtype=np.int64).copy()
        src = np.asarray(source, dtype=np.int64).copy()
        tgt = np.asarray(target, dtype=np.int64).copy()
        ln = np.asarray(length, dtype=np.float64).copy()
        if not (ids.ndim == src.ndim == tgt.ndim == ln.ndim == 1 and ids.size == src.size == tgt.size == ln.size):
            raise ValueError("edge_ids, source, target and length must be 1-d arrays of one size")
        if ln.size and not (np.all(np.isfinite(ln)) and ln.min() > 0):
            raise ValueError("length: every edge needs a finite length > 0 metres (drop zero-length edges)")
        n = int(max(src.max(initial=-1), tgt.max(initial=-1)) + 1) if n_nodes is None else int(n_nodes)
        if src.size and (min(src.min(), tgt.min()) < 0 or max(src.max(), tgt.max()) >= n):
            raise ValueError("source/target: node indexes must be in 0..n_nodes-1")
        return cls(ids, src, tgt, ln, n)

    @property
    def n_edges(self) -> int:
        """Edge count."""
        return int(self.length.size)


@dataclass(frozen=True)
class Events:
    """Points on the network: edge index, offset in metres from the edge's source end, weight."""

    edge: np.ndarray  # int64 (P)
    offset: np.ndarray  # float64 (P)
    weight: np.ndarray  # float64 (P)

    @classmethod
    def build(cls, network: Network, edge, offset, weight=None, *, tolerance: float = 1e-6) -> Events:
        """Check the events against `network`; offsets up to `tolerance` metres outside an edge are clipped."""
        e = np.asarray(edge, dtype=np.int64).copy()
        off = np.asarray(offset, dtype=np.float64).copy()
        w = np.ones(e.size) if weight is None else np.asarray(weight, dtype=np.float64).copy()
        if not (e.ndim == off.ndim == w.ndim == 1 and e.size == off.size == w.size):
            raise ValueError("edge, offset and weight must be 1-d arrays of one size")
        if e.size and (e.min() < 0 or e.max() >= network.n_edges):
            raise ValueError("edge: event edge indexes must be in 0..n_edges-1")
        if not np.all(np.isfinite(w)) or (w.size and w.min() < 0):
            raise ValueError("weight: event weights must be finite and >= 0")
        length = network.length[e]
        if not np.all(np.isfinite(off)) or np.any(off < -tolerance) or np.any(off > length + tolerance):
            raise ValueError("offset: event offsets must lie on their edge (0..length metres)")
        np.clip(off, 0.0, length, out=off)
        return cls(e, off, w)

    @property
    def size(self) -> int:
        """Event count."""
        return int(self.edge.size)


@dataclass(frozen=True)
class Lixels:
    """Every edge cut into equal pieces no longer than the lixel length: edge e's lixels are
    ptr[e]..ptr[e+1]-1, each of length step[e]."""

    ptr: np.ndarray  # int64 (E+1)
    step: np.ndarray  # float64 (E)

    @property
    def count(self) -> int:
        """Lixel count over the whole network."""
        return int(self.ptr[-1])


def lixelize(network: Network, lixel: float = DEFAULT_LIXEL) -> Lixels:
    """Cut each edge into max(1, ceil(length / lixel)) lixels of equal length."""
    if not (math.isfinite(lixel) and lixel > 0):
        raise ValueError("lixel: the lixel length must be a positive number of metres")
    n = np.maximum(1, np.ceil(network.length / lixel - 1e-9)).astype(np.int64)
    ptr = np.zeros(network.n_edges + 1, dtype=np.int64)
    np.cumsum(n, out=ptr[1:])
    return Lixels(ptr, network.length / n)


@dataclass(frozen=True)
class Result:
    """One row per lixel within a bandwidth of some event, ordered by edge then offset."""

    edge: np.ndarray  # int64 edge index
    edge_id: np.ndarray  # int64
    from_m: np.ndarray  # float64 offset of the lixel's start from the edge's source end
    to_m: np.ndarray
    centre_m: np.ndarray
    density: np.ndarray  # float64 weighted events per metre
    lixel_index: np.ndarray  # int64 global lixel index (Lixels.ptr[edge] + k)
    method: str
    kernel: str
    bandwidth: float
    lixel: float

    def __len__(self) -> int:
        return int(self.density.size)


def check_params(method: str, kernel: str, bandwidth: float, lixel: float) -> None:
    """Raise ValueError naming the bad parameter."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(KERNELS)}, not {kernel!r}")
    if not (math.isfinite(bandwidth) and bandwidth > 0):
        raise ValueError("bandwidth must be a positive number of metres")
    if not (math.isfinite(lixel) and lixel > 0):
        raise ValueError("lixel must be a positive number of metres")


def result_from_dense(
    network: Network,
    lix: Lixels,
    dens: np.ndarray,
    touched: np.ndarray,
    *,
    method,
    kernel,
    bandwidth,
    lixel,
    index_ptr: np.ndarray | None = None,
) -> Result:
    """Keep the touched lixels of a per-lixel density array; `index_ptr` (E+1) indexes `dens` and
    `touched` when they hold only some edges' lixels (default: all, lix.ptr)."""
    at = lix.ptr if index_ptr is None else index_ptr
    pos = np.flatnonzero(touched).astype(np.int64)
    edge = np.searchsorted(at, pos, side="right") - 1
    k = pos - at[edge]
    idx = lix.ptr[edge] + k
    step = lix.step[edge]
    return Result(
        edge=edge,
        edge_id=network.edge_ids[edge],
        from_m=k * step,
        to_m=np.where(k + 1 == lix.ptr[edge + 1] - lix.ptr[edge], network.length[edge], (k + 1) * step),
        centre_m=(k + 0.5) * step,
        density=dens[pos],
        lixel_index=idx,
        method=method,
        kernel=kernel,
        bandwidth=float(bandwidth),
        lixel=float(lixel),
    )


def density(
    network: Network,
    events: Events,
    method: str = "simple",
    kernel: str = "quartic",
    bandwidth: float = DEFAULT_BANDWIDTH,
    lixel: float = DEFAULT_LIXEL,
) -> Result:
    """The NKDE at the centres of the lixels within `bandwidth` of some event (compiled)."""
    from analysis import nkde_kernels

    check_params(method, kernel, bandwidth, lixel)
    lix = lixelize(network, lixel)
    dens, touched, at = nkde_kernels.run(network, events, lix, method, KERNELS.index(kernel), float(bandwidth))
    return result_from_dense(
        network, lix, dens, touched, method=method, kernel=kernel, bandwidth=bandwidth, lixel=lixel, index_ptr=at
    )

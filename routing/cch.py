"""Customizable Contraction Hierarchy (Dibbelt, Strasser, Wagner 2016) on the expanded graph.

Three phases:

* preprocessing (once per network, cached on disk with the graph): a nested-dissection order of
  the undirected skeleton of the expanded graph from METIS, the chordal supergraph it induces
  (every arc ``{u, w}`` stored once at its lower end) and its elimination tree;
* customization (per cost array; 1.7–2.1 s from scratch on the province demo, tens to hundreds of
  milliseconds as a partial update of a few closed segments): the weight of every arc both ways,
  from the input edges (the cheapest of parallel ones) and then every lower triangle bottom-up,
  remembering for each arc and direction its physical arc or the middle node of its shortcut;
* queries: elimination-tree searches, one point to another (several start and end candidates with
  their offsets, as routing.search.Searcher gives them) with the path unpacked into physical arcs,
  and many-to-many with buckets for travel-time matrices.

Closures, speed caps and fog change nothing but the costs, so they only need a customization.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, fields

import numpy as np
import pymetis

from routing import cch_kernels as k
from routing.graph import RoadGraph
from routing.kernel_args import Down, Groups, Inputs, Starts, Tree, Upward, Weights, Work

# Work (merge steps) a partial customization may spend per arc before a full one is cheaper: on the
# province demo 10 per arc (~0.45 s) cut off a 0.4 s update of a three-segment expressway closure, which
# then cost a 1.4 s full customization on top; 20 lets such updates through and wastes at most ~0.9 s
# before a wide change (fog caps on every expressway) falls back.
UPDATE_BUDGET_PER_ARC = 20


@dataclass
class CCH:
    """The metric-independent part: order, chordal supergraph, elimination tree, input edges."""

    rank: np.ndarray  # int32 (N') CCH node of each expanded node
    up_ptr: np.ndarray  # int64 (N'+1) by CCH node
    up_head: np.ndarray  # int32 (M) upper end of each arc, ascending per node
    low: np.ndarray  # int32 (M) lower end of each arc
    parent: np.ndarray  # int32 (N') elimination-tree parent, -1 for roots
    edge_arc: np.ndarray  # int32 (E') CCH arc of each expanded edge, -1 for loops
    edge_up: np.ndarray  # bool (E') the edge runs from the lower to the upper end
    edge_phys: np.ndarray  # int32 (E') physical arc of each expanded edge (the graph's fwd_arc)
    down_ptr: np.ndarray  # int64 (N'+1) arcs by upper end: the lower ends ascending …
    down_tail: np.ndarray  # int32 (M)
    down_arc: np.ndarray  # int32 (M) … and the arcs
    in_ptr: np.ndarray  # int64 (M+1) input edges of each arc …
    in_edge: np.ndarray  # int32 (E')
    phys_len: np.ndarray  # float64 (2S) metres of each physical arc
    built_s: float = 0.0

    @property
    def n_nodes(self) -> int:
        """CCH nodes (the expanded graph's)."""
        return int(self.up_ptr.shape[0] - 1)

    @property
    def n_arcs(self) -> int:
        """Arcs of the chordal supergraph (each undirected edge once)."""
        return int(self.up_head.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by field name (what routing.store writes)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)}

    def memory_bytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(a.nbytes for a in self.arrays().values())

    def depth(self) -> int:
        """Height of the elimination tree (the longest chain a query scans)."""
        return int(k.tree_height(self.parent))

    def tree(self) -> tuple:
        """tuple(Tree) of the arrays, as the kernels take them (routing.kernel_args)."""
        return tuple(Tree(rank=self.rank, parent=self.parent, up_ptr=self.up_ptr, up_head=self.up_head, low=self.low))

    def inputs(self) -> tuple:
        """tuple(Inputs) of the arrays, as the kernels take them."""
        return tuple(
            Inputs(
                edge_arc=self.edge_arc, edge_up=self.edge_up, edge_phys=self.edge_phys,
                in_ptr=self.in_ptr, in_edge=self.in_edge, phys_len=self.phys_len,
            )
        )  # fmt: skip

    def down(self) -> tuple:
        """tuple(Down) of the arrays, as the kernels take them."""
        return tuple(Down(ptr=self.down_ptr, tail=self.down_tail, arc=self.down_arc))


@dataclass
class Metric:
    """A customized metric: weights of every arc both ways, how each was obtained and its metres."""

    up_w: np.ndarray  # float64 (M) seconds low → high, inf when no path
    down_w: np.ndarray  # float64 (M) seconds high → low
    up_src: np.ndarray  # int32 (M) -1 - physical arc, or the shortcut's middle node
    down_src: np.ndarray
    up_len: np.ndarray  # float64 (M) metres of the path behind the arc
    down_len: np.ndarray
    built_s: float = 0.0
    redone: int = -1  # arcs recomputed by a partial customization (-1: a full one)
    search: SearchGraph | None = None  # the arcs queries need (None: not prepared, search them all)

    @classmethod
    def empty(cls, m: int) -> Metric:
        """Uninitialised arrays for `m` arcs."""
        return cls(np.empty(m), np.empty(m), np.empty(m, np.int32), np.empty(m, np.int32), np.empty(m), np.empty(m))

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by field name (what routing.store writes)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)}

    def weights(self) -> tuple:
        """tuple(Weights) of the arrays, as the kernels take them (routing.kernel_args)."""
        return tuple(
            Weights(
                up_w=self.up_w, down_w=self.down_w, up_src=self.up_src, down_src=self.down_src,
                up_len=self.up_len, down_len=self.down_len,
            )
        )  # fmt: skip

    def copy(self, into: Metric | None = None) -> Metric:
        """A deep copy (writable arrays), written into `into`'s arrays when given (already touched
        memory: no page faults on the way)."""
        if into is None:
            return Metric.of(*(np.array(a) for a in self.arrays().values()))
        for target, source in zip(into.arrays().values(), self.arrays().values(), strict=True):
            np.copyto(target, source)
        into.built_s, into.redone, into.search = self.built_s, self.redone, None
        return into

    @classmethod
    def touched(cls, m: int) -> Metric:
        """Arrays for `m` arcs with every page already faulted in (zeros): a spare to customize into."""
        metric = cls.empty(m)
        for a in metric.arrays().values():
            a.fill(0)
        return metric

    @classmethod
    def of(cls, *arrays: np.ndarray) -> Metric:
        """A metric from its six arrays in field order."""
        up_w, down_w, up_src, down_src, up_len, down_len = arrays
        return cls(up_w, down_w, up_src, down_src, up_len, down_len)

    def memory_bytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(a.nbytes for a in self.arrays().values())


@dataclass
class SearchGraph:
    """The upward arcs each way that queries under one metric need, as two CSR graphs by lower end
    (head, CCH arc, weight): after a perfect customization, only the arcs whose weight is the shortest
    distance between their ends (about half of them on the province demo; the query relaxes that
    much less)."""

    f_ptr: np.ndarray  # int64 (N'+1) upward arcs low → high …
    f_head: np.ndarray  # int32
    f_arc: np.ndarray  # int32 (the CCH arc)
    f_w: np.ndarray  # float64
    b_ptr: np.ndarray  # … and high → low, searched from the target
    b_head: np.ndarray
    b_arc: np.ndarray
    b_w: np.ndarray
    built_s: float = 0.0

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by field name (what routing.store writes)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)}

    def memory_bytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(a.nbytes for a in self.arrays().values())


def search_graph(cch: CCH, metric: Metric) -> SearchGraph:
    """The SearchGraph of a customized metric (a perfect customization of a copy of its weights, then
    the arcs it leaves exact): 2–3 s on the province demo, so done in the background for overlays."""
    t0 = time.perf_counter()
    up, down = metric.up_w.copy(), metric.down_w.copy()
    k.perfect(cch.up_ptr, cch.up_head, up, down)
    fwd = k.tight_arcs(cch.up_ptr, cch.up_head, metric.up_w, up)
    bwd = k.tight_arcs(cch.up_ptr, cch.up_head, metric.down_w, down)
    (f_ptr, f_head, f_arc, f_w), (b_ptr, b_head, b_arc, b_w) = fwd, bwd
    return SearchGraph(f_ptr, f_head, f_arc, f_w, b_ptr, b_head, b_arc, b_w, time.perf_counter() - t0)


def nested_dissection(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rank of every node (0 = eliminated first) from METIS for the undirected edges a–b."""
    if n == 0:
        return np.empty(0, np.int32)
    if len(a) == 0:
        return np.arange(n, dtype=np.int32)
    ptr, adj = _symmetric_csr(n, a, b)
    try:
        _, iperm = pymetis.nested_dissection(adjacency=pymetis.CSRAdjacency(ptr, adj))
    finally:
        _signals_interrupt_again()
    return np.asarray(iperm, dtype=np.int32)


def _signals_interrupt_again() -> None:
    """METIS (GKlib's signal trap) swaps in its own SIGABRT and SIGTERM handlers while it runs and puts
    the previous ones back with C's signal(), which adds SA_RESTART. Python's handlers must interrupt
    blocking calls: with SA_RESTART a main thread waiting on a lock (a granian worker waits so for its
    stop signal) never wakes to run the SIGTERM handler, and a server that rebuilt its graph ignored
    SIGTERM until killed. Clear the flag again (the handlers themselves are left as they are)."""
    for sig in (signal.SIGTERM, signal.SIGABRT):
        signal.siginterrupt(sig, True)


def _symmetric_csr(n: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tails = np.concatenate([a, b])
    heads = np.concatenate([b, a])
    order = np.argsort(tails, kind="stable")
    ptr = np.searchsorted(tails[order], np.arange(n + 1)).astype(np.int64)
    return ptr, heads[order].astype(np.int32)


def skeleton(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """The undirected simple graph under the expanded graph: edges a < b, each once."""
    t = graph.fwd_tail.astype(np.int64)
    h = graph.fwd_head.astype(np.int64)
    keep = t != h
    lo = np.minimum(t[keep], h[keep])
    hi = np.maximum(t[keep], h[keep])
    key = np.unique(lo * max(graph.n_nodes, 1) + hi)
    return (key // max(graph.n_nodes, 1)).astype(np.int32), (key % max(graph.n_nodes, 1)).astype(np.int32)


def build_cch(graph: RoadGraph) -> CCH:
    """Order, contract and map the input edges (the metric-independent preprocessing)."""
    t0 = time.perf_counter()
    n = graph.n_nodes
    a, b = skeleton(graph)
    rank = nested_dissection(n, a, b)
    ptr, adj = _symmetric_csr(n, rank[a], rank[b])
    up_ptr, up_head, parent = k.contract(n, ptr, adj)
    low = np.repeat(np.arange(n, dtype=np.int32), np.diff(up_ptr))
    edge_arc, edge_up = k.map_edges(up_ptr, up_head, rank, graph.fwd_tail, graph.fwd_head)
    m = len(up_head)
    by_upper = np.lexsort((low, up_head))
    down_ptr = np.searchsorted(up_head[by_upper], np.arange(n + 1)).astype(np.int64)
    used = np.flatnonzero(edge_arc >= 0).astype(np.int32)
    by_arc = used[np.argsort(edge_arc[used], kind="stable")]
    in_ptr = np.searchsorted(edge_arc[by_arc], np.arange(m + 1)).astype(np.int64)
    phys = np.ascontiguousarray(graph.fwd_arc, dtype=np.int32)
    return CCH(
        rank=rank,
        up_ptr=up_ptr,
        up_head=up_head,
        low=low,
        parent=parent,
        edge_arc=edge_arc,
        edge_up=edge_up,
        edge_phys=phys,
        down_ptr=down_ptr,
        down_tail=low[by_upper],
        down_arc=by_upper.astype(np.int32),
        in_ptr=in_ptr,
        in_edge=by_arc,
        phys_len=np.repeat(np.asarray(graph.seg_length_m, np.float64), 2),
        built_s=time.perf_counter() - t0,
    )


def customize(cch: CCH, cost: np.ndarray, *, into: Metric | None = None) -> Metric:
    """The metric of physical arc costs `cost` (seconds, inf = closed), computed from scratch (into
    `into`'s arrays when given)."""
    t0 = time.perf_counter()
    metric = into if into is not None else Metric.empty(cch.n_arcs)
    metric.search = None
    k.customize(cch.tree(), cch.inputs(), _floats(cost), metric.weights())
    metric.built_s = time.perf_counter() - t0
    return metric


def recustomize(
    cch: CCH,
    base: Metric,
    base_cost: np.ndarray,
    cost: np.ndarray,
    *,
    budget: int | None = None,
    into: Metric | None = None,
) -> Metric:
    """The metric of `cost` from `base` (the metric of `base_cost`; `base` itself when nothing
    changed), redoing only the arcs whose
    input edges changed cost and what depends on them: tens of milliseconds for a few closures.
    Equal, array for array, to customize(cch, cost), which it falls back to when the changes reach
    too far (wide speed caps on expressways) for a partial update to pay (more than `budget` merge
    steps; by default UPDATE_BUDGET_PER_ARC per arc). `into`: arrays to write the result into (a
    spare from Metric.touched: copying into memory never touched costs page faults, which on some
    machines take longer than the update itself)."""
    t0 = time.perf_counter()
    cost = _floats(cost)
    changed = np.flatnonzero(cost != base_cost)
    if not len(changed):
        return base
    metric = base.copy(into)
    hit = np.zeros(len(cost), dtype=bool)
    hit[changed] = True
    seeds = np.unique(cch.edge_arc[hit[cch.edge_phys]])
    seeds = seeds[seeds >= 0].astype(np.int32)
    budget = max(UPDATE_BUDGET_PER_ARC * cch.n_arcs, 10_000) if budget is None else budget
    metric.redone = k.update(cch.tree(), cch.down(), cch.inputs(), cost, seeds, budget, metric.weights())
    if metric.redone < 0:
        metric = customize(cch, cost, into=metric)
    metric.built_s = time.perf_counter() - t0
    return metric


def _floats(cost: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cost, dtype=np.float64)


class QueryWorkspace:
    """Per-thread arrays of the elimination-tree query (stamped, never cleared)."""

    def __init__(self, n: int):
        self.df = np.empty(n, np.float64)
        self.db = np.empty(n, np.float64)
        self.pf = np.empty(n, np.int32)
        self.pb = np.empty(n, np.int32)
        self.seen_f = np.zeros(n, np.int32)
        self.seen_b = np.zeros(n, np.int32)
        self.chain_f = np.empty(n + 1, np.int32)
        self.chain_b = np.empty(n + 1, np.int32)
        self.out = np.empty(2 * n + 64, np.int32)
        self.stack = np.empty(4 * n + 256, np.int32)
        self.stamp = 0
        self._work = tuple(
            Work(
                df=self.df, db=self.db, pf=self.pf, pb=self.pb, seen_f=self.seen_f, seen_b=self.seen_b,
                chain_f=self.chain_f, chain_b=self.chain_b, out=self.out, stack=self.stack,
            )
        )  # fmt: skip

    def work(self) -> tuple:
        """tuple(Work) of the arrays, as the kernels take them (routing.kernel_args)."""
        return self._work

    def next_stamp(self) -> int:
        """A fresh stamp (clearing the stamp arrays when the counter wraps)."""
        self.stamp += 1
        if self.stamp >= 2**31 - 2:
            self.seen_f[:] = 0
            self.seen_b[:] = 0
            self.stamp = 1
        return self.stamp


@dataclass(frozen=True)
class Found:
    """A point-to-point answer: cost, physical arcs between the chosen start and end, which start
    and end candidate were used, and the nodes scanned."""

    cost_s: float
    arcs: np.ndarray
    source: int
    target: int
    scanned: int


def upward(cch: CCH, metric: Metric) -> Upward:
    """The upward graphs the kernels search each way, and whether their arcs map to CCH arcs: the
    metric's search graph when made, else every arc of the CCH."""
    sg = metric.search
    if sg is not None:
        return Upward(
            f_ptr=sg.f_ptr, f_head=sg.f_head, f_arc=sg.f_arc, f_w=sg.f_w,
            b_ptr=sg.b_ptr, b_head=sg.b_head, b_arc=sg.b_arc, b_w=sg.b_w, mapped=True,
        )  # fmt: skip
    up_ptr, up_head = cch.up_ptr, cch.up_head
    return Upward(
        f_ptr=up_ptr, f_head=up_head, f_arc=up_head, f_w=metric.up_w,
        b_ptr=up_ptr, b_head=up_head, b_arc=up_head, b_w=metric.down_w, mapped=False,
    )  # fmt: skip


def query(
    cch: CCH,
    metric: Metric,
    ws: QueryWorkspace,
    src_nodes: np.ndarray,
    src_dist: np.ndarray,
    tgt_nodes: np.ndarray,
    tgt_dist: np.ndarray,
    upper: float = np.inf,
) -> Found | None:
    """The cheapest path from any source (expanded node, seconds already spent) to any target
    (expanded node, seconds still to go) below `upper`; None when there is none."""
    stamp = ws.next_stamp()
    starts = Starts(nodes=cch.rank[src_nodes], secs=np.asarray(src_dist, np.float64))
    targets = Starts(nodes=cch.rank[tgt_nodes], secs=np.asarray(tgt_dist, np.float64))
    work = ws.work()
    best, meet, scanned = k.et_query(
        tuple(upward(cch, metric)), cch.parent, tuple(starts), tuple(targets), float(upper), work, stamp
    )
    if meet < 0:
        return None
    count, src, tgt = k.unpack(cch.tree(), metric.weights(), work, meet)
    if count < 0:
        raise RuntimeError("CCH path too long to unpack")
    return Found(float(best), ws.out[:count].copy(), int(src), int(tgt), int(scanned))


def many_to_many(
    cch: CCH,
    metric: Metric,
    sources: list[list[tuple[int, float, float]]],
    targets: list[list[tuple[int, float, float]]],
) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, metres) from every origin to every destination (inf where unreachable): origin i
    starts from (expanded node, seconds, metres) candidates sources[i], destination j is reached
    from (expanded node, seconds, metres still to go) candidates targets[j]."""
    out_t = np.full((len(sources), len(targets)), np.inf)
    out_m = np.full((len(sources), len(targets)), np.inf)
    k.many_to_many(
        tuple(upward(cch, metric)), metric.weights(), cch.parent,
        tuple(_flatten(cch, sources)), tuple(_flatten(cch, targets)), out_t, out_m,
    )  # fmt: skip
    return out_t, out_m


def _flatten(cch: CCH, groups: list[list[tuple[int, float, float]]]) -> Groups:
    ptr = np.zeros(len(groups) + 1, np.int64)
    ptr[1:] = np.cumsum([len(g) for g in groups])
    flat = [c for g in groups for c in g]
    nodes = cch.rank[np.array([c[0] for c in flat], np.int64)] if flat else np.empty(0, np.int32)
    secs = np.array([c[1] for c in flat], np.float64)
    metres = np.array([c[2] for c in flat], np.float64)
    return Groups(ptr=ptr, nodes=nodes.astype(np.int32), secs=secs, metres=metres)

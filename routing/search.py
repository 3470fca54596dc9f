"""Point-to-point search on the routing graph: snapped ends in, the arcs of the fastest path out."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from routing import cch as cchmod
from routing import partial
from routing import query_kernels as qk
from routing.graph import RoadGraph
from routing.kernel_args import Bounds, Csr, Ends, Marks, Potentials, Reached, Side, Starts, Tally
from routing.kernels import alt_bidir, alt_search, dijkstra
from routing.landmarks import Landmarks


@dataclass(frozen=True)
class Endpoint:
    """A position on a segment: its index and the fraction along its digitised direction, with the
    other (segment, fraction) places that are the same point: every segment of a junction the point
    is at, segments exactly as near. A route may start or end on any of them."""

    seg: int
    fraction: float
    lon: float = 0.0
    lat: float = 0.0
    distance_m: float = 0.0  # from the point asked for to the road
    others: tuple[tuple[int, float], ...] = ()
    segs: np.ndarray = field(init=False, compare=False, repr=False)  # every candidate's segment (int64)
    fractions: np.ndarray = field(init=False, compare=False, repr=False)  # and fraction

    place: tuple = field(init=False, compare=False, repr=False)  # tuple(Place) of both, for the kernels

    def __post_init__(self) -> None:
        object.__setattr__(self, "segs", np.array([self.seg, *(s for s, _ in self.others)], np.int64))
        object.__setattr__(self, "fractions", np.array([self.fraction, *(f for _, f in self.others)], np.float64))
        object.__setattr__(self, "place", (self.segs, self.fractions))  # Place(segs, fractions), cheaply

    def candidates(self) -> list[tuple[int, float]]:
        """(segment, fraction) of every place the point stands for, the snapped one first."""
        return [(self.seg, self.fraction), *self.others]


@dataclass(frozen=True)
class Path:
    """The fastest path: total seconds, the physical arcs in order and the partial first/last fractions."""

    cost_s: float
    arcs: list[int]
    first_part: float  # fraction of the first arc driven (from the start point to its head)
    last_part: float  # fraction of the last arc driven (from its tail to the end point)
    settled: int = 0
    arc_array: np.ndarray | None = field(default=None, compare=False, repr=False)  # `arcs` as int64, when at hand
    start_fraction: float | None = None  # where on its segment the first arc starts, for a straight drive

    def start_at(self) -> float:
        """The fraction of the first arc's segment (digitised direction) where the path starts."""
        if self.start_fraction is not None:
            return self.start_fraction
        if not self.arcs:
            return 0.0
        return 1.0 - self.first_part if self.arcs[0] % 2 == 0 else self.first_part

    def arc_ids(self) -> np.ndarray:
        """`arcs` as an int64 array."""
        return self.arc_array if self.arc_array is not None else np.asarray(self.arcs, dtype=np.int64)

    def arc_parts(self) -> list[tuple[int, float]]:
        """Each arc with the share of it that is driven (partial at both ends)."""
        if not self.arcs:
            return []
        if len(self.arcs) == 1:
            return [(self.arcs[0], self.first_part)]
        parts = [(a, 1.0) for a in self.arcs]
        parts[0] = (self.arcs[0], self.first_part)
        parts[-1] = (self.arcs[-1], self.last_part)
        return parts


def background_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: a thread's own nice value), so that work done
    ahead of need (search graphs, spare memory) leaves the cores to requests."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)


class _Workspace:
    """Per-thread search arrays, reused across queries with a stamp instead of clearing."""

    def __init__(self, n: int, m: int):
        self.dist = np.empty(n, np.float64)
        self.pred = np.empty(n, np.int32)
        self.seen = np.zeros(n, np.int32)
        self.tmark = np.zeros(n, np.int32)
        self.toff = np.empty(n, np.float64)
        self.xdist = np.empty(n, np.float64)
        self.xseen = np.zeros(n, np.int32)
        self.hval = np.empty(n, np.float64)
        # The backward half of the bidirectional search.
        self.dist_b = np.empty(n, np.float64)
        self.pred_b = np.empty(n, np.int32)
        self.seen_b = np.zeros(n, np.int32)
        self.xdist_b = np.empty(n, np.float64)
        self.xseen_b = np.zeros(n, np.int32)
        self.pseen = np.zeros(n, np.int32)
        self.keys_b = np.empty(2 * m + 64, np.float64)
        self.nodes_b = np.empty(2 * m + 64, np.int32)
        self.keys = np.empty(2 * m + 64, np.float64)
        self.nodes = np.empty(2 * m + 64, np.int32)
        self.stamp = 0
        # The arrays as the kernels take them (routing.kernel_args).
        self.side_f = tuple(
            Side(
                dist=self.dist, pred=self.pred, seen=self.seen, xdist=self.xdist, xseen=self.xseen,
                keys=self.keys, nodes=self.nodes,
            )
        )  # fmt: skip
        self.side_b = tuple(
            Side(
                dist=self.dist_b, pred=self.pred_b, seen=self.seen_b, xdist=self.xdist_b, xseen=self.xseen_b,
                keys=self.keys_b, nodes=self.nodes_b,
            )
        )  # fmt: skip
        self.marks = tuple(Marks(tmark=self.tmark, toff=self.toff, hval=self.hval))
        self.potentials = tuple(Potentials(pval=self.hval, pseen=self.pseen))

    def next_stamp(self) -> int:
        """A fresh stamp (clearing the stamp arrays when the counter wraps)."""
        self.stamp += 1
        if self.stamp >= 2**31 - 2:
            for arr in (self.seen, self.tmark, self.xseen, self.seen_b, self.xseen_b, self.pseen):
                arr[:] = 0
            self.stamp = 1
        return self.stamp


_NONE = np.empty(0)  # no source bounds (one-way A*)
METRICS_KEPT = 2  # customized metrics of live overlays kept besides the base one
BACKGROUND_NICE = 19  # nice value of threads doing work ahead of need


class Searcher:
    """Fastest paths on one graph with its landmarks; safe to use from several threads.

    With a CCH (routing.cch), route() answers from the customized metric of the cost array when
    that array is read-only (the base costs and the router's overlays are frozen): the metric is
    customized in the background on first use (ALT answers until it is ready) and cached by the
    array's identity, so an array must not change once frozen. Writable arrays (per-request costs: alternatives' penalties, avoiding hazards) are
    searched with bidirectional ALT, which needs no preparation."""

    def __init__(
        self,
        graph: RoadGraph,
        landmarks: Landmarks,
        cch: cchmod.CCH | None = None,
        base_metric: cchmod.Metric | None = None,
    ):
        self.graph = graph
        self.lm = landmarks
        self.cch = cch
        self.base_metric = base_metric
        self._local = threading.local()
        self._metrics: OrderedDict[int, tuple[weakref.ref, cchmod.Metric]] = OrderedDict()
        self._mlock = threading.Lock()
        self._pending: dict[int, threading.Event] = {}
        self._spare: cchmod.Metric | None = None  # touched arrays for the next overlay's metric
        self._spare_coming = False
        self._spare_cv = threading.Condition(self._mlock)  # a spare became ready (or failed)
        self._searching: dict[int, threading.Thread] = {}  # metric id → thread making its search graph
        self._search_lock = threading.Lock()
        self._packed: tuple[cchmod.CCH, tuple, tuple] | None = None  # (cch, ends, tree) for qk.route
        g = graph
        # The graph's CSR each way as the ALT kernels take them (routing.kernel_args.Csr).
        self._fwd = tuple(Csr(ptr=g.fwd_ptr, head=g.fwd_head, arc=g.fwd_arc))
        self._bwd = tuple(Csr(ptr=g.bwd_ptr, head=g.bwd_head, arc=g.bwd_arc))
        if cch is not None and base_metric is not None and base_metric.search is None:
            self._search_later(base_metric)

    def metric(self, cost: np.ndarray, *, wait: bool = True) -> cchmod.Metric | None:
        """The CCH metric of `cost` (None without a CCH): the base one for the base costs, a cached
        one for a read-only array seen before, else customized from the base one (and cached when the
        array is read-only). With `wait=False` a metric not ready yet is customized in a background
        thread and None returned at once: the caller searches without it meanwhile."""
        cch = self.cch
        if cch is None:
            return None
        base_cost = self.graph.base_cost
        with self._mlock:
            if self.base_metric is None:
                self.base_metric = cchmod.customize(cch, base_cost)
            if cost is base_cost:
                return self.base_metric
            hit = self._metrics.get(id(cost))
            if hit is not None and hit[0]() is cost:
                self._metrics.move_to_end(id(cost))
                return hit[1]
            mine = False
            if cost.flags.writeable:  # a per-request array: never cached, never shared
                pending = None
            else:
                pending = self._pending.get(id(cost))
                if pending is None:
                    pending = self._pending[id(cost)] = threading.Event()
                    mine = True
        if pending is None:
            return cchmod.recustomize(cch, *self._nearest(cost), cost)
        if mine and wait:
            return self._customize(cost, pending)
        if mine:
            threading.Thread(target=self._customize, args=(cost, pending), daemon=True).start()
            return None
        if not wait:
            return None
        pending.wait()  # another thread is customizing this very array
        return self.metric(cost)

    def _customize(self, cost: np.ndarray, pending: threading.Event) -> cchmod.Metric:
        assert self.cch is not None and self.base_metric is not None
        try:
            spare = self._take_spare()
            metric = cchmod.recustomize(self.cch, *self._nearest(cost), cost, into=spare)
            with self._mlock:
                if spare is not None and metric is not spare and self._spare is None:
                    self._spare = spare  # not needed (nothing changed): keep it for the next one
                self._metrics[id(cost)] = (weakref.ref(cost), metric)
                if metric.search is None:
                    self._search_later(metric)
                while len(self._metrics) > METRICS_KEPT:
                    _, (_, old) = self._metrics.popitem(last=False)
                    # Recycle the evicted metric's memory as the next spare when no search holds it
                    # any more (references: `old` and getrefcount's argument), instead of faulting in
                    # fresh pages for the next overlay.
                    if self._spare is None and old is not self.base_metric and sys.getrefcount(old) <= 2:
                        self._spare = old
                    del old
            return metric
        finally:
            with self._mlock:
                self._pending.pop(id(cost), None)
            pending.set()

    def _nearest(self, cost: np.ndarray) -> tuple[cchmod.Metric, np.ndarray]:
        """The customized metric (and its costs) that differs from `cost` in the fewest arcs: a partial
        customization from it has the least to redo (a new closure on top of the overlay in force
        redoes that closure, not every closure and fog cap again from the base costs)."""
        assert self.base_metric is not None
        with self._mlock:
            known = [(self.base_metric, self.graph.base_cost)]
            known += [(m, c) for ref, m in self._metrics.values() if (c := ref()) is not None and c.shape == cost.shape]
        if len(known) == 1:
            return known[0]
        return min(known, key=lambda mc: int(np.count_nonzero(mc[1] != cost)))

    def _search_later(self, metric: cchmod.Metric) -> None:
        """Make the metric's search graph in a background thread (2–3 s on the province demo): the
        metric's queries search every arc meanwhile, then about half of them."""
        if id(metric) in self._searching:
            return

        def run() -> None:
            background_priority()
            try:
                with self._search_lock:  # one at a time: each takes seconds of CPU
                    if self.cch is not None and self._kept(metric):
                        metric.search = cchmod.search_graph(self.cch, metric)
            finally:
                self._searching.pop(id(metric), None)

        thread = self._searching[id(metric)] = threading.Thread(target=run, daemon=True, name="daoan-search-graph")
        thread.start()

    def _kept(self, metric: cchmod.Metric) -> bool:
        """Whether `metric` is still the base one or cached (an evicted one needs no search graph)."""
        with self._mlock:
            return metric is self.base_metric or any(m is metric for _, m in self._metrics.values())

    def settle(self, cost: np.ndarray, timeout: float = 60.0) -> None:
        """Wait until the metric of `cost` is customized and its search graph made (benchmarks and
        tests measure the steady state; requests never wait for the search graph)."""
        metric = self.metric(cost)
        if metric is None:
            return
        with self._mlock:
            thread = self._searching.get(id(metric))
        if thread is not None:
            thread.join(timeout)

    def _take_spare(self) -> cchmod.Metric | None:
        """Metric arrays whose memory is already touched, to customize into: the spare (a metric
        evicted from the cache, or one prepared in the background; one being prepared is waited for,
        as it is further along than a fresh allocation), or None the first time (the caller
        allocates). The next spare is then prepared in the background, off the path of requests."""
        with self._spare_cv:
            if self._spare is None and self._spare_coming:
                self._spare_cv.wait_for(lambda: self._spare is not None or not self._spare_coming, timeout=10)
            spare, self._spare = self._spare, None
            start = not self._spare_coming
            self._spare_coming = True
        if start and self.cch is not None:
            threading.Thread(target=self._prepare_spare, args=(self.cch.n_arcs,), daemon=True).start()
        return spare

    def _prepare_spare(self, arcs: int) -> None:
        # At normal priority: a customization on a request's path may wait for this spare.
        spare = None
        try:
            spare = cchmod.Metric.touched(arcs)
        finally:
            with self._spare_cv:
                if self._spare is None:
                    self._spare = spare
                self._spare_coming = False
                self._spare_cv.notify_all()

    def _cch_ws(self) -> cchmod.QueryWorkspace:
        ws = getattr(self._local, "cch_ws", None)
        if ws is None:
            ws = self._local.cch_ws = cchmod.QueryWorkspace(self.graph.n_nodes)
        return ws

    def _query_args(self, cch: cchmod.CCH) -> tuple[tuple, tuple]:
        """qk.route's bundles of the graph's and the CCH's arrays (as plain tuples), made once."""
        found = self._packed
        if found is None or found[0] is not cch:
            g = self.graph
            ends = tuple(Ends(arc_head_x=g.arc_head_x, arc_tail_ptr=g.arc_tail_ptr, arc_tails=g.arc_tails))
            found = self._packed = (cch, ends, cch.tree())
        return found[1], found[2]

    def _ws(self) -> _Workspace:
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = self._local.ws = _Workspace(self.graph.n_nodes, self.graph.n_edges)
        return ws

    def sources(self, start: Endpoint, cost: np.ndarray) -> list[tuple[int, float, int, float]]:
        """(expanded node, initial seconds, arc, fraction driven) for leaving `start` either way."""
        found = qk.sources(self.graph.arc_head_x, cost, start.segs, start.fractions)
        return list(zip(*(a.tolist() for a in found), strict=True))

    def targets(self, end: Endpoint, cost: np.ndarray) -> list[tuple[int, float, int, float]]:
        """(expanded tail node, seconds from it to `end`, arc, fraction driven) for reaching `end`."""
        g = self.graph
        found = qk.targets(g.arc_tail_ptr, g.arc_tails, cost, end.segs, end.fractions)
        return list(zip(*(a.tolist() for a in found), strict=True))

    def _target_bounds(self, end: Endpoint) -> tuple[np.ndarray, np.ndarray]:
        g, lm = self.graph, self.lm
        base = g.base_cost
        k = lm.lm_from.shape[1]
        t_from = np.full(k, np.inf)
        t_to_ub = np.full(k, -np.inf)
        for node, _, arc, part in self.targets(end, base):
            t_from = np.minimum(t_from, lm.lm_from[node].astype(np.float64) + part * base[arc])
        for seg, fraction in end.candidates():
            for arc, rest in ((2 * seg, 1.0 - fraction), (2 * seg + 1, fraction)):
                if np.isfinite(base[arc]):
                    t_to_ub = np.maximum(
                        t_to_ub, lm.lm_to[int(g.arc_head_x[arc])].astype(np.float64) + rest * base[arc]
                    )
        t_to_ub[t_to_ub == -np.inf] = np.inf
        return t_from, t_to_ub

    def _source_bounds(self, start: Endpoint) -> tuple[np.ndarray, np.ndarray]:
        """Per landmark: d(L, start) (over every way of arriving at the point) and d(start, L)."""
        g, lm = self.graph, self.lm
        base = g.base_cost
        k = lm.lm_from.shape[1]
        s_from = np.full(k, np.inf)
        s_to = np.full(k, np.inf)
        for seg, fraction in start.candidates():
            for arc, share in ((2 * seg, fraction), (2 * seg + 1, 1.0 - fraction)):
                if not np.isfinite(base[arc]):
                    continue
                for t in g.arc_tails[g.arc_tail_ptr[arc] : g.arc_tail_ptr[arc + 1]].tolist():
                    s_from = np.minimum(s_from, lm.lm_from[t].astype(np.float64) + share * base[arc])
        for node, d0, _, _ in self.sources(start, base):
            s_to = np.minimum(s_to, d0 + lm.lm_to[node].astype(np.float64))
        return s_from, s_to

    def route(self, start: Endpoint, end: Endpoint, cost: np.ndarray, parts: dict | None = None) -> Path | None:
        """The fastest path from `start` to `end` under arc costs `cost`: the CCH for read-only
        cost arrays when there is one, else bidirectional ALT (the same costs either way). `parts`:
        the overlay's partly closed arcs (Overlay.closed_parts); an end on one is searched with ALT
        from the open part (routing/partial.py)."""
        if parts and partial.touches(parts, start, end):
            return self.route_alt(start, end, cost, parts)
        if self.cch is not None and not cost.flags.writeable:
            # A new overlay (a closure just declared) is customized in the background while ALT
            # answers, so that the first route after a write never waits for the customization.
            metric = self.metric(cost, wait=False)
            if metric is not None:
                return self.route_cch(start, end, cost, metric)
        return self.route_alt(start, end, cost)

    def route_cch(
        self, start: Endpoint, end: Endpoint, cost: np.ndarray, metric: cchmod.Metric | None = None
    ) -> Path | None:
        """route() on the CCH (customizing `cost` now when its metric is not given nor cached)."""
        metric = metric or self.metric(cost)
        if metric is None or self.cch is None:
            return self.route_alt(start, end, cost)
        ws = self._cch_ws()
        ends, tree = self._query_args(self.cch)
        upward, weights = _metric_args(self.cch, metric)
        cost_s, count, first, first_part, last, last_part, scanned = qk.route(
            ends, tree, upward, weights, ws.work(), ws.next_stamp(), cost, start.place, end.place
        )
        if count == qk.NO_ROUTE:
            return None
        if count == qk.STRAIGHT:
            return Path(cost_s, [first], first_part, 0.0, start_fraction=last_part)
        if count == qk.TOO_LONG:
            raise RuntimeError("CCH path too long to unpack")
        arcs = np.empty(count + 2, dtype=np.int64)
        arcs[0], arcs[1:-1], arcs[-1] = first, ws.out[:count], last
        return Path(cost_s, arcs.tolist(), first_part, last_part, scanned, arcs)

    def route_alt(self, start: Endpoint, end: Endpoint, cost: np.ndarray, parts: dict | None = None) -> Path | None:
        """route() with bidirectional ALT (no preparation per cost array)."""
        g = self.graph
        if parts:
            srcs = partial.sources(g, start, cost, parts)
            tgts = partial.targets(g, end, cost, parts)
            upper, arc, share, at = partial.direct(start, end, cost, parts)
            direct = Path(upper, [arc], share, 0.0, start_fraction=at) if arc >= 0 else None
        else:
            srcs = self.sources(start, cost)
            tgts = self.targets(end, cost)
            upper, direct = self._direct(start, end, cost)
        if not srcs or not tgts:
            return direct
        ws = self._ws()
        stamp = ws.next_stamp()
        t_from, t_to_ub = self._target_bounds(end)
        s_from, s_to = self._source_bounds(start)
        bounds = Bounds(
            lm_from=self.lm.lm_from, lm_to=self.lm.lm_to, t_from=t_from, t_to_ub=t_to_ub, s_from=s_from, s_to=s_to
        )
        best, meet, settled = alt_bidir(
            self._fwd, self._bwd, cost, _starts(srcs), _starts(tgts), tuple(bounds),
            ws.side_f, ws.side_b, ws.potentials, stamp, upper, 0.1,
        )  # fmt: skip
        if meet < 0:
            return direct
        head_arcs: list[int] = []
        n = int(meet)
        while int(ws.pred[n]) >= 0:
            e = int(ws.pred[n])
            head_arcs.append(int(g.fwd_arc[e]))
            n = int(g.fwd_tail[e])
        src = srcs[-1 - int(ws.pred[n])]
        head_arcs.reverse()
        n = int(meet)
        while int(ws.pred_b[n]) >= 0:
            e = int(ws.pred_b[n])
            head_arcs.append(int(g.bwd_arc[e]))
            n = int(g.bwd_owner[e])
        last = tgts[-1 - int(ws.pred_b[n])]
        return Path(float(best), [src[2], *head_arcs, last[2]], src[3], last[3], int(settled))

    def _direct(self, start: Endpoint, end: Endpoint, cost: np.ndarray) -> tuple[float, Path | None]:
        """Cost and path of driving straight along the segment when both ends lie on the same one."""
        upper, arc, share, at = qk.direct(cost, start.segs, start.fractions, end.segs, end.fractions)
        return (upper, Path(upper, [arc], share, 0.0, start_fraction=at)) if arc >= 0 else (np.inf, None)

    def route_unidirectional(self, start: Endpoint, end: Endpoint, cost: np.ndarray) -> Path | None:
        """The same as route() with one-way A*: the reference the bidirectional search is tested against."""
        g = self.graph
        srcs = self.sources(start, cost)
        tgts = self.targets(end, cost)
        upper, direct = self._direct(start, end, cost)
        if not srcs or not tgts:
            return direct
        ws = self._ws()
        stamp = ws.next_stamp()
        t_from, t_to_ub = self._target_bounds(end)
        bounds = Bounds(
            lm_from=self.lm.lm_from, lm_to=self.lm.lm_to, t_from=t_from, t_to_ub=t_to_ub, s_from=_NONE, s_to=_NONE
        )
        best, node, settled = alt_search(
            self._fwd, cost, _starts(srcs), _starts(tgts), tuple(bounds), ws.side_f, ws.marks, stamp, upper
        )
        if node < 0:
            return direct
        arcs: list[int] = []
        n = int(node)
        while True:
            e = int(ws.pred[n])
            if e < 0:
                src = srcs[-1 - e]
                break
            arcs.append(int(g.fwd_arc[e]))
            n = int(g.fwd_tail[e])
        arcs.reverse()
        last = min((t for t in tgts if t[0] == node), key=lambda t: t[1])
        all_arcs = [src[2], *arcs, last[2]]
        return Path(float(best), all_arcs, src[3], last[3], int(settled))

    def path_nodes(self, source: int, target: int, cost: np.ndarray) -> Path | None:
        """The fastest path from physical node `source` to physical node `target`; None when none."""
        if source == target:
            return Path(0.0, [], 1.0, 1.0)
        return self.path_from([(source, 0.0, -1)], target, cost)

    def path_from(
        self, sources: list[tuple[int, float, int]], target: int, cost: np.ndarray, upper: float = np.inf
    ) -> Path | None:
        """The fastest path from several starts (expanded node, seconds already spent, arc taken to
        it or -1) to physical node `target`; the start's arc, if any, leads the path's arcs. None when
        none costs at most `upper` seconds (the search stops there)."""
        g = self.graph
        tg = self._copies(target)
        k = self.lm.lm_from.shape[1]
        t_from = self.lm.lm_from[tg].astype(np.float64).min(axis=0) if len(tg) else np.full(k, np.inf)
        t_to_ub = self.lm.lm_to[tg].astype(np.float64).max(axis=0) if len(tg) else np.full(k, np.inf)
        ws = self._ws()
        stamp = ws.next_stamp()
        bounds = Bounds(
            lm_from=self.lm.lm_from, lm_to=self.lm.lm_to, t_from=t_from, t_to_ub=t_to_ub, s_from=_NONE, s_to=_NONE
        )
        targets = Starts(nodes=tg, secs=np.zeros(len(tg)))
        best, node, settled = alt_search(
            self._fwd, cost, _starts(sources), tuple(targets), tuple(bounds), ws.side_f, ws.marks, stamp, float(upper)
        )
        if node < 0:
            return None
        arcs: list[int] = []
        n = int(node)
        while int(ws.pred[n]) >= 0:
            e = int(ws.pred[n])
            arcs.append(int(g.fwd_arc[e]))
            n = int(g.fwd_tail[e])
        first = sources[-1 - int(ws.pred[n])][2]
        if first >= 0:
            arcs.append(first)
        arcs.reverse()
        return Path(float(best), arcs, 1.0, 1.0, int(settled))

    def route_nodes(self, source: int, target: int, cost: np.ndarray) -> float:
        """Seconds from physical node `source` to physical node `target` (inf when unreachable)."""
        path = self.path_nodes(source, target, cost)
        return np.inf if path is None else path.cost_s

    def _copies(self, node: int) -> np.ndarray:
        """Expanded nodes standing for physical node `node` (itself and copies at restrictions)."""
        g = self.graph
        index = getattr(self, "_copy_index", None)
        if index is None:
            order = np.argsort(g.node_phys, kind="stable").astype(np.int32)
            ptr = np.searchsorted(g.node_phys[order], np.arange(len(g.node_ids) + 1))
            index = self._copy_index = (order, ptr)
        order, ptr = index
        return order[ptr[node] : ptr[node + 1]]


def _metric_args(cch: cchmod.CCH, metric: cchmod.Metric) -> tuple[tuple, tuple]:
    """routing.cch.upward and the metric's weights as plain tuples, kept on the metric until its
    search graph changes."""
    found = getattr(metric, "_kernel_args", None)
    if found is None or found[0] is not metric.search:
        found = (metric.search, tuple(cchmod.upward(cch, metric)), metric.weights())
        metric._kernel_args = found  # type: ignore[attr-defined]
    return found[1], found[2]


def _starts(entries: list) -> tuple:
    """tuple(Starts) of search entries (node, seconds, …) as Searcher.sources and targets give them."""
    return tuple(
        Starts(nodes=np.array([e[0] for e in entries], np.int32), secs=np.array([e[1] for e in entries], np.float64))
    )


def one_to_all_from(
    graph: RoadGraph,
    cost: np.ndarray,
    sources: list[tuple[int, float, int, float]],
    *,
    limit_s: float = np.inf,
    stop_nodes: np.ndarray | None = None,
    metres: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seconds, pred, metres) of a Dijkstra from `sources` (as Searcher.sources gives them) up to
    `limit_s`, stopping once every node of `stop_nodes` is settled; metres only when asked."""
    n = graph.n_nodes
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int32)
    if metres:
        aux_w = np.repeat(graph.seg_length_m, 2)
        src_aux = np.array([s[3] * graph.seg_length_m[s[2] >> 1] for s in sources], np.float64)
        aux = np.full(n, np.inf)
    else:
        aux_w = src_aux = aux = np.empty(0, np.float64)
    dijkstra(
        tuple(Csr(ptr=graph.fwd_ptr, head=graph.fwd_head, arc=graph.fwd_arc)),
        cost,
        _starts(sources),
        float(limit_s),
        np.empty(0, np.int32) if stop_nodes is None else stop_nodes.astype(np.int32),
        tuple(Reached(dist=dist, pred=pred)),
        tuple(Tally(per_arc=aux_w, at_start=src_aux, reached=aux)),
    )
    return dist, pred, aux

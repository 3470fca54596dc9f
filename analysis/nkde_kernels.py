"""Compiled NKDE kernels (numba): the simple method by a bounded Dijkstra from each event, the
equal-split discontinuous method by a depth-first walk of the non-backtracking paths shorter than
the bandwidth. Both add into one density array over all lixels; see :mod:`analysis.nkde` for
the definitions."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from routing.heap import pop as _pop
from routing.heap import push as _push

QUARTIC, TRIANGULAR, EPANECHNIKOV, GAUSSIAN = 0, 1, 2, 3  # indexes of analysis.nkde.KERNELS
GAUSS_SIGMAS = 3.0
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@njit(cache=True, nogil=True, inline="always")
def _k(kcode, d, h):  # pragma: no cover - compiled
    """K(d) for 0 <= d < h."""
    u = d / h
    if kcode == QUARTIC:
        a = 1.0 - u * u
        return 0.9375 * a * a / h
    if kcode == TRIANGULAR:
        return (1.0 - u) / h
    if kcode == EPANECHNIKOV:
        return 0.75 * (1.0 - u * u) / h
    z = GAUSS_SIGMAS * u
    return GAUSS_SIGMAS * INV_SQRT_2PI * math.exp(-0.5 * z * z) / h


@njit(cache=True, nogil=True)
def half_edges(source, target, n_nodes):  # pragma: no cover - compiled
    """CSR of edge ends per node: half-edge 2e sits at source[e], 2e+1 at target[e]."""
    m = source.shape[0]
    ptr = np.zeros(n_nodes + 1, np.int64)
    for e in range(m):
        ptr[source[e] + 1] += 1
        ptr[target[e] + 1] += 1
    for v in range(n_nodes):
        ptr[v + 1] += ptr[v]
    fill = ptr[:-1].copy()
    half = np.empty(2 * m, np.int64)
    for e in range(m):
        half[fill[source[e]]] = 2 * e
        fill[source[e]] += 1
        half[fill[target[e]]] = 2 * e + 1
        fill[target[e]] += 1
    return ptr, half


@njit(cache=True, nogil=True)
def simple(
    ptr, half, source, target, length, lptr, step, ev_edge, ev_off, ev_w, kcode, h, dens, touched
):  # pragma: no cover - compiled
    """Add each event's kernel at every lixel centre within network distance < h."""
    n = ptr.shape[0] - 1
    m = length.shape[0]
    dist = np.full(n, np.inf)
    settled = np.empty(n, np.int64)
    stamp = np.full(m, -1, np.int64)
    keys = np.empty(half.shape[0] + 2, np.float64)
    nodes = np.empty(half.shape[0] + 2, np.int64)
    for i in range(ev_edge.shape[0]):
        e = ev_edge[i]
        t = ev_off[i]
        w = ev_w[i]
        size = 0
        n_settled = 0
        if t < h:
            dist[source[e]] = min(dist[source[e]], t)
            size = _push(keys, nodes, size, t, source[e])
        if length[e] - t < h:
            if length[e] - t < dist[target[e]]:
                dist[target[e]] = length[e] - t
            size = _push(keys, nodes, size, length[e] - t, target[e])
        while size > 0:
            d, u, size = _pop(keys, nodes, size)
            if d > dist[u] or d < 0:
                continue
            settled[n_settled] = u
            n_settled += 1
            for j in range(ptr[u], ptr[u + 1]):
                f = half[j] >> 1
                v = target[f] if (half[j] & 1) == 0 else source[f]
                nd = d + length[f]
                if nd < dist[v] and nd < h:
                    dist[v] = nd
                    size = _push(keys, nodes, size, nd, v)
            dist[u] = -1.0 - dist[u]  # settled marker: -1 - d (d >= 0)
        # the event's own edge: the direct distance or around through its ends
        _edge_simple(e, t, True, source, target, length, lptr, step, dist, w, kcode, h, dens, touched)
        stamp[e] = i
        for s in range(n_settled):
            u = settled[s]
            for j in range(ptr[u], ptr[u + 1]):
                f = half[j] >> 1
                if stamp[f] != i:
                    stamp[f] = i
                    _edge_simple(f, 0.0, False, source, target, length, lptr, step, dist, w, kcode, h, dens, touched)
        for s in range(n_settled):
            dist[settled[s]] = np.inf
        # nodes pushed but never settled (beyond h) were not set: only settled ones hold values


@njit(cache=True, nogil=True, inline="always")
def _node_dist(dist, v):  # pragma: no cover - compiled
    """Settled distance of node v (stored as -1 - d), inf when not settled."""
    x = dist[v]
    if x < 0:
        return -1.0 - x
    return np.inf


@njit(cache=True, nogil=True)
def _edge_simple(
    e, t, own, source, target, length, lptr, step, dist, w, kcode, h, dens, touched
):  # pragma: no cover - compiled
    """Lixels of edge e: d = min(d(source) + s, d(target) + L - s[, |s - t| on the event's edge]),
    looking only at the index ranges that can be within h of the source end, the target end and
    the event (each widened by one lixel; the d < h test decides)."""
    du = _node_dist(dist, source[e])
    dv = _node_dist(dist, target[e])
    ln = length[e]
    st = step[e]
    base = lptr[e]
    n = lptr[e + 1] - base
    lo = np.zeros(3, np.int64)
    hi = np.zeros(3, np.int64)
    m = 0
    if du < h:
        lo[m] = 0
        hi[m] = min(n, int((h - du) / st) + 1)
        m += 1
    if dv < h:
        lo[m] = max(0, int((ln - (h - dv)) / st) - 1)
        hi[m] = n
        m += 1
    if own:
        lo[m] = max(0, int((t - h) / st) - 1)
        hi[m] = min(n, int((t + h) / st) + 1)
        m += 1
    # the ranges in ascending order of their start (at most three: insertion sort)
    for a in range(1, m):
        b = a
        while b > 0 and lo[b - 1] > lo[b]:
            lo[b - 1], lo[b] = lo[b], lo[b - 1]
            hi[b - 1], hi[b] = hi[b], hi[b - 1]
            b -= 1
    cur = 0
    for r in range(m):
        for k in range(max(lo[r], cur), hi[r]):
            s = (k + 0.5) * st
            d = du + s
            d2 = dv + (ln - s)
            if d2 < d:
                d = d2
            if own:
                d3 = abs(s - t)
                if d3 < d:
                    d = d3
            if d < h:
                dens[base + k] += w * _k(kcode, d, h)
                touched[base + k] = True
        if hi[r] > cur:
            cur = hi[r]


@njit(cache=True, nogil=True)
def discontinuous(
    ptr, half, source, target, length, lptr, step, ev_edge, ev_off, ev_w, kcode, h, dens, touched
):  # pragma: no cover - compiled
    """Equal-split discontinuous kernel: walk every non-backtracking path shorter than h."""
    cap = 1024
    st_node = np.empty(cap, np.int64)
    st_from = np.empty(cap, np.int64)  # the half-edge the path arrived by
    st_dist = np.empty(cap, np.float64)
    st_w = np.empty(cap, np.float64)
    for i in range(ev_edge.shape[0]):
        e = ev_edge[i]
        t = ev_off[i]
        w = ev_w[i]
        ln = length[e]
        sp = step[e]
        base = lptr[e]
        for k in range(lptr[e + 1] - base):
            d = abs((k + 0.5) * sp - t)
            if d < h:
                dens[base + k] += w * _k(kcode, d, h)
                touched[base + k] = True
        top = 0
        if t < h:
            st_node[top] = source[e]
            st_from[top] = 2 * e
            st_dist[top] = t
            st_w[top] = w
            top += 1
        if ln - t < h:
            st_node[top] = target[e]
            st_from[top] = 2 * e + 1
            st_dist[top] = ln - t
            st_w[top] = w
            top += 1
        while top > 0:
            top -= 1
            u = st_node[top]
            came = st_from[top]
            d0 = st_dist[top]
            w0 = st_w[top]
            deg = ptr[u + 1] - ptr[u]
            if deg <= 1:
                continue
            nw = w0 / (deg - 1)
            for j in range(ptr[u], ptr[u + 1]):
                hj = half[j]
                if hj == came:
                    continue
                f = hj >> 1
                at_source = (hj & 1) == 0
                lf = length[f]
                sf = step[f]
                bf = lptr[f]
                nf = lptr[f + 1] - bf
                # lixels with d0 + along < h, along = s from this end
                kmax = int((h - d0) / sf + 0.5) + 1
                if kmax > nf:
                    kmax = nf
                for q in range(kmax):
                    along = (q + 0.5) * sf
                    d = d0 + along
                    if d < h:
                        k = q if at_source else nf - 1 - q
                        dens[bf + k] += nw * _k(kcode, d, h)
                        touched[bf + k] = True
                nd = d0 + lf
                if nd < h:
                    if top == st_node.shape[0]:
                        st_node = _grow_i(st_node)
                        st_from = _grow_i(st_from)
                        st_dist = _grow_f(st_dist)
                        st_w = _grow_f(st_w)
                    st_node[top] = target[f] if at_source else source[f]
                    st_from[top] = hj ^ 1
                    st_dist[top] = nd
                    st_w[top] = nw
                    top += 1


@njit(cache=True, nogil=True)
def _grow_i(a):  # pragma: no cover - compiled
    b = np.empty(2 * a.shape[0], a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def _grow_f(a):  # pragma: no cover - compiled
    b = np.empty(2 * a.shape[0], a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def near_edges(ptr, half, source, target, length, ev_edge, ev_off, h):  # pragma: no cover - compiled
    """The edges that can hold a point within h of some event: the events' own edges and every
    edge at a node within h of an event (one Dijkstra from all events at once)."""
    n = ptr.shape[0] - 1
    dist = np.full(n, np.inf)
    keys = np.empty(half.shape[0] + 2 * ev_edge.shape[0] + 1, np.float64)
    nodes = np.empty(keys.shape[0], np.int64)
    near = np.zeros(length.shape[0], np.bool_)
    size = 0
    for i in range(ev_edge.shape[0]):
        e = ev_edge[i]
        near[e] = True
        for v, d in ((source[e], ev_off[i]), (target[e], length[e] - ev_off[i])):
            if d < h and d < dist[v]:
                dist[v] = d
                size = _push(keys, nodes, size, d, v)
    while size > 0:
        d, u, size = _pop(keys, nodes, size)
        if d > dist[u]:
            continue
        for j in range(ptr[u], ptr[u + 1]):
            f = half[j] >> 1
            near[f] = True
            v = target[f] if (half[j] & 1) == 0 else source[f]
            nd = d + length[f]
            if nd < dist[v] and nd < h:
                dist[v] = nd
                size = _push(keys, nodes, size, nd, v)
    return near


def run(network, events, lix, method: str, kcode: int, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-lixel density and the touched mask over the lixels of the edges near some event, and the
    lixel offsets (E+1) that index those two arrays (edges far from every event have none)."""
    ptr, half = half_edges(network.source, network.target, network.n_nodes)
    near = near_edges(ptr, half, network.source, network.target, network.length, events.edge, events.offset, h)
    counts = np.where(near, np.diff(lix.ptr), 0)
    cptr = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=cptr[1:])
    lix = type(lix)(cptr, lix.step)
    dens = np.zeros(lix.count, np.float64)
    touched = np.zeros(lix.count, np.bool_)
    fn = simple if method == "simple" else discontinuous
    fn(
        ptr,
        half,
        network.source,
        network.target,
        network.length,
        lix.ptr,
        lix.step,
        events.edge,
        events.offset,
        events.weight,
        kcode,
        h,
        dens,
        touched,
    )
    return dens, touched, cptr

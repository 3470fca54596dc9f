"""Compiled shortest-path kernels (numba): Dijkstra with a limit and A* with landmarks (ALT).

The graph is a CSR over expanded nodes: ``ptr`` (n+1), ``head`` (entry → node) and ``arc``
(entry → physical arc, which indexes ``cost``). Costs are seconds; ``inf`` marks a closed arc.
Both kernels accept several sources with initial distances (a snapped point lies inside an edge)
and release the GIL so that server threads can search in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing.heap import pop as _pop
from routing.heap import push as _push
from routing.kernel_args import Bounds, Csr, Marks, Potentials, Reached, Side, Starts, Tally

INF = np.inf


@njit(cache=True, nogil=True)
def dijkstra(fwd, cost, starts, limit, stop_nodes, reached, tally):  # pragma: no cover - compiled
    """One-to-all Dijkstra on `fwd` (tuple(Csr)) from `starts` (tuple(Starts)), up to `limit`
    seconds; stops early once every node of `stop_nodes` is settled (when it is not empty). Fills
    `reached` (tuple(Reached): dist, inf = unreached, and pred, the entry index or -1 - k for start
    k); `tally` (tuple(Tally)) sums a second weight per arc (e.g. metres) along the same tree when
    it is not empty; returns the settled count."""
    g, s0, out, tl = Csr(*fwd), Starts(*starts), Reached(*reached), Tally(*tally)
    ptr, head, arc = g.ptr, g.head, g.arc
    src_nodes, src_dist, dist, pred = s0.nodes, s0.secs, out.dist, out.pred
    aux_w, src_aux, aux = tl.per_arc, tl.at_start, tl.reached
    use_aux = aux_w.shape[0] > 0
    n = ptr.shape[0] - 1
    cap = head.shape[0] + src_nodes.shape[0] + 1
    keys = np.empty(cap, np.float64)
    nodes = np.empty(cap, np.int32)
    done = np.zeros(n, np.bool_)
    size = 0
    for k in range(src_nodes.shape[0]):
        s = src_nodes[k]
        d = src_dist[k]
        if d < dist[s] and d <= limit:
            dist[s] = d
            pred[s] = -1 - k
            if use_aux:
                aux[s] = src_aux[k]
            size = _push(keys, nodes, size, d, s)
    stop_left = 0
    is_stop = np.zeros(n, np.bool_)
    for k in range(stop_nodes.shape[0]):
        t = stop_nodes[k]
        if not is_stop[t]:
            is_stop[t] = True
            stop_left += 1
    want_stop = stop_left > 0
    settled = 0
    while size > 0:
        key, u, size = _pop(keys, nodes, size)
        if done[u] or key > dist[u]:
            continue
        done[u] = True
        settled += 1
        if want_stop and is_stop[u]:
            stop_left -= 1
            if stop_left == 0:
                break
        for e in range(ptr[u], ptr[u + 1]):
            w = cost[arc[e]]
            if w == INF:
                continue
            nd = key + w
            v = head[e]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                pred[v] = e
                if use_aux:
                    aux[v] = aux[u] + aux_w[arc[e]]
                size = _push(keys, nodes, size, nd, v)
    return settled


@njit(cache=True, nogil=True, inline="always")
def _potential(v, lm_from, lm_to, t_from, t_to_ub):  # pragma: no cover - compiled
    # Lower bound on d(v, T) from every landmark (triangle inequality both ways); nan terms
    # (inf - inf) compare false and are skipped; an inf bound proves T unreachable from v.
    h = 0.0
    for k in range(t_from.shape[0]):
        a = t_from[k] - lm_from[v, k]
        if a > h:
            h = a
        b = lm_to[v, k] - t_to_ub[k]
        if b > h:
            h = b
    if h == INF:
        return h
    # float32 landmark tables: stay below the true bound so A* remains exact.
    return h * (1.0 - 1e-6) - 0.02 if h > 0.02 else 0.0


@njit(cache=True, nogil=True)
def alt_search(fwd, cost, starts, targets, bounds, side, marks, stamp, upper):  # pragma: no cover - compiled
    """A* with landmark bounds from several sources to several target nodes, each with an
    offset added on arrival. Workspace arrays are reused across calls: an entry of `dist`,
    `pred` is valid only where `seen == stamp` (`xdist` where `xseen == stamp`: the distance a
    node was last expanded at, so stale heap entries are skipped and improved nodes reopened;
    `hval` caches each node's landmark bound, valid where `seen == stamp`). Returns (best cost, best target node, settled).
    `upper` is a known upper bound (inf when none) that prunes the search. Bundles (plain tuples
    of routing.kernel_args): `fwd` Csr, `starts` and `targets` (their offsets) Starts, `bounds`
    Bounds, `side` Side, `marks` Marks."""
    g, lm, w, mk = Csr(*fwd), Bounds(*bounds), Side(*side), Marks(*marks)
    s0, t0 = Starts(*starts), Starts(*targets)
    src_nodes, src_dist, tgt_nodes, tgt_off = s0.nodes, s0.secs, t0.nodes, t0.secs
    tmark, toff, hval = mk.tmark, mk.toff, mk.hval
    ptr, head, arc = g.ptr, g.head, g.arc
    lm_from, lm_to, t_from, t_to_ub = lm.lm_from, lm.lm_to, lm.t_from, lm.t_to_ub
    dist, pred, seen, xdist, xseen, keys, nodes = w.dist, w.pred, w.seen, w.xdist, w.xseen, w.keys, w.nodes
    for k in range(tgt_nodes.shape[0]):
        t = tgt_nodes[k]
        if tmark[t] != stamp or tgt_off[k] < toff[t]:
            tmark[t] = stamp
            toff[t] = tgt_off[k]
    size = 0
    for k in range(src_nodes.shape[0]):
        s = src_nodes[k]
        d = src_dist[k]
        if d == INF:
            continue
        if seen[s] != stamp or d < dist[s]:
            if seen[s] != stamp:
                hval[s] = _potential(s, lm_from, lm_to, t_from, t_to_ub)
            seen[s] = stamp
            dist[s] = d
            pred[s] = -1 - k
            h = hval[s]
            if h < INF:
                size = _push(keys, nodes, size, d + h, s)
    best = upper
    best_node = -1
    settled = 0
    cap = keys.shape[0]
    while size > 0:
        key, u, size = _pop(keys, nodes, size)
        if key >= best:
            break
        du = dist[u]
        if xseen[u] == stamp and xdist[u] <= du:
            continue
        xseen[u] = stamp
        xdist[u] = du
        settled += 1
        if tmark[u] == stamp:
            c = du + toff[u]
            if c < best:
                best = c
                best_node = u
        for e in range(ptr[u], ptr[u + 1]):
            w = cost[arc[e]]
            if w == INF:
                continue
            nd = du + w
            if nd >= best:
                continue
            v = head[e]
            fresh = seen[v] != stamp
            if fresh or nd < dist[v]:
                if fresh:
                    hval[v] = _potential(v, lm_from, lm_to, t_from, t_to_ub)
                    seen[v] = stamp
                dist[v] = nd
                pred[v] = e
                h = hval[v]
                if h < INF and size < cap:
                    size = _push(keys, nodes, size, nd + h, v)
    return best, best_node, settled


@njit(cache=True, nogil=True, inline="always")
def _source_bound(v, lm_from, lm_to, s_from, s_to):  # pragma: no cover - compiled
    # Lower bound on d(S, v): d(L, v) - d(L, S) and d(S, L) - d(v, L), as in _potential.
    h = 0.0
    for k in range(s_from.shape[0]):
        a = lm_from[v, k] - s_from[k]
        if a > h:
            h = a
        b = s_to[k] - lm_to[v, k]
        if b > h:
            h = b
    if h == INF:
        return h
    return h * (1.0 - 1e-6) - 0.02 if h > 0.02 else 0.0


@njit(cache=True, nogil=True)
def alt_bidir(
    fwd, bwd, cost, starts, targets, bounds, side_f, side_b, potentials, stamp, upper, slack
):  # pragma: no cover - compiled
    """Bidirectional A* with the average landmark potential p(v) = (π_t(v) - π_s(v)) / 2: the
    forward search from the sources runs on keys d + p, the backward one from the target entries
    (their offsets as start distances) on keys d - p, and both stop once the two smallest keys add
    up to the best meeting found (plus `slack`, which covers float32 rounding of the landmark
    tables). Returns (best cost, meeting node, settled); the meeting node is -1 when no path beats
    `upper`. Bundles (plain tuples of routing.kernel_args): `fwd`, `bwd` Csr of each way, `starts`
    and `targets` (their offsets) Starts, `bounds` Bounds, `side_f`, `side_b` Side of each search,
    `potentials` Potentials."""
    f, b, lm, sf, sb = Csr(*fwd), Csr(*bwd), Bounds(*bounds), Side(*side_f), Side(*side_b)
    s0, t0, pot = Starts(*starts), Starts(*targets), Potentials(*potentials)
    src_nodes, src_dist, tgt_nodes, tgt_off, pval, pseen = s0.nodes, s0.secs, t0.nodes, t0.secs, pot.pval, pot.pseen
    fptr, fhead, farc, bptr, bhead, barc = f.ptr, f.head, f.arc, b.ptr, b.head, b.arc
    lm_from, lm_to, t_from, t_to_ub, s_from, s_to = lm.lm_from, lm.lm_to, lm.t_from, lm.t_to_ub, lm.s_from, lm.s_to
    dist_f, pred_f, seen_f, xdist_f, xseen_f = sf.dist, sf.pred, sf.seen, sf.xdist, sf.xseen
    dist_b, pred_b, seen_b, xdist_b, xseen_b = sb.dist, sb.pred, sb.seen, sb.xdist, sb.xseen
    keys_f, nodes_f, keys_b, nodes_b = sf.keys, sf.nodes, sb.keys, sb.nodes
    best = upper
    meet = -1
    size_f = 0
    size_b = 0
    for k in range(src_nodes.shape[0]):
        s = src_nodes[k]
        d = src_dist[k]
        if d == INF:
            continue
        if seen_f[s] != stamp or d < dist_f[s]:
            seen_f[s] = stamp
            dist_f[s] = d
            pred_f[s] = -1 - k
    for k in range(tgt_nodes.shape[0]):
        t = tgt_nodes[k]
        d = tgt_off[k]
        if d == INF:
            continue
        if seen_b[t] != stamp or d < dist_b[t]:
            seen_b[t] = stamp
            dist_b[t] = d
            pred_b[t] = -1 - k
    for k in range(src_nodes.shape[0]):
        s = src_nodes[k]
        if seen_f[s] != stamp or pred_f[s] != -1 - k:
            continue
        if pseen[s] != stamp:
            pseen[s] = stamp
            pval[s] = 0.5 * (
                _potential(s, lm_from, lm_to, t_from, t_to_ub) - _source_bound(s, lm_from, lm_to, s_from, s_to)
            )
        p = pval[s]
        if p < INF and p > -INF:
            size_f = _push(keys_f, nodes_f, size_f, dist_f[s] + p, s)
        if seen_b[s] == stamp and dist_f[s] + dist_b[s] < best:
            best = dist_f[s] + dist_b[s]
            meet = s
    for k in range(tgt_nodes.shape[0]):
        t = tgt_nodes[k]
        if seen_b[t] != stamp or pred_b[t] != -1 - k:
            continue
        if pseen[t] != stamp:
            pseen[t] = stamp
            pval[t] = 0.5 * (
                _potential(t, lm_from, lm_to, t_from, t_to_ub) - _source_bound(t, lm_from, lm_to, s_from, s_to)
            )
        p = pval[t]
        if p < INF and p > -INF:
            size_b = _push(keys_b, nodes_b, size_b, dist_b[t] - p, t)
    settled = 0
    cap_f = keys_f.shape[0]
    cap_b = keys_b.shape[0]
    while size_f > 0 and size_b > 0:
        if keys_f[0] + keys_b[0] >= best + slack:
            break
        forward = keys_f[0] <= keys_b[0]
        if forward:
            key, u, size_f = _pop(keys_f, nodes_f, size_f)
            du = dist_f[u]
            if xseen_f[u] == stamp and xdist_f[u] <= du:
                continue
            xseen_f[u] = stamp
            xdist_f[u] = du
            settled += 1
            for e in range(fptr[u], fptr[u + 1]):
                w = cost[farc[e]]
                if w == INF:
                    continue
                nd = du + w
                v = fhead[e]
                if seen_f[v] != stamp or nd < dist_f[v]:
                    seen_f[v] = stamp
                    dist_f[v] = nd
                    pred_f[v] = e
                    if seen_b[v] == stamp and nd + dist_b[v] < best:
                        best = nd + dist_b[v]
                        meet = v
                    if pseen[v] != stamp:
                        pseen[v] = stamp
                        pval[v] = 0.5 * (
                            _potential(v, lm_from, lm_to, t_from, t_to_ub)
                            - _source_bound(v, lm_from, lm_to, s_from, s_to)
                        )
                    p = pval[v]
                    if p < INF and p > -INF and size_f < cap_f:
                        size_f = _push(keys_f, nodes_f, size_f, nd + p, v)
        else:
            key, u, size_b = _pop(keys_b, nodes_b, size_b)
            du = dist_b[u]
            if xseen_b[u] == stamp and xdist_b[u] <= du:
                continue
            xseen_b[u] = stamp
            xdist_b[u] = du
            settled += 1
            for e in range(bptr[u], bptr[u + 1]):
                w = cost[barc[e]]
                if w == INF:
                    continue
                nd = du + w
                v = bhead[e]
                if seen_b[v] != stamp or nd < dist_b[v]:
                    seen_b[v] = stamp
                    dist_b[v] = nd
                    pred_b[v] = e
                    if seen_f[v] == stamp and nd + dist_f[v] < best:
                        best = nd + dist_f[v]
                        meet = v
                    if pseen[v] != stamp:
                        pseen[v] = stamp
                        pval[v] = 0.5 * (
                            _potential(v, lm_from, lm_to, t_from, t_to_ub)
                            - _source_bound(v, lm_from, lm_to, s_from, s_to)
                        )
                    p = pval[v]
                    if p < INF and p > -INF and size_b < cap_b:
                        size_b = _push(keys_b, nodes_b, size_b, nd - p, v)
    return best, meet, settled

"""A point-to-point route on the CCH in one compiled call: the start and end candidates of the
snapped ends, the elimination-tree search and the unpacked path.

On a small network the search itself takes microseconds; building its inputs and outputs in
Python (candidate lists, small arrays, the result object) took as long again.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from routing.cch_kernels import et_query, unpack
from routing.kernel_args import Ends, Place, Starts, Tree

STRAIGHT, NO_ROUTE, TOO_LONG = -3, -1, -2  # route()'s counts that are not a path through the CCH


@njit(cache=True, nogil=True)
def sources(arc_head_x, cost, segs, fractions):  # pragma: no cover - compiled
    """Leaving a point standing at `fractions` of segments `segs` (one place, or a junction's every
    segment) either way: (expanded node reached, seconds to it, arc, fraction of the arc driven) per
    candidate and open direction, as arrays."""
    m = segs.shape[0]
    nodes = np.empty(2 * m, np.int64)
    secs = np.empty(2 * m)
    arcs = np.empty(2 * m, np.int64)
    parts = np.empty(2 * m)
    n = 0
    for i in range(m):
        seg, fraction = segs[i], fractions[i]
        for arc, part in ((2 * seg, 1.0 - fraction), (2 * seg + 1, fraction)):
            if math.isfinite(cost[arc]):
                nodes[n], secs[n], arcs[n], parts[n] = arc_head_x[arc], part * cost[arc], arc, part
                n += 1
    return nodes[:n], secs[:n], arcs[:n], parts[:n]


@njit(cache=True, nogil=True)
def targets(arc_tail_ptr, arc_tails, cost, segs, fractions):  # pragma: no cover - compiled
    """Reaching a point standing at `fractions` of segments `segs`: (expanded tail node, seconds from
    it to the point, arc, fraction of the arc driven) per candidate, open direction and tail."""
    count = 0
    for i in range(segs.shape[0]):
        for arc in (2 * segs[i], 2 * segs[i] + 1):
            if math.isfinite(cost[arc]):
                count += arc_tail_ptr[arc + 1] - arc_tail_ptr[arc]
    nodes = np.empty(count, np.int64)
    secs = np.empty(count)
    arcs = np.empty(count, np.int64)
    parts = np.empty(count)
    n = 0
    for i in range(segs.shape[0]):
        seg, fraction = segs[i], fractions[i]
        for arc, part in ((2 * seg, fraction), (2 * seg + 1, 1.0 - fraction)):
            if not math.isfinite(cost[arc]):
                continue
            for k in range(arc_tail_ptr[arc], arc_tail_ptr[arc + 1]):
                nodes[n], secs[n], arcs[n], parts[n] = arc_tails[k], part * cost[arc], arc, part
                n += 1
    return nodes, secs, arcs, parts


@njit(cache=True, nogil=True)
def direct(cost, start_segs, start_fractions, end_segs, end_fractions):  # pragma: no cover - compiled
    """Driving straight along a segment both ends lie on: (seconds, arc, fraction driven, fraction
    where it starts) of the fastest such drive, or (inf, -1, 0, 0) when there is none open."""
    best, best_arc, best_share, best_from = np.inf, -1, 0.0, 0.0
    for i in range(start_segs.shape[0]):
        for j in range(end_segs.shape[0]):
            if start_segs[i] != end_segs[j]:
                continue
            seg, a, b = start_segs[i], start_fractions[i], end_fractions[j]
            if b >= a and math.isfinite(cost[2 * seg]) and (b - a) * cost[2 * seg] < best:
                best, best_arc, best_share, best_from = (b - a) * cost[2 * seg], 2 * seg, b - a, a
            if b <= a and math.isfinite(cost[2 * seg + 1]) and (a - b) * cost[2 * seg + 1] < best:
                best, best_arc, best_share, best_from = (a - b) * cost[2 * seg + 1], 2 * seg + 1, a - b, a
    return best, best_arc, best_share, best_from


@njit(cache=True, nogil=True)
def route(ends, tree, upward, weights, work, stamp, cost, start, end):  # pragma: no cover - compiled
    """The fastest way from one snapped point to another: the CCH query (`upward`, the metric's
    `weights` to unpack) from the start's candidates to the end's, unless driving straight along a
    shared segment is as fast. Bundles (plain tuples of routing.kernel_args): `ends` Ends, `tree`
    Tree, `upward` Upward, `weights` Weights, `work` Work; `start` and `end` Place, each end given
    by its candidates (segments and fractions: see sources, targets).
    Returns (seconds, count, first arc, fraction of it driven, last arc, its fraction, nodes scanned):
    count >= 0 for a path of first arc, out[:count], last arc; STRAIGHT for driving straight along
    the first arc alone (the last arc's fraction is then where it starts); NO_ROUTE when there is no
    way; TOO_LONG when `out` or `stack` is too small."""
    g, t, a, b = Ends(*ends), Tree(*tree), Place(*start), Place(*end)
    upper, d_arc, d_share, d_from = direct(cost, a.segs, a.fractions, b.segs, b.fractions)
    straight = (upper, STRAIGHT, d_arc, d_share, -1, d_from, 0)
    nothing = (np.inf, NO_ROUTE, -1, 0.0, -1, 0.0, 0)
    s_nodes, s_secs, s_arcs, s_parts = sources(g.arc_head_x, cost, a.segs, a.fractions)
    t_nodes, t_secs, t_arcs, t_parts = targets(g.arc_tail_ptr, g.arc_tails, cost, b.segs, b.fractions)
    if s_nodes.shape[0] == 0 or t_nodes.shape[0] == 0:
        return straight if d_arc >= 0 else nothing
    s_rank = np.empty(s_nodes.shape[0], np.int32)
    for i in range(s_nodes.shape[0]):
        s_rank[i] = t.rank[s_nodes[i]]
    t_rank = np.empty(t_nodes.shape[0], np.int32)
    for i in range(t_nodes.shape[0]):
        t_rank[i] = t.rank[t_nodes[i]]
    best, meet, scanned = et_query(upward, t.parent, Starts(s_rank, s_secs), Starts(t_rank, t_secs), upper, work, stamp)
    if meet < 0:  # nothing below the straight drive's seconds
        return straight if d_arc >= 0 else nothing
    count, src, tgt = unpack(tree, weights, work, meet)
    if count < 0:
        return (best, TOO_LONG, -1, 0.0, -1, 0.0, scanned)
    return (best, count, s_arcs[src], s_parts[src], t_arcs[tgt], t_parts[tgt], scanned)

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

STRAIGHT, NO_ROUTE, TOO_LONG = -3, -1, -2  # route()'s counts that are not a path through the CCH


@njit(cache=True, nogil=True)
def sources(arc_head_x, cost, seg, fraction):  # pragma: no cover - compiled
    """Leaving a point at `fraction` of segment `seg` either way: (expanded node reached, seconds
    to it, arc, fraction of the arc driven) per open direction, as arrays."""
    nodes = np.empty(2, np.int64)
    secs = np.empty(2)
    arcs = np.empty(2, np.int64)
    parts = np.empty(2)
    n = 0
    for arc, part in ((2 * seg, 1.0 - fraction), (2 * seg + 1, fraction)):
        if math.isfinite(cost[arc]):
            nodes[n], secs[n], arcs[n], parts[n] = arc_head_x[arc], part * cost[arc], arc, part
            n += 1
    return nodes[:n], secs[:n], arcs[:n], parts[:n]


@njit(cache=True, nogil=True)
def targets(arc_tail_ptr, arc_tails, cost, seg, fraction):  # pragma: no cover - compiled
    """Reaching a point at `fraction` of segment `seg`: (expanded tail node, seconds from it to the
    point, arc, fraction of the arc driven) per open direction and tail, as arrays."""
    count = 0
    for arc in (2 * seg, 2 * seg + 1):
        if math.isfinite(cost[arc]):
            count += arc_tail_ptr[arc + 1] - arc_tail_ptr[arc]
    nodes = np.empty(count, np.int64)
    secs = np.empty(count)
    arcs = np.empty(count, np.int64)
    parts = np.empty(count)
    n = 0
    for arc, part in ((2 * seg, fraction), (2 * seg + 1, 1.0 - fraction)):
        if not math.isfinite(cost[arc]):
            continue
        for i in range(arc_tail_ptr[arc], arc_tail_ptr[arc + 1]):
            nodes[n], secs[n], arcs[n], parts[n] = arc_tails[i], part * cost[arc], arc, part
            n += 1
    return nodes, secs, arcs, parts


@njit(cache=True, nogil=True)
def direct(cost, start_seg, start_fraction, end_seg, end_fraction):  # pragma: no cover - compiled
    """Driving straight along the segment when both ends lie on the same one: (seconds, arc,
    fraction driven), or (inf, -1, 0) when they do not or the way is closed."""
    best, best_arc, best_share = np.inf, -1, 0.0
    if start_seg == end_seg:
        fwd, bwd = 2 * start_seg, 2 * start_seg + 1
        if end_fraction >= start_fraction and math.isfinite(cost[fwd]):
            share = end_fraction - start_fraction
            best, best_arc, best_share = share * cost[fwd], fwd, share
        if end_fraction <= start_fraction and math.isfinite(cost[bwd]):
            share = start_fraction - end_fraction
            if share * cost[bwd] < best:
                best, best_arc, best_share = share * cost[bwd], bwd, share
    return best, best_arc, best_share


@njit(cache=True, nogil=True)
def route(
    arc_head_x, arc_tail_ptr, arc_tails, rank, cost, start_seg, start_fraction, end_seg, end_fraction,
    f_ptr, f_head, f_arc, f_w, b_ptr, b_head, b_arc, b_w, mapped, parent, up_ptr, up_head, low, up_src, down_src,
    df, db, pf, pb, seen_f, seen_b, stamp, chain_f, chain_b, out, stack,
):  # pragma: no cover - compiled  # fmt: skip
    """The fastest way from one snapped point to another: the CCH query (graphs as et_query's) from
    the start's candidates to the end's, unless driving straight along a shared segment is as fast.
    Returns (seconds, count, first arc, fraction of it driven, last arc, its fraction, nodes scanned):
    count >= 0 for a path of first arc, out[:count], last arc; STRAIGHT for driving straight along
    the first arc alone; NO_ROUTE when there is no way; TOO_LONG when `out` or `stack` is too small."""
    upper, d_arc, d_share = direct(cost, start_seg, start_fraction, end_seg, end_fraction)
    straight = (upper, STRAIGHT, d_arc, d_share, -1, 0.0, 0)
    nothing = (np.inf, NO_ROUTE, -1, 0.0, -1, 0.0, 0)
    s_nodes, s_secs, s_arcs, s_parts = sources(arc_head_x, cost, start_seg, start_fraction)
    t_nodes, t_secs, t_arcs, t_parts = targets(arc_tail_ptr, arc_tails, cost, end_seg, end_fraction)
    if s_nodes.shape[0] == 0 or t_nodes.shape[0] == 0:
        return straight if d_arc >= 0 else nothing
    s_rank = np.empty(s_nodes.shape[0], np.int32)
    for i in range(s_nodes.shape[0]):
        s_rank[i] = rank[s_nodes[i]]
    t_rank = np.empty(t_nodes.shape[0], np.int32)
    for i in range(t_nodes.shape[0]):
        t_rank[i] = rank[t_nodes[i]]
    best, meet, scanned = et_query(
        f_ptr, f_head, f_arc, f_w, b_ptr, b_head, b_arc, b_w, mapped, parent, s_rank, s_secs, t_rank, t_secs,
        upper, df, db, pf, pb, seen_f, seen_b, stamp, chain_f, chain_b,
    )  # fmt: skip
    if meet < 0:  # nothing below the straight drive's seconds
        return straight if d_arc >= 0 else nothing
    count, src, tgt = unpack(up_ptr, up_head, low, up_src, down_src, pf, pb, meet, out, stack)
    if count < 0:
        return (best, TOO_LONG, -1, 0.0, -1, 0.0, scanned)
    return (best, count, s_arcs[src], s_parts[src], t_arcs[tgt], t_parts[tgt], scanned)

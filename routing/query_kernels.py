"""A point-to-point route on the CCH in one compiled call: the start and end candidates of the
snapped ends, the elimination-tree search and the unpacked path.

On a small network the search itself takes microseconds; building its inputs and outputs in
Python (candidate lists, small arrays, the result object) took as long again.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from routing.cch import Upward
from routing.cch_kernels import et_query, unpack

STRAIGHT, NO_ROUTE, TOO_LONG = -3, -1, -2  # route()'s counts that are not a path through the CCH


# route()'s arguments come bundled in these, passed to the kernel as plain tuples (`tuple(x)`:
# numba types a plain tuple as cheaply as separate arguments, a NamedTuple much more slowly) and
# rebuilt inside it, so that every array is picked by its name on both sides.
class Ends(NamedTuple):
    """The graph arrays that lead away from and into a snapped point."""

    arc_head_x: np.ndarray  # expanded head node of each arc
    arc_tail_ptr: np.ndarray  # CSR by arc: the expanded nodes an arc may be taken from
    arc_tails: np.ndarray


class Tree(NamedTuple):
    """The metric-independent CCH arrays a query and its unpacking read."""

    rank: np.ndarray
    parent: np.ndarray
    up_ptr: np.ndarray
    up_head: np.ndarray
    low: np.ndarray


class Work(NamedTuple):
    """A thread's query arrays (routing.cch.QueryWorkspace)."""

    df: np.ndarray
    db: np.ndarray
    pf: np.ndarray
    pb: np.ndarray
    seen_f: np.ndarray
    seen_b: np.ndarray
    chain_f: np.ndarray
    chain_b: np.ndarray
    out: np.ndarray
    stack: np.ndarray


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
def route(
    ends, tree, upward, up_src, down_src, work, stamp, cost, start_segs, start_fractions, end_segs, end_fractions
):  # pragma: no cover - compiled
    """The fastest way from one snapped point to another: the CCH query (`upward`: routing.cch.Upward,
    the metric's `up_src` and `down_src` to unpack) from the start's candidates to the end's, unless
    driving straight along a shared segment is as fast. `ends`, `tree`, `work`: tuple(Ends(…)),
    tuple(Tree(…)), tuple(Work(…)). Each end is given by its candidates (segments and fractions:
    see sources, targets).
    Returns (seconds, count, first arc, fraction of it driven, last arc, its fraction, nodes scanned):
    count >= 0 for a path of first arc, out[:count], last arc; STRAIGHT for driving straight along
    the first arc alone (the last arc's fraction is then where it starts); NO_ROUTE when there is no
    way; TOO_LONG when `out` or `stack` is too small."""
    g, t, w, up = Ends(*ends), Tree(*tree), Work(*work), Upward(*upward)
    upper, d_arc, d_share, d_from = direct(cost, start_segs, start_fractions, end_segs, end_fractions)
    straight = (upper, STRAIGHT, d_arc, d_share, -1, d_from, 0)
    nothing = (np.inf, NO_ROUTE, -1, 0.0, -1, 0.0, 0)
    s_nodes, s_secs, s_arcs, s_parts = sources(g.arc_head_x, cost, start_segs, start_fractions)
    t_nodes, t_secs, t_arcs, t_parts = targets(g.arc_tail_ptr, g.arc_tails, cost, end_segs, end_fractions)
    if s_nodes.shape[0] == 0 or t_nodes.shape[0] == 0:
        return straight if d_arc >= 0 else nothing
    s_rank = np.empty(s_nodes.shape[0], np.int32)
    for i in range(s_nodes.shape[0]):
        s_rank[i] = t.rank[s_nodes[i]]
    t_rank = np.empty(t_nodes.shape[0], np.int32)
    for i in range(t_nodes.shape[0]):
        t_rank[i] = t.rank[t_nodes[i]]
    best, meet, scanned = et_query(
        up.f_ptr, up.f_head, up.f_arc, up.f_w, up.b_ptr, up.b_head, up.b_arc, up.b_w, up.mapped, t.parent,
        s_rank, s_secs, t_rank, t_secs, upper, w.df, w.db, w.pf, w.pb, w.seen_f, w.seen_b, stamp, w.chain_f,
        w.chain_b,
    )  # fmt: skip
    if meet < 0:  # nothing below the straight drive's seconds
        return straight if d_arc >= 0 else nothing
    count, src, tgt = unpack(t.up_ptr, t.up_head, t.low, up_src, down_src, w.pf, w.pb, meet, w.out, w.stack)
    if count < 0:
        return (best, TOO_LONG, -1, 0.0, -1, 0.0, scanned)
    return (best, count, s_arcs[src], s_parts[src], t_arcs[tgt], t_parts[tgt], scanned)

"""Compiled kernels (numba) of the Customizable Contraction Hierarchy: see routing/cch.py.

Nodes are CCH ranks (0 = contracted first). The chordal supergraph is stored once, upward: node
``u``'s arcs are the CSR positions ``up_ptr[u]:up_ptr[u+1]``, each an undirected edge ``{u, w}``
with ``w = up_head[k] > u`` (sorted ascending) and ``low[k] = u``. A metric gives every arc an
upward weight (``u → w``) and a downward one (``w → u``) and how it was obtained: ``src < 0`` is
the physical arc ``-1 - src``; ``src >= 0`` a shortcut over the middle node ``src``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing.heap import pop as heap_pop
from routing.heap import push as heap_push
from routing.kernel_args import Down, Groups, Inputs, Starts, Tree, Upward, Weights, Work

INF = np.inf
UP = 0
DOWN = 1


@njit(cache=True, nogil=True)
def contract(n, ptr, adj):  # pragma: no cover - compiled
    """The chordal supergraph of the undirected graph (rank-space CSR `ptr`, `adj`) under the
    elimination order 0, 1, …, n-1: (up_ptr, up_head, parent of each node in the elimination tree)."""
    parent = np.full(n, -1, np.int32)
    first_child = np.full(n, -1, np.int32)
    next_sib = np.full(n, -1, np.int32)
    mark = np.full(n, -1, np.int32)
    up_ptr = np.zeros(n + 1, np.int64)
    cap = max(16, 4 * adj.shape[0])
    up_head = np.empty(cap, np.int32)
    tmp = np.empty(n + 1, np.int32)
    for v in range(n):
        cnt = 0
        for k in range(ptr[v], ptr[v + 1]):
            w = adj[k]
            if w > v and mark[w] != v:
                mark[w] = v
                tmp[cnt] = w
                cnt += 1
        c = first_child[v]
        while c != -1:
            for k in range(up_ptr[c], up_ptr[c + 1]):
                w = up_head[k]
                if w != v and mark[w] != v:
                    mark[w] = v
                    tmp[cnt] = w
                    cnt += 1
            c = next_sib[c]
        row = np.sort(tmp[:cnt])
        start = up_ptr[v]
        if start + cnt > cap:
            while start + cnt > cap:
                cap *= 2
            grown = np.empty(cap, np.int32)
            grown[:start] = up_head[:start]
            up_head = grown
        up_head[start : start + cnt] = row
        up_ptr[v + 1] = start + cnt
        if cnt > 0:
            p = row[0]
            parent[v] = p
            next_sib[v] = first_child[p]
            first_child[p] = v
    return up_ptr, up_head[: up_ptr[n]].copy(), parent


@njit(cache=True, nogil=True)
def tree_height(parent):  # pragma: no cover - compiled
    """Nodes on the longest root path of the elimination tree (parents have higher ranks)."""
    n = parent.shape[0]
    depth = np.zeros(n, np.int32)
    best = 0
    for v in range(n - 1, -1, -1):
        p = parent[v]
        depth[v] = depth[p] + 1 if p >= 0 else 1
        if depth[v] > best:
            best = depth[v]
    return best


@njit(cache=True, nogil=True, inline="always")
def find_arc(up_ptr, up_head, u, w):  # pragma: no cover - compiled
    """The arc {u, w} (u < w) by binary search in u's sorted upward list; -1 when absent."""
    lo = up_ptr[u]
    hi = up_ptr[u + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if up_head[mid] < w:
            lo = mid + 1
        else:
            hi = mid
    if lo < up_ptr[u + 1] and up_head[lo] == w:
        return lo
    return -1


@njit(cache=True, nogil=True)
def map_edges(up_ptr, up_head, rank, tail, head):  # pragma: no cover - compiled
    """For each expanded edge: its CCH arc (-1 for a loop) and whether it runs upward."""
    m = tail.shape[0]
    arc = np.empty(m, np.int32)
    up = np.zeros(m, np.bool_)
    for e in range(m):
        a = rank[tail[e]]
        b = rank[head[e]]
        if a == b:
            arc[e] = -1
        elif a < b:
            arc[e] = find_arc(up_ptr, up_head, a, b)
            up[e] = True
        else:
            arc[e] = find_arc(up_ptr, up_head, b, a)
    return arc, up


@njit(cache=True, nogil=True)
def customize(tree, inputs, cost, weights):  # pragma: no cover - compiled
    """Fill `weights` (tuple(Weights)) of every arc for physical arc costs `cost`: the cheapest input
    edge of each arc and direction, then every lower triangle {x, u, w} bottom-up (basic
    customization); the metres of the chosen paths ride along. `tree`, `inputs`: tuple(Tree),
    tuple(Inputs) of the CCH (routing.kernel_args)."""
    t, inp, wt = Tree(*tree), Inputs(*inputs), Weights(*weights)
    up_ptr, up_head, edge_arc, edge_up = t.up_ptr, t.up_head, inp.edge_arc, inp.edge_up
    edge_phys, phys_len = inp.edge_phys, inp.phys_len
    up_w, down_w, up_src, down_src, up_len, down_len = (
        wt.up_w,
        wt.down_w,
        wt.up_src,
        wt.down_src,
        wt.up_len,
        wt.down_len,
    )
    n = up_ptr.shape[0] - 1
    up_w[:] = INF
    down_w[:] = INF
    up_src[:] = 0
    down_src[:] = 0
    up_len[:] = 0.0
    down_len[:] = 0.0
    for e in range(edge_arc.shape[0]):
        k = edge_arc[e]
        if k < 0:
            continue
        p = edge_phys[e]
        c = cost[p]
        if edge_up[e]:
            if c < up_w[k]:
                up_w[k] = c
                up_src[k] = -1 - p
                up_len[k] = phys_len[p]
        elif c < down_w[k]:
            down_w[k] = c
            down_src[k] = -1 - p
            down_len[k] = phys_len[p]
    for x in range(n):
        end_x = up_ptr[x + 1]
        for j in range(up_ptr[x], end_x):
            to_u = down_w[j]  # u → x
            from_u = up_w[j]  # x → u
            if to_u == INF and from_u == INF:
                continue
            u = up_head[j]
            # x's upward neighbours above u all lie in u's sorted upward list: merge the two.
            k = up_ptr[u]
            for jw in range(j + 1, end_x):
                w = up_head[jw]
                while up_head[k] != w:
                    k += 1
                c = to_u + up_w[jw]
                if c < up_w[k]:
                    up_w[k] = c
                    up_src[k] = x
                    up_len[k] = down_len[j] + up_len[jw]
                c = down_w[jw] + from_u
                if c < down_w[k]:
                    down_w[k] = c
                    down_src[k] = x
                    down_len[k] = down_len[jw] + up_len[j]


@njit(cache=True, nogil=True)
def update(tree, down, inputs, cost, seeds, budget, weights):  # pragma: no cover - compiled
    """Partial customization: recompute the arcs `seeds` (whose input edges changed cost) from their
    input edges and lower triangles, and every arc above whose triangles they sit in, as long as
    something changes; arcs are taken in CSR order, so a triangle's lower sides are always final.
    Gives exactly what `customize` gives for `cost` (same tie-breaking). Returns the arcs redone,
    or -1 when the work exceeds `budget` steps (the arrays are then half updated: customize instead).
    Bundles (plain tuples of routing.kernel_args): `tree` Tree, `down` Down, `inputs` Inputs of the
    CCH; `weights` Weights of the metric updated in place."""
    t, dn, inp, wt = Tree(*tree), Down(*down), Inputs(*inputs), Weights(*weights)
    up_ptr, up_head, low, down_ptr, down_tail, down_arc = t.up_ptr, t.up_head, t.low, dn.ptr, dn.tail, dn.arc
    in_ptr, in_edge, edge_up, edge_phys, phys_len = inp.in_ptr, inp.in_edge, inp.edge_up, inp.edge_phys, inp.phys_len
    up_w, down_w, up_src, down_src, up_len, down_len = (
        wt.up_w,
        wt.down_w,
        wt.up_src,
        wt.down_src,
        wt.up_len,
        wt.down_len,
    )
    m = up_head.shape[0]
    queued = np.zeros(m, np.bool_)
    keys = np.empty(m, np.float64)  # arcs taken in CSR order: an arc's key is its index
    heap = np.empty(m, np.int64)
    size = 0
    for i in range(seeds.shape[0]):
        k = seeds[i]
        if not queued[k]:
            queued[k] = True
            size = heap_push(keys, heap, size, float(k), k)
    redone = 0
    work = 0
    while size > 0:
        _, k, size = heap_pop(keys, heap, size)
        redone += 1
        work += down_ptr[low[k] + 1] - down_ptr[low[k]] + down_ptr[up_head[k] + 1] - down_ptr[up_head[k]]
        work += up_ptr[low[k] + 1] - up_ptr[low[k]]
        if work > budget:
            return -1
        u = low[k]
        w = up_head[k]
        nu = INF
        nd = INF
        su = 0
        sd = 0
        lu = 0.0
        ld = 0.0
        for i in range(in_ptr[k], in_ptr[k + 1]):
            e = in_edge[i]
            p = edge_phys[e]
            c = cost[p]
            if edge_up[e]:
                if c < nu:
                    nu = c
                    su = -1 - p
                    lu = phys_len[p]
            elif c < nd:
                nd = c
                sd = -1 - p
                ld = phys_len[p]
        # Lower triangles: common lower neighbours x of u and w (both lists ascending by x).
        a = down_ptr[u]
        a_end = down_ptr[u + 1]
        b = down_ptr[w]
        b_end = down_ptr[w + 1]
        while a < a_end and b < b_end:
            xa = down_tail[a]
            xb = down_tail[b]
            if xa < xb:
                a += 1
            elif xb < xa:
                b += 1
            else:
                j = down_arc[a]  # {x, u}
                jw = down_arc[b]  # {x, w}
                c = down_w[j] + up_w[jw]
                if c < nu:
                    nu = c
                    su = xa
                    lu = down_len[j] + up_len[jw]
                c = down_w[jw] + up_w[j]
                if c < nd:
                    nd = c
                    sd = xa
                    ld = down_len[jw] + up_len[j]
                a += 1
                b += 1
        changed = nu != up_w[k] or nd != down_w[k] or lu != up_len[k] or ld != down_len[k]
        up_w[k] = nu
        down_w[k] = nd
        up_src[k] = su
        down_src[k] = sd
        up_len[k] = lu
        down_len[k] = ld
        if not changed:
            continue
        # k = {u, w} is a lower side of the triangles {u, w, z} for every other upward neighbour z of
        # u. Their top arc needs redoing when it was obtained over u, or when the way over u now
        # ties or beats it (a tie too: the lowest middle node wins, as in `customize`).
        for jz in range(up_ptr[u], up_ptr[u + 1]):
            z = up_head[jz]
            if z == w:
                continue
            if w < z:
                top = find_arc(up_ptr, up_head, w, z)
                lo_arc = k
                hi_arc = jz
            else:
                top = find_arc(up_ptr, up_head, z, w)
                lo_arc = jz
                hi_arc = k
            if queued[top]:
                continue
            redo = up_src[top] == u or down_src[top] == u
            if not redo:
                via = down_w[lo_arc] + up_w[hi_arc]
                redo = via < INF and via <= up_w[top]
            if not redo:
                via = down_w[hi_arc] + up_w[lo_arc]
                redo = via < INF and via <= down_w[top]
            if redo:
                queued[top] = True
                size = heap_push(keys, heap, size, float(top), top)
    return redone


@njit(cache=True, nogil=True, inline="always")
def _chain(parent, starts, seen, stamp, dist, pred, chain, count):  # pragma: no cover - compiled
    # Mark the elimination-tree ancestors of every start (dist inf) and append them to `chain`.
    for i in range(starts.shape[0]):
        v = starts[i]
        while v >= 0 and seen[v] != stamp:
            seen[v] = stamp
            dist[v] = INF
            pred[v] = -(2**30)
            chain[count] = v
            count += 1
            v = parent[v]
    return count


@njit(cache=True, nogil=True, inline="always")
def _sorted_chain(parent, starts, seen, stamp, dist, pred, chain):  # pragma: no cover - compiled
    # _chain's ancestors in rank order in chain[:count]: each start's walk adds an ascending run (a parent
    # ranks above its child), merged into the runs before it through the array's unused end (np.sort of a
    # province chain of ~1,000 nodes cost ~15 µs each way, the merges ~2 µs).
    cap = chain.shape[0]
    n = 0
    for i in range(starts.shape[0]):
        begin = n
        v = starts[i]
        while v >= 0 and seen[v] != stamp:
            seen[v] = stamp
            dist[v] = INF
            pred[v] = -(2**30)
            chain[n] = v
            n += 1
            v = parent[v]
        if begin == 0 or n == begin:
            continue
        if 2 * n > cap:  # no room to merge (never for a tree of sensible height)
            chain[:n] = np.sort(chain[:n])
            continue
        a, b, out = 0, begin, cap - n
        for k in range(n):
            if b >= n or (a < begin and chain[a] < chain[b]):
                chain[out + k] = chain[a]
                a += 1
            else:
                chain[out + k] = chain[b]
                b += 1
        chain[:n] = chain[out:cap]
    return n


@njit(cache=True, nogil=True, inline="always")
def _seeded_chain(
    parent, nodes, secs, lens, lo, hi, seen, stamp, dist, metres, pred, chain
):  # pragma: no cover - compiled
    # The ancestors of starts nodes[lo:hi] in rank order, the starts seeded with their seconds and metres.
    nc = _chain(parent, nodes[lo:hi], seen, stamp, dist, pred, chain, 0)
    for k in range(lo, hi):
        v = nodes[k]
        if secs[k] < dist[v]:
            dist[v] = secs[k]
            metres[v] = lens[k]
    return np.sort(chain[:nc])


@njit(cache=True, nogil=True)
def et_query(upward, parent, starts, targets, upper, work, stamp):  # pragma: no cover - compiled
    """Elimination-tree query from several sources (with start seconds) to several targets (with
    seconds still to go): the upward search of each side scans the ancestors of its starts in rank
    order, pruned by the best meeting so far. Returns (best cost, meeting node or -1, nodes scanned);
    pf/pb hold the CCH arc each node was reached by, or -1 - k for start k.

    Each side searches its own upward graph (ptr, head, CCH arc, weight): the whole CCH with the
    metric's up or down weights (`mapped` False: arc k is CCH arc k), or the arcs a SearchGraph kept.
    Bundles (plain tuples of routing.kernel_args): `upward` Upward, `starts` and `targets` Starts
    (CCH nodes), `work` Work."""
    up, s0, t0, w = Upward(*upward), Starts(*starts), Starts(*targets), Work(*work)
    f_ptr, f_head, f_arc, f_w, mapped = up.f_ptr, up.f_head, up.f_arc, up.f_w, up.mapped
    b_ptr, b_head, b_arc, b_w = up.b_ptr, up.b_head, up.b_arc, up.b_w
    src_nodes, src_dist, tgt_nodes, tgt_dist = s0.nodes, s0.secs, t0.nodes, t0.secs
    df, db, pf, pb, seen_f, seen_b, chain_f, chain_b = w.df, w.db, w.pf, w.pb, w.seen_f, w.seen_b, w.chain_f, w.chain_b
    nf = _sorted_chain(parent, src_nodes, seen_f, stamp, df, pf, chain_f)
    nb = _sorted_chain(parent, tgt_nodes, seen_b, stamp, db, pb, chain_b)
    for k in range(src_nodes.shape[0]):
        s = src_nodes[k]
        if src_dist[k] < df[s]:
            df[s] = src_dist[k]
            pf[s] = -1 - k
    for k in range(tgt_nodes.shape[0]):
        t = tgt_nodes[k]
        if tgt_dist[k] < db[t]:
            db[t] = tgt_dist[k]
            pb[t] = -1 - k
    cf = chain_f[:nf]
    cb = chain_b[:nb]
    no_metres = np.empty(0)  # point-to-point queries carry no metres
    best = upper
    meet = -1
    i = 0
    j = 0
    scanned = 0
    while i < nf or j < nb:
        in_f = False
        in_b = False
        if j >= nb or (i < nf and cf[i] < cb[j]):
            v = cf[i]
            i += 1
            in_f = True
        elif i >= nf or cb[j] < cf[i]:
            v = cb[j]
            j += 1
            in_b = True
        else:
            v = cf[i]
            i += 1
            j += 1
            in_f = True
            in_b = True
            c = df[v] + db[v]
            if c < best:
                best = c
                meet = v
        scanned += 1
        if in_f and df[v] < best:
            _relax_up(f_ptr, f_head, f_arc, f_w, mapped, v, df, pf, no_metres, no_metres)
        if in_b and db[v] < best:
            _relax_up(b_ptr, b_head, b_arc, b_w, mapped, v, db, pb, no_metres, no_metres)
    return best, meet, scanned


@njit(cache=True, nogil=True, inline="always")
def _relax_up(ptr, head, arc, weight, mapped, v, dist, pred, metres, length):  # pragma: no cover - compiled
    # Relax v's upward arcs, recording the CCH arc taken and, when `length` (metres per CCH arc) is
    # given, the metres along the way.
    d = dist[v]
    along = length.shape[0] > 0
    mv = metres[v] if along else 0.0
    for k in range(ptr[v], ptr[v + 1]):
        nd = d + weight[k]
        w = head[k]
        if nd < dist[w]:
            a = arc[k] if mapped else k
            dist[w] = nd
            pred[w] = a
            if along:
                metres[w] = mv + length[a]


@njit(cache=True, nogil=True)
def perfect(up_ptr, up_head, up_w, down_w):  # pragma: no cover - compiled
    """Perfect customization, in place: every arc's weight each way becomes the shortest distance
    between its ends. Top-down: the shortest path from u to an upper neighbour v leaves u by an arc
    {u, w} (as customized: exact on shortest paths) and goes on between w and v, both above u,
    adjacent (u's upper neighbours form a clique) and already exact."""
    n = up_ptr.shape[0] - 1
    for u in range(n - 1, -1, -1):
        end = up_ptr[u + 1]
        for j in range(up_ptr[u], end):
            v = up_head[j]
            k = up_ptr[v]
            for jw in range(j + 1, end):
                w = up_head[jw]
                while up_head[k] != w:  # the arc {v, w}, in v's sorted list
                    k += 1
                _lower(up_w, j, up_w[jw] + down_w[k])  # u → w → v
                _lower(up_w, jw, up_w[j] + up_w[k])  # u → v → w
                _lower(down_w, j, up_w[k] + down_w[jw])  # v → w → u
                _lower(down_w, jw, down_w[k] + down_w[j])  # w → v → u


@njit(cache=True, nogil=True, inline="always")
def _lower(weight, i, c):  # pragma: no cover - compiled
    if c < weight[i]:
        weight[i] = c


@njit(cache=True, nogil=True, inline="always")
def _tight(weight, exact):  # pragma: no cover - compiled
    return weight < INF and weight <= exact * (1.0 + 1e-9)


@njit(cache=True, nogil=True)
def tight_arcs(up_ptr, up_head, weight, exact):  # pragma: no cover - compiled
    """The upward graph of the arcs whose weight is finite and the shortest distance between their
    ends (`exact`, from perfect(); to within rounding, so that of paths equally short none is lost):
    (ptr, head, CCH arc, weight). An arc dearer than the shortest distance between its ends is on no
    shortest path, so no query needs it."""
    n = up_ptr.shape[0] - 1
    ptr = np.zeros(n + 1, np.int64)
    for u in range(n):
        count = 0
        for k in range(up_ptr[u], up_ptr[u + 1]):
            if _tight(weight[k], exact[k]):
                count += 1
        ptr[u + 1] = ptr[u] + count
    head = np.empty(ptr[n], np.int32)
    arc = np.empty(ptr[n], np.int32)
    out_w = np.empty(ptr[n])
    j = 0
    for k in range(weight.shape[0]):
        if _tight(weight[k], exact[k]):
            head[j] = up_head[k]
            arc[j] = k
            out_w[j] = weight[k]
            j += 1
    return ptr, head, arc, out_w


@njit(cache=True, nogil=True)
def unpack(tree, weights, work, meet):  # pragma: no cover - compiled
    """The physical arcs of the path through `meet` found by et_query, into the work's `out`.
    Returns (arc count or -1 when `out` or `stack` is too small, source start index, target start
    index). Bundles (plain tuples of routing.kernel_args): `tree` Tree, `weights` Weights, `work` Work."""
    t, wt, w = Tree(*tree), Weights(*weights), Work(*work)
    up_ptr, up_head, low, up_src, down_src = t.up_ptr, t.up_head, t.low, wt.up_src, wt.down_src
    pf, pb, out, stack = w.pf, w.pb, w.out, w.stack
    # A stack of (arc, direction) whose top is the path's next arc: at the bottom the downward arcs
    # (meeting node → target) last-first, above them the upward ones in the order pf gives them
    # (meeting node → source), which puts the path's first arc on top.
    nd = 0
    v = meet
    k = pb[v]
    while k >= 0:
        nd += 1
        v = low[k]
        k = pb[v]
    tgt = -1 - k
    cap = stack.shape[0]
    if 2 * nd + 2 > cap:
        return -1, -1, tgt
    pos = 2 * nd
    v = meet
    k = pb[v]
    while k >= 0:
        pos -= 2
        stack[pos] = k
        stack[pos + 1] = DOWN
        v = low[k]
        k = pb[v]
    top = 2 * nd
    v = meet
    k = pf[v]
    while k >= 0:
        if top + 2 > cap:
            return -1, -1, tgt
        stack[top] = k
        stack[top + 1] = UP
        top += 2
        v = low[k]
        k = pf[v]
    src = -1 - k
    count = 0
    while top > 0:
        top -= 2
        k = stack[top]
        d = stack[top + 1]
        s = up_src[k] if d == UP else down_src[k]
        if s < 0:
            if count >= out.shape[0]:
                return -1, src, tgt
            out[count] = -1 - s
            count += 1
            continue
        if top + 4 > cap:
            return -1, src, tgt
        lower = find_arc(up_ptr, up_head, s, low[k])  # {s, u}
        upper = find_arc(up_ptr, up_head, s, up_head[k])  # {s, w}
        if d == UP:  # u → s → w: u → s first, so it goes on top
            stack[top] = upper
            stack[top + 1] = UP
            stack[top + 2] = lower
            stack[top + 3] = DOWN
        else:  # w → s → u
            stack[top] = lower
            stack[top + 1] = UP
            stack[top + 2] = upper
            stack[top + 3] = DOWN
        top += 4
    return count, src, tgt


@njit(cache=True, nogil=True)
def many_to_many(upward, weights, parent, origins, destinations, out_t, out_m):  # pragma: no cover - compiled
    """Seconds (and metres along the same paths) from every origin to every destination: origin i
    starts at s_nodes[s_ptr[i]:s_ptr[i+1]] with those seconds and metres already driven, destination
    j is reached from t_nodes[t_ptr[j]:t_ptr[j+1]] adding those. Each destination's upward backward
    search leaves (destination, seconds, metres) in buckets at the nodes it reaches; each origin's
    upward forward search scans the buckets of the nodes it reaches. The upward graphs each way are
    those of et_query (the metres of CCH arc a: up_len[a] forwards, down_len[a] backwards).
    Bundles (plain tuples of routing.kernel_args): `upward` Upward, `weights` Weights, `origins`
    and `destinations` Groups."""
    up, wt, og, dg = Upward(*upward), Weights(*weights), Groups(*origins), Groups(*destinations)
    f_ptr, f_head, f_arc, f_w, mapped = up.f_ptr, up.f_head, up.f_arc, up.f_w, up.mapped
    b_ptr, b_head, b_arc, b_w = up.b_ptr, up.b_head, up.b_arc, up.b_w
    up_len, down_len = wt.up_len, wt.down_len
    s_ptr, s_nodes, s_dist, s_len = og.ptr, og.nodes, og.secs, og.metres
    t_ptr, t_nodes, t_dist, t_len = dg.ptr, dg.nodes, dg.secs, dg.metres
    n = f_ptr.shape[0] - 1
    n_src = s_ptr.shape[0] - 1
    n_tgt = t_ptr.shape[0] - 1
    dist = np.empty(n, np.float64)
    metres = np.empty(n, np.float64)
    pred = np.empty(n, np.int32)
    seen = np.zeros(n, np.int32)
    chain = np.empty(n, np.int32)
    stamp = 0
    # Backward searches: bucket entries as flat arrays, then grouped by node.
    cap = 1024
    e_node = np.empty(cap, np.int32)
    e_tgt = np.empty(cap, np.int32)
    e_d = np.empty(cap, np.float64)
    e_m = np.empty(cap, np.float64)
    count = 0
    for j in range(n_tgt):
        stamp += 1
        order = _seeded_chain(
            parent, t_nodes, t_dist, t_len, t_ptr[j], t_ptr[j + 1], seen, stamp, dist, metres, pred, chain
        )
        nc = order.shape[0]
        if count + nc > cap:
            while count + nc > cap:
                cap *= 2
            e_node = _grow_i(e_node, cap, count)
            e_tgt = _grow_i(e_tgt, cap, count)
            e_d = _grow_f(e_d, cap, count)
            e_m = _grow_f(e_m, cap, count)
        for i in range(nc):
            v = order[i]
            d = dist[v]
            if d == INF:
                continue
            e_node[count] = v
            e_tgt[count] = j
            e_d[count] = d
            e_m[count] = metres[v]
            count += 1
            _relax_up(b_ptr, b_head, b_arc, b_w, mapped, v, dist, pred, metres, down_len)
    bucket_ptr = np.zeros(n + 1, np.int64)
    for i in range(count):
        bucket_ptr[e_node[i] + 1] += 1
    for v in range(n):
        bucket_ptr[v + 1] += bucket_ptr[v]
    fill = bucket_ptr[:-1].copy()
    b_tgt = np.empty(count, np.int32)
    b_d = np.empty(count, np.float64)
    b_m = np.empty(count, np.float64)
    for i in range(count):
        v = e_node[i]
        p = fill[v]
        fill[v] = p + 1
        b_tgt[p] = e_tgt[i]
        b_d[p] = e_d[i]
        b_m[p] = e_m[i]
    for i in range(n_src):
        stamp += 1
        order = _seeded_chain(
            parent, s_nodes, s_dist, s_len, s_ptr[i], s_ptr[i + 1], seen, stamp, dist, metres, pred, chain
        )
        nc = order.shape[0]
        for c in range(nc):
            v = order[c]
            d = dist[v]
            if d == INF:
                continue
            mv = metres[v]
            for p in range(bucket_ptr[v], bucket_ptr[v + 1]):
                j = b_tgt[p]
                t = d + b_d[p]
                if t < out_t[i, j]:
                    out_t[i, j] = t
                    out_m[i, j] = mv + b_m[p]
            _relax_up(f_ptr, f_head, f_arc, f_w, mapped, v, dist, pred, metres, up_len)


@njit(cache=True, nogil=True)
def _grow_i(a, cap, count):  # pragma: no cover - compiled
    out = np.empty(cap, a.dtype)
    out[:count] = a[:count]
    return out


@njit(cache=True, nogil=True)
def _grow_f(a, cap, count):  # pragma: no cover - compiled
    out = np.empty(cap, a.dtype)
    out[:count] = a[:count]
    return out

"""The nearest point on a segment of the grid index, compiled: one call per snapped position.

The same arithmetic as routing.geometry.SegmentGrid.distances (local metres, lon scaled by cos(lat),
the first piece within 1e-9 m of the minimum gives the fraction), without a numpy array per step:
snapping is on the path of every route, matrix and isochrone request.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from routing.kernel_args import Cells, Grid, Incidence
from routing.route_kernels import point_at

M_PER_DEG = 111_320.0


@njit(cache=True, nogil=True, inline="always")
def _piece(coords, i0, i1, lon, lat, kx):  # pragma: no cover - compiled
    """(length, position 0..1 of the nearest point, metres to it) of the piece i0 → i1 in local metres."""
    ax = (coords[i0, 0] - lon) * kx
    ay = (coords[i0, 1] - lat) * M_PER_DEG
    dx = (coords[i1, 0] - lon) * kx - ax
    dy = (coords[i1, 1] - lat) * M_PER_DEG - ay
    length = math.hypot(dx, dy)
    t = min(max(-(ax * dx + ay * dy) / max(length * length, 1e-12), 0.0), 1.0) if length > 0 else 0.0
    return length, t, math.hypot(ax + t * dx, ay + t * dy)


@njit(cache=True, nogil=True, inline="always")
def _segment(coords, ptr, s, lon, lat, kx):  # pragma: no cover - compiled
    """(metres to segment s, fraction of its length at the nearest point)."""
    p0, p1 = ptr[s], ptr[s + 1]
    pieces = max(p1 - p0 - 1, 1)
    best = np.inf
    for k in range(pieces):
        best = min(best, _piece(coords, p0 + k, min(p0 + k + 1, p1 - 1), lon, lat, kx)[2])
    # The first piece within 1e-9 m of the minimum gives the fraction.
    total = 0.0
    along = -1.0
    for k in range(pieces):
        length, t, d = _piece(coords, p0 + k, min(p0 + k + 1, p1 - 1), lon, lat, kx)
        if along < 0.0 and d <= best + 1e-9:
            along = total + t * length
        total += length
    frac = along / max(total, 1e-12) if total > 0 else 0.0
    return best, min(max(frac, 0.0), 1.0)


@njit(cache=True, nogil=True)
def nearest(grid, cells, lon, lat, radius_m, preferred, use_preferred):  # pragma: no cover - compiled
    """The nearest segment of `grid` (tuple(Grid)) within `radius_m` over `cells` (tuple(Cells)):
    (segment or -1, metres, fraction, lon and lat of the nearest point). With `use_preferred`, a
    preferred segment within the radius wins over any other; ties go to the lower segment index. A
    segment whose bounding box lies farther than the radius, or farther than the best found when it
    could not win anyway, is skipped unmeasured."""
    g, block = Grid(*grid), Cells(*cells)
    coords, ptr, bbox, keys = g.coords, g.ptr, g.bbox, g.keys
    cell_ptr, cell_segs, cell_deg = g.cell_ptr, g.cell_segs, g.cell_deg
    x0, x1, y0, y1 = block.x0, block.x1, block.y0, block.y1
    kx = M_PER_DEG * math.cos(math.radians(lat))
    best_s, best_d, best_f, best_p = -1, np.inf, 0.0, False
    # The cell holding the point first: a near best early lets the box test skip most of the rest.
    cx0 = min(max(int(math.floor(lon / cell_deg)), x0), x1)
    cy0 = min(max(int(math.floor(lat / cell_deg)), y0), y1)
    n_cells = (x1 - x0 + 1) * (y1 - y0 + 1)
    for c in range(n_cells + 1):
        if c == 0:
            cx, cy = cx0, cy0
        else:
            cx, cy = x0 + (c - 1) // (y1 - y0 + 1), y0 + (c - 1) % (y1 - y0 + 1)
            if cx == cx0 and cy == cy0:
                continue
        # The whole cell is skipped when it lies beyond the radius, or beyond the best found when
        # nothing in it could win anyway.
        gx = max(cx * cell_deg - lon, 0.0, lon - (cx + 1) * cell_deg) * kx
        gy = max(cy * cell_deg - lat, 0.0, lat - (cy + 1) * cell_deg) * M_PER_DEG
        gap = math.sqrt(gx * gx + gy * gy) - 1e-6
        if gap > radius_m or (best_s >= 0 and gap > best_d and (best_p or not use_preferred)):
            continue
        key = (cx + (1 << 20)) * (1 << 21) + (cy + (1 << 20))
        i = np.searchsorted(keys, key)
        if i >= keys.shape[0] or keys[i] != key:
            continue
        for j in range(cell_ptr[i], cell_ptr[i + 1]):
            s = cell_segs[j]
            bx = max(bbox[s, 0] - lon, 0.0, lon - bbox[s, 1]) * kx
            by = max(bbox[s, 2] - lat, 0.0, lat - bbox[s, 3]) * M_PER_DEG
            box = math.sqrt(bx * bx + by * by) - 1e-6  # a hair of slack for rounding
            if box > radius_m:
                continue
            p = use_preferred and preferred[s]
            if best_s >= 0 and box > best_d and (best_p or not p):
                continue
            d, f = _segment(coords, ptr, s, lon, lat, kx)
            if d > radius_m:
                continue
            if best_s < 0 or (p and not best_p) or (p == best_p and (d < best_d or (d == best_d and s < best_s))):
                best_s, best_d, best_f, best_p = s, d, f, p
    if best_s < 0:
        return best_s, best_d, best_f, 0.0, 0.0
    x, y = point_at(coords[ptr[best_s] : ptr[best_s + 1]], best_f)
    return best_s, best_d, best_f, x, y


@njit(cache=True, nogil=True)
def _grow(segs, fracs, at, n):  # pragma: no cover - compiled
    cap = 2 * segs.shape[0]
    s2, f2, a2 = np.empty(cap, np.int64), np.empty(cap), np.empty(cap, np.int64)
    s2[:n], f2[:n], a2[:n] = segs[:n], fracs[:n], at[:n]
    return s2, f2, a2, cap


@njit(cache=True, nogil=True)
def around(
    grid, cells, lon, lat, best_s, best_d, preferred, use_preferred, incidence, tie_m, node_m
):  # pragma: no cover - compiled
    """Every (segment, fraction) a point snapped to `best_s` at `best_d` metres may start or end on:
    the segments as near as the nearest (within `tie_m`, of its preference class) at their nearest
    points, and, where such a nearest point lies within `node_m` of a segment's end vertex, every
    segment of that node at the node itself (fraction 0 or 1). Returns (segments, fractions, node or
    -1, lon and lat of the node); the nearest segment comes first. Bundles (plain tuples of
    routing.kernel_args): `grid` Grid, `cells` Cells, `incidence` Incidence."""
    g, block, inc = Grid(*grid), Cells(*cells), Incidence(*incidence)
    coords, ptr, bbox, keys = g.coords, g.ptr, g.bbox, g.keys
    cell_ptr, cell_segs = g.cell_ptr, g.cell_segs
    x0, x1, y0, y1 = block.x0, block.x1, block.y0, block.y1
    seg_source, seg_target, inc_ptr, inc_seg = inc.seg_source, inc.seg_target, inc.inc_ptr, inc.inc_seg
    kx = M_PER_DEG * math.cos(math.radians(lat))
    cap = 16
    segs = np.empty(cap, np.int64)
    fracs = np.empty(cap)
    at = np.empty(cap, np.int64)  # the node a candidate's nearest point is at, or -1
    nodes = np.full(4, -1, np.int64)
    n_nodes = 0
    n = 0
    best_p = use_preferred and preferred[best_s]
    limit = best_d + tie_m
    node_at, nx, ny = -1, 0.0, 0.0
    for c in range((x1 - x0 + 1) * (y1 - y0 + 1) + 1):
        if c == 0:
            s_list_lo, s_list_hi = 0, 1  # the nearest segment first
        else:
            cx, cy = x0 + (c - 1) // (y1 - y0 + 1), y0 + (c - 1) % (y1 - y0 + 1)
            key = (cx + (1 << 20)) * (1 << 21) + (cy + (1 << 20))
            i = np.searchsorted(keys, key)
            if i >= keys.shape[0] or keys[i] != key:
                continue
            s_list_lo, s_list_hi = cell_ptr[i], cell_ptr[i + 1]
        for j in range(s_list_lo, s_list_hi):
            s = best_s if c == 0 else cell_segs[j]
            if c > 0:
                if s == best_s or (use_preferred and preferred[s] != best_p):
                    continue
                bx = max(bbox[s, 0] - lon, 0.0, lon - bbox[s, 1]) * kx
                by = max(bbox[s, 2] - lat, 0.0, lat - bbox[s, 3]) * M_PER_DEG
                if math.sqrt(bx * bx + by * by) - 1e-6 > limit:
                    continue
                seen = False
                for k in range(n):
                    if segs[k] == s:
                        seen = True
                if seen:
                    continue
            d, f = _segment(coords, ptr, s, lon, lat, kx)
            if d > limit:
                continue
            if n == cap:
                segs, fracs, at, cap = _grow(segs, fracs, at, n)
            segs[n], fracs[n], at[n] = s, f, -1
            n += 1
            # The nearest point close to an end vertex: the point is at that node.
            px, py = point_at(coords[ptr[s] : ptr[s + 1]], f)
            for end in range(2):
                v = ptr[s] if end == 0 else ptr[s + 1] - 1
                gap = math.hypot((coords[v, 0] - px) * kx, (coords[v, 1] - py) * M_PER_DEG)
                if gap <= node_m:
                    node = seg_source[s] if end == 0 else seg_target[s]
                    at[n - 1] = node
                    known = False
                    for k in range(n_nodes):
                        if nodes[k] == node:
                            known = True
                    if not known and n_nodes < nodes.shape[0]:
                        nodes[n_nodes] = node
                        n_nodes += 1
                        if node_at < 0:
                            node_at, nx, ny = node, coords[v, 0], coords[v, 1]
                    break
    # Every segment of a node the point is at, at the node (replacing its nearest-point fraction).
    for k in range(n_nodes):
        node = nodes[k]
        for j in range(inc_ptr[node], inc_ptr[node + 1]):
            s = inc_seg[j]
            for end in range(2):
                if (seg_source[s] if end == 0 else seg_target[s]) != node:
                    continue
                f = 0.0 if end == 0 else 1.0
                slot = -1
                for m in range(n):
                    if segs[m] == s and at[m] == node:
                        slot = m
                        break
                if slot < 0:
                    if n == cap:
                        segs, fracs, at, cap = _grow(segs, fracs, at, n)
                    slot = n
                    n += 1
                segs[slot], fracs[slot], at[slot] = s, f, -2  # -2: placed at the node
    return segs[:n], fracs[:n], node_at, nx, ny

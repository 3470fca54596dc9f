"""The nearest point on a segment of the grid index, compiled: one call per snapped position.

The same arithmetic as routing.geometry.SegmentGrid.distances (local metres, lon scaled by cos(lat),
the first piece within 1e-9 m of the minimum gives the fraction), without a numpy array per step:
snapping is on the path of every route, matrix and isochrone request.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

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
def nearest(
    coords, ptr, bbox, keys, cell_ptr, cell_segs, cell_deg, x0, x1, y0, y1, lon, lat, radius_m, preferred,
    use_preferred,
):  # pragma: no cover - compiled  # fmt: skip
    """The nearest segment within `radius_m` over grid cells x0..x1 × y0..y1: (segment or -1, metres,
    fraction, lon and lat of the nearest point). With `use_preferred`, a preferred segment within the radius wins over any other; ties
    go to the lower segment index. A segment whose bounding box lies farther than the radius, or
    farther than the best found when it could not win anyway, is skipped unmeasured."""
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

"""Compiled helpers of the route answer: step headings and the encoded polyline.

Both walk arrays of vertices point by point, which in Python costs more than the route search
itself; the arithmetic is the same as routing.text.bearing_deg and Google's polyline algorithm.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _bearing(lon1, lat1, lon2, lat2):  # pragma: no cover - compiled
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0


@njit(cache=True, nogil=True)
def group_headings(xy, lo, hi, bounds):  # pragma: no cover - compiled
    """For each group of pieces g (pieces bounds[g] .. bounds[g+1]-1; piece i is xy[lo[i]:hi[i]]):
    the bearing from its first vertex to its last, the bearing leaving its first vertex and the
    bearing arriving at its last one (the first and last distinct neighbours; 0 when none)."""
    n = bounds.shape[0] - 1
    chord = np.zeros(n)
    first = np.zeros(n)
    last = np.zeros(n)
    for g in range(n):
        a, b = lo[bounds[g]], hi[bounds[g]]
        c, d = lo[bounds[g + 1] - 1], hi[bounds[g + 1] - 1]
        x0, y0 = xy[a, 0], xy[a, 1]
        x1, y1 = xy[d - 1, 0], xy[d - 1, 1]
        chord[g] = _bearing(x0, y0, x1, y1)
        for i in range(a + 1, b):
            if abs(xy[i, 0] - x0) > 1e-9 or abs(xy[i, 1] - y0) > 1e-9:
                first[g] = _bearing(x0, y0, xy[i, 0], xy[i, 1])
                break
        for i in range(d - 2, c - 1, -1):
            if abs(xy[i, 0] - x1) > 1e-9 or abs(xy[i, 1] - y1) > 1e-9:
                last[g] = _bearing(xy[i, 0], xy[i, 1], x1, y1)
                break
    return chord, first, last


@njit(cache=True, nogil=True)
def _encode(coords, factor, out):  # pragma: no cover - compiled
    n = 0
    prev_lat = np.int64(0)
    prev_lon = np.int64(0)
    for i in range(coords.shape[0]):
        ilat = np.int64(np.round(coords[i, 1] * factor))
        ilon = np.int64(np.round(coords[i, 0] * factor))
        for value in (ilat - prev_lat, ilon - prev_lon):
            v = ~(value << 1) if value < 0 else value << 1
            while v >= 0x20:
                out[n] = (0x20 | (v & 0x1F)) + 63
                n += 1
                v >>= 5
            out[n] = v + 63
            n += 1
        prev_lat, prev_lon = ilat, ilon
    return n


def encode_polyline(coords: np.ndarray, precision: int = 6) -> str:
    """Google encoded polyline (lat,lon order) at 10^-precision degrees."""
    coords = np.ascontiguousarray(coords, dtype=np.float64)
    out = np.empty(max(len(coords), 1) * 26, dtype=np.uint8)  # at most 13 characters per number
    n = _encode(coords, float(10**precision), out)
    return out[:n].tobytes().decode("ascii")


@njit(cache=True, nogil=True, inline="always")
def _cum_metres(coords):  # pragma: no cover - compiled
    """Cumulative local-metric length along a polyline (lon scaled by cos of the first latitude), as
    routing.geometry._cum_metres."""
    n = coords.shape[0]
    cum = np.zeros(n)
    if n >= 2:
        kx = math.cos(math.radians(coords[0, 1]))
        for i in range(1, n):
            cum[i] = cum[i - 1] + math.hypot((coords[i, 0] - coords[i - 1, 0]) * kx, coords[i, 1] - coords[i - 1, 1])
    return cum


@njit(cache=True, nogil=True, inline="always")
def _point_at(coords, cum, fraction):  # pragma: no cover - compiled
    n = coords.shape[0]
    if n == 1 or cum[n - 1] <= 0:
        return coords[0, 0], coords[0, 1]
    target = min(max(fraction, 0.0), 1.0) * cum[n - 1]
    i = min(max(np.searchsorted(cum, target, side="right") - 1, 0), n - 2)
    t = (target - cum[i]) / (cum[i + 1] - cum[i]) if cum[i + 1] > cum[i] else 0.0
    return coords[i, 0] + t * (coords[i + 1, 0] - coords[i, 0]), coords[i, 1] + t * (coords[i + 1, 1] - coords[i, 1])


@njit(cache=True, nogil=True)
def substring(coords, lo, hi):  # pragma: no cover - compiled
    """routing.geometry.substring, compiled: the part of a polyline between two fractions of its
    length (lo ≤ hi), as the two cut points with the vertices strictly between them."""
    n = coords.shape[0]
    cum = _cum_metres(coords)
    if n < 2 or cum[n - 1] <= 0:
        out = np.empty((2, 2))
        out[0], out[1] = coords[0], coords[0]
        return out
    a = min(max(lo, 0.0), 1.0) * cum[n - 1]
    b = min(max(hi, 0.0), 1.0) * cum[n - 1]
    inner = 0
    for i in range(n):
        if a < cum[i] < b:
            inner += 1
    out = np.empty((inner + 2, 2))
    out[0, 0], out[0, 1] = _point_at(coords, cum, lo)
    k = 1
    for i in range(n):
        if a < cum[i] < b:
            out[k] = coords[i]
            k += 1
    out[k, 0], out[k, 1] = _point_at(coords, cum, hi)
    return out


@njit(cache=True, nogil=True)
def point_at(coords, fraction):  # pragma: no cover - compiled
    """routing.geometry.interpolate, compiled: the point at `fraction` of a polyline's length."""
    return _point_at(coords, _cum_metres(coords), fraction)


@njit(cache=True, nogil=True)
def gather_arcs(seg_coords, seg_ptr, arcs):  # pragma: no cover - compiled
    """The vertices of whole arcs in travel order (arc 2i along segment i, 2i+1 against it), one
    after the other, and each arc's offset into them (len(arcs) + 1 offsets)."""
    offsets = np.zeros(arcs.shape[0] + 1, dtype=np.int64)
    for k in range(arcs.shape[0]):
        s = arcs[k] >> 1
        offsets[k + 1] = offsets[k] + seg_ptr[s + 1] - seg_ptr[s]
    out = np.empty((offsets[-1], 2))
    for k in range(arcs.shape[0]):
        s = arcs[k] >> 1
        a, b = seg_ptr[s], seg_ptr[s + 1]
        o = offsets[k]
        if arcs[k] & 1:
            for i in range(b - a):
                out[o + i] = seg_coords[b - 1 - i]
        else:
            for i in range(b - a):
                out[o + i] = seg_coords[a + i]
    return out, offsets


@njit(cache=True, nogil=True)
def drop_repeats(coords):  # pragma: no cover - compiled
    """`coords` without vertices within 1e-9° of the one before (in both coordinates)."""
    n = coords.shape[0]
    keep = np.ones(n, dtype=np.bool_)
    for i in range(1, n):
        if abs(coords[i, 0] - coords[i - 1, 0]) <= 1e-9 and abs(coords[i, 1] - coords[i - 1, 1]) <= 1e-9:
            keep[i] = False
    return coords[keep]


@njit(cache=True, nogil=True)
def road_groups(seg_class, seg_route, seg_name, segs, link):  # pragma: no cover - compiled
    """Where consecutive segments change road: offsets 0, …, len(segs) of runs with one road key
    (ramps share one key; else the route code, else the name, else the class)."""
    out = np.empty(segs.shape[0] + 1, dtype=np.int64)
    n = 0
    prev = np.int64(-2)
    for i in range(segs.shape[0]):
        s = segs[i]
        c = np.int64(seg_class[s])
        if c == link:
            key = np.int64(-1)
        elif seg_route[s] >= 0:
            key = np.int64(seg_route[s])
        elif seg_name[s] >= 0:
            key = np.int64(10_000_000) + seg_name[s]
        else:
            key = np.int64(20_000_000) + c
        if i == 0 or key != prev:
            out[n] = i
            n += 1
        prev = key
    out[n] = segs.shape[0]
    return out[: n + 1]

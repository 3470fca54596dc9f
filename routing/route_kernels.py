"""Compiled helpers of the route answer: step headings and the encoded polyline.

Both walk arrays of vertices point by point, which in Python costs more than the route search
itself; the arithmetic is the same as routing.text.bearing_deg and Google's polyline algorithm.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from routing.kernel_args import Driven, Segments


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


# Codes of the step table (routing.directions turns them into words).
DEPART, RAMP, MERGE, TURN = 0, 1, 2, 3
STEP_KEY_NAMES = 1 << 24  # road names a step key tells apart
MODIFIERS = ("straight", "slight right", "slight left", "right", "left", "sharp right", "sharp left", "uturn")


@njit(cache=True, nogil=True)
def turn_code(angle):  # pragma: no cover - compiled
    """Index into MODIFIERS for a change of heading (degrees, -180..180, positive = right)."""
    a = abs(angle)
    if a < 20:
        return 0
    if a < 45:
        return 1 if angle > 0 else 2
    if a < 135:
        return 3 if angle > 0 else 4
    if a < 170:
        return 5 if angle > 0 else 6
    return 7


@njit(cache=True, nogil=True)
def compass_code(bearing):  # pragma: no cover - compiled
    """Eight-wind index (0 = north, clockwise) of a bearing in degrees."""
    return int(((bearing % 360) + 22.5) // 45) % 8


@njit(cache=True, nogil=True, inline="always")
def _rounded(value, scale):  # pragma: no cover - compiled
    """(value rounded to a multiple of 1/scale, whether it lay too near a tie for that to be sure):
    away from ties this is exactly Python's round(value, digits), which the caller uses for the rest."""
    v = value * scale
    r = np.rint(v)
    return r / scale, abs(abs(v - r) - 0.5) < 1e-6 * max(1.0, abs(v) * 1e-9)


@njit(cache=True, nogil=True, inline="always")
def _distance_code(metres):  # pragma: no cover - compiled
    """(what routing.text.distance_text shows: whole metres below 1 km, minus the tenths of a km
    from 1 km on, whether that was too near a tie to be sure)."""
    if metres < 1000:
        m = int(round(metres / 10.0)) * 10 if metres >= 50 else int(round(metres))
        if m < 1000:
            return m, False
    v = metres / 1000.0 * 10.0  # as formatted: the kilometres, to one decimal
    r = np.rint(v)
    return -int(r), abs(abs(v - r) - 0.5) < 1e-6


@njit(cache=True, nogil=True)
def _arc_piece(seg_coords, seg_ptr, arc, lo, hi):  # pragma: no cover - compiled
    """The part lo..hi (fractions along the digitised direction) of an arc's segment, in the arc's
    travel direction."""
    s = arc >> 1
    coords = seg_coords[seg_ptr[s] : seg_ptr[s + 1]]
    if lo > 0.0 or hi < 1.0:
        coords = substring(coords, lo, hi)
    return coords[::-1] if arc & 1 else coords


@njit(cache=True, nogil=True)
def leg_steps(segments, cost, driven, link, expressway):  # pragma: no cover - compiled
    """Everything numeric a leg's answer needs, in one pass over the arcs of `driven` (tuple(Driven):
    all but the first and last driven whole; a single arc from its `start_fraction`) on `segments`
    (tuple(Segments) of the graph, routing.kernel_args); `link`, `expressway`: those road class codes.

    Returns (arcs, metres, secs) of the pieces with a length (all of them when none has one), the
    vertices `xy` piece after piece, and the step table: one row per run of pieces on one road
    (routing.route_kernels.road_groups) in two arrays, integers (first piece, last piece + 1, road
    class, route index, name index, maneuver code, modifier code, compass code of the run's chord,
    bearing leaving its start rounded, arc of the exit taken at its end or -1, 1 when a rounded number
    is too near a tie to trust, the key of the step's words, the code of its distance's words) and floats (metres, seconds, start lon and lat; the same rounded
    to 0.1, 0.1, 1e-7 and 1e-7)."""
    sg, dv = Segments(*segments), Driven(*driven)
    seg_coords, seg_ptr, seg_length_m = sg.coords, sg.ptr, sg.length_m
    seg_class, seg_route, seg_name = sg.road_class, sg.route, sg.name
    arcs, first_part, last_part, start_fraction = dv.arcs, dv.first_part, dv.last_part, dv.start_fraction
    n = arcs.shape[0]
    share = np.ones(n)
    if n == 1:
        arc = arcs[0]
        share[0] = first_part
        if arc & 1 == 0:
            a, b = start_fraction, start_fraction + first_part
        else:
            a, b = start_fraction - first_part, start_fraction
        s = arc >> 1
        piece = substring(seg_coords[seg_ptr[s] : seg_ptr[s + 1]], max(a, 0.0), min(b, 1.0))
        xy = piece[::-1].copy() if arc & 1 else piece
        offsets = np.zeros(2, dtype=np.int64)
        offsets[1] = xy.shape[0]
    else:
        share[0], share[n - 1] = first_part, last_part
        first, last = arcs[0], arcs[n - 1]
        if first_part < 1.0 - 1e-9:  # the share next to the arc's end
            head = (
                _arc_piece(seg_coords, seg_ptr, first, 1.0 - first_part, 1.0)
                if first & 1 == 0
                else (_arc_piece(seg_coords, seg_ptr, first, 0.0, first_part))
            )
        else:
            head = _arc_piece(seg_coords, seg_ptr, first, 0.0, 1.0)
        if last_part < 1.0 - 1e-9:  # the share next to the arc's start
            tail = (
                _arc_piece(seg_coords, seg_ptr, last, 0.0, last_part)
                if last & 1 == 0
                else (_arc_piece(seg_coords, seg_ptr, last, 1.0 - last_part, 1.0))
            )
        else:
            tail = _arc_piece(seg_coords, seg_ptr, last, 0.0, 1.0)
        middle, mid_offsets = gather_arcs(seg_coords, seg_ptr, arcs[1 : n - 1])
        nh, nm, nt = head.shape[0], middle.shape[0], tail.shape[0]
        xy = np.empty((nh + nm + nt, 2))
        xy[:nh] = head
        xy[nh : nh + nm] = middle
        xy[nh + nm :] = tail
        offsets = np.empty(n + 1, dtype=np.int64)
        offsets[0] = 0
        for i in range(n - 1):
            offsets[i + 1] = nh + mid_offsets[i]
        offsets[n] = nh + nm + nt
    metres = np.empty(n)
    secs = np.empty(n)
    keep = np.zeros(n, dtype=np.bool_)
    kept = 0
    for i in range(n):
        metres[i] = share[i] * seg_length_m[arcs[i] >> 1]
        secs[i] = share[i] * cost[arcs[i]]
        if metres[i] > 0:
            keep[i] = True
            kept += 1
    if n > 1 and 0 < kept < n:  # pieces with no length drop out (their repeated vertices stay in xy)
        arcs, metres, secs = arcs[keep], metres[keep], secs[keep]
        lo, hi = offsets[:-1][keep], offsets[1:][keep]
    else:
        lo, hi = offsets[:-1], offsets[1:]
    m = arcs.shape[0]
    segs = arcs >> 1
    bounds = road_groups(seg_class, seg_route, seg_name, segs, link)
    chord, firsts, lasts = group_headings(xy, lo, hi, bounds)
    cum_m = np.zeros(m + 1)
    cum_s = np.zeros(m + 1)
    for i in range(m):
        cum_m[i + 1] = cum_m[i] + metres[i]
        cum_s[i + 1] = cum_s[i] + secs[i]
    groups = bounds.shape[0] - 1
    ints = np.empty((groups, 13), dtype=np.int64)
    flts = np.empty((groups, 8))
    prev_heading = 0.0
    for g in range(groups):
        a, b = bounds[g], bounds[g + 1]
        dist = cum_m[b] - cum_m[a]
        cls = seg_class[segs[a]]
        if g == 0:
            man, mod = DEPART, 0
        elif cls == link:
            man, mod = RAMP, 0
        elif seg_class[segs[a - 1]] == link and cls == expressway:
            man, mod = MERGE, 0
        else:
            before = prev_heading if prev_heading != 0.0 else firsts[g]  # no heading known: straight on
            man, mod = TURN, turn_code(((firsts[g] - before) + 540.0) % 360.0 - 180.0)
        prev_heading = lasts[g]
        exit_arc = -1
        if cls == expressway and g + 1 < groups and seg_class[segs[b]] == link:
            exit_arc = arcs[b - 1]
        ints[g, 0], ints[g, 1], ints[g, 2] = a, b, cls
        ints[g, 3], ints[g, 4] = seg_route[segs[a]], seg_name[segs[a]]
        ints[g, 5], ints[g, 6] = man, mod
        ints[g, 7] = compass_code(chord[g] if dist > 0 else 0.0)
        ints[g, 8] = round(firsts[g])
        ints[g, 9] = exit_arc
        start = lo[a]
        dur = cum_s[b] - cum_s[a]
        flts[g, 0], flts[g, 1], flts[g, 2], flts[g, 3] = dist, dur, xy[start, 0], xy[start, 1]
        flts[g, 4], tie_d = _rounded(dist, 10.0)
        flts[g, 5], tie_s = _rounded(dur, 10.0)
        flts[g, 6], tie_x = _rounded(xy[start, 0], 1e7)
        flts[g, 7], tie_y = _rounded(xy[start, 1], 1e7)
        ints[g, 10] = tie_d or tie_s or tie_x or tie_y
        # The step's words but its distance depend on these alone: one integer to look them up by.
        ints[g, 11] = (((ints[g, 3] + 1) * STEP_KEY_NAMES + ints[g, 4] + 1) * 16 + (cls == link)) * 256 + (
            man * 64 + mod * 8 + ints[g, 7]
        )
        ints[g, 12], tie_km = _distance_code(dist)
        ints[g, 10] |= tie_km
    return arcs, metres, secs, xy, ints, flts


@njit(cache=True, nogil=True)
def _first_seen(values, out, n):  # pragma: no cover - compiled
    # Append the values not yet in out[:n] and not negative, in order; the new count.
    for i in range(values.shape[0]):
        v = values[i]
        if v < 0 or (i and v == values[i - 1]):
            continue
        seen = False
        for j in range(n):
            if out[j] == v:
                seen = True
                break
        if not seen:
            out[n] = v
            n += 1
    return n


@njit(cache=True, nogil=True)
def route_roads(arcs, seg_route, seg_name):  # pragma: no cover - compiled
    """The segments a route drives (consecutive repeats once) and the route codes and names on them
    (indices, each once, in order of first appearance; none for -1)."""
    n = arcs.shape[0]
    segs = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        s = arcs[i] >> 1
        if m == 0 or segs[m - 1] != s:
            segs[m] = s
            m += 1
    segs = segs[:m]
    routes = np.empty(m, np.int64)
    names = np.empty(m, np.int64)
    nr = _first_seen(seg_route[segs].astype(np.int64), routes, 0)
    nn = _first_seen(seg_name[segs].astype(np.int64), names, 0)
    return segs, routes[:nr], names[:nn]

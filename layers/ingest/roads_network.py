"""Node and split road centrelines into a routable network, on whole numpy arrays.

Lines are joined where they really meet and nowhere else:
- at a vertex they share, unless the source says one passes over the other there: both points are
  inside their lines and the lines' levels differ (a `level`/层级 value, or one is a bridge or tunnel
  and the other is not). Where a line ends, it joins whatever it touches.
- where a line's end lies within `snap_m` of another line's end (the ends are merged) or of another
  line (a vertex is added to that line, or the end moved onto a vertex within `snap_m`).
Lines that cross without a shared vertex are grade separated: no junction is made there.
Every line is then split at its junctions; a piece keeps its place along its line as fractions of
the line's length, from which the caller interpolates stakes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from layers.demo.geo import pair_lengths_m

_GRID = 1e7  # vertices are compared on a 1e-7 degree grid (about a centimetre)


@dataclass
class Network:
    """Segments (pieces of input lines between junctions) and their nodes."""

    seg_line: np.ndarray  # int64: index of the input line each segment comes from
    seg_length_m: np.ndarray
    seg_frac: np.ndarray  # (S, 2): where the segment starts and ends along its line (0..1)
    seg_source: np.ndarray  # int64 node index
    seg_target: np.ndarray
    node_lonlat: np.ndarray  # (N, 2)
    line_length_m: np.ndarray  # (L,) geodesic length of each input line (after snapping)
    seg_coords: np.ndarray  # (M, 2) the segments' vertices, segment k's from seg_offsets[k] to seg_offsets[k + 1]
    seg_offsets: np.ndarray  # (S + 1,) int64
    snapped_ends: int = 0  # line ends moved onto another line's end or vertex
    inserted_vertices: int = 0  # vertices added to lines where another line's end meets them
    separated_vertices: int = 0  # shared vertices left unjoined (grade separation in the source)


def line_lengths_m(coords: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cumulative distance at every vertex from its line's start, each line's length), in metres."""
    steps = np.zeros(len(coords))
    if len(coords) > 1:
        steps[1:] = pair_lengths_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    steps[offsets[:-1]] = 0.0
    cum = np.cumsum(steps)
    cum -= np.repeat(cum[offsets[:-1]], np.diff(offsets))
    return cum, cum[offsets[1:] - 1]


def _metric(lonlat: np.ndarray, lat0: float) -> np.ndarray:
    """Local metres (equirectangular at `lat0`): good to a few per cent across a province, for tolerances."""
    k = np.array([111_320.0 * np.cos(np.radians(lat0)), 110_574.0])
    return lonlat * k


def _keys(coords: np.ndarray) -> np.ndarray:
    """One integer per vertex position on the 1e-7° grid (equal positions, equal keys)."""
    q = np.round(coords * _GRID).astype(np.int64)
    # lon in [-180, 180] and lat in [-90, 90] on the grid fit in 32 bits each
    return ((q[:, 0] + (1 << 31)) << 32) | (q[:, 1] + (1 << 31))


def build_network(lines: np.ndarray, level: np.ndarray, snap_m: float) -> Network:
    """The network of `lines` (WGS84 LineStrings, no repeated consecutive vertices) with `level` keys
    (equal keys: same level; any int per line) and ends joined within `snap_m` metres."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(index, minlength=len(lines))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    lat0 = float(np.mean(coords[:, 1])) if len(coords) else 0.0
    coords, offsets, snapped, inserted = _snap_ends(coords, offsets, snap_m, lat0)
    line_of = np.repeat(np.arange(len(lines)), np.diff(offsets))
    cum, line_len = line_lengths_m(coords, offsets)

    keys = _keys(coords)
    is_end = np.zeros(len(coords), dtype=bool)
    is_end[offsets[:-1]] = True
    is_end[offsets[1:] - 1] = True
    vert, vert_of = np.unique(keys, return_inverse=True)
    any_end = np.zeros(len(vert), dtype=bool)
    np.logical_or.at(any_end, vert_of, is_end)
    lvl = level[line_of].astype(np.int64)
    # Incidences per (vertex, level): an inner vertex is a junction when another line (or the line
    # itself, a second time) passes it at the same level, or any line ends there.
    pair = vert_of.astype(np.int64) * (int(lvl.max()) + 1 if len(lvl) else 1) + lvl
    _, pair_of, pair_count = np.unique(pair, return_inverse=True, return_counts=True)
    vert_count = np.bincount(vert_of, minlength=len(vert))
    cut = ~is_end & (any_end[vert_of] | (pair_count[pair_of] >= 2))
    separated = ~is_end & ~cut & (vert_count[vert_of] >= 2)

    # Split: a cut vertex ends one segment and starts the next (it appears twice in the output).
    reps = 1 + cut.astype(np.int64)
    out = np.repeat(np.arange(len(coords)), reps)
    start = np.zeros(len(out), dtype=bool)
    first_copy = np.concatenate([[0], np.cumsum(reps)[:-1]])
    start[first_copy[offsets[:-1]]] = True
    start[first_copy[cut] + 1] = True
    seg_of = np.cumsum(start) - 1
    n_seg = int(seg_of[-1]) + 1 if len(seg_of) else 0
    seg_first = np.flatnonzero(start)
    seg_last = np.concatenate([seg_first[1:] - 1, [len(out) - 1]]) if n_seg else seg_first
    v_first, v_last = out[seg_first], out[seg_last]
    seg_line = line_of[v_first]
    length = cum[v_last] - cum[v_first]
    ll = line_len[seg_line]
    safe = np.where(ll > 0, ll, 1.0)
    frac = np.column_stack([cum[v_first] / safe, cum[v_last] / safe])

    # Nodes: a vertex where any line ends is one node; elsewhere one node per level passing it.
    node_key = np.where(any_end[vert_of], vert_of.astype(np.int64) * 2, pair.astype(np.int64) * 2 + 1)
    ends = np.concatenate([v_first, v_last])
    node_keys, node_of = np.unique(node_key[ends], return_inverse=True)
    first_vertex = np.zeros(len(node_keys), dtype=np.int64)
    first_vertex[node_of[::-1]] = ends[::-1]
    return Network(
        seg_line=seg_line.astype(np.int64),
        seg_length_m=length,
        seg_frac=np.clip(frac, 0.0, 1.0),
        seg_source=node_of[:n_seg].astype(np.int64),
        seg_target=node_of[n_seg:].astype(np.int64),
        node_lonlat=coords[first_vertex],
        line_length_m=line_len,
        seg_coords=coords[out],
        seg_offsets=np.concatenate([seg_first, [len(out)]]).astype(np.int64),
        snapped_ends=snapped,
        inserted_vertices=inserted,
        separated_vertices=int(np.unique(vert_of[separated]).size),
    )


def _snap_ends(
    coords: np.ndarray, offsets: np.ndarray, snap_m: float, lat0: float
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Join line ends that stop within `snap_m` of another line's end or of another line.

    First, ends near one another are merged onto one of them (one that is already shared when
    there is one). Then an end still alone is moved onto the nearest other line within `snap_m`:
    onto its nearest vertex when that is within `snap_m` too, else onto a vertex added to that line.
    """
    n_lines = len(offsets) - 1
    if n_lines == 0 or snap_m <= 0:
        return coords, offsets, 0, 0
    coords = coords.copy()
    end_idx = np.concatenate([offsets[:-1], offsets[1:] - 1])  # vertex index of each line end
    end_line = np.concatenate([np.arange(n_lines), np.arange(n_lines)])
    keys = _keys(coords)
    uniq, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
    shared = cnt[inv] >= 2  # per vertex: another vertex sits exactly there
    lone = ~shared[end_idx]
    if not lone.any():
        return coords, offsets, 0, 0
    xy = _metric(coords, lat0)
    snapped = 0

    # 1. Ends within snap_m of other ends: merged, each group onto one position. Each lone end joins
    # only its nearest other end (of another line), so a group holds at most one shared end.
    end_xy = xy[end_idx]
    lone_ids = np.flatnonzero(lone)
    dist, nb = cKDTree(end_xy).query(end_xy[lone_ids], k=min(4, len(end_idx)), distance_upper_bound=snap_m)
    dist, nb = dist.reshape(len(lone_ids), -1), nb.reshape(len(lone_ids), -1)
    choice = np.full(len(lone_ids), -1, dtype=np.int64)
    for col in range(nb.shape[1]):
        cand = nb[:, col]
        found = cand < len(end_idx)
        safe = np.where(found, cand, 0)
        valid = (
            found
            & (choice < 0)
            & (end_line[safe] != end_line[lone_ids])
            & (keys[end_idx[safe]] != keys[end_idx[lone_ids]])
        )
        choice[valid] = cand[valid]
    a, b = lone_ids[choice >= 0], choice[choice >= 0]
    if len(a):
        parent = np.arange(len(end_idx))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in zip(a.tolist(), b.tolist(), strict=True):
            ri, rj = find(i), find(j)
            if ri != rj:
                # the root is an end that is already shared, else the lower index
                if (
                    shared[end_idx[rj]]
                    and not shared[end_idx[ri]]
                    or (shared[end_idx[rj]] == shared[end_idx[ri]] and rj < ri)
                ):
                    ri, rj = rj, ri
                parent[rj] = ri
        members = np.unique(np.concatenate([a, b]))
        roots = np.array([find(int(m)) for m in members])
        moved = members[roots != members]
        coords[end_idx[moved]] = coords[end_idx[roots[roots != members]]]
        snapped += len(moved)
        lone[members] = False  # grouped ends are joined now

    # 2. Ends still alone, within snap_m of another line: moved onto it.
    lone_ids = np.flatnonzero(lone)
    if not len(lone_ids):
        return coords, offsets, snapped, 0
    line_of = np.repeat(np.arange(n_lines), np.diff(offsets))
    xy = _metric(coords, lat0)
    lines_xy = shapely.linestrings(xy, indices=line_of)
    tree = shapely.STRtree(lines_xy)
    pts = shapely.points(xy[end_idx[lone_ids]])
    p, q = tree.query(pts, predicate="dwithin", distance=snap_m)
    keep = end_line[lone_ids[p]] != q
    p, q = p[keep], q[keep]
    if not len(p):
        return coords, offsets, snapped, 0
    dist = shapely.distance(pts[p], lines_xy[q])
    order = np.lexsort((q, dist, p))
    p, q, dist = p[order], q[order], dist[order]
    first = np.concatenate([[True], p[1:] != p[:-1]])
    p, q = p[first], q[first]
    along = shapely.line_locate_point(lines_xy[q], pts[p])
    inserts: list[tuple[int, float, np.ndarray]] = []
    for k in range(len(p)):
        end = int(lone_ids[p[k]])
        line = int(q[k])
        lo, hi = int(offsets[line]), int(offsets[line + 1])
        seg = xy[lo:hi]
        near = shapely.line_interpolate_point(lines_xy[line], along[k])
        nxy = np.array(shapely.get_coordinates(near)[0])
        dv = np.hypot(seg[:, 0] - nxy[0], seg[:, 1] - nxy[1])
        v = int(np.argmin(dv))
        target_vertex = lo + v
        pt_xy = xy[end_idx[end]]
        if np.hypot(*(xy[target_vertex] - pt_xy)) <= snap_m:
            coords[end_idx[end]] = coords[target_vertex]
        else:
            # the new vertex goes after the last vertex before `along`
            step = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(seg[:, 0]), np.diff(seg[:, 1])))])
            after = int(np.searchsorted(step, along[k], side="right")) - 1
            after = min(max(after, 0), hi - lo - 2)
            lonlat = nxy / np.array([111_320.0 * np.cos(np.radians(lat0)), 110_574.0])
            coords[end_idx[end]] = lonlat
            inserts.append((lo + after + 1, float(along[k]), lonlat))
        snapped += 1
    if not inserts:
        return coords, offsets, snapped, 0
    inserts.sort(key=lambda t: (t[0], t[1]))
    at = np.array([t[0] for t in inserts], dtype=np.int64)
    values = np.array([t[2] for t in inserts])
    new_coords = np.insert(coords, at, values, axis=0)
    line_at = np.searchsorted(offsets, at, side="right") - 1
    # an insert at a line's end index belongs to that line (it is placed before its last vertex)
    added = np.bincount(line_at, minlength=n_lines)
    new_offsets = np.concatenate([[0], np.cumsum(np.diff(offsets) + added)])
    return new_coords, new_offsets, snapped, len(inserts)

"""Segment geometry kept as flat coordinate arrays (no GEOS object per segment: ~10× less memory)
and a uniform grid index over segment bounding boxes for snapping and nearby-ramp look-ups."""

from __future__ import annotations

import math

import numpy as np
import shapely

from routing.kernel_args import Grid
from routing.route_kernels import point_at
from routing.snap_kernel import around, nearest

M_PER_DEG = 111_320.0
CELL_DEG = 0.005  # about 500 m: a 500 m snap radius looks at 3×3 cells


def flat_coords(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (V, 2), ptr (S+1)) of an array of LineStrings."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    ptr = np.searchsorted(index, np.arange(len(geoms) + 1)).astype(np.int64)
    return coords, ptr


def _cum_metres(coords: np.ndarray) -> np.ndarray:
    """Cumulative local-metric length along a polyline (lon scaled by cos(lat))."""
    if len(coords) < 2:
        return np.zeros(len(coords))
    kx = math.cos(math.radians(float(coords[0, 1])))
    d = np.hypot(np.diff(coords[:, 0]) * kx, np.diff(coords[:, 1]))
    return np.concatenate([[0.0], np.cumsum(d)])


def interpolate(coords: np.ndarray, fraction: float) -> tuple[float, float]:
    """The point at `fraction` of a polyline's length."""
    cum = _cum_metres(coords)
    if len(coords) == 1 or cum[-1] <= 0:
        return float(coords[0, 0]), float(coords[0, 1])
    target = min(max(fraction, 0.0), 1.0) * cum[-1]
    i = int(np.clip(np.searchsorted(cum, target, side="right") - 1, 0, len(coords) - 2))
    t = (target - cum[i]) / (cum[i + 1] - cum[i]) if cum[i + 1] > cum[i] else 0.0
    p = coords[i] + t * (coords[i + 1] - coords[i])
    return float(p[0]), float(p[1])


def substring(coords: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The part of a polyline between two fractions of its length (lo ≤ hi)."""
    cum = _cum_metres(coords)
    if len(coords) < 2 or cum[-1] <= 0:
        return np.vstack([coords[:1], coords[:1]])
    a, b = min(max(lo, 0.0), 1.0) * cum[-1], min(max(hi, 0.0), 1.0) * cum[-1]
    inner = coords[(cum > a) & (cum < b)]
    return np.vstack([interpolate(coords, lo), inner, interpolate(coords, hi)])


class SegmentGrid:
    """Segments bucketed by the grid cells their bounding boxes cover."""

    def __init__(self, coords: np.ndarray, ptr: np.ndarray):
        self.coords, self.ptr = coords, ptr
        n = len(ptr) - 1
        if n == 0:
            self.keys = np.empty(0, np.int64)
            self.cell_ptr = np.zeros(1, np.int64)
            self.segs = np.empty(0, np.int64)
            self.bbox = np.empty((0, 4))
            return
        starts = ptr[:-1]
        # Each segment's bounding box (min lon, max lon, min lat, max lat): lets the nearest-segment
        # search skip segments that cannot beat the best found so far.
        self.bbox = np.column_stack([
            np.minimum.reduceat(coords[:, 0], starts),
            np.maximum.reduceat(coords[:, 0], starts),
            np.minimum.reduceat(coords[:, 1], starts),
            np.maximum.reduceat(coords[:, 1], starts),
        ])  # fmt: skip
        x0 = np.floor(self.bbox[:, 0] / CELL_DEG).astype(np.int64)
        x1 = np.floor(self.bbox[:, 1] / CELL_DEG).astype(np.int64)
        y0 = np.floor(self.bbox[:, 2] / CELL_DEG).astype(np.int64)
        y1 = np.floor(self.bbox[:, 3] / CELL_DEG).astype(np.int64)
        nx, ny = x1 - x0 + 1, y1 - y0 + 1
        count = nx * ny
        seg = np.repeat(np.arange(n, dtype=np.int64), count)
        local = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        cx = np.repeat(x0, count) + local // np.repeat(ny, count)
        cy = np.repeat(y0, count) + local % np.repeat(ny, count)
        key = self._key(cx, cy)
        order = np.argsort(key, kind="stable")
        key, self.segs = key[order], seg[order]
        self.keys, first = np.unique(key, return_index=True)
        self.cell_ptr = np.append(first, len(key)).astype(np.int64)

    @staticmethod
    def _key(cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        return (cx + (1 << 20)) * (1 << 21) + (cy + (1 << 20))

    def candidates(self, lon: float, lat: float, radius_m: float) -> np.ndarray:
        """Segments whose boxes share a cell with the box of `radius_m` around (lon, lat)."""
        x0, x1, y0, y1 = self.cells(lon, lat, radius_m)
        xs, ys = np.arange(x0, x1 + 1), np.arange(y0, y1 + 1)
        if len(xs) * len(ys) > 40_000:
            return np.arange(len(self.ptr) - 1)
        keys = self._key(np.repeat(xs, len(ys)), np.tile(ys, len(xs)))
        if len(self.keys) == 0:
            return np.empty(0, np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        pos = pos[self.keys[pos] == keys]
        found = [self.segs[self.cell_ptr[p] : self.cell_ptr[p + 1]] for p in pos.tolist()]
        return np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)

    def cells(self, lon: float, lat: float, radius_m: float) -> tuple[int, int, int, int]:
        """tuple(Cells): the grid cells x0..x1 × y0..y1 the box of `radius_m` around (lon, lat) covers
        (a plain tuple in Cells' order, as the snap kernels take it: a NamedTuple costs a microsecond
        to make, twice per snapped point)."""
        dlat = radius_m / M_PER_DEG
        dlon = radius_m / (M_PER_DEG * max(math.cos(math.radians(lat)), 0.01))
        x0, x1 = math.floor((lon - dlon) / CELL_DEG), math.floor((lon + dlon) / CELL_DEG)
        y0, y1 = math.floor((lat - dlat) / CELL_DEG), math.floor((lat + dlat) / CELL_DEG)
        return (x0, x1, y0, y1)  # Cells(x0, x1, y0, y1)

    def packed(self) -> tuple:
        """tuple(Grid) of the index, as the snap kernels take it (made once)."""
        found = self.__dict__.get("_packed")
        if found is None:
            found = self._packed = tuple(
                Grid(
                    coords=self.coords, ptr=self.ptr, bbox=self.bbox, keys=self.keys, cell_ptr=self.cell_ptr,
                    cell_segs=self.segs, cell_deg=CELL_DEG,
                )
            )  # fmt: skip
        return found

    def nearest(
        self, lon: float, lat: float, radius_m: float, preferred: np.ndarray | None = None
    ) -> tuple[int, float, float, float, float] | None:
        """(segment, metres, fraction, lon, lat of the nearest point) of the nearest segment within
        `radius_m` (a `preferred` one first when any is that near; ties to the lower index), or None.
        Compiled: routing.snap_kernel."""
        cells = self.cells(lon, lat, radius_m)
        if len(self.keys) == 0:
            return None
        x0, x1, y0, y1 = cells
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 40_000:  # a huge radius: every segment, the vectorised way
            segs = np.arange(len(self.ptr) - 1)
            dist, frac = self.distances(segs, lon, lat)
            ok = dist <= radius_m
            if preferred is not None and (ok & preferred).any():
                ok &= preferred
            if not ok.any():
                return None
            i = int(np.flatnonzero(ok)[np.argmin(dist[ok])])
            x, y = point_at(self.coords[self.ptr[i] : self.ptr[i + 1]], float(frac[i]))
            return i, float(dist[i]), float(frac[i]), float(x), float(y)
        use = preferred is not None
        pref = preferred if preferred is not None else np.zeros(1, dtype=np.bool_)
        seg, dist, frac, x, y = nearest(self.packed(), cells, float(lon), float(lat), float(radius_m), pref, use)
        return None if seg < 0 else (seg, dist, frac, x, y)

    def around(
        self,
        lon: float,
        lat: float,
        best: tuple[int, float],
        preferred: np.ndarray | None,
        incidence: tuple,
        tie_m: float,
        node_m: float,
    ) -> tuple[np.ndarray, np.ndarray, int, float, float]:
        """(segments, fractions, node or -1, node lon, node lat): every place on the network as near
        to (lon, lat) as the nearest segment `best` (segment, metres), a node's every segment when
        the nearest point lies at that node (`incidence`: tuple(Incidence), routing.snap.incidence).
        Compiled: routing.snap_kernel.around."""
        seg, dist = best
        cells = self.cells(lon, lat, dist + tie_m)
        use = preferred is not None
        pref = preferred if preferred is not None else np.zeros(1, dtype=np.bool_)
        return around(
            self.packed(), cells, float(lon), float(lat), int(seg), float(dist), pref, use, incidence,
            float(tie_m), float(node_m),
        )  # fmt: skip

    def distances(self, segs: np.ndarray, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray]:
        """(metres from (lon, lat), fraction of length where the nearest point lies) for each segment."""
        if len(segs) == 0:
            return np.empty(0), np.empty(0)
        ptr = self.ptr
        counts = ptr[segs + 1] - ptr[segs]
        pieces = np.maximum(counts - 1, 1)
        owner = np.repeat(np.arange(len(segs)), pieces)
        local = np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        i0 = np.repeat(ptr[segs], pieces) + local
        i1 = np.minimum(i0 + 1, np.repeat(ptr[segs + 1] - 1, pieces))
        kx = M_PER_DEG * math.cos(math.radians(lat))
        ax = (self.coords[i0, 0] - lon) * kx
        ay = (self.coords[i0, 1] - lat) * M_PER_DEG
        bx = (self.coords[i1, 0] - lon) * kx
        by = (self.coords[i1, 1] - lat) * M_PER_DEG
        dx, dy = bx - ax, by - ay
        length = np.hypot(dx, dy)
        t = np.where(length > 0, np.clip(-(ax * dx + ay * dy) / np.maximum(length**2, 1e-12), 0.0, 1.0), 0.0)
        dist = np.hypot(ax + t * dx, ay + t * dy)
        # Cumulative length before each piece, per segment.
        before = np.cumsum(length) - length
        before = before - np.repeat(before[np.cumsum(pieces) - pieces], pieces)
        total = np.bincount(owner, weights=length, minlength=len(segs))
        along = before + t * length
        best = np.full(len(segs), np.inf)
        np.minimum.at(best, owner, dist)
        # The first piece reaching the minimum gives the fraction.
        is_best = dist <= best[owner] + 1e-9
        first = np.full(len(segs), -1, dtype=np.int64)
        idx = np.flatnonzero(is_best)[::-1]
        first[owner[idx]] = idx
        frac = np.where(total > 0, along[first] / np.maximum(total, 1e-12), 0.0)
        return best, np.clip(frac, 0.0, 1.0)

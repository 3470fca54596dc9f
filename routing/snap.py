"""Snapping positions to the nearest routable segment (grid index over flat coordinates, metres)."""

from __future__ import annotations

import threading

import numpy as np

from gis.errors import Unprocessable
from routing.geometry import SegmentGrid
from routing.graph import RoadGraph
from routing.kernel_args import Incidence
from routing.search import Endpoint

_lock = threading.Lock()

_PLACE_ZH = {"from": "起点", "to": "终点", "via": "途经点", "at": "起点"}  # snapped points in Chinese errors
JUNCTION_M = 1.0  # a point whose nearest road point lies this close to a junction is at the junction
TIE_M = 1e-3  # segments this much farther than the nearest are as near


def segment_grid(graph: RoadGraph) -> SegmentGrid:
    """The graph's grid index of segments, built once."""
    grid = getattr(graph, "_grid", None)
    if grid is None:
        with _lock:
            grid = getattr(graph, "_grid", None)
            if grid is None:
                grid = SegmentGrid(graph.seg_coords, graph.seg_ptr)
                graph._grid = grid  # type: ignore[attr-defined]
    return grid


def incidence(graph: RoadGraph) -> tuple:
    """tuple(Incidence): each segment's end nodes and the segments of each node as a CSR, built once."""
    found = getattr(graph, "_incidence", None)
    if found is None:
        ends = np.concatenate([graph.seg_source, graph.seg_target]).astype(np.int64)
        order = np.argsort(ends, kind="stable")
        segs = (order % max(graph.n_segments, 1)).astype(np.int64)
        ptr = np.searchsorted(ends[order], np.arange(len(graph.node_ids) + 1)).astype(np.int64)
        found = tuple(
            Incidence(
                seg_source=graph.seg_source.astype(np.int64), seg_target=graph.seg_target.astype(np.int64),
                inc_ptr=ptr, inc_seg=segs,
            )
        )  # fmt: skip
        graph._incidence = found  # type: ignore[attr-defined]
    return found


def segments_near(graph: RoadGraph, lon: float, lat: float, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(segment indices, distances in metres) of segments within `radius_m` of (lon, lat)."""
    grid = segment_grid(graph)
    cand = grid.candidates(lon, lat, radius_m)
    dist, _ = grid.distances(cand, lon, lat)
    keep = dist <= radius_m
    return cand[keep], dist[keep]


def _nearest_anywhere(graph: RoadGraph, lon: float, lat: float, radius_m: float) -> float:
    """Metres to the nearest segment, looking ever farther out (for the 422 message)."""
    grid = segment_grid(graph)
    r = radius_m * 4
    while r < 5_000_000:
        cand = grid.candidates(lon, lat, r)
        if len(cand):
            dist, _ = grid.distances(cand, lon, lat)
            return float(dist.min())
        r *= 4
    dist, _ = grid.distances(np.arange(graph.n_segments), lon, lat)
    return float(dist.min())


def snap(
    graph: RoadGraph, lon: float, lat: float, *, radius_m: float, parameter: str, preferred: np.ndarray | None = None
) -> Endpoint:
    """The nearest point on a routable segment within `radius_m`; 422 with the distance found otherwise.

    `preferred` (a boolean per segment, e.g. the main connected network) wins among segments
    within the radius, so that a point is not stranded on an isolated piece of road."""
    if graph.n_segments == 0:
        raise Unprocessable(
            "no road network is loaded; import one with `daoan import osm` or `daoan demo`",
            parameter=parameter,
            detail_zh="尚未加载路网；请用 `daoan import osm` 或 `daoan demo` 导入",
        )
    found_near = segment_grid(graph).nearest(lon, lat, radius_m, preferred)
    if found_near is None:
        found = _nearest_anywhere(graph, lon, lat, radius_m)
        raise Unprocessable(
            f"{parameter} {lon:.6f},{lat:.6f} is {found:,.0f} m from the nearest road; it must be within "
            f"{radius_m:,.0f} m",
            parameter=parameter,
            extra={"distance_m": round(found, 1), "snap_radius_m": radius_m},
            detail_zh=f"{_PLACE_ZH.get(parameter, parameter)}（{lon:.6f},{lat:.6f}）距最近道路{found:,.0f}米，须在{radius_m:,.0f}米以内",
        )
    seg, dist, fraction, x, y = found_near
    segs, fractions, node, nx, ny = segment_grid(graph).around(
        lon, lat, (seg, dist), preferred, incidence(graph), TIE_M, JUNCTION_M
    )
    if node >= 0:  # at a junction: the junction itself, on every one of its segments
        x, y = nx, ny
        dist = float(np.hypot((x - lon) * 111_320.0 * np.cos(np.radians(lat)), (y - lat) * 111_320.0))
    others = tuple(zip(segs[1:].tolist(), fractions[1:].tolist(), strict=True))
    return Endpoint(int(segs[0]), float(fractions[0]), x, y, dist, others)

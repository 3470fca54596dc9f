"""Isochrones (areas reached within minutes) and travel-time matrices, honouring the overlay."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from gis.errors import TooLarge, Unprocessable
from routing.cch import many_to_many
from routing.overlay import Overlay
from routing.partial import direct as partial_direct
from routing.partial import sources_of, targets_of, touches
from routing.query_kernels import direct
from routing.search import Endpoint, one_to_all_from
from routing.service import RoutingState

MAX_MATRIX = 100
MAX_MINUTES = 120


def isochrone(state: RoutingState, overlay: Overlay, at: Endpoint, minutes: list[float]) -> dict:
    """Polygons of the area reachable from `at` within each number of minutes (largest first)."""
    g = state.graph
    cost = overlay.cost
    sources = sources_of(state.searcher, at, cost, overlay.closed_parts)  # the open part of a partly closed arc too
    if not sources:
        raise Unprocessable(
            "the start point lies on a closed road; no area is reachable",
            parameter="at",
            detail_zh="起点位于封闭道路上，没有可到达的范围",
        )
    limit = max(minutes) * 60.0
    dist, _, _ = one_to_all_from(g, cost, sources, limit_s=limit)
    # Reached arcs: tail reached; the head end reached, or the point where the budget runs out.
    tails = g.fwd_tail
    d_tail = dist[tails]
    reached = np.isfinite(d_tail)
    e_tail, e_arc = tails[reached], g.fwd_arc[reached]
    d0 = d_tail[reached]
    w = cost[e_arc]
    ok = np.isfinite(w)
    e_tail, e_arc, d0, w = e_tail[ok], e_arc[ok], d0[ok], w[ok]
    node_lon = g.node_lon[g.node_phys]
    node_lat = g.node_lat[g.node_phys]
    features = []
    for m in sorted(set(minutes), reverse=True):
        budget = m * 60.0
        inside = d0 <= budget
        frac = np.clip((budget - d0[inside]) / np.maximum(w[inside], 1e-9), 0.0, 1.0)
        arcs = e_arc[inside]
        heads = g.arc_head_x[arcs]
        hx, hy = node_lon[heads], node_lat[heads]
        tx, ty = node_lon[e_tail[inside]], node_lat[e_tail[inside]]
        px, py = tx + (hx - tx) * frac, ty + (hy - ty) * frac
        pts = np.column_stack([np.concatenate([tx, px, [at.lon]]), np.concatenate([ty, py, [at.lat]])])
        pts = np.unique(np.round(pts, 6), axis=0)
        poly = _hull(pts)
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(poly) if not poly.is_empty else None,
                "properties": {"minutes": m, "reached_nodes": int((dist <= budget).sum())},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"at": [round(at.lon, 7), round(at.lat, 7)]},
    }


def _hull(points: np.ndarray) -> shapely.Geometry:
    mp = shapely.multipoints(points)
    if len(points) < 4:
        return shapely.buffer(mp, 0.001)
    hull = shapely.concave_hull(mp, ratio=0.2)
    if hull.geom_type != "Polygon":
        hull = shapely.buffer(hull, 0.001)
    return hull


def matrix(state: RoutingState, overlay: Overlay, origins: list[Endpoint], destinations: list[Endpoint]) -> dict:
    """Seconds and metres from every origin to every destination (None where unreachable)."""
    if len(origins) > MAX_MATRIX or len(destinations) > MAX_MATRIX:
        raise TooLarge(
            f"a matrix is limited to {MAX_MATRIX}×{MAX_MATRIX}; got {len(origins)}×{len(destinations)}",
            extra={"limit": MAX_MATRIX},
            detail_zh=f"距离矩阵最多{MAX_MATRIX}×{MAX_MATRIX}，本次为{len(origins)}×{len(destinations)}",
        )
    g, cost, searcher = state.graph, overlay.cost, state.searcher
    parts = overlay.closed_parts
    if searcher.cch is not None:
        return _matrix_cch(state, cost, origins, destinations, parts)
    tgts = [targets_of(searcher, d, cost, parts) for d in destinations]
    stop = np.unique(np.array([t[0] for ts in tgts for t in ts], dtype=np.int32))

    def row(o: Endpoint) -> tuple[list[float | None], list[float | None]]:
        srcs = sources_of(searcher, o, cost, parts)
        if not srcs:
            return [None] * len(destinations), [None] * len(destinations)
        dist, _, metres = one_to_all_from(g, cost, srcs, stop_nodes=stop, metres=True)
        row_t: list[float | None] = []
        row_d: list[float | None] = []
        for d, ts in zip(destinations, tgts, strict=True):
            best_t, best_m = np.inf, np.inf
            for node, off, arc, part in ts:
                t = dist[node] + off
                if t < best_t:
                    best_t, best_m = t, metres[node] + part * g.seg_length_m[arc >> 1]
            straight_t, straight_m = _straight(g.seg_length_m, cost, o, d, parts)
            if straight_t < best_t:
                best_t, best_m = straight_t, straight_m
            row_t.append(round(float(best_t), 1) if np.isfinite(best_t) else None)
            row_d.append(round(float(best_m), 1) if np.isfinite(best_t) else None)
        return row_t, row_d

    # The Dijkstra kernel releases the GIL: one search per core.
    with ThreadPoolExecutor(max_workers=max(1, min(len(origins), os.cpu_count() or 1))) as pool:
        rows = list(pool.map(row, origins))
    durations = [r[0] for r in rows]
    distances = [r[1] for r in rows]
    return {"durations_s": durations, "distances_m": distances}


def _straight(
    length: np.ndarray, cost: np.ndarray, o: Endpoint, d: Endpoint, parts: dict | None = None
) -> tuple[float, float]:
    """(seconds, metres) of driving straight from `o` to `d` along a segment both lie on (inf, inf
    when they share none); `parts`: the overlay's partly closed arcs, drivable on their open parts."""
    if parts and touches(parts, o, d):
        secs, arc, share, _ = partial_direct(o, d, cost, parts)
    else:
        secs, arc, share, _ = direct(cost, o.segs, o.fractions, d.segs, d.fractions)
    return (float(secs), float(share * length[arc >> 1])) if arc >= 0 else (np.inf, np.inf)


def _matrix_cch(
    state: RoutingState, cost: np.ndarray, origins: list[Endpoint], destinations: list[Endpoint], parts: dict
) -> dict:
    """matrix() on the CCH: the metric of `cost` (cached, or customized from the base one), then
    one many-to-many search (buckets) for the whole matrix."""
    g, searcher = state.graph, state.searcher
    metric = searcher.metric(cost)
    assert searcher.cch is not None and metric is not None
    length = g.seg_length_m
    srcs = [
        [(n, d, part * length[arc >> 1]) for n, d, arc, part in sources_of(searcher, o, cost, parts)] for o in origins
    ]
    tgts = [
        [(n, d, part * length[arc >> 1]) for n, d, arc, part in targets_of(searcher, t, cost, parts)]
        for t in destinations
    ]
    secs, metres = many_to_many(searcher.cch, metric, srcs, tgts)
    for i, o in enumerate(origins):
        for j, d in enumerate(destinations):
            straight_t, straight_m = _straight(length, cost, o, d, parts)
            if straight_t < secs[i, j]:
                secs[i, j], metres[i, j] = straight_t, straight_m
    ok = np.isfinite(secs)
    durations = [
        [round(float(t), 1) if f else None for t, f in zip(rt, rf, strict=True)]
        for rt, rf in zip(secs, ok, strict=True)
    ]
    distances = [
        [round(float(m), 1) if f else None for m, f in zip(rm, rf, strict=True)]
        for rm, rf in zip(metres, ok, strict=True)
    ]
    return {"durations_s": durations, "distances_m": distances}

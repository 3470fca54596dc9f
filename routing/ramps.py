"""Entries and exits of interchanges: which ramp arcs join an expressway (entrance closures)."""

from __future__ import annotations

import numpy as np

from routing.graph import EXPRESSWAY, LINK, RoadGraph

ENTRANCE_SEARCH_M = 1500.0


def nodes_on_expressway(graph: RoadGraph) -> np.ndarray:
    """Boolean per physical node: an expressway segment ends there."""
    flags = getattr(graph, "_on_expressway", None)
    if flags is None:
        flags = np.zeros(len(graph.node_ids), dtype=bool)
        ex = graph.seg_class == EXPRESSWAY
        flags[graph.seg_source[ex]] = True
        flags[graph.seg_target[ex]] = True
        graph._on_expressway = flags  # type: ignore[attr-defined]
    return flags


def entrance_arcs(
    graph: RoadGraph, lon: float, lat: float, *, segment_id: int | None = None, radius_m: float = ENTRANCE_SEARCH_M
) -> list[int]:
    """Arcs of a toll station's ramps that merge onto an expressway (its entries; 只出不进 closes them).

    The ramps are the link segments joined to the station's own segment (or the nearest link)
    without passing over the expressway, so a neighbouring interchange is never touched."""
    from routing.snap import segments_near

    near, dist = segments_near(graph, lon, lat, radius_m)
    links = near[graph.seg_class[near] == LINK]
    if len(links) == 0:
        return []
    start = None
    if segment_id is not None:
        idx = int(graph.segment_index([segment_id])[0])
        if idx >= 0 and idx in set(links.tolist()):
            start = idx
    if start is None:
        start = int(links[np.argmin(dist[graph.seg_class[near] == LINK])])
    on_x = nodes_on_expressway(graph)
    allowed = set(links.tolist())
    by_node: dict[int, list[int]] = {}
    for s in allowed:
        for n in (int(graph.seg_source[s]), int(graph.seg_target[s])):
            by_node.setdefault(n, []).append(s)
    ramp, todo = {start}, [start]
    while todo:
        s = todo.pop()
        for n in (int(graph.seg_source[s]), int(graph.seg_target[s])):
            if on_x[n]:
                continue
            for t in by_node.get(n, []):
                if t not in ramp:
                    ramp.add(t)
                    todo.append(t)
    out = []
    for s in sorted(ramp):
        for arc in (2 * s, 2 * s + 1):
            if np.isfinite(graph.base_cost[arc]) and on_x[graph.arc_head(arc)] and not on_x[graph.arc_tail(arc)]:
                out.append(arc)
    return out

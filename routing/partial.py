"""Routes that start or end on the open part of a partly closed arc (issue 13, stake-precise closures).

A closure acts on the stakes asked: the overlay leaves a partly closed arc's cost at inf (no route
passes its closed part) and keeps the closed part and the arc's open seconds in `Overlay.closed_parts`
(arc → (from, to, seconds), fractions from the arc's tail). The search's ends are then split
virtually: a point on the open part may leave the arc forward when the closed part lies behind it,
and be reached from the arc's tail when the closed part lies ahead of it, at its share of the open
seconds. These are the candidates of routing.query_kernels (sources, targets, direct) with those
extra entries; the graph and road_segments are not touched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from routing.graph import RoadGraph

if TYPE_CHECKING:
    from routing.overlay import Overlay
    from routing.search import Endpoint, Path, Searcher

Parts = dict[int, tuple[float, float, float]]
EPS = 1e-9


def touches(parts: Parts, *ends: Endpoint) -> bool:
    """Whether any candidate of `ends` lies on an arc that is closed over part of its length."""
    if not parts:
        return False
    return any(2 * s in parts or 2 * s + 1 in parts for e in ends for s in e.segs.tolist())


def _at(arc: int, fraction: float) -> float:
    """The position of a point at `fraction` of its segment (digitised) along `arc`, from its tail."""
    return fraction if arc & 1 == 0 else 1.0 - fraction


def sources(graph: RoadGraph, start: Endpoint, cost: np.ndarray, parts: Parts) -> list[tuple[int, float, int, float]]:
    """Searcher.sources with the open parts: (expanded node, seconds, arc, fraction driven)."""
    out = []
    for seg, fraction in start.candidates():
        for arc in (2 * seg, 2 * seg + 1):
            x = _at(arc, fraction)
            part = 1.0 - x
            if np.isfinite(cost[arc]):
                out.append((int(graph.arc_head_x[arc]), part * float(cost[arc]), arc, part))
            elif arc in parts and x >= parts[arc][1] - EPS:  # the closed part lies behind the point
                out.append((int(graph.arc_head_x[arc]), part * parts[arc][2], arc, part))
    return out


def targets(graph: RoadGraph, end: Endpoint, cost: np.ndarray, parts: Parts) -> list[tuple[int, float, int, float]]:
    """Searcher.targets with the open parts: (expanded tail node, seconds to the point, arc, fraction)."""
    out = []
    for seg, fraction in end.candidates():
        for arc in (2 * seg, 2 * seg + 1):
            x = _at(arc, fraction)
            if np.isfinite(cost[arc]):
                seconds = x * float(cost[arc])
            elif arc in parts and x <= parts[arc][0] + EPS:  # the closed part lies beyond the point
                seconds = x * parts[arc][2]
            else:
                continue
            for k in range(int(graph.arc_tail_ptr[arc]), int(graph.arc_tail_ptr[arc + 1])):
                out.append((int(graph.arc_tails[k]), seconds, arc, x))
    return out


def direct(start: Endpoint, end: Endpoint, cost: np.ndarray, parts: Parts) -> tuple[float, int, float, float]:
    """Driving straight along a segment both ends lie on, past no closed part: (seconds, arc, fraction
    driven, fraction of the segment where it starts), or (inf, -1, 0, 0)."""
    best: tuple[float, int, float, float] = (np.inf, -1, 0.0, 0.0)
    for seg, a in start.candidates():
        for seg_b, b in end.candidates():
            if seg != seg_b:
                continue
            for arc in (2 * seg, 2 * seg + 1):
                x0, x1 = _at(arc, a), _at(arc, b)
                if x1 < x0:
                    continue
                if np.isfinite(cost[arc]):
                    seconds = float(cost[arc])
                elif arc in parts and (x1 <= parts[arc][0] + EPS or x0 >= parts[arc][1] - EPS):
                    seconds = parts[arc][2]
                else:
                    continue
                if (x1 - x0) * seconds < best[0]:
                    best = ((x1 - x0) * seconds, arc, x1 - x0, a)
    return best


def open_costs(cost: np.ndarray, parts: Parts, arcs: np.ndarray) -> np.ndarray:
    """`cost` with the open seconds of the partly closed arcs among `arcs` (a path's first and last
    arcs, driven on their open parts), for the step table; `cost` itself when there are none."""
    mine = [a for a in set(arcs.tolist()) if a in parts]
    if not mine:
        return cost
    out = cost.copy()
    for a in mine:
        out[a] = parts[a][2]
    return out


def open_only(parts: Parts, path: Path) -> set[int]:
    """The partly closed arcs of `path` it drives on their open parts only (not past the closed part)."""
    if not parts:
        return set()
    out = set()
    arcs = path.arcs
    for i, (arc, share) in enumerate(path.arc_parts()):
        if arc not in parts:
            continue
        if len(arcs) == 1:
            x0 = path.start_at() if arc & 1 == 0 else 1.0 - path.start_at()
        elif i == 0:
            x0 = 1.0 - share
        else:
            x0 = 0.0
        lo, hi, _ = parts[arc]
        if x0 + share <= lo + EPS or x0 >= hi - EPS:
            out.add(arc)
    return out


def incidents_passed(overlay: Overlay, paths: list[Path]) -> set[int]:
    """The incidents acting where `paths` drive: a closure counts only where its closed part is driven."""
    found: set[int] = set()
    for p in paths:
        spared = open_only(overlay.closed_parts, p)
        for a in p.arcs:
            incs = overlay.arc_incidents.get(a)
            if incs:
                found |= incs - overlay.closed_incidents.get(a, set()) if a in spared else incs
    return found


def on_open_parts(overlay: Overlay, paths: list[Path]) -> Overlay:
    """`overlay` as the step table and the route's incident list read it for `paths`: the partly closed
    arcs they drive at their open seconds, without the closure where only the open part is driven."""
    if not overlay.closed_parts:
        return overlay
    arcs = np.fromiter((a for p in paths for a in p.arcs), dtype=np.int64)
    opened = open_costs(overlay.cost, overlay.closed_parts, arcs)
    if opened is overlay.cost:
        return overlay
    spared = set().union(*(open_only(overlay.closed_parts, p) for p in paths))
    on_arcs = dict(overlay.arc_incidents)
    for a in spared:
        rest = on_arcs[a] - overlay.closed_incidents.get(a, set())
        if rest:
            on_arcs[a] = rest
        else:
            del on_arcs[a]
    return replace(overlay, cost=opened, arc_incidents=on_arcs)


def sources_of(searcher: Searcher, start: Endpoint, cost: np.ndarray, parts: Parts) -> list:
    """Searcher.sources, with the open parts when `start` lies on a partly closed arc."""
    return sources(searcher.graph, start, cost, parts) if touches(parts, start) else searcher.sources(start, cost)


def targets_of(searcher: Searcher, end: Endpoint, cost: np.ndarray, parts: Parts) -> list:
    """Searcher.targets, with the open parts when `end` lies on a partly closed arc."""
    return targets(searcher.graph, end, cost, parts) if touches(parts, end) else searcher.targets(end, cost)

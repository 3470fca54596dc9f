"""Numbered routes on the local network: national, provincial, county and township roads.

Each route is a shortest path between seats (or towns) on the lattice; its edges take the route's
class, code and stakes, oriented in the direction of increasing stake. An edge already carried by a
more important route keeps that route (co-signed sections), and the later route's stakes skip it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay

from layers.demo.lattice import Lattice
from layers.demo.names import RoutePlan


@dataclass
class Route:
    """One numbered route: its edges in travel order with their stakes."""

    code: str
    name: str
    road_class: str
    edges: list[int] = field(default_factory=list)
    start_m: list[float] = field(default_factory=list)
    end_m: list[float] = field(default_factory=list)
    county: str | None = None  # the county that numbers it (county, township and village roads)


class RouteLabeller:
    """Shortest paths on the lattice and the labelling of their edges with routes."""

    def __init__(self, lattice: Lattice, rng: np.random.Generator) -> None:
        self.lattice = lattice
        n, e = len(lattice.xy), lattice.edges
        # Routes avoid town streets a little and wander a little (weights are not pure lengths).
        weight = lattice.lengths_m * np.where(lattice.urban_edge, 1.3, 1.0) * rng.uniform(0.9, 1.1, len(e))
        rows = np.concatenate([e[:, 0], e[:, 1]])
        cols = np.concatenate([e[:, 1], e[:, 0]])
        self.graph = csr_matrix((np.concatenate([weight, weight]), (rows, cols)), shape=(n, n))
        keys = rows.astype(np.int64) * n + cols
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._key_edge = np.concatenate([np.arange(len(e)), np.arange(len(e))])[order]
        self._key_reversed = np.concatenate([np.zeros(len(e), bool), np.ones(len(e), bool)])[order]
        self.route_of_edge = np.full(len(e), -1, dtype=np.int64)
        self.flip = np.zeros(len(e), dtype=bool)
        self.start_m = np.full(len(e), np.nan)
        self.end_m = np.full(len(e), np.nan)
        self.routes: list[Route] = []

    def path(self, source: int, target: int) -> np.ndarray | None:
        """Node path of the shortest route from `source` to `target`, searching near the straight line first."""
        if source == target:
            return None
        straight = float(np.hypot(*(self.lattice.xy[source] - self.lattice.xy[target])))
        for limit in (1.6 * straight + 4000.0, np.inf):
            _, pred = dijkstra(self.graph, indices=source, return_predecessors=True, limit=limit)
            if pred[target] >= 0:
                return _walk_back(pred, target, source)
        return None

    def label(self, code: str, name: str, road_class: str, nodes: np.ndarray, start_stake_m: float = 0.0) -> Route:
        """Give the free edges along the node path `nodes` to a new route, with stakes from `start_stake_m`."""
        n = len(self.lattice.xy)
        route = Route(code, name, road_class)
        index = len(self.routes)
        self.routes.append(route)
        if len(nodes) < 2:
            return route
        pos = np.searchsorted(self._keys, nodes[:-1].astype(np.int64) * n + nodes[1:])
        edges, reversed_ = self._key_edge[pos], self._key_reversed[pos]
        lengths = self.lattice.lengths_m[edges]
        ends = start_stake_m + np.cumsum(lengths)
        starts = ends - lengths
        for edge, rev, a, b in zip(edges.tolist(), reversed_.tolist(), starts.tolist(), ends.tolist(), strict=True):
            if self.route_of_edge[edge] >= 0:
                continue
            self.route_of_edge[edge] = index
            self.flip[edge] = rev
            self.start_m[edge], self.end_m[edge] = a, b
            route.edges.append(edge)
            route.start_m.append(a)
            route.end_m.append(b)
        return route

    def route_through(
        self, plan: RoutePlan, road_class: str, stops: list[int], start_stake_m: float = 0.0
    ) -> Route | None:
        """Label the route of `plan` through the node `stops` (legs with no path are skipped)."""
        pieces: list[np.ndarray] = []
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            leg = self.path(a, b)
            if leg is None:
                continue
            pieces.append(leg if not pieces or pieces[-1][-1] != leg[0] else leg[1:])
        if not pieces:
            return None
        return self.label(plan.code, plan.name, road_class, np.concatenate(pieces), start_stake_m)

    def trees(self, sources: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distance, predecessor, nearest source) of every node from the nearest of `sources`."""
        dist, pred, src = dijkstra(self.graph, indices=sources, return_predecessors=True, limit=limit, min_only=True)
        return dist, pred, src


def _walk_back(pred: np.ndarray, target: int, source: int) -> np.ndarray:
    path = [target]
    node = target
    while node != source:
        node = int(pred[node])
        if node < 0:
            break
        path.append(node)
    return np.array(path[::-1], dtype=np.int64)


def provincial_pairs(
    seat_nodes: np.ndarray,
    seat_xy: np.ndarray,
    national_pairs: set[tuple[int, int]],
    rng: np.random.Generator,
    *,
    min_m: float,
    max_m: float,
    share: float,
) -> list[tuple[int, int]]:
    """Pairs of neighbouring seats (Delaunay) that get a provincial road, skipping national-road legs."""
    if len(seat_nodes) < 3:
        return [(int(seat_nodes[0]), int(seat_nodes[1]))] if len(seat_nodes) == 2 else []
    tri = Delaunay(seat_xy)
    pairs = set()
    for simplex in tri.simplices:
        for i in range(3):
            a, b = sorted((int(simplex[i]), int(simplex[(i + 1) % 3])))
            pairs.add((a, b))
    chosen = []
    for a, b in sorted(pairs):
        d = float(np.hypot(*(seat_xy[a] - seat_xy[b])))
        key = (min(int(seat_nodes[a]), int(seat_nodes[b])), max(int(seat_nodes[a]), int(seat_nodes[b])))
        if not (min_m <= d <= max_m) or key in national_pairs or key[0] == key[1]:
            continue
        if rng.random() < share:
            chosen.append((int(seat_nodes[a]), int(seat_nodes[b])))
    return chosen


def place_chains(
    xy: np.ndarray,
    places: np.ndarray,
    is_seat: np.ndarray,
    rng: np.random.Generator,
    *,
    max_link_m: float,
    length_m: tuple[float, float],
) -> Iterator[np.ndarray]:
    """Chains of places (lattice nodes `places`: seats and towns) that read as provincial roads: each
    starts at a seat and runs on from place to neighbouring place (Delaunay links up to `max_link_m`)
    keeping roughly its heading, until its straight length reaches a length drawn from `length_m` or
    it meets another seat. No link is used twice. Chains come lazily, from the seats in a random order,
    round after round, until no seat can start one."""
    if len(places) < 3:
        return
    pts = xy[places]
    indptr, indices = Delaunay(pts).vertex_neighbor_vertices
    used: set[tuple[int, int]] = set()
    seats = np.flatnonzero(is_seat)
    while True:
        started = False
        for start in rng.permutation(seats).tolist():
            chain = _chain(pts, indptr, indices, is_seat, used, start, rng, max_link_m, length_m)
            if chain is not None:
                started = True
                yield places[chain]
        if not started:
            return


def _chain(
    pts: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    is_seat: np.ndarray,
    used: set[tuple[int, int]],
    start: int,
    rng: np.random.Generator,
    max_link_m: float,
    length_m: tuple[float, float],
) -> list[int] | None:
    heading = rng.uniform(0.0, 2.0 * np.pi)
    direction = np.array([np.cos(heading), np.sin(heading)])
    want = rng.uniform(*length_m)
    chain, total = [start], 0.0
    while total < want:
        here = chain[-1]
        best, best_cos = -1, 0.5  # at most 60° off the heading
        for nb in indices[indptr[here] : indptr[here + 1]].tolist():
            link = (min(here, nb), max(here, nb))
            step = pts[nb] - pts[here]
            d = float(np.hypot(*step))
            if link in used or nb in chain or d > max_link_m or d == 0.0:
                continue
            cos = float(step @ direction) / d
            if cos > best_cos:
                best, best_cos = nb, cos
        if best < 0:
            break
        step = pts[best] - pts[here]
        used.add((min(here, best), max(here, best)))
        chain.append(best)
        total += float(np.hypot(*step))
        turn = direction + step / np.hypot(*step)
        direction = turn / np.hypot(*turn)
        if is_seat[best]:
            break
    return chain if len(chain) >= 2 and total >= length_m[0] / 2 else None


def pick_towns(
    lattice: Lattice, seat_xy: np.ndarray, seat_radius_m: np.ndarray, rng: np.random.Generator, *, spacing_m: float
) -> np.ndarray:
    """Rural lattice nodes chosen as township seats, about `spacing_m` apart and outside the towns grids."""
    rural = np.flatnonzero(~lattice.urban)
    candidates = rural[rng.permutation(len(rural))[: min(len(rural), 20_000)]]
    xy = lattice.xy
    if len(seat_xy):
        d = np.hypot(xy[candidates, None, 0] - seat_xy[None, :, 0], xy[candidates, None, 1] - seat_xy[None, :, 1])
        candidates = candidates[(d > seat_radius_m[None, :] + 3000.0).all(axis=1)]
    cells: dict[tuple[int, int], list[int]] = {}
    chosen: list[int] = []
    for node in candidates.tolist():
        cx, cy = int(xy[node, 0] // spacing_m), int(xy[node, 1] // spacing_m)
        near = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in cells.get((cx + dx, cy + dy), ()):
                    if np.hypot(*(xy[node] - xy[other])) < spacing_m:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if not near:
            cells.setdefault((cx, cy), []).append(node)
            chosen.append(node)
    return np.array(sorted(chosen), dtype=np.int64)


def branch_routes(
    labeller: RouteLabeller,
    roots: np.ndarray,
    leaves_per_root: int,
    *,
    limit: float,
    min_m: float,
    candidates: np.ndarray,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Node paths from each root to up to `leaves_per_root` of the `candidates` closest to it (not too close)."""
    if len(roots) == 0 or len(candidates) == 0:
        return []
    dist, pred, src = labeller.trees(roots, limit)
    cand = candidates[(src[candidates] >= 0) & (dist[candidates] >= min_m) & np.isfinite(dist[candidates])]
    paths = []
    by_root: dict[int, list[int]] = {}
    for node in cand.tolist():
        by_root.setdefault(int(src[node]), []).append(node)
    for root in roots.tolist():
        leaves = by_root.get(int(root), [])
        if not leaves:
            continue
        picks = rng.permutation(len(leaves))[:leaves_per_root]
        for i in sorted(picks.tolist()):
            paths.append(_walk_back(pred, leaves[i], int(root)))
    return paths


def within_county(
    paths: list[np.ndarray], county_of: Callable[[np.ndarray], np.ndarray]
) -> list[tuple[str, np.ndarray]]:
    """(county code, path) of township road paths: the county of a path's first node (its township
    seat), the path cut where it leaves that county (a 乡道 belongs to one county). `county_of` gives
    the county codes of lattice nodes."""
    if not paths:
        return []
    county = county_of(np.concatenate(paths))
    out: list[tuple[str, np.ndarray]] = []
    at = 0
    for path in paths:
        mine = county[at : at + len(path)]
        at += len(path)
        leaves = np.flatnonzero(mine != mine[0])
        kept = path[: leaves[0]] if len(leaves) else path
        if len(kept) >= 2:
            out.append((str(mine[0]), kept))
    return out


def number_within_counties(routes: list[tuple[str, Route]], letter: str) -> None:
    """Number routes as Hunan's road database numbers county, township and village roads: the letter and
    three digits within each county (GB/T 917-2017; gis/roads.py), 001, 002 … in the order given, counting
    only routes that carry road of their own (a route wholly co-signed with a more important one has none)."""
    seen: dict[str, int] = {}
    for county, route in routes:
        if route.edges:
            seen[county] = n = seen.get(county, 0) + 1
            route.code = f"{letter}{n:03d}"
            route.county = county

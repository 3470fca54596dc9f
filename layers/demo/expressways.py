"""Expressways: smooth routes between seats, dual carriageways with stakes, interchanges and ramps.

Each route's centreline is stake-numbered in metres. The forward carriageway (increasing stakes) runs
7.5 m to the right of it, the backward one 7.5 m to the left, each digitised in its direction of
travel and split at ramps, bridges, tunnels and at least every 3 km. An interchange has a diverge and
a merge node on each carriageway, four one-way ramps to a toll plaza beside the road, and a two-way
connector from the plaza to the local network: the only places where expressways meet other roads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import cKDTree

from layers.demo.corridors import osm_lines
from layers.demo.geo import Projection, bezier, curved_lines, pair_lengths_m, ragged
from layers.demo.names import OSM, OSM_REVERSED, PlaceNamer, RoutePlan
from layers.demo.network import NetworkBuilder

HALF_WIDTH_M = 7.5  # carriageway centre lines 15 m apart
RAMP_M = 300.0  # diverge/merge this far before/after the interchange centre
CONNECTOR_GAP_M = 8.0  # the two one-way lines of a connector at a route's end, apart
MAX_PIECE_M = 3000.0
STEP_M = 200.0  # vertex spacing of the centreline


def mountainous(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Roughly the Wuling, Xuefeng, Nanling and Luoxiao mountain areas of Hunan."""
    lon, lat = np.asarray(lon), np.asarray(lat)
    return (lon < 111.2) | (lat < 25.9) | ((lon > 113.55) & (lat < 27.3))


@dataclass
class Interchange:
    """An interchange: where it is on its route, its name and its toll plaza."""

    code: str
    stake_m: float
    name: str  # '<place>互通'
    place: str
    toll_node: int
    connector: int  # segment from the toll plaza to the local network


@dataclass
class Structure:
    """A bridge or tunnel section of an expressway."""

    code: str
    kind: str
    start_m: float
    end_m: float


@dataclass
class ExpresswayRun:
    """A continuous stretch of one expressway inside the area: centreline vertices and their stakes."""

    code: str
    name: str
    centre: np.ndarray
    stake: np.ndarray
    lanes: int

    def point_at(self, stake_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(points, unit tangents) on the centreline at the given stakes."""
        s = np.atleast_1d(stake_m)
        pts = np.column_stack(
            [np.interp(s, self.stake, self.centre[:, 0]), np.interp(s, self.stake, self.centre[:, 1])]
        )
        i = np.clip(np.searchsorted(self.stake, s) - 1, 0, len(self.stake) - 2)
        t = self.centre[i + 1] - self.centre[i]
        return pts, t / np.hypot(t[:, 0], t[:, 1])[:, None]

    def between(self, a: float, b: float) -> np.ndarray:
        """Centreline vertices from stake a to stake b (a < b)."""
        inner = (self.stake > a + 1.0) & (self.stake < b - 1.0)
        ends, _ = self.point_at(np.array([a, b]))
        return np.vstack([ends[:1], self.centre[inner], ends[1:]])

    def carriageway(self, a: float, b: float, *, backward: bool) -> np.ndarray:
        """Vertices of one carriageway from stake a to stake b (a < b), in its direction of travel."""
        centre = self.between(a, b)
        t = np.gradient(centre, axis=0)
        t /= np.hypot(t[:, 0], t[:, 1])[:, None]
        right = np.column_stack([t[:, 1], -t[:, 0]])
        return (centre - HALF_WIDTH_M * right)[::-1] if backward else centre + HALF_WIDTH_M * right


@dataclass
class Expressways:
    """What the expressway builder made, for the facilities and hazards placed along it."""

    runs: list[ExpresswayRun] = field(default_factory=list)
    interchanges: list[Interchange] = field(default_factory=list)
    structures: list[Structure] = field(default_factory=list)
    service_areas: list[tuple[str, float, str]] = field(default_factory=list)  # (code, stake_m, name)
    segments: dict[str, list[np.ndarray]] = field(default_factory=dict)  # code -> [seg, start, end]
    hubs: list[tuple[str, float, str]] = field(default_factory=list)  # (code, stake_m, name)


@dataclass
class RunNodes:
    """The nodes of a run another road joins: its ends and its hub diverges and merges."""

    start: tuple[int, int]  # (arriving, leaving) at its first stake
    end: tuple[int, int]  # (arriving, leaving) at its last stake
    hubs: dict[float, tuple[tuple[int, int], tuple[int, int], str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Hub:
    """A hub interchange (枢纽互通): run `a` at stake `a_m` meets run `b` at `b_m`.

    kind 'cross': both run on through it; kind 'start'/'end': run `a` begins or ends there, short of `b`.
    """

    kind: str
    a: int
    a_m: float
    b: int
    b_m: float
    point: tuple[float, float]  # LCC


HUB_REACH_M = 3000.0  # a route end this close to another route joins it at a hub
HUB_GAP_M = 1500.0  # closer hubs on one run are one hub


def _stake_of(run: ExpresswayRun, point: shapely.Point) -> float:
    line = shapely.linestrings(run.centre)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(run.centre, axis=0).T))])
    return round(float(np.interp(shapely.line_locate_point(line, point), cum, run.stake)), 2)


def find_hubs(runs: list[ExpresswayRun]) -> list[Hub]:
    """Where runs of different routes cross (no shared vertex needed) or where one ends short of another."""
    lines = [shapely.linestrings(r.centre) for r in runs]
    hubs: list[Hub] = []
    taken: dict[int, list[float]] = {}

    def free(i: int, m: float, *, through: bool) -> bool:
        run = runs[i]
        if through and not (run.stake[0] + 1000.0 < m < run.stake[-1] - 1000.0):
            return False
        return all(abs(m - q) > HUB_GAP_M for q in taken.get(i, []))

    def add(hub: Hub) -> None:
        hubs.append(hub)
        taken.setdefault(hub.a, []).append(hub.a_m)
        taken.setdefault(hub.b, []).append(hub.b_m)

    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            if runs[i].code == runs[j].code:
                continue
            cross = shapely.get_parts(shapely.intersection(lines[i], lines[j]))
            for p in cross:
                if not isinstance(p, shapely.Point):
                    continue
                mi, mj = _stake_of(runs[i], p), _stake_of(runs[j], p)
                if free(i, mi, through=True) and free(j, mj, through=True):
                    add(Hub("cross", i, mi, j, mj, (p.x, p.y)))
    joined: set[tuple[int, int]] = set()
    for i, run in enumerate(runs):
        for kind, end in (("start", run.centre[0]), ("end", run.centre[-1])):
            p = shapely.Point(*end)
            best = None
            for j, line in enumerate(lines):
                if runs[j].code == run.code or (j, i) in joined:
                    continue
                d = shapely.distance(line, p)
                if d < HUB_REACH_M and (best is None or d < best[0]):
                    best = (d, j)
            if best is None:
                continue
            j = best[1]
            m = float(run.stake[0] if kind == "start" else run.stake[-1])
            mj = _stake_of(runs[j], p)
            if free(i, m, through=False) and free(j, mj, through=True):
                add(Hub(kind, i, m, j, mj, (float(end[0]), float(end[1]))))
                joined.add((i, j))
    return hubs


def _centreline(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A smooth meandering line through `points` (LCC), resampled every STEP_M metres."""
    pieces = []
    for i in range(len(points) - 1):
        a, b = points[i], points[i + 1]
        d = b - a
        length = float(np.hypot(*d))
        n = max(int(length / 100.0), 2)
        t = np.linspace(0.0, 1.0, n + 1)
        normal = np.array([-d[1], d[0]]) / max(length, 1.0)
        weights = rng.normal(0.0, 1.0, 3) / np.arange(1, 4)
        bend = sum(w * np.sin((k + 1) * np.pi * t) for k, w in enumerate(weights))
        amp = min(0.035 * length, 2500.0)
        line = a + t[:, None] * d + (amp * np.clip(bend, -1.5, 1.5))[:, None] * normal
        pieces.append(line if i == 0 else line[1:])
    dense = np.vstack(pieces)
    smooth = gaussian_filter1d(dense, sigma=12.0, axis=0, mode="nearest")
    smooth[0], smooth[-1] = dense[0], dense[-1]
    step = np.hypot(*np.diff(smooth, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(step)])
    s = np.linspace(0.0, cum[-1], max(int(cum[-1] / STEP_M), 1) + 1)
    return np.column_stack([np.interp(s, cum, smooth[:, 0]), np.interp(s, cum, smooth[:, 1])])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) vertex indices of the runs of True in `mask`."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _resample(line: np.ndarray) -> np.ndarray:
    """`line` (LCC) with vertices every STEP_M metres along it."""
    step = np.hypot(*np.diff(line, axis=0).T)
    keep = np.concatenate([[True], step > 0.01])
    line, cum = line[keep], np.concatenate([[0.0], np.cumsum(step[step > 0.01])])
    s = np.linspace(0.0, cum[-1], max(int(cum[-1] / STEP_M), 1) + 1)
    return np.column_stack([np.interp(s, cum, line[:, 0]), np.interp(s, cum, line[:, 1])])


def plan_centreline(
    plan: RoutePlan,
    seat_xy: dict[str, np.ndarray],
    proj: Projection,
    province_xy: shapely.Geometry,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """The centreline (LCC, in the direction of rising stakes) of a plan: its OSM line where it has one,
    smooth meandering lines through its other waypoints."""
    snap = shapely.buffer(province_xy, -1500.0)
    pieces: list[np.ndarray] = []
    drawn: list[np.ndarray] = []  # waypoints of the drawn stretch under way

    def close_drawn() -> None:
        if len(drawn) >= 2:
            pieces.append(_centreline(np.array(drawn), rng))

    for wp in plan.waypoints:
        if wp in (OSM, OSM_REVERSED):
            line = osm_lines()[plan.code].lonlat
            xy = np.column_stack(proj.to_xy(line[:, 0], line[:, 1]))
            xy = xy[::-1] if wp == OSM_REVERSED else xy
            drawn.append(xy[0])
            close_drawn()
            pieces.append(_resample(xy))
            drawn = [xy[-1]]
        elif isinstance(wp, str):
            if wp not in seat_xy:
                continue
            # Expressways pass a few kilometres beside the towns they serve.
            angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(2500.0, 4500.0)
            drawn.append(seat_xy[wp] + dist * np.array([np.cos(angle), np.sin(angle)]))
        else:
            x, y = proj.to_xy(np.array([wp[0]]), np.array([wp[1]]))
            p = shapely.Point(x[0], y[0])
            if not snap.contains(p):
                p = shapely.ops.nearest_points(snap, p)[0]
            drawn.append(np.array([p.x, p.y]))
    close_drawn()
    if not pieces:
        return None
    return _resample(np.vstack(pieces))


def plan_runs(
    plan: RoutePlan,
    seat_xy: dict[str, np.ndarray],
    proj: Projection,
    province_xy: shapely.Geometry,
    inner_xy: shapely.Geometry,
    rng: np.random.Generator,
    *,
    lanes: int,
) -> list[ExpresswayRun]:
    """The stretches of an expressway plan that lie inside `inner_xy`, stake-numbered for the whole route."""
    centre = plan_centreline(plan, seat_xy, proj, province_xy, rng)
    if centre is None:
        return []
    lon, lat = proj.to_lonlat(centre[:, 0], centre[:, 1])
    stake = np.concatenate([[0.0], np.cumsum(pair_lengths_m(lon[:-1], lat[:-1], lon[1:], lat[1:]))])
    if plan.anchor and plan.anchor[0] in seat_xy:
        nearest = int(np.argmin(np.hypot(*(centre - seat_xy[plan.anchor[0]]).T)))
        stake += plan.anchor[1] - stake[nearest]
    stake = np.round(stake, 2)
    runs = []
    for a, b in _runs(shapely.contains_xy(inner_xy, centre[:, 0], centre[:, 1])):
        if b - a >= 2 and stake[b] - stake[a] >= 8000.0:
            runs.append(ExpresswayRun(plan.code, plan.name, centre[a : b + 1], stake[a : b + 1], lanes))
    return runs


def _intervals(
    rng: np.random.Generator,
    lo: float,
    hi: float,
    count: int,
    lengths: tuple[float, float],
    taken: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """Up to `count` random non-overlapping intervals in [lo, hi] avoiding (and added to) `taken`."""
    found = []
    for _ in range(count):
        length = rng.uniform(*lengths)
        if hi - lo <= length:
            continue
        a = rng.uniform(lo, hi - length)
        b = a + length
        if any(a < t1 + 200 and b > t0 - 200 for t0, t1 in taken):
            continue
        taken.append((a, b))
        found.append((a, b))
    return found


class ExpresswayBuilder:
    """Adds expressway carriageways, interchanges, ramps and connectors to a NetworkBuilder."""

    def __init__(
        self,
        builder: NetworkBuilder,
        proj: Projection,
        area_ll: shapely.Geometry,
        local_xy: np.ndarray,
        local_ll: np.ndarray,
        namer: PlaceNamer,
        rng: np.random.Generator,
    ) -> None:
        self.builder = builder
        self.proj = proj
        self.area_ll = area_ll
        self.local_xy = local_xy
        self.local_tree = cKDTree(local_xy)
        self.namer = namer
        self.rng = rng
        self.out = Expressways()
        self.local_ll = local_ll
        # Coordinates of the nodes made here (local nodes are builder indices 0 … len(local_xy) - 1).
        self._node_xy: dict[int, np.ndarray] = {}
        self._node_ll: dict[int, np.ndarray] = {}

    def _lonlat(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack(self.proj.to_lonlat(xy[:, 0], xy[:, 1]))

    def _nodes(self, xy: np.ndarray, **kwargs: object) -> np.ndarray:
        """Add nodes and remember their coordinates for the segments that end at them."""
        ll = self._lonlat(xy)
        ids = self.builder.add_nodes(xy, ll, **kwargs)  # type: ignore[arg-type]
        for i, node in enumerate(ids.tolist()):
            self._node_xy[node] = xy[i]
            self._node_ll[node] = ll[i]
        return ids

    def _ll(self, node: int) -> np.ndarray:
        return self.local_ll[node] if node < len(self.local_ll) else self._node_ll[node]

    def _segments(self, src: np.ndarray, dst: np.ndarray, parts: list[np.ndarray], **columns: object) -> np.ndarray:
        """Add segments whose end vertices are exactly their nodes' lon/lat."""
        coords, offsets = ragged(parts)
        coords_ll = self._lonlat(coords)
        coords_ll[offsets[:-1]] = [self._ll(int(n)) for n in src]
        coords_ll[offsets[1:] - 1] = [self._ll(int(n)) for n in dst]
        return self.builder.add_segments(src, dst, coords, coords_ll, offsets, **columns)

    def add_run(
        self,
        run: ExpresswayRun,
        seat_points: list[np.ndarray],
        hub_stakes: tuple[float, ...] = (),
        joined_ends: tuple[bool, bool] = (False, False),
    ) -> RunNodes:
        """Carriageways, structures, interchanges and service areas of one stretch.

        Hub stakes get diverge and merge nodes but no toll plaza (add_hubs joins them); ends in
        `joined_ends` (start, end) join a hub instead of the local network.
        """
        rng = self.rng
        s0, s1 = float(run.stake[0]), float(run.stake[-1])
        self.out.runs.append(run)
        hubs = sorted(round(q, 2) for q in hub_stakes if s0 + RAMP_M < q < s1 - RAMP_M)

        # Interchanges every 10–30 km, plus one near each seat the stretch passes.
        spots = []
        pos = s0 + rng.uniform(3000.0, 8000.0)
        while pos < s1 - 3000.0:
            spots.append(pos)
            pos += rng.uniform(10_000.0, 30_000.0)
        for p in seat_points:
            d = np.hypot(*(run.centre - p).T)
            i = int(np.argmin(d))
            far_from_others = not spots or min(abs(run.stake[i] - q) for q in spots) > 5000.0
            if d[i] < 8000.0 and s0 + 2000.0 < run.stake[i] < s1 - 2000.0 and far_from_others:
                spots.append(float(run.stake[i]))
        spots = [q for q in spots if all(abs(q - h) > 2500.0 for h in hubs)]
        if not spots and not hubs:
            spots.append((s0 + s1) / 2)  # every stretch reaches the local network somewhere
        spots = sorted(spots)
        ic_stakes: list[float] = []
        for q in spots:
            if not ic_stakes or q - ic_stakes[-1] > 2500.0:
                ic_stakes.append(round(q, 2))

        taken = [(q - 800.0, q + 800.0) for q in ic_stakes + hubs]
        length_km = (s1 - s0) / 1000.0
        bridges = _intervals(rng, s0 + 500, s1 - 500, int(rng.poisson(length_km / 7.0)), (120.0, 900.0), taken)
        bridges += _intervals(rng, s0 + 500, s1 - 500, int(rng.poisson(length_km / 60.0)), (900.0, 2200.0), taken)
        tunnels = []
        for a, b in _intervals(rng, s0 + 500, s1 - 500, int(rng.poisson(length_km / 10.0)), (300.0, 3500.0), taken):
            mid, _ = run.point_at(np.array([(a + b) / 2]))
            lon, lat = self.proj.to_lonlat(mid[:, 0], mid[:, 1])
            if mountainous(lon, lat)[0]:
                tunnels.append((a, b))
        self.out.structures += [Structure(run.code, "bridge", round(a, 2), round(b, 2)) for a, b in bridges]
        self.out.structures += [Structure(run.code, "tunnel", round(a, 2), round(b, 2)) for a, b in tunnels]

        cuts = {s0, s1}
        for q in ic_stakes + hubs:
            cuts |= {round(q - RAMP_M, 2), round(q + RAMP_M, 2)}
        for a, b in bridges + tunnels:
            cuts |= {round(a, 2), round(b, 2)}
        splits = np.array(sorted(cuts))
        more = []
        for a, b in zip(splits[:-1], splits[1:], strict=True):
            n = int(np.ceil((b - a) / MAX_PIECE_M))
            more += list(a + (b - a) * np.arange(1, n) / n)
        splits = np.unique(np.round(np.concatenate([splits, more]), 2))

        # Carriageway vertices: the centreline shifted right (forward) and left (backward).
        _, tangent = run.point_at(run.stake)
        right = np.column_stack([tangent[:, 1], -tangent[:, 0]])
        fwd_line = run.centre + HALF_WIDTH_M * right
        bwd_line = run.centre - HALF_WIDTH_M * right

        def at(line: np.ndarray, s: np.ndarray) -> np.ndarray:
            return np.column_stack([np.interp(s, run.stake, line[:, 0]), np.interp(s, run.stake, line[:, 1])])

        fwd_xy, bwd_xy = at(fwd_line, splits), at(bwd_line, splits)
        ic_index = {}
        for k, q in enumerate(ic_stakes):
            ic_index[round(q - RAMP_M, 2)] = k
            ic_index[round(q + RAMP_M, 2)] = k
        places = [self.namer.unique(run.point_at(np.array([q]))[0][0]) for q in ic_stakes]
        hub_places = [self.namer.unique(run.point_at(np.array([q]))[0][0]) for q in hubs]
        hub_index = {}
        for k, q in enumerate(hubs):
            hub_index[round(q - RAMP_M, 2)] = k
            hub_index[round(q + RAMP_M, 2)] = k
        node_names = [
            f"{places[ic_index[s]]}互通"
            if s in ic_index
            else (f"{hub_places[hub_index[s]]}枢纽互通" if s in hub_index else None)
            for s in splits.tolist()
        ]
        is_ic = np.array([s in ic_index for s in splits.tolist()])
        fwd_nodes = self._nodes(fwd_xy, interchange=is_ic, names=node_names)
        bwd_nodes = self._nodes(bwd_xy, interchange=is_ic, names=node_names)

        fwd_parts, bwd_parts, bridge, tunnel, mids = [], [], [], [], []
        for j in range(len(splits) - 1):
            a, b = splits[j], splits[j + 1]
            inner = (run.stake > a + 1.0) & (run.stake < b - 1.0)
            fwd_parts.append(np.vstack([fwd_xy[j], fwd_line[inner], fwd_xy[j + 1]]))
            bwd_parts.append(np.vstack([bwd_xy[j], bwd_line[inner], bwd_xy[j + 1]])[::-1])
            m = (a + b) / 2
            bridge.append(any(x0 <= m <= x1 for x0, x1 in bridges))
            tunnel.append(any(x0 <= m <= x1 for x0, x1 in tunnels))
            mids.append(m)
        mid_xy, _ = run.point_at(np.array(mids))
        lon, lat = self.proj.to_lonlat(mid_xy[:, 0], mid_xy[:, 1])
        maxspeed = np.where(mountainous(lon, lat), 100, 120)
        name = f"{run.code}{run.name}"
        common = {
            "road_class": "expressway",
            "route_code": run.code,
            "name": name,
            "oneway": True,
            "lanes": run.lanes,
            "maxspeed_kmh": maxspeed,
            "bridge": np.array(bridge),
            "tunnel": np.array(tunnel),
        }
        f_seg = self._segments(
            fwd_nodes[:-1], fwd_nodes[1:], fwd_parts, start_stake_m=splits[:-1], end_stake_m=splits[1:], **common
        )
        b_seg = self._segments(
            bwd_nodes[1:], bwd_nodes[:-1], bwd_parts, start_stake_m=splits[1:], end_stake_m=splits[:-1], **common
        )
        store = self.out.segments.setdefault(run.code, [np.zeros(0, np.int64), np.zeros(0), np.zeros(0)])
        store[0] = np.concatenate([store[0], f_seg, b_seg])
        store[1] = np.concatenate([store[1], splits[:-1], splits[1:]])
        store[2] = np.concatenate([store[2], splits[1:], splits[:-1]])

        pos_of = {s: j for j, s in enumerate(splits.tolist())}
        for k, q in enumerate(ic_stakes):
            j_up, j_down = pos_of[round(q - RAMP_M, 2)], pos_of[round(q + RAMP_M, 2)]
            self._interchange(
                run, q, places[k], (fwd_nodes[j_up], fwd_nodes[j_down]), (bwd_nodes[j_down], bwd_nodes[j_up])
            )

        if not joined_ends[0]:
            self._terminal(run.centre[0], bwd_nodes[0], fwd_nodes[0])
        if not joined_ends[1]:
            self._terminal(run.centre[-1], fwd_nodes[-1], bwd_nodes[-1])
        nodes = RunNodes(start=(int(bwd_nodes[0]), int(fwd_nodes[0])), end=(int(fwd_nodes[-1]), int(bwd_nodes[-1])))
        for k, q in enumerate(hubs):
            j_up, j_down = pos_of[round(q - RAMP_M, 2)], pos_of[round(q + RAMP_M, 2)]
            nodes.hubs[q] = (
                (int(fwd_nodes[j_up]), int(bwd_nodes[j_down])),  # diverges (forward, backward)
                (int(fwd_nodes[j_down]), int(bwd_nodes[j_up])),  # merges
                hub_places[k],
            )

        # Service areas about every 50 km, away from the interchanges.
        pos = s0 + rng.uniform(15_000.0, 35_000.0)
        while pos < s1 - 5000.0:
            while any(abs(pos - q) <= 2500.0 for q in ic_stakes + hubs):
                pos += 1000.0
            if pos < s1 - 5000.0:
                place = self.namer.base(run.point_at(np.array([pos]))[0][0])
                self.out.service_areas.append((run.code, round(pos, 2), f"{place}服务区"))
            pos += rng.uniform(40_000.0, 60_000.0)
        return nodes

    def add_hubs(self, hubs: list[Hub], nodes: list[RunNodes]) -> None:
        """Ramps of the hub interchanges between the carriageways (no toll plaza: 枢纽互通)."""
        src, dst, shapes, names = [], [], [], []
        xy = self._node_xy
        for hub in hubs:
            centre = np.array(hub.point)
            b_div, b_merge, place = nodes[hub.b].hubs[round(hub.b_m, 2)]
            if hub.kind == "cross":
                a_div, a_merge, _ = nodes[hub.a].hubs[round(hub.a_m, 2)]
                pairs = [(d, m) for d in a_div for m in b_merge] + [(d, m) for d in b_div for m in a_merge]
            else:
                arriving, leaving = nodes[hub.a].start if hub.kind == "start" else nodes[hub.a].end
                pairs = [(arriving, m) for m in b_merge] + [(d, leaving) for d in b_div]
            for d, m in pairs:
                mid = (xy[d] + xy[m]) / 2
                src.append(d)
                dst.append(m)
                shapes.append(bezier(xy[d], 0.5 * (mid + centre), xy[m]))
                names.append(f"{place}枢纽互通匝道")
            self.out.hubs.append((self.out.runs[hub.b].code, hub.b_m, f"{place}枢纽互通"))
        if src:
            self._segments(np.array(src), np.array(dst), shapes, road_class="link", name=names, oneway=True, lanes=1)

    def _interchange(
        self, run: ExpresswayRun, stake: float, place: str, fwd: tuple[int, int], bwd: tuple[int, int]
    ) -> None:
        """Toll plaza, four ramps and the connector to the nearest reachable local node."""
        c, t = run.point_at(np.array([stake]))
        c, t = c[0], t[0]
        right = np.array([t[1], -t[0]])
        d = self.rng.uniform(350.0, 650.0)
        sides = [1.0, -1.0] if self.rng.random() < 0.5 else [-1.0, 1.0]
        for side in sides:
            plaza = c + side * d * right
            ll = self._lonlat(plaza[None, :])
            if not shapely.contains_xy(self.area_ll, ll[0, 0], ll[0, 1]):
                continue
            reach = self._reach_local(plaza)
            if reach is not None:
                self._build_interchange(run, stake, place, fwd, bwd, c, t, side * right, d, plaza, *reach)
                return

    def _reach_local(self, point: np.ndarray) -> tuple[int, np.ndarray] | None:
        """A nearby local node (200 m – 4 km) and the shape of a link to it that stays inside the area."""
        _, near = self.local_tree.query(point, k=8)
        for node in np.atleast_1d(near).tolist():
            target = self.local_xy[node]
            shape = curved_lines(point[None, :], target[None, :], 3, self.rng.normal(0, 0.04, (1, 2)))[0]
            line = shapely.linestrings(self._lonlat(shape))
            if 200.0 < np.hypot(*(target - point)) < 4000.0 and shapely.covers(self.area_ll, line):
                return int(node), shape
        return None

    def _terminal(self, point: np.ndarray, arriving: int, leaving: int) -> None:
        """Where a stretch ends (border, end of route), the carriageways turn into the local network."""
        reach = self._reach_local(point)
        if reach is None:
            return
        node, shape = reach
        into, out = shape.copy(), shape[::-1].copy()
        into[0], out[-1] = self._node_xy[arriving], self._node_xy[leaving]
        # the way out is drawn 8 m beside the way in, as two carriageways: lines sharing an inner vertex
        # would meet there (a road import joins them: a U-turn halfway along the connector)
        if len(out) > 2:
            step = np.gradient(out, axis=0)[1:-1]
            normal = np.column_stack([step[:, 1], -step[:, 0]]) / np.hypot(step[:, 0], step[:, 1])[:, None]
            out[1:-1] += CONNECTOR_GAP_M * normal
        name = f"{self.namer.base(point)}连接线"
        self._segments(
            np.array([arriving, node]),
            np.array([node, leaving]),
            [into, out],
            road_class="link",
            name=name,
            oneway=True,
            lanes=1,
        )

    def _build_interchange(
        self,
        run: ExpresswayRun,
        stake: float,
        place: str,
        fwd: tuple[int, int],
        bwd: tuple[int, int],
        c: np.ndarray,
        t: np.ndarray,
        v: np.ndarray,
        d: float,
        plaza: np.ndarray,
        local_node: int,
        connector_shape: np.ndarray,
    ) -> None:
        toll = int(self._nodes(plaza[None, :], names=[f"{place}收费站"])[0])

        def pt(u: float, w: float) -> np.ndarray:
            return c + u * t + w * v

        xy = self._node_xy
        ramps = [
            (fwd[0], toll, bezier(xy[fwd[0]], pt(-60.0, 0.3 * d), plaza)),
            (toll, fwd[1], bezier(plaza, pt(60.0, 0.3 * d), xy[fwd[1]])),
            (bwd[0], toll, bezier(xy[bwd[0]], pt(80.0, 0.45 * d), plaza)),
            (toll, bwd[1], bezier(plaza, pt(-80.0, 0.45 * d), xy[bwd[1]])),
        ]
        self._segments(
            np.array([r[0] for r in ramps]),
            np.array([r[1] for r in ramps]),
            [r[2] for r in ramps],
            road_class="link",
            name=f"{place}互通匝道",
            oneway=True,
            lanes=1,
        )
        connector = self._segments(
            np.array([toll]),
            np.array([local_node]),
            [connector_shape],
            road_class="link",
            name=f"{place}收费站连接线",
            lanes=2,
        )
        self.out.interchanges.append(Interchange(run.code, stake, f"{place}互通", place, toll, int(connector[0])))

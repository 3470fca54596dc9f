"""Generation of the synthetic network: areas and seats, local lattice, numbered routes, expressways."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from layers.demo.boundaries import (
    AdminArea,
    CmaStation,
    CountyLookup,
    Seat,
    find_seats,
    load_admin_areas,
    load_cma_stations,
    select_areas,
)
from layers.demo.expressways import ExpresswayBuilder, ExpresswayRun, Expressways, find_hubs, plan_runs
from layers.demo.geo import Projection, as_multipolygon
from layers.demo.lattice import Lattice, LatticeParams, build_lattice
from layers.demo.names import (
    EXPRESSWAYS,
    NATIONAL_ROADS,
    PlaceNamer,
    RoutePlan,
    short_name,
    street_names,
    town_names,
)
from layers.demo.network import Network, NetworkBuilder, RouteIndex
from layers.demo.routes import (
    Route,
    RouteLabeller,
    branch_routes,
    number_within_counties,
    pick_towns,
    place_chains,
    provincial_pairs,
    within_county,
)

# Hunan's 普通国省道 (national and provincial roads other than expressways): 31,000 km (end 2017, the
# latest figure found, layers/demo/data/README.md) on the province's 211,800 km².
TRUNK_KM_PER_KM2 = 31_000 / 211_800
PROVINCIAL_LINK_M = 25_000.0  # provincial roads through towns: from place to place at most this far apart
PROVINCIAL_LENGTH_M = (40_000.0, 120_000.0)  # straight length of one such road, drawn uniformly


@dataclass(frozen=True)
class DemoSize:
    """How much to generate."""

    cities: tuple[str, ...] | None  # None: the whole province
    lattice: LatticeParams
    town_spacing_m: float
    provincial_max_m: float
    # National plus provincial roads (普通国省道), km per km² of the area: provincial roads through the
    # towns are added until the numbered roads reach it (Hunan: ~31,000 km on 211,800 km², data README);
    # 0: none added.
    trunk_km_per_km2: float
    county_roads_per_seat: int
    township_roads_per_town: int
    min_cameras: int  # urban cameras are added until there are at least this many


SIZES: dict[str, DemoSize] = {
    # Rural lattice every 2.5 km (a diagonal in 55 % of its cells), its links cut into 6 village-road
    # segments: about 248,000 km of road in ~570,000 segments, 22,000 km of them town streets; provincial
    # roads through the towns until national and provincial roads reach Hunan's ~31,000 km; 6 county
    # roads per seat and 3 township roads per town (the totals against the statistics: data README).
    "province": DemoSize(
        None,
        LatticeParams(250.0, 10, 5500.0, 2200.0, diagonal_share=0.55, rural_pieces=6),
        9000.0,
        75_000.0,
        TRUNK_KM_PER_KM2,
        6,
        3,
        21_000,
    ),
    "small": DemoSize(
        ("430100", "430200", "430300"),
        LatticeParams(500.0, 8, 4500.0, 1800.0),
        9000.0,
        60_000.0,
        0.0,  # the tests' few cities keep their seat-to-seat provincial roads only
        3,
        1,
        0,
    ),
}


class Seeds:
    """Independent random streams per named part, so that one part's changes leave the others alone."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, part: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(part.encode())])


@dataclass
class DemoWorld:
    """Everything generated so far, for the facilities and hazards placed on it."""

    size: DemoSize
    areas: list[AdminArea]
    seats: list[Seat]
    stations: list[CmaStation]
    area_ll: shapely.Geometry
    proj: Projection
    counties: CountyLookup
    lattice: Lattice
    network: Network
    routes: list[Route]
    route_index: dict[str, RouteIndex]
    expressways: Expressways
    towns: np.ndarray  # lattice node indices
    town_names: list[str]
    seat_nodes: np.ndarray  # lattice node of each seat (same order as seats)
    n_local: int  # segments 0 … n_local - 1 are the local network's (lattice edges, cut)


def _area(areas: list[AdminArea], cities: tuple[str, ...] | None) -> shapely.Geometry:
    province = areas[0].geom
    if cities is None:
        return province
    union = shapely.union_all([a.geom for a in areas if a.level == "city"])
    area = as_multipolygon(shapely.intersection(union, province))
    if area is None:
        raise RuntimeError(f"cities {cities} do not overlap the province")
    return area


def generate_world(size: DemoSize, seed: int, step: Callable[[str], None]) -> DemoWorld:
    """Generate the road network of `size` (deterministic for a given seed)."""
    seeds = Seeds(seed)
    step("boundaries")
    all_areas = load_admin_areas()
    stations = load_cma_stations()
    all_seats = find_seats(all_areas, stations)
    areas = select_areas(all_areas, size.cities)
    codes = {a.adcode for a in areas}
    seats = [s for s in all_seats if s.adcode in codes]
    area_ll = _area(areas, size.cities)
    shapely.prepare(area_ll)
    proj = Projection()
    all_xy = np.column_stack(proj.to_xy(np.array([s.lon for s in all_seats]), np.array([s.lat for s in all_seats])))
    seat_xy_by_name = {s.name: all_xy[i] for i, s in enumerate(all_seats) if s.level != "province"}
    local = [i for i, s in enumerate(seats) if s.level != "province"]
    seat_xy = np.column_stack(proj.to_xy(np.array([s.lon for s in seats]), np.array([s.lat for s in seats])))
    radius = np.array(
        [size.lattice.city_radius_m if s.level == "city" else size.lattice.county_radius_m for s in seats]
    )

    step("local network")
    centres = [(float(seat_xy[i, 0]), float(seat_xy[i, 1]), float(radius[i])) for i in local]
    lattice = build_lattice(area_ll, proj, centres, size.lattice, seeds("lattice"))
    seat_nodes = cKDTree(lattice.xy).query(seat_xy)[1].astype(np.int64)

    step("numbered routes")
    labeller = RouteLabeller(lattice, seeds("weights"))
    node_of = {seats[i].name: int(seat_nodes[i]) for i in local}
    national_pairs: set[tuple[int, int]] = set()
    for plan in NATIONAL_ROADS:
        stops = [node_of[w] for w in plan.waypoints if isinstance(w, str) and w in node_of]
        stops = [n for k, n in enumerate(stops) if k == 0 or n != stops[k - 1]]
        if len(stops) >= 2:
            labeller.route_through(plan, "national", stops, _entry_stake(plan, node_of, seat_xy_by_name))
            national_pairs |= {(min(a, b), max(a, b)) for a, b in zip(stops[:-1], stops[1:], strict=True)}
    unique_nodes, first = np.unique(seat_nodes[local], return_index=True)
    pairs = provincial_pairs(
        unique_nodes,
        lattice.xy[unique_nodes],
        national_pairs,
        seeds("provincial"),
        min_m=10_000.0,
        max_m=size.provincial_max_m,
        share=0.8,
    )
    for k, (a, b) in enumerate(pairs):
        path = labeller.path(a, b)
        if path is not None:
            labeller.label(_provincial_code(k), f"{_provincial_code(k)}省道", "provincial", path)
    towns = pick_towns(lattice, seat_xy[local], radius[local], seeds("towns"), spacing_m=size.town_spacing_m)
    _provincial_through_towns(
        labeller, unique_nodes, towns, len(pairs), size.trunk_km_per_km2 * proj.geom_to_xy(area_ll).area / 1e6,
        seeds("provincial through towns"),
    )  # fmt: skip
    names_of_towns = town_names(seeds("town names"), len(towns))
    rural = np.flatnonzero(~lattice.urban)
    for i, path in enumerate(
        branch_routes(
            labeller,
            unique_nodes,
            size.county_roads_per_seat,
            limit=45_000.0,
            min_m=5000.0,
            candidates=towns,
            rng=seeds("county roads"),
        )
    ):
        labeller.label(f"X{i + 1:03d}", f"X{i + 1:03d}县道", "county", path)
    township_paths = branch_routes(
        labeller,
        towns,
        size.township_roads_per_town,
        limit=12_000.0,
        min_m=2500.0,
        candidates=rural,
        rng=seeds("township roads"),
    )
    counties = CountyLookup(areas)
    town_name = dict(zip(towns.tolist(), names_of_towns, strict=True))
    cut = within_county(township_paths, lambda nodes: counties.lookup(*lattice.lonlat[nodes].T))
    number_within_counties(
        [(c, labeller.label("Y", f"{town_name[int(path[0])][:-1]}乡道", "township", path)) for c, path in cut], "Y"
    )

    step("expressways")
    builder = NetworkBuilder()
    node_names: list[str | None] = [None] * len(lattice.xy)
    for node, name in zip(towns.tolist(), names_of_towns, strict=True):
        node_names[node] = name
    for i in local:
        node_names[int(seat_nodes[i])] = seats[i].name
    builder.add_nodes(lattice.xy, lattice.lonlat, names=node_names)
    n_local = _add_local_segments(
        builder,
        lattice,
        labeller,
        seat_xy[local],
        towns,
        names_of_towns,
        seeds("local attributes"),
        size.lattice.rural_pieces,
    )
    place_xy = np.vstack([lattice.xy[towns], all_xy[[i for i, s in enumerate(all_seats) if s.level != "province"]]])
    place_names = [n[:-1] for n in names_of_towns] + [short_name(s.name) for s in all_seats if s.level != "province"]
    is_seat = np.concatenate([np.zeros(len(towns), bool), np.ones(len(place_names) - len(towns), bool)])
    namer = PlaceNamer(place_xy, place_names, is_seat)
    eb = ExpresswayBuilder(builder, proj, area_ll, lattice.xy, lattice.lonlat, namer, seeds("interchanges"))
    province_xy = proj.geom_to_xy(areas[0].geom)
    inner_xy = shapely.buffer(proj.geom_to_xy(area_ll), -1000.0)
    shapely.prepare(inner_xy)
    runs: list[ExpresswayRun] = []
    for plan in EXPRESSWAYS:
        runs += plan_runs(
            plan,
            seat_xy_by_name,
            proj,
            province_xy,
            inner_xy,
            seeds(f"expressway {plan.code}"),
            lanes=3 if plan.code == "G4" else 2,
        )
    hubs = find_hubs(runs)
    seat_points = list(seat_xy_by_name.values())
    run_nodes = []
    for i, run in enumerate(runs):
        stakes = tuple(h.b_m for h in hubs if h.b == i) + tuple(h.a_m for h in hubs if h.a == i and h.kind == "cross")
        joined = (
            any(h.a == i and h.kind == "start" for h in hubs),
            any(h.a == i and h.kind == "end" for h in hubs),
        )
        run_nodes.append(eb.add_run(run, seat_points, stakes, joined))
    eb.add_hubs(hubs, run_nodes)

    step("network columns")
    network = builder.build(counties)
    route_index: dict[str, RouteIndex] = {}
    for route in labeller.routes:
        if route.edges and route.road_class != "township":  # township numbers repeat from county to county
            route_index[route.code] = RouteIndex.from_segments(
                np.array(route.edges), np.array(route.start_m), np.array(route.end_m)
            )
    for code, (seg, start, end) in eb.out.segments.items():
        route_index[code] = RouteIndex.from_segments(seg, start, end)
    return DemoWorld(
        size,
        areas,
        seats,
        stations,
        area_ll,
        proj,
        counties,
        lattice,
        network,
        labeller.routes,
        route_index,
        eb.out,
        towns,
        names_of_towns,
        seat_nodes,
        n_local,
    )


def _provincial_code(k: int) -> str:
    """The k-th provincial road's code: S201…S299, then S301 on (three digits, as Hunan numbers them)."""
    return f"S{201 + k}" if k < 99 else f"S{301 + k - 99}"


def _provincial_through_towns(
    labeller: RouteLabeller,
    seats: np.ndarray,
    towns: np.ndarray,
    first: int,
    target_km: float,
    rng: np.random.Generator,
) -> None:
    """Provincial roads from the seats through the towns (place_chains) until the national and
    provincial roads reach `target_km`; they take the lattice edges no earlier route holds."""
    if target_km <= 0:
        return
    lengths = labeller.lattice.lengths_m
    trunk = sum(float(lengths[r.edges].sum()) for r in labeller.routes if r.road_class in ("national", "provincial"))
    places = np.concatenate([seats, towns])
    is_seat = np.concatenate([np.ones(len(seats), dtype=bool), np.zeros(len(towns), dtype=bool)])
    k = first
    for chain in place_chains(
        labeller.lattice.xy, places, is_seat, rng, max_link_m=PROVINCIAL_LINK_M, length_m=PROVINCIAL_LENGTH_M
    ):
        if trunk >= target_km * 1000.0 or k >= 99 + 699:  # S999 is the last three-digit code
            break
        plan = RoutePlan(_provincial_code(k), f"{_provincial_code(k)}省道", ())
        route = labeller.route_through(plan, "provincial", [int(n) for n in chain])
        if route is not None and route.edges:
            trunk += float(lengths[route.edges].sum())
            k += 1


ROAD_FACTOR = 1.25  # road length over straight distance between seats, for stakes of routes cut by the area


def _entry_stake(plan: RoutePlan, present: dict[str, int], seat_xy: dict[str, np.ndarray]) -> float:
    """The stake (m) of a national road at its first seat inside the area.

    `plan.anchor` gives the stake at its first seat in Hunan; seats the area leaves out before the first
    one present count their straight distance times ROAD_FACTOR, so that the small demo's stakes agree
    roughly with the province's.
    """
    if plan.anchor is None:
        return 0.0
    seats = [w for w in plan.waypoints if isinstance(w, str) and w in seat_xy]
    stake = plan.anchor[1]
    for a, b in zip(seats[:-1], seats[1:], strict=True):
        if a in present:
            break
        stake += ROAD_FACTOR * float(np.hypot(*(seat_xy[b] - seat_xy[a])))
    return round(stake, -3)  # whole kilometres


_LANES = {"national": 4, "provincial": 2, "county": 2, "township": 1}


def _add_local_segments(
    builder: NetworkBuilder,
    lattice: Lattice,
    labeller: RouteLabeller,
    seat_xy: np.ndarray,
    towns: np.ndarray,
    names_of_towns: list[str],
    rng: np.random.Generator,
    pieces_per_rural_edge: int = 1,
) -> int:
    """The lattice edges as segments: route attributes, street and village road names, stake direction.

    Rural edges are cut into `pieces_per_rural_edge` segments (the routes' edge lists become segment
    lists); returns the number of segments added."""
    e = len(lattice.edges)
    routes = labeller.routes
    has = labeller.route_of_edge >= 0
    road_class = np.where(lattice.urban_edge, "urban", "village").astype(object)
    route_code = np.full(e, None, dtype=object)
    name = np.full(e, None, dtype=object)
    lanes = np.where(lattice.urban_edge, np.where(lattice.grid_line % 8 < 2, 4, 2), 1)
    for i in np.flatnonzero(has).tolist():
        r = routes[labeller.route_of_edge[i]]
        road_class[i], route_code[i], name[i] = r.road_class, r.code, r.name
        lanes[i] = _LANES[r.road_class]
    # Streets take a name per grid line and town.
    streets = np.flatnonzero(lattice.urban_edge & ~has)
    if len(streets):
        town = cKDTree(seat_xy).query(lattice.xy[lattice.edges[streets, 0]])[1]
        keys = lattice.grid_line[streets] * 1000 + town
        uniq, inverse = np.unique(keys, return_inverse=True)
        name[streets] = np.array(street_names(rng, len(uniq)), dtype=object)[inverse]
    # Other rural roads are the village roads of the nearest township ('石塘镇村道').
    village = np.flatnonzero(~lattice.urban_edge & ~has)
    if len(village) and len(towns):
        nearest = cKDTree(lattice.xy[towns]).query(lattice.xy[lattice.edges[village, 0]])[1]
        name[village] = np.array([f"{t}村道" for t in names_of_towns], dtype=object)[nearest]
    # Segments run in the direction of increasing stake of their route.
    counts = np.diff(lattice.offsets)
    flip = labeller.flip
    vertex_seg = np.repeat(np.arange(e), counts)
    order = np.arange(len(lattice.coords))
    rev = flip[vertex_seg]
    order[rev] = lattice.offsets[vertex_seg[rev]] + lattice.offsets[vertex_seg[rev] + 1] - 1 - order[rev]
    src = np.where(flip, lattice.edges[:, 1], lattice.edges[:, 0])
    dst = np.where(flip, lattice.edges[:, 0], lattice.edges[:, 1])
    numbered = np.isin(road_class, ["national", "provincial"])
    bridge = numbered & (rng.random(e) < 0.012)
    coords, coords_ll = lattice.coords[order], lattice.coords_ll[order]
    pieces = _split_pieces(lattice, pieces_per_rural_edge)
    edge, v0, v1 = pieces.edge, pieces.first_vertex, pieces.last_vertex
    # Inner cut vertices become nodes; a piece ends where the next piece of its edge starts.
    inner = np.flatnonzero(pieces.index > 0)
    cut_nodes = builder.add_nodes(coords[v0[inner]], coords_ll[v0[inner]])
    p_src = src[edge].copy()
    p_src[inner] = cut_nodes
    p_dst = dst[edge].copy()
    p_dst[inner - 1] = cut_nodes
    # Stakes by the share of the edge's length up to each cut.
    step = np.concatenate([[0.0], np.hypot(*np.diff(coords, axis=0).T)])
    cum = np.cumsum(step)
    first, last = lattice.offsets[:-1][edge], lattice.offsets[1:][edge] - 1
    span = np.where(cum[last] > cum[first], cum[last] - cum[first], 1.0)
    f0, f1 = (cum[v0] - cum[first]) / span, (cum[v1] - cum[first]) / span
    a, b = labeller.start_m[edge], labeller.end_m[edge]
    start, end = np.round(a + f0 * (b - a), 2), np.round(a + f1 * (b - a), 2)
    counts = v1 - v0 + 1
    offsets = np.concatenate([[0], np.cumsum(counts)])
    vertex = np.repeat(v0, counts) + np.arange(offsets[-1]) - np.repeat(offsets[:-1], counts)
    middle = pieces.index == pieces.count // 2
    builder.add_segments(
        p_src,
        p_dst,
        coords[vertex],
        coords_ll[vertex],
        offsets,
        road_class=road_class[edge],
        route_code=route_code[edge],
        name=name[edge],
        lanes=lanes[edge],
        bridge=bridge[edge] & middle,
        start_stake_m=start,
        end_stake_m=end,
    )
    # Routes list their segments (no longer lattice edges) in travel order.
    first_piece = np.searchsorted(edge, np.arange(e))
    for route in routes:
        if not route.edges:
            continue
        ids = np.concatenate(
            [np.arange(first_piece[k], first_piece[k] + pieces.count[first_piece[k]]) for k in route.edges]
        )
        route.edges, route.start_m, route.end_m = ids.tolist(), start[ids].tolist(), end[ids].tolist()
    return len(edge)


@dataclass
class _Pieces:
    """The segments lattice edges are cut into: edge, piece index and count, vertex range (inclusive)."""

    edge: np.ndarray
    index: np.ndarray
    count: np.ndarray
    first_vertex: np.ndarray
    last_vertex: np.ndarray


def _split_pieces(lattice: Lattice, pieces: int) -> _Pieces:
    """Rural edges of 2 * pieces + 1 vertices into `pieces` segments of two steps; others whole."""
    counts = np.diff(lattice.offsets)
    n = np.where((pieces > 1) & (counts == 2 * pieces + 1), pieces, 1)
    edge = np.repeat(np.arange(len(counts)), n)
    index = np.arange(len(edge)) - np.repeat(np.cumsum(n) - n, n)
    split = n[edge] > 1
    v0 = lattice.offsets[:-1][edge] + np.where(split, 2 * index, 0)
    v1 = np.where(split, v0 + 2, lattice.offsets[1:][edge] - 1)
    return _Pieces(edge, index, n[edge], v0, v1)

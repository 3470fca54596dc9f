"""Facilities along the roads, with the uneven coverage real networks have (gaps for planners to find)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from gis.stake import format_stake
from layers.demo.geo import line_lengths_m
from layers.demo.hazards import Hazard
from layers.demo.names import traffic_police_unit
from layers.demo.points import PointTable, on_road, status_and_year

if TYPE_CHECKING:
    from layers.demo.generate import DemoWorld

CAMERA_KINDS = np.array(["video", "event_detection", "checkpoint", "speed"], dtype=object)
CAMERA_ZH = {"video": "视频监控", "event_detection": "事件检测", "checkpoint": "卡口", "speed": "测速"}


def _camera_names(prefix: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    return np.array([f"{p}{CAMERA_ZH[k]}" for p, k in zip(prefix.tolist(), kinds.tolist(), strict=True)], dtype=object)


def _stake_labels(codes: np.ndarray | str, stakes: np.ndarray) -> np.ndarray:
    codes = np.broadcast_to(np.asarray(codes, dtype=object), stakes.shape)
    return np.array(
        [f"{c} {format_stake(s)} " for c, s in zip(codes.tolist(), stakes.tolist(), strict=True)], dtype=object
    )


def _spaced(
    rng: np.random.Generator,
    lo: float,
    hi: float,
    first: tuple[float, float],
    step: tuple[float, float],
    gap_share: float = 0.0,
    gap: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Positions from lo to hi, random steps, with a share of longer gaps."""
    out = []
    pos = lo + rng.uniform(*first)
    while pos < hi:
        out.append(pos)
        pos += rng.uniform(*gap) if rng.random() < gap_share else rng.uniform(*step)
    return np.array(out)


class Incidence:
    """Local segments meeting at each node (to put cameras at junctions)."""

    def __init__(self, world: DemoWorld) -> None:
        net = world.network
        n_local = world.n_local
        ends = np.concatenate([net.src[:n_local], net.dst[:n_local]])
        segs = np.concatenate([np.arange(n_local), np.arange(n_local)])
        order = np.argsort(ends, kind="stable")
        self.segs = segs[order]
        self.ptr = np.searchsorted(ends[order], np.arange(len(net.node_xy) + 1))

    def pick(self, nodes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One random local segment at each node (-1 for nodes without any)."""
        deg = self.ptr[nodes + 1] - self.ptr[nodes]
        pick = self.ptr[nodes] + np.floor(rng.random(len(nodes)) * np.maximum(deg, 1)).astype(np.int64)
        return np.where(deg > 0, self.segs[np.minimum(pick, len(self.segs) - 1)], -1)


def _near_node(world: DemoWorld, nodes: np.ndarray, segs: np.ndarray, dist_m: np.ndarray) -> np.ndarray:
    """Fraction along `segs` at `dist_m` from the end at `nodes`."""
    net = world.network
    f = np.clip(dist_m / np.maximum(net.length_m[segs], 1.0), 0.0, 0.45)
    return np.where(net.src[segs] == nodes, f, 1.0 - f)


def cameras(world: DemoWorld, rng: np.random.Generator) -> PointTable:
    """Video, event-detection, checkpoint and speed cameras."""
    table = PointTable("cameras")
    net = world.network
    # Expressways: one every 1–2.4 km on one carriageway or the other, with some longer gaps.
    for run in world.expressways.runs:
        stakes = _spaced(
            rng,
            float(run.stake[0]),
            float(run.stake[-1]) - 200.0,
            (200.0, 1500.0),
            (1000.0, 2400.0),
            0.12,
            (2600.0, 9000.0),
        )
        back = rng.random(len(stakes)) < 0.5
        seg, frac = world.route_index[run.code].locate(stakes, backward=back)
        ok = seg >= 0
        kinds = CAMERA_KINDS[rng.choice(4, ok.sum(), p=[0.55, 0.33, 0.0, 0.12])]
        table.add(
            world,
            on_road(
                world,
                seg[ok],
                frac[ok],
                -5.0,
                kind=kinds,
                direction=np.where(back[ok], "backward", "forward").astype(object),
                name=_camera_names(_stake_labels(run.code, stakes[ok]), kinds),
                **status_and_year(rng, int(ok.sum()), 2012, 2019),
            ),
        )
    # A checkpoint at every toll plaza.
    ics = world.expressways.interchanges
    if ics:
        seg = np.array([ic.connector for ic in ics])
        frac = np.minimum(60.0 / np.maximum(net.length_m[seg], 1.0), 0.5)
        names = np.array([f"{ic.place}收费站" for ic in ics], dtype=object)
        kinds = np.full(len(ics), "checkpoint", dtype=object)
        table.add(
            world,
            on_road(
                world,
                seg,
                frac,
                4.0,
                kind=kinds,
                direction=None,
                name=_camera_names(names, kinds),
                **status_and_year(rng, len(ics), 2012, 2019),
            ),
        )
    # National and provincial roads: spacing between 5 and 60 km; a checkpoint on some county roads.
    for route in world.routes:
        if not route.edges or route.road_class not in ("national", "provincial", "county"):
            continue
        index = world.route_index[route.code]
        if route.road_class == "county":
            if rng.random() >= 0.3:
                continue
            stakes = np.array([rng.uniform(index.first_m, index.last_m)])
            kinds = np.array(["checkpoint"], dtype=object)
        else:
            stakes = _spaced(rng, index.first_m, index.last_m, (1000.0, 20_000.0), (5000.0, 60_000.0))
            kinds = CAMERA_KINDS[rng.choice(4, len(stakes), p=[0.5, 0.0, 0.35, 0.15])]
        seg, frac = index.locate(stakes)
        ok = seg >= 0
        side = np.where(rng.random(ok.sum()) < 0.5, 4.0, -4.0)
        table.add(
            world,
            on_road(
                world,
                seg[ok],
                frac[ok],
                side,
                kind=kinds[ok],
                direction=None,
                name=_camera_names(_stake_labels(route.code, stakes[ok]), kinds[ok]),
                **status_and_year(rng, int(ok.sum()), 2012, 2019),
            ),
        )
    incidence = Incidence(world)
    # Township seats: two or three cameras on the roads into town.
    per_town = rng.integers(2, 4, len(world.towns))
    _junction_cameras(
        world,
        table,
        incidence,
        np.repeat(world.towns, per_town),
        rng,
        np.repeat(np.array(world.town_names, dtype=object), per_town),
        [0.6, 0.0, 0.4, 0.0],
    )
    # Town streets: cameras at junctions until the wanted total is reached.
    urban = np.flatnonzero(world.lattice.urban)
    want = max(world.size.min_cameras - len(table), len(urban) // 5)
    nodes = np.sort(rng.choice(urban, min(want, len(urban)), replace=False))
    _junction_cameras(world, table, incidence, nodes, rng, None, [0.6, 0.1, 0.22, 0.08])
    return table


def _junction_cameras(
    world: DemoWorld,
    table: PointTable,
    incidence: Incidence,
    nodes: np.ndarray,
    rng: np.random.Generator,
    place: np.ndarray | None,
    p: list[float],
) -> None:
    net = world.network
    seg = incidence.pick(nodes, rng)
    ok = seg >= 0
    nodes, seg = nodes[ok], seg[ok]
    frac = _near_node(world, nodes, seg, rng.uniform(15.0, 60.0, len(seg)))
    kinds = CAMERA_KINDS[rng.choice(4, len(seg), p=p)]
    if place is None:
        street = net.name[seg]
        prefix = np.array([s if s else "" for s in street.tolist()], dtype=object)
    else:
        prefix = place[ok]
    side = np.where(rng.random(len(seg)) < 0.5, 3.0, -3.0)
    table.add(
        world,
        on_road(
            world,
            seg,
            frac,
            side,
            kind=kinds,
            direction=None,
            name=_camera_names(prefix, kinds),
            **status_and_year(rng, len(seg), 2012, 2019),
        ),
    )


def interval_sections(world: DemoWorld, rng: np.random.Generator) -> dict[str, list[object]]:
    """Interval speed sections: gantry pairs 5–20 km apart on expressways, a few on national roads."""
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "name",
            "route_code",
            "direction",
            "start_stake_m",
            "end_stake_m",
            "length_m",
            "speed_limit_kmh",
            "status",
            "install_year",
            "install_date",
            "retired_on",
            "line",
            "county_adcode",
        )
    }

    def add(name: str, code: str, direction: str, a: float, b: float, limit: int, xy: np.ndarray) -> None:
        ll = np.column_stack(world.proj.to_lonlat(xy[:, 0], xy[:, 1]))
        line = shapely.LineString(ll)
        if not shapely.covers(world.area_ll, line):
            return
        mid = ll[len(ll) // 2]
        sy = status_and_year(rng, 1, 2015, 2019)
        for k, v in (
            ("name", name),
            ("route_code", code),
            ("direction", direction),
            ("start_stake_m", round(a, 2)),
            ("end_stake_m", round(b, 2)),
            ("length_m", round(float(line_lengths_m(ll[:, 0], ll[:, 1], np.array([0, len(ll)]))[0]), 2)),
            ("speed_limit_kmh", limit),
            ("status", sy["status"][0]),
            ("install_year", sy["install_year"][0]),
            ("install_date", sy["install_date"][0]),
            ("retired_on", sy["retired_on"][0]),
            ("line", line),
            ("county_adcode", world.counties.lookup(mid[:1], mid[1:])[0]),
        ):
            rows[k].append(v)

    for run in world.expressways.runs:
        s0, s1 = float(run.stake[0]), float(run.stake[-1])
        for _ in range(int(rng.poisson((s1 - s0) / 70_000.0)) + int(rng.random() < 0.6)):
            length = rng.uniform(5000.0, 20_000.0)
            if s1 - s0 < length + 2000.0:
                continue
            a = rng.uniform(s0 + 1000.0, s1 - length - 1000.0)
            b = a + length
            backward = bool(rng.random() < 0.5)
            seg, _ = world.route_index[run.code].locate(np.array([a]), backward=backward)
            limit = int(world.network.maxspeed_kmh[seg[0]]) if seg[0] >= 0 else 120
            direction = "backward" if backward else "forward"
            lo, hi = (b, a) if backward else (a, b)
            add(
                f"{run.code} {format_stake(lo)}–{format_stake(hi)} 区间测速",
                run.code,
                direction,
                lo,
                hi,
                limit,
                run.carriageway(a, b, backward=backward),
            )
    net = world.network
    for route in world.routes:
        if route.road_class != "national" or len(route.edges) < 10 or rng.random() >= 0.5:
            continue
        i = int(rng.integers(len(route.edges) - 5))
        target = rng.uniform(5000.0, 12_000.0)
        edges = [route.edges[i]]
        while (
            route.end_m[i + len(edges) - 1] - route.start_m[i] < target
            and i + len(edges) < len(route.edges)
            and net.src[route.edges[i + len(edges)]] == net.dst[edges[-1]]
        ):
            edges.append(route.edges[i + len(edges)])
        a, b = route.start_m[i], route.end_m[i + len(edges) - 1]
        if b - a < 5000.0:
            continue
        xy = np.vstack(
            [net.coords[net.offsets[e] : net.offsets[e + 1]][(0 if k == 0 else 1) :] for k, e in enumerate(edges)]
        )
        add(f"{route.code} {format_stake(a)}–{format_stake(b)} 区间测速", route.code, "both", a, b, 80, xy)
    return rows


def toll_stations(world: DemoWorld) -> PointTable:
    """A toll station at every interchange's plaza, referenced to the expressway stake."""
    table = PointTable("toll_stations")
    net = world.network
    ics = world.expressways.interchanges
    if not ics:
        return table
    seg = np.array([ic.connector for ic in ics])
    batch = on_road(
        world,
        seg,
        np.minimum(40.0 / np.maximum(net.length_m[seg], 1.0), 0.3),
        0.0,
        name=[f"{ic.place}收费站" for ic in ics],
        entrances=True,
        exits=True,
    )
    batch["route_code"] = np.array([ic.code for ic in ics], dtype=object)
    batch["stake_m"] = np.array([ic.stake_m for ic in ics])
    table.add(world, batch)
    return table


def service_areas(world: DemoWorld) -> PointTable:
    """Service areas beside the forward carriageway."""
    table = PointTable("service_areas")
    for code, stake, name in world.expressways.service_areas:
        seg, frac = world.route_index[code].locate(np.array([stake]))
        if seg[0] >= 0:
            table.add(world, on_road(world, seg, frac, -80.0, name=[name]))
    return table


def enforcement_stations(world: DemoWorld, rng: np.random.Generator) -> PointTable:
    """Enforcement service points: 0–3 per county on national and provincial roads, a few on expressways."""
    table = PointTable("enforcement_stations")
    net = world.network
    numbered = np.flatnonzero(np.isin(net.road_class, ["national", "provincial"]))
    by_county: dict[str, list[int]] = {}
    for s, county in zip(numbered.tolist(), net.county[numbered].tolist(), strict=True):
        by_county.setdefault(county, []).append(s)
    area_names = {a.adcode: a.name for a in world.areas}
    for area in world.areas:
        segs = by_county.get(area.adcode, [])
        count = min(int(rng.choice(4, p=[0.2, 0.4, 0.3, 0.1])), len(segs))
        if not count:
            continue
        pick = np.sort(rng.choice(np.array(segs), count, replace=False))
        # Run by the county's traffic-police brigade: 衡山县公安局交通警察大队G107执法服务站.
        unit = traffic_police_unit(area.name, area.adcode, area_names)
        names = [f"{unit}{net.route_code[s]}执法服务站" for s in pick.tolist()]
        table.add(
            world,
            on_road(world, pick, np.full(count, 0.5), -35.0, name=names, **status_and_year(rng, count, 2016, 2019)),
        )
    ics = [ic for ic in world.expressways.interchanges if rng.random() < 0.08]
    if ics:
        seg = np.array([ic.connector for ic in ics])
        table.add(
            world,
            on_road(
                world,
                seg,
                np.full(len(ics), 0.5),
                30.0,
                name=[f"{ic.place}高速公路执法服务站" for ic in ics],
                **status_and_year(rng, len(ics), 2016, 2019),
            ),
        )
    return table


def guidance_signs(world: DemoWorld, hazards: list[Hazard], rng: np.random.Generator) -> PointTable:
    """Variable message signs before interchanges; fixed warning signs before hazard zones."""
    table = PointTable("guidance_signs")
    for ic in world.expressways.interchanges:
        index = world.route_index[ic.code]
        for back in (False, True):
            if rng.random() >= 0.65:
                continue
            upstream = rng.uniform(1300.0, 2300.0)
            stake = ic.stake_m + upstream if back else ic.stake_m - upstream
            seg, frac = index.locate(np.array([stake]), backward=back)
            if seg[0] >= 0:
                table.add(
                    world,
                    on_road(
                        world,
                        seg,
                        frac,
                        -8.0,
                        kind="variable_message",
                        direction="backward" if back else "forward",
                        name=[f"{ic.name}前可变情报板"],
                        status="active",
                        # gantry boards 2×12; every third a cantilever board 3×10 (as migration 021)
                        lines=3 if len(table) % 3 == 2 else 2,
                        chars_per_line=10 if len(table) % 3 == 2 else 12,
                    ),
                )
    for hz in hazards:
        if hz.from_m is None or hz.to_m is None or hz.route_code not in world.route_index or hz.kind == "blackspot":
            continue
        index = world.route_index[hz.route_code]
        ahead = rng.uniform(300.0, 800.0)
        stakes = np.array([hz.from_m - ahead, hz.to_m + ahead])
        backward = np.array([False, True]) if hz.expressway else np.array([False, False])
        seg, frac = index.locate(stakes, backward=backward)
        ok = seg >= 0
        side = np.where(hz.expressway, -8.0, np.array([-5.0, 5.0]))
        names = [f"{hz.name}警示标志"] * int(ok.sum())
        direction = np.where(backward, "backward", "forward").astype(object) if hz.expressway else None
        if ok.any():
            table.add(
                world,
                on_road(
                    world,
                    seg[ok],
                    frac[ok],
                    np.broadcast_to(side, (2,))[ok],
                    kind="fixed_warning",
                    lines=None,
                    chars_per_line=None,
                    name=names,
                    direction=direction[ok] if direction is not None else None,
                    status="active",
                ),
            )
    return table

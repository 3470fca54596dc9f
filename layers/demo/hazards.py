"""Hazard zones: fog and ice on expressways, dangerous places, black spots and congestion on other roads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from gis.stake import format_stake
from layers.demo.expressways import ExpresswayRun, mountainous
from layers.demo.geo import as_multipolygon

if TYPE_CHECKING:
    from layers.demo.generate import DemoWorld
    from layers.demo.routes import Route

# Published fog-prone sections (Hunan expressway traffic police, 2015; domain.md).
KNOWN_FOG = (("G4", 1_617_000.0, 1_638_000.0, "衡阳"), ("G60", 1_330_000.0, 1_339_000.0, "邵阳"))
KIND_ZH = {
    "fog": "团雾多发路段",
    "ice": "易结冰路段",
    "landslide": "落石塌方路段",
    "sharp_curve": "急弯路段",
    "steep_grade": "长陡下坡路段",
    "blackspot": "事故多发点",
    "congestion": "易拥堵路段",
}


@dataclass
class Hazard:
    """A hazard zone with the route stretch it covers (stakes) and its polygon in LCC metres."""

    kind: str
    name: str
    severity: int
    route_code: str | None
    from_m: float | None
    to_m: float | None
    shape_xy: shapely.Geometry
    expressway: bool

    def properties(self) -> dict[str, object]:
        """JSON properties: the stake range where there is one."""
        props: dict[str, object] = {"synthetic": True}
        if self.from_m is not None and self.to_m is not None:
            props |= {
                "from_stake_m": self.from_m,
                "to_stake_m": self.to_m,
                "from_stake": format_stake(self.from_m),
                "to_stake": format_stake(self.to_m),
            }
        return props

    def lonlat(self, world: DemoWorld) -> shapely.Geometry | None:
        """The zone as a lon/lat MultiPolygon clipped to the area (None when nothing is left)."""
        return as_multipolygon(shapely.intersection(world.proj.geom_to_lonlat(self.shape_xy), world.area_ll))


def _stake_name(code: str, a: float, b: float) -> str:
    return f"{code} K{int(a // 1000)}–K{int(np.ceil(b / 1000))}"


def _run_zone(
    run: ExpresswayRun, kind: str, a: float, b: float, severity: int, width_m: float, label: str = ""
) -> Hazard:
    line = shapely.LineString(run.between(a, b))
    name = f"{_stake_name(run.code, a, b)} {label or KIND_ZH[kind]}"
    return Hazard(kind, name, severity, run.code, round(a, 2), round(b, 2), line.buffer(width_m), True)


def _is_mountain(world: DemoWorld, xy: np.ndarray) -> np.ndarray:
    lon, lat = world.proj.to_lonlat(xy[:, 0], xy[:, 1])
    return mountainous(lon, lat)


def expressway_hazards(world: DemoWorld, rng: np.random.Generator) -> list[Hazard]:
    """Fog (incl. the published sections), ice on bridges and mountains, long grades, congestion."""
    out: list[Hazard] = []
    city_xy = [
        np.array(world.proj.to_xy(np.array([s.lon]), np.array([s.lat]))).ravel()
        for s in world.seats
        if s.level == "city"
    ]
    for run in world.expressways.runs:
        s0, s1 = float(run.stake[0]), float(run.stake[-1])
        fog: list[tuple[float, float]] = []
        for code, a, b, place in KNOWN_FOG:
            if code == run.code and s0 <= a and b <= s1:
                out.append(_run_zone(run, "fog", a, b, 5, 60.0, f"浓雾团雾高发路段（{place}）"))
                fog.append((a, b))
        for _ in range(max(1, int(rng.poisson((s1 - s0) / 60_000.0)))):
            length = rng.uniform(2000.0, 12_000.0)
            if s1 - s0 < length + 2000.0:
                break
            a = rng.uniform(s0 + 1000.0, s1 - length - 1000.0)
            if all(a > y + 3000.0 or a + length < x - 3000.0 for x, y in fog):
                fog.append((a, a + length))
                out.append(_run_zone(run, "fog", a, a + length, int(rng.integers(2, 6)), 60.0))
        for st in world.expressways.structures:
            if st.code != run.code or not (s0 <= st.start_m and st.end_m <= s1):
                continue
            if st.kind == "bridge" and rng.random() < (0.8 if st.end_m - st.start_m > 800 else 0.45):
                a, b = max(st.start_m - 100.0, s0), min(st.end_m + 100.0, s1)
                out.append(_run_zone(run, "ice", a, b, int(rng.integers(2, 5)), 50.0, "桥面易结冰"))
            if st.kind == "tunnel" and st.end_m - st.start_m > 1500 and rng.random() < 0.35 and st.end_m + 3500 < s1:
                out.append(_run_zone(run, "steep_grade", st.end_m, st.end_m + 3000.0, 3, 50.0))
        mountain = _is_mountain(world, run.centre)
        share = mountain.mean()
        for _ in range(int(rng.poisson(share * (s1 - s0) / 50_000.0))):
            i = int(rng.choice(np.flatnonzero(mountain)))
            a = float(run.stake[i])
            b = min(a + rng.uniform(2000.0, 6000.0), s1)
            if b - a > 500:
                out.append(_run_zone(run, "ice", a, b, int(rng.integers(2, 6)), 50.0, "山区易结冰路段"))
        for c in city_xy:
            d = np.hypot(*(run.centre - c).T)
            i = int(np.argmin(d))
            if d[i] < 12_000.0 and rng.random() < 0.5:
                a = max(float(run.stake[i]) - rng.uniform(1500.0, 3000.0), s0)
                b = min(float(run.stake[i]) + rng.uniform(1500.0, 3000.0), s1)
                out.append(_run_zone(run, "congestion", a, b, int(rng.integers(1, 4)), 50.0))
    return out


def _route_zone(world: DemoWorld, route: Route, kind: str, i: int, length_m: float, severity: int) -> Hazard | None:
    """A zone over the route's edges from its i-th edge on for about `length_m`."""
    net = world.network
    start = np.array(route.start_m)
    a = start[i]
    pick = np.flatnonzero((start >= a) & (start < a + length_m))
    if not len(pick):
        return None
    edges = np.array(route.edges)[pick]
    b = float(np.array(route.end_m)[pick].max())
    lines = shapely.multilinestrings(
        [shapely.LineString(net.coords[net.offsets[e] : net.offsets[e + 1]]) for e in edges.tolist()]
    )
    name = f"{_stake_name(route.code, a, b)} {KIND_ZH[kind]}"
    return Hazard(kind, name, severity, route.code, round(float(a), 2), round(b, 2), lines.buffer(40.0), False)


def road_hazards(world: DemoWorld, rng: np.random.Generator) -> list[Hazard]:
    """Landslides and ice in the mountains, sharp curves, black spots and congestion on numbered roads."""
    out: list[Hazard] = []
    net = world.network
    city_xy = np.array(
        [
            np.array(world.proj.to_xy(np.array([s.lon]), np.array([s.lat]))).ravel()
            for s in world.seats
            if s.level == "city"
        ]
    )
    for route in world.routes:
        if route.road_class not in ("national", "provincial", "county") or not route.edges:
            continue
        edges = np.array(route.edges)
        first = net.coords[net.offsets[edges]]
        length_km = (route.end_m[-1] - route.start_m[0]) / 1000.0
        mountain = _is_mountain(world, first)
        if route.road_class in ("national", "provincial") and mountain.any():
            for kind, per_km, span in (("landslide", 40.0, (1000.0, 3000.0)), ("ice", 60.0, (1000.0, 4000.0))):
                for _ in range(int(rng.poisson(mountain.mean() * length_km / per_km))):
                    zone = _route_zone(
                        world,
                        route,
                        kind,
                        int(rng.choice(np.flatnonzero(mountain))),
                        rng.uniform(*span),
                        int(rng.integers(2, 6)),
                    )
                    if zone:
                        out.append(zone)
        if route.road_class in ("provincial", "county"):
            for _ in range(int(rng.poisson(length_km / 40.0))):
                zone = _route_zone(
                    world, route, "sharp_curve", int(rng.integers(len(edges))), 100.0, int(rng.integers(1, 4))
                )
                if zone:
                    out.append(zone)
        if route.road_class == "national":
            for _ in range(int(rng.poisson(length_km / 25.0))):
                e = int(edges[rng.integers(len(edges))])
                node = net.node_xy[net.src[e]]
                stake = float(net.start_stake_m[e])
                out.append(
                    Hazard(
                        "blackspot",
                        f"{route.code} {format_stake(stake)} {KIND_ZH['blackspot']}",
                        int(rng.integers(2, 6)),
                        route.code,
                        stake,
                        stake,
                        shapely.Point(node).buffer(120.0),
                        False,
                    )
                )
        if route.road_class in ("national", "provincial") and len(city_xy):
            d = np.hypot(first[:, None, 0] - city_xy[None, :, 0], first[:, None, 1] - city_xy[None, :, 1]).min(axis=1)
            near = np.flatnonzero(d < 6000.0)
            if len(near) and rng.random() < 0.6:
                zone = _route_zone(
                    world,
                    route,
                    "congestion",
                    int(rng.choice(near)),
                    rng.uniform(2000.0, 4000.0),
                    int(rng.integers(1, 4)),
                )
                if zone:
                    out.append(zone)
    return out

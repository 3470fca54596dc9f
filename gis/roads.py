"""Road classes, their default speeds, and Chinese route-code rules (domain.md)."""

from __future__ import annotations

import re
from typing import Any

from gis.errors import Unprocessable

# Default free-flow speed by class when a segment has no maxspeed (km/h).
DEFAULT_SPEED_KMH: dict[str, int] = {
    "expressway": 100,
    "national": 70,
    "provincial": 60,
    "county": 40,
    "township": 30,
    "village": 20,
    "urban": 40,
    "link": 50,
}

_EXPRESSWAY_REF = re.compile(r"^(G\d{1,2}|G\d{4}|S\d{1,4})$")
_NATIONAL_REF = re.compile(r"^G\d{3}$")
_PROVINCIAL_REF = re.compile(r"^S\d{1,4}$")
_COUNTY_REF = re.compile(r"^X\d{1,4}$")
_TOWNSHIP_REF = re.compile(r"^Y\d{1,4}$")


# Route codes of county, township and village roads (GB/T 917-2017 《公路路线标识规则和国道编号》:
# 县道 X, 乡道 Y, 村道 C, 专用公路 Z, each followed by a three-digit number). X, Y and C numbers are
# given within a county, so the road database (路线编码, as JT/T 132 《公路数据库编目编码规则》 keys
# routes) appends the county's six-digit 行政区划代码: Y001 of 衡山县 is Y001430423. Daoan stores the
# number (route_code Y001) with the segment's county_adcode and accepts the full code wherever a
# route is named (sql/migrations/029_rural_route_codes.sql).
RURAL_ROUTE_ID = re.compile(r"^([XYCZ]\d{3})(\d{6})$")


def rural_route_id(number: str, county_adcode: str) -> str:
    """The 路线编码 of a county, township or village road: its number and its county's code."""
    return f"{number}{county_adcode}"


def split_route_id(route: str) -> tuple[str, str | None]:
    """(route number, county code) of a route code: 'Y001430423' → ('Y001', '430423'); 'G4' → ('G4', None)."""
    m = RURAL_ROUTE_ID.match(route.strip().upper())
    return (m.group(1), m.group(2)) if m else (route, None)


def route_id(route_code: str | None, road_class: str, county_adcode: str | None) -> str | None:
    """The road database's 路线编码 of a township or village road (its number within the county and the
    county's code: Y001430423), else the route code itself."""
    if route_code and county_adcode and road_class in ("township", "village"):
        return rural_route_id(route_code, county_adcode)
    return route_code


def ambiguous_route(route: str, rng: Any) -> None:
    """422 when `route` (with `rng`, a route_stake_range.sql row) is a township or village road number (Y001) that several counties give: the
    路线编码 with the county's code (Y001430423) names one."""
    if (rng.counties or 0) > 1:
        example = rural_route_id(split_route_id(route)[0], rng.a_county)
        raise Unprocessable(
            f"{route} is numbered in {rng.counties} counties (township and village roads are numbered within "
            f"their county); give its route code with the county's code, e.g. {example}",
            parameter="route",
            detail_zh=f"{route}在{rng.counties}个县（市、区）均有编号（乡道、村道在县内编号）；请填写带县级行政区划代码的"
            f"路线编码，如{example}",
        )


def normalise_ref(ref: str | None) -> str | None:
    """The first route code of an OSM `ref` ('G4;G60' → 'G4'), upper-cased, spaces removed."""
    if not ref:
        return None
    first = re.split(r"[;,/]", ref)[0].strip().upper().replace(" ", "")
    return first or None


def class_from_ref(ref: str | None, *, motorway: bool) -> str | None:
    """Road class a Chinese route code implies, or None when it implies nothing.

    G + 1–2 or 4 digits and S + digits on a motorway are expressways; G + 3 digits is a national
    road; S a provincial, X a county and Y a township road.
    """
    code = normalise_ref(ref)
    if not code:
        return None
    code = split_route_id(code)[0]
    if motorway and _EXPRESSWAY_REF.match(code):
        return "expressway"
    if re.match(r"^G\d{1,2}$|^G\d{4}$", code):
        return "expressway"
    if _NATIONAL_REF.match(code):
        return "national"
    if _PROVINCIAL_REF.match(code):
        return "provincial"
    if _COUNTY_REF.match(code):
        return "county"
    if _TOWNSHIP_REF.match(code):
        return "township"
    return None

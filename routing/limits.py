"""What one routing request may cost: the bounds of gis/settings.py checked before the work starts
(or, for the arcs a closure closes, as soon as they are known), each refusal naming its setting."""

from __future__ import annotations

from typing import Any

from gis import params
from gis.errors import InvalidParameter, TooLarge, Unprocessable
from gis.settings import Settings


def isochrone_minutes(text: str, settings: Settings) -> list[float]:
    """The bands of an isochrone: at most isochrone_max_bands numbers in (0, isochrone_max_minutes]."""
    most, longest = settings.isochrone_max_bands, settings.isochrone_max_minutes
    fix = f"1 to {most} numbers of minutes in (0, {longest:g}] such as 5,10,15"
    minutes = [params.number(m, "minutes", fix=fix) for m in text.split(",") if m.strip()]
    if not minutes or not all(m > 0 for m in minutes):
        raise InvalidParameter(
            f"minutes must be {fix}; got {text!r}",
            parameter="minutes",
            detail_zh=f"minutes 须为1至{most}个分钟数，每个大于0且不超过{longest:g}，如5,10,15；收到{text!r}",
        )
    if len(minutes) > most:
        raise TooLarge(
            f"minutes: at most {most} bands (setting isochrone_max_bands); got {len(minutes)}",
            parameter="minutes",
            extra={"limit": most, "value": len(minutes)},
            detail_zh=f"minutes 最多{most}个时段（设置项 isochrone_max_bands），本次为{len(minutes)}个",
        )
    if max(minutes) > longest:
        raise Unprocessable(
            f"minutes: at most {longest:g} minutes (setting isochrone_max_minutes); got {max(minutes):g}",
            parameter="minutes",
            extra={"limit": longest, "value": max(minutes)},
            detail_zh=f"minutes 最长{longest:g}分钟（设置项 isochrone_max_minutes），本次为{max(minutes):g}分钟",
        )
    return minutes


def closure_area_km2(body: dict[str, Any]) -> float:
    """The area (km², on the WGS84 ellipsoid) a drawn closure covers; 0 without a geometry or for lines."""
    from pyproj import Geod

    if not isinstance(body.get("geometry"), dict):
        return 0.0
    geometry = params.geojson_geometry(body["geometry"], "geometry")
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(geometry)
    return abs(area_m2) / 1e6


def check_closure_area(body: dict[str, Any], settings: Settings) -> None:
    """413 when a drawn closure covers more than diversion_max_area_km2 (before any road is looked up)."""
    area = closure_area_km2(body)
    if area > settings.diversion_max_area_km2:
        raise TooLarge(
            f"geometry covers {area:,.1f} km²; a diversion plan is drawn for at most "
            f"{settings.diversion_max_area_km2:g} km² (setting diversion_max_area_km2): draw the closed roads only",
            parameter="geometry",
            extra={"limit": settings.diversion_max_area_km2, "value": round(area, 1)},
            detail_zh=f"所画范围{area:,.1f}平方公里，分流方案最多按{settings.diversion_max_area_km2:g}平方公里制作（设置项 diversion_max_area_km2）；请只画出封闭的道路",
        )


def check_closed_arcs(count: int, settings: Settings) -> None:
    """413 when a closure closes more directed road arcs than diversion_max_closed_arcs."""
    if count > settings.diversion_max_closed_arcs:
        raise TooLarge(
            f"the closure closes {count:,} directed road arcs; a diversion plan is made for at most "
            f"{settings.diversion_max_closed_arcs:,} (setting diversion_max_closed_arcs): close a shorter stretch",
            parameter="closure",
            extra={"limit": settings.diversion_max_closed_arcs, "value": count},
            detail_zh=f"该封闭涉及{count:,}条有向路段，分流方案最多按{settings.diversion_max_closed_arcs:,}条制作（设置项 diversion_max_closed_arcs）；请缩短封闭路段",
        )

"""Gaps as GeoJSON features: camera spacing gaps and fog/ice road out of reach of a weather station."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from gis.stake import format_stake
from planning.camera_gaps import CameraGap
from planning.data import CoverageData
from planning.geometry import lines_along
from planning.intervals import intersect, union
from planning.metrics.weather import hazard_union


def camera_gap_features(conn: Connection, data: CoverageData, gaps: list[CameraGap]) -> list[dict[str, Any]]:
    """One LineString feature per camera gap, with route, direction, stakes, length and cameras needed."""
    pieces: list[tuple[int, int, float, float]] = []
    for gap in gaps:
        line = data.network.lines[(gap.route_code, gap.group, gap.direction)]
        pieces.extend((gap.id, seg, a, b) for seg, a, b in line.pieces(gap.stretch.from_m, gap.stretch.to_m))
    geometry = lines_along(conn, pieces)
    return [
        {"type": "Feature", "id": gap.id, "geometry": geometry.get(gap.id), "properties": gap.as_properties()}
        for gap in gaps
    ]


def weather_gap_features(
    conn: Connection, data: CoverageData, *, radius_km: float, counties: set[str] | None
) -> list[dict[str, Any]]:
    """One feature per stretch of fog/ice road farther than `radius_km` along the road from any weather station."""
    radius = radius_km * 1000
    stretches: list[tuple[str, str, str, float, float]] = []
    for (route, group, county), (lo, hi) in sorted(hazard_union(data).items()):
        if counties is not None and county not in counties:
            continue
        at = data.weather.on(route, group)
        if len(at):
            w_lo, w_hi = union(at - radius, at + radius)
            # The complement of the stations' reach inside the hazard stretches.
            c_lo, c_hi = intersect(lo, hi, *_complement(w_lo, w_hi))
        else:
            c_lo, c_hi = lo, hi
        stretches.extend((route, group, county, float(a), float(b)) for a, b in zip(c_lo, c_hi, strict=True) if b > a)
    pieces: list[tuple[int, int, float, float]] = []
    for n, (route, group, _county, a, b) in enumerate(stretches, start=1):
        line = data.network.undirected[(route, group)]
        pieces.extend((n, seg, x, y) for seg, x, y in line.pieces(a, b))
    geometry = lines_along(conn, pieces)
    return [
        {
            "type": "Feature",
            "id": n,
            "geometry": geometry.get(n),
            "properties": {
                "kind": "weather_station",
                "route_code": route,
                "roads": group,
                "county_adcode": county,
                "from_stake": format_stake(a),
                "to_stake": format_stake(b),
                "from_stake_m": round(a, 1),
                "to_stake_m": round(b, 1),
                "length_m": round(b - a, 1),
                "radius_km": radius_km,
            },
        }
        for n, (route, group, county, a, b) in enumerate(stretches, start=1)
    ]


def _complement(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The complement of sorted disjoint intervals on the whole line."""
    c_lo = np.concatenate([[-np.inf], hi])
    c_hi = np.concatenate([lo, [np.inf]])
    return c_lo, c_hi

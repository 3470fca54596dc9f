"""Finding places on roads: a stake on a route, the road at a point, and search by name or code."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import InvalidParameter, Unprocessable
from gis.roads import ambiguous_route, route_id
from gis.sqlfiles import load_sql, load_table_sql
from gis.stake import format_stake, parse_stake
from layers.catalog import LAYERS


def _point_feature(lon: float, lat: float, properties: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def locate_stake(conn: Connection, route: str, stake_text: str) -> dict:
    """The point at `stake_text` on `route` as a GeoJSON Feature; 422 when the route has no such stake."""
    stake_m = parse_stake(stake_text)
    rng = conn.execute(sa.text(load_sql("queries/route_stake_range.sql")), {"route": route}).one()
    ambiguous_route(route, rng)
    row = conn.execute(sa.text(load_sql("queries/locate_stake.sql")), {"route": route, "stake_m": stake_m}).first()
    if row is None:
        if not rng.segments:
            raise Unprocessable(f"no road with route code {route!r}; try /search?q={route}", parameter="route")
        if rng.lo is None:
            raise Unprocessable(f"route {route} has no stake numbers; use /locate?at=lon,lat", parameter="stake")
        raise Unprocessable(
            f"stake {stake_text} is not on {route}; its stakes run from {format_stake(rng.lo)} to {format_stake(rng.hi)}",
            parameter="stake",
        )
    return _point_feature(
        row.lon,
        row.lat,
        {
            "route_code": row.route_code,
            "stake": format_stake(stake_m),
            "stake_m": stake_m,
            "segment_id": row.segment_id,
            "name": row.name,
            "road_class": row.road_class,
        },
    )


def locate_point(conn: Connection, lon: float, lat: float) -> dict:
    """The nearest road to (lon, lat), its route code and the stake, as a Feature on the road."""
    row = conn.execute(sa.text(load_sql("queries/locate_point.sql")), {"lon": lon, "lat": lat}).first()
    if row is None:
        raise Unprocessable("no road network is loaded; import one with `daoan import osm` or `daoan demo`")
    return _point_feature(
        row.lon,
        row.lat,
        {
            "segment_id": row.segment_id,
            "route_code": row.route_code,
            "name": row.name,
            "road_class": row.road_class,
            "stake": row.stake,
            "stake_m": row.stake_m,
            "offset_m": row.offset_m,
            "distance_m": row.distance_m,
            "county_adcode": row.county_adcode,
            "route_id": route_id(row.route_code, row.road_class, row.county_adcode),
        },
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


SEARCHABLE_LAYERS = tuple(
    layer
    for layer in LAYERS.values()
    if layer.geometry_type == "Point" and layer.placement is not None and layer.property("name") is not None
)
# Searched only for a reader with a token (and each search of them recorded in the audit log).
INTERNAL_SEARCHABLE = tuple(layer for layer in SEARCHABLE_LAYERS if layer.internal)


def search(conn: Connection, q: str, *, limit: int = 20, internal: bool = False) -> dict:
    """Places (cities and counties, at a routable point by their seat), roads by route code or name and
    facilities by name (substring, case-insensitive); internal layers' facilities only when `internal`
    (the reader has a token)."""
    q = (q or "").strip()
    if not q:
        raise InvalidParameter(
            "q must be a route code (G4, S20…) or part of a name; got an empty string", parameter="q"
        )
    if len(q) > 100:
        raise InvalidParameter(f"q is too long ({len(q)} characters; at most 100)", parameter="q")
    params = {"q": q, "pattern": f"%{_escape_like(q)}%", "prefix": f"{_escape_like(q)}%", "limit": limit}
    places = [
        _point_feature(
            r.lon,
            r.lat,
            {
                "layer": "admin_areas",
                "adcode": r.adcode,
                "name": r.name,
                "level": r.level,
                "parent_adcode": r.parent_adcode,
                "bbox": [r.minx, r.miny, r.maxx, r.maxy],
            },
        )
        | {"id": r.adcode}
        for r in conn.execute(sa.text(load_sql("queries/search_places.sql")), params)
    ]
    roads = [
        {
            "route_code": r.route_code,
            "route_id": route_id(r.route_code, r.road_class, r.county),
            "county_adcode": r.county,
            "name": r.name,
            "road_class": r.road_class,
            "segments": r.segments,
            "length_m": float(r.length_m or 0),
            "carriageways_length_m": float(r.carriageways_length_m or 0),
            "bbox": [r.minx, r.miny, r.maxx, r.maxy],
            "point": [r.lon, r.lat],
        }
        for r in conn.execute(sa.text(load_sql("queries/search_roads.sql")), params)
    ]
    facilities = []
    for layer in SEARCHABLE_LAYERS:
        if layer.internal and not internal:
            continue
        sql = load_table_sql("queries/search_facilities.sql", layer.table)
        for r in conn.execute(sa.text(sql), params):
            facilities.append(
                _point_feature(
                    r.lon,
                    r.lat,
                    {
                        "layer": layer.id,
                        "id": r.id,
                        "name": r.name,
                        "route_code": r.route_code,
                        "stake": r.stake,
                    },
                )
                | {"id": r.id}
            )
        if len(facilities) >= limit:
            break
    return {
        "q": q,
        "places": {"type": "FeatureCollection", "features": places},
        "roads": roads,
        "facilities": {"type": "FeatureCollection", "features": facilities[:limit]},
    }

"""OGC API – Features queries over the layer catalogue: parse parameters, page, filter, count."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis import params
from gis.chinacrs import from_wgs84
from gis.errors import InvalidParameter, NotFound, Unauthorized
from gis.sqlfiles import load_table_sql, quote_ident
from gis.versions import LayerVersions
from layers.catalog import LAYERS, Layer

OUTPUT_CRS = ("wgs84", "gcj02", "bd09")
RESERVED_PARAMS = ("bbox", "limit", "offset", "crs", "f")


@dataclass(frozen=True)
class ItemsQuery:
    """Validated parameters of an items request."""

    bbox: tuple[float, float, float, float] | None = None
    limit: int = 100
    offset: int = 0
    filters: Mapping[str, Any] = field(default_factory=dict)
    crs: str = "wgs84"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """minx,miny,maxx,maxy in degrees, checked; InvalidParameter naming the value otherwise."""
    fix = f'bbox must be minx,miny,maxx,maxy in degrees; got "{text}"'
    parts = text.split(",")
    try:
        values = [params.number(p, "bbox") for p in parts]
    except InvalidParameter:
        raise InvalidParameter(fix, parameter="bbox") from None
    if len(values) != 4:
        raise InvalidParameter(fix, parameter="bbox")
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy:
        raise InvalidParameter(
            f'bbox minimum exceeds maximum; got "{text}" (order is minx,miny,maxx,maxy)', parameter="bbox"
        )
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter(f'bbox must be in degrees (lon -180..180, lat -90..90); got "{text}"', parameter="bbox")
    return (minx, miny, maxx, maxy)


def coerce_value(layer: Layer, name: str, text: str) -> Any:
    """The typed value of a filter on property `name`; InvalidParameter when it cannot be."""
    prop = layer.property(name)
    if prop is None:
        raise InvalidParameter(f"{layer.id} has no property {name!r}", parameter=name)
    if prop.type == "integer":
        return params.integer(text, name)
    if prop.type == "number":
        return params.number(text, name)
    if prop.type == "datetime":
        return params.instant(text, name)
    if prop.type == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidParameter(f'{name} must be a date such as 2017-05-22; got "{text}"', parameter=name) from None
    if prop.type == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise InvalidParameter(f'{name} must be true or false; got "{text}"', parameter=name)
        return lowered in ("true", "1")
    if prop.enum and text not in prop.enum:
        raise InvalidParameter(f'{name} must be one of {", ".join(prop.enum)}; got "{text}"', parameter=name)
    return text


def parse_items_query(
    layer: Layer, args: Mapping[str, str], *, default_limit: int, max_limit: int, internal: bool = False
) -> ItemsQuery:
    """Validate the query string of /collections/{id}/items; a filter on an internal property needs a
    reading token (`internal`): 401 otherwise."""
    unknown = [k for k in args if k not in RESERVED_PARAMS and layer.property(k) is None]
    hidden = [k for k in args if k not in RESERVED_PARAMS and (p := layer.property(k)) is not None and p.internal]
    if hidden and not internal:
        raise Unauthorized(
            f"{hidden[0]} is an internal property of {layer.id}: filtering on it needs a token "
            "('Authorization: Bearer <token>')",
            parameter=hidden[0],
        )
    if unknown:
        raise InvalidParameter(
            f"unknown parameter {unknown[0]!r} for {layer.id}; filterable properties: {', '.join(layer.property_names)}",
            parameter=unknown[0],
        )
    limit = params.integer(args["limit"], "limit", minimum=1) if "limit" in args else default_limit
    crs = args.get("crs", "wgs84").lower()
    if crs not in OUTPUT_CRS:
        raise InvalidParameter(f'crs must be one of {", ".join(OUTPUT_CRS)}; got "{args["crs"]}"', parameter="crs")
    if args.get("f", "json") not in ("json", "geojson"):
        raise InvalidParameter(f'f must be json or geojson; got "{args["f"]}"', parameter="f")
    return ItemsQuery(
        bbox=parse_bbox(args["bbox"]) if "bbox" in args else None,
        limit=min(limit, max_limit),
        offset=params.integer(args["offset"], "offset", minimum=0) if "offset" in args else 0,
        filters={k: coerce_value(layer, k, v) for k, v in args.items() if k not in RESERVED_PARAMS},
        crs=crs,
    )


def _where(layer: Layer, query: ItemsQuery) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = ["true"]
    params: dict[str, Any] = {}
    if query.bbox:
        clauses.append("geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox, strict=True))
    for i, (name, value) in enumerate(query.filters.items()):
        clauses.append(f"{quote_ident(name)} = :f{i}")
        params[f"f{i}"] = value
    return " AND ".join(clauses), params


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _transform_coords(coords: Any, crs: str) -> Any:
    if isinstance(coords[0], int | float):
        lon, lat = from_wgs84(crs, coords[0], coords[1])
        return [round(float(lon), 7), round(float(lat), 7), *coords[2:]]
    return [_transform_coords(c, crs) for c in coords]


def transform_geometry(geometry: dict, crs: str) -> dict:
    """A GeoJSON geometry with its coordinates converted from WGS84 to `crs`."""
    if crs == "wgs84" or geometry is None:
        return geometry
    if geometry["type"] == "GeometryCollection":
        return {**geometry, "geometries": [transform_geometry(g, crs) for g in geometry["geometries"]]}
    return {**geometry, "coordinates": _transform_coords(geometry["coordinates"], crs)}


def _feature(names: tuple[str, ...], row: Any, crs: str) -> dict:
    geometry = json.loads(row["geometry"]) if row["geometry"] else None
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": transform_geometry(geometry, crs) if geometry else None,
        "properties": {name: _json_value(row[name]) for name in names},
    }


def _names(layer: Layer, internal: bool) -> tuple[str, ...]:
    return tuple(p.name for p in layer.properties_for(internal))


def _compose(template: str, layer: Layer, where: str, names: tuple[str, ...]) -> str:
    columns = ", ".join(quote_ident(n) for n in names)
    return load_table_sql(template, layer.table).replace("{columns}", columns).replace("{where}", where)


def query_items(conn: Connection, layer: Layer, query: ItemsQuery, *, internal: bool = False) -> tuple[list[dict], int]:
    """One page of features and the number matched by the filters; internal properties only when
    `internal` (the reader has a token), never selected otherwise."""
    where, params = _where(layer, query)
    names = _names(layer, internal)
    rows = conn.execute(
        sa.text(_compose("queries/features_items.sql", layer, where, names)),
        {**params, "limit": query.limit, "offset": query.offset},
    ).mappings()
    features = [_feature(names, row, query.crs) for row in rows]
    if query.offset == 0 and len(features) < query.limit:
        matched = len(features)
    else:
        sql = _compose("queries/features_count.sql", layer, where, names)
        matched = int(conn.execute(sa.text(sql), params).scalar_one())
    return features, matched


def get_item(conn: Connection, layer: Layer, feature_id: str, *, crs: str = "wgs84", internal: bool = False) -> dict:
    """One feature by its row id (internal properties only when `internal`); NotFound otherwise."""
    try:
        fid = int(feature_id)
    except ValueError:
        raise NotFound(f"feature ids of {layer.id} are integers; got {feature_id!r}", parameter="featureId") from None
    if not -(2**63) <= fid < 2**63:
        raise NotFound(f"no feature {fid} in {layer.id}", parameter="featureId")
    names = _names(layer, internal)
    sql = _compose("queries/features_items.sql", layer, "id = :fid", names)
    row = conn.execute(sa.text(sql), {"fid": fid, "limit": 1, "offset": 0}).mappings().first()
    if row is None:
        raise NotFound(f"no feature {fid} in {layer.id}", parameter="featureId")
    return _feature(names, row, crs)


@dataclass(frozen=True)
class LayerStats:
    count: int
    bbox: tuple[float, float, float, float] | None


class LayerStatsCache:
    """Counts and extents per layer, recomputed only when the layer's data version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, LayerStats]] = {}

    def get(self, conn: Connection) -> dict[str, LayerStats]:
        """Stats of every layer, fresh for the current data versions."""
        versions = LayerVersions.read(conn)  # counts and extents of the data as of this transaction
        result = {}
        for layer in LAYERS.values():
            version = int(versions.get(layer.table, 0))
            with self._lock:
                cached = self._cache.get(layer.id)
            if cached and cached[0] == version:
                result[layer.id] = cached[1]
                continue
            row = conn.execute(sa.text(load_table_sql("queries/layer_stats.sql", layer.table))).one()
            bbox = None if row.minx is None else (row.minx, row.miny, row.maxx, row.maxy)
            stats = LayerStats(int(row.n), bbox)
            with self._lock:
                self._cache[layer.id] = (version, stats)
            result[layer.id] = stats
        return result

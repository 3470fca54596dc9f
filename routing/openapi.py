"""OpenAPI paths of the routing endpoints (merged into /openapi.json)."""

from __future__ import annotations

from typing import Any

from gis.openapi import AUTH as _AUTH
from gis.openapi import problem
from routing.incident import DIRECTIONS, EFFECTS, KINDS, WEATHER

_PROBLEM = problem("400")
_GEO = {"description": "GeoJSON FeatureCollection", "content": {"application/geo+json": {"schema": {"type": "object"}}}}
_JSON = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}}

_TIME = {"type": "string", "format": "date-time", "nullable": True, "description": "ISO 8601 (naive: Asia/Shanghai)"}
_STAKE = {"type": "string", "description": "K1530+200, or metres", "example": "K1502+000"}
_POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
GEOMETRY = {
    "type": "object",
    "description": "A GeoJSON geometry (RFC 7946) in WGS84 lon/lat",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"]},
        "coordinates": {"type": "array"},
    },
}
# Where the closure is: a geometry, a route with stakes, or (entrance_closure) a toll station.
_WHERE = {
    "geometry": GEOMETRY,
    "route": {"type": "string", "description": "Route code, e.g. G107", "maxLength": 20},
    "route_code": {"type": "string", "description": "Same as route", "maxLength": 20},
    "from_stake": _STAKE,
    "to_stake": _STAKE,
    "direction": {"type": "string", "description": f"{', '.join(DIRECTIONS)}, a compass word or 上行/下行"},
    "toll_station_id": {"type": "integer", "minimum": 1, "description": "For kind entrance_closure"},
}
INCIDENT_FIELDS: dict[str, Any] = {
    "kind": {"type": "string", "enum": list(KINDS)},
    "effect": {"type": "string", "enum": list(EFFECTS), "default": "closed"},
    "speed_cap_kmh": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 200, "nullable": True},
    "weather": {"type": "string", "enum": list(WEATHER), "nullable": True, "description": "Declared cause: fog, ice"},
    **_WHERE,
    "description": {"type": "string", "nullable": True, "maxLength": 2000},
    "starts_at": _TIME,
    "ends_at": _TIME,
}


def _body(schema: dict[str, Any], example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": True, "content": {"application/json": media}}


CLOSURE_BODY = _body(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {k: v for k, v in INCIDENT_FIELDS.items() if k not in ("starts_at", "ends_at")},
    },
    {"route": "G107", "from_stake": "K1502+000", "to_stake": "K1503+500"},
)
_OBSERVATION = {
    "type": "object",
    "properties": {
        "station_id": {"type": "integer", "minimum": 1},
        "station_code": {"type": "string", "maxLength": 20},
        "observed_at": _TIME,
        "visibility_m": {"type": "number", "minimum": 0, "nullable": True},
        "road_surface_temp_c": {"type": "number", "nullable": True},
        "precipitation_mm": {"type": "number", "minimum": 0, "nullable": True},
    },
}
OBSERVATIONS_BODY = _body(
    {
        "oneOf": [
            _OBSERVATION,
            {
                "type": "object",
                "required": ["observations"],
                "properties": {"observations": {"type": "array", "items": _OBSERVATION, "maxItems": 1000}},
            },
        ]
    },
    {"station_code": "57687", "visibility_m": 150},
)
MATRIX_BODY = _body(
    {
        "type": "object",
        "required": ["sources"],
        "properties": {
            "sources": {"type": "array", "items": _POSITION, "minItems": 1, "maxItems": 100},
            "destinations": {"type": "array", "items": _POSITION, "minItems": 1, "maxItems": 100},
            "ignore": {"type": "array", "items": {"type": "string", "enum": ["incidents", "weather"]}},
        },
    },
    {"sources": [[112.95, 28.11]], "destinations": [[112.95, 28.18]]},
)


def _q(name: str, description: str, *, required: bool = False, type_: str = "string", **extra: Any) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": type_, **extra},
    }


def _incident_body(*, create: bool) -> dict:
    """The incident body: kind and a place (geometry, route with stakes, or a toll station) to declare;
    any subset of the same fields to change."""
    from routing.incident import DIRECTIONS, EFFECTS, KINDS, MAX_TEXT

    stake = {"oneOf": [{"type": "string", "example": "K1530+200"}, {"type": "number", "minimum": 0}]}
    text = {"type": "string", "nullable": True, "maxLength": MAX_TEXT}
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "effect": {"type": "string", "enum": list(EFFECTS)},
            "weather": {
                "type": "string",
                "enum": list(WEATHER),
                "nullable": True,
                "description": "The weather declared as the cause (fog, ice); signs, plan and legal basis name it. "
                "Default: read from the fog or ice hazard zone the closure lies in",
            },
            "speed_cap_kmh": {
                "type": "number",
                "nullable": True,
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": 200,
            },
            "direction": {
                "type": "string",
                "description": f"{', '.join(DIRECTIONS)}, 上行/下行, or a compass word such as southbound",
            },
            "geometry": {"type": "object", "description": "GeoJSON geometry (lon/lat) on a road"},
            "route": {"type": "string", "example": "G4"},
            "route_code": {"type": "string", "description": "the same as route"},
            "from_stake": stake,
            "to_stake": stake,
            "toll_station_id": {"type": "integer", "minimum": 1},
            "description": text,
            "starts_at": {"type": "string", "nullable": True, "format": "date-time"},
            "ends_at": {"type": "string", "nullable": True, "format": "date-time"},
        },
    }
    if create:
        schema["required"] = ["kind"]
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_ETAG = {"ETag": {"description": 'Strong entity tag "<version>-<status>"', "schema": {"type": "string"}}}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the version the change is based on; a stale one gets 412 (optional)",
    "schema": {"type": "string"},
}
_FEATURE = {
    "description": "GeoJSON Feature of the incident",
    "headers": _ETAG,
    "content": {"application/geo+json": {"schema": {"type": "object"}}},
}
_LANG = _q("lang", "Language of instructions and messages", enum=["zh-CN", "en"])
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def paths() -> dict[str, Any]:
    """Path items for /route, /incidents, /weather/observations, /diversion, /isochrone, /matrix."""
    errors = {"400": _PROBLEM, "422": _PROBLEM, "503": _PROBLEM}
    writes = {"401": _PROBLEM, "403": _PROBLEM, "400": _PROBLEM, "422": _PROBLEM}
    return {
        "/route": {
            "get": {
                "summary": "Fastest route honouring closures, speed caps and fog rules in force (路径规划)",
                "tags": ["Routing"],
                "operationId": "getRoute",
                "parameters": [
                    _q("from", "lon,lat", required=True),
                    _q("to", "lon,lat", required=True),
                    _q("via", "lon,lat (repeat, or separate with ;)"),
                    _q("alternatives", "0..3 alternative routes", type_="integer", minimum=0, maximum=3),
                    _q(
                        "avoid",
                        "hazards: keep away from active hazard zones where a way round exists",
                        enum=["hazards"],
                    ),
                    _q("ignore", "incidents: route as if nothing were closed", enum=["incidents", "weather"]),
                    _q("depart_at", "ISO-8601 departure (incidents scheduled then apply)", format="date-time"),
                    _LANG,
                    _q("geometry", "Route geometry encoding", enum=["geojson", "polyline6"]),
                ],
                "responses": {"200": _GEO, **errors},
            }
        },
        "/incidents": {
            "get": {
                "summary": "Incidents in force (GeoJSON feed, ETag); status=all for history",
                "tags": ["Incidents"],
                "operationId": "getIncidents",
                "parameters": [
                    _q(
                        "status",
                        "active (default), current (incl. scheduled) or all",
                        enum=["active", "current", "all"],
                    ),
                    _q("limit", "Page size", type_="integer", minimum=1, maximum=10_000),
                    _q("offset", "Incidents to skip", type_="integer", minimum=0),
                ],
                "responses": {"200": _GEO, "304": {"description": "Not modified"}, **errors},
            },
            "post": {
                "summary": "Declare a closure or restriction (operator or admin token)",
                "tags": ["Incidents"],
                "operationId": "createIncident",
                "security": _AUTH,
                "requestBody": _incident_body(create=True),
                "responses": {"201": _FEATURE, **writes},
            },
        },
        "/incidents/{id}": {
            "parameters": [_ID],
            "get": {
                "summary": "One incident with its change history",
                "tags": ["Incidents"],
                "operationId": "getIncident",
                "parameters": [
                    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}}
                ],
                "responses": {"200": _FEATURE, "304": {"description": "Not modified"}, "404": _PROBLEM},
            },
            "patch": {
                "summary": "Extend or change an incident",
                "tags": ["Incidents"],
                "security": _AUTH,
                "operationId": "updateIncident",
                "parameters": [_IF_MATCH],
                "requestBody": _incident_body(create=False),
                "responses": {"200": _FEATURE, "404": _PROBLEM, "409": _PROBLEM, "412": _PROBLEM, **writes},
            },
            "delete": {
                "summary": "End an incident (kept as history)",
                "tags": ["Incidents"],
                "security": _AUTH,
                "operationId": "endIncident",
                "parameters": [_IF_MATCH],
                "responses": {"200": _FEATURE, "404": _PROBLEM, "409": _PROBLEM, "412": _PROBLEM, **writes},
            },
        },
        "/weather/observations": {
            "post": {
                "summary": "Weather station readings (visibility drives fog caps and closures)",
                "tags": ["Incidents"],
                "operationId": "createObservations",
                "security": _AUTH,
                "requestBody": OBSERVATIONS_BODY,
                "responses": {"201": _JSON, **writes},
            }
        },
        "/weather/low-visibility": {
            "get": {
                "summary": "Stations whose latest visibility reading in force is below below_m (default 500 m)",
                "tags": ["Incidents"],
                "operationId": "getLowVisibility",
                "parameters": [_q("below_m", "Threshold in metres (1-100000; default 500)", type_="number")],
                "responses": {"200": _GEO, "400": _PROBLEM},
            }
        },
        "/diversion": {
            "get": {
                "summary": "Diversion plan for an incident in force or scheduled (分流方案; 409 once it has ended)",
                "tags": ["Routing"],
                "operationId": "getDiversion",
                "parameters": [_q("incident", "Incident id", required=True, type_="integer")],
                "responses": {"200": _GEO, "404": _PROBLEM, "409": _PROBLEM, "413": _PROBLEM, **errors},
            },
            "post": {
                "summary": "Diversion plan for an ad-hoc closure (stores nothing, no token)",
                "tags": ["Routing"],
                "operationId": "postDiversion",
                "requestBody": CLOSURE_BODY,
                "responses": {"200": _GEO, "413": _PROBLEM, **errors},
            },
        },
        "/isochrone": {
            "get": {
                "summary": "Areas reachable within minutes",
                "tags": ["Routing"],
                "operationId": "getIsochrone",
                "parameters": [
                    _q("at", "lon,lat", required=True),
                    _q("minutes", "e.g. 5,10,15 (at most isochrone_max_bands values, each ≤ isochrone_max_minutes)"),
                    _q("ignore", "incidents", enum=["incidents", "weather"]),
                ],
                "responses": {"200": _GEO, "413": _PROBLEM, **errors},
            }
        },
        "/matrix": {
            "post": {
                "summary": "Durations and distances between up to 100×100 points (stores nothing, no token)",
                "tags": ["Routing"],
                "operationId": "postMatrix",
                "requestBody": MATRIX_BODY,
                "responses": {"200": _JSON, "413": _PROBLEM, **errors},
            }
        },
    }

"""POST /weather/forecasts (an operator posts a station's forecast; the warning rules follow at once) and
GET /weather/forecasts (the forecasts in force at a time)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, request

from analysis.forecasts import MAX_BATCH, forecasts_at, forecasts_of, record_forecasts
from gis import params
from gis.db import connect
from gis.openapi import AUTH, problem
from gis.root import Api, Root, current_root
from gis.web import json_response, request_json, require_role

bp = Blueprint("forecasts", __name__)
GEOJSON = "application/geo+json"


@bp.post("/weather/forecasts")
def forecasts_create() -> Response:
    """Store forecasts (operator or admin token), then evaluate the warning rules on the weather in force."""
    from analysis.early_warning.service import evaluate_after_readings

    token = require_role("operator")
    forecasts = forecasts_of(request_json(), datetime.now(UTC))
    root = current_root()
    with connect(root.engine) as conn:
        result = record_forecasts(conn, forecasts, who=token.name)
    # a forecast valid now stands for a station without readings: the rules read it at once
    warnings = evaluate_after_readings(root.router, who=token.name) if result["stored"] else None
    status = 201 if result["stored"] else 200
    return json_response(result | {"warnings": warnings}, status=status, etag=False)


@bp.get("/weather/forecasts")
def forecasts_list() -> Response:
    """The forecast in force at `at` (default now) per station, or of `station_code`."""
    at = params.instant(request.args.get("at"), "at")
    code = request.args.get("station_code")
    station = params.text(code, "station_code", max_length=64) if code else None
    with connect(current_root().engine) as conn:
        body = forecasts_at(conn, at, station)
    if at is None:  # "now" in the body would change the ETag at every request
        body.pop("at", None)
    return json_response(body, mimetype=GEOJSON, cache_seconds=5)


_TIME = {"type": "string", "format": "date-time"}
_FORECAST = {
    "type": "object",
    "required": ["valid_from", "valid_to"],
    "properties": {
        "station_id": {"type": "integer", "minimum": 1},
        "station_code": {"type": "string", "maxLength": 64},
        "issued_at": {**_TIME, "description": "When the forecaster issued it (default now; not in the future)"},
        "valid_from": _TIME,
        "valid_to": {**_TIME, "description": "After valid_from, at most 72 hours later"},
        "visibility_m": {"type": "number", "minimum": 0, "nullable": True},
        "road_surface_temp_c": {"type": "number", "nullable": True},
        "precipitation_mm": {"type": "number", "minimum": 0, "nullable": True, "description": "Per hour"},
        "source": {"type": "string", "maxLength": 200, "nullable": True, "description": "Who forecast it"},
    },
}


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_paths() -> dict[str, Any]:
    """The OpenAPI path item of /weather/forecasts."""
    return {
        "/weather/forecasts": {
            "post": {
                "summary": "Weather forecasts per station (the live risk and the warnings read them for later hours)",
                "description": (
                    'One forecast or {"forecasts": [...]} (at most 1000), stored all or none. A forecast says a '
                    "station's visibility, road-surface temperature and hourly precipitation from valid_from to "
                    "valid_to. Issues are never changed: a later issued_at supersedes an earlier one for the hours "
                    "both cover; the same issue (station, issued_at, valid_from) posted again is a no-op (200) when "
                    "equal and 409 when it differs. For a time after now the risk scores and the warning rules use "
                    "the forecast valid then, else the readings still in force; a station without readings takes its "
                    "forecast now too. The warning rules are evaluated after a forecast is stored (`warnings`)."
                ),
                "operationId": "createForecasts",
                "tags": ["Warnings"],
                "security": AUTH,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    _FORECAST,
                                    {
                                        "type": "object",
                                        "required": ["forecasts"],
                                        "properties": {
                                            "forecasts": {"type": "array", "items": _FORECAST, "maxItems": MAX_BATCH}
                                        },
                                    },
                                ]
                            },
                            "example": {
                                "station_code": "57687",
                                "issued_at": "2026-12-06T17:00:00+08:00",
                                "valid_from": "2026-12-07T05:00:00+08:00",
                                "valid_to": "2026-12-07T09:00:00+08:00",
                                "visibility_m": 80,
                            },
                        }
                    },
                },
                "responses": {
                    "201": {"description": "Stored: `stored` (ids), `unchanged` (ids of equal issues), `warnings`"},
                    "200": {"description": "Every forecast was already stored as given (`unchanged`)"},
                    "400": problem("400"),
                    "401": problem("401"),
                    "403": problem("403"),
                    "409": problem("409"),
                    "413": problem("413"),
                    "422": problem("422"),
                },
            },
            "get": {
                "summary": "The forecast in force per station at a time (the latest issued of those valid then)",
                "operationId": "getForecasts",
                "tags": ["Warnings"],
                "parameters": [
                    _param("at", "The time (RFC 3339; default now)", {"type": "string", "format": "date-time"}),
                    _param("station_code", "Only this station", {"type": "string"}),
                ],
                "responses": {
                    "200": {
                        "description": "Stations' forecasts as a GeoJSON FeatureCollection of points",
                        "content": {GEOJSON: {"schema": {"type": "object"}}},
                    },
                    "304": {"description": "Not modified (If-None-Match)"},
                    "400": problem("400"),
                },
            },
        }
    }


def api() -> Api:
    return Api(openapi_paths=openapi_paths())


def init_app(app: Flask, root: Root) -> None:
    app.register_blueprint(bp)

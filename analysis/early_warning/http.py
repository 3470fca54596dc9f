"""GET /warnings (the public feed of the warnings in force, with ETag like /incidents) and POST
/warnings/evaluate (an operator evaluates now)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, request

from analysis.early_warning.feed import MAX_LIMIT, parse_feed_query
from analysis.early_warning.rules import LEVELS, REASONS
from gis import params
from gis.db import connect
from gis.lang import negotiate
from gis.openapi import AUTH
from gis.root import Api, Root, current_root
from gis.web import base_url, json_response, require_role

bp = Blueprint("warnings", __name__)
GEOJSON = "application/geo+json"


@bp.get("/warnings")
def warnings_feed() -> Response:
    """The warnings in force (or at `datetime`), most severe first; ETag, If-None-Match → 304."""
    from analysis.early_warning.feed import list_warnings

    q = parse_feed_query({k: request.args.get(k) for k in ("datetime", "bbox", "level", "reason", "limit", "offset")})
    lang = negotiate(request.args.get("lang"), request.headers.get("Accept-Language"), "zh-CN")
    with connect(current_root().engine) as conn:
        body = list_warnings(conn, q, lang=lang)
    if body["numberReturned"] == q.limit:  # perhaps more: the next page (OGC API paging)
        args = {**request.args.to_dict(), "offset": str(q.offset + q.limit), "limit": str(q.limit)}
        body["links"] = [{"href": f"{base_url()}{request.path}?{urlencode(args)}", "rel": "next", "type": GEOJSON}]
    resp = json_response(body, mimetype=GEOJSON, cache_seconds=5)
    resp.headers["Content-Language"] = lang
    return resp


@bp.post("/warnings/evaluate")
def warnings_evaluate() -> Response:
    """Evaluate the warning rules (and the risk threshold) now or at `at` (operator or admin token)."""
    from analysis.early_warning.service import evaluate

    token = require_role("operator")
    at = params.instant(request.args.get("at"), "at")
    summary = evaluate(current_root().router, at=at, who=token.name, risk=True)
    return json_response(summary, etag=False)


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_paths() -> dict[str, Any]:
    """The OpenAPI path items of /warnings."""
    problem = {"description": "A bad parameter, named in `parameter` (application/problem+json)"}
    return {
        "/warnings": {
            "get": {
                "summary": "Early warnings (预警) in force: fog, road icing, long downgrades in rain, high risk",
                "description": (
                    "Each warning: route, stakes, direction of travel, level (blue/yellow/orange/red: 蓝/黄/橙/红), "
                    "reason, rule, Chinese and English messages, the variable message signs upstream that "
                    "should show it with their messages, the readings or forecasts it rests on (`weather_source`: "
                    "observation, forecast, mixed, declared; `observation_ids`, `forecast_ids`), issued_at and "
                    "expires_at. "
                    "A warning leaves the feed when it expires. Cacheable: ETag, If-None-Match → 304."
                ),
                "operationId": "getWarnings",
                "tags": ["Warnings"],
                "parameters": [
                    _param(
                        "datetime",
                        "In force at this time (RFC 3339; default now), or at some time of an interval start/end",
                        {"type": "string"},
                    ),
                    _param("bbox", "minx,miny,maxx,maxy in degrees", {"type": "string"}),
                    _param("level", f"Levels, comma separated ({', '.join(LEVELS)})", {"type": "string"}),
                    _param("reason", f"Reasons, comma separated ({', '.join(REASONS)})", {"type": "string"}),
                    _param("limit", f"At most this many (1–{MAX_LIMIT}; more is clamped)", {"type": "integer"}),
                    _param("offset", "Skip this many", {"type": "integer"}),
                    _param(
                        "lang", "Language of `message` (zh-CN default, en)", {"type": "string", "enum": ["zh-CN", "en"]}
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Warnings as a GeoJSON FeatureCollection, most severe first",
                        "content": {GEOJSON: {"schema": {"type": "object"}}},
                    },
                    "304": {"description": "Not modified (If-None-Match)"},
                    "400": problem,
                },
            }
        },
        "/warnings/evaluate": {
            "post": {
                "summary": "Evaluate the warning rules and the risk threshold now (or at `at`)",
                "operationId": "evaluateWarnings",
                "tags": ["Warnings"],
                "security": AUTH,
                "parameters": [_param("at", "Evaluate as at this time (RFC 3339; default now)", {"type": "string"})],
                "responses": {
                    "200": {"description": "What changed: ids issued, counts extended and lifted"},
                    "400": problem,
                    "401": {"description": "No token"},
                    "403": {"description": "A token whose role may not evaluate"},
                },
            }
        },
    }


def api() -> Api:
    return Api(openapi_paths=openapi_paths())


def init_app(app: Flask, root: Root) -> None:
    app.register_blueprint(bp)

"""GET /analysis/blackspots: black spots by window, empirical Bayes or NKDE, as GeoJSON (internal data:
a reading token; private answers, audited like the internal layers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, request

from analysis import params
from analysis.blackspots import METHODS, features, find, make_scope, summary
from gis.access import audit_read, mark_private, require_reader
from gis.lang import negotiate
from gis.openapi import AUTH
from gis.root import Api, Root, current_root
from gis.web import json_response
from layers.catalog import ROAD_CLASSES

bp = Blueprint("blackspots", __name__)


@bp.get("/analysis/blackspots")
def blackspots() -> Response:
    """Ranked black spots of a period, area and road classes (see analysis/blackspots.py)."""
    token = require_reader("/analysis/blackspots (accident data)")
    method = params.parse_method(request.args.get("method"), METHODS)
    start, end = params.parse_interval(request.args.get("datetime"))
    bbox = params.parse_bbox_param(request.args.get("bbox"))
    area = params.parse_area(request.args.get("area"))
    classes = params.parse_road_classes(request.args.get("road_class"))
    limit = params.parse_limit(request.args.get("limit"))
    engine = current_root().engine
    scope = make_scope(engine, start, end, bbox=bbox, area=area, road_classes=classes)
    nkde = params.parse_nkde({k: request.args.get(k) for k in ("variant", "kernel", "bandwidth", "lixel")})
    found = find(engine, method, scope, limit=limit, nkde=nkde)
    lang = negotiate(request.args.get("lang"), request.headers.get("Accept-Language"), "zh-CN")
    body = {"type": "FeatureCollection", **summary(found, lang), "features": features(found, lang)}
    audit_read(token, "black_spots", len(found.spots))
    resp = json_response(body, mimetype="application/geo+json")
    resp.headers["Content-Language"] = lang
    return mark_private(resp)


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_paths() -> dict[str, Any]:
    """The OpenAPI path item of /analysis/blackspots."""
    return {
        "/analysis/blackspots": {
            "get": {
                "summary": "Black spots (事故多发点段) ranked by sliding window, empirical Bayes (PSI) or NKDE",
                "operationId": "getBlackSpots",
                "tags": ["Analysis"],
                "security": AUTH,
                "parameters": [
                    _param("method", "window (default), eb or nkde", {"type": "string", "enum": list(METHODS)}),
                    _param(
                        "datetime",
                        "Period as an interval start/end (dates or RFC 3339 times; '..' open); default the last "
                        "3 years up to the newest accident",
                        {"type": "string"},
                    ),
                    _param("bbox", "minx,miny,maxx,maxy in degrees", {"type": "string"}),
                    _param("area", "Adcode of the province, a city or a county", {"type": "string"}),
                    _param(
                        "road_class",
                        f"Road classes, comma separated ({', '.join(ROAD_CLASSES)})",
                        {"type": "string"},
                    ),
                    _param("limit", f"Spots returned (1–{params.MAX_LIMIT}, default 100)", {"type": "integer"}),
                    _param(
                        "variant",
                        "nkde: simple (default) or discontinuous (Okabe's equal split)",
                        {"type": "string", "enum": list(params.NKDE_VARIANTS)},
                    ),
                    _param("kernel", "nkde: kernel", {"type": "string", "enum": list(params.NKDE_KERNELS)}),
                    _param("bandwidth", "nkde: bandwidth in metres (10–5000, default 300)", {"type": "number"}),
                    _param("lixel", "nkde: lixel length in metres (1–1000, default 20)", {"type": "number"}),
                    _param(
                        "lang",
                        "Language of each spot's description and the score's unit (zh-CN default, en)",
                        {"type": "string", "enum": ["zh-CN", "en"]},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Black spots as a GeoJSON FeatureCollection, best first",
                        "content": {"application/geo+json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    }


def api() -> Api:
    return Api(openapi_paths=openapi_paths())


def init_app(app: Flask, root: Root) -> None:
    app.register_blueprint(bp)

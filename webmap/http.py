"""Serve the web map page, its assets and MapLibre GL JS from the npm package (no CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, send_from_directory

from gis.root import Api, Root
from gis.settings import PROJECT_ROOT

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAPLIBRE_DIST = PROJECT_ROOT / "node_modules" / "maplibre-gl" / "dist"
_VENDOR_FILES = {"maplibre-gl.js", "maplibre-gl.css", "maplibre-gl.js.map"}

bp = Blueprint("webmap", __name__)
# The map page's policy, however the page is reached (/map or /map/index.html); no framing by others.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'"
)


@bp.get("/map")
def map_page() -> Response:
    """The single-page map."""
    resp = send_from_directory(STATIC_DIR, "index.html", max_age=0)
    resp.headers["Content-Security-Policy"] = CSP
    return resp


@bp.get("/map/<path:name>")
def map_asset(name: str) -> Response:
    """The page's own scripts and styles."""
    resp = send_from_directory(STATIC_DIR, name, max_age=0 if name.endswith(".html") else 60)
    if resp.mimetype == "text/html":
        resp.headers["Content-Security-Policy"] = CSP
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

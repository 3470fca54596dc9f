"""Daoan's Flask app factory: builds nothing at import time."""

from __future__ import annotations

import logging

from flask import Flask

from gis.db import create_db_engine
from gis.settings import Settings, load_settings
from gis.web import register_error_handlers


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI app for `settings` (read from the environment when None)."""
    settings = settings or load_settings()
    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.extensions["daoan.settings"] = settings
    app.extensions["daoan.engine"] = create_db_engine(settings)
    register_error_handlers(app)

    from layers import http as layers_http

    layers_http.init_app(app)
    from planning import http as planning_http

    planning_http.init_app(app)
    from routing import http as routing_http

    routing_http.init_app(app)
    from tiles import http as tiles_http

    tiles_http.init_app(app)
    from webmap import http as webmap_http

    webmap_http.init_app(app)
    # Subsystems register here, each with its own init_app (tiles, routing, planning, web map).
    logging.getLogger(__name__).debug("app created")
    return app

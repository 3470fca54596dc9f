"""Daoan's Flask app factory: builds nothing at import time."""

from __future__ import annotations

import logging

from flask import Flask

from gis.bodylimit import BodyLimit
from gis.db import create_db_engine
from gis.settings import Settings, load_settings
from gis.web import register_error_handlers


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI app for `settings` (read from the environment when None)."""
    settings = settings or load_settings()
    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = settings.upload_max_bytes
    app.extensions["daoan.settings"] = settings
    app.extensions["daoan.engine"] = create_db_engine(settings)
    register_error_handlers(app)
    # No body over the limit reaches a handler, whatever its framing (chunked included). The tile
    # shortcut wrapped around it later answers only body-less GETs.
    app.wsgi_app = BodyLimit(app.wsgi_app, settings.upload_max_bytes)  # type: ignore[method-assign]

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
    logging.getLogger(__name__).debug("app created")
    return app

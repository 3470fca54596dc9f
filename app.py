"""Daoan's Flask app factory and composition root builder: builds nothing at import time."""

from __future__ import annotations

import logging
import multiprocessing.util
import os
from typing import Any

import sqlalchemy as sa
from flask import Flask

from gis.answers import AnswerCache
from gis.audit import AuditLog
from gis.bodylimit import BodyLimit
from gis.db import create_db_engine
from gis.proxies import TrustedProxies, parse_networks
from gis.replicas import ReadRouting, Replicas, TargetVersions
from gis.root import Api, Root, install
from gis.settings import Settings, load_settings
from gis.versions import LayerVersions
from gis.web import register_conventions


def build_root(settings: Settings, *, engine: sa.Engine | None = None, api: Api | None = None) -> Root:
    """Every long-lived object of a process, wired once (see gis/root.py)."""
    from layers.features import LayerStatsCache
    from planning.data import DataCache
    from planning.gapstore import derived_layers
    from routing.service import Router
    from tiles.service import TileService

    engine = engine or create_db_engine(settings)
    derived = derived_layers()
    replicas = None
    versions: LayerVersions
    if settings.read_database_urls:  # reads on replicas (gis/replicas.py): versions polled per server read
        replicas = Replicas(
            settings.read_database_urls,
            max_lag_s=settings.replica_max_lag_s,
            wait_s=settings.read_your_writes_wait_s,
            retry_s=settings.replica_retry_s,
        )
        versions = TargetVersions(engine, ttl_s=settings.tile_version_ttl_s, refreshers=derived)
    else:
        versions = LayerVersions(
            engine,
            ttl_s=settings.tile_version_ttl_s,
            listen=settings.tile_cache_bytes > 0,  # without a tile cache nothing needs them within milliseconds
            refreshers=derived,
        )
    tiles = TileService(engine, settings, versions)
    if replicas is not None:
        replicas.attach(engine, lambda url: create_db_engine(settings, url=url))
        replicas.attach(tiles.renderer.engine, tiles.renderer.engine_like)
    return Root(
        settings=settings,
        engine=engine,
        versions=versions,
        derived=derived,
        tiles=tiles,
        router=Router(engine, settings, versions),
        coverage_cache=DataCache(),
        answers=AnswerCache(
            max_entries=settings.answer_cache_entries, max_bytes=int(settings.answer_cache_mb * 1024 * 1024)
        ),
        layer_stats=LayerStatsCache(),
        api=api or Api(),
        audit=AuditLog(
            engine,
            keep_while_unreachable=replicas is not None,
            spool_dir=settings.var_dir / "audit-spool" if replicas is not None else None,
        ),
        replicas=replicas,
    )


def subsystems() -> tuple[Any, ...]:
    """The HTTP subsystems in registration order: each has api() and init_app(app, root)."""
    from analysis import blackspots_http, forecasts_http, risk_http
    from analysis import http as analysis_http
    from analysis.early_warning import http as warnings_http
    from layers import http as layers_http
    from planning import http as planning_http
    from routing import http as routing_http
    from tiles import http as tiles_http
    from webmap import http as webmap_http

    return (
        layers_http,
        planning_http,
        routing_http,
        tiles_http,
        webmap_http,
        analysis_http,
        blackspots_http,
        warnings_http,
        risk_http,
        forecasts_http,
    )


def openapi_api() -> Api:
    """Every subsystem's API merged: what the app serves at /openapi.json (buildable without a database)."""
    return Api.merge([s.api() for s in subsystems()])


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI app for `settings` (read from the environment when None)."""
    settings = settings or load_settings()
    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = settings.upload_max_bytes
    # The application role on the project's own cluster (DAOAN_APP_DATABASE_URL, else DAOAN_DATABASE_URL).
    engine = create_db_engine(settings, url=settings.app_url())
    root = build_root(settings, engine=engine, api=openapi_api())
    install(app, root)
    register_conventions(app)
    # No body over the limit reaches a handler, whatever its framing (chunked included). The tile
    # shortcut wrapped around it later answers only body-less GETs.
    app.wsgi_app = BodyLimit(app.wsgi_app, settings.upload_max_bytes)  # type: ignore[method-assign]
    # X-Forwarded-* only from the configured reverse proxies (none by default).
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(settings.trusted_proxies))  # type: ignore[method-assign]
    for subsystem in subsystems():
        subsystem.init_app(app, root)
    if root.replicas is not None:  # outermost: the WSGI shortcuts (tiles, routes) read through it too
        app.wsgi_app = ReadRouting(app.wsgi_app, root.replicas)  # type: ignore[method-assign]
    if os.environ.get("DAOAN_SERVED"):  # a granian worker: close the pools when it stops
        multiprocessing.util.Finalize(app, root.close, exitpriority=10)
    logging.getLogger(__name__).debug("app created")
    return app

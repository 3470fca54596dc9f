"""Health, and the database going away and coming back with no restart of the app."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from gis.cluster import ensure_cluster, stop_cluster
from gis.db import create_db_engine, ensure_database
from gis.migrate import migrate
from gis.root import root_of
from gis.settings import PROJECT_ROOT, load_settings


def test_health_reports_postgis_and_layers(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.") and body["layers"] >= 14


@pytest.fixture()
def own_cluster():
    """A second, private PostgreSQL cluster that the test may stop and start."""
    base = load_settings()
    # Under the project's var/, which the unprivileged cluster user can reach.
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    var_dir = tempfile.mkdtemp(prefix="health-", dir=PROJECT_ROOT / "var")
    settings = replace(base, var_dir=Path(var_dir), pg_port=base.pg_port + 17, database_url=None)
    ensure_cluster(settings)
    ensure_database(settings, "daoan")
    engine = create_db_engine(settings)
    migrate(engine)
    engine.dispose()
    yield settings
    stop_cluster(settings)
    shutil.rmtree(var_dir, ignore_errors=True)


def test_database_down_gives_503_then_recovers_without_restart(own_cluster):
    from app import create_app

    app = create_app(own_cluster)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/collections").status_code == 200
    assert client.get("/tiles/road_segments/14/13330/6850.mvt").status_code == 204  # a tile connection pooled
    route = "/route?from=112.98,28.19&to=113.0,28.2"
    assert client.get(route).status_code == 422  # no road network here; a versions connection pooled
    tile_pool = root_of(app).tiles.renderer.engine
    held = [tile_pool.raw_connection() for _ in range(tile_pool.pool.size())]  # type: ignore[attr-defined]
    for fairy in held:  # a full pool of tile connections: all of them die with the server
        fairy.close()

    stop_cluster(own_cluster)
    for path in ("/health", "/collections", "/collections/cameras/items", "/search?q=G4",
                 "/tiles/road_segments/14/13331/6850.mvt", route):  # fmt: skip
        resp = client.get(path)
        assert resp.status_code == 503, path
        assert resp.mimetype == "application/problem+json"
        assert resp.headers.get("Retry-After")
        text = resp.get_data(as_text=True)
        assert "psycopg2" not in text and "Traceback" not in text and "socket" not in text

    ensure_cluster(own_cluster)
    assert client.get("/health").status_code == 200
    assert client.get("/collections/cameras/items").status_code == 200
    assert client.get("/tiles/road_segments/14/13331/6850.mvt").status_code == 204  # its connection replaced
    assert client.get(route).status_code == 422  # and the versions connection too
    root_of(app).tiles.close()
    root_of(app).engine.dispose()

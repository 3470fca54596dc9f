"""A restore (pg_restore --clean makes PostGIS again) under a running server: it keeps serving."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from gis.backup import backup
from tests.serving import daoan_server

REPORT = "/coverage/report?year=2019"


def _status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    return resp.status


@pytest.fixture(scope="module")
def server(settings, engine):
    from layers.demo import load_demo

    load_demo(engine, settings, size="small", seed=2017)
    with daoan_server(settings, workers=1, threads=2, start_s=180) as port:
        yield port


def _route(engine: sa.Engine) -> str:
    """A route between the first and the last junction of national roads."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT ST_X(n.geom), ST_Y(n.geom) FROM road_nodes n JOIN road_segments s ON s.source_node = n.id"
                " WHERE s.road_class = 'national' ORDER BY n.id"
            )
        ).all()
    (ax, ay), (bx, by) = rows[0], rows[len(rows) // 2]
    return f"/route?from={ax},{ay}&to={bx},{by}"


def test_restore_with_the_server_running_keeps_route_coverage_and_health(server, settings, engine, tmp_path):
    route = _route(engine)
    for path in (route, REPORT, "/health", "/tiles/road_segments/10/836/422.mvt"):
        assert _status(server, path) in (200, 204), path
    dump = backup(settings, tmp_path)
    assert dump.stat().st_mode & 0o077 == 0  # readable by its owner only
    daoan = str(Path(sys.executable).with_name("daoan"))
    env = dict(os.environ, DAOAN_DATABASE_URL=settings.database_url)
    done = subprocess.run([daoan, "db", "restore", str(dump)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    # Every request after the restore is served: no 500, no stale catalog, no restart.
    for _ in range(3):
        for path in ("/health", route, REPORT, "/tiles/road_segments/10/836/422.mvt"):
            assert _status(server, path) in (200, 204), path

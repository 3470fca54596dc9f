"""Routing is ready before requests come (issue 11, item 7): `daoan serve` builds the routing data
and warms each worker, so the first route is answered at once; a route asked for while the graph is
being rebuilt gets 503 with Retry-After instead of hanging."""

from __future__ import annotations

import http.client
import json

import pytest
import sqlalchemy as sa

from gis.root import root_of
from tests.conftest import truncate_all
from tests.serving import daoan_server
from tests.test_routing_network import lat, load_corridor

FROM, TO = f"112.95,{lat(0) + 0.001}", f"112.95,{lat(20) - 0.001}"  # on G107 near rows 0 and 20


@pytest.fixture()
def corridor(engine):
    truncate_all(engine)
    load_corridor(engine)
    yield engine
    truncate_all(engine)


def test_route_during_a_build_gets_503_with_retry_after(corridor, app, client):
    router = root_of(app).router
    saved = router.build_wait_s
    router.build_wait_s = 0.0  # as a served worker, with no time to wait for the build
    try:
        with corridor.begin() as conn:  # a road import: the network's version moves on
            conn.execute(sa.text("UPDATE road_segments SET name = name WHERE id = (SELECT min(id) FROM road_segments)"))
        resp = client.get(f"/route?from={FROM}&to={TO}")
        assert resp.status_code == 503, resp.get_json()
        assert resp.headers["Content-Type"] == "application/problem+json"
        assert int(resp.headers["Retry-After"]) > 0
        assert "being built" in resp.get_json()["detail"]
    finally:
        router.build_wait_s = saved
    resp = client.get(f"/route?from={FROM}&to={TO}")  # the build ends; the route is answered
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["features"][0]["properties"]["duration_s"] > 0


def test_first_route_after_serve_starts_is_answered(corridor, settings):
    # The start may compile the routing kernels on a fresh checkout: give it time.
    with daoan_server(settings, workers=2, threads=2, start_s=600) as port:
        for _ in range(2):  # the first request of each worker, most likely
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", f"/route?from={FROM}&to={TO}")
            resp = conn.getresponse()
            body = json.loads(resp.read())
            assert resp.status == 200, body
            assert body["features"][0]["properties"]["duration_s"] > 0

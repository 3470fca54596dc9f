"""The route request path stays lean (issue 12): a route looks up only the layer versions routing
depends on, never running a derived layer's refresher, and finds them fresh without a round trip of its
own while requests flow; plain GET /route requests are answered by a
WSGI shortcut that gives the same bytes, status and headers as the Flask view."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from gis.versions import LayerVersions
from routing.fastpath import FastRoute
from routing.service import ROUTING_LAYERS, Router
from tests.conftest import truncate_all
from tests.test_routing_network import lat, load_corridor


class CountingRefresher:
    """A derived layer's refresher that only counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, engine: sa.Engine, versions: Mapping[str, int]) -> bool:
        self.calls += 1
        return False

    def ensure_current(self, engine: sa.Engine) -> bool:
        self.calls += 1
        return False


def test_router_versions_skip_derived_layers(settings, engine):
    refresher = CountingRefresher()
    versions = LayerVersions(engine, ttl_s=0.0, listen=False, refreshers={"coverage_gaps": refresher})
    router = Router(engine, settings, versions)
    seen = router.versions()
    assert refresher.calls == 0
    assert set(seen) <= set(ROUTING_LAYERS)
    assert "road_segments" in seen and "incidents" in seen
    assert versions.current()["coverage_gaps"] >= 0  # the refresher still runs for a reader of that layer
    assert refresher.calls == 1


# ------------------------------------------------------------ the WSGI shortcut for GET /route
@pytest.fixture()
def corridor(engine):
    truncate_all(engine)
    load_corridor(engine)
    yield engine
    truncate_all(engine)


def _fast_route(app) -> FastRoute:
    layer = app.wsgi_app
    while not isinstance(layer, FastRoute):
        layer = layer.wsgi_app
    return layer


FROM, TO = f"112.95,{lat(0) + 0.001}", f"112.95,{lat(20) - 0.001}"


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        (f"from={FROM}&to={TO}", {}),
        (f"from={FROM}&to={TO}&geometry=polyline6&alternatives=2", {"Accept-Language": "en-GB,en;q=0.8"}),
        (f"from={FROM}&to={TO}&ignore=weather,incidents&avoid=hazards&lang=en", {}),
        (f"from={FROM}&to={FROM}", {}),  # 422: the same point
        (f"from={FROM}&to={TO}&geometry=svg", {}),  # 400 naming geometry
        (f"from={FROM}", {}),  # 400: to is required
        (f"from={FROM}&to=200,91", {}),  # 400: not a coordinate
        (f"from={FROM}&to={TO}&depart_at=yesterday", {}),  # 400 naming depart_at
    ],
)
def test_shortcut_answers_as_the_flask_view(corridor, app, query, headers):
    fast = _fast_route(app)
    served = fast.served
    shortcut = Client(app).get(f"/route?{query}", headers=headers)
    assert fast.served == served + 1  # answered by the shortcut
    flask = Client(fast.wsgi_app).get(f"/route?{query}", headers=headers)
    assert shortcut.status_code == flask.status_code
    assert shortcut.data == flask.data
    strip = {"Date"}
    assert {k: v for k, v in shortcut.headers.items() if k not in strip} == {
        k: v for k, v in flask.headers.items() if k not in strip
    }


def test_conditional_and_head_requests_go_to_flask(corridor, app, client):
    fast = _fast_route(app)
    first = client.get(f"/route?from={FROM}&to={TO}")
    assert first.status_code == 200 and first.headers["ETag"]
    served = fast.served
    again = client.get(f"/route?from={FROM}&to={TO}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    head = client.head(f"/route?from={FROM}&to={TO}")
    assert head.status_code == 200 and head.headers["ETag"] == first.headers["ETag"]
    assert fast.served == served


class RecordingVersions(LayerVersions):
    """Layer versions that record which thread read the table."""

    readers: list[str]

    def read(self, conn: sa.Connection) -> dict[str, int]:  # type: ignore[override]
        self.readers.append(threading.current_thread().name)
        return LayerVersions.read(conn)


def test_while_requests_come_the_listening_thread_rereads_the_versions(engine):
    # A TTL of 0.2 s (the thread re-reads every 0.1 s): a thread scheduled late by a busy machine
    # (tens of milliseconds at a load of 10 on 2 cores) still re-reads before the requests would.
    versions = RecordingVersions(engine, ttl_s=0.2, listen=True)
    versions.readers = []
    try:
        versions.current()
        deadline = time.monotonic() + 5
        while not versions.listening and time.monotonic() < deadline:
            time.sleep(0.01)
        assert versions.listening
        versions.readers.clear()
        for _ in range(100):  # requests every 20 ms for two seconds: ten TTLs
            versions.current()
            time.sleep(0.02)
        on_requests = [name for name in versions.readers if name == threading.current_thread().name]
        assert len(versions.readers) >= 5  # still re-read within the TTL...
        assert len(on_requests) <= 1  # ...by the listening thread, not by the requests
    finally:
        versions.close()


def test_the_shortcut_stands_in_for_every_request_hook_of_the_app(app):
    # A new before/after-request hook turns the shortcut off (routes answered by Flask, slower): handle
    # it in routing/fastpath.py (and add it to KNOWN_BEFORE / KNOWN_AFTER) or make it skip GET /route.
    assert _fast_route(app).unknown_hooks() == []

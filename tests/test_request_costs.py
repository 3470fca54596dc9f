"""Cheap requests must not cost minutes (issue 11): isochrones and diversion plans are bounded by
settings (413/422 naming the limit and the value), and their answers are kept while the routing graph,
its live overlay and the data versions they were computed from stay the same."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gis.root import root_of
from tests.conftest import auth, module_data
from tests.netfixture import load_small_network

_data = module_data(load_small_network, name="_data")
AT = "112.95,28.12"
# A stake range of G107 on the network of tests/netfixture.py: two segments, both directions.
CLOSURE = {"route": "G107", "from_stake": "K1501+000", "to_stake": "K1502+000"}
# About 1,000 km² around the network: far more than a closure needs.
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[112.8, 28.0], [113.1, 28.0], [113.1, 28.3], [112.8, 28.3], [112.8, 28.0]]],
}


def _limit_problem(resp, status: int, limit, value) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["limit"] == limit and body["value"] == value, body
    assert str(limit).rstrip("0").rstrip(".") in body["detail"], body
    return body


@pytest.fixture(scope="module")
def tight(settings):  # type: ignore[no-untyped-def]
    """An app whose limits the tiny network can reach."""
    from app import create_app

    app = create_app(replace(settings, diversion_max_closed_arcs=3, isochrone_max_bands=2, isochrone_max_minutes=20))
    app.config["TESTING"] = True
    yield app
    root_of(app).close()


def test_isochrone_bands_and_minutes_are_bounded_by_settings(tight):
    client = tight.test_client()
    body = _limit_problem(client.get("/isochrone", query_string={"at": AT, "minutes": "5,10,15"}), 413, 2, 3)
    assert body["parameter"] == "minutes" and "isochrone_max_bands" in body["detail"]
    body = _limit_problem(client.get("/isochrone", query_string={"at": AT, "minutes": "5,30"}), 422, 20.0, 30.0)
    assert body["parameter"] == "minutes" and "isochrone_max_minutes" in body["detail"]
    assert client.get("/isochrone", query_string={"at": AT, "minutes": "5,20"}).status_code == 200


def test_defaults_refuse_ten_bands_up_to_two_hours(client):
    resp = client.get("/isochrone", query_string={"at": AT, "minutes": ",".join(str(12 * i) for i in range(1, 11))})
    _limit_problem(resp, 413, 5, 10)


def test_a_diversion_closing_more_arcs_than_the_limit_is_413(tight):
    resp = tight.test_client().post("/diversion", json=CLOSURE)
    body = _limit_problem(resp, 413, 3, 4)
    assert body["parameter"] == "closure" and "diversion_max_closed_arcs" in body["detail"]


def test_a_diversion_drawn_over_a_large_area_is_413_before_any_road_is_read(client):
    body = _limit_problem(client.post("/diversion", json={"geometry": SQUARE}), 413, 100.0, body_value(SQUARE))
    assert body["parameter"] == "geometry" and "diversion_max_area_km2" in body["detail"]


def body_value(geometry: dict) -> float:
    from routing.limits import closure_area_km2

    return round(closure_area_km2({"geometry": geometry}), 1)


def test_area_of_a_drawn_closure_is_measured_on_the_ellipsoid():
    area = body_value(SQUARE)
    assert 900 < area < 1100  # 0.3° × 0.3° at 28° N: about 33 km × 29 km
    assert body_value({"type": "LineString", "coordinates": [[112.9, 28.1], [113.0, 28.1]]}) == 0


def _counts(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    answers = root_of(app).answers
    return answers.hits, answers.misses


def _close_g107(client) -> int:  # type: ignore[no-untyped-def]
    resp = client.post("/incidents", json={"kind": "works", **CLOSURE}, headers=auth())
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def test_a_second_isochrone_is_served_from_the_cache_and_a_write_invalidates_it(app, client):
    query = {"at": AT, "minutes": "3,6"}
    first = client.get("/isochrone", query_string=query)
    assert first.status_code == 200
    hits, misses = _counts(app)
    second = client.get("/isochrone", query_string=query)
    assert second.status_code == 200 and second.data == first.data
    assert _counts(app) == (hits + 1, misses)
    assert client.get("/isochrone", query_string={**query, "minutes": "3,7"}).status_code == 200
    assert _counts(app) == (hits + 1, misses + 1)  # other parameters: another answer
    ident = _close_g107(client)  # bumps the incidents version: the overlay changes
    try:
        third = client.get("/isochrone", query_string=query)
        assert third.status_code == 200
        assert _counts(app) == (hits + 1, misses + 2)
        assert third.data != first.data  # the closed stretch is no longer reachable the same way
    finally:
        assert client.delete(f"/incidents/{ident}", headers=auth()).status_code == 200


def test_a_second_diversion_is_served_from_the_cache_and_a_write_invalidates_it(app, client):
    first = client.post("/diversion", json=CLOSURE)
    assert first.status_code == 200, first.get_json()
    hits, misses = _counts(app)
    same = dict(reversed(list(CLOSURE.items())))  # the same closure, its members in another order
    second = client.post("/diversion", json=same)
    assert second.status_code == 200 and second.data == first.data
    assert _counts(app) == (hits + 1, misses)
    ident = _close_g107(client)
    try:
        third = client.post("/diversion", json=CLOSURE)
        assert third.status_code == 200
        assert _counts(app) == (hits + 1, misses + 1)
        by_incident = client.get("/diversion", query_string={"incident": ident})
        again = client.get("/diversion", query_string={"incident": ident})
        assert by_incident.status_code == again.status_code == 200 and again.data == by_incident.data
        assert _counts(app) == (hits + 2, misses + 2)
    finally:
        assert client.delete(f"/incidents/{ident}", headers=auth()).status_code == 200
    client.get("/diversion", query_string={"incident": ident})  # ended: versions moved, computed again
    assert _counts(app)[1] == misses + 3


def test_the_answer_cache_is_bounded_by_entries_and_bytes():
    from gis.answers import AnswerCache

    class Graph:  # a per-process object of the basis, held weakly
        pass

    graph = Graph()
    cache = AnswerCache(max_entries=2, max_bytes=100)
    cache.put("a", (graph, 1), b"x" * 10)
    cache.put("b", (graph, 1), b"y" * 10)
    assert cache.get("a", (graph, 1)) == b"x" * 10
    cache.put("c", (graph, 1), b"z" * 10)  # over two entries: "b", the least recently used, goes
    assert cache.get("b", (graph, 1)) is None and len(cache) == 2
    assert cache.get("a", (graph, 2)) is None  # another data version
    assert cache.get("a", (Graph(), 1)) is None  # another graph (compared by identity)
    cache.put("big", (graph,), b"w" * 26)  # over a quarter of the byte budget: not kept
    assert cache.get("big", (graph,)) is None
    for i in range(4):
        cache.put(i, (graph,), b"v" * 24)
    assert sum(len(cache.get(i, (graph,)) or b"") for i in range(4)) <= 100


def test_limits_and_cache_sizes_are_settings(tmp_path):
    from gis.settings import load_settings

    defaults = load_settings({})
    assert (defaults.isochrone_max_bands, defaults.isochrone_max_minutes) == (5, 60.0)
    assert (defaults.diversion_max_closed_arcs, defaults.diversion_max_area_km2) == (5_000, 100.0)
    assert (defaults.suggest_time_limit_s, defaults.suggest_max_candidates) == (10.0, 20_000)
    env = load_settings({"DAOAN_ISOCHRONE_MAX_BANDS": "8", "DAOAN_ANSWER_CACHE_MB": "16"})
    assert env.isochrone_max_bands == 8 and env.answer_cache_mb == 16.0
    path = tmp_path / "daoan.toml"
    path.write_text("diversion_max_closed_arcs = 50\nsuggest_time_limit_s = 3\n")
    from_file = load_settings({"DAOAN_SETTINGS": str(path)})
    assert from_file.diversion_max_closed_arcs == 50 and from_file.suggest_time_limit_s == 3.0

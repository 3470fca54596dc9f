"""/coverage/suggest is bounded (candidate sites, solver time: settings) and its answers are kept while
the source layers and standards are at the versions they were solved for."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from gis.root import root_of
from tests.conftest import truncate_all
from tests.test_coverage_fixtures import build_coverage_network

QUERY = {"kind": "weather_station", "year": "2019", "budget": "1"}


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    yield engine
    truncate_all(engine)


def test_a_second_suggestion_is_served_from_the_cache_and_a_data_change_invalidates_it(app, client, network):
    answers = root_of(app).answers
    client.get("/coverage/report", query_string={"year": "2019"})  # the first use stores the standards
    first = client.get("/coverage/suggest", query_string=QUERY)
    assert first.status_code == 200, first.get_json()
    hits, misses = answers.hits, answers.misses
    second = client.get("/coverage/suggest", query_string=QUERY)
    assert second.data == first.data and (answers.hits, answers.misses) == (hits + 1, misses)
    with network.begin() as conn:  # a new weather station: the weather_stations version moves on
        conn.execute(
            sa.text(
                "INSERT INTO weather_stations (name, kind, status, geom) "
                "SELECT 'cache test', kind, status, geom FROM weather_stations LIMIT 1"
            )
        )
    third = client.get("/coverage/suggest", query_string=QUERY)
    assert third.status_code == 200 and (answers.hits, answers.misses) == (hits + 1, misses + 1)


def test_more_candidate_sites_than_the_limit_is_413_naming_it(settings, network):
    from app import create_app

    app = create_app(replace(settings, suggest_max_candidates=1))
    try:
        resp = app.test_client().get("/coverage/suggest", query_string=QUERY)
        assert resp.status_code == 413 and resp.mimetype == "application/problem+json", resp.get_data(as_text=True)
        body = resp.get_json()
        assert body["limit"] == 1 and body["value"] > 1 and body["parameter"] == "area"
        assert "suggest_max_candidates" in body["detail"]
    finally:
        root_of(app).close()

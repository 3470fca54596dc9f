"""Method faults of the coverage report (issue 13): stations serving an expressway count for it, and the
density and gap numbers state their bases and reconcile; recomputed from the tables, over HTTP."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import sqlalchemy as sa

from tests.conftest import truncate_all
from tests.test_coverage_fixtures import _lon, build_coverage_network


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    with engine.begin() as conn:
        # An expressway station on a ramp 500 m from G60 K26 (双峰县 431321), referenced on import
        # to the G107 segment nearest the ramp's end (national road): it serves the expressway.
        conn.execute(
            sa.text(
                "INSERT INTO enforcement_stations (name, install_date, segment_id, route_code, stake_m, "
                "county_adcode, geom) "
                "SELECT '双峰高速公路执法服务站', :d, s.id, s.route_code, 26000, '431321', "
                "ST_SetSRID(ST_MakePoint(:lon, 27.505), 4326) FROM road_segments s "
                "WHERE s.route_code = 'G107' ORDER BY s.id LIMIT 1"
            ),
            {"d": dt.date(2018, 3, 1), "lon": _lon(26)},
        )
    return engine


def _metrics(client, adcode: str, year: int = 2019) -> dict:
    body = client.get("/coverage/report", query_string={"year": year, "area": adcode}).get_json()
    return next(a for a in body["areas"] if a["adcode"] == adcode)["metrics"]


def test_a_station_named_for_an_expressway_counts_for_the_expressway(client, network):
    province = _metrics(client, "430000")
    with network.connect() as conn:
        named = conn.execute(
            sa.text(
                "SELECT count(*) FROM enforcement_stations WHERE name LIKE '%高速公路%' AND install_date >= '2017-05-22'"
            )
        ).scalar_one()
    assert province["expressway.enforcement_stations"]["value"] == named == 1
    # The county it stands in has no national/provincial station because of it (the G107 one is in 430121).
    county = _metrics(client, "431321")
    assert county["expressway.enforcement_stations"]["value"] == 1
    assert county["national_provincial.enforcement_per_county"]["value"] == 0


def test_a_station_named_otherwise_stays_on_its_road(client, network):
    with network.begin() as conn:
        conn.execute(sa.text("UPDATE enforcement_stations SET name = '双峰公路执法服务站' WHERE name LIKE '双峰高速%'"))
    try:
        assert _metrics(client, "430000")["expressway.enforcement_stations"]["value"] == 0
    finally:
        with network.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE enforcement_stations SET name = '双峰高速公路执法服务站' WHERE name = '双峰公路执法服务站'"
                )
            )


def test_density_and_gaps_state_their_bases_and_the_shortfall_reads_one_way(client, network):
    m = _metrics(client, "430000")["expressway.camera_spacing_km"]
    b = m["basis"]
    assert (b["density"], b["gaps"]) == ("centreline", "carriageway")
    with network.connect() as conn:
        # The centreline: each stake range of G60 once, whichever carriageway.
        km = conn.execute(
            sa.text(
                "SELECT sum(hi - lo) / 1000 FROM (SELECT DISTINCT least(start_stake_m, end_stake_m) lo, "
                "greatest(start_stake_m, end_stake_m) hi FROM road_segments WHERE road_class = 'expressway') r"
            )
        ).scalar_one()
        points = conn.execute(
            sa.text(
                "SELECT count(*) FROM cameras c JOIN road_segments s ON s.id = c.segment_id "
                "WHERE s.road_class = 'expressway' AND c.kind IN ('video', 'event_detection') AND c.status = 'active'"
            )
        ).scalar_one()
    shortfall = math.ceil(km / 2) - points
    assert b["shortfall"] == m["points_missing"] == shortfall == 2
    # Per carriageway: the down carriageway (no camera, 40 km) needs 19 by itself, the up one 2 more.
    assert b["strict_cameras"] == m["cameras_to_close_gaps"] == 21 and b["strict_includes_shortfall"] is True
    national = _metrics(client, "430000")["national_provincial.camera_spacing_km"]["basis"]
    assert (national["density"], national["gaps"]) == ("centreline", "centreline")

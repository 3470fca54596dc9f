"""Construction under the plan vs the stock (issue 13), through /coverage/report on the hand-made network.

The fixture's 18 up-carriageway G60 cameras went into service on 2017-06-01 (after the plan's start,
2017-05-22). This module adds on the down carriageway (dates, status):
  A video 2016-03-01 active; B event detection 2017-03-01 active (same year, before the plan);
  C video 2017-08-01, retired 2020-03-01; D checkpoint 2017-09-01 (卡口: not a 点位);
  E video 2018-04-01 active; F video 2017-07-01, retired 2018-06-01.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.conftest import truncate_all
from tests.test_coverage_fixtures import _facility, build_coverage_network

EXTRA = [
    ("video", dt.date(2016, 3, 1), None, 2.0),
    ("event_detection", dt.date(2017, 3, 1), None, 6.0),
    ("video", dt.date(2017, 8, 1), dt.date(2020, 3, 1), 10.0),
    ("checkpoint", dt.date(2017, 9, 1), None, 14.0),
    ("video", dt.date(2018, 4, 1), None, 22.0),
    ("video", dt.date(2017, 7, 1), dt.date(2018, 6, 1), 26.0),
]


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    with engine.begin() as conn:
        for kind, installed, retired, km in EXTRA:
            _facility(
                conn,
                "cameras",
                "G60",
                km,
                27.501,
                kind=kind,
                install_date=installed,
                retired_on=retired,
                status="inactive" if retired else "active",
            )
    return engine


def _province(client, **query) -> dict:
    resp = client.get("/coverage/report", query_string={"area": "430000", **query})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["areas"][0]["metrics"]


def _raw_built(engine: sa.Engine, first: str, last: str) -> int:
    """Expressway 点位 put into service between two days, counted straight from the tables."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM cameras c JOIN road_segments s ON s.id = c.segment_id "
                "WHERE s.road_class = 'expressway' AND c.kind IN ('video', 'event_detection') "
                "AND c.status <> 'planned' AND c.install_date BETWEEN CAST(:a AS date) AND CAST(:b AS date)"
            ),
            {"a": first, "b": last},
        ).scalar_one()


def _raw_stock(engine: sa.Engine, day: str) -> int:
    """Expressway 点位 standing at the end of `day`, counted straight from the tables."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM cameras c JOIN road_segments s ON s.id = c.segment_id "
                "WHERE s.road_class = 'expressway' AND c.kind IN ('video', 'event_detection') "
                "AND c.status <> 'planned' AND c.install_date <= CAST(:d AS date) "
                "AND (c.retired_on IS NULL OR c.retired_on > CAST(:d AS date))"
            ),
            {"d": day},
        ).scalar_one()


def test_count_target_counts_construction_since_the_plan_not_what_stood_before(client, network):
    m = _province(client, year=2017)["expressway.camera_points"]
    assert m["counts"] == "construction" and m["standard"]["counts"] == "construction"
    # 18 + C + F: A and B predate 2017-05-22, D is a checkpoint, E came in 2018.
    assert m["value"] == _raw_built(network, "2017-05-22", "2017-12-31") == 20
    # The stock at the end of 2017 is larger (A and B stood already) and is not what the target counts.
    assert m["stock"] == _raw_stock(network, "2017-12-31") == 22
    assert m["target"] == 800 and m["missing"] == 780 and m["met"] is False


def test_construction_accumulates_from_the_plans_start(client, network):
    m = _province(client, year=2018)["expressway.camera_points"]
    # Built from 2017-05-22 to the end of 2018, whatever became of them: F, retired in 2018, still counts.
    assert m["value"] == _raw_built(network, "2017-05-22", "2018-12-31") == 21
    assert m["target"] == 1600


def test_density_measures_the_stock_at_the_years_end_with_the_status_it_had_then(client, network):
    m = _province(client, year=2019)["expressway.camera_spacing_km"]
    assert m["standard"]["counts"] == "stock"
    # C was retired in 2020: it counts for 2019. F was retired in 2018: it does not. D is a checkpoint.
    assert m["points"] == _raw_stock(network, "2019-12-31") == 22
    today = _province(client, year=2019, as_of=2026)["expressway.camera_spacing_km"]
    assert today["points"] == _raw_stock(network, "2026-12-31") == 21


def test_report_says_when_it_measures(client, network):
    body = client.get("/coverage/report", query_string={"year": 2018, "area": "430000"}).get_json()
    assert body["as_of"] == 2018 and body["measured_at"] == "2018-12-31"
    assert body["standard"]["baseline"] == "2017-05-22"
    assert "湘政办发〔2017〕26号" in body["standard"]["title"] and "道安监管云" in body["standard"]["title"]


def test_a_later_install_date_moves_a_camera_out_of_a_years_construction(client, network):
    with network.begin() as conn:
        conn.execute(
            sa.text("UPDATE cameras SET install_date = DATE '2018-01-15' WHERE install_date = DATE '2017-08-01'")
        )
    try:
        assert _province(client, year=2017)["expressway.camera_points"]["value"] == 19
        with network.connect() as conn:
            year = conn.execute(sa.text("SELECT install_year FROM cameras WHERE install_date = DATE '2018-01-15'"))
            assert year.scalar_one() == 2018  # the year follows the date
    finally:
        with network.begin() as conn:
            conn.execute(
                sa.text("UPDATE cameras SET install_date = DATE '2017-08-01' WHERE install_date = DATE '2018-01-15'")
            )


def test_standards_file_rejects_construction_for_a_density_target():
    from gis.errors import ImportRejected
    from planning.standards import parse_standards

    text = (
        '[standard]\nname = "x"\nversion = "1"\n[[target]]\nyear = 2019\nroads = "expressway"\n'
        'metric = "camera_spacing_km"\nscope = "province"\nvalue = 2\ncounts = "construction"\n'
    )
    with pytest.raises(ImportRejected) as err:
        parse_standards(text)
    assert err.value.errors[0]["field"] == "counts"


def test_weather_sets_count_construction_at_fog_and_ice_sections(client, network):
    # G60's ice zone covers K30–K34. Three visibility sets on G60: K32 put into service 2018-02-01 (counts),
    # K33 in 2016 (stood before the plan: stock only), K5 in 2018 (26 km from the ice: not at a section).
    with network.begin() as conn:
        for km, day in ((32.0, dt.date(2018, 2, 1)), (33.0, dt.date(2016, 5, 1)), (5.0, dt.date(2018, 3, 1))):
            _facility(conn, "weather_stations", "G60", km, 27.50, kind="visibility", install_date=day)
    try:
        m = _province(client, year=2018)["expressway.weather_sets"]
        assert m["counts"] == "construction" and m["value"] == 1 and m["stock"] == 2 and m["target"] == 100
        assert _province(client, year=2017)["expressway.weather_sets"]["value"] == 0
    finally:
        with network.begin() as conn:
            conn.execute(sa.text("DELETE FROM weather_stations WHERE route_code = 'G60'"))

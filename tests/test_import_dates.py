"""Facility dates through an import (issue 13): a file's install_year or install_date and retired_on land
in the table, and importing the same file again changes nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from layers.ingest.facilities import import_facilities
from tests.test_import_facilities import feature, north_of, road_db, write_geojson

__all__ = ["road_db"]


def _dates(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT code, install_year, install_date, retired_on FROM cameras ORDER BY code"))
        return [tuple(r) for r in rows]


def test_dates_from_a_file_and_a_second_import_changes_nothing(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "dated.geojson",
        [
            feature(*north_of(112.91, 28.2, 5), kind="video", code="43010000001310000101", install_year=2016),
            feature(
                *north_of(112.93, 28.2, 5),
                kind="video",
                code="43010000001310000102",
                install_date="2017-08-01",
                retired_on="2020-03-01",
                status="inactive",
            ),
        ],
    )
    first = import_facilities(road_db, settings, "cameras", path)
    rows = _dates(road_db)
    assert rows == [
        ("43010000001310000101", 2016, dt.date(2016, 7, 1), None),
        ("43010000001310000102", 2017, dt.date(2017, 8, 1), dt.date(2020, 3, 1)),
    ]
    second = import_facilities(road_db, settings, "cameras", path)
    assert _dates(road_db) == rows
    assert first.rows_inserted == 2 and (second.rows_updated, second.rows_unchanged) == (0, 2)


def test_a_year_only_file_keeps_a_precise_date_of_that_year(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "years.geojson",
        [feature(*north_of(112.95, 28.2, 5), kind="video", code="43010000001310000103", install_year=2018)],
    )
    import_facilities(road_db, settings, "cameras", path)
    with road_db.begin() as conn:
        conn.execute(sa.text("UPDATE cameras SET install_date = DATE '2018-03-09' WHERE code = '43010000001310000103'"))
    again = import_facilities(road_db, settings, "cameras", path)
    with road_db.connect() as conn:
        row = conn.execute(
            sa.text("SELECT install_year, install_date FROM cameras WHERE code = '43010000001310000103'")
        ).one()
    assert tuple(row) == (2018, dt.date(2018, 3, 9)) and again.rows_unchanged == 1


def test_features_filter_on_a_date_and_bad_dates_name_the_parameter(road_db, client, tmp_path, settings):
    path = write_geojson(
        tmp_path / "one.geojson",
        [feature(*north_of(112.97, 28.2, 5), kind="video", code="43010000001310000104", install_date="2019-04-02")],
    )
    import_facilities(road_db, settings, "cameras", path)
    body = client.get("/collections/cameras/items", query_string={"install_date": "2019-04-02"}).get_json()
    assert [f["properties"]["install_date"] for f in body["features"]] == ["2019-04-02"]
    bad = client.get("/collections/cameras/items", query_string={"install_date": "2019-13-02"})
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "install_date"

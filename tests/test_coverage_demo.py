"""End to end on the small synthetic demo: every year reports, and building what is suggested closes the gaps."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from planning.service import coverage_gaps, coverage_report, coverage_suggest

demo = pytest.importorskip("layers.demo")


@pytest.fixture(scope="module")
def small_demo(engine: sa.Engine, settings) -> sa.Engine:
    demo.load_demo(engine, settings, size="small", seed=2017)
    return engine


def _insert(engine: sa.Engine, table: str, features: list[dict], kind: str) -> None:
    rows = [
        {
            "seg": f["properties"]["segment_id"],
            "route": f["properties"]["route_code"],
            "stake": f["properties"]["stake_m"],
            "county": f["properties"]["county_adcode"],
            "lon": f["geometry"]["coordinates"][0],
            "lat": f["geometry"]["coordinates"][1],
            "kind": kind,
        }
        for f in features
    ]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f'INSERT INTO "{table}" (name, kind, source, segment_id, route_code, stake_m, county_adcode, geom) '
                "VALUES ('suggested', :kind, 'test', :seg, :route, :stake, :county, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            rows,
        )


def _remove(engine: sa.Engine, table: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM \"{table}\" WHERE source = 'test'"))


@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_every_year_reports_every_area(small_demo, year):
    report = coverage_report(small_demo, year=year)
    levels = [a["level"] for a in report["areas"]]
    assert levels[0] == "province" and "city" in levels and "county" in levels
    for area in report["areas"]:
        assert area["metrics"], area["adcode"]
        for key, metric in area["metrics"].items():
            assert metric["met"] in (True, False, None), key


def test_building_the_suggested_cameras_leaves_no_gap(small_demo):
    suggested = coverage_suggest(small_demo, kind="camera", year=2019)
    before = coverage_gaps(small_demo, kind="camera", year=2019)
    assert suggested["features"] and before["features"]
    assert suggested["summary"]["cameras"] == sum(f["properties"]["cameras_needed"] for f in before["features"])
    _insert(small_demo, "cameras", suggested["features"], "video")
    try:
        assert coverage_gaps(small_demo, kind="camera", year=2019)["features"] == []
        report = coverage_report(small_demo, year=2019)
        province = report["areas"][0]["metrics"]
        assert province["expressway.camera_spacing_km"]["strict_met"] is True
        assert province["national_provincial.camera_spacing_km"]["gaps"] == 0
    finally:
        _remove(small_demo, "cameras")


def test_building_the_lscp_weather_stations_monitors_all_fog_and_ice_road(small_demo):
    suggested = coverage_suggest(small_demo, kind="weather_station", year=2019)
    summary = suggested["summary"]
    assert summary["optimal"] and summary["covered_share_after"] == 1.0
    _insert(small_demo, "weather_stations", suggested["features"], "visibility")
    try:
        assert coverage_gaps(small_demo, kind="weather_station", year=2019)["features"] == []
        province = coverage_report(small_demo, year=2019)["areas"][0]["metrics"]
        assert province["national_provincial.weather_share"]["value"] in (1.0, None)
    finally:
        _remove(small_demo, "weather_stations")


def test_a_city_suggestion_stays_inside_the_city(small_demo):
    report = coverage_report(small_demo, year=2019)
    city = next(a for a in report["areas"] if a["level"] == "city")
    counties = {a["adcode"] for a in report["areas"] if a["parent_adcode"] == city["adcode"]}
    body = coverage_suggest(small_demo, kind="enforcement_station", year=2019, area=city["adcode"], budget=2)
    assert body["summary"]["cost"] <= 2
    assert {f["properties"]["county_adcode"] for f in body["features"]} <= counties


def test_demo_counts_recomputed_from_the_tables(small_demo, client):
    """The figures a planner signs, recomputed with plain SQL on the demo's tables (issue 13)."""
    body = client.get("/coverage/report", query_string={"year": 2019, "area": "430000"}).get_json()
    spacing = body["areas"][0]["metrics"]["expressway.camera_spacing_km"]
    built = client.get("/coverage/report", query_string={"year": 2018, "area": "430000"}).get_json()
    points = built["areas"][0]["metrics"]["expressway.camera_points"]
    cams = (
        "FROM cameras c JOIN road_segments s ON s.id = c.segment_id "
        "WHERE s.road_class = 'expressway' AND c.kind IN ('video', 'event_detection') AND c.status <> 'planned' "
    )
    with small_demo.connect() as conn:
        stock_2019 = conn.execute(
            sa.text(
                f"SELECT count(*) {cams} AND c.install_date <= DATE '2019-12-31' "
                "AND (c.retired_on IS NULL OR c.retired_on > DATE '2019-12-31')"
            )
        ).scalar_one()
        retired_since = conn.execute(
            sa.text(
                f"SELECT count(*) {cams} AND c.install_date <= DATE '2019-12-31' AND c.retired_on > DATE '2019-12-31'"
            )
        ).scalar_one()
        built_2018 = conn.execute(
            sa.text(f"SELECT count(*) {cams} AND c.install_date BETWEEN DATE '2017-05-22' AND DATE '2018-12-31'")
        ).scalar_one()
        checkpoints = conn.execute(sa.text("SELECT count(*) FROM cameras WHERE kind = 'checkpoint'")).scalar_one()
        misnamed = conn.execute(
            sa.text("SELECT count(*) FROM weather_stations WHERE name LIKE '%检测站%'")
        ).scalar_one()
    assert spacing["points"] == stock_2019 and retired_since > 0  # retired after 2019: counted for 2019
    assert points["value"] == built_2018 and points["counts"] == "construction"
    assert points["stock"] > points["value"]  # cameras that stood before the plan are not its construction
    assert checkpoints > 0 and misnamed == 0

"""The coverage endpoints: JSON, CSV and GeoJSON shapes, and planners' bad input as 422 naming valid choices."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from tests.conftest import truncate_all
from tests.test_coverage_fixtures import build_coverage_network


@pytest.fixture(scope="module")
def network(engine: sa.Engine) -> sa.Engine:
    truncate_all(engine)
    build_coverage_network(engine)
    return engine


def test_report_json_has_areas_with_metrics_value_target_met(client, network):
    resp = client.get("/coverage/report?year=2019&area=430100")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["year"] == 2019 and body["area"] == "430100"
    assert [a["adcode"] for a in body["areas"]] == ["430100", "430121", "430181"]
    city = body["areas"][0]
    assert city["name"] == "长沙市" and city["level"] == "city"
    metric = city["metrics"]["national_provincial.weather_share"]
    assert {"value", "target", "met"} <= set(metric)
    assert resp.headers["ETag"]
    assert (
        client.get(
            "/coverage/report?year=2019&area=430100", headers={"If-None-Match": resp.headers["ETag"]}
        ).status_code
        == 304
    )


def test_report_csv_one_row_per_area_and_metric(client, network):
    resp = client.get("/coverage/report?year=2018&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["adcode"] for r in rows} == {"430000", "430100", "431300", "430121", "430181", "431321", "431322"}
    row = next(r for r in rows if r["adcode"] == "430000" and r["metric"] == "national_provincial.camera_spacing_km")
    assert (row["target"], row["met"], row["points_missing"]) == ("20", "no", "1")


def test_gaps_geojson(client, network):
    resp = client.get("/coverage/gaps?kind=camera&year=2019&area=431300")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    body = resp.get_json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == len(body["features"]) == 2
    weather = client.get("/coverage/gaps?kind=weather_station&year=2019").get_json()
    stretches = sorted((f["properties"]["route_code"], f["properties"]["from_stake"], f["properties"]["to_stake"])
                       for f in weather["features"])  # fmt: skip
    assert stretches == [("G107", "K25+000", "K28+000"), ("G60", "K30+000", "K34+000")]


def test_suggest_with_a_budget_reports_the_solver(client, network):
    body = client.get("/coverage/suggest?kind=weather_station&year=2019&budget=1").get_json()
    assert body["summary"]["problem"] == "mclp" and body["summary"]["optimal"] is True
    assert body["summary"]["mip_gap"] == 0 and len(body["features"]) == 1
    assert body["features"][0]["properties"]["stake"].startswith("K")


@pytest.mark.parametrize(
    ("query", "status", "parameter", "names"),
    [
        ("/coverage/report?year=2016", 422, "year", ["2017", "2018", "2019"]),
        ("/coverage/report?year=2019&area=439999", 422, "area", ["430100", "431300"]),
        ("/coverage/suggest?kind=weather_station&year=2019&budget=-1", 422, "budget", [">= 0"]),
        ("/coverage/suggest?kind=statue&year=2019", 422, "kind", ["camera", "enforcement_station", "weather_station"]),
        ("/coverage/gaps?kind=camera&year=2030", 422, "year", ["2017", "2018", "2019"]),
        ("/coverage/report?year=next", 400, "year", ["2019"]),
        ("/coverage/suggest?kind=camera&year=2019&budget=lots", 400, "budget", ["number"]),
        ("/coverage/report?year=2019&format=docx", 422, "format", ["json", "csv"]),
    ],
)
def test_bad_input_is_a_problem_naming_valid_choices(client, network, query, status, parameter, names):
    resp = client.get(query)
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["parameter"] == parameter
    for name in names:
        assert name in problem["detail"] or name in str(problem.get("valid", ""))


def test_openapi_lists_the_coverage_paths(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/coverage/report", "/coverage/gaps", "/coverage/suggest"} <= set(paths)


def test_report_is_served_as_pdf_and_says_503_without_chromium(client, network, monkeypatch):
    import planning.pdfreport

    if planning.pdfreport.chromium_path() is None:
        pytest.skip("Chromium is not installed (make system installs it)")
    resp = client.get("/coverage/report?year=2019&area=430100&format=pdf&lang=zh-CN")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert 'filename="coverage_2019_430100.pdf"' in resp.headers["Content-Disposition"]
    assert resp.data.startswith(b"%PDF-") and resp.data.rstrip().endswith(b"%%EOF") and len(resp.data) > 10_000
    monkeypatch.setattr(planning.pdfreport, "chromium_path", lambda: None)
    resp = client.get("/coverage/report?year=2019&area=430100&format=pdf")
    problem = resp.get_json()
    assert resp.status_code == 503 and resp.mimetype == "application/problem+json"
    assert "chromium" in problem["detail"].lower() and "format=html" in problem["detail"]

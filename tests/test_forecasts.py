"""Weather forecasts (POST/GET /weather/forecasts) on the G4 test corridor, and the warnings at a future
time: the forecast valid then is used (readings still in force fill a station without one), now a
station's readings beat its forecast; which source was used is in the answer. Issues are never changed:
a repeat is a no-op, a different repeat a 409, a later issue supersedes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import load_corridor

corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(autouse=True)
def clean(engine):
    with engine.begin() as conn:
        conn.execute(
            sa.text("TRUNCATE warnings, weather_forecasts, weather_observations, incidents, incident_changes "
                    "RESTART IDENTITY")
        )  # fmt: skip


def iso(t: datetime) -> str:
    return t.isoformat()


def q(t: datetime) -> str:
    return quote(t.isoformat())


def forecast(client, body: dict, status: int = 201) -> dict:
    resp = client.post("/weather/forecasts", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def feed(client, query: str = "") -> list[dict]:
    resp = client.get(f"/warnings{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["features"]


def evaluate(client, at: datetime | None = None) -> dict:
    url = "/warnings/evaluate" + (f"?at={q(at)}" if at else "")
    resp = client.post(url, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_fog_forecast_warns_at_the_time_it_is_valid_and_says_so(client):
    now = datetime.now(UTC)
    start, end = now + timedelta(hours=2), now + timedelta(hours=5)
    answer = forecast(client, {"station_code": "VIS-1", "valid_from": iso(start), "valid_to": iso(end),
                               "visibility_m": 80, "source": "衡阳市气象台"})  # fmt: skip
    (stored,) = answer["stored"]
    assert answer["warnings"]["issued"] == []  # not valid now
    assert feed(client) == []
    at = start + timedelta(hours=1)
    summary = evaluate(client, at)
    assert len(summary["issued"]) == 2, summary
    assert feed(client) == []  # issued for `at`: not yet in force
    later = feed(client, f"?datetime={q(at)}")
    assert {w["properties"]["rule_id"] for w in later} == {"fog-orange"} and len(later) == 2
    p = later[0]["properties"]
    assert p["weather_source"] == "forecast" and p["forecast_ids"] == [stored["id"]] and p["observation_ids"] == []
    assert p["visibility_m"] == 80 and p["speed_cap_kmh"] == 40
    assert datetime.fromisoformat(p["expires_at"]) == datetime.fromisoformat(stored["valid_to"])  # the forecast's end
    assert "大雾" in p["message_zh"] and p["signs"] is not None
    # the forecast in force then, listed
    listed = client.get(f"/weather/forecasts?at={q(at)}").get_json()
    (f,) = listed["features"]
    assert f["properties"]["station_code"] == "VIS-1" and f["properties"]["source"] == "衡阳市气象台"
    assert client.get("/weather/forecasts").get_json()["features"] == []  # none valid now


def test_without_a_forecast_a_future_time_falls_back_to_the_readings_still_in_force(client):
    resp = client.post("/weather/observations", json={"station_code": "VIS-1", "visibility_m": 150},
                       headers=auth(OPERATOR_TOKEN))  # fmt: skip
    assert resp.status_code == 201 and len(resp.get_json()["warnings"]["issued"]) == 2
    at = datetime.now(UTC) + timedelta(minutes=10)
    assert evaluate(client, at)["extended"] == 2  # the reading stands 30 min
    warned = feed(client, f"?datetime={q(at)}")
    assert {w["properties"]["weather_source"] for w in warned} == {"observation"}
    assert {w["properties"]["level"] for w in warned} == {"yellow"}
    # an hour later the reading no longer stands and there is no forecast: nothing
    assert evaluate(client, at + timedelta(hours=1))["issued"] == []
    assert feed(client, f"?datetime={q(at + timedelta(hours=1))}") == []


def test_now_a_reading_beats_the_forecast_and_later_the_forecast_beats_the_reading(client):
    now = datetime.now(UTC)
    forecast(client, {"station_code": "VIS-1", "valid_from": iso(now - timedelta(minutes=5)),
                      "valid_to": iso(now + timedelta(hours=3)), "visibility_m": 40})  # fmt: skip
    # no reading yet: the forecast valid now stands for the station (red: below 50 m)
    assert {(w["properties"]["rule_id"], w["properties"]["weather_source"]) for w in feed(client)} == {
        ("fog-red", "forecast")
    }
    # a clear reading now: the reading wins now, the warning is lifted
    resp = client.post("/weather/observations", json={"station_code": "VIS-1", "visibility_m": 3000},
                       headers=auth(OPERATOR_TOKEN))  # fmt: skip
    assert resp.get_json()["warnings"]["lifted"] == 2 and feed(client) == []
    # ten minutes on, the reading still stands but the forecast is for that time: it wins
    at = now + timedelta(minutes=10)
    assert len(evaluate(client, at)["issued"]) == 2
    assert {w["properties"]["weather_source"] for w in feed(client, f"?datetime={q(at)}")} == {"forecast"}


def test_an_issue_is_never_changed_a_repeat_is_a_no_op_and_a_later_issue_supersedes(client):
    now = datetime.now(UTC)
    issued = now - timedelta(minutes=20)
    body = {"station_code": "VIS-1", "issued_at": iso(issued), "valid_from": iso(now - timedelta(minutes=10)),
            "valid_to": iso(now + timedelta(hours=2)), "visibility_m": 150}  # fmt: skip
    first = forecast(client, body)
    again = forecast(client, body, status=200)
    assert again["stored"] == [] and again["unchanged"] == [first["stored"][0]["id"]]
    clash = client.post("/weather/forecasts", json=body | {"visibility_m": 60}, headers=auth(OPERATOR_TOKEN))
    assert clash.status_code == 409 and clash.get_json()["parameter"] == "issued_at"
    assert clash.get_json()["forecast_id"] == first["stored"][0]["id"]
    assert {w["properties"]["level"] for w in feed(client)} == {"yellow"}
    # a later issue for the same hours wins: orange
    forecast(client, body | {"issued_at": iso(now - timedelta(minutes=1)), "visibility_m": 60})
    assert {w["properties"]["level"] for w in feed(client)} == {"orange"}
    (listed,) = client.get("/weather/forecasts?station_code=VIS-1").get_json()["features"]
    assert listed["properties"]["visibility_m"] == 60


def test_a_batch_is_stored_all_or_none(client, engine):
    now = datetime.now(UTC)
    good = {"station_code": "VIS-1", "valid_from": iso(now), "valid_to": iso(now + timedelta(hours=1)),
            "visibility_m": 100}  # fmt: skip
    resp = client.post("/weather/forecasts", json={"forecasts": [good, good | {"station_code": "NOPE"}]},
                       headers=auth(OPERATOR_TOKEN))  # fmt: skip
    assert resp.status_code == 422 and resp.get_json()["parameter"] == "station_id"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM weather_forecasts")).scalar_one() == 0


def test_posting_a_forecast_needs_an_operator_token(client):
    now = datetime.now(UTC)
    body = {"station_code": "VIS-1", "valid_from": iso(now), "valid_to": iso(now + timedelta(hours=1)),
            "visibility_m": 100}  # fmt: skip
    assert client.post("/weather/forecasts", json=body).status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "parameter"),
    [
        ({"valid_from": None}, 400, "valid_from"),
        ({"valid_to": "tomorrow"}, 400, "valid_to"),
        ({"valid_to": "2020-01-01T00:00:00Z"}, 422, "valid_to"),  # before valid_from
        ({"valid_to": "+4d"}, 422, "valid_to"),  # more than 72 h
        ({"issued_at": "+1d"}, 422, "issued_at"),  # in the future
        ({"visibility_m": None}, 422, "visibility_m"),  # no value at all
        ({"visibility_m": "80"}, 400, "visibility_m"),
        ({"visibility_m": -1}, 422, "visibility_m"),
        ({"station_code": None}, 400, "station_id"),
        ({"station_code": "NOPE"}, 422, "station_id"),
    ],
)
def test_bad_forecasts_are_refused_naming_the_field(client, change, status, parameter):
    now = datetime.now(UTC)
    body = {"station_code": "VIS-1", "valid_from": iso(now), "valid_to": iso(now + timedelta(hours=1)),
            "visibility_m": 100}  # fmt: skip
    for key, value in change.items():
        if isinstance(value, str) and value.startswith("+"):
            value = iso(now + timedelta(days=int(value[1:-1])))
        body[key] = value
    resp = client.post("/weather/forecasts", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == status, resp.get_json()
    assert resp.mimetype == "application/problem+json" and resp.get_json()["parameter"] == parameter


def test_bad_forecast_queries_are_400_naming_the_parameter(client):
    resp = client.get("/weather/forecasts?at=soon")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "at"


def test_daoan_serve_evaluates_the_warnings_before_it_serves(client, engine, settings):
    """A forecast valid now stored while no server ran (no evaluation followed it): the step `daoan serve`
    runs after routing's warm-up issues its warnings, with directions."""
    from analysis.early_warning.cli import ready_warnings
    from app import build_root
    from gis.cli import CliContext

    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO weather_forecasts (station_id, issued_at, valid_from, valid_to, visibility_m, created_by) "
                "SELECT id, :now, :now, :end, 150, 'test' FROM weather_stations WHERE station_code = 'VIS-1'"
            ),
            {"now": now, "end": now + timedelta(hours=2)},
        )
    assert feed(client) == []
    cli = CliContext(settings, lambda s, e: build_root(s, engine=e))
    try:
        ready_warnings(cli)
    finally:
        cli.close()
    warned = feed(client)
    assert {(w["properties"]["level"], w["properties"]["weather_source"]) for w in warned} == {("yellow", "forecast")}
    assert {w["properties"]["direction"] for w in warned} == {"up", "down"}


def test_the_cli_stores_a_forecast_file_all_or_none_and_evaluates(client, settings, tmp_path):
    import json

    from click.testing import CliRunner

    from cli import main

    now = datetime.now(UTC)
    # with its issue time, a file imported twice is the same issue (without one, each import is a new issue)
    one = {"station_code": "VIS-1", "issued_at": iso(now - timedelta(minutes=3)), "valid_from": iso(now),
           "valid_to": iso(now + timedelta(hours=1)), "visibility_m": 80}  # fmt: skip
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"forecasts": [one, one | {"valid_to": iso(now - timedelta(hours=1))}]}))
    refused = CliRunner().invoke(main, ["warnings", "forecast", str(bad)], obj=settings)
    assert refused.exit_code == 2 and "valid_to" in refused.output, refused.output
    assert client.get("/weather/forecasts").get_json()["features"] == []
    good = tmp_path / "fc.json"
    good.write_text(json.dumps({"forecasts": [one]}), encoding="utf-8")
    stored = CliRunner().invoke(main, ["warnings", "forecast", str(good)], obj=settings)
    assert stored.exit_code == 0, stored.output
    assert stored.output.startswith("stored 1 forecast(s), 0 already stored\nwarnings: issued 2"), stored.output
    assert {w["properties"]["rule_id"] for w in feed(client)} == {"fog-orange"}
    again = CliRunner().invoke(main, ["warnings", "forecast", str(good)], obj=settings)
    assert again.exit_code == 0 and again.output.startswith("stored 0 forecast(s), 1 already stored"), again.output

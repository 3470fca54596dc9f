"""Incidents API: create, change, end, feed with ETag, history, roles, bad input, and every worker
honouring a write at once."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from gis.root import root_of
from tests.conftest import ADMIN_TOKEN, OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import lat, load_corridor

CLOSURE = {
    "kind": "accident",
    "route": "G4",
    "from_stake": "K1520+000",
    "to_stake": "K1525+000",
    "direction": "southbound",
}
LINE = {"type": "LineString", "coordinates": [[113.0, lat(7) - 0.002], [113.0, lat(9) + 0.002]]}


corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(autouse=True)
def no_incidents(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes RESTART IDENTITY"))


def post(client, body, token=OPERATOR_TOKEN):
    return client.post("/incidents", json=body, headers=auth(token) if token else {})


def test_create_by_stakes_records_who_and_geometry(client, engine):
    resp = post(client, CLOSURE)
    assert resp.status_code == 201
    feature = resp.get_json()
    p = feature["properties"]
    assert p["from_stake"] == "K1520+000" and p["to_stake"] == "K1525+000" and p["direction"] == "forward"
    assert p["direction_label"] == "southbound" and p["created_by"] == "operator-1"
    assert feature["geometry"]["type"] == "MultiLineString"
    with engine.connect() as conn:
        change = conn.execute(sa.text("SELECT action, changed_by FROM incident_changes")).one()
    assert tuple(change) == ("create", "operator-1")


def test_stakes_without_metres_are_whole_kilometres(client):
    resp = post(client, dict(CLOSURE, from_stake="K1520", to_stake="K1525"))
    assert resp.status_code == 201, resp.get_json()
    p = resp.get_json()["properties"]
    assert (p["from_stake"], p["to_stake"]) == ("K1520+000", "K1525+000")


def test_create_by_geometry(client):
    resp = post(
        client, {"kind": "works", "effect": "restricted", "speed_cap_kmh": 60, "geometry": LINE, "direction": "forward"}
    )
    assert resp.status_code == 201, resp.get_json()


def test_feed_has_etag_and_answers_304(client):
    post(client, CLOSURE)
    first = client.get("/incidents")
    assert first.status_code == 200 and first.headers.get("ETag")
    assert len(first.get_json()["features"]) == 1
    again = client.get("/incidents", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_patch_extends_and_delete_ends_keeping_history(client):
    ident = post(client, CLOSURE).get_json()["id"]
    resp = client.patch(f"/incidents/{ident}", json={"ends_at": "2099-01-01T00:00:00+08:00"}, headers=auth(ADMIN_TOKEN))
    assert resp.status_code == 200, resp.get_json()
    p = resp.get_json()["properties"]
    assert p["ends_at"].startswith("2098-12-31T16:00") and p["updated_by"] == "admin"
    assert p["from_stake"] == "K1520+000"  # the place is kept
    ended = client.delete(f"/incidents/{ident}", headers=auth(OPERATOR_TOKEN))
    assert ended.status_code == 200 and ended.get_json()["properties"]["status"] == "ended"
    assert client.get("/incidents").get_json()["features"] == []
    history = client.get("/incidents?status=all").get_json()["features"]
    assert [f["id"] for f in history] == [ident]
    actions = [h["action"] for h in client.get(f"/incidents/{ident}").get_json()["properties"]["history"]]
    assert actions == ["create", "update", "end"]


def test_ending_twice_is_409_and_patching_an_ended_one_too(client):
    ident = post(client, CLOSURE).get_json()["id"]
    assert client.delete(f"/incidents/{ident}", headers=auth()).status_code == 200
    assert client.delete(f"/incidents/{ident}", headers=auth()).status_code == 409
    assert client.patch(f"/incidents/{ident}", json={"description": "x"}, headers=auth()).status_code == 409


def test_writes_need_a_token_of_the_right_kind(client):
    assert post(client, CLOSURE, token=None).status_code == 401
    assert post(client, CLOSURE, token="not-a-token").status_code == 403
    assert client.delete("/incidents/1").status_code == 401
    assert client.post("/weather/observations", json={"station_code": "x", "visibility_m": 10}).status_code == 401


def test_unknown_incident_is_404(client):
    assert client.get("/incidents/424242").status_code == 404
    assert client.delete("/incidents/424242", headers=auth()).status_code == 404
    assert client.patch("/incidents/424242", json={}, headers=auth()).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "parameter"),
    [
        (dict(CLOSURE, from_stake="K1700+000"), 422, "from_stake"),
        (dict(CLOSURE, route="G999"), 422, "route"),
        (dict(CLOSURE, from_stake="1520km"), 400, "from_stake"),
        (dict(CLOSURE, kind="meteor"), 400, "kind"),
        (dict(CLOSURE, direction="sideways"), 400, "direction"),
        (dict(CLOSURE, effect="restricted"), 422, "speed_cap_kmh"),
        (dict(CLOSURE, starts_at="2030-01-02T00:00:00Z", ends_at="2030-01-01T00:00:00Z"), 422, "ends_at"),
        ({"kind": "accident", "geometry": {"type": "LineString", "coordinates": []}}, 422, "geometry"),
        (
            {
                "kind": "accident",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[113.0, 28.3], [113.1, 28.4], [113.1, 28.3], [113.0, 28.4], [113.0, 28.3]]],
                },
            },
            422,
            "geometry",
        ),
        ({"kind": "accident", "geometry": {"type": "Point", "coordinates": [110.0, 25.0]}}, 422, "geometry"),
        ({"kind": "accident", "geometry": {"type": "Blob", "coordinates": 1}}, 400, "geometry"),
        ({"kind": "entrance_closure", "toll_station_id": 999}, 422, "toll_station_id"),
        ({"kind": "accident", "speed": 3, "geometry": LINE}, 400, "speed"),
    ],
)
def test_bad_incident_bodies(client, body, status, parameter):
    resp = post(client, body)
    assert resp.status_code == status, resp.get_json()
    problem = resp.get_json()
    assert resp.content_type == "application/problem+json" and problem["parameter"] == parameter


def test_bad_json_is_400(client):
    resp = client.post("/incidents", data="{not json", headers=auth() | {"Content-Type": "application/json"})
    assert resp.status_code == 400


def test_observation_for_unknown_station_is_422(client):
    resp = client.post("/weather/observations", json={"station_code": "NOPE", "visibility_m": 80}, headers=auth())
    assert resp.status_code == 422


def test_write_through_one_app_is_honoured_by_the_next_route_on_another(settings):
    from app import create_app

    one, two = create_app(settings), create_app(settings)
    try:
        c1, c2 = one.test_client(), two.test_client()
        q = f"/route?from=113.0,{lat(4)}&to=113.0,{lat(12)}"
        before = c2.get(q).get_json()["features"][0]["properties"]
        assert before["route_codes"] == ["G4"]
        ident = c1.post("/incidents", json=CLOSURE, headers=auth()).get_json()["id"]
        after = c2.get(q).get_json()["features"][0]["properties"]
        assert after["duration_s"] > before["duration_s"] and ident in after["avoided_incident_ids"]
        c1.delete(f"/incidents/{ident}", headers=auth())
        again = c2.get(q).get_json()["features"][0]["properties"]
        assert again["duration_s"] == before["duration_s"]
    finally:
        root_of(one).engine.dispose()
        root_of(two).engine.dispose()


def test_openapi_describes_the_routing_endpoints(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in (
        "/route",
        "/incidents",
        "/incidents/{id}",
        "/diversion",
        "/isochrone",
        "/matrix",
        "/weather/observations",
    ):
        assert path in paths, path


LINE_JSON = json.dumps(LINE)  # GEOM in the bodies below


@pytest.mark.parametrize(
    ("raw", "status", "parameter"),
    [
        ('{"kind": "accident", "geometry": GEOM, "description": {"a": 1}}', 400, "description"),
        ('{"kind": "accident", "geometry": GEOM, "description": "nul \\u0000 byte"}', 400, "description"),
        ('{"kind": ["accident"], "geometry": GEOM}', 400, "kind"),
        ('{"kind": "accident", "geometry": "LINESTRING(113 28, 113 29)"}', 400, "geometry"),
        ('{"kind": "accident", "route": ["G4"], "from_stake": "K1520+000"}', 400, "route"),
        ('{"kind": "accident", "geometry": GEOM, "direction": {"to": "north"}}', 400, "direction"),
        (
            '{"kind": "works", "effect": "restricted", "speed_cap_kmh": NaN, "geometry": GEOM}',
            422,
            "speed_cap_kmh",
        ),
        (
            '{"kind": "works", "effect": "restricted", "speed_cap_kmh": 1e400, "geometry": GEOM}',
            422,
            "speed_cap_kmh",
        ),
        ('{"kind": "accident", "route": "G4", "from_stake": 1e400}', 400, "from_stake"),
        ('{"kind": "accident", "route": "G4", "from_stake": "nan"}', 400, "from_stake"),
        ('{"kind": "accident", "route": "G4", "from_stake": "K1520+000", "to_stake": Infinity}', 400, "to_stake"),
        ('{"kind": "entrance_closure", "toll_station_id": 99999999999999999999999}', 400, "toll_station_id"),
        ('{"kind": "entrance_closure", "toll_station_id": 1.5}', 400, "toll_station_id"),
        ('{"kind": "accident", "geometry": GEOM, "starts_at": "99999-01-01T00:00:00"}', 400, "starts_at"),
        ('{"kind": "accident", "geometry": GEOM, "ends_at": 20990101}', 400, "ends_at"),
        ('{"kind": "accident", "geometry": GEOM, "ends_at": "2001-01-01T00:00:00Z"}', 422, "ends_at"),
        ('{"kind": "accident", "geometry": {"type": "Point", "coordinates": [NaN, 28.1]}}', 400, "geometry"),
        ('{"kind": "accident", "geometry": {"type": "Point", "coordinates": [1e400, 28.1]}}', 400, "geometry"),
        ('["kind", "accident"]', 400, "body"),
    ],
)
def test_hostile_incident_bodies_are_4xx_naming_the_field(client, raw, status, parameter):
    raw = raw.replace("GEOM", LINE_JSON)
    for path in ("/incidents", "/diversion"):
        resp = client.post(path, data=raw, headers=auth() | {"Content-Type": "application/json"})
        assert resp.status_code == status, (path, resp.get_json())
        assert resp.content_type == "application/problem+json" and resp.get_json()["parameter"] == parameter


def test_hostile_patch_changes_nothing(client):
    ident = post(client, CLOSURE).get_json()["id"]
    before = client.get(f"/incidents/{ident}")
    for raw, parameter in (
        ('{"speed_cap_kmh": 1e400, "effect": "restricted"}', "speed_cap_kmh"),
        ('{"ends_at": "0000-01-01T00:00:00"}', "ends_at"),
        ('{"description": ["x"]}', "description"),
        ('{"ends_at": "2020-01-01T00:00:00+08:00"}', "ends_at"),
    ):
        resp = client.patch(f"/incidents/{ident}", data=raw, headers=auth() | {"Content-Type": "application/json"})
        assert 400 <= resp.status_code < 500 and resp.get_json()["parameter"] == parameter, resp.get_json()
    after = client.get(f"/incidents/{ident}")
    assert after.headers["ETag"] == before.headers["ETag"] and after.get_json() == before.get_json()


def test_ids_past_64_bits_are_404_or_400(client):
    huge = "9" * 25
    assert client.get(f"/incidents/{huge}").status_code == 404
    assert client.patch(f"/incidents/{huge}", json={}, headers=auth()).status_code == 404
    assert client.delete(f"/incidents/{huge}", headers=auth()).status_code == 404
    assert client.get(f"/diversion?incident={huge}").status_code == 404
    assert client.get("/diversion?incident=²").status_code == 400


def test_cli_declares_and_ends_an_incident_once(settings):
    from click.testing import CliRunner

    import cli

    runner = CliRunner()
    args = ["incidents", "add", "--kind", "works", "--route", "G4", "--from-stake", "K1520+000"]
    added = runner.invoke(cli.main, [*args, "--to-stake", "K1522+000", "--description", "CLI"], obj=settings)
    assert added.exit_code == 0, added.output
    ident = added.output.split()[1]
    assert runner.invoke(cli.main, ["incidents", "end", ident], obj=settings).exit_code == 0
    again = runner.invoke(cli.main, ["incidents", "end", ident], obj=settings)
    assert again.exit_code == 2 and "already ended" in again.output
    bad = runner.invoke(cli.main, [*args, "--geometry", "{not json"], obj=settings)
    assert bad.exit_code == 2 and "--geometry" in bad.output

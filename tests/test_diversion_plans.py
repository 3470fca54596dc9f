"""Diversion plans read as a duty officer reads them: restrictions get speed and distance messages,
not detours; ended incidents get no plan (409)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import load_corridor

corridor = module_data(load_corridor, name="corridor")

RESTRICTION = {
    "kind": "weather_closure",
    "effect": "restricted",
    "speed_cap_kmh": 40,
    "route": "G4",
    "from_stake": "K1522+000",
    "to_stake": "K1530+000",
    "direction": "southbound",
}


@pytest.fixture(autouse=True)
def no_incidents(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes, weather_observations RESTART IDENTITY"))


def declare(client, body: dict) -> dict:
    resp = client.post("/incidents", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def roles(plan: dict) -> list[str]:
    return [f["properties"]["role"] for f in plan["features"]]


def test_a_speed_restriction_plan_has_speed_and_distance_messages_and_no_detour(client):
    ident = declare(client, RESTRICTION)["id"]
    resp = client.get(f"/diversion?incident={ident}")
    assert resp.status_code == 200, resp.get_json()
    plan = resp.get_json()
    assert plan["effect"] == "restricted"
    assert not {"detour", "decision_point", "control_point", "entrance_closure", "closure"} & set(roles(plan))
    assert roles(plan).count("restriction") == 1
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    assert len(signs) >= 2 and all(s["distance_to_restriction_m"] > 0 for s in signs)
    for s in signs:
        assert "封闭" not in s["message_zh"] and "绕行" not in s["message_zh"], s
        assert "限速40公里/小时" in s["message_zh"] and "车距保持50米以上" in s["message_zh"], s
        assert "40 km/h" in s["message_en"] and "50 m" in s["message_en"] and "closure" not in s["message_en"]
    assert plan["directions"][0]["plan"] == "restriction" and plan["directions"][0]["following_distance_m"] == 50


def test_an_adhoc_restriction_at_60_keeps_100_metres(client):
    resp = client.post("/diversion", json=dict(RESTRICTION, speed_cap_kmh=60))
    assert resp.status_code == 200, resp.get_json()
    signs = [f["properties"]["message_zh"] for f in resp.get_json()["features"] if f["properties"]["role"] == "sign"]
    assert signs and all("限速60公里/小时" in s and "车距保持100米以上" in s for s in signs), signs


def test_a_plan_for_an_ended_incident_is_409_naming_it_and_its_end(client):
    ident = declare(client, dict(RESTRICTION, effect="closed", speed_cap_kmh=None))["id"]
    assert client.get(f"/diversion?incident={ident}").status_code == 200
    ended = client.delete(f"/incidents/{ident}", headers=auth(OPERATOR_TOKEN)).get_json()["properties"]["ended_at"]
    resp = client.get(f"/diversion?incident={ident}")
    assert resp.status_code == 409
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["incident_id"] == ident and problem["ended_at"] == ended and problem["parameter"] == "incident"
    assert str(ident) in problem["detail"] and ended in problem["detail"]


def test_a_plan_for_an_incident_past_its_end_time_is_409(client, engine):
    ident = declare(client, dict(RESTRICTION, effect="closed", speed_cap_kmh=None))["id"]
    assert client.get(f"/diversion?incident={ident}").status_code == 200  # cached now
    with engine.begin() as conn:  # the clock passes its end (no data version moves)
        conn.execute(
            sa.text(
                "UPDATE incidents SET starts_at = now() - interval '2 minutes', ends_at = now() - interval '1 minute' WHERE id = :i"
            ),
            {"i": ident},
        )
    resp = client.get(f"/diversion?incident={ident}")
    assert resp.status_code == 409 and resp.get_json()["ended_at"], resp.get_json()

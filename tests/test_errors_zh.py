"""Problem details in the language asked on the routing, diversion and incident paths (issue 13): with
Accept-Language zh-CN every error below reads in Chinese as written for it (not the generic sentence
that points to detail_en), with the English kept in detail_en."""

from __future__ import annotations

import re

import pytest

from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import lat, load_corridor

corridor = module_data(load_corridor, name="corridor")
HAN = re.compile(r"[\u3400-\u9fff]")
A, B = f"112.95,{lat(0) + 0.001}", f"112.95,{lat(20) - 0.001}"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def incident(**body):
    return ("POST", "/incidents", {"kind": "works", **body})


CASES = [
    ("GET", f"/route?from={A}&to={A}", None, 422),
    ("GET", f"/route?from={A}&to={B}&geometry=kml", None, 400),
    ("GET", f"/route?from=110.0,{lat(0)}&to={B}", None, 422),
    ("GET", f"/route?from={A}&to={B}&via=" + ";".join([A] * 26), None, 413),
    ("GET", f"/isochrone?at={A}&minutes=0", None, 400),
    ("GET", "/incidents?status=bogus", None, 400),
    incident(route="G4", from_stake="K1700+000", to_stake="K1701+000") + (422,),
    incident(route="G4", from_stake="K1520+1500") + (400,),
    incident() + (400,),
    incident(route="G999", from_stake="K1+000") + (422,),
    incident(kind="flood", route="G4", from_stake="K1520+000") + (400,),
    incident(effect="restricted", route="G4", from_stake="K1520+000") + (422,),
    incident(route="G4", from_stake="K1520+000", direction="sideways") + (400,),
    incident(route="G4", from_stake="K1520+000", starts_at="2030-01-02T08:00:00", ends_at="2030-01-01T08:00:00")
    + (422,),
    incident(route="G4", from_stake="K1520+000", starts_at="yesterday") + (400,),
    ("POST", "/incidents", {"kind": "entrance_closure"}, 400),
    incident(geometry={"type": "Point", "coordinates": [110.0, 20.0]}) + (422,),
    ("POST", "/weather/observations", {"visibility_m": 30}, 400),
    ("POST", "/weather/observations", {"station_code": "NO-SUCH", "visibility_m": 30}, 422),
    ("POST", "/matrix", {"sources": [[113.0, lat(4)]] * 101, "destinations": [[113.0, lat(4)]]}, 413),
]


@pytest.mark.parametrize(("method", "url", "body", "status"), CASES)
def test_errors_read_in_chinese(client, method, url, body, status):
    headers = {**ZH, **auth(OPERATOR_TOKEN)}
    resp = client.open(url, method=method, json=body, headers=headers)
    assert resp.status_code == status, resp.get_json()
    problem = resp.get_json()
    assert HAN.search(problem["detail"]) and "detail_en" in problem, problem
    assert "见 detail_en" not in problem["detail"], problem  # written for this error, not the generic line
    assert problem["title"] != "Unprocessable" and problem["detail"] != problem["detail_en"]


def test_an_ended_incident_answers_409_in_chinese(client):
    made = client.post(
        "/incidents", json={"kind": "works", "route": "G4", "from_stake": "K1520+000"}, headers=auth(OPERATOR_TOKEN)
    )
    ident = made.get_json()["id"]
    assert client.delete(f"/incidents/{ident}", headers=auth(OPERATOR_TOKEN)).status_code in (200, 204)
    again = client.patch(f"/incidents/{ident}", json={"description": "x"}, headers={**ZH, **auth(OPERATOR_TOKEN)})
    assert again.status_code == 409
    assert "已于" in again.get_json()["detail"] and "发布新事件" in again.get_json()["detail"]

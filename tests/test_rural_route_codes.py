"""Township roads are numbered within their county (GB/T 917-2017): Y001 names one road in each county,
and the road database's 路线编码 (the number and the county's 行政区划代码, Y001430423) names one road
wherever a route is asked for by stakes (issue 13)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gis.roads import class_from_ref, split_route_id
from gis.root import root_of
from tests.conftest import OPERATOR_TOKEN, auth

# Two township roads numbered Y001, in 衡山县 (430423) and 衡阳县 (430421), 1 km each, stakes K0 – K1.
ROADS = """
INSERT INTO road_nodes (id, geom) VALUES
    (1, ST_SetSRID(ST_MakePoint(112.80, 27.30), 4326)), (2, ST_SetSRID(ST_MakePoint(112.81, 27.30), 4326)),
    (3, ST_SetSRID(ST_MakePoint(112.50, 27.10), 4326)), (4, ST_SetSRID(ST_MakePoint(112.51, 27.10), 4326));
INSERT INTO road_segments (road_class, route_code, name, oneway, default_speed_kmh, length_m, start_stake_m,
                           end_stake_m, county_adcode, source_node, target_node, source, geom)
SELECT 'township', 'Y001', n, false, 30, ST_Length(ST_MakeLine(a.geom, b.geom)::geography), 0, 1000, c, a.id, b.id,
       'test', ST_MakeLine(a.geom, b.geom)
FROM (VALUES (1, 2, '白果乡道', '430423'), (3, 4, '西渡乡道', '430421')) v(x, y, n, c)
JOIN road_nodes a ON a.id = v.x JOIN road_nodes b ON b.id = v.y;
"""


@pytest.fixture()
def two_y001(empty_db):
    with empty_db.begin() as conn:
        conn.execute(sa.text(ROADS))
    return empty_db


def test_route_codes_split_into_number_and_county():
    assert split_route_id("Y001430423") == ("Y001", "430423")
    assert split_route_id("G4") == ("G4", None)
    assert class_from_ref("Y001430423", motorway=False) == "township"


def test_a_number_several_counties_give_asks_for_the_route_code_with_the_county(client, two_y001):
    body = {"kind": "works", "route": "Y001", "from_stake": "K0+100", "to_stake": "K0+300"}
    resp = client.post("/incidents", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 422
    problem = resp.get_json()
    assert problem["parameter"] == "route" and "Y001430421" in problem["detail"]
    zh = client.post("/incidents", json=body, headers={**auth(OPERATOR_TOKEN), "Accept-Language": "zh-CN"})
    assert "路线编码" in zh.get_json()["detail"]
    made = client.post("/incidents", json=dict(body, route="Y001430423"), headers=auth(OPERATOR_TOKEN))
    assert made.status_code == 201, made.get_json()
    xs = [x for line in made.get_json()["geometry"]["coordinates"] for x, _ in line]
    assert xs and all(112.80 <= x <= 112.81 for x in xs)  # on 衡山县's Y001 only


def test_locate_by_route_code_and_the_route_code_of_a_point(client, two_y001):
    assert client.get("/locate?route=Y001&stake=K0+500").status_code == 422
    found = client.get("/locate?route=Y001430421&stake=K0+500").get_json()
    assert found["geometry"]["coordinates"][0] == pytest.approx(112.505, abs=1e-4)
    at = client.get("/locate?at=112.805,27.3001").get_json()["properties"]
    assert at["route_code"] == "Y001" and at["route_id"] == "Y001430423"


def test_search_gives_each_countys_road_its_route_code(client, two_y001):
    roads = client.get("/search?q=Y001").get_json()["roads"]
    assert sorted(r["route_id"] for r in roads) == ["Y001430421", "Y001430423"]
    assert all(r["length_m"] == pytest.approx(1000, rel=0.02) for r in roads)  # one county's road each
    one = client.get("/search?q=Y001430423").get_json()["roads"]
    assert [(r["route_id"], r["name"]) for r in one] == [("Y001430423", "白果乡道")]


def test_a_network_imported_with_the_full_route_code_is_found_by_it(client, two_y001):
    with two_y001.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET route_code = 'Y001430421' WHERE county_adcode = '430421'"))
    root_of(client.application).versions.expire()
    found = client.get("/locate?route=Y001430421&stake=K0+500")
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["geometry"]["coordinates"][0] == pytest.approx(112.505, abs=1e-4)
    assert client.get("/locate?route=Y001&stake=K0+500").status_code == 200  # one county's Y001 is left

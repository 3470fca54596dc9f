"""Stake-precise closures (issue 13): a closure acts on the stakes asked, per direction, splitting the
segments at its ends virtually; the open parts of a partly closed segment stay usable, the closed part
is never passed, the incident's geometry is the range asked on the closed carriageway, and the road
network itself never changes."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from gis.root import root_of
from gis.versions import LayerVersions
from routing.graph import load_graph
from routing.overlay import build_overlay, point_length_m
from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import STEP_DEG, lat, load_corridor

corridor = module_data(load_corridor, name="corridor")
NORTH = f"112.95,{lat(0) + 0.001}"  # on G107 near row 0
SOUTH = f"112.95,{lat(20) - 0.001}"  # on G107 near row 20
SEG7_START = 1_500_000 + 7 * 2780  # G4 southbound segment 7 runs K1519+460 – K1522+240 (rows 7 → 8)


@pytest.fixture(autouse=True)
def no_incidents(engine, app):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes, weather_observations RESTART IDENTITY"))
    # a write straight to the database: the app reads the new versions now, not up to a TTL later
    root_of(app).versions.expire()
    yield


def southbound_at(stake_m: float) -> str:
    """A point on G4's southbound carriageway (113.000°E) at a stake (rows every 2,780 m)."""
    rows = (stake_m - 1_500_000) / 2780.0
    return f"113.0,{lat(0) - rows * STEP_DEG:.7f}"


def close(client, body: dict) -> dict:
    resp = client.post("/incidents", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def route(client, frm: str, to: str):
    return client.get(f"/route?from={frm}&to={to}")


CLOSURE = {
    "kind": "works",
    "route": "G4",
    "from_stake": "K1520+000",
    "to_stake": "K1530+000",
    "direction": "southbound",
}


def test_a_route_reaches_and_leaves_the_open_parts_of_partly_closed_segments(client):
    inc = close(client, CLOSURE)
    before = southbound_at(SEG7_START + 278)  # K1519+738: on segment 7, 262 m before the closure
    resp = route(client, NORTH, before)
    assert resp.status_code == 200, resp.get_json()
    props = resp.get_json()["features"][0]["properties"]
    assert "G4" in props["route_codes"]
    assert inc["id"] not in props["incident_ids"]  # it drives the open part only
    assert all(s["duration_s"] < 1e6 for s in props["steps"])
    # past the closure on segment 10 (K1527+800 – K1530+580): K1530+300 is open again
    after = route(client, southbound_at(1_530_300), SOUTH)
    assert after.status_code == 200, after.get_json()
    # inside the closed range nothing leaves southbound (a one-way carriageway): no route
    inside = route(client, southbound_at(1_521_000), SOUTH)
    assert inside.status_code == 422
    # and a route never passes the closed part: from before the closure to after it, off G4
    through = route(client, southbound_at(1_519_600), southbound_at(1_530_300))
    assert through.status_code == 422  # no exit between the point and the closure on segment 7


def test_a_point_closure_closes_a_few_metres(client, engine):
    inc = close(client, {"kind": "accident", "route": "G4", "from_stake": "K1521+000", "direction": "southbound"})
    assert point_length_m() <= 50
    reached = route(client, NORTH, southbound_at(1_520_900))
    assert reached.status_code == 200, reached.get_json()
    left = route(client, southbound_at(1_521_100), SOUTH)
    assert left.status_code == 200, left.get_json()
    assert route(client, southbound_at(1_520_900), southbound_at(1_521_100)).status_code == 422
    with engine.connect() as conn:
        graph = load_graph(conn)
        ov = build_overlay(conn, graph, datetime.now(UTC), hazards=False)
    closed_m = sum((hi - lo) * float(graph.seg_length_m[a >> 1]) for a, (lo, hi, _) in ov.closed_parts.items())
    whole = [a for a in ov.closed_incidents if a not in ov.closed_parts and math.isfinite(graph.base_cost[a])]
    assert not whole  # no arc that exists is closed whole
    assert closed_m == pytest.approx(point_length_m(), abs=0.5)
    assert {i for s in ov.closed_incidents.values() for i in s} == {inc["id"]}


def test_the_closure_closes_the_stakes_asked_and_its_geometry_is_that_range_on_its_carriageway(client, engine):
    with engine.connect() as conn:
        network_before = {k: v for k, v in LayerVersions.read(conn).items() if k.startswith("road_")}
    one_way = close(client, CLOSURE)
    both = close(client, dict(CLOSURE, from_stake="K1540+000", to_stake="K1545+500", direction="both"))
    with engine.connect() as conn:
        graph = load_graph(conn)
        ov = build_overlay(conn, graph, datetime.now(UTC), hazards=False)
        rows = conn.execute(sa.text("SELECT id, ST_Length(geom::geography) AS m FROM incidents ORDER BY id"))
        lengths = {r.id: r.m for r in rows}
        network_after = {k: v for k, v in LayerVersions.read(conn).items() if k.startswith("road_")}
    assert network_after == network_before  # a closure never touches road_segments: no rebuild, no tiles
    closed_m = {one_way["id"]: 0.0, both["id"]: 0.0}
    for a, incs in ov.closed_incidents.items():
        if not math.isfinite(graph.base_cost[a]):  # the way a one-way carriageway is not driven
            continue
        lo, hi, _ = ov.closed_parts.get(a, (0.0, 1.0, 0.0))
        for i in incs:
            closed_m[i] += (hi - lo) * float(graph.seg_length_m[a >> 1])
    # 10 km asked southbound closes 10 km (whole segments would be 4 × 2,780 m); 5.5 km both ways, 2 × 5.5
    assert closed_m[one_way["id"]] == pytest.approx(10_000, rel=0.005)
    assert closed_m[both["id"]] == pytest.approx(11_000, rel=0.005)
    # the stored geometry: the range asked, on the southbound carriageway only (113.000°E)
    assert lengths[one_way["id"]] == pytest.approx(10_000, rel=0.005)
    assert lengths[both["id"]] == pytest.approx(11_000, rel=0.005)
    served = client.get(f"/incidents/{one_way['id']}").get_json()
    lines = served["geometry"]["coordinates"]
    assert {round(x, 4) for line in lines for x, _ in line} == {113.0}


def test_a_point_drawn_on_the_map_closes_a_few_metres_where_it_lies(client):
    lon, lat_ = southbound_at(1_521_000).split(",")
    point = {"type": "Point", "coordinates": [float(lon), float(lat_)]}
    close(client, {"kind": "accident", "geometry": point, "direction": "forward"})
    assert route(client, NORTH, southbound_at(1_520_900)).status_code == 200  # 100 m before it: reached
    assert route(client, southbound_at(1_521_100), SOUTH).status_code == 200  # 100 m past it: left
    assert route(client, southbound_at(1_520_900), southbound_at(1_521_100)).status_code == 422  # not passed


def test_matrices_and_isochrones_use_the_open_parts_too(client):
    close(client, CLOSURE)
    before, after = southbound_at(SEG7_START + 278), southbound_at(1_530_300)  # either side of the closure
    sources = [[float(v) for v in p.split(",")] for p in (NORTH, after)]
    destinations = [[float(v) for v in p.split(",")] for p in (before, SOUTH)]
    body = client.post("/matrix", json={"sources": sources, "destinations": destinations}).get_json()
    assert all(t is not None for row in body["durations_s"] for t in row), body
    iso = client.get(f"/isochrone?at={after}&minutes=5")
    assert iso.status_code == 200, iso.get_json()
    assert iso.get_json()["features"][0]["properties"]["reached_nodes"] > 0

"""Routes, closures, fog, entrance closures, diversion plans, isochrones and matrices on the test corridor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from gis.root import root_of
from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import lat, load_corridor, segment_ids

NORTH = f"112.95,{lat(0) + 0.001}"  # on G107 near row 0
SOUTH = f"112.95,{lat(20) - 0.001}"  # on G107 near row 20
G4_SOUTHBOUND = "route_code = 'G4' AND end_stake_m > start_stake_m"
G4_NORTHBOUND = "route_code = 'G4' AND end_stake_m < start_stake_m"


corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(autouse=True)
def no_incidents(engine, app):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes, weather_observations RESTART IDENTITY"))
        conn.execute(sa.text("UPDATE hazard_zones SET active = true WHERE NOT active"))
    # a write straight to the database: the app reads the new versions now, not up to a TTL later
    root_of(app).versions.expire()
    yield


def route(client, frm: str = NORTH, to: str = SOUTH, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    resp = client.get(f"/route?from={frm}&to={to}&{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def close(client, body: dict, token: str = OPERATOR_TOKEN) -> dict:
    resp = client.post("/incidents", json=body, headers=auth(token))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


SOUTHBOUND_CLOSURE = {
    "kind": "weather_closure",
    "route": "G4",
    "from_stake": "K1520+000",
    "to_stake": "K1530+000",
    "direction": "southbound",
}


# ---------------------------------------------------------------- routes
def test_route_takes_the_expressway_with_chinese_instructions(client):
    body = route(client)
    props = body["features"][0]["properties"]
    assert "G4" in props["route_codes"]
    assert body["features"][0]["geometry"]["type"] == "LineString"
    texts = [s["instruction"] for s in props["steps"]]
    g4 = next(t for t in texts if "G4京港澳高速" in t)
    assert re.match(r"^(驶入|出发，)?.*沿G4京港澳高速向南行驶[\d.]+公里，从K1\d{3}\+\d{3}出口驶出$", g4), texts
    assert props["steps"][-1]["maneuver"]["type"] == "arrive"
    assert props["distance_m"] > 50_000 and props["duration_s"] > 0


def test_route_in_english_from_accept_language(client):
    resp = client.get(f"/route?from={NORTH}&to={SOUTH}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    texts = [s["instruction"] for s in resp.get_json()["features"][0]["properties"]["steps"]]
    assert any("G4 京港澳高速" in t and "south" in t for t in texts), texts
    assert texts[-1] == "You have arrived at your destination"


def test_polyline6_and_alternatives(client):
    body = route(client, geometry="polyline6", alternatives=2)
    assert body["features"][0]["geometry"] is None and body["features"][0]["properties"]["polyline6"]
    assert 1 <= len(body["features"]) <= 3
    assert body["features"][0]["properties"]["duration_s"] <= min(
        f["properties"]["duration_s"] for f in body["features"]
    )


def _decode_polyline(text: str, precision: int = 6) -> list[tuple[float, float]]:
    """The reference decoding (character by character), as (lon, lat) pairs."""
    values, shift, acc = [], 0, 0
    for ch in text:
        b = ord(ch) - 63
        acc |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(acc >> 1) if acc & 1 else acc >> 1)
            shift = acc = 0
    lat = lon = 0
    out = []
    for dlat, dlon in zip(values[0::2], values[1::2], strict=True):
        lat, lon = lat + dlat, lon + dlon
        out.append((lon / 10**precision, lat / 10**precision))
    return out


def test_polyline6_encodes_the_geojson_line():
    import numpy as np

    from routing.route_kernels import encode_polyline

    # Google's documented example, at precision 5.
    assert (
        encode_polyline(np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]]), 5)
        == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    )
    rng = np.random.default_rng(7)
    line = np.cumsum(rng.normal(0, 0.01, (500, 2)), axis=0) + [112.9, 28.2]
    assert np.allclose(_decode_polyline(encode_polyline(line)), np.round(line, 6), atol=1e-9)


def test_polyline6_is_the_route_geometry(client):
    geojson = route(client)["features"][0]["geometry"]["coordinates"]
    encoded = route(client, geometry="polyline6")["features"][0]["properties"]["polyline6"]
    decoded = _decode_polyline(encoded)
    assert len(decoded) == len(geojson)
    assert max(abs(a - b) for p, q in zip(decoded, geojson, strict=True) for a, b in zip(p, q, strict=True)) < 1e-6


def test_via_point_is_visited(client):
    via = f"112.99,{lat(10)}"  # the local node of the middle interchange
    props = route(client, via=via)["features"][0]["properties"]
    assert sum(1 for s in props["steps"] if s["maneuver"]["type"] == "waypoint") == 1


# ---------------------------------------------------------------- closures
def test_closed_direction_is_never_used_and_the_other_still_is(client, engine):
    before = route(client)["features"][0]["properties"]
    incident = close(client, SOUTHBOUND_CLOSURE)
    assert incident["properties"]["direction"] == "forward"  # southbound = increasing stakes on G4
    closed = segment_ids(
        engine, G4_SOUTHBOUND + " AND end_stake_m > :lo AND start_stake_m < :hi", {"lo": 1_520_000, "hi": 1_530_000}
    )
    props = route(client)["features"][0]["properties"]
    assert not closed & set(props["segment_ids"])
    assert props["duration_s"] > before["duration_s"]
    assert incident["id"] in props["avoided_incident_ids"]
    back = route(client, frm=SOUTH, to=NORTH)["features"][0]["properties"]
    assert "G4" in back["route_codes"]  # northbound is open
    free = route(client, ignore="incidents")["features"][0]["properties"]
    assert free["duration_s"] == pytest.approx(before["duration_s"], abs=0.2)


def test_restricted_incident_caps_speed(client, engine):
    before = route(client)["features"][0]["properties"]
    inc = close(
        client,
        {
            "kind": "works",
            "effect": "restricted",
            "speed_cap_kmh": 100,
            "route": "G4",
            "from_stake": "K1520+000",
            "to_stake": "K1525+000",
            "direction": "both",
        },
    )
    after = route(client)["features"][0]["properties"]
    assert "G4" in after["route_codes"]
    # the stake range asked (issue 13: not the whole segments it touches), southbound, at 100 instead of
    # 120 km/h: each segment's share inside K1520–K1525 by its stakes
    with engine.connect() as conn:
        capped = conn.execute(
            sa.text(
                "SELECT sum(length_m * (least(1525000, greatest(start_stake_m, end_stake_m)) "
                "- greatest(1520000, least(start_stake_m, end_stake_m))) / abs(end_stake_m - start_stake_m)) "
                f"FROM road_segments WHERE {G4_SOUTHBOUND} AND greatest(start_stake_m, end_stake_m) > 1520000 "
                "AND least(start_stake_m, end_stake_m) < 1525000"
            )
        ).scalar()
        whole = conn.execute(
            sa.text(
                f"SELECT sum(length_m) FROM road_segments WHERE {G4_SOUTHBOUND} "
                "AND greatest(start_stake_m, end_stake_m) > 1520000 AND least(start_stake_m, end_stake_m) < 1525000"
            )
        ).scalar()
    assert capped < whole  # the range cuts segments: the test tells the two apart
    assert after["duration_s"] - before["duration_s"] == pytest.approx(capped * 3.6 * (1 / 100 - 1 / 120), abs=0.2)
    assert after["incident_ids"] == [inc["id"]]


def test_scheduled_closure_applies_only_from_its_start(client):
    start = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    body = dict(SOUTHBOUND_CLOSURE, starts_at=start)
    inc = close(client, body)
    assert inc["properties"]["status"] == "scheduled"
    now = route(client)["features"][0]["properties"]
    later = route(client, depart_at=(datetime.now(UTC) + timedelta(hours=3)).isoformat().replace("+", "%2B"))
    assert later["features"][0]["properties"]["duration_s"] > now["duration_s"]


def test_entrance_closure_closes_entries_and_keeps_exits(client, engine):
    with engine.connect() as conn:
        ts = conn.execute(sa.text("SELECT id FROM toll_stations WHERE name = '收费站6'")).scalar()
    entry = segment_ids(engine, "road_class = 'link' AND source_node IN (3006) AND target_node IN (1006, 2006)")
    exit_ = segment_ids(engine, "road_class = 'link' AND source_node = 1006 AND target_node = 3006")
    start = f"112.99,{lat(6)}"
    assert entry & set(route(client, frm=start)["features"][0]["properties"]["segment_ids"])
    close(client, {"kind": "entrance_closure", "toll_station_id": ts})
    props = route(client, frm=start)["features"][0]["properties"]
    assert not entry & set(props["segment_ids"])
    into = route(client, frm=NORTH, to=start)["features"][0]["properties"]
    assert exit_ & set(into["segment_ids"])  # exits stay open


# ---------------------------------------------------------------- fog and ice
def _observe(client, visibility: float) -> None:
    resp = client.post(
        "/weather/observations",
        json={"station_code": "VIS-1", "visibility_m": visibility},
        headers=auth(OPERATOR_TOKEN),
    )
    assert resp.status_code == 201, resp.get_json()


def _fog_segments(engine) -> set[int]:
    return segment_ids(
        engine, G4_SOUTHBOUND + " AND ST_Intersects(geom, (SELECT geom FROM hazard_zones WHERE kind = 'fog'))"
    )


def test_fog_below_100_m_caps_the_zone_at_40_kmh(client, engine):
    on_g4 = (f"113.0,{lat(4)}", f"113.0,{lat(16)}")
    before = route(client, frm=on_g4[0], to=on_g4[1])["features"][0]["properties"]
    _observe(client, 80)
    after = route(client, frm=on_g4[0], to=on_g4[1])["features"][0]["properties"]
    fog = _fog_segments(engine) & set(after["segment_ids"])
    assert fog, "the route still runs through the fog zone"
    with engine.connect() as conn:
        length = conn.execute(
            sa.text("SELECT sum(length_m) FROM road_segments WHERE id = ANY(:ids)"), {"ids": sorted(fog)}
        ).scalar()
    expected = before["duration_s"] + length * 3.6 / 40 - length * 3.6 / 120
    assert after["duration_s"] == pytest.approx(expected, rel=1e-3)
    assert after["hazard_ids"] and after["fog_visibility_m"]


def test_fog_below_50_m_closes_the_expressway_in_the_zone(client, engine):
    _observe(client, 30)
    props = route(client)["features"][0]["properties"]
    assert not _fog_segments(engine) & set(props["segment_ids"])


def test_stale_observation_is_ignored(client, engine):
    old = (datetime.now(UTC) - timedelta(minutes=45)).isoformat()
    resp = client.post(
        "/weather/observations",
        json={"station_code": "VIS-1", "visibility_m": 30, "observed_at": old},
        headers=auth(OPERATOR_TOKEN),
    )
    assert resp.status_code == 201
    props = route(client)["features"][0]["properties"]
    assert _fog_segments(engine) & set(props["segment_ids"])


def test_ice_zone_closes_its_bridge_when_the_road_surface_freezes(client, engine):
    bridge = segment_ids(engine, "bridge")
    frm, to = f"113.0,{lat(17)}", SOUTH  # fastest: on over the bridge to the last interchange
    assert bridge & set(route(client, frm=frm, to=to)["features"][0]["properties"]["segment_ids"])
    warm = {"station_code": "ICE-1", "road_surface_temp_c": 3.5}
    assert client.post("/weather/observations", json=warm, headers=auth(OPERATOR_TOKEN)).status_code == 201
    assert bridge & set(route(client, frm=frm, to=to)["features"][0]["properties"]["segment_ids"])
    cold = {"station_code": "ICE-1", "road_surface_temp_c": -2.0}
    assert client.post("/weather/observations", json=cold, headers=auth(OPERATOR_TOKEN)).status_code == 201
    props = route(client, frm=frm, to=to)["features"][0]["properties"]
    assert not bridge & set(props["segment_ids"])


def test_avoid_hazards_keeps_out_of_the_fog_zone(client, engine):
    props = route(client, avoid="hazards")["features"][0]["properties"]
    assert not _fog_segments(engine) & set(props["segment_ids"])
    assert not props["hazard_ids"]


# ---------------------------------------------------------------- diversion
def test_diversion_plan_for_an_incident(client):
    inc = close(client, SOUTHBOUND_CLOSURE)
    resp = client.get(f"/diversion?incident={inc['id']}")
    assert resp.status_code == 200, resp.get_json()
    plan = resp.get_json()
    roles = {f["properties"]["role"] for f in plan["features"]}
    assert {"closure", "decision_point", "detour", "control_point", "sign", "entrance_closure"} <= roles
    assert plan["incident_id"] == inc["id"]
    assert len(plan["directions"]) == 1 and plan["directions"][0]["recommended_decision_point"]
    detours = [f for f in plan["features"] if f["properties"]["role"] == "detour"]
    assert all(d["properties"]["added_duration_s"] > 0 for d in detours)
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    # no variable message sign in this network: a mobile board before each decision point, with its stake
    assert signs and all(
        s["temporary"] and re.match(r"临时移动式情报板（K1\d{3}\+\d{3}处，分流点前", s["sign_name"]) and s["fits"]
        for s in signs
    ), signs
    assert all(s["message_lines"][0].startswith("前方") and "封闭" in s["message_zh"] for s in signs), signs
    assert all("收费站驶离" in s["message_zh"] for s in signs), [s["message_lines"] for s in signs]
    assert all(s["message_en"] for s in signs)
    far = next(
        f for f in plan["features"] if f["properties"]["role"] == "decision_point" and f["properties"]["recommended"]
    )
    assert far["properties"]["distance_to_closure_m"] > 0


def test_adhoc_diversion_both_directions_stores_nothing(client, engine):
    body = {"kind": "accident", "route": "G4", "from_stake": "K1520+000", "to_stake": "K1530+000"}
    resp = client.post("/diversion", json=body)
    assert resp.status_code == 200, resp.get_json()
    assert len(resp.get_json()["directions"]) == 2
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar() == 0


def test_unknown_incident_diversion_is_404(client):
    assert client.get("/diversion?incident=999999").status_code == 404


# ---------------------------------------------------------------- isochrone and matrix
def test_isochrone_polygons_grow_with_minutes(client):
    resp = client.get(f"/isochrone?at=113.0,{lat(10)}&minutes=5,10,15")
    assert resp.status_code == 200
    feats = resp.get_json()["features"]
    import shapely.geometry

    areas = {f["properties"]["minutes"]: shapely.geometry.shape(f["geometry"]).area for f in feats}
    assert areas[5.0] < areas[10.0] < areas[15.0]


def test_matrix_honours_closures(client):
    pts = [[113.0, lat(4)], [113.0, lat(16)], [112.95, lat(10)]]
    before = client.post("/matrix", json={"sources": pts, "destinations": pts}).get_json()
    close(client, SOUTHBOUND_CLOSURE)
    after = client.post("/matrix", json={"sources": pts, "destinations": pts}).get_json()
    assert after["durations_s"][0][1] > before["durations_s"][0][1]
    assert after["durations_s"][1][0] == before["durations_s"][1][0]
    assert before["durations_s"][0][0] == 0


def test_matrix_over_the_limit_is_413(client):
    pts = [[113.0, lat(4)]] * 101
    resp = client.post("/matrix", json={"sources": pts, "destinations": pts[:2]})
    assert resp.status_code == 413 and resp.get_json()["limit"] == 100


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "query",
    [
        "from=abc&to=112.95,28.0",
        "from=200,28&to=112.95,28.0",
        "from=112.95,95&to=112.95,28.0",
        "to=112.95,28.0",
        "from=112.95,28.4&to=1,2,3",
    ],
)
def test_bad_coordinates_are_400(client, query):
    resp = client.get(f"/route?{query}")
    assert resp.status_code == 400
    assert resp.content_type == "application/problem+json"


def test_both_ends_far_from_roads_is_422_with_distance(client):
    resp = client.get("/route?from=110.0,25.0&to=110.1,25.1")
    assert resp.status_code == 422
    assert resp.get_json()["distance_m"] > 500


def test_identical_from_and_to_is_rejected(client):
    assert client.get(f"/route?from={NORTH}&to={NORTH}").status_code == 422
    # Two points either side of G107 snap to the same place on it.
    west, east = f"112.9499,{lat(3) + 0.001}", f"112.9501,{lat(3) + 0.001}"
    resp = client.get(f"/route?from={west}&to={east}")
    assert resp.status_code == 422 and "same place" in resp.get_json()["detail"]


def test_bad_route_options_are_400(client):
    assert client.get(f"/route?from={NORTH}&to={SOUTH}&alternatives=9").status_code == 400
    assert client.get(f"/route?from={NORTH}&to={SOUTH}&avoid=tolls").status_code == 400
    assert client.get(f"/route?from={NORTH}&to={SOUTH}&depart_at=tomorrow").status_code == 400

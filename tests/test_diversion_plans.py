"""Diversion plans read as a duty officer reads them: restrictions get speed and distance messages,
not detours; ended incidents get no plan (409)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gis.root import root_of
from routing.signs import width
from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import load_corridor

corridor = module_data(load_corridor, name="corridor")

RESTRICTION = {
    "kind": "weather_closure",
    "weather": "fog",
    "effect": "restricted",
    "speed_cap_kmh": 40,
    "route": "G4",
    "from_stake": "K1522+000",
    "to_stake": "K1530+000",
    "direction": "southbound",
}


@pytest.fixture(autouse=True)
def no_incidents(engine, app):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes, weather_observations RESTART IDENTITY"))
    root_of(app).versions.expire()  # a write straight to the database: read the new versions now


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
    # No variable message sign in this network: temporary trailer boards, named as such with their stake and
    # distance, the message laid out on the board's lines (plan_rules.toml: 3 lines of 10 characters).
    assert all(s["temporary"] and s["sign_name"].startswith("临时移动式情报板（K15") for s in signs), signs
    for s in signs:
        assert re.fullmatch(r"K15\d\d\+\d{3}", s["stake"]) and f"{s['stake']}处，限速路段前" in s["sign_name"], s
        assert s["fits"] and len(s["message_lines"]) <= s["lines"] == 3, s
        assert all(width(line) <= s["chars_per_line"] == 10 for line in s["message_lines"]), s
        assert "封闭" not in s["message_zh"] and "绕行" not in s["message_zh"], s
        assert s["message_lines"] == ["前方大雾路段", "限速40公里/小时", "车距50米以上"], s
        assert "40 km/h" in s["message_en"] and "50 m" in s["message_en"] and "closure" not in s["message_en"]
    assert plan["directions"][0]["plan"] == "restriction" and plan["directions"][0]["following_distance_m"] == 50
    basis = plan["legal_basis"]  # 40 km/h and 50 m in fog on an expressway: art. 81 (2)
    assert basis["article"] == "实施条例第八十一条第（二）项" and basis["rule_gap_m"] == 50
    assert basis["note_zh"].startswith(
        "依据《中华人民共和国道路交通安全法实施条例》第八十一条第（二）项，能见度小于100米时"
    )


def test_an_adhoc_restriction_at_60_keeps_100_metres(client):
    resp = client.post("/diversion", json=dict(RESTRICTION, speed_cap_kmh=60))
    assert resp.status_code == 200, resp.get_json()
    signs = [f["properties"]["message_zh"] for f in resp.get_json()["features"] if f["properties"]["role"] == "sign"]
    assert signs and all("限速60公里/小时" in s and "车距100米以上" in s for s in signs), signs


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


# ---------------------------------------------------------------- weather rules by road class
G107_ZONE = "ST_Multi(ST_SetSRID(ST_MakeEnvelope(112.948, 28.2125, 112.952, 28.2875), 4326))"
G107_A, G107_B = "112.95,28.2700", "112.95,28.2300"  # both on G107 inside its zone


@pytest.fixture()
def g107_hazards(engine):
    """A fog zone and a declared ice zone on G107 (an ordinary national road), with a station."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE hazard_zones SET active = false"))
        conn.execute(
            sa.text(
                f"INSERT INTO hazard_zones (name, kind, severity, active, route_code, geom) "
                f"VALUES ('G107团雾路段', 'fog', 3, true, 'G107', {G107_ZONE})"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO weather_stations (name, kind, station_code, status, geom) "
                "VALUES ('G107能见度站', 'visibility', 'VIS-107', 'active', ST_SetSRID(ST_MakePoint(112.951, 28.25), 4326))"
            )
        )
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM hazard_zones WHERE name LIKE 'G107%'"))
        conn.execute(sa.text("DELETE FROM weather_stations WHERE station_code = 'VIS-107'"))
        conn.execute(sa.text("UPDATE hazard_zones SET active = true"))


def g107_duration(client) -> float:
    root_of(client.application).versions.expire()  # the tests write hazard zones straight to the database
    resp = client.get(f"/route?from={G107_A}&to={G107_B}")
    assert resp.status_code == 200, resp.get_json()
    props = resp.get_json()["features"][0]["properties"]
    assert props["route_codes"] == ["G107"], props["route_codes"]
    return props["duration_s"]


def observe(client, visibility_m: float) -> None:
    resp = client.post(
        "/weather/observations", json={"station_code": "VIS-107", "visibility_m": visibility_m}, headers=auth()
    )
    assert resp.status_code == 201, resp.get_json()


def test_fog_at_80_m_puts_no_60_or_40_cap_on_an_ordinary_road(client, g107_hazards):
    clear = g107_duration(client)
    observe(client, 80)
    assert g107_duration(client) == pytest.approx(clear)


def test_fog_within_50_m_caps_an_ordinary_road_at_30_kmh_and_keeps_it_open(client, g107_hazards):
    clear = g107_duration(client)
    observe(client, 40)
    foggy = g107_duration(client)  # still on G107: art. 46 caps, it does not close
    km = 0.04 * 111.2  # the route's length along G107 (0.04° of latitude)
    assert foggy > clear and foggy == pytest.approx(km / 30 * 3600, rel=0.03)


def test_ice_declared_on_an_ordinary_road_caps_it_at_30_kmh_not_closes_it(client, engine, g107_hazards):
    clear = g107_duration(client)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO hazard_zones (name, kind, severity, active, route_code, properties, geom) "
                f"VALUES ('G107结冰路段', 'ice', 3, true, 'G107', '{{\"icing\": true}}', {G107_ZONE})"
            )
        )
    icy = g107_duration(client)
    assert icy > clear and icy == pytest.approx(0.04 * 111.2 / 30 * 3600, rel=0.03)


def test_a_fog_closure_plan_says_the_closure_is_the_operational_measure_under_art_81(client):
    resp = client.post("/weather/observations", json={"station_code": "VIS-1", "visibility_m": 30}, headers=auth())
    assert resp.status_code == 201
    body = dict(RESTRICTION, effect="closed", speed_cap_kmh=None)
    plan = client.post("/diversion", json=body).get_json()
    basis = plan["legal_basis"]
    assert basis["hazard"] == "fog" and basis["road_class"] == "expressway" and basis["visibility_m"] == 30
    assert "第八十一条" in basis["article"] and basis["rule_measure"] == "close"
    assert (
        "第三十九条" in basis["note_zh"] and "实施交通管制（封闭）" in basis["note_zh"] and "20公里" in basis["note_zh"]
    )


def test_a_weather_closure_with_no_weather_declared_or_observed_reads_bad_weather(client):
    """A fog-prone section is not foggy today: with no weather declared and none observed, the plan says
    恶劣天气 and cites the Law's art. 39 (the closure itself), not art. 81's fog rule."""
    body = dict(RESTRICTION, effect="closed", speed_cap_kmh=None, weather=None)
    plan = client.post("/diversion", json=body).get_json()
    basis = plan["legal_basis"]
    assert basis["hazard"] == "weather" and basis["article"] == "道路交通安全法第三十九条", basis
    assert (
        basis["note_zh"]
        == "受恶劣天气影响，依据《中华人民共和国道路交通安全法》第三十九条，公安机关交通管理部门对该路段实施交通管制（封闭）。"
    )
    texts = [f["properties"].get("message_zh") or "" for f in plan["features"]]
    assert any("恶劣天气封闭" in t for t in texts) and not any("雾" in t for t in texts), texts


def test_ice_declared_by_the_operator_names_the_closure_whatever_zone_it_lies_in(client):
    """The same section as the fog closure above, declared as ice: signs say 结冰 and the closure rests on the
    Law's art. 39 (art. 78's 60 km/h minimum is why an icy expressway is closed, not the closure's basis)."""
    body = dict(RESTRICTION, effect="closed", speed_cap_kmh=None, weather="ice", description="路面结冰")
    plan = client.post("/diversion", json=body).get_json()
    basis = plan["legal_basis"]
    assert basis["hazard"] == "ice" and basis["article"] == "道路交通安全法第三十九条", basis
    assert (
        basis["note_zh"]
        == "因路面结冰，依据《中华人民共和国道路交通安全法》第三十九条，公安机关交通管理部门对该路段实施交通管制（封闭）。"
    )
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    assert signs and all("结冰" in s["message_zh"] and "团雾" not in s["message_zh"] for s in signs), signs
    ident = declare(client, body)["id"]
    stored = client.get(f"/incidents/{ident}").get_json()["properties"]
    assert stored["weather"] == "ice"
    assert client.get(f"/diversion?incident={ident}").get_json()["legal_basis"]["hazard"] == "ice"
    bad = client.post("/diversion", json=dict(body, weather="snowstorm"))
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "weather"


def test_an_accident_closure_plan_cites_no_weather_rule(client):
    """An accident closure (even in fog) rests on the Law's art. 39 alone; works also on art. 32."""
    plan = client.post("/diversion", json=dict(RESTRICTION, kind="accident", effect="closed", speed_cap_kmh=None))
    assert plan.status_code == 200
    basis = plan.get_json()["legal_basis"]
    assert basis["hazard"] == "accident" and basis["article"] == "道路交通安全法第三十九条", basis
    assert (
        basis["note_zh"].startswith("因交通事故，依据《中华人民共和国道路交通安全法》第三十九条")
        and "八十一" not in basis["note_zh"]
    )
    works = client.post("/diversion", json=dict(RESTRICTION, kind="works", effect="closed", speed_cap_kmh=None))
    assert works.get_json()["legal_basis"]["article"] == "道路交通安全法第三十二条；道路交通安全法第三十九条"
    assert (
        works.get_json()["legal_basis"]["article_en"]
        == "Road Traffic Safety Law art. 32; Road Traffic Safety Law art. 39"
    )


def test_an_ice_restriction_on_an_expressway_is_a_control_measure_without_the_fog_distance(client):
    """No ice rule caps an expressway (art. 78: 60 km/h minimum): a 40 km/h cap on ice is the police's control
    measure under art. 39, and its boards carry no following distance (that is the fog rule, art. 81)."""
    body = dict(RESTRICTION, weather="ice")
    plan = client.post("/diversion", json=body).get_json()
    basis = plan["legal_basis"]
    assert basis["article"] == "道路交通安全法第三十九条" and "限速每小时40公里" in basis["note_zh"], basis
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    assert signs and all("结冰" in s["message_zh"] and "车距" not in s["message_zh"] for s in signs), signs
    assert plan["directions"][0]["following_distance_m"] is None


# ---------------------------------------------------------------- tiers
def _tiered(plan: dict, stream: int = 0) -> dict[str, dict]:
    points = [
        f["properties"]
        for f in plan["features"]
        if f["properties"]["role"] == "decision_point" and f["properties"]["stream"] == stream
    ]
    return {p["tier"]: p for p in points}


def test_each_direction_has_a_far_diversion_point_well_upstream_and_a_near_control_point(client):
    body = {"kind": "weather_closure", "route": "G4", "from_stake": "K1540+000", "to_stake": "K1550+000"}
    plan = client.post("/diversion", json=body).get_json()
    assert len(plan["directions"]) == 2
    for d in plan["directions"]:
        tiers = _tiered(plan, d["stream"])
        assert set(tiers) == {"far", "near"}, tiers
        far, near = tiers["far"], tiers["near"]
        assert far["distance_to_closure_m"] > near["distance_to_closure_m"] + 5000 >= 5000
        assert far["node_id"] != near["node_id"] and far["recommended"] and not near["recommended"]
        assert far["sends_to"] == "G107" and far["measure_zh"].startswith("远端分流")
        assert near["measure_zh"].startswith("近端控制") and near["toll_station"].startswith("收费站")
        assert d["far_decision_point"] == far["node_id"] and d["near_control_point"] == near["node_id"]
        # toll stations between the tiers: exits only (只出不进); inside the closure: entrance closed
        stations = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "entrance_closure"]
        mine = [s for s in stations if s["stream"] == d["stream"]]
        assert {s["measure_zh"] for s in mine} <= {"只出不进", "入口封闭"} and mine
        assert any(s["measure_zh"] == "只出不进" and s["tier"] == "near" for s in mine)


def test_detours_keep_off_township_roads_when_a_county_road_connects(client, engine):
    # a township shortcut from the row-14 interchange's local node straight to G107 row 16
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO road_segments (road_class, route_code, name, oneway, default_speed_kmh, length_m, "
                "source_node, target_node, source, geom) "
                "SELECT 'township', 'Y001', '望河乡村道', false, 80, ST_Length(ST_MakeLine(a.geom, b.geom)::geography), "
                "a.id, b.id, 'test', ST_MakeLine(a.geom, b.geom) FROM road_nodes a, road_nodes b "
                "WHERE a.id = 3014 AND b.id = 4018"
            )
        )
    try:
        body = {"kind": "accident", "route": "G4", "from_stake": "K1540+000", "to_stake": "K1550+000"}
        plan = client.post("/diversion", json=body).get_json()
        detours = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "detour"]
        assert detours and all("Y001" not in d["route_codes"] for d in detours), detours
        assert not any(d["below_county_class"] for d in detours)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM road_segments WHERE route_code = 'Y001'"))


# ---------------------------------------------------------------- real signs, control cities
NAMES = {2: "南岳", 6: "衡山", 10: "衡山南", 14: "衡阳北", 18: "耒阳", 20: "郴州北"}


@pytest.fixture()
def signs_and_cities(engine):
    """Two cities split at 28.10°N (衡阳 north, 郴州 south), toll stations named, and three message
    signs on the southbound carriageway: 3×16 at rows 3 and 12, 2×12 at row 8."""
    with engine.begin() as conn:
        for row, name in NAMES.items():
            conn.execute(
                sa.text("UPDATE toll_stations SET name = :n WHERE stake_m = :s"),
                {"n": f"{name}收费站", "s": 1_500_000 + row * 2780},
            )
        conn.execute(
            sa.text(
                "INSERT INTO admin_areas (adcode, name, level, parent_adcode, geom) VALUES "
                "('430400', '衡阳市', 'city', '430000', ST_Multi(ST_MakeEnvelope(112.5, 28.10, 113.5, 28.9, 4326))), "
                "('431000', '郴州市', 'city', '430000', ST_Multi(ST_MakeEnvelope(112.5, 27.5, 113.5, 28.10, 4326)))"
            )
        )
        for row, lines, chars in ((3, 3, 16), (8, 2, 12), (12, 3, 16)):
            conn.execute(
                sa.text(
                    "INSERT INTO guidance_signs (name, kind, direction, status, lines, chars_per_line, segment_id, "
                    "route_code, stake_m, geom) "
                    "SELECT :name, 'variable_message', 'forward', 'active', :lines, :chars, s.id, 'G4', "
                    "s.start_stake_m + 1000, ST_LineInterpolatePoint(s.geom, 0.36) "
                    "FROM road_segments s WHERE s.source_node = :node AND s.route_code = 'G4'"
                ),
                {"name": f"情报板{row}", "lines": lines, "chars": chars, "node": 1000 + row},
            )
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM guidance_signs WHERE name LIKE '情报板%'"))
        conn.execute(sa.text("DELETE FROM admin_areas WHERE adcode IN ('430400', '431000')"))
        conn.execute(sa.text("UPDATE toll_stations SET name = '收费站' || round((stake_m - 1500000) / 2780)"))


def test_messages_go_to_the_real_signs_upstream_one_each_fitting_their_size(client, signs_and_cities):
    body = {
        "kind": "accident",
        "route": "G4",
        "from_stake": "K1540+000",
        "to_stake": "K1550+000",
        "direction": "southbound",
    }
    plan = client.post("/diversion", json=body).get_json()
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    real = [s for s in signs if not s.get("temporary")]
    assert sorted(s["sign_name"] for s in real) == ["情报板12", "情报板3", "情报板8"], signs
    # a mobile board only nearer the section than the nearest real sign
    nearest = min(s["distance_to_closure_m"] for s in real)
    assert all(s["distance_to_restriction_m"] < nearest for s in signs if s.get("temporary")), signs
    for s in signs:
        assert s["fits"] and len(s["message_lines"]) <= s["lines"], s
        assert s["message_en"].startswith("Closure ahead") or s["message_en"].startswith("Accident closure"), s
        assert all(sum(0.5 if ord(c) < 128 else 1 for c in line) <= s["chars_per_line"] for line in s["message_lines"])
        assert "封闭" in s["message_zh"] and not any(w in s["message_zh"] for w in ("向南", "南行", "北行"))
    by_name = {s["sign_name"]: s for s in signs}
    assert "请从衡阳北收费站驶离" in by_name["情报板12"]["message_zh"], by_name["情报板12"]
    assert by_name["情报板12"]["tier"] == "near"
    far = next(
        f["properties"]
        for f in plan["features"]
        if f["properties"].get("tier") == "far" and f["properties"]["role"] == "decision_point"
    )
    assert by_name["情报板3"]["tier"] == "far" and far["toll_station"] in by_name["情报板3"]["message_zh"]
    assert "过境车辆" in by_name["情报板3"]["message_zh"]
    # a small board (2×12) keeps the order to leave and the toll station, dropping the stakes first
    assert "请从" in by_name["情报板8"]["message_zh"] and "收费站驶离" in by_name["情报板8"]["message_zh"]
    stations = {
        s["properties"]["name"]: s["properties"]
        for s in plan["features"]
        if s["properties"]["role"] == "entrance_closure"
    }
    assert stations["衡山南收费站"]["measure_zh"] == "只出不进" and "耒阳收费站" not in stations  # past the closure


def test_directions_are_named_between_control_cities(client, signs_and_cities):
    body = {"kind": "accident", "route": "G4", "from_stake": "K1540+000", "to_stake": "K1550+000"}
    plan = client.post("/diversion", json=body).get_json()
    named = sorted(d["direction_zh"] for d in plan["directions"])
    assert named == ["衡阳往郴州方向", "郴州往衡阳方向"], named


def test_a_restriction_goes_to_the_real_signs_with_speed_and_distance(client, signs_and_cities):
    body = dict(RESTRICTION, from_stake="K1540+000", to_stake="K1550+000")
    plan = client.post("/diversion", json=body).get_json()
    signs = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "sign"]
    real = [s for s in signs if not s.get("temporary")]
    assert sorted(s["sign_name"] for s in real) == ["情报板12", "情报板3", "情报板8"], signs
    # a mobile board only nearer the section than the nearest real sign
    nearest = min(s["distance_to_closure_m"] for s in real)
    assert all(s["distance_to_restriction_m"] < nearest for s in signs if s.get("temporary")), signs
    for s in signs:
        assert s["fits"] and "限速40" in s["message_zh"] and "50米" in s["message_zh"], s
        assert "封闭" not in s["message_zh"] and "驶离" not in s["message_zh"]
    assert plan["directions"][0]["direction_zh"] == "衡阳往郴州方向"


def test_a_detour_only_a_township_road_allows_says_so(client, engine):
    # close every county connector south of row 14, and add a township road from row 14 to G107
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO road_segments (road_class, route_code, name, oneway, default_speed_kmh, length_m, "
                "source_node, target_node, source, geom) "
                "SELECT 'township', 'Y002', '望河乡道', false, 30, "
                "ST_Length(ST_MakeLine(a.geom, b.geom)::geography), a.id, b.id, 'test', ST_MakeLine(a.geom, b.geom) "
                "FROM road_nodes a, road_nodes b WHERE a.id = 3014 AND b.id = 4014"
            )
        )
        conn.execute(sa.text("UPDATE road_segments SET road_class = 'township' WHERE route_code = 'X001'"))
    try:
        body = {"kind": "accident", "route": "G4", "from_stake": "K1540+000", "to_stake": "K1550+000"}
        plan = client.post("/diversion", json=body).get_json()
        points = [f["properties"] for f in plan["features"] if f["properties"]["role"] == "decision_point"]
        assert points and all(p["below_county_class"] for p in points), points
        assert all("无县道以上道路可绕行" in p["measure_zh"] for p in points)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM road_segments WHERE route_code = 'Y002'"))
            conn.execute(sa.text("UPDATE road_segments SET road_class = 'county' WHERE route_code = 'X001'"))


def test_sign_messages_write_the_section_with_stakes_ascending_in_both_directions(client, engine, signs_and_cities):
    with engine.begin() as conn:  # a 3×16 sign on the northbound carriageway too, upstream of the closure
        conn.execute(
            sa.text(
                "INSERT INTO guidance_signs (name, kind, direction, status, lines, chars_per_line, segment_id, "
                "route_code, stake_m, geom) "
                "SELECT '情报板N20', 'variable_message', 'forward', 'active', 3, 16, s.id, 'G4', s.start_stake_m - 1000, "
                "ST_LineInterpolatePoint(s.geom, 0.36) FROM road_segments s WHERE s.source_node = 2020"
            )
        )
    body = {"kind": "accident", "route": "G4", "from_stake": "K1540+000", "to_stake": "K1550+000"}
    plan = client.post("/diversion", json=body).get_json()
    north = [f["properties"] for f in plan["features"] if f["properties"].get("sign_name") == "情报板N20"]
    south = [f["properties"] for f in plan["features"] if f["properties"].get("sign_name") == "情报板3"]
    assert north and south and north[0]["stream"] != south[0]["stream"]
    assert north[0]["message_zh"].startswith("前方K1540至K1550事故封闭"), north
    assert south[0]["message_zh"].startswith("前方K1540至K1550事故封闭"), south


def test_openapi_lists_the_409_of_a_plan_for_an_ended_incident(client):
    responses = client.get("/openapi.json").get_json()["paths"]["/diversion"]["get"]["responses"]
    assert "409" in responses

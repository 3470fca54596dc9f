"""Diversion plans as a Hunan duty officer reads them (issue 13's second review), on the small demo
(株洲: G72 with 桂桥收费站, G106 alongside it): toll stations on the detour's road stay open, others are
named with their road; below-county wording only for the part of a detour that is; national roads
have junctions (路口), not exits (出口); directions between places, not compass words; English texts
without Chinese characters."""

from __future__ import annotations

import re

import pytest

from tests.conftest import truncate_all
from tests.test_routing_exact import load_network

HAN = re.compile(r"[\u3400-\u9fff]")
G106_FOG = {"kind": "weather_closure", "route": "G106", "from_stake": "K1829+000", "to_stake": "K1837+000"}
G72_FOG = {"kind": "weather_closure", "route": "G72", "from_stake": "K924+000", "to_stake": "K937+000"}


@pytest.fixture(scope="module")
def demo(engine, settings):
    load_network(engine, settings, "demo")
    yield engine
    truncate_all(engine)


def plan(client, body: dict) -> dict:
    resp = client.post("/diversion", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def props(p: dict, role: str) -> list[dict]:
    return [f["properties"] for f in p["features"] if f["properties"]["role"] == role]


def test_a_national_road_plan_keeps_the_detour_roads_toll_stations_open(demo, client):
    p = plan(client, G106_FOG)
    detour_codes = {c for d in props(p, "detour") for c in d["route_codes"]}
    assert "G72" in detour_codes  # the demo's G106 closure is detoured over G72
    for ts in props(p, "entrance_closure"):
        assert ts["route_code"] not in detour_codes, ts  # not 桂桥/攸县 while traffic is sent onto G72
    for dp in props(p, "decision_point"):
        assert dp["toll_station"] is None and dp["hub"] is False, dp  # a G72 station is no exit of G106


def test_a_national_road_plan_says_junction_not_exit_with_ascending_stakes(demo, client):
    p = plan(client, G106_FOG)
    signs = props(p, "sign")
    assert signs
    for s in signs:
        # a junction (路口), or where the detour takes an expressway the toll station to enter it at
        entry = re.search(r"请经\S+收费站 ?驶入G\d+", s["message_zh"])
        assert "出口" not in s["message_zh"] and ("路口" in s["message_zh"] or entry), s
        assert s["message_zh"].startswith("前方K1829至K1837"), s  # both directions: stakes ascending
        # no variable message sign on G106: a mobile board with its stake, the message fitted to it
        assert s["temporary"] and s["fits"] and s["stake"] and f"{s['stake']}处，分流点前" in s["sign_name"], s
        assert len(s["message_lines"]) <= s["lines"] and not any("村道路口" in line for line in s["message_lines"])
        assert "exit at" not in s["message_en"] and "junction" in s["message_en"], s
    for dp in props(p, "decision_point"):
        entry = re.search(r"经\S+收费站驶入G\d+", dp["measure_zh"])
        assert ("路口" in dp["measure_zh"] or entry) and "junction" in dp["measure_en"], dp
        assert not entry or "须经高速公路绕行" in dp["measure_zh"], dp


def test_directions_are_named_between_places_not_compass_words(demo, client):
    for body in (G106_FOG, G72_FOG):
        p = plan(client, body)
        for d in p["directions"]:
            assert re.fullmatch(r"\S+往\S+方向", d["direction_zh"]), d
            assert not HAN.search(d["direction_text_en"]) and " to " in d["direction_text_en"], d


def test_below_county_wording_only_for_the_part_below_county_class(demo, client):
    seen = 0
    for body in (G106_FOG, G72_FOG):
        p = plan(client, body)
        for dp in props(p, "decision_point"):
            if dp["below_county_class"]:
                seen += 1
                assert dp["below_county_m"] > 0 and "乡村道路" in dp["measure_zh"], dp
                assert "公里" in dp["measure_zh"] or "米" in dp["measure_zh"], dp
            else:
                assert dp["below_county_m"] == 0 and "乡村道路" not in dp["measure_zh"], dp
            assert "乡道）" not in dp["measure_zh"]  # the old wording named the whole detour a township road
    assert seen  # the demo's G106 near point has only a village road


def test_an_expressway_plan_names_other_roads_stations_with_their_code(demo, client):
    p = plan(client, G72_FOG)
    stations = props(p, "entrance_closure")
    assert any(ts["name"] == "桂桥收费站" for ts in stations)
    detour_codes = {c for d in props(p, "detour") for c in d["route_codes"]}
    for ts in stations:
        if ts.get("ramp"):  # a hub ramp onto the closed road closes even where the detour uses its road
            continue
        assert ts["route_code"] not in detour_codes - {"G72"}, ts
        if ts["route_code"] != "G72":
            assert ts["label_zh"].startswith(ts["route_code"]), ts
        # The entrance closes for this plan's direction of travel only: '茶陵北收费站往攸县方向只出不进'.
        towards = "往" + ts["measure_direction_zh"].split("往", 1)[1]
        assert ts["text_zh"] == ts["label_zh"] + towards + ts["measure_zh"] and ts["measure_en"], ts
    for s in props(p, "sign"):
        assert "收费站" in s["message_zh"] or "减速" in s["message_zh"], s


def test_english_texts_carry_no_chinese_characters(demo, client):
    for body in (G106_FOG, G72_FOG):
        p = plan(client, body)
        for f in p["features"]:
            for key, value in f["properties"].items():
                if key.endswith("_en") and value:
                    assert not HAN.search(value), (key, value)
        assert not HAN.search(p["legal_basis"]["note_en"]), p["legal_basis"]
        for d in p["directions"]:
            assert d.get("far_note_en") is None or not HAN.search(d["far_note_en"])


# ---------------------------------------------------------------- what routes say on their steps
def point(client, route: str, stake: str) -> str:
    resp = client.get(f"/locate?route={route}&stake={stake}")
    assert resp.status_code == 200, resp.get_json()
    lon, lat = resp.get_json()["geometry"]["coordinates"][:2]
    return f"{lon},{lat}"


def route_props(client, frm: str, to: str, lang: str = "zh-CN") -> dict:
    resp = client.get(f"/route?from={frm}&to={to}&lang={lang}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["features"][0]["properties"]


def test_a_route_through_a_speed_restriction_says_so_on_its_step(demo, client, engine):
    import sqlalchemy as sa

    from tests.conftest import OPERATOR_TOKEN, auth

    body = dict(G72_FOG, effect="restricted", speed_cap_kmh=40, direction="both")
    resp = client.post("/incidents", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 201, resp.get_json()
    ident = resp.get_json()["id"]
    try:
        frm, to = point(client, "G72", "K915+000"), point(client, "G72", "K945+000")
        for lang, words in (("zh-CN", ("限速40公里/小时", "K924至K937")), ("en", ("40 km/h", "K924–K937"))):
            props = route_props(client, frm, to, lang)
            assert ident in props["incident_ids"]
            said = [w for s in props["steps"] for w in s.get("warnings", []) if w.get("incident_id") == ident]
            assert len(said) == 1 and said[0]["effect"] == "restricted", props["steps"]
            assert all(w in said[0]["text"] for w in words), said
            if lang == "en":
                assert not HAN.search(said[0]["text"])
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM incidents WHERE id = :i"), {"i": ident})


def _zone_stakes(engine) -> dict[int, tuple[str, str, str]]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, name, properties ->> 'from_stake', properties ->> 'to_stake' FROM hazard_zones")
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_hazard_warnings_use_the_zones_own_stakes_name_bridges_and_do_not_pile_up(demo, client, engine):
    zones = _zone_stakes(engine)
    props = route_props(client, point(client, "G0421", "K1160+000"), point(client, "G0421", "K1220+000"))
    steps = props["steps"]
    assert len(props["hazard_ids"]) > 3
    single = 0
    for s in steps:
        warns = [w for w in s.get("warnings", []) if "hazard_id" in w]
        assert len(warns) <= 3 + 4, warns  # merged by kind: one per kind at most
        for w in warns:
            if "count" in w:
                assert w["count"] == len(w["hazard_ids"]) > 1 and re.match(
                    rf"沿途K\d+至K\d+间有{w['count']}处", w["text"]
                ), w
                continue
            single += 1
            name, lo, hi = zones[w["hazard_id"]]
            short = [t[:-4] if t.endswith("+000") else t for t in (lo, hi)]
            assert short[0] in w["text"] and (short[0] == short[1] or short[1] in w["text"]), (w, lo, hi)
            if "桥" in name:
                assert "桥梁" in w["text"] and "路段" not in w["text"], w
    merged = [w for s in steps for w in s.get("warnings", []) if "count" in w]
    assert single or merged
    named = {
        z
        for s in steps
        for w in s.get("warnings", [])
        if "hazard_id" in w  # the zones' notes (early warnings in force are named by warning_id)
        for z in w.get("hazard_ids", [w["hazard_id"]])
    }
    assert named == set(props["hazard_ids"])  # every zone is still named, once


# ---------------------------------------------------------------- problem documents in the request's language
def test_errors_come_in_the_requests_language(demo, client):
    zh = client.get("/route?from=1,2&to=abc&lang=zh-CN")
    assert zh.status_code == 400 and zh.headers["Content-Language"] == "zh-CN"
    body = zh.get_json()
    assert body["title"] == "请求参数有误" and body["parameter"] == "to" and "经度,纬度" in body["detail"], body
    assert "lon,lat" in body["detail_en"] and body["status"] == 400
    by_header = client.get("/route?from=1,2", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_json()
    assert by_header["detail"].startswith("缺少参数 to"), by_header
    en = client.get("/route?from=1,2&to=abc", headers={"Accept-Language": "en-GB"})
    assert en.headers["Content-Language"] == "en" and "lon,lat" in en.get_json()["detail"]
    assert not HAN.search(en.get_json()["title"] + en.get_json()["detail"])
    nowhere = client.get("/no/such/path?lang=zh-CN").get_json()
    assert nowhere["title"] == "未找到" and "不存在" in nowhere["detail"], nowhere
    other = client.get("/collections/nope/items?lang=zh-CN").get_json()  # any error: a Chinese title and detail
    assert HAN.search(other["title"]) and HAN.search(other["detail"]) and other.get("detail_en"), other


def test_the_409_names_the_incident_status_and_keeps_status_the_http_one(demo, client):
    from tests.conftest import OPERATOR_TOKEN, auth

    resp = client.post("/incidents", json=G72_FOG, headers=auth(OPERATOR_TOKEN))
    ident = resp.get_json()["id"]
    client.delete(f"/incidents/{ident}", headers=auth(OPERATOR_TOKEN))
    problem = client.get(f"/diversion?incident={ident}").get_json()
    assert problem["status"] == 409 and problem["incident_status"] == "ended", problem
    zh = client.get(f"/diversion?incident={ident}&lang=zh-CN").get_json()
    assert zh["status"] == 409 and f"事件 {ident} 已于" in zh["detail"] and zh["title"] == "状态冲突", zh


def test_a_closure_to_the_roads_end_still_sends_traffic_off_at_the_last_exit(demo, client, engine):
    import sqlalchemy as sa

    with engine.connect() as conn:
        end = conn.execute(
            sa.text("SELECT max(greatest(start_stake_m, end_stake_m)) FROM road_segments WHERE route_code = 'G72'")
        ).scalar()
    from gis.stake import format_stake

    p = plan(
        client,
        {"kind": "accident", "route": "G72", "from_stake": format_stake(end - 6000), "to_stake": format_stake(end)},
    )
    # Toward the road's end nothing leads back past the closure: still the last exit (the other direction
    # starts at the network's edge, with nothing upstream to divert at).
    toward_end = [d for d in p["directions"] if d["near_control_point"] is not None]
    assert toward_end and "无法绕回" in toward_end[0]["far_note_zh"], p["directions"]
    lone = [dp for dp in props(p, "decision_point") if dp["no_rejoin"]]
    assert lone and all("无法绕回" in dp["measure_zh"] and dp["tier"] == "near" for dp in lone), lone
    for s in props(p, "sign"):
        if s["stream"] == lone[0]["stream"] and s.get("tier"):
            assert "驶离" in s["message_zh"], s


def test_a_restriction_plan_writes_stakes_ascending_both_ways_and_names_directions(demo, client):
    body = dict(G72_FOG, effect="restricted", speed_cap_kmh=40, direction="both")
    p = plan(client, body)
    signs = props(p, "sign")
    assert {s["stream"] for s in signs} == {0, 1}, signs
    for s in signs:
        if "K924" in s["message_zh"]:  # a small board may leave the section out
            assert s["message_zh"].index("K924") < s["message_zh"].index("K937"), s
        assert "K924" in s["message_en"] and s["message_en"].index("K924") < s["message_en"].index("K937"), s
        assert not HAN.search(s["message_en"]), s
    for d in p["directions"]:
        assert "往" in d["direction_zh"] and " to " in d["direction_text_en"], d


def test_a_closure_shows_and_measures_the_stakes_asked_not_whole_segments(demo, client, engine):
    import math

    import sqlalchemy as sa

    body = {"kind": "accident", "route": "G72", "from_stake": "K924+300", "to_stake": "K931+800"}
    p = plan(client, body)
    closures = props(p, "closure")
    assert len(closures) == 2
    for f in (f for f in p["features"] if f["properties"]["role"] == "closure"):
        c = f["properties"]
        assert c["segments_length_m"] > c["length_m"] and c["length_m"] == pytest.approx(7500, rel=0.05), c
        ends = [f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]]
        for stake in ("K924+300", "K931+800"):
            # the clipped line ends at the stakes asked (on this carriageway: within the road's width)
            with engine.connect() as conn:
                lon, lat = conn.execute(
                    sa.text(
                        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, "
                        "(:m - least(start_stake_m, end_stake_m)) / abs(end_stake_m - start_stake_m)) AS p "
                        "FROM road_segments WHERE route_code = 'G72' AND start_stake_m < end_stake_m "
                        "AND :m BETWEEN start_stake_m AND end_stake_m LIMIT 1) q"
                    ),
                    {"m": 924300.0 if stake == "K924+300" else 931800.0},
                ).one()
            near = min(math.hypot((x - lon) * 98_000, (y - lat) * 111_000) for x, y in ends)
            assert near < 60, (stake, near, ends)
    road = client.get("/collections/road_segments/items?route_code=G72&limit=1").get_json()
    assert road["features"]  # road_segments untouched by the plan


def _km(stake: str) -> float:
    km, m = stake[1:].split("+")
    return int(km) + int(m) / 1000


def test_each_decision_point_orders_where_and_how_traffic_goes_and_entrances_close_near_the_closure(demo, client):
    """The order at a decision point names the place and the roads: at a hub '在…枢纽转G60，经…绕行'
    (nobody leaves the network there), at a toll station '从…收费站驶离，经…绕行'; only the toll stations
    within plan_rules' entrance window before the closure become exit-only (只出不进); signs beyond the far
    diversion point carry the far tier's message."""
    from routing.plan_rules import plan_rules

    window_km = plan_rules().entrance_window_m / 1000
    p = plan(client, G72_FOG)
    points = props(p, "decision_point")
    assert points
    for dp in points:
        assert dp["via_roads"] and dp["sends_to"] in dp["via_roads"], dp
        roads = "、".join(dp["via_roads"])
        if dp["hub"]:
            head = dp["name"].removesuffix("互通")
            assert f"在{head}转{dp['via_roads'][0]}" in dp["measure_zh"] and "驶离" not in dp["measure_zh"], dp
            # the way the other expressway is taken, where a city or county along it is known
            assert re.search(rf"在{head}转{dp['via_roads'][0]}(（往\S+?方向）)?(，经|绕行)", dp["measure_zh"]), dp
        elif dp["toll_station"]:
            assert f"从{dp['toll_station']}驶离，经{roads}绕行" in dp["measure_zh"], dp
        assert dp["measure_zh"].startswith("远端分流：引导过境车辆" if dp["tier"] == "far" else "近端控制：全部车辆")
    ramps = [ts for ts in props(p, "entrance_closure") if ts.get("ramp")]
    assert ramps  # the small demo's G72 closure has G0422's hub ramps (茶陵西枢纽) joining past the near point
    for r in ramps:  # another expressway's ramp joining past the near control closes ('北头枢纽G0422转G72…')
        assert r["route_code"] != "G72" and r["measure_zh"] == "匝道封闭", r
        assert re.fullmatch(rf"\S+枢纽{r['route_code']}转G72往\S+方向匝道封闭", r["text_zh"]), r
    for ts in props(p, "entrance_closure"):
        if ts["measure_zh"] == "只出不进":
            gap = min(abs(_km(ts["stake"]) - 924), abs(_km(ts["stake"]) - 937))
            assert gap <= window_km + 1.0, ts
    for d in p["directions"]:
        far = next((dp for dp in points if dp["stream"] == d["stream"] and dp["tier"] == "far"), None)
        if far is None:
            continue
        # a far point hardly far from the closure is said so, with what farther points would cost
        if far["distance_to_closure_m"] < plan_rules().far_close_m:
            assert d["far_note_zh"].startswith("远端分流点距封闭路段仅"), d
        else:
            assert d["far_note_zh"] is None, d
        for s in props(p, "sign"):
            if s["stream"] == d["stream"] and s["distance_to_closure_m"] > far["distance_to_closure_m"]:
                assert s["tier"] == "far", s


EXPRESSWAY_CODE = re.compile(r"(G\d{1,2}|G\d{4}|S\d{1,2})")  # domain.md: expressways' route codes


def test_a_national_road_detour_keeps_to_ordinary_roads_or_says_it_takes_an_expressway(demo, client):
    """Tractors and slow vehicles may not use an expressway (Law art. 67): off expressways a detour keeps to
    ordinary roads unless that takes much longer, and an order sending traffic over an expressway says so."""
    p = plan(client, G106_FOG)
    points = {(dp["stream"], dp["node_id"]): dp for dp in props(p, "decision_point")}
    assert points
    for d in props(p, "detour"):
        dp = points[(d["stream"], d["from_node_id"])]
        on_expressway = any(EXPRESSWAY_CODE.fullmatch(c) for c in d["route_codes"])
        assert ("须经高速公路绕行" in dp["measure_zh"]) == on_expressway, (dp, d["route_codes"])
        assert ("takes an expressway" in dp["measure_en"]) == on_expressway, dp


def test_a_plan_gives_each_streams_entrance_measures_as_one_bulletin_line(demo, client):
    """'乌坪收费站往衡阳方向入口封闭；…' : the stations grouped by measure, stakes ascending, ramps after."""
    p = plan(client, G72_FOG)
    for d in p["directions"]:
        mine = [ts for ts in props(p, "entrance_closure") if ts["stream"] == d["stream"]]
        line = d["entrance_closures_zh"]
        assert (line is None) == (not mine), d
        for ts in mine:
            name = ts["text_zh"] if ts.get("ramp") else ts["label_zh"].removesuffix("收费站")
            assert name in line, (name, line)
        towards = "往" + d["direction_zh"].split("往", 1)[1]
        for part in line.split("；"):
            assert re.fullmatch(rf"\S+(收费站{towards}(只出不进|入口封闭)|匝道封闭)", part), part

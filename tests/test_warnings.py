"""Early warnings (预警) on the G4 test corridor: a fog reading below a threshold issues a warning of
the right level on the fog zone's stretch, per direction, with the variable message signs upstream;
it expires by the clock; the feed's ETag follows; bad parameters are 400 naming them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from analysis.early_warning.rules import default_rules, parse_rules
from tests.conftest import OPERATOR_TOKEN, auth, module_data
from tests.test_routing_network import load_corridor

corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(autouse=True)
def clean(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE warnings, incidents, incident_changes, weather_observations RESTART IDENTITY"))


@pytest.fixture()
def signs_and_cities(engine):
    """衡阳 north of 28.10°N, 郴州 south; a 3×16 message sign on each carriageway upstream of the fog
    zone (southbound at row 5, northbound at row 15), and one downstream that must not be chosen."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO admin_areas (adcode, name, level, parent_adcode, geom) VALUES "
                "('430400', '衡阳市', 'city', '430000', ST_Multi(ST_MakeEnvelope(112.5, 28.10, 113.5, 28.9, 4326))), "
                "('431000', '郴州市', 'city', '430000', ST_Multi(ST_MakeEnvelope(112.5, 27.5, 113.5, 28.10, 4326)))"
            )
        )
        for name, first_node in (("情报板南行5", 1005), ("情报板北行15", 2016), ("情报板南行14", 1014)):
            conn.execute(
                sa.text(
                    "INSERT INTO guidance_signs (name, kind, direction, status, lines, chars_per_line, segment_id, "
                    "route_code, stake_m, geom) "
                    "SELECT :name, 'variable_message', 'forward', 'active', 3, 16, s.id, 'G4', "
                    "(s.start_stake_m + s.end_stake_m) / 2, ST_LineInterpolatePoint(s.geom, 0.5) "
                    "FROM road_segments s WHERE s.source_node = :node AND s.route_code = 'G4'"
                ),
                {"name": name, "node": first_node},
            )
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM guidance_signs WHERE name LIKE '情报板%'"))
        conn.execute(sa.text("DELETE FROM admin_areas WHERE adcode IN ('430400', '431000')"))


def post(client, body: dict) -> dict:
    resp = client.post("/weather/observations", json=body, headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def feed(client, query: str = "") -> list[dict]:
    resp = client.get(f"/warnings{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["features"]


def test_levels_rise_with_lower_visibility_as_the_rules_file_says():
    rules = default_rules()
    assert rules.highest("fog", visibility_m=800) is None
    assert [rules.highest("fog", visibility_m=v).level for v in (400, 150, 80, 30)] == [
        "blue",
        "yellow",
        "orange",
        "red",
    ]
    assert rules.highest("ice", surface_c=-1.0, precipitation_mm=0.5).level == "red"
    assert rules.highest("ice", surface_c=1.5, precipitation_mm=None) is None
    with pytest.raises(ValueError, match="level"):
        parse_rules('[[rule]]\nid = "x"\nreason = "fog"\nlevel = "purple"\nvisibility_below_m = 1\n')


def test_fog_below_100_m_issues_orange_warnings_per_direction_with_the_signs_upstream(client, signs_and_cities):
    answer = post(client, {"station_code": "VIS-1", "visibility_m": 80})
    assert len(answer["warnings"]["issued"]) == 2, answer
    warnings = feed(client)
    assert {w["properties"]["level"] for w in warnings} == {"orange"}
    by_dir = {w["properties"]["direction"]: w["properties"] for w in warnings}
    assert set(by_dir) == {"up", "down"}
    south = by_dir["up"]  # stakes rise southbound
    assert south["reason"] == "fog" and south["rule_id"] == "fog-orange" and south["route_code"] == "G4"
    assert south["speed_cap_kmh"] == 40 and south["following_distance_m"] == 50 and south["measure"] == "cap"
    assert south["direction_zh"] == "衡阳往郴州方向" and by_dir["down"]["direction_zh"] == "郴州往衡阳方向"
    # the fog zone (28.2125–28.2875°N) lies on the segments of rows 8–11: K1522+240 to K1533+360
    assert south["from_stake"] == "K1522+240" and south["to_stake"] == "K1533+360"
    assert by_dir["down"]["from_stake"] == "K1533+360" and by_dir["down"]["to_stake"] == "K1522+240"
    assert south["message_zh"] == (
        "G4京港澳高速衡阳往郴州方向K1522+240至K1533+360段大雾，能见度低于100米，限速40公里/小时，保持车距50米以上"
    )
    assert south["message_en"].startswith("G4 Jinggang'ao Expressway, Hengyang to Chenzhou, K1522+240–K1533+360: fog")
    assert [s["name"] for s in south["signs"]] == ["情报板南行5"]
    assert [s["name"] for s in by_dir["down"]["signs"]] == ["情报板北行15"]
    sign = south["signs"][0]
    assert sign["fits"] and len(sign["message_lines"]) <= 3 and "大雾" in sign["message_zh"], sign
    assert "限速40" in sign["message_zh"]
    assert south["observation_ids"] == [1]
    geometry = next(w for w in warnings if w["properties"]["direction"] == "up")["geometry"]
    lats = [c[1] for line in geometry["coordinates"] for c in line]
    assert max(lats) == pytest.approx(28.30) and min(lats) == pytest.approx(28.20)


def test_a_warning_expires_by_the_clock(client):
    post(client, {"station_code": "VIS-1", "visibility_m": 150})
    assert {w["properties"]["level"] for w in feed(client)} == {"yellow"}
    later = (datetime.now(UTC) + timedelta(minutes=31)).isoformat().replace("+00:00", "Z")
    assert feed(client, f"?datetime={later}") == []
    expires = datetime.fromisoformat(feed(client)[0]["properties"]["expires_at"])
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)


def test_a_lower_reading_supersedes_and_a_clear_one_lifts(client, engine):
    post(client, {"station_code": "VIS-1", "visibility_m": 150})
    again = post(client, {"station_code": "VIS-1", "visibility_m": 160})
    assert again["warnings"]["issued"] == [] and again["warnings"]["extended"] == 2
    post(client, {"station_code": "VIS-1", "visibility_m": 30})
    now = feed(client)
    assert {w["properties"]["level"] for w in now} == {"red"} and len(now) == 2
    assert all(w["properties"]["measure"] == "close" for w in now)
    assert "实施封闭交通管制" in now[0]["properties"]["message_zh"]
    with engine.connect() as conn:
        old = conn.execute(sa.text("SELECT superseded_by FROM warnings WHERE level = 'yellow'")).scalars().all()
    assert sorted(old) == sorted(w["id"] for w in now)
    lifted = post(client, {"station_code": "VIS-1", "visibility_m": 900})
    assert lifted["warnings"]["lifted"] == 2 and feed(client) == []


def test_the_feed_etag_changes_with_a_warning_and_answers_304_while_unchanged(client):
    first = client.get("/warnings")
    tag = first.headers["ETag"]
    assert client.get("/warnings", headers={"If-None-Match": tag}).status_code == 304
    post(client, {"station_code": "VIS-1", "visibility_m": 80})
    second = client.get("/warnings", headers={"If-None-Match": tag})
    assert second.status_code == 200 and second.headers["ETag"] != tag
    assert len(second.get_json()["features"]) == 2


def test_the_feed_filters_by_level_reason_and_bbox(client):
    post(client, {"station_code": "VIS-1", "visibility_m": 80})
    assert len(feed(client, "?level=orange,red")) == 2
    assert feed(client, "?level=red") == []
    assert feed(client, "?reason=ice") == []
    assert len(feed(client, "?bbox=112.9,28.2,113.1,28.3")) == 2
    assert feed(client, "?bbox=112.0,27.0,112.5,27.5") == []
    english = client.get("/warnings?lang=en").get_json()["features"][0]["properties"]
    assert english["message"] == english["message_en"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("bbox=120,30,abc", "bbox"),
        ("level=purple", "level"),
        ("reason=wind", "reason"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2026-12-06/2026-12-01", "datetime"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_bad_feed_parameters_are_400_naming_the_parameter(client, query, parameter):
    resp = client.get(f"/warnings?{query}")
    assert resp.status_code == 400, resp.get_json()
    assert resp.mimetype == "application/problem+json" and resp.get_json()["parameter"] == parameter


def test_ice_on_the_expressway_bridge_is_a_red_closure_warning(client):
    post(client, {"station_code": "ICE-1", "road_surface_temp_c": -2.0, "precipitation_mm": 0.4})
    warnings = feed(client, "?reason=ice")
    assert warnings and {w["properties"]["level"] for w in warnings} == {"red"}
    p = warnings[0]["properties"]
    assert p["measure"] == "close" and "路面结冰" in p["message_zh"] and p["road_surface_temp_c"] == -2.0


def test_evaluate_needs_an_operator_token(client):
    assert client.post("/warnings/evaluate").status_code == 401
    resp = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 200 and resp.get_json()["issued"] == []


def test_the_live_tile_layer_shows_the_warning_until_it_ends_and_its_version_moves(client, engine):
    from tests.test_tiles import decode, get_tile, tile_at

    t = tile_at(113.0, 28.25, 12)

    def version() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version FROM layer_versions WHERE layer = 'warnings'")).scalar_one()

    before = version()
    post(client, {"station_code": "VIS-1", "visibility_m": 80})
    assert version() > before
    resp = get_tile(client, "warnings", t)
    assert resp.headers["Cache-Control"] == "public, max-age=5"
    features = decode(resp.data)["warnings"]["features"]
    assert len(features) == 2 and {f["properties"]["level"] for f in features} == {"orange"}
    assert features[0]["properties"]["message_zh"].startswith("G4京港澳高速")
    post(client, {"station_code": "VIS-1", "visibility_m": 900})  # lifted: expires_at = now
    assert "warnings" not in decode(get_tile(client, "warnings", t).data)


def _route_notes(client, frm: float, to: float, lang: str = "zh-CN", extra: str = "") -> list[dict]:
    from tests.test_routing_network import lat

    resp = client.get(f"/route?from=113.0,{lat(frm)}&to=113.0003,{lat(to)}&lang={lang}{extra}")
    assert resp.status_code == 200, resp.get_json()
    steps = resp.get_json()["features"][0]["properties"]["steps"]
    return [w for s in steps for w in s.get("warnings", []) if w.get("kind") == "warning"]


def test_a_route_through_the_warned_stretch_carries_its_warning_in_its_direction_only(client, signs_and_cities):
    assert _route_notes(client, 7, 13) == []
    post(client, {"station_code": "VIS-1", "visibility_m": 80})
    south = _route_notes(client, 7, 13)
    assert len(south) == 1, south
    assert south[0]["level"] == "orange"
    assert south[0]["text"] == (
        "橙色预警：G4京港澳高速衡阳往郴州方向K1522+240至K1533+360段大雾，能见度低于100米，限速40公里/小时，保持车距50米以上"
    )
    north = _route_notes(client, 13, 7)
    assert len(north) == 1 and "郴州往衡阳方向" in north[0]["text"], north
    # a warning is a note, no cost: a route that ignores the weather in force still says it
    assert _route_notes(client, 7, 13, extra="&ignore=weather") == south
    english = _route_notes(client, 7, 13, "en")
    assert english[0]["text"].startswith("Orange warning: G4 Jinggang'ao Expressway, Hengyang to Chenzhou")
    post(client, {"station_code": "VIS-1", "visibility_m": 900})  # lifted: the next route says nothing
    assert _route_notes(client, 7, 13) == []


def test_the_cli_evaluates_and_lists_the_warnings(client, settings):
    from click.testing import CliRunner

    from cli import main

    post(client, {"station_code": "VIS-1", "visibility_m": 150})
    evaluated = CliRunner().invoke(main, ["warnings", "evaluate"], obj=settings)
    assert evaluated.exit_code == 0, evaluated.output
    assert evaluated.output.startswith("issued 0, extended 2, lifted 0"), evaluated.output
    listed = CliRunner().invoke(main, ["warnings", "list", "--level", "yellow"], obj=settings)
    assert listed.exit_code == 0 and listed.output.count("黄色 G4京港澳高速") == 2, listed.output
    bad = CliRunner().invoke(main, ["warnings", "list", "--level", "purple"], obj=settings)
    assert bad.exit_code == 2 and "level" in bad.output


def test_without_a_stored_risk_model_the_risk_trigger_is_skipped_and_the_rules_still_work(client):
    resp = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 200 and resp.get_json()["risk"] == "unavailable"
    assert post(client, {"station_code": "VIS-1", "visibility_m": 80})["warnings"]["risk"] == "not asked"
    assert len(feed(client, "?reason=fog")) == 2


def test_a_segment_over_the_risk_threshold_under_fog_gets_a_warning_of_its_level(client, engine, monkeypatch):
    """The threshold logic on the live scores' shape (analysis.risk_live.RiskScores) and a stored model's
    terms; the scorer itself is tested in tests/test_risk.py on a fitted demo model, so here it answers
    fixed relative risks. A segment always at 3.5× in clear daytime weather (a black spot) is no warning;
    under fog (the model's factor 2.2) it is a yellow one."""
    import math

    import numpy as np

    from analysis import risk_live
    from analysis.early_warning import evaluate as ev

    with engine.begin() as conn:
        segs = conn.execute(
            sa.text("SELECT id, road_class FROM road_segments WHERE route_code = 'G4' ORDER BY start_stake_m, id")
        ).all()
        model_id = conn.execute(
            sa.text(
                "INSERT INTO risk_models (family, unit, period_start, period_end, terms, units, accidents) "
                "VALUES ('poisson', 'cell', '2023-01-01', '2026-01-01', CAST(:terms AS jsonb), 10, 100) RETURNING id"
            ),
            {"terms": f'[{{"name": "weather:fog", "estimate": {math.log(2.2)}, "se": 0.1}}]'},
        ).scalar_one()
    target = segs[4].id
    ids = np.array([s.id for s in segs], dtype=np.int64)
    relative = np.where(ids == target, 3.5, 1.0)
    weather = np.full(len(ids), 0, dtype=np.int8)  # clear

    def scores(_engine, at):
        return risk_live.RiskScores(
            at=at, model_id=model_id, hour_band="day", segment_id=ids,
            road_class=np.array([s.road_class for s in segs]), expected=relative, relative=relative, weather=weather,
        )  # fmt: skip

    monkeypatch.setattr(ev, "risk_scorer", lambda: scores)
    try:
        summary = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()
        assert summary["risk"] == "evaluated" and summary["issued"] == [], summary  # a place, not a condition
        weather[:] = 2  # fog in force
        summary = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()
        assert len(summary["issued"]) == 1, summary
        (warning,) = feed(client, "?reason=risk")
        p = warning["properties"]
        assert p["level"] == "yellow" and p["rule_id"] == "risk-yellow" and p["relative_risk"] == 3.5
        assert "当前事故风险较高（约为同类道路平时的3.5倍），请减速慢行，谨慎驾驶" in p["message_zh"]
        relative[:] = 1.0  # the risk falls: the next evaluation lifts it
        assert client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()["lifted"] == 1
        assert feed(client, "?reason=risk") == []
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM risk_models WHERE id = :i"), {"i": model_id})


def test_rain_on_a_long_downgrade_warns_by_its_hourly_rainfall(client, engine):
    """A 连续长下坡 zone (hazard kind steep_grade, as analysis/dem_hazards.py derives them) with its stakes,
    and 9 mm in the last hour at a station on it: 大雨, yellow."""
    from tests.test_routing_network import lat

    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO hazard_zones (name, kind, severity, active, route_code, source, properties, geom) "
                "VALUES ('长下坡', 'steep_grade', 4, true, 'G4', 'dem', "
                '\'{"from_stake_m": 1503000, "to_stake_m": 1508000}\', '
                "ST_Multi(ST_Buffer(ST_SetSRID(ST_MakeLine(ST_MakePoint(113.0, :a), ST_MakePoint(113.0, :b)), 4326), "
                "0.002)))"
            ),
            {"a": lat(1), "b": lat(3)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO weather_stations (name, kind, station_code, status, geom) VALUES "
                "('雨量站', 'general', 'RAIN-1', 'active', ST_SetSRID(ST_MakePoint(113.001, :y), 4326))"
            ),
            {"y": lat(2)},
        )
    try:
        post(client, {"station_code": "RAIN-1", "precipitation_mm": 9.0})
        warnings = feed(client, "?reason=downgrade_rain")
        assert {w["properties"]["level"] for w in warnings} == {"yellow"} and len(warnings) == 2
        south = next(w["properties"] for w in warnings if w["properties"]["direction"] == "up")
        assert (south["from_stake"], south["to_stake"]) == ("K1503+000", "K1508+000")  # the zone's own stakes
        # no city boundary in this test: the direction by compass, as the diversion plans name it then
        expected = "G4京港澳高速南向K1503至K1508段连续长下坡路段遇大雨，雨天路滑，请控制车速，切勿空挡滑行"
        assert south["message_zh"] == expected
        # where the zone says which way it falls (dem_hazards: downhill_towards), only that carriageway is warned
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    'UPDATE hazard_zones SET properties = properties || \'{"downhill_towards": "increasing_stake"}\' '
                    "WHERE kind = 'steep_grade'"
                )
            )
        post(client, {"station_code": "RAIN-1", "precipitation_mm": 9.5})
        falling = feed(client, "?reason=downgrade_rain")
        assert [w["properties"]["direction"] for w in falling] == ["up"], falling
        post(client, {"station_code": "RAIN-1", "precipitation_mm": 0.0})  # the rain stops: lifted
        assert feed(client, "?reason=downgrade_rain") == []
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM warnings"))
            conn.execute(sa.text("DELETE FROM hazard_zones WHERE kind = 'steep_grade'"))
            conn.execute(sa.text("DELETE FROM weather_stations WHERE station_code = 'RAIN-1'"))


def test_a_route_after_the_warning_expires_carries_no_note(client):
    from tests.test_routing_network import lat

    post(client, {"station_code": "VIS-1", "visibility_m": 80})
    later = (datetime.now(UTC) + timedelta(minutes=31)).isoformat().replace("+00:00", "Z")
    resp = client.get(f"/route?from=113.0,{lat(7)}&to=113.0003,{lat(13)}&depart_at={later}")
    steps = resp.get_json()["features"][0]["properties"]["steps"]
    assert not [w for s in steps for w in s.get("warnings", []) if w.get("kind") == "warning"]


def test_a_road_name_that_carries_its_code_is_not_doubled():
    from analysis.early_warning.text import Situation, message_en, message_zh

    s = Situation("fog", "orange", "cap", visibility_below_m=100, speed_cap_kmh=40, following_distance_m=50)
    where = {"route_code": "G4", "road_name": "G4京港澳高速", "lo": 1_638_000.0, "hi": 1_617_000.0}
    assert message_zh(s, direction_zh="衡阳往郴州方向", **where) == (
        "G4京港澳高速衡阳往郴州方向K1617至K1638段大雾，能见度低于100米，限速40公里/小时，保持车距50米以上"
    )
    assert message_en(s, direction_en="Hengyang to Chenzhou", **where).startswith(
        "G4 Jinggang'ao Expressway, Hengyang to Chenzhou, K1617–K1638: fog, visibility below 100 m; speed limit 40 km/h"
    )


def test_a_surface_temperature_is_given_to_the_tenth():
    """A station reading 1.5 °C is not published as 2℃; a whole degree keeps no decimal."""
    from analysis.early_warning.text import Situation, message_zh

    where = {"route_code": "G4", "road_name": "京港澳高速", "lo": 1_617_000.0, "hi": 1_620_000.0}
    for reading, shown in ((1.5, "1.5℃"), (2.0, "2℃"), (-0.04, "0℃")):
        s = Situation("ice", "yellow", "cap", surface_c=reading, precipitation_mm=0.4)
        assert f"路面温度{shown}且有降水" in message_zh(s, direction_zh="湘潭往衡阳方向", **where)


def test_the_feed_titles_pages_and_is_in_the_openapi_document(client):
    post(client, {"station_code": "VIS-1", "visibility_m": 80})
    first = client.get("/warnings?limit=1").get_json()
    assert first["features"][0]["properties"]["title_zh"] == "大雾橙色预警"
    assert first["features"][0]["properties"]["title_en"] == "Orange warning: fog"
    (link,) = [k for k in first["links"] if k["rel"] == "next"]
    assert "offset=1" in link["href"] and "limit=1" in link["href"]
    second = client.get(link["href"].replace("http://localhost", "")).get_json()
    assert [f["id"] for f in second["features"]] != [f["id"] for f in first["features"]]
    assert "links" not in client.get("/warnings").get_json()
    doc = client.get("/openapi.json").get_json()
    names = {p["name"] for p in doc["paths"]["/warnings"]["get"]["parameters"]}
    assert {"datetime", "bbox", "level", "reason", "limit", "offset"} <= names
    assert "/warnings/evaluate" in doc["paths"]


def test_evaluate_at_a_bad_time_is_400_naming_it(client):
    resp = client.post("/warnings/evaluate?at=soon", headers=auth(OPERATOR_TOKEN))
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "at"


def test_icing_declared_on_an_ice_zone_issues_an_ice_warning_without_a_reading(client, engine, signs_and_cities):
    """An operator's icing on the bridge's ice zone (properties.icing, which routing's overlay closes):
    the next evaluation issues the ice warning per direction with its stretch, signs and expiry; a reading
    that calls for more (red) supersedes it; lifting the declaration lifts the warning."""

    def declare(icing: bool) -> None:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE hazard_zones SET properties = properties || CAST(:p AS jsonb) WHERE name = '结冰桥梁'"),
                {"p": '{"icing": %s}' % ("true" if icing else "false")},
            )

    declare(True)
    try:
        summary = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()
        assert len(summary["issued"]) == 2, summary
        warnings = feed(client, "?reason=ice")
        assert len(warnings) == 2
        by_dir = {w["properties"]["direction"]: w["properties"] for w in warnings}
        assert set(by_dir) == {"up", "down"}
        south = by_dir["up"]
        assert south["rule_id"] == "ice-declared" and south["level"] == "orange" and south["route_code"] == "G4"
        assert south["title_zh"] == "道路结冰橙色预警"
        assert south["measure"] == "close" and south["road_surface_temp_c"] is None  # declared, not read
        assert south["observation_ids"] == []
        assert south["hazard_zone_id"] is not None and by_dir["down"]["direction_zh"] == "郴州往衡阳方向"
        # the bridge zone (28.013–28.022°N) lies on the segments of row 19
        assert (south["from_stake"], south["to_stake"]) == ("K1552+820", "K1555+600")
        assert south["message_zh"] == (
            "G4京港澳高速衡阳往郴州方向K1552+820至K1555+600段路面结冰，实施封闭交通管制，请从最近出口驶离或提前绕行"
        )
        assert [s["name"] for s in south["signs"]] == ["情报板南行14"]  # upstream southbound
        assert "icy road" in south["message_en"]
        assert "路面结冰" in south["signs"][0]["message_zh"] and south["signs"][0]["fits"]
        expires = datetime.fromisoformat(south["expires_at"])
        assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
        # evaluated again while the declaration stands: extended, not issued twice
        again = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()
        assert again["issued"] == [] and again["extended"] == 2, again
        # a reading of ice with precipitation at the bridge: red, superseding the declared orange
        post(client, {"station_code": "ICE-1", "road_surface_temp_c": -1.0, "precipitation_mm": 0.3})
        assert {w["properties"]["rule_id"] for w in feed(client, "?reason=ice")} == {"ice-red"}
        with engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE weather_observations"))
        declare(False)
        lifted = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()
        assert lifted["lifted"] == 2 and feed(client, "?reason=ice") == [], lifted
    finally:
        declare(False)

"""What a route says, read as a Hunan duty officer reads it: exits named after their interchange,
warnings for the hazard zones in force on the steps that enter them, and /search lengths that count a
dual carriageway's centreline once (issue 13)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gis.root import root_of
from gis.stake import format_stake
from routing.directions import exit_place
from tests.conftest import module_data
from tests.test_routing_network import lat, load_corridor

NORTH = f"112.95,{lat(0) + 0.001}"
SOUTH = f"112.95,{lat(20) - 0.001}"

corridor = module_data(load_corridor, name="corridor")


@pytest.fixture(autouse=True)
def no_incidents(engine, app):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, incident_changes, weather_observations RESTART IDENTITY"))
    # a write straight to the database: the app reads the new versions now, not up to a TTL later
    root_of(app).versions.expire()
    yield


def route(client, lang: str = "zh-CN", frm: str = NORTH, to: str = SOUTH) -> dict:
    resp = client.get(f"/route?from={frm}&to={to}&lang={lang}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["features"][0]["properties"]


def _bulletin(stake_m: float) -> str:
    text = format_stake(stake_m)
    return text[:-4] if text.endswith("+000") else text


def _fog_stakes(engine) -> tuple[str, str, int]:
    """Where the southbound carriageway enters and leaves the fog zone, and the zone's id."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT min(s.start_stake_m), max(s.end_stake_m), z.id FROM road_segments s "
                "JOIN hazard_zones z ON ST_Intersects(s.geom, z.geom) "
                "WHERE z.kind = 'fog' AND s.route_code = 'G4' AND s.end_stake_m > s.start_stake_m GROUP BY z.id"
            )
        ).one()
    return _bulletin(row[0]), _bulletin(row[1]), int(row[2])


def test_route_through_a_fog_zone_warns_on_the_step_that_enters_it(client, engine):
    enter, leave, zone = _fog_stakes(engine)
    props = route(client)
    assert zone in props["hazard_ids"]
    warned = [(s, w) for s in props["steps"] for w in s.get("warnings", [])]
    fog = [(s, w) for s, w in warned if w["hazard_id"] == zone]
    assert len(fog) == 1  # once, not on every step
    step, warning = fog[0]
    assert warning["kind"] == "fog"
    # no fog observed: the fog-prone section's advice is for when fog comes
    assert warning["text"] == f"前方{enter}至{leave}团雾多发路段，遇雾请减速慢行，开启雾灯"
    assert "G4京港澳高速" in step["instruction"]


def test_the_warning_is_english_with_lang_en(client, engine):
    enter, leave, zone = _fog_stakes(engine)
    props = route(client, "en")
    texts = [w["text"] for s in props["steps"] for w in s.get("warnings", []) if w["hazard_id"] == zone]
    assert texts == [f"Fog-prone section ahead {enter}–{leave}: in fog, slow down and turn on fog lights"]
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)


def test_fog_in_force_gives_the_visibility(client, engine):
    from tests.conftest import OPERATOR_TOKEN, auth

    resp = client.post(
        "/weather/observations", json={"station_code": "VIS-1", "visibility_m": 180}, headers=auth(OPERATOR_TOKEN)
    )
    assert resp.status_code in (200, 201), resp.get_json()
    props = route(client, frm=f"113.0,{lat(7)}", to=f"113.0,{lat(13)}")  # on G4 through the fog zone
    texts = [w["text"] for s in props["steps"] for w in s.get("warnings", []) if w["kind"] == "fog"]
    assert len(texts) == 1 and "当前能见度约180米" in texts[0], props["steps"]


def test_a_route_away_from_hazards_has_no_warnings(client):
    resp = client.get(f"/route?from=112.95,{lat(1)}&to=112.95,{lat(3)}")
    assert resp.status_code == 200
    props = resp.get_json()["features"][0]["properties"]
    assert props["hazard_ids"] == []
    assert all(s.get("warnings", []) == [] for s in props["steps"])


def _rename_ramps(client, engine, name: str | None) -> None:
    """Name every ramp (a write straight to the database: the app reads the new versions now)."""
    from gis.root import root_of

    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET name = :n WHERE road_class = 'link'"), {"n": name})
    root_of(client.application).versions.expire()


def test_exit_is_named_after_the_ramps_interchange(client, engine):
    _rename_ramps(client, engine, "张家界南互通匝道")
    try:
        props = route(client)
        g4 = next(s["instruction"] for s in props["steps"] if "G4京港澳高速" in s["instruction"])
        assert g4.endswith("，从张家界南出口驶出"), g4
        en = route(client, "en")
        g4_en = next(s["instruction"] for s in en["steps"] if "G4" in s["instruction"])
        assert g4_en.endswith("then take the exit at 张家界南"), g4_en
    finally:
        _rename_ramps(client, engine, None)
    props = route(client)  # unnamed ramps: the stake, as before
    g4 = next(s["instruction"] for s in props["steps"] if "G4京港澳高速" in s["instruction"])
    assert re.search(r"，从K1\d{3}\+\d{3}出口驶出$", g4), g4


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("张家界南互通匝道", "张家界南"),
        ("衡山南互通", "衡山南"),
        ("长沙枢纽互通", "长沙枢纽"),
        ("星沙立交", "星沙"),
        ("互通6", None),
        ("京港澳高速", None),
        (None, None),
    ],
)
def test_exit_place(name, place):
    assert exit_place(name) == place


def test_search_counts_a_dual_carriageway_once(client, engine):
    with engine.connect() as conn:
        south, both = conn.execute(
            sa.text(
                "SELECT sum(length_m) FILTER (WHERE end_stake_m > start_stake_m), sum(length_m) "
                "FROM road_segments WHERE route_code = 'G4'"
            )
        ).one()
    roads = {r["route_code"]: r for r in client.get("/search?q=G4").get_json()["roads"]}
    g4 = roads["G4"]
    assert g4["length_m"] == pytest.approx(south, abs=1)
    assert g4["carriageways_length_m"] == pytest.approx(both, abs=1)
    assert g4["length_m"] < 0.55 * g4["carriageways_length_m"]


def test_search_counts_a_two_way_road_whole(client, engine):
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT sum(length_m) FROM road_segments WHERE route_code = 'G107'")).scalar()
    g107 = next(r for r in client.get("/search?q=G107").get_json()["roads"] if r["route_code"] == "G107")
    assert g107["length_m"] == pytest.approx(total, abs=1) == g107["carriageways_length_m"]


def test_search_pairs_one_way_carriageways_without_stakes_by_their_run(client, engine):
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE road_segments SET start_stake_m = NULL, end_stake_m = NULL WHERE route_code = 'G4'")
        )
    try:
        g4 = next(r for r in client.get("/search?q=G4").get_json()["roads"] if r["route_code"] == "G4")
        assert g4["length_m"] == pytest.approx(g4["carriageways_length_m"] / 2, rel=0.01)
    finally:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE road_segments s SET start_stake_m = 1500000 + (a.id % 1000) * 2780, "
                    "end_stake_m = 1500000 + (b.id % 1000) * 2780 FROM road_nodes a, road_nodes b "
                    "WHERE s.route_code = 'G4' AND a.id = s.source_node AND b.id = s.target_node"
                )
            )


def test_a_black_spot_of_one_direction_warns_only_drivers_going_that_way(client, engine):
    """Black spots are ranked per carriageway (上行 runs with increasing stakes): a driver is warned of
    the one on his own side, with the spot's own stakes, not of both."""
    with engine.connect() as conn:
        lo, hi = conn.execute(
            sa.text("SELECT min(start_stake_m), max(end_stake_m) FROM road_segments WHERE route_code = 'G4'")
        ).one()
    # the stake order along the corridor: the segment nearest NORTH holds the lower stakes or not
    with engine.connect() as conn:
        north_stake = conn.execute(
            sa.text(
                "SELECT least(start_stake_m, end_stake_m) FROM road_segments WHERE route_code = 'G4' "
                "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(112.95, :lat), 4326) LIMIT 1"
            ),
            {"lat": lat(0)},
        ).scalar()
    southward = "up" if north_stake < (lo + hi) / 2 else "down"  # increasing stakes southward: 上行
    a, b = lo + (hi - lo) * 0.4, lo + (hi - lo) * 0.45
    ids = {}
    try:
        with engine.begin() as conn:
            for way in ("up", "down"):
                ids[way] = conn.execute(
                    sa.text(
                        "INSERT INTO hazard_zones (name, kind, severity, source, route_code, properties, geom) "
                        "VALUES (:name, 'blackspot', 5, 'black_spots', 'G4', CAST(:props AS jsonb), "
                        "ST_Multi(ST_MakeEnvelope(112.0, :s, 114.0, :n, 4326))) RETURNING id"
                    ),
                    {
                        "name": f"G4 {way} test spot",
                        "props": f'{{"direction": "{way}", "from_stake_m": {a}, "to_stake_m": {b}}}',
                        "s": lat(20) + 0.0005,
                        "n": lat(0) - 0.0005,
                    },
                ).scalar()
        for frm, to, way in ((NORTH, SOUTH, southward), (SOUTH, NORTH, "down" if southward == "up" else "up")):
            props = route(client, frm=frm, to=to)
            spots = [w for s in props["steps"] for w in s.get("warnings", []) if w["kind"] == "blackspot"]
            assert [w["hazard_id"] for w in spots] == [ids[way]], (way, spots)
            assert spots[0]["text"] == f"前方{_bulletin(a)}至{_bulletin(b)}事故多发路段，请减速慢行"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM hazard_zones WHERE id = ANY(:ids)"), {"ids": list(ids.values())})


def test_a_hub_interchange_is_named_as_a_change_of_expressway_not_an_exit():
    """At a 枢纽互通 there is no toll station: signs send traffic onto the other expressway there."""
    from routing.romanise import exit_en
    from routing.signs import closure_board_variants
    from routing.text import closure_sign, is_hub

    assert is_hub("衡阳东枢纽互通") and is_hub("长沙枢纽") and not is_hub("衡山南互通") and not is_hub(None)
    zh, en = closure_sign(
        closed_from="K1617", closed_to="K1638", reason="fog", exit_at="衡阳东枢纽互通", detour_road="S61"
    )
    assert zh == "前方K1617至K1638大雾封闭 请在衡阳东枢纽转S61绕行" and "驶离" not in zh
    assert en.endswith("change at the Hengyang East hub interchange to S61")
    boards = closure_board_variants(
        where="K1617至K1638", reason_zh="团雾", exit_at="衡阳东枢纽互通", via="S61", through=True
    )
    assert boards[0] == ["前方K1617至K1638团雾封闭", "过境车辆请在衡阳东枢纽转S61绕行"]
    assert all("驶离" not in line for b in boards for line in b)
    toll = closure_board_variants(
        where="K1617至K1638", reason_zh="团雾", exit_at="衡山南收费站", via="G107", through=False
    )
    assert toll[0] == ["前方K1617至K1638团雾封闭", "请从衡山南收费站驶离", "经G107绕行"]
    assert exit_en("株洲南枢纽") == "Zhuzhou South hub interchange"


def test_merged_hazard_notes_never_join_the_stakes_of_two_roads():
    """A step past many zones merges them per kind, and per road: K5 of S326 and K1640 of G4 are no range."""
    from types import SimpleNamespace

    from routing.hazard_notes import _merged

    overlay = SimpleNamespace(
        hazard_kinds={1: "congestion", 2: "congestion", 3: "congestion"},
        hazard_structure={},
        fog_visibility={},
    )
    out: list[dict] = []
    zones = [
        (1, 5_396.0, 9_100.0, 3_700.0, 7),
        (2, 1_640_000.0, 1_641_000.0, 1_000.0, 3),
        (3, 1_642_000.0, 1_643_737.0, 1_700.0, 3),
    ]
    _merged(overlay, zones, "zh-CN", out)
    assert len(out) == 2, out
    single = next(n for n in out if n["hazard_id"] == 1)
    merged = next(n for n in out if n.get("count") == 2)
    assert "K5+396" in single["text"] and "K1640" in merged["text"] and "K5+396" not in merged["text"]


def test_a_zone_recorded_on_another_road_is_not_a_warning_on_this_one(client, engine, app):
    """A zone's polygon may touch a road it was not recorded on (where two roads meet): a driver on G4 is
    warned of G4's zones and of zones recorded on no road, not of S326's."""
    made = []
    try:
        with engine.begin() as conn:
            for name, code in (("S326易拥堵", "S326"), ("G4易拥堵", "G4")):
                made.append(
                    conn.execute(
                        sa.text(
                            "INSERT INTO hazard_zones (name, kind, severity, route_code, geom) VALUES "
                            "(:name, 'congestion', 2, :code, ST_Multi(ST_MakeEnvelope(112.9, :s, 113.0, :n, 4326))) "
                            "RETURNING id"
                        ),
                        {"name": name, "code": code, "s": lat(12), "n": lat(10)},
                    ).scalar()
                )
        root_of(app).versions.expire()
        props = route(client)
        other, own = made
        assert {other, own} <= set(props["hazard_ids"])  # both lie on the way (avoid=hazards still sees both)
        warned = {w.get("hazard_id") for s in props["steps"] for w in s.get("warnings", [])}
        assert own in warned and other not in warned
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM hazard_zones WHERE id = ANY(:ids)"), {"ids": made})
        root_of(app).versions.expire()


def test_a_direction_on_the_approach_to_a_city_runs_from_the_city_behind_into_it():
    """North of 衡阳 (衡山县, the city's districts still ahead) southbound traffic is '湘潭往衡阳方向'; past
    the districts it is '衡阳往郴州方向'; inside a district the city is left: '衡阳往郴州方向'."""
    from routing.signs import direction_between

    behind = [("衡阳", "衡山县"), ("衡阳", "衡山县"), ("湘潭", "湘潭县")]
    into = [("衡阳", "衡阳县"), ("衡阳", "石鼓区"), ("衡阳", "雁峰区"), ("郴州", "永兴县")]
    assert direction_between([("衡阳", "衡山县")], into, behind) == "湘潭往衡阳方向"
    past = [("衡阳", "衡南县"), ("衡阳", "耒阳市"), ("郴州", "永兴县")]
    assert direction_between([("衡阳", "衡南县")], past, [("衡阳", "雁峰区"), ("湘潭", "湘潭县")]) == "衡阳往郴州方向"
    assert direction_between([("衡阳", "石鼓区")], into[2:], behind) == "衡阳往郴州方向"
    # no city behind (the road starts in this city): from here to the next city
    assert direction_between([("衡阳", "衡山县")], into, [("衡阳", "衡山县")]) == "衡阳往郴州方向"


def test_steps_change_expressway_at_a_hub_and_ramps_give_no_compass_word():
    """At a hub one changes road, one does not leave ('在雁峰枢纽互通转S61衡炎高速'); an exit known only by its
    stake that leads onto another expressway says so ('经匝道转S10张花高速'); a ramp's step gives no compass
    word (a looping ramp's chord points anywhere); a new road straight on says 直行."""
    from routing.text import instruction

    hub = instruction("merge", "straight", "G4京港澳高速", "南", "162公里", "雁峰枢纽", "zh-CN", onto="S61衡炎高速")
    assert hub == "驶入G4京港澳高速，沿G4京港澳高速向南行驶162公里，在雁峰枢纽互通转S61衡炎高速"
    staked = instruction(
        "turn", "straight", "G5513长张高速", "西北", "296公里", "K300+513", "zh-CN", onto="S10张花高速"
    )
    assert staked.endswith("，经匝道转S10张花高速") and "K300+513" not in staked
    assert staked.startswith("直行，沿G5513长张高速")
    en = instruction("merge", "straight", "G4", "south", "162 km", "雁峰枢纽", "en", onto="S61")
    assert en.endswith("then change to S61 at the Yanfeng hub interchange (雁峰枢纽)"), en
    ramp = instruction("ramp", "straight", "匝道", "东", "730米", None, "zh-CN")
    assert ramp == "进入匝道，沿匝道行驶730米"
    assert instruction("ramp", "straight", "the ramp", "east", "730 m", None, "en") == "Take the ramp for 730 m"
    # with no road onto which the exit leads, the exit stays an exit
    plain = instruction("merge", "straight", "S10张花高速", "西", "3.4公里", "张家界东", "zh-CN")
    assert plain.endswith("从张家界东出口驶出")


def test_a_zone_met_on_a_ramp_gives_its_length_not_the_stakes_of_its_road(client, engine, app):
    """A G4 zone (stakes K1505–K1510 of G4) whose polygon covers the ramp at row 2 is met on the ramp, a
    road with no stakes of its own: the warning says how far ('前方约…'), not 'K1505至K1510'."""
    with engine.begin() as conn:
        ident = conn.execute(
            sa.text(
                "INSERT INTO hazard_zones (name, kind, severity, route_code, properties, geom) VALUES "
                "('匝道结冰', 'ice', 2, 'G4', '{\"from_stake_m\": 1505000, \"to_stake_m\": 1510000}', "
                "ST_Multi(ST_MakeEnvelope(112.991, :s, 112.999, :n, 4326))) RETURNING id"
            ),
            {"s": lat(2) - 0.002, "n": lat(2) + 0.002},
        ).scalar()
    root_of(app).versions.expire()
    try:
        props = route(client, frm=f"112.95,{lat(2)}", to=f"113.0,{lat(8)}")
        notes = [
            (s["road"]["road_class"], w["text"])
            for s in props["steps"]
            if "road" in s
            for w in s.get("warnings", [])
            if w.get("hazard_id") == ident
        ]
        assert notes, props["steps"]
        for road_class, text in notes:
            assert "K1505" not in text and "K1510" not in text, text
            assert text.startswith("前方约") and "易结冰路段" in text, text
            assert road_class != "expressway", road_class
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM hazard_zones WHERE id = :i"), {"i": ident})
        root_of(app).versions.expire()


def test_the_approach_to_a_city_is_measured_against_its_seat():
    """With the city's seat known: a section whose road comes nearer the seat ahead (before leaving the city)
    is on the approach ('湘潭往衡阳方向', even inside one of its districts); one that only moves away from it
    leaves the city ('衡阳往郴州方向')."""
    from routing.signs import CityAt, direction_between

    seat = (112.57, 26.89)
    north = [CityAt("衡阳", "石鼓区", (112.60, 27.10 - i * 0.05), seat) for i in range(4)]  # nearing the seat
    south = [CityAt("衡阳", "衡南县", (112.60, 26.80 - i * 0.05), seat) for i in range(3)]  # leaving it
    behind = [CityAt("衡阳", "衡山县", (112.65, 27.20), seat), CityAt("湘潭", "湘潭县", (112.8, 27.6), None)]
    assert direction_between(north[:1], [*north[1:], *south, CityAt("郴州", "永兴县")], behind) == "湘潭往衡阳方向"
    leaving = [*south[1:], CityAt("郴州", "永兴县", (112.9, 26.2), None)]
    assert direction_between(south[:1], leaving, [*north[::-1], *behind]) == "衡阳往郴州方向"

"""`daoan import osm`: the drivable network, restrictions and facilities of OSM extracts in PostGIS."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli import main
from gis.errors import DaoanError, InvalidParameter, Unprocessable
from layers.ingest.osm import import_osm
from layers.ingest.osm_tags import is_drivable, parse_lanes, parse_maxspeed, restriction_kind, road_tags
from tests.conftest import DATA, truncate_all

MONACO = DATA / "monaco.osm.pbf"
SHANGHAI = DATA / "shanghai_central_osmnx.osm"
TABLES = (
    "road_segments",
    "road_nodes",
    "turn_restrictions",
    "cameras",
    "enforcement_stations",
    "service_areas",
    "toll_stations",
    "import_runs",
)


def scalar(engine: sa.Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


_loaded: dict[str, dict[str, int]] = {}


def _import_once(engine: sa.Engine, settings, path: Path) -> dict[str, int]:
    """Import `path` into an empty database unless it is what the last test left loaded."""
    last = scalar(engine, "SELECT source_file FROM import_runs ORDER BY id DESC LIMIT 1")
    counts = _loaded.get(path.name)
    if counts is None or last != path.name or table_counts(engine)["road_segments"] != counts["road_segments"]:
        truncate_all(engine)
        counts = _loaded[path.name] = import_osm(engine, settings, path)
    return counts


@pytest.fixture()
def monaco(engine, settings) -> dict[str, int]:
    """The database holding Monaco only (imported once, again only when a test changed it)."""
    return _import_once(engine, settings, MONACO)


@pytest.fixture()
def shanghai(engine, settings) -> dict[str, int]:
    """The database holding central Shanghai only."""
    return _import_once(engine, settings, SHANGHAI)


# ---------------------------------------------------------------- tags


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50),
        ("50 mph", 80),
        ("60;80", 60),
        ("100 km/h", 100),
        (" 30 ", 30),
        ("RU:urban", None),
        ("signals", None),
        ("none", None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_maxspeed_parses_numbers_and_mph_and_ignores_junk(value, kmh):
    assert parse_maxspeed(value) == kmh


def test_lanes_parse_counts_only():
    assert [parse_lanes(v) for v in ("4", "2;3", "x", "0", None)] == [4, 2, None, None, None]


@pytest.mark.parametrize(
    ("tags", "road_class"),
    [
        ({"highway": "motorway", "ref": "G4"}, "expressway"),
        ({"highway": "motorway", "ref": "A 8"}, "expressway"),
        ({"highway": "trunk"}, "national"),
        ({"highway": "trunk", "ref": "G107"}, "national"),
        ({"highway": "primary", "ref": "G107;S20"}, "national"),
        ({"highway": "primary"}, "provincial"),
        ({"highway": "secondary", "ref": "S311"}, "provincial"),
        ({"highway": "tertiary", "ref": "X012"}, "county"),
        ({"highway": "unclassified"}, "township"),
        ({"highway": "living_street"}, "urban"),
        ({"highway": "motorway_link", "ref": "G4"}, "link"),
    ],
)
def test_road_class_from_highway_refined_by_chinese_ref(tags, road_class):
    assert road_tags(tags).road_class == road_class


def test_oneway_rules():
    assert road_tags({"highway": "motorway"}).oneway
    assert not road_tags({"highway": "motorway", "oneway": "no"}).oneway
    assert road_tags({"highway": "primary", "junction": "roundabout"}).oneway
    assert road_tags({"highway": "primary", "oneway": "true"}).oneway
    reverse = road_tags({"highway": "primary", "oneway": "-1"})
    assert reverse.oneway and reverse.reverse
    assert not road_tags({"highway": "primary"}).oneway


@pytest.mark.parametrize(
    ("tags", "drivable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True),
        ({"highway": "residential", "motorcar": "no"}, False),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "service"}, True),
        ({"highway": "residential", "area": "yes"}, False),
    ],
)
def test_drivable_network_filter(tags, drivable):
    assert is_drivable(tags) is drivable


def test_restriction_kind_only_for_cars():
    assert restriction_kind({"restriction": "no_left_turn"}) == "no_left_turn"
    assert restriction_kind({"restriction": "only_straight_on", "except": "bicycle;motorcar"}) is None
    assert restriction_kind({"restriction:motorcar": "no_u_turn", "restriction": "no_left_turn"}) == "no_u_turn"
    assert restriction_kind({"restriction": "give_way"}) is None


# ---------------------------------------------------------------- Monaco


def test_monaco_a8_is_oneway_expressway(monaco, engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT road_class, oneway, count(*) FROM road_segments WHERE route_code = 'A8' GROUP BY 1, 2")
        ).all()
    assert rows and [(r[0], r[1]) for r in rows] == [("expressway", True)]
    assert rows[0][2] >= 10


def test_monaco_counts_match_tables(monaco, engine):
    counts = table_counts(engine)
    for table in (
        "road_segments",
        "road_nodes",
        "turn_restrictions",
        "cameras",
        "enforcement_stations",
        "service_areas",
        "toll_stations",
    ):
        assert counts[table] == monaco[table], table
    assert monaco["road_segments"] > 2000
    assert monaco["turn_restrictions"] > 0
    run = scalar(engine, "SELECT layer || ' ' || source_file || ' ' || imported_by FROM import_runs")
    assert run == "osm monaco.osm.pbf cli"


def test_monaco_toll_stations_are_linked_to_segments_within_300_m(monaco, engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT t.road_distance_m, ST_Distance(t.geom::geography, s.geom::geography) "
                "FROM toll_stations t JOIN road_segments s ON s.id = t.segment_id"
            )
        ).all()
    assert len(rows) == monaco["toll_stations"] > 0
    for distance_m, true_distance_m in rows:
        assert distance_m <= 300
        assert distance_m == pytest.approx(true_distance_m, abs=0.5)


def test_monaco_toll_booths_of_one_plaza_are_one_station(monaco, engine):
    # The La Turbie plaza maps six booths within ~200 m of one another.
    booths = scalar(engine, "SELECT max((properties ->> 'booths')::int) FROM toll_stations")
    assert booths is not None and booths >= 2


def test_monaco_police_are_enforcement_stations_and_far_ones_are_skipped(monaco, engine):
    assert monaco["enforcement_stations"] > 0
    assert "enforcement_stations_skipped_far_from_road" in monaco
    far = scalar(engine, "SELECT count(*) FROM enforcement_stations WHERE road_distance_m > 300")
    assert far == 0
    assert scalar(engine, "SELECT count(*) FROM enforcement_stations WHERE source = 'osm' AND segment_id IS NULL") == 0


def test_monaco_speed_cameras_are_kind_speed(monaco, engine):
    assert scalar(engine, "SELECT count(*) FROM cameras WHERE kind = 'speed'") == monaco["cameras"] > 0


def test_monaco_motorway_junctions_are_interchange_nodes(monaco, engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT n.ref, n.name, n.source_id, count(s.id) FROM road_nodes n "
                "JOIN road_segments s ON n.id IN (s.source_node, s.target_node) "
                "WHERE n.interchange GROUP BY n.id"
            )
        ).all()
    assert len(rows) == monaco["interchanges"] >= 2
    assert all(ref and name and source_id.isdigit() and degree >= 2 for ref, name, source_id, degree in rows)


def test_monaco_segment_ends_are_their_nodes(monaco, engine):
    mismatched = scalar(
        engine,
        """
        SELECT count(*) FROM road_segments s
        JOIN road_nodes a ON a.id = s.source_node
        JOIN road_nodes b ON b.id = s.target_node
        WHERE NOT ST_Equals(ST_StartPoint(s.geom), a.geom) OR NOT ST_Equals(ST_EndPoint(s.geom), b.geom)
    """,
    )
    assert mismatched == 0
    assert scalar(engine, "SELECT count(*) FROM road_segments WHERE source_node IS NULL OR target_node IS NULL") == 0


def test_monaco_segments_do_not_run_through_junctions(monaco, engine):
    # Every 5th segment: none of its interior vertices is a road node.
    through = scalar(
        engine,
        """
        WITH sample AS (SELECT id, geom FROM road_segments WHERE id % 5 = 0),
        inner_points AS (
            SELECT s.id, d.geom FROM sample s, ST_DumpPoints(s.geom) d
            WHERE d.path[1] > 1 AND d.path[1] < ST_NPoints(s.geom)
        )
        SELECT count(*) FROM inner_points p JOIN road_nodes n ON n.geom && p.geom AND ST_Equals(n.geom, p.geom)
    """,
    )
    assert through == 0
    # …and the junctions are real: most nodes join three or more segment ends.
    joined = scalar(
        engine,
        """
        SELECT count(*) FROM road_nodes n
        WHERE (SELECT count(*) FROM road_segments s WHERE s.source_node = n.id)
            + (SELECT count(*) FROM road_segments s WHERE s.target_node = n.id) >= 3
    """,
    )
    assert joined > monaco["road_nodes"] / 2


def test_monaco_turn_restrictions_join_segments_at_their_via_node(monaco, engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("""
            SELECT r.restriction, r.via_node IN (f.source_node, f.target_node),
                   r.via_node IN (t.source_node, t.target_node), r.source_id
            FROM turn_restrictions r
            JOIN road_segments f ON f.id = r.from_segment
            JOIN road_segments t ON t.id = r.to_segment
            JOIN road_nodes v ON v.id = r.via_node
        """)
        ).all()
    assert len(rows) == monaco["turn_restrictions"] > 0
    assert all(touch_from and touch_to for _, touch_from, touch_to, _ in rows)
    assert {kind for kind, *_ in rows} <= {
        "no_left_turn",
        "no_right_turn",
        "no_straight_on",
        "no_u_turn",
        "only_straight_on",
        "only_right_turn",
        "only_left_turn",
        "no_entry",
        "no_exit",
    }
    assert all(source_id.startswith("r") for *_, source_id in rows)


def test_monaco_lengths_are_geodesic(monaco, engine):
    worst = scalar(engine, "SELECT max(abs(length_m - ST_Length(geom::geography))) FROM road_segments")
    assert worst < 0.05


def test_monaco_segments_are_valid_lines(monaco, engine):
    assert scalar(engine, "SELECT count(*) FROM road_segments WHERE ST_Length(geom) = 0") == 0


# ---------------------------------------------------------------- Shanghai


def test_shanghai_nanbei_elevated_road_is_a_oneway_national_bridge(shanghai, engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT road_class, bridge, oneway, lanes, route_code, default_speed_kmh FROM road_segments "
                "WHERE name = '南北高架路'"
            )
        ).all()
    assert len(rows) >= 10
    assert {(r[0], r[1], r[2], r[4], r[5]) for r in rows} == {("national", True, True, None, 70)}
    assert 4 in {r[3] for r in rows}


def test_replace_twice_gives_the_same_counts(empty_db, settings):
    first = import_osm(empty_db, settings, SHANGHAI, replace=True)
    before = table_counts(empty_db)
    second = import_osm(empty_db, settings, SHANGHAI, replace=True)
    after = table_counts(empty_db)
    assert first == second
    assert {k: v for k, v in before.items() if k != "import_runs"} == {
        k: v for k, v in after.items() if k != "import_runs"
    }
    assert after["import_runs"] == before["import_runs"] + 1
    assert after["road_segments"] == second["road_segments"]


def test_append_keeps_the_network_already_loaded(empty_db, settings):
    shanghai = import_osm(empty_db, settings, SHANGHAI)
    monaco = import_osm(empty_db, settings, MONACO, replace=False)
    counts = table_counts(empty_db)
    assert counts["road_segments"] == shanghai["road_segments"] + monaco["road_segments"]
    assert counts["road_nodes"] == shanghai["road_nodes"] + monaco["road_nodes"]


# ---------------------------------------------------------------- a hand-made network

# Near Changsha. Way 10 (primary, ref G107) runs west–east 1-2-3; way 11 (secondary, oneway=-1)
# crosses it north–south 4-2-5; way 12 (motorway G4) continues 3-6-7 with an exit at node 6;
# way 16 (no access except motor vehicles) 7-9. Not drivable: a footway, a private road, a
# parking aisle. Facilities: a speed camera and an ALPR on the road, two booths of one toll plaza,
# a police building beside the road and a police post 12 km away.
SMALL_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="28.100" lon="112.900" version="1"/>
  <node id="2" lat="28.100" lon="112.905" version="1"/>
  <node id="3" lat="28.100" lon="112.910" version="1"/>
  <node id="4" lat="28.095" lon="112.905" version="1"/>
  <node id="5" lat="28.105" lon="112.905" version="1"/>
  <node id="6" lat="28.100" lon="112.920" version="1">
    <tag k="highway" v="motorway_junction"/><tag k="name" v="星沙"/><tag k="ref" v="12"/>
  </node>
  <node id="7" lat="28.100" lon="112.930" version="1"/>
  <node id="8" lat="28.110" lon="112.905" version="1"/>
  <node id="9" lat="28.100" lon="112.940" version="1"/>
  <node id="20" lat="28.1001" lon="112.9051" version="1"><tag k="highway" v="speed_camera"/></node>
  <node id="21" lat="28.200" lon="112.950" version="1"><tag k="amenity" v="police"/></node>
  <node id="22" lat="28.1003" lon="112.9250" version="1"><tag k="barrier" v="toll_booth"/></node>
  <node id="23" lat="28.0997" lon="112.9252" version="1">
    <tag k="barrier" v="toll_booth"/><tag k="name" v="星沙收费站"/>
  </node>
  <node id="24" lat="28.1002" lon="112.9080" version="1">
    <tag k="man_made" v="surveillance"/><tag k="surveillance:type" v="ALPR"/>
  </node>
  <node id="31" lat="28.1008" lon="112.9020" version="1"/>
  <node id="32" lat="28.1008" lon="112.9030" version="1"/>
  <node id="33" lat="28.1014" lon="112.9030" version="1"/>
  <node id="34" lat="28.1014" lon="112.9020" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="ref" v="G107"/><tag k="name" v="芙蓉路"/>
    <tag k="maxspeed" v="60"/><tag k="lanes" v="4"/>
  </way>
  <way id="11" version="1">
    <nd ref="4"/><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="secondary"/><tag k="oneway" v="-1"/><tag k="name:zh" v="五一路"/>
    <tag k="maxspeed" v="30 mph"/><tag k="tunnel" v="yes"/>
  </way>
  <way id="12" version="1">
    <nd ref="3"/><nd ref="6"/><nd ref="7"/>
    <tag k="highway" v="motorway"/><tag k="ref" v="G4"/><tag k="bridge" v="viaduct"/>
  </way>
  <way id="13" version="1"><nd ref="1"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <way id="14" version="1">
    <nd ref="5"/><nd ref="8"/><tag k="highway" v="residential"/><tag k="access" v="private"/>
  </way>
  <way id="15" version="1">
    <nd ref="3"/><nd ref="8"/><tag k="highway" v="service"/><tag k="service" v="parking_aisle"/>
  </way>
  <way id="16" version="1">
    <nd ref="7"/><nd ref="9"/>
    <tag k="highway" v="residential"/><tag k="access" v="no"/><tag k="motor_vehicle" v="yes"/>
  </way>
  <way id="30" version="1">
    <nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="34"/><nd ref="31"/>
    <tag k="amenity" v="police"/><tag k="building" v="yes"/><tag k="name" v="芙蓉派出所"/>
  </way>
  <relation id="100" version="1">
    <member type="way" ref="10" role="from"/><member type="node" ref="2" role="via"/>
    <member type="way" ref="11" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_left_turn"/>
  </relation>
  <relation id="101" version="1">
    <member type="way" ref="10" role="from"/><member type="way" ref="12" role="via"/>
    <member type="way" ref="16" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_u_turn"/>
  </relation>
  <relation id="102" version="1">
    <member type="way" ref="14" role="from"/><member type="node" ref="5" role="via"/>
    <member type="way" ref="11" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_right_turn"/>
  </relation>
</osm>
"""


@pytest.fixture()
def small_osm(tmp_path: Path) -> Path:
    path = tmp_path / "changsha_small.osm"
    path.write_text(SMALL_OSM, encoding="utf-8")
    return path


def segments_by_source_id(engine: sa.Engine) -> dict[str, sa.Row]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("""
            SELECT s.source_id, s.road_class, s.route_code, s.name, s.oneway, s.lanes, s.maxspeed_kmh,
                   s.default_speed_kmh, s.bridge, s.tunnel, s.length_m, s.county_adcode,
                   a.source_id AS from_osm, b.source_id AS to_osm
            FROM road_segments s JOIN road_nodes a ON a.id = s.source_node JOIN road_nodes b ON b.id = s.target_node
        """)
        ).all()
    return {r.source_id: r for r in rows}


def test_small_network_is_split_at_junctions_and_interchanges(empty_db, settings, small_osm):
    counts = import_osm(empty_db, settings, small_osm)
    segs = segments_by_source_id(empty_db)
    ends = {sid: (r.from_osm, r.to_osm) for sid, r in segs.items()}
    assert ends == {
        "w10:1": ("1", "2"),
        "w10:2": ("2", "3"),
        "w11:1": ("5", "2"),
        "w11:2": ("2", "4"),  # oneway=-1: digitised against the way
        "w12:1": ("3", "6"),
        "w12:2": ("6", "7"),
        "w16:1": ("7", "9"),
    }
    assert counts["road_segments"] == 7
    assert counts["road_nodes"] == 8
    assert counts["interchanges"] == 1
    with empty_db.connect() as conn:
        node = conn.execute(sa.text("SELECT name, ref FROM road_nodes WHERE interchange")).one()
    assert tuple(node) == ("星沙", "12")


def test_small_network_attributes(empty_db, settings, small_osm):
    import_osm(empty_db, settings, small_osm)
    segs = segments_by_source_id(empty_db)
    g107 = segs["w10:1"]
    assert (g107.road_class, g107.route_code, g107.name, g107.oneway, g107.lanes, g107.maxspeed_kmh) == (
        "national",
        "G107",
        "芙蓉路",
        False,
        4,
        60,
    )
    assert g107.length_m == pytest.approx(490.6, abs=1.0)
    wuyi = segs["w11:1"]
    assert (wuyi.road_class, wuyi.name, wuyi.oneway, wuyi.maxspeed_kmh, wuyi.tunnel, wuyi.bridge) == (
        "county",
        "五一路",
        True,
        48,
        True,
        False,
    )
    g4 = segs["w12:1"]
    assert (g4.road_class, g4.route_code, g4.oneway, g4.bridge, g4.default_speed_kmh, g4.maxspeed_kmh) == (
        "expressway",
        "G4",
        True,
        True,
        100,
        None,
    )
    assert segs["w16:1"].road_class == "urban"


def test_small_network_restrictions(empty_db, settings, small_osm):
    counts = import_osm(empty_db, settings, small_osm)
    with empty_db.connect() as conn:
        rows = conn.execute(
            sa.text("""
            SELECT r.restriction, f.source_id, v.source_id, t.source_id, r.source_id FROM turn_restrictions r
            JOIN road_segments f ON f.id = r.from_segment JOIN road_segments t ON t.id = r.to_segment
            JOIN road_nodes v ON v.id = r.via_node
        """)
        ).all()
    assert [tuple(r) for r in rows] == [("no_left_turn", "w10:1", "2", "w11:2", "r100")]
    assert counts["turn_restrictions"] == 1
    assert counts["turn_restrictions_skipped_via_way"] == 1
    assert counts["turn_restrictions_skipped_not_on_network"] == 1  # from a private road


def test_small_network_facilities(empty_db, settings, small_osm):
    counts = import_osm(empty_db, settings, small_osm)
    assert counts["cameras"] == 2
    assert counts["toll_stations"] == 1
    assert counts["enforcement_stations"] == 1
    assert counts["enforcement_stations_skipped_far_from_road"] == 1
    with empty_db.connect() as conn:
        cameras = dict(conn.execute(sa.text("SELECT source_id, kind FROM cameras")).all())
        toll = conn.execute(
            sa.text(
                "SELECT t.name, t.source_id, t.properties -> 'booths', s.route_code, t.road_distance_m "
                "FROM toll_stations t JOIN road_segments s ON s.id = t.segment_id"
            )
        ).one()
        police = conn.execute(sa.text("SELECT name, source_id, road_distance_m FROM enforcement_stations")).one()
    assert cameras == {"n20": "speed", "n24": "checkpoint"}
    assert toll[:4] == ("星沙收费站", "n22", 2, "G4")
    assert toll[4] < 5
    assert police[:2] == ("芙蓉派出所", "w30")
    assert 50 < police[2] < 300


def test_small_network_counties_and_relinked_facilities(empty_db, settings, small_osm):
    with empty_db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO admin_areas (adcode, name, level, parent_adcode, geom) VALUES "
                "('430121', '长沙县', 'county', '430100', "
                "ST_Multi(ST_MakeEnvelope(112.80, 28.00, 112.907, 28.20, 4326)))"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO cameras (name, kind, source, geom) "
                "VALUES ('imported', 'video', 'import', ST_SetSRID(ST_MakePoint(112.915, 28.1001), 4326))"
            )
        )
    counts = import_osm(empty_db, settings, small_osm)
    segs = segments_by_source_id(empty_db)
    assert {sid: r.county_adcode for sid, r in segs.items() if r.county_adcode} == {
        "w10:1": "430121",
        "w11:1": "430121",
        "w11:2": "430121",
    }
    linked = scalar(
        empty_db,
        "SELECT s.route_code FROM cameras c JOIN road_segments s ON s.id = c.segment_id WHERE c.source = 'import'",
    )
    assert linked == "G4"
    assert counts["facilities_relinked"] == 1
    # Importing again (replace) nulls and then restores the link of the imported camera.
    import_osm(empty_db, settings, small_osm)
    assert scalar(empty_db, "SELECT segment_id IS NOT NULL FROM cameras WHERE source = 'import'") is True
    assert scalar(empty_db, "SELECT count(*) FROM cameras WHERE source = 'osm'") == 2


def test_bzip2_extract_imports(empty_db, settings, small_osm, tmp_path):
    import bz2

    path = tmp_path / "changsha_small.osm.bz2"
    path.write_bytes(bz2.compress(small_osm.read_bytes()))
    assert import_osm(empty_db, settings, path)["road_segments"] == 7


# ---------------------------------------------------------------- bad files


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, type[DaoanError], str]]:
    truncated = tmp_path / "monaco.osm.pbf"
    truncated.write_bytes(MONACO.read_bytes()[:5000])
    garbage = tmp_path / "x.osm"
    garbage.write_text("this is not XML at all\n")
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    cut_xml = tmp_path / "cut.osm"
    cut_xml.write_bytes(SHANGHAI.read_bytes()[:300_000])
    no_roads = tmp_path / "no_roads.osm"
    no_roads.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="28" lon="112"/></osm>')
    renamed = tmp_path / "roads.csv"
    renamed.write_text("lon,lat\n112,28\n")
    return {
        "truncated pbf": (truncated, Unprocessable, "monaco.osm.pbf is truncated or not an OSM file"),
        "garbage xml": (garbage, Unprocessable, "x.osm is truncated or not an OSM file"),
        "empty": (empty, Unprocessable, "empty.osm.pbf is empty"),
        "cut xml": (cut_xml, Unprocessable, "cut.osm is truncated or not an OSM file"),
        "no roads": (no_roads, Unprocessable, "no drivable roads found in no_roads.osm"),
        "not osm": (renamed, InvalidParameter, "roads.csv is not an OSM file"),
        "missing": (tmp_path / "missing.osm.pbf", InvalidParameter, "missing.osm.pbf does not exist"),
    }


@pytest.mark.parametrize("case", ["truncated pbf", "garbage xml", "empty", "cut xml", "no roads", "not osm", "missing"])
def test_bad_file_raises_and_changes_nothing(shanghai, engine, settings, tmp_path, case):
    path, error, message = _bad_files(tmp_path)[case]
    before = table_counts(engine)
    with pytest.raises(error) as exc_info:
        import_osm(engine, settings, path, replace=True)
    assert message in exc_info.value.detail
    assert "Traceback" not in exc_info.value.detail
    assert table_counts(engine) == before


# ---------------------------------------------------------------- CLI


def test_cli_imports_osm(empty_db, settings, small_osm):
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    result = runner.invoke(main, ["import", "osm", str(small_osm)])
    assert result.exit_code == 0, result.output
    assert "road_segments" in result.output and " 7" in result.output
    assert scalar(empty_db, "SELECT count(*) FROM road_segments") == 7


def test_cli_bad_file_exits_2_with_message(empty_db, settings, tmp_path):
    path = tmp_path / "monaco.osm.pbf"
    path.write_bytes(MONACO.read_bytes()[:5000])
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    result = runner.invoke(main, ["import", "osm", str(path)])
    assert result.exit_code == 2
    assert "error: monaco.osm.pbf is truncated or not an OSM file" in result.stderr
    assert "Traceback" not in result.output
    assert scalar(empty_db, "SELECT count(*) FROM import_runs") == 0


def test_junction_nodes_on_one_spot_are_merged(empty_db, settings, tmp_path):
    # Way 1 ends a-b-c-d where c (shared with way 2) and d (shared with way 3) lie on one spot.
    path = tmp_path / "doubled.osm"
    path.write_text("""<?xml version="1.0"?><osm version="0.6">
      <node id="1" lat="28.10" lon="112.90"/><node id="2" lat="28.10" lon="112.91"/>
      <node id="3" lat="28.10" lon="112.92"/><node id="4" lat="28.10" lon="112.92"/>
      <node id="5" lat="28.11" lon="112.92"/><node id="6" lat="28.09" lon="112.92"/>
      <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/></way>
      <way id="2"><nd ref="3"/><nd ref="5"/><tag k="highway" v="residential"/></way>
      <way id="3"><nd ref="4"/><nd ref="6"/><tag k="highway" v="residential"/></way>
    </osm>""")
    counts = import_osm(empty_db, settings, path)
    ends = {sid: (r.from_osm, r.to_osm) for sid, r in segments_by_source_id(empty_db).items()}
    assert ends == {"w1:1": ("1", "3"), "w2:1": ("3", "5"), "w3:1": ("3", "6")}
    assert counts["road_nodes"] == 4
    assert counts["nodes_merged_same_location"] == 1

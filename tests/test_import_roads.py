"""`daoan import roads` / POST /imports/roads: a department's road centrelines become the network.

The files in tests/data/roads/ are four real expressways around Changsha (OSM, ODbL; built by
scripts/roads_test_data.py) in five formats and four coordinate systems: G0421 × G5513 cross at a
shared vertex (a junction), S50's carriageways pass under G0421's bridge row (a shared vertex on
the 上行 line, none on the 下行 one: grade separated), G5513 and S50 end on G0401.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from click.testing import CliRunner

from cli import main
from gis.errors import ImportRejected, InvalidParameter
from layers.ingest import roads_fields as rf
from layers.ingest.roads import import_roads
from layers.ingest.roads_network import build_network
from tests.conftest import DATA, OPERATOR_TOKEN, auth, truncate_all

ROADS = DATA / "roads"
GEOJSON = ROADS / "changsha_expressways.geojson"
# file, options: every format and coordinate system of the same network
FILES = [
    ("changsha_expressways.geojson", {}),
    ("changsha_expressways_cgcs2000.shp", {}),
    ("changsha_expressways_4547.zip", {"stake_unit": "m"}),
    ("changsha_expressways_4547.gpkg", {}),
    ("changsha_expressways_gcj02.fgb", {"crs": "gcj02", "mapping": ["route_code=road_code"]}),
]


def rows(engine: sa.Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def network_summary(engine: sa.Engine) -> dict:
    (seg, length, stakes, nodes), *_ = rows(
        engine,
        "SELECT count(*), sum(length_m), sum(coalesce(start_stake_m, 0) + coalesce(end_stake_m, 0)), "
        "(SELECT count(*) FROM road_nodes) FROM road_segments",
    )
    return {"segments": seg, "length_m": float(length), "stakes": float(stakes), "nodes": nodes}


@pytest.fixture()
def loaded(engine, settings):
    """The GeoJSON file imported into an empty database; its report."""
    truncate_all(engine)
    return import_roads(engine, settings, GEOJSON)


# ---------------------------------------------------------------- formats and coordinate systems
@pytest.mark.parametrize(("name", "options"), FILES, ids=[f[0].rsplit(".", 1)[1] for f in FILES])
def test_every_format_and_crs_gives_the_same_network(engine, settings, name, options):
    truncate_all(engine)
    reference = import_roads(engine, settings, GEOJSON)
    expected = network_summary(engine)
    report = import_roads(engine, settings, ROADS / name, **options)
    got = network_summary(engine)
    assert report.rows_loaded == reference.rows_loaded == 8 and report.rows_skipped == 0
    assert got["segments"] == expected["segments"] and got["nodes"] == expected["nodes"]
    assert got["length_m"] == pytest.approx(expected["length_m"], abs=1.0)
    # stakes read as K text, km and metres agree to the metre (per segment, summed)
    assert got["stakes"] == pytest.approx(expected["stakes"], abs=1.0 * got["segments"])
    assert report.columns["route_code"] and report.columns["start_stake"]
    assert report.segments_replaced == expected["segments"]


def test_shapefile_columns_cut_by_the_dbf_are_found(engine, settings, tmp_path):
    # a GBK .dbf keeps four Chinese characters (8 bytes) of a name; a UTF-8 one only three (9 bytes),
    # and a name cut that way is matched by its beginning
    truncate_all(engine)
    report = import_roads(engine, settings, ROADS / "changsha_expressways_cgcs2000.shp")
    assert report.columns["route_code"] == "路线编码" and report.columns["end_stake"] == "止点桩号"
    cut = rf.resolve_columns(["路线编", "起点桩"], {}, truncated=True)
    assert cut == {"route_code": "路线编", "start_stake": "起点桩"}


def test_a_gcj02_file_is_converted_and_would_land_hundreds_of_metres_off_unconverted(engine, settings):
    first = json.loads(GEOJSON.read_text())["features"][5]["geometry"]["coordinates"][0]  # G0401's start
    sql = (
        "SELECT ST_Distance(ST_StartPoint(geom)::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) "
        "FROM road_segments WHERE route_code = 'G0401' ORDER BY start_stake_m LIMIT 1"
    )
    truncate_all(engine)
    fgb = ROADS / "changsha_expressways_gcj02.fgb"
    import_roads(engine, settings, fgb, mapping=["route_code=road_code"])  # taken as WGS84, as it declares
    assert 300 < rows(engine, sql, lon=first[0], lat=first[1])[0][0] < 800
    import_roads(engine, settings, fgb, mapping=["route_code=road_code"], crs="gcj02")
    assert rows(engine, sql, lon=first[0], lat=first[1])[0][0] < 1.0


# ---------------------------------------------------------------- the network built
def test_a_shared_vertex_at_one_level_is_a_junction(loaded, engine):
    # G0421 and G5513 cross at a vertex both lines hold: a node with both routes' segments
    hub = rows(
        engine,
        "SELECT n.id, array_agg(DISTINCT s.route_code ORDER BY s.route_code), count(*) FROM road_nodes n "
        "JOIN road_segments s ON n.id IN (s.source_node, s.target_node) "
        "GROUP BY n.id HAVING count(DISTINCT s.route_code) = 2 AND 'G0421' = ANY (array_agg(s.route_code)) "
        "AND 'G5513' = ANY (array_agg(s.route_code))",
    )
    assert len(hub) == 1 and hub[0][2] == 4  # both lines split there
    (flag,), *_ = rows(engine, "SELECT interchange FROM road_nodes WHERE id = :id", id=hub[0][0])
    assert flag  # two expressways meet: a hub interchange


def test_a_grade_separated_crossing_is_not_noded(loaded, engine):
    # S50 passes under G0421's bridge row: no node joins them, with or without a shared vertex
    shared = rows(
        engine,
        "SELECT count(*) FROM road_segments a JOIN road_segments b "
        "ON a.route_code = 'G0421' AND b.route_code = 'S50' "
        "AND (a.source_node IN (b.source_node, b.target_node) OR a.target_node IN (b.source_node, b.target_node))",
    )
    assert shared[0][0] == 0
    crossing = rows(
        engine,
        "SELECT count(*) FROM road_segments a JOIN road_segments b ON a.route_code = 'G0421' AND b.route_code = 'S50' "
        "AND ST_Intersects(a.geom, b.geom) WHERE a.bridge",
    )
    assert crossing[0][0] == 2  # both carriageways cross the bridge row
    assert loaded.separated_vertices == 1  # the 上行 line's shared vertex was left unjoined


def test_line_ends_join_the_lines_they_stop_on(loaded, engine):
    # G5513 ends on G0401 at a vertex the file added; S50 starts at G0401's end
    joined = rows(
        engine,
        "SELECT b.route_code, count(*) FROM road_segments a JOIN road_segments b "
        "ON a.route_code = 'G0401' AND b.route_code <> 'G0401' "
        "AND (a.source_node IN (b.source_node, b.target_node) OR a.target_node IN (b.source_node, b.target_node)) "
        "GROUP BY b.route_code ORDER BY 1",
    )
    assert dict(joined) == {"G5513": 2, "S50": 2}  # G5513: both G0401 pieces meet it; S50: both carriageways
    assert loaded.validation.components == 1


def test_stakes_are_interpolated_along_the_split_lines(loaded, engine):
    g0421 = rows(
        engine,
        "SELECT start_stake_m, end_stake_m, length_m FROM road_segments WHERE route_code = 'G0421' "
        "ORDER BY start_stake_m",
    )
    assert len(g0421) == 5  # four rows, the first split at the hub
    for (s0, e0, length), (s1, _e1, _l1) in zip(g0421[:-1], g0421[1:], strict=True):
        assert e0 == pytest.approx(s1, abs=0.01)  # pieces continue one another
        assert e0 - s0 == pytest.approx(length, abs=2.0)
    assert g0421[0][0] == 1_478_000.0


def test_a_dual_carriageway_counts_its_centreline_once(loaded, engine, client):
    s50 = rows(
        engine,
        "SELECT oneway, start_stake_m < end_stake_m, ST_X(ST_StartPoint(geom)) < ST_X(ST_EndPoint(geom)) "
        "FROM road_segments WHERE route_code = 'S50' ORDER BY start_stake_m < end_stake_m",
    )
    # 下行 (decreasing stakes) was drawn K0 → west in the file: reversed into its direction of travel (east)
    assert s50 == [(True, False, True), (True, True, False)]
    assert loaded.reversed_rows == 1
    route = next(r for r in loaded.validation.routes if r["route_code"] == "S50")
    assert route["length_m"] == pytest.approx(route["carriageways_length_m"] / 2, rel=0.01)
    assert route["consistent"] and abs(route["difference_m"]) < 20
    found = client.get("/search?q=S50").get_json()
    road = next(r for r in found["roads"] if r["route_code"] == "S50")
    assert road["length_m"] == pytest.approx(route["length_m"], abs=2.0)


def test_opposite_two_way_rows_of_one_route_are_recognised_as_carriageways(engine, settings, tmp_path):
    doc = json.loads(GEOJSON.read_text())
    for f in doc["features"]:
        if f["properties"]["方向"] in ("上行", "下行"):
            f["properties"]["方向"] = "双向"
            if f["properties"]["起点桩号"] == "K0+000" and f["id"] == 8:  # the 下行 line, drawn back east
                f["geometry"]["coordinates"].reverse()
                p = f["properties"]
                p["起点桩号"], p["止点桩号"] = p["止点桩号"], p["起点桩号"]
    path = tmp_path / "two_way.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    truncate_all(engine)
    report = import_roads(engine, settings, path)
    assert report.dual_carriageway_rows == 2
    assert rows(engine, "SELECT bool_and(oneway) FROM road_segments WHERE route_code = 'S50'")[0][0]


def start_on_s50_eastbound(engine: sa.Engine) -> str:
    """A point on S50's 下行 (eastbound) carriageway west of G0421, as lon,lat."""
    (lon, lat), *_ = rows(
        engine,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.1) AS p FROM road_segments "
        "WHERE route_code = 'S50' AND start_stake_m > end_stake_m) x",
    )
    return f"{lon:.6f},{lat:.6f}"


def test_routes_go_round_a_grade_separated_crossing(loaded, client, engine):
    # from S50 west of G0421 to G0421 north of the hub: no turn where S50 passes under G0421, so the
    # route goes east to G0401, north to G5513 and back west to G0421
    resp = client.get(f"/route?from={start_on_s50_eastbound(engine)}&to=112.737,28.31")
    assert resp.status_code == 200, resp.get_json()
    props = resp.get_json()["features"][0]["properties"]
    assert {"S50", "G0401", "G5513", "G0421"} <= set(props["route_codes"])


def test_a_village_road_class_and_the_technical_grade_are_stored(engine, settings, tmp_path):
    doc = json.loads(GEOJSON.read_text())
    village = {
        "type": "Feature",
        "properties": {"路线编码": "C001430121", "路线名称": "洞井村道", "行政等级": "村道", "技术等级": "四级"},
        "geometry": {"type": "LineString", "coordinates": [[112.80, 28.10], [112.801, 28.101], [112.803, 28.101]]},
    }
    doc["features"].append(village)
    path = tmp_path / "with_village.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    truncate_all(engine)
    import_roads(engine, settings, path)
    got = rows(
        engine,
        "SELECT road_class, technical_grade, surface, route_code, county_adcode FROM road_segments "
        "WHERE name = '洞井村道'",
    )
    # the 路线编码 C001430121 is stored as Daoan keeps rural routes: the number and its county (gis/roads.py)
    assert got == [("village", "四级公路", None, "C001", "430121")]
    grades = rows(engine, "SELECT DISTINCT technical_grade, road_class FROM road_segments WHERE route_code = 'G0421'")
    assert grades == [("高速公路", "expressway")]  # 行政等级 国道, 技术等级 高速公路


def test_township_roads_of_one_number_in_two_counties_are_two_routes(engine, settings, tmp_path):
    """GB/T 917 numbers township roads within a county: Y001 of 长沙县 and Y001 of 宁乡 are two roads, told
    apart by the county in their 路线编码; stakes of one that take up where the other's stop are no gap."""
    features = [
        {
            "type": "Feature",
            "properties": {"路线编码": code, "路线名称": name, "行政等级": "乡道", "起点桩号": a, "止点桩号": b},
            "geometry": {"type": "LineString", "coordinates": line},
        }
        for code, name, a, b, line in (
            ("Y001430121", "黄兴乡道", 0.0, 1.0, [[113.10, 28.20], [113.1102, 28.20]]),
            ("Y001430182", "花明楼乡道", 1.0, 2.0, [[112.50, 28.00], [112.5102, 28.00]]),
        )
    ]
    path = tmp_path / "two_y001.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    truncate_all(engine)
    report = import_roads(engine, settings, path)
    assert report.rows_loaded == 2 and report.errors == []
    got = rows(engine, "SELECT route_code, county_adcode, start_stake_m FROM road_segments ORDER BY start_stake_m")
    assert got == [("Y001", "430121", 0.0), ("Y001", "430182", 1000.0)]
    assert {r["route_code"] for r in report.validation.as_dict()["routes"]} == {"Y001430121", "Y001430182"}
    # the same two rows under the bare number read as one road whose second row starts 60 km away
    for f in features:
        f["properties"]["路线编码"] = "Y001"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    with pytest.raises(ImportRejected) as err:
        import_roads(engine, settings, path)
    assert any("a gap at a route continuation" in e["reason"] for e in err.value.errors)


# ---------------------------------------------------------------- problem rows
def _with_problems(tmp_path: Path) -> Path:
    doc = json.loads(GEOJSON.read_text())
    f = doc["features"]
    f[5]["properties"].update({"行政等级": "机场专线", "技术等级": "一级"})  # row 6: unknown class
    f[4]["properties"]["止点桩号"] = "K99+000"  # row 5: G5513 K0–K99 on a 17 km line
    f[3]["geometry"]["coordinates"] = f[3]["geometry"]["coordinates"][1:]  # row 4: starts after row 3 ends
    bowtie = [[112.80, 28.20], [112.81, 28.21], [112.81, 28.20], [112.80, 28.21]]
    f.append(
        {
            "type": "Feature",
            "properties": {"路线编码": "X001", "行政等级": "县道"},
            "geometry": {"type": "LineString", "coordinates": bowtie},
        }
    )
    path = tmp_path / "problems.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return path


def test_every_problem_row_is_named_and_nothing_is_loaded(engine, settings, tmp_path):
    truncate_all(engine)
    with pytest.raises(ImportRejected) as info:
        import_roads(engine, settings, _with_problems(tmp_path))
    by_row: dict[int, list[tuple[str, str]]] = {}
    for e in info.value.errors:
        by_row.setdefault(e["row"], []).append((e["field"], e["reason"]))
    assert set(by_row) == {4, 5, 6, 9}
    assert any("gap at a route continuation" in r and "row 3" in r for _, r in by_row[4]), by_row[4]
    assert by_row[5] == [("起点桩号/止点桩号", by_row[5][0][1])] and "span" in by_row[5][0][1]
    assert by_row[6][0][0] == "行政等级" and "机场专线" in by_row[6][0][1]
    assert by_row[9] == [("geometry", "crosses itself; split the line where it does")]
    assert rows(engine, "SELECT count(*) FROM road_segments")[0][0] == 0


def test_skip_invalid_loads_the_other_rows(engine, settings, tmp_path):
    truncate_all(engine)
    report = import_roads(engine, settings, _with_problems(tmp_path), skip_invalid=True)
    assert report.rows_loaded == 5 and report.rows_skipped == 4
    assert rows(engine, "SELECT count(DISTINCT source_id) FROM road_segments")[0][0] == 5


def test_bad_options_are_named(engine, settings):
    with pytest.raises(InvalidParameter) as info:
        import_roads(engine, settings, GEOJSON, mapping=["route=LXBM"])
    assert info.value.parameter == "map" and "route_code" in info.value.detail
    with pytest.raises(InvalidParameter) as info:
        import_roads(engine, settings, GEOJSON, mapping=["route_code=NOPE"])
    assert "路线编码" in info.value.detail  # the file's columns are listed
    with pytest.raises(InvalidParameter):
        import_roads(engine, settings, GEOJSON, stake_unit="mi")
    with pytest.raises(InvalidParameter) as info:
        import_roads(engine, settings, ROADS / "changsha_expressways_cgcs2000.dbf")
    assert info.value.parameter == "file"


# ---------------------------------------------------------------- replace, append, re-linking
def test_append_joins_lines_at_existing_nodes(engine, settings, tmp_path):
    doc = json.loads(GEOJSON.read_text())
    first = dict(doc, features=[f for f in doc["features"] if f["properties"]["路线编码"] == "G0401"])
    rest = dict(doc, features=[f for f in doc["features"] if f["properties"]["路线编码"] != "G0401"])
    (tmp_path / "a.geojson").write_text(json.dumps(first, ensure_ascii=False))
    (tmp_path / "b.geojson").write_text(json.dumps(rest, ensure_ascii=False))
    truncate_all(engine)
    whole = import_roads(engine, settings, GEOJSON)
    expected = network_summary(engine)
    import_roads(engine, settings, tmp_path / "a.geojson")
    # the appended lines join the loaded ones at their nodes (S50 at G0401's end); G0401, loaded
    # alone, keeps its one segment where G5513 ends on it (an append does not split loaded lines)
    report = import_roads(engine, settings, tmp_path / "b.geojson", replace=False)
    got = network_summary(engine)
    assert got["segments"] == expected["segments"] - 1
    assert got["nodes"] == expected["nodes"]
    isolated = rows(
        engine,
        "SELECT count(*) FROM road_segments s WHERE s.route_code = 'S50' AND NOT EXISTS ("
        "SELECT 1 FROM road_segments g WHERE g.route_code = 'G0401' "
        "AND (g.source_node IN (s.source_node, s.target_node) OR g.target_node IN (s.source_node, s.target_node)))",
    )
    assert isolated[0][0] == 0  # S50 starts at G0401's end node, loaded before
    assert whole.segments == expected["segments"] and report.segments_replaced == 0


def test_facilities_and_incidents_follow_the_new_network(engine, settings, client):
    truncate_all(engine)
    import_roads(engine, settings, GEOJSON)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cameras (kind, name, source, geom) SELECT 'video', '许广高速测试', 'test', "
                "ST_LineInterpolatePoint(geom, 0.5) FROM road_segments WHERE route_code = 'G0421' "
                "ORDER BY start_stake_m DESC LIMIT 1"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO incidents (kind, effect, route_code, from_stake_m, to_stake_m, created_by, updated_by, geom)"
                " SELECT 'works', 'closed', 'G0421', 1500000, 1501000, 'test', 'test', ST_StartPoint(geom) "
                "FROM road_segments WHERE route_code = 'G0421' LIMIT 1"
            )
        )
    report = import_roads(engine, settings, ROADS / "changsha_expressways_4547.gpkg")
    assert report.facilities_relinked >= 1
    (seg, code, stake), *_ = rows(engine, "SELECT segment_id, route_code, stake_m FROM cameras WHERE source = 'test'")
    assert seg is not None and code == "G0421" and stake > 1_500_000
    (ok,), *_ = rows(
        engine, "SELECT bool_and(s.source = 'roads') FROM cameras c JOIN road_segments s ON s.id = c.segment_id"
    )
    assert ok
    closed = rows(engine, "SELECT count(*) FROM daoan_segments_for_stakes('G0421', 1500000, 1501000)")
    assert closed[0][0] >= 1


# ---------------------------------------------------------------- CLI and HTTP
def test_cli_prints_the_validation_report(settings, engine):
    truncate_all(engine)
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    result = runner.invoke(main, ["import", "roads", str(ROADS / "changsha_expressways_4547.zip"), "--stake-unit", "m"])
    assert result.exit_code == 0, result.output
    assert "validation report" in result.output and "S50" in result.output and "connected pieces: 1" in result.output
    # without --map the FlatGeobuf's road_code column is not found: every row lacks a class
    result = runner.invoke(main, ["import", "roads", str(ROADS / "changsha_expressways_gcj02.fgb"), "--crs", "gcj02"])
    assert result.exit_code == 0 and "route(s) without stakes" not in result.output


def test_cli_names_problem_rows(settings, engine, tmp_path):
    truncate_all(engine)
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    result = runner.invoke(main, ["import", "roads", str(_with_problems(tmp_path))])
    assert result.exit_code == 2
    assert "row 6: 行政等级: unknown class '机场专线'" in result.output


def test_http_import_returns_the_report_and_routes_over_it(client, engine):
    truncate_all(engine)
    body = (ROADS / "changsha_expressways_4547.zip").read_bytes()
    resp = client.post("/imports/roads?stake_unit=m", data=body, headers={**auth(), "Content-Type": "application/zip"})
    assert resp.status_code == 201, resp.get_json()
    report = resp.get_json()
    assert report["segments"] == 11 and report["validation"]["components"] == 1
    assert {r["route_code"] for r in report["validation"]["routes"]} == {"G0401", "G0421", "G5513", "S50"}
    resp = client.get(f"/route?from={start_on_s50_eastbound(engine)}&to=112.737,28.31")
    assert resp.status_code == 200 and "G5513" in resp.get_json()["features"][0]["properties"]["route_codes"]


def test_http_import_needs_the_admin_token_and_good_parameters(client, engine):
    body = GEOJSON.read_bytes()
    headers = {"Content-Type": "application/geo+json"}
    assert client.post("/imports/roads", data=body, headers=headers).status_code == 401
    assert client.post("/imports/roads", data=body, headers={**headers, **auth(OPERATOR_TOKEN)}).status_code == 403
    resp = client.post("/imports/roads?stake_unit=mi", data=body, headers={**headers, **auth()})
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "stake_unit"
    resp = client.post("/imports/roads", data=b"a,b\n1,2\n", headers={**auth(), "Content-Type": "text/csv"})
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "Content-Type"
    resp = client.post(
        "/imports/roads?map=route_code=road_code&crs=gcj02",
        data={"file": ((ROADS / "changsha_expressways_gcj02.fgb").open("rb"), "roads.fgb")},
        headers=auth(),
    )
    assert resp.status_code == 201, resp.get_json()


# ---------------------------------------------------------------- noding rules on small lines
def _net(lines: list[list[tuple[float, float]]], levels: list[int] | None = None, snap_m: float = 2.0):
    geoms = np.array([shapely.LineString(c) for c in lines], dtype=object)
    return build_network(geoms, np.array(levels or [0] * len(lines)), snap_m)


def test_noding_rules():
    a = [(112.0, 28.0), (112.01, 28.0), (112.02, 28.0)]
    b = [(112.01, 27.99), (112.01, 28.0), (112.01, 28.01)]
    assert len(_net([a, b]).seg_line) == 4  # shared vertex, same level: split both
    assert len(_net([a, b], [0, 1]).seg_line) == 2  # levels differ: a bridge over the road
    c = [(112.015, 27.99), (112.015, 28.01)]
    assert len(_net([a, c]).seg_line) == 2  # crossing without a shared vertex: grade separated
    d = [(112.015, 27.99), (112.015, 27.99999)]  # ends 1.1 m short of line a
    net = _net([a, d])
    assert len(net.seg_line) == 3 and net.inserted_vertices == 1 and len(net.node_lonlat) == 4
    assert len(_net([a, d], snap_m=0.5).seg_line) == 2
    e = [(112.02, 28.00001), (112.03, 28.0)]  # starts 1.1 m from a's end
    net = _net([a, e])
    assert len(net.seg_line) == 2 and len(net.node_lonlat) == 3 and net.snapped_ends == 1


@pytest.mark.parametrize(
    ("value", "unit", "metres"),
    [
        ("K1530+200", "km", 1_530_200.0),
        (1530.2, "km", 1_530_200.0),
        ("1530.200", "km", 1_530_200.0),
        (1530200, "m", 1_530_200.0),
        ("K12", "m", 12_000.0),
    ],
)
def test_stakes_as_text_or_numbers(value, unit, metres):
    assert rf.stake_m(value, unit, "起点桩号") == pytest.approx(metres)


@pytest.mark.parametrize(
    ("admin", "grade", "code", "cls"),
    [
        ("国道", "高速公路", "G0421", "expressway"),
        ("国道", None, "G4", "expressway"),
        ("国道", "一级", "G107", "national"),
        ("省道", None, "S20", "expressway"),
        ("省道", "二级公路", "S206", "provincial"),
        ("县道", None, "X012430124", "county"),
        ("村道", None, None, "village"),
        (None, None, "C001430121", "village"),
        (None, None, "Y003", "township"),
        ("机场专线", None, None, None),
    ],
)
def test_road_classes(admin, grade, code, cls):
    assert rf.road_class(admin, grade, code) == cls


def test_the_application_role_replaces_the_network_without_bulk_rights(engine, settings):
    # the HTTP server's role is no superuser: it deletes the old network row by row, keys in force
    truncate_all(engine)
    import_roads(engine, settings, GEOJSON)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cameras (kind, name, source, geom) SELECT 'video', 'app-role', 'test', "
                "ST_LineInterpolatePoint(geom, 0.5) FROM road_segments WHERE route_code = 'G5513' LIMIT 1"
            )
        )
        conn.execute(sa.text("UPDATE cameras SET segment_id = (SELECT min(id) FROM road_segments)"))
    app_engine = sa.create_engine(
        sa.engine.make_url(settings.database_url), connect_args={"options": "-c role=daoan_app"}
    )
    try:
        with app_engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_setting('is_superuser')")).scalar() == "off"
        before = rows(engine, "SELECT version FROM layer_versions WHERE layer = 'road_segments'")[0][0]
        report = import_roads(app_engine, settings, ROADS / "changsha_expressways_4547.gpkg")
    finally:
        app_engine.dispose()
    assert report.segments_replaced == report.segments == network_summary(engine)["segments"]
    (seg, code), *_ = rows(engine, "SELECT segment_id, route_code FROM cameras WHERE name = 'app-role'")
    assert code == "G5513" and rows(engine, "SELECT source FROM road_segments WHERE id = :id", id=seg)[0][0] == "roads"
    assert rows(engine, "SELECT version FROM layer_versions WHERE layer = 'road_segments'")[0][0] > before


def test_a_superuser_replace_bumps_the_versions_it_changed(engine, settings):
    truncate_all(engine)
    import_roads(engine, settings, GEOJSON)
    before = dict(rows(engine, "SELECT layer, version FROM layer_versions"))
    import_roads(engine, settings, GEOJSON)
    after = dict(rows(engine, "SELECT layer, version FROM layer_versions"))
    assert after["road_segments"] > before["road_segments"] and after["road_nodes"] > before["road_nodes"]
    assert rows(engine, "SELECT current_setting('session_replication_role')")[0][0] == "origin"

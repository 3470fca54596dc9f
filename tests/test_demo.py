"""`load_demo`: the synthetic Hunan data set (size 'small': 长沙, 株洲, 湘潭) in a real PostGIS."""

from __future__ import annotations

import re

import networkx as nx
import pytest
import sqlalchemy as sa

from gis.errors import InvalidParameter
from gis.roads import DEFAULT_SPEED_KMH, class_from_ref
from gis.settings import Settings
from layers.demo import load_demo
from layers.demo.boundaries import load_admin_areas
from tests.conftest import truncate_all

CITIES = ("430100", "430200", "430300")
POINT_TABLES = (
    "cameras",
    "toll_stations",
    "service_areas",
    "enforcement_stations",
    "guidance_signs",
    "weather_stations",
    "command_centres",
    "admin_seats",
)
ROUTE_CODE = {"national": r"^G\d{3}$", "provincial": r"^S\d{3}$", "county": r"^X\d{3}$", "township": r"^Y\d{3,4}$"}


@pytest.fixture(scope="module")
def demo(engine: sa.Engine, settings: Settings) -> dict[str, int]:
    """The small demo loaded once into the emptied test database (what empty_db does, for the module)."""
    truncate_all(engine)
    return load_demo(engine, settings, size="small", seed=2017)


def rows(engine: sa.Engine, sql: str, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def scalar(engine: sa.Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


FINGERPRINT = """
SELECT (SELECT md5(string_agg(concat_ws('|', id, road_class, route_code, name, start_stake_m, end_stake_m,
                                        source_node, target_node, county_adcode, encode(ST_AsBinary(geom), 'hex')),
                              ',' ORDER BY id)) FROM road_segments)
    || (SELECT md5(string_agg(concat_ws('|', id, kind, name, segment_id, stake, encode(ST_AsBinary(geom), 'hex')),
                              ',' ORDER BY id)) FROM cameras)
"""


def test_same_seed_loads_identical_rows_and_replaces_existing_data(
    engine: sa.Engine, settings: Settings, demo: dict[str, int]
) -> None:
    before = scalar(engine, FINGERPRINT)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO incidents (kind, effect, created_by, updated_by, geom) VALUES "
                "('works', 'closed', 'test', 'test', ST_SetSRID(ST_MakePoint(113, 28), 4326))"
            )
        )
    again = load_demo(engine, settings, size="small", seed=2017)
    assert again == demo
    assert scalar(engine, FINGERPRINT) == before
    assert scalar(engine, "SELECT count(*) FROM incidents") == 0


def test_unknown_size_is_rejected(engine: sa.Engine, settings: Settings) -> None:
    with pytest.raises(InvalidParameter, match="size must be one of"):
        load_demo(engine, settings, size="country")


def test_counts_returned_match_the_tables_and_every_layer_is_filled(engine: sa.Engine, demo: dict[str, int]) -> None:
    for table, count in demo.items():
        assert scalar(engine, f"SELECT count(*) FROM {table}") == count, table
    assert demo["road_segments"] >= 2000
    assert demo["road_nodes"] >= 1000
    assert demo["cameras"] >= 500
    for table in (*POINT_TABLES, "interval_speed_sections", "hazard_zones"):
        assert demo[table] > 0, table
    kinds = {r[0] for r in rows(engine, "SELECT DISTINCT kind FROM hazard_zones")}
    assert {"fog", "ice"} <= kinds
    signs = {r[0] for r in rows(engine, "SELECT DISTINCT kind FROM guidance_signs")}
    assert signs == {"variable_message", "fixed_warning"}


def test_the_network_is_the_generated_one_imported_from_a_department_file(
    engine: sa.Engine, demo: dict[str, int]
) -> None:
    """The demo writes its network as a department's road file and loads it with `import roads`: every
    segment comes from a row of that file (路段编码 = the generator's segment + 1), the run is recorded
    as the import's, and each row arrives with the class, route, stakes and length it was generated with."""
    import numpy as np

    from layers.demo.generate import SIZES, generate_world

    assert scalar(engine, "SELECT count(*) FROM road_segments WHERE source <> 'roads' OR source_id IS NULL") == 0
    run = rows(
        engine,
        "SELECT source_file, imported_by, rows_loaded, rows_skipped FROM import_runs WHERE layer = 'road_segments' "
        "ORDER BY id DESC LIMIT 1",
    )
    net = generate_world(SIZES["small"], 2017, lambda _: None).network
    assert [tuple(r) for r in run] == [("hunan_roads_demo.fgb", "daoan demo", len(net.src), 0)]
    stored = rows(
        engine,
        """SELECT split_part(source_id, '#', 1)::int - 1 AS seg, min(road_class) AS road_class,
                  min(route_code) AS route_code, sum(length_m) AS length_m,
                  min(least(start_stake_m, end_stake_m)) AS lo, max(greatest(start_stake_m, end_stake_m)) AS hi
           FROM road_segments GROUP BY 1 ORDER BY 1""",
    )
    assert [r.seg for r in stored] == list(range(len(net.src)))  # every row loaded, none twice
    # noded where the generator joined its lines and nowhere else: one segment per row, its nodes
    assert demo["road_segments"] == len(net.src)
    assert demo["road_nodes"] == len(np.unique(np.concatenate([net.src, net.dst])))
    assert [r.road_class for r in stored] == net.road_class.tolist()
    assert [r.route_code for r in stored] == net.route_code.tolist()
    assert np.allclose([r.length_m for r in stored], net.length_m, rtol=1e-3)
    lo = np.fmin(net.start_stake_m, net.end_stake_m)
    hi = np.fmax(net.start_stake_m, net.end_stake_m)
    got_lo = np.array([np.nan if r.lo is None else r.lo for r in stored])
    got_hi = np.array([np.nan if r.hi is None else r.hi for r in stored])
    assert np.allclose(got_lo, lo, atol=1.0, equal_nan=True) and np.allclose(got_hi, hi, atol=1.0, equal_nan=True)


def test_admin_areas_are_the_province_the_chosen_cities_and_their_counties(
    engine: sa.Engine, demo: dict[str, int]
) -> None:
    expected = {
        a.adcode for a in load_admin_areas() if a.level == "province" or a.adcode in CITIES or a.parent_adcode in CITIES
    }
    loaded = {r[0]: (r[1], r[2]) for r in rows(engine, "SELECT adcode, level, parent_adcode FROM admin_areas")}
    assert set(loaded) == expected
    assert sum(1 for level, _ in loaded.values() if level == "city") == 3
    assert all(parent in CITIES for level, parent in loaded.values() if level == "county")


def test_real_cma_stations_and_synthetic_roadside_stations(engine: sa.Engine, demo: dict[str, int]) -> None:
    changsha = rows(engine, "SELECT name, kind, source FROM weather_stations WHERE station_code = '57687'")
    assert [tuple(r) for r in changsha] == [("长沙", "general", "cma")]
    kinds = {r[0] for r in rows(engine, "SELECT DISTINCT kind FROM weather_stations WHERE source = 'synthetic'")}
    assert kinds == {"visibility", "road_ice"}


def test_geometries_are_valid_and_inside_the_province(engine: sa.Engine, demo: dict[str, int]) -> None:
    for table in (
        "admin_areas",
        "road_nodes",
        "road_segments",
        *POINT_TABLES,
        "interval_speed_sections",
        "hazard_zones",
    ):
        assert scalar(engine, f"SELECT count(*) FROM {table} WHERE NOT ST_IsValid(geom)") == 0, table
        if table == "admin_areas":
            continue
        outside = scalar(
            engine,
            f"""
            SELECT count(*) FROM {table} t, admin_areas p
            WHERE p.level = 'province' AND NOT ST_CoveredBy(t.geom, p.geom)""",
        )
        assert outside == 0, table


def test_expressway_stakes_increase_along_each_carriageway(engine: sa.Engine, demo: dict[str, int]) -> None:
    segs = rows(
        engine,
        """
        SELECT route_code, start_stake_m, end_stake_m, oneway, maxspeed_kmh FROM road_segments
        WHERE road_class = 'expressway' ORDER BY route_code, least(start_stake_m, end_stake_m)""",
    )
    assert segs
    assert "G4" in {s.route_code for s in segs}
    by_route: dict[str, list[sa.Row]] = {}
    for s in segs:
        assert class_from_ref(s.route_code, motorway=True) == "expressway", s.route_code
        assert s.oneway and s.maxspeed_kmh in (100, 120)
        by_route.setdefault(s.route_code, []).append(s)
    for code, route in by_route.items():
        forward = [(s.start_stake_m, s.end_stake_m) for s in route if s.start_stake_m < s.end_stake_m]
        backward = sorted((s.end_stake_m, s.start_stake_m) for s in route if s.start_stake_m > s.end_stake_m)
        assert forward and forward == backward, code  # the two carriageways share their stake ranges
        for (a0, b0), (a1, _) in zip(forward, forward[1:], strict=False):
            assert a1 >= b0 - 1e-6, (code, a0, b0, a1)


def test_route_codes_follow_the_numbering_rules(engine: sa.Engine, demo: dict[str, int]) -> None:
    for road_class, pattern in ROUTE_CODE.items():
        codes = [
            r[0]
            for r in rows(
                engine,
                "SELECT DISTINCT route_code FROM road_segments WHERE road_class = :c AND route_code IS NOT NULL",
                c=road_class,
            )
        ]
        assert codes, road_class
        assert all(re.match(pattern, c) and class_from_ref(c, motorway=False) == road_class for c in codes), codes
    unstaked = scalar(
        engine,
        """SELECT count(*) FROM road_segments WHERE route_code IS NOT NULL
                                 AND road_class <> 'link' AND (start_stake_m IS NULL OR end_stake_m IS NULL)""",
    )
    assert unstaked == 0


def test_every_segment_carries_its_attributes(engine: sa.Engine, demo: dict[str, int]) -> None:
    speeds = dict(rows(engine, "SELECT DISTINCT road_class, default_speed_kmh FROM road_segments"))
    assert speeds == {c: DEFAULT_SPEED_KMH[c] for c in speeds}
    assert {"expressway", "national", "provincial", "county", "township", "urban", "link"} <= set(speeds)
    missing = scalar(
        engine,
        """
        SELECT count(*) FROM road_segments s
        WHERE s.name IS NULL OR s.lanes IS NULL OR s.length_m <= 0
           OR NOT EXISTS (SELECT 1 FROM admin_areas a WHERE a.adcode = s.county_adcode AND a.level = 'county')""",
    )
    assert missing == 0
    assert (
        scalar(
            engine, "SELECT count(*) FROM road_segments WHERE (maxspeed_kmh IS NOT NULL) <> (road_class = 'expressway')"
        )
        == 0
    )
    assert scalar(engine, "SELECT bool_and(oneway) FROM road_segments WHERE road_class = 'expressway'") is True
    assert scalar(engine, "SELECT bool_and(NOT oneway) FROM road_segments WHERE road_class = 'national'") is True
    flags = rows(
        engine,
        "SELECT count(*) FILTER (WHERE bridge), count(*) FILTER (WHERE tunnel) FROM road_segments "
        "WHERE road_class = 'expressway'",
    )[0]
    assert flags[0] > 0


def test_network_is_connected_in_both_directions(engine: sa.Engine, demo: dict[str, int]) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(r[0] for r in rows(engine, "SELECT id FROM road_nodes"))
    for a, b, oneway in rows(engine, "SELECT source_node, target_node, oneway FROM road_segments"):
        graph.add_edge(a, b)
        if not oneway:
            graph.add_edge(b, a)
    weak = max(nx.weakly_connected_components(graph), key=len)
    assert len(weak) > 0.99 * graph.number_of_nodes()
    # Every node can be reached from every other one (expressways turn into local roads where they end).
    strong = max(nx.strongly_connected_components(graph), key=len)
    assert len(strong) > 0.99 * graph.number_of_nodes()


def test_segment_ends_are_their_nodes_and_lengths_are_geodesic(engine: sa.Engine, demo: dict[str, int]) -> None:
    mismatched = scalar(
        engine,
        """
        SELECT count(*) FROM road_segments s
        JOIN road_nodes a ON a.id = s.source_node JOIN road_nodes b ON b.id = s.target_node
        WHERE NOT ST_Equals(ST_StartPoint(s.geom), a.geom) OR NOT ST_Equals(ST_EndPoint(s.geom), b.geom)""",
    )
    assert mismatched == 0
    worst = scalar(engine, "SELECT max(abs(length_m - ST_Length(geom::geography)) / length_m) FROM road_segments")
    assert worst < 1e-3


def test_on_road_facilities_lie_on_a_road(engine: sa.Engine, demo: dict[str, int]) -> None:
    for table in ("cameras", "guidance_signs", "interval_speed_sections"):
        far = scalar(
            engine,
            f"""
            SELECT count(*) FROM {table} f WHERE NOT EXISTS (
                SELECT 1 FROM road_segments s
                WHERE ST_DWithin(s.geom, f.geom, 0.001) AND ST_DWithin(s.geom::geography, f.geom::geography, 50))""",
        )
        assert far == 0, table


def test_point_facilities_are_linearly_referenced(engine: sa.Engine, demo: dict[str, int]) -> None:
    for table in POINT_TABLES:
        missing = scalar(
            engine,
            f"""SELECT count(*) FROM {table}
                                     WHERE segment_id IS NULL OR road_distance_m IS NULL OR county_adcode IS NULL""",
        )
        assert missing == 0, table
        bad = scalar(
            engine,
            f"""SELECT count(*) FROM {table} WHERE stake_m IS NOT NULL
                                 AND (stake IS NULL OR stake <> daoan_format_stake(stake_m))""",
        )
        assert bad == 0, table
    staked = rows(engine, "SELECT stake FROM cameras WHERE route_code = 'G4' LIMIT 5")
    assert staked and all(re.match(r"^K\d+\+\d{3}$", r[0]) for r in staked)
    # Facilities are referenced on the imported network by linear referencing, as an import of a
    # facility file references them: a camera's segment is the database's nearest-segment lookup's.
    agree = scalar(
        engine,
        """
        SELECT avg((c.segment_id = l.segment_id)::int) FROM cameras c
        CROSS JOIN LATERAL daoan_locate_point(c.geom) l WHERE c.id % 10 = 0""",
    )
    assert agree == 1
    # and nearly always one of the road the generator placed it on (the rest stand where two roads meet)
    same_road = scalar(
        engine,
        "SELECT avg((c.route_code IS NOT DISTINCT FROM s.route_code)::int) FROM cameras c "
        "JOIN road_segments s ON s.id = c.segment_id",
    )
    assert same_road > 0.98


def test_interchanges_have_toll_stations_on_their_expressway(engine: sa.Engine, demo: dict[str, int]) -> None:
    names = [r[0] for r in rows(engine, "SELECT DISTINCT name FROM road_nodes WHERE interchange")]
    assert names and all(n.endswith("互通") for n in names)
    tolls = rows(engine, "SELECT name, route_code, stake FROM toll_stations")
    assert tolls and all(t.name.endswith("收费站") and t.route_code and t.stake.startswith("K") for t in tolls)
    assert len(tolls) == len(names)


def test_every_city_has_a_command_centre(engine: sa.Engine, demo: dict[str, int]) -> None:
    missing = rows(
        engine,
        """
        SELECT a.name FROM admin_areas a
        WHERE a.level = 'city' AND NOT EXISTS (
            SELECT 1 FROM command_centres c WHERE c.level = 'city' AND c.adcode = a.adcode)""",
    )
    assert missing == []
    county_share = scalar(
        engine,
        """
        SELECT count(DISTINCT c.adcode)::float / (SELECT count(*) FROM admin_areas WHERE level = 'county')
        FROM command_centres c WHERE c.level = 'county'""",
    )
    assert 0.3 < county_share < 0.95


def test_demo_rasters_agree_with_its_hazard_zones(engine: sa.Engine, demo: dict[str, int]) -> None:
    """The synthetic DEM is high where the generator's mountains are, and fog is most frequent on the
    demo's fog zones (layers/demo/rasters.py)."""
    import numpy as np

    from layers.demo.expressways import mountainous

    assert scalar(engine, "SELECT array_agg(kind ORDER BY kind) FROM rasters") == ["dem", "fog_frequency"]
    terrain = rows(
        engine,
        "SELECT ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y, altitude_mean_m FROM segment_terrain "
        "WHERE altitude_mean_m IS NOT NULL",
    )
    x = np.array([r.x for r in terrain])
    y = np.array([r.y for r in terrain])
    z = np.array([r.altitude_mean_m for r in terrain])
    high = mountainous(x, y)
    assert high.any() and (~high).any()
    assert np.median(z[high]) > 300 > np.median(z[~high])
    fog = rows(
        engine,
        "SELECT bool_or(z.id IS NOT NULL) AS foggy, v.mean FROM segment_raster_values v "
        "JOIN road_segments s ON s.id = v.segment_id "
        "LEFT JOIN hazard_zones z ON z.kind = 'fog' AND z.source = 'synthetic' AND ST_Intersects(z.geom, s.geom) "
        "WHERE v.kind = 'fog_frequency' GROUP BY v.segment_id, v.mean",
    )
    on = [r.mean for r in fog if r.foggy]
    off = [r.mean for r in fog if not r.foggy]
    assert on and off and np.median(on) > 40 > 25 > np.median(off)
    # Icing derived from the DEM lies in the mountains, named by its stakes on staked routes.
    ice = rows(
        engine,
        "SELECT ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y, name, properties FROM hazard_zones "
        "WHERE source = 'dem' AND kind = 'ice'",
    )
    assert ice
    for r in ice:
        assert r.properties["altitude_max_m"] >= 600
        if "from_stake" in r.properties:
            assert f"{r.properties['from_stake']}–{r.properties['to_stake']} 高海拔易结冰路段" in r.name
    assert any("from_stake" in r.properties for r in ice)
    # A long downgrade says which way the road falls, by its stakes (top first).
    downgrades = rows(engine, "SELECT name, properties FROM hazard_zones WHERE source = 'dem' AND kind = 'steep_grade'")
    staked = [r for r in downgrades if "from_stake" in r.properties]
    assert staked
    for r in staked:
        p = r.properties
        top, bottom = (
            (p["from_stake"], p["to_stake"])
            if p["downhill_towards"] == "increasing_stake"
            else (p["to_stake"], p["from_stake"])
        )
        assert f"连续长下坡路段（自{top}向{bottom}方向下坡，长{p['length_m'] / 1000:.1f}公里" in r.name


def test_demo_rasters_derive_as_the_import_path_does(
    engine: sa.Engine, settings: Settings, demo: dict[str, int]
) -> None:
    """The demo hands the segments it has just stored to the raster import; deriving again from the
    stored rasters (reading the segments back) gives the same rows."""
    from analysis.rasters import recompute

    terrain = "SELECT md5(string_agg(concat_ws('|', id, grade_pct, altitude_mean_m, samples), ',' ORDER BY id)) FROM segment_terrain"
    zones = "SELECT md5(string_agg(concat_ws('|', natural_key, name, properties), ',' ORDER BY natural_key)) FROM hazard_zones WHERE source = 'dem'"
    fog = "SELECT md5(string_agg(concat_ws('|', segment_id, mean, max), ',' ORDER BY segment_id)) FROM segment_raster_values"
    before = [scalar(engine, q) for q in (terrain, zones, fog)]
    recompute(engine, settings, "dem")
    recompute(engine, settings, "fog_frequency")
    assert [scalar(engine, q) for q in (terrain, zones, fog)] == before


def test_township_roads_are_numbered_within_their_county(engine: sa.Engine, demo: dict[str, int]) -> None:
    # GB/T 917-2017: Y and three digits within a county; the 路线编码 appends the county's code (issue 13)
    roads = rows(
        engine,
        """SELECT route_code, count(DISTINCT county_adcode) AS counties FROM road_segments
           WHERE road_class = 'township' AND route_code IS NOT NULL GROUP BY route_code""",
    )
    assert any(r.route_code == "Y001" and r.counties > 1 for r in roads), roads  # Y001 in every county
    per_county = rows(
        engine,
        """SELECT county_adcode, array_agg(DISTINCT route_code ORDER BY route_code) AS codes FROM road_segments
           WHERE road_class = 'township' AND route_code IS NOT NULL GROUP BY county_adcode""",
    )
    for r in per_county:  # numbered from Y001 up, without gaps (a road cut short at the border may be absent)
        assert r.codes[0] == "Y001" or len(r.codes) <= 2, (r.county_adcode, r.codes)


def test_command_centres_and_stations_are_named_as_the_police_name_them(
    engine: sa.Engine, demo: dict[str, int]
) -> None:
    # issue 13: 衡阳市公安局交通警察支队指挥中心; a county's own brigade (衡山县公安局交通警察大队指挥中心); a
    # district's brigade within the city's 支队 (长沙市公安局交通警察支队天心区大队指挥室)
    centres = rows(
        engine,
        "SELECT c.name, c.level, a.name AS area, a.level AS area_level FROM command_centres c "
        "JOIN admin_areas a ON a.adcode = c.adcode",
    )
    assert centres
    for c in centres:
        if c.level == "province":
            assert c.name == "湖南省公安厅交通警察总队指挥中心"
        elif c.level == "city":
            assert c.name == f"{c.area}公安局交通警察支队指挥中心", c
        elif c.area.endswith("区"):
            assert re.fullmatch(rf"\w+[市州]公安局交通警察支队{c.area}大队指挥室", c.name), c
        else:
            assert c.name == f"{c.area}公安局交通警察大队指挥中心", c
    stations = [r.name for r in rows(engine, "SELECT name FROM enforcement_stations")]
    assert stations and all(
        re.search(r"公安局交通警察(支队\w+区)?大队[GS]\d+执法服务站$|高速公路执法服务站$", n) for n in stations
    ), stations


def test_the_demo_ships_live_warnings_issued_by_the_rules_on_its_forecast(
    client, engine: sa.Engine, demo: dict[str, int]
) -> None:
    """The demo posts a forecast of the day at its fog, ice and downgrade stations and the real warning
    engine runs on it: GET /warnings shows them, each resting on the forecast, at the level the rules
    give its values, lasting the forecast's day; evaluated again with routing they gain directions."""
    from datetime import UTC, datetime, timedelta

    import shapely

    from analysis.early_warning.rules import default_rules
    from layers.demo.live import LIVE_HOURS
    from tests.conftest import OPERATOR_TOKEN, auth

    assert demo["weather_forecasts"] > 0 and demo["warnings"] > 0
    features = client.get("/warnings").get_json()["features"]
    assert len(features) == demo["warnings"]
    forecasts = {
        r.id: r
        for r in rows(engine, "SELECT id, visibility_m, road_surface_temp_c, precipitation_mm FROM weather_forecasts")
    }
    rules = default_rules()
    reasons = set()
    for f in features:
        p = f["properties"]
        reasons.add(p["reason"])
        assert p["weather_source"] == "forecast" and p["forecast_ids"] and p["observation_ids"] == []
        used = [forecasts[i] for i in p["forecast_ids"]]
        readings = {
            "visibility_m": min((u.visibility_m for u in used if u.visibility_m is not None), default=None),
            "surface_c": min((u.road_surface_temp_c for u in used if u.road_surface_temp_c is not None), default=None),
            "precipitation_mm": max((u.precipitation_mm for u in used if u.precipitation_mm is not None), default=None),
        }
        assert p["rule_id"] == rules.highest(p["reason"], **readings).id, (p, readings)
        left = datetime.fromisoformat(p["expires_at"]) - datetime.now(UTC)
        assert timedelta(hours=LIVE_HOURS - 1) < left <= timedelta(hours=LIVE_HOURS)
        assert p["message_zh"] and p["message_en"] and p["title_zh"].endswith("预警")
    assert "fog" in reasons and reasons <= {"fog", "ice", "downgrade_rain"}
    # with routing at hand (as `daoan serve` evaluates before it serves) the warnings get their directions
    summary = client.post("/warnings/evaluate", headers=auth(OPERATOR_TOKEN)).get_json()
    assert summary["issued"], summary
    again = client.get("/warnings").get_json()["features"]
    assert {w["properties"]["weather_source"] for w in again} == {"forecast"}
    directed = [w for w in again if w["properties"]["direction"] in ("up", "down")]
    assert directed
    # a route driven along a warned stretch in its direction carries the warning in its steps
    longest = max(directed, key=lambda w: shapely.geometry.shape(w["geometry"]).length)
    line = shapely.line_merge(shapely.geometry.shape(longest["geometry"]))
    line = max(getattr(line, "geoms", [line]), key=lambda g: g.length)
    a, b = line.interpolate(0.2, normalized=True), line.interpolate(0.8, normalized=True)
    resp = client.get(f"/route?from={a.x},{a.y}&to={b.x},{b.y}")
    assert resp.status_code == 200, resp.get_json()
    steps = resp.get_json()["features"][0]["properties"]["steps"]
    notes = [n for s in steps for n in s.get("warnings", []) if n.get("kind") == "warning"]
    assert longest["id"] in [n["warning_id"] for n in notes], (longest["properties"]["message_zh"], notes)

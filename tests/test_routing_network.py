"""A small expressway corridor for routing tests, inserted with plain SQL (no demo generator needed).

G4 京港澳高速 runs south from 28.50°N to 28.00°N at 113.00°E as two one-way carriageways (stakes rise
southbound from K1500+000, 2.78 km a segment); six interchanges (rows 2, 6, 10, 14, 18, 20) have ramps
to a local node 1 km west, joined by county roads to G107 (two-way, 70 km/h) at 112.95°E. Each
interchange has a toll station. A fog zone covers G4 between 28.30° and 28.20°N with a visibility
station inside it; an ice zone covers the bridge at row 19, with a road-surface station.
"""

from __future__ import annotations

import sqlalchemy as sa

ROWS = 21  # mainline nodes per carriageway
STEP_DEG = 0.025
STAKE_STEP_M = 2780.0
INTERCHANGES = (2, 6, 10, 14, 18, 20)
LAT0 = 28.50


def lat(i: int) -> float:
    """Latitude of row i."""
    return LAT0 - i * STEP_DEG


def stake(i: int) -> float:
    """G4 stake (metres) of row i."""
    return 1_500_000.0 + i * STAKE_STEP_M


SQL = """
-- nodes: southbound S_i = 1000+i (113.000), northbound N_i = 2000+i (113.0003), local W_i = 3000+i,
-- G107 P_i = 4000+i (112.95)
INSERT INTO road_nodes (id, interchange, name, geom)
SELECT 1000 + i, i IN (2, 6, 10, 14, 18, 20), CASE WHEN i IN (2, 6, 10, 14, 18, 20) THEN '互通' || i END,
       ST_SetSRID(ST_MakePoint(113.000, 28.50 - i * 0.025), 4326) FROM generate_series(0, 20) i;
INSERT INTO road_nodes (id, interchange, name, geom)
SELECT 2000 + i, i IN (2, 6, 10, 14, 18, 20), CASE WHEN i IN (2, 6, 10, 14, 18, 20) THEN '互通' || i END,
       ST_SetSRID(ST_MakePoint(113.0003, 28.50 - i * 0.025), 4326) FROM generate_series(0, 20) i;
INSERT INTO road_nodes (id, geom)
SELECT 3000 + i, ST_SetSRID(ST_MakePoint(112.99, 28.50 - i * 0.025), 4326) FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;
INSERT INTO road_nodes (id, geom)
SELECT 4000 + i, ST_SetSRID(ST_MakePoint(112.95, 28.50 - i * 0.025), 4326) FROM generate_series(0, 20) i;

CREATE TEMP TABLE seg_in (road_class text, route_code text, name text, oneway boolean, maxspeed smallint,
    dflt smallint, a bigint, b bigint, s0 float8, s1 float8, bridge boolean DEFAULT false) ON COMMIT DROP;
-- G4 southbound (digitised north → south, stakes rising)
INSERT INTO seg_in SELECT 'expressway', 'G4', '京港澳高速', true, 120, 100, 1000 + i, 1001 + i,
    1500000 + i * 2780, 1500000 + (i + 1) * 2780, i = 19 FROM generate_series(0, 19) i;
-- G4 northbound (digitised south → north, stakes falling)
INSERT INTO seg_in SELECT 'expressway', 'G4', '京港澳高速', true, 120, 100, 2001 + i, 2000 + i,
    1500000 + (i + 1) * 2780, 1500000 + i * 2780, i = 19 FROM generate_series(0, 19) i;
-- ramps at interchanges: exit and entry for each carriageway
INSERT INTO seg_in SELECT 'link', NULL, NULL, true, NULL, 50, 1000 + i, 3000 + i, NULL, NULL
    FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;
INSERT INTO seg_in SELECT 'link', NULL, NULL, true, NULL, 50, 3000 + i, 1000 + i, NULL, NULL
    FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;
INSERT INTO seg_in SELECT 'link', NULL, NULL, true, NULL, 50, 2000 + i, 3000 + i, NULL, NULL
    FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;
INSERT INTO seg_in SELECT 'link', NULL, NULL, true, NULL, 50, 3000 + i, 2000 + i, NULL, NULL
    FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;
-- county connectors W_i ↔ P_i and G107 along 112.95
INSERT INTO seg_in SELECT 'county', 'X001', '连接线', false, NULL, 40, 3000 + i, 4000 + i, NULL, NULL
    FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;
INSERT INTO seg_in SELECT 'national', 'G107', 'G107国道', false, NULL, 70, 4000 + i, 4001 + i, NULL, NULL
    FROM generate_series(0, 19) i;

INSERT INTO road_segments (road_class, route_code, name, oneway, maxspeed_kmh, default_speed_kmh, length_m,
                           bridge, start_stake_m, end_stake_m, source_node, target_node, source, geom)
SELECT s.road_class, s.route_code, s.name, s.oneway, s.maxspeed, s.dflt,
       ST_Length(ST_MakeLine(a.geom, b.geom)::geography), s.bridge, s.s0, s.s1, s.a, s.b, 'test',
       ST_MakeLine(a.geom, b.geom)
FROM seg_in s JOIN road_nodes a ON a.id = s.a JOIN road_nodes b ON b.id = s.b;
SELECT setval('road_nodes_id_seq', 10000);

INSERT INTO toll_stations (name, segment_id, route_code, stake_m, stake, geom)
SELECT '收费站' || i, (SELECT id FROM road_segments WHERE source_node = 3000 + i AND target_node = 1000 + i),
       'G4', 1500000 + i * 2780, daoan_format_stake(1500000 + i * 2780),
       ST_SetSRID(ST_MakePoint(112.995, 28.50 - i * 0.025), 4326)
FROM unnest(ARRAY[2, 6, 10, 14, 18, 20]) i;

INSERT INTO hazard_zones (name, kind, severity, active, route_code, geom)
VALUES ('团雾路段', 'fog', 3, true, 'G4',
        ST_Multi(ST_SetSRID(ST_MakeEnvelope(112.998, 28.2125, 113.002, 28.2875), 4326))),
       ('结冰桥梁', 'ice', 3, true, 'G4',
        ST_Multi(ST_SetSRID(ST_MakeEnvelope(112.998, 28.0130, 113.002, 28.0220), 4326)));
INSERT INTO weather_stations (name, kind, station_code, status, geom)
VALUES ('能见度站', 'visibility', 'VIS-1', 'active', ST_SetSRID(ST_MakePoint(113.001, 28.25), 4326)),
       ('路面结冰站', 'road_ice', 'ICE-1', 'active', ST_SetSRID(ST_MakePoint(113.001, 28.02), 4326));
"""


def load_corridor(engine: sa.Engine) -> None:
    """Insert the corridor (the database's data tables must be empty)."""
    with engine.begin() as conn:
        conn.execute(sa.text(SQL))


def segment_ids(engine: sa.Engine, where: str, params: dict | None = None) -> set[int]:
    """Ids of road segments matching a fixed test-side WHERE clause."""
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.text(f"SELECT id FROM road_segments WHERE {where}"), params or {})}


def test_corridor_loads_with_stakes_and_interchanges(empty_db):
    load_corridor(empty_db)
    with empty_db.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM road_segments WHERE route_code = 'G4'")).scalar()
        hi = conn.execute(sa.text("SELECT max(end_stake_m) FROM road_segments WHERE route_code = 'G4'")).scalar()
        inter = conn.execute(sa.text("SELECT count(*) FROM road_nodes WHERE interchange")).scalar()
    assert n == 40 and hi == stake(20) and inter == 12

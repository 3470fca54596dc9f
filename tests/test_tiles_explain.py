"""Every layer's tile query uses the spatial index: no sequential scan of a table over 10,000 rows."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from layers.catalog import LAYERS
from tiles.matrix import lonlat_to_tile
from tiles.queries import PARAM_TYPES, layer_query
from tiles.render import explain_layer

ROWS = 12_000
# 12,000 rows in every layer table, spread over Hunan (108.8–114.3 E, 24.6–30.1 N) on a jittered grid.
SPREAD = "108.8 + 5.5 * ((i * 0.61803398875) - floor(i * 0.61803398875)), 24.6 + 5.5 * i / {n}::float8"
POINT = f"ST_SetSRID(ST_MakePoint({SPREAD}), 4326)"
FILL_SQL = f"""
INSERT INTO admin_areas (adcode, name, level, geom)
SELECT lpad(i::text, 6, '0'), 'area ' || i, (ARRAY['province', 'city', 'county'])[1 + i % 3],
       ST_Multi(ST_Buffer({POINT}, 0.01, 4)) FROM generate_series(1, {{n}}) i;
INSERT INTO road_nodes (geom) SELECT {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO road_segments (road_class, default_speed_kmh, length_m, geom)
SELECT (ARRAY['expressway', 'national', 'provincial', 'county', 'township', 'urban', 'link'])[1 + i % 7], 60, 1000,
       ST_MakeLine({POINT}, ST_Translate({POINT}, 0.005, 0.004)) FROM generate_series(1, {{n}}) i;
INSERT INTO interval_speed_sections (name, geom)
SELECT 'section ' || i, ST_MakeLine({POINT}, ST_Translate({POINT}, 0.02, 0.01)) FROM generate_series(1, {{n}}) i;
INSERT INTO cameras (kind, geom) SELECT 'video', {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO enforcement_stations (geom) SELECT {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO toll_stations (geom) SELECT {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO service_areas (geom) SELECT {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO guidance_signs (kind, geom) SELECT 'fixed_warning', {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO weather_stations (kind, geom) SELECT 'general', {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO command_centres (level, geom) SELECT 'county', {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO admin_seats (name, adcode, level, geom)
SELECT 'seat ' || i, lpad(i::text, 6, '0'), (ARRAY['province', 'city', 'county'])[1 + i % 3], {POINT}
FROM generate_series(1, {{n}}) i;
INSERT INTO hazard_zones (kind, geom)
SELECT 'fog', ST_Multi(ST_Buffer({POINT}, 0.005, 4)) FROM generate_series(1, {{n}}) i;
INSERT INTO incidents (kind, effect, created_by, updated_by, geom)
SELECT 'accident', 'closed', 'test', 'test', {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO coverage_gaps (id, year, newest_year, route_code, roads, direction, from_stake, to_stake, from_stake_m,
                           to_stake_m, length_m, spacing_m, cameras_needed, geom)
SELECT i, 2019, true, 'G' || i, 'expressway', 'up', 'K0+000', 'K3+000', 0, 3000, 3000, 2000, 1,
       ST_Multi(ST_MakeLine({POINT}, ST_Translate({POINT}, 0.02, 0.01))) FROM generate_series(1, {{n}}) i;
INSERT INTO segment_terrain (id, road_class, samples, geom) SELECT id, road_class, 2, geom FROM road_segments;
INSERT INTO accidents (occurred_at, geom) SELECT timestamptz '2024-01-01 08:00+08', {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO violations (day, kind, count, geom) SELECT date '2024-01-01', '超速', 1, {POINT} FROM generate_series(1, {{n}}) i;
INSERT INTO black_spots (method, period_start, period_end, rank, score, kind, route_code, direction, from_stake_m,
                         to_stake_m, accidents, fatal, injury, property, deaths, injuries, geom)
SELECT 'window', timestamptz '2023-01-01', timestamptz '2026-01-01', i, 1.0, 'point', 'G' || i, 'both', 0, 500, 3, 0, 1,
       2, 0, 1, ST_Multi(ST_MakeLine({POINT}, ST_Translate({POINT}, 0.005, 0.004))) FROM generate_series(1, {{n}}) i;
INSERT INTO warnings (reason, level, rule_id, condition_key, measure, message_zh, message_en, segment_ids, issued_at,
                      updated_at, expires_at, created_by, geom)
SELECT 'fog', 'blue', 'fog-blue', 'fog:' || i, 'advise', '大雾', 'fog', ARRAY[]::bigint[], now(), now(), now() + interval '1 day',
       'test', ST_Multi(ST_MakeLine({POINT}, ST_Translate({POINT}, 0.005, 0.004))) FROM generate_series(1, {{n}}) i;
ANALYZE;
"""

CHANGSHA = (112.94, 28.23)


@pytest.fixture(scope="module")
def big_tables(engine):
    from tests.conftest import truncate_all

    truncate_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(FILL_SQL.format(n=ROWS)))
    yield
    truncate_all(engine)


def _seq_scanned_big_tables(plan: list[str]) -> list[str]:
    scanned = [m.group(1) for line in plan for m in [re.search(r"Seq Scan on (\w+)", line)] if m]
    return [t for t in scanned if t in {layer.table for layer in LAYERS.values()}]


def test_every_layer_table_is_big_enough(engine, big_tables):
    with engine.connect() as conn:
        for layer in LAYERS.values():
            count = conn.execute(sa.text(f'SELECT count(*) FROM "{layer.table}"')).scalar()
            assert count > 10_000, layer.id


@pytest.mark.parametrize("z", [8, 14])
@pytest.mark.parametrize("layer_id", list(LAYERS))
def test_tile_query_plan_uses_the_index(engine, big_tables, layer_id, z):
    layer = LAYERS[layer_id]
    tile = lonlat_to_tile(*CHANGSHA, z)
    with engine.begin() as conn:
        custom = explain_layer(conn, layer, tile)
        # The prepared statement's generic plan (what runs after a few executions) too.
        query = layer_query(layer, z)
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE explain_generic ({PARAM_TYPES}) AS {query.sql}")
        generic = [
            row[0]
            for row in conn.exec_driver_sql(
                "EXPLAIN EXECUTE explain_generic (" + ", ".join(["%s"] * 10) + ")", query.params(tile)
            )
        ]
        conn.exec_driver_sql("DEALLOCATE explain_generic")
    assert not _seq_scanned_big_tables(custom), "\n".join(custom)
    assert not _seq_scanned_big_tables(generic), "\n".join(generic)
    # The layer's GiST index on geom_3857, or one of its partial ones (low-zoom road classes).
    index = re.compile(rf"\b{layer.table}_(\w+_)?geom_3857_idx\b")
    assert any(index.search(line) for line in custom), "\n".join(custom)

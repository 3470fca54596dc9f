"""A tiny hand-made road network near Changsha, inserted with plain SQL, for API tests."""

from __future__ import annotations

import sqlalchemy as sa

# G107 runs north from (112.95, 28.10) for about 11 km in 10 segments with stakes K1500+000 …
# K1511+000; S20 crosses it east–west without stakes.
SQL = """
INSERT INTO road_nodes (id, geom)
SELECT i, ST_SetSRID(ST_MakePoint(112.95, 28.10 + i * 0.009), 4326) FROM generate_series(0, 10) i;
INSERT INTO road_segments (road_class, route_code, name, oneway, default_speed_kmh, length_m,
                           start_stake_m, end_stake_m, source_node, target_node, source, geom)
SELECT 'national', 'G107', 'G107国道', false, 70,
       ST_Length(ST_MakeLine(a.geom, b.geom)::geography),
       1500000 + i * 1100, 1500000 + (i + 1) * 1100, a.id, b.id, 'test', ST_MakeLine(a.geom, b.geom)
FROM generate_series(0, 9) i
JOIN road_nodes a ON a.id = i JOIN road_nodes b ON b.id = i + 1;
INSERT INTO road_segments (road_class, route_code, name, oneway, default_speed_kmh, length_m, source, geom)
VALUES ('expressway', 'S20', '长韶娄高速', true, 100, 9800, 'test',
        ST_SetSRID(ST_MakeLine(ST_MakePoint(112.90, 28.145), ST_MakePoint(113.00, 28.145)), 4326));
INSERT INTO cameras (name, kind, status, install_year, geom)
SELECT '测试摄像机' || i, CASE WHEN i % 2 = 0 THEN 'video' ELSE 'speed' END, 'active', 2015 + i % 5,
       ST_SetSRID(ST_MakePoint(112.9502, 28.10 + i * 0.0004), 4326)
FROM generate_series(1, 250) i;
SELECT setval('road_nodes_id_seq', 100);
"""


def load_small_network(engine: sa.Engine) -> None:
    """Insert the tiny network and 250 cameras, linearly referenced."""
    with engine.begin() as conn:
        conn.execute(sa.text(SQL))
        conn.execute(
            sa.text(
                "UPDATE cameras c SET segment_id = l.segment_id, route_code = l.route_code, stake_m = l.stake_m, "
                "stake = daoan_format_stake(l.stake_m), offset_m = l.offset_m, road_distance_m = l.distance_m "
                "FROM cameras c2 CROSS JOIN LATERAL daoan_locate_point(c2.geom) l WHERE c.id = c2.id"
            )
        )

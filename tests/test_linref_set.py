"""The set-based linear referencing of imports (sql/queries/linref_apply.sql) gives exactly the answers
of daoan_locate_point row by row: segment, route code, stake, offset (side of the road) and distance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from gis.settings import Settings
from layers.demo import load_demo
from layers.ingest.linref import LOCATE_RADIUS_DEG, locate_rows
from tests.conftest import truncate_all

# Points near and far from the roads of the small demo: on segments, beside them at up to ~1 km
# (the far ones are located by the fallback), at the network's nodes (segments tied on distance)
# and a few kilometres out (no segment within the radius).
PROBES = """
CREATE TEMP TABLE linref_probe (
    id bigint PRIMARY KEY, geom geometry(Point, 4326), segment_id bigint, route_code text, stake_m float8,
    stake text, offset_m float8, road_distance_m float8, county_adcode text
) ON COMMIT DROP;
INSERT INTO linref_probe (id, geom)
SELECT row_number() OVER (ORDER BY kind, src), g FROM (
    SELECT 1 AS kind, s.id AS src,
           ST_Translate(ST_LineInterpolatePoint(s.geom, 0.3), ((s.id * 7919) % 201 - 100) * 0.0001,
                        ((s.id * 104729) % 201 - 100) * 0.0001) AS g
    FROM road_segments s WHERE s.id % 5 = 0
    UNION ALL
    SELECT 2, s.id, ST_StartPoint(s.geom) FROM road_segments s WHERE s.id % 23 = 0
    UNION ALL
    SELECT 3, s.id, ST_Translate(ST_EndPoint(s.geom), 0.04, -0.03) FROM road_segments s WHERE s.id % 97 = 0
) p
"""

DIFFERENT = """
SELECT count(*) FROM linref_probe p
LEFT JOIN LATERAL daoan_locate_point(p.geom) l ON true
WHERE (p.segment_id, p.route_code, p.stake_m, p.stake, p.offset_m, p.road_distance_m, p.county_adcode)
      IS DISTINCT FROM
      (l.segment_id, l.route_code, l.stake_m, daoan_format_stake(l.stake_m), l.offset_m, l.distance_m,
       l.county_adcode)
"""


@pytest.fixture(scope="module")
def demo(engine: sa.Engine, settings: Settings) -> Iterator[dict[str, int]]:
    truncate_all(engine)
    yield load_demo(engine, settings, size="small", seed=2017)
    truncate_all(engine)


def test_set_based_linear_reference_equals_locate_point(engine: sa.Engine, demo: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(PROBES))
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM linref_probe ORDER BY id"))]
        locate_rows(conn, "linref_probe", ids)
        assert conn.execute(sa.text(DIFFERENT)).scalar_one() == 0
        located, near, far, with_stake, left, right = conn.execute(
            sa.text(
                "SELECT count(segment_id), count(*) FILTER (WHERE road_distance_m < 50), "
                "count(*) FILTER (WHERE road_distance_m > 0.9 * 110574 * :r * cos(radians(30)) - 10), "
                "count(stake_m), count(*) FILTER (WHERE offset_m > 0), count(*) FILTER (WHERE offset_m < 0) "
                "FROM linref_probe"
            ),
            {"r": LOCATE_RADIUS_DEG},
        ).one()
    # Every probe found a road, and both ways of finding it were exercised: the index join near the
    # roads and daoan_locate_point for points beyond the radius.
    assert located == len(ids) > 1000
    assert near > 500 and far > 20
    assert with_stake > 100 and left > 100 and right > 100


def test_only_the_given_rows_are_located(engine: sa.Engine, demo: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(PROBES))
        locate_rows(conn, "linref_probe", [1, 3])
        assert [
            r[0] for r in conn.execute(sa.text("SELECT id FROM linref_probe WHERE segment_id IS NOT NULL ORDER BY id"))
        ] == [
            1,
            3,
        ]
        assert conn.execute(sa.text(DIFFERENT + " AND p.id IN (1, 3)")).scalar_one() == 0

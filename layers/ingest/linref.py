"""Linear referencing of imported point facilities, and the distance check of their placement."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.settings import Settings
from gis.sqlfiles import load_table_sql, quote_ident
from layers.catalog import OFF_ROAD, ON_ROAD, ROADSIDE, Layer

# Segments within this many degrees (~300 m) of a point are fetched in one index join; a point with
# none, more than 16, or none near enough falls back to daoan_locate_point (sql/queries/linref_apply.sql).
LOCATE_RADIUS_DEG = 0.003


def tolerance_m(layer: Layer, settings: Settings) -> float | None:
    """How far from a road a point of `layer` may lie; None when distance never rejects it."""
    if layer.placement == ON_ROAD:
        return settings.on_road_tolerance_m
    if layer.placement == ROADSIDE:
        return settings.roadside_tolerance_m
    return None


def apply_linear_reference(conn: Connection, layer: Layer, ids: Sequence[int], *, table: str | None = None) -> None:
    """Fill segment_id, route_code, stake_m, stake, offset_m, road_distance_m for rows `ids`.

    `table` (a name from code) defaults to the layer's table; imports pass their staging table.
    """
    if not ids or layer.geometry_type != "Point" or layer.placement is None:
        return
    locate_rows(conn, table or layer.table, ids)


def locate_rows(conn: Connection, table: str, ids: Sequence[int], *, keep_stakes: bool = False) -> None:
    """Linearly reference rows `ids` of point table `table` (a name from code) in one statement.

    The answers are those of daoan_locate_point row by row (tests/test_linref_set.py checks this).
    A row's own route code is kept; with `keep_stakes` its own stake too, where it has one (the demo's
    facilities and accidents state them as a register or a police record does).
    """
    if ids:
        sql = load_table_sql("queries/linref_apply.sql", table)
        conn.execute(sa.text(sql), {"ids": list(ids), "radius_deg": LOCATE_RADIUS_DEG, "keep_stakes": keep_stakes})


def too_far_from_road(
    conn: Connection, layer: Layer, settings: Settings, ids: Sequence[int], *, table: str | None = None
) -> list[tuple[int, float | None]]:
    """(id, distance_m) of rows among `ids` farther from a road than the layer allows.

    A distance of None means no road network is loaded at all; off-road layers never appear.
    """
    limit = tolerance_m(layer, settings)
    if limit is None or not ids or layer.placement == OFF_ROAD:
        return []
    rows = conn.execute(
        sa.text(
            f"SELECT id, road_distance_m FROM {quote_ident(table or layer.table)} "
            "WHERE id = ANY (CAST(:ids AS bigint[])) AND (road_distance_m IS NULL OR road_distance_m > :limit) ORDER BY id"
        ),
        {"ids": list(ids), "limit": limit},
    ).all()
    return [(int(r[0]), None if r[1] is None else float(r[1])) for r in rows]

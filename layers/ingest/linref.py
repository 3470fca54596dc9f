"""Linear referencing of imported point facilities, and the distance check of their placement."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.settings import Settings
from gis.sqlfiles import load_table_sql, quote_ident
from layers.catalog import OFF_ROAD, ON_ROAD, ROADSIDE, Layer


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
    sql = load_table_sql("queries/linref_apply.sql", table or layer.table)
    conn.execute(sa.text(sql), {"ids": list(ids)})


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
            "WHERE id = ANY (:ids) AND (road_distance_m IS NULL OR road_distance_m > :limit) ORDER BY id"
        ),
        {"ids": list(ids), "limit": limit},
    ).all()
    return [(int(r[0]), None if r[1] is None else float(r[1])) for r in rows]

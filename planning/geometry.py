"""Geometry of analysis results: points at stakes and lines along stake ranges, computed in PostGIS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql


def points_at(conn: Connection, positions: Sequence[tuple[int, float]]) -> list[tuple[float, float] | None]:
    """(lon, lat) of each (segment id, stake) in order; None where the segment is gone."""
    if not positions:
        return []
    rows = conn.execute(
        sa.text(load_sql("queries/coverage_points_at.sql")),
        {"segment_ids": [int(p[0]) for p in positions], "stakes": [float(p[1]) for p in positions]},
    ).all()
    found = {int(r.i): (round(float(r.lon), 6), round(float(r.lat), 6)) for r in rows}
    return [found.get(i + 1) for i in range(len(positions))]


def lines_along(conn: Connection, pieces: Sequence[tuple[int, int, float, float]]) -> dict[int, dict[str, Any]]:
    """GeoJSON geometry per stretch id from (stretch id, segment id, from stake, to stake) pieces."""
    if not pieces:
        return {}
    rows = conn.execute(
        sa.text(load_sql("queries/coverage_lines_at.sql")),
        {
            "stretch_ids": [int(p[0]) for p in pieces],
            "segment_ids": [int(p[1]) for p in pieces],
            "from_m": [float(p[2]) for p in pieces],
            "to_m": [float(p[3]) for p in pieces],
        },
    ).all()
    return {int(r.stretch): json.loads(r.geometry) for r in rows if r.geometry}


def area_outlines(conn: Connection, *, level: str = "city", tolerance_deg: float = 0.01) -> list[dict[str, Any]]:
    """GeoJSON features of the simplified outlines of every area of `level`."""
    rows = conn.execute(
        sa.text(load_sql("queries/coverage_area_outlines.sql")), {"level": level, "tolerance": tolerance_deg}
    ).all()
    return [
        {"type": "Feature", "id": r.adcode, "properties": {"name": r.name}, "geometry": json.loads(r.geometry)}
        for r in rows
        if r.geometry
    ]

"""Stations reporting low visibility now: each station's latest reading in force (the same window the
routing overlay and the warning rules read, `observation_valid_min`), below a threshold (default 500 m,
中国气象局 大雾黄色预警信号 "能见度小于500米", the warning rules' lowest fog level)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql

LOW_VISIBILITY_M = 500.0


def low_visibility(conn: Connection, *, below_m: float, valid_s: float, at: datetime | None = None) -> dict:
    """A GeoJSON FeatureCollection of the stations below `below_m`, lowest first, with `reporting` (stations
    with any visibility reading in force), `below_m` and `valid_min`."""
    rows = conn.execute(
        sa.text(load_sql("queries/weather_low_visibility.sql")),
        {"at": at or datetime.now(UTC), "valid_s": valid_s, "below_m": below_m},
    ).all()
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": json.loads(r.geometry),
            "properties": {
                "name": r.name,
                "station_code": r.station_code,
                "visibility_m": r.visibility_m,
                "observed_at": r.observed_at.isoformat(),
            },
        }
        for r in rows
        if r.visibility_m < below_m
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        "reporting": rows[0].reporting if rows else 0,
        "below_m": below_m,
        "valid_min": valid_s / 60,
    }

"""Weather station readings posted by operators (visibility drives the fog rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis import params
from gis.errors import InvalidParameter, Unprocessable
from gis.sqlfiles import load_sql

MAX_BATCH = 1000


def reading(item: dict, key: str, *, minimum: float | None = None) -> float | None:
    """An optional weather value of a body (an observation or a forecast): a JSON number, not text or a
    boolean that looks like one; 400 naming `key` otherwise, 422 below `minimum`."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, str | bool):
        raise InvalidParameter(
            f"{key} must be a number; got {value!r}"[:120],
            parameter=key,
            detail_zh=f"{key} 须为数值，收到{value!r}"[:120],
        )
    number = params.number(value, key)
    if minimum is not None and number < minimum:
        raise Unprocessable(
            f"{key} cannot be below {minimum:g}; got {value!r}",
            parameter=key,
            detail_zh=f"{key} 不能小于{minimum:g}，收到{value!r}",
        )
    return number


def _station_code(value: Any) -> str | None:
    """A station's code as text: "57687" or 57687."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return params.text(value, "station_code", max_length=64)


def record_observations(conn: Connection, body: Any, *, who: str) -> list[dict]:
    """Store one reading or {"observations": [...]}; 422 for an unknown station or a future time."""
    items = params.batch(body, "observations", noun_en="an observation", noun_zh="观测记录", limit=MAX_BATCH)
    out = []
    soon = datetime.now(UTC) + timedelta(minutes=5)
    for i, obs in enumerate(items):
        if obs.get("station_id") is None and obs.get("station_code") is None:
            raise InvalidParameter(
                f"observation {i}: give station_id or station_code",
                parameter="station_id",
                detail_zh=f"第{i}条观测（从0计）：请给出 station_id 或 station_code",
            )
        when = params.instant(obs.get("observed_at"), "observed_at")
        if when is not None and when > soon:
            raise Unprocessable(
                f"observation {i}: observed_at {when.isoformat()} is in the future",
                parameter="observed_at",
                detail_zh=f"第{i}条观测（从0计）：观测时间 observed_at {when.isoformat()} 晚于当前时间",
            )
        values = {
            "station_id": None,
            "station_code": _station_code(obs.get("station_code")),
            "observed_at": when.isoformat() if when else None,
            "visibility_m": reading(obs, "visibility_m", minimum=0),
            "road_surface_temp_c": reading(obs, "road_surface_temp_c"),
            "precipitation_mm": reading(obs, "precipitation_mm", minimum=0),
            "who": who,
        }
        if obs.get("station_id") is not None:
            values["station_id"] = params.integer(obs["station_id"], "station_id", fix="a station id (an integer)")
        row = conn.execute(sa.text(load_sql("queries/routing_observation_insert.sql")), values).first()
        if row is None:
            ref = obs.get("station_id") if obs.get("station_id") is not None else obs.get("station_code")
            raise Unprocessable(
                f"observation {i}: no weather station {ref!r}; see /collections/weather_stations",
                parameter="station_id",
                detail_zh=f"第{i}条观测（从0计）：没有编号为{ref!r}的气象站；见 /collections/weather_stations",
            )
        out.append({"id": row.id, "station_id": row.station_id, "observed_at": row.observed_at.isoformat()})
    return out

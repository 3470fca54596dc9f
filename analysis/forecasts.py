"""Weather forecasts per station (POST /weather/forecasts, `daoan weather forecast`): what a station's
visibility, road-surface temperature and hourly precipitation will be over a period, as issued by a
forecaster. The live risk and the warning rules read them for a time after now (and for a station
without readings): daoan_station_weather, migration 031.

Issues are never changed, so no writer can lose another's work and no If-Match is needed: a later issue
for the same hours supersedes an earlier one (the latest issued_at, then the highest id, is in force).
The same issue sent again (station, issued_at, valid_from) changes nothing when its values are equal
(a client's retry) and is a 409 when they differ: issue a new forecast instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis import params
from gis.errors import Conflict, InvalidParameter, Unprocessable
from gis.sqlfiles import load_sql
from routing.weather import reading

MAX_BATCH = 1000
# The longest period one forecast may cover: 72 h, the range of the CMA's short-range (短期) forecasts.
# A documented default: a longer outlook is too coarse to set a warning level from.
MAX_SPAN = timedelta(hours=72)
CLOCK_SKEW = timedelta(minutes=5)  # an issue time this far ahead of the server's clock is accepted
VALUES = ("visibility_m", "road_surface_temp_c", "precipitation_mm")


@dataclass(frozen=True)
class Forecast:
    """One forecast as posted, checked."""

    station_id: int | None
    station_code: str | None
    issued_at: datetime
    valid_from: datetime
    valid_to: datetime
    visibility_m: float | None
    road_surface_temp_c: float | None
    precipitation_mm: float | None
    source: str | None


def _required_time(item: dict, key: str, i: int) -> datetime:
    when = params.instant(item.get(key), key)
    if when is None:
        raise InvalidParameter(
            f"forecast {i}: {key} is required (an ISO-8601 time such as 2026-12-07T06:00:00+08:00)",
            parameter=key,
            detail_zh=f"第{i}条预报（从0计）：缺少 {key}（ISO-8601时间，如2026-12-07T06:00:00+08:00）",
        )
    return when


def parse_forecast(item: Any, i: int, now: datetime) -> Forecast:
    """One forecast of a body; 400/422 naming the field."""
    if not isinstance(item, dict):
        raise InvalidParameter(
            f"forecast {i} must be an object", parameter="body", detail_zh=f"第{i}条预报（从0计）须为对象"
        )
    station_id = station_code = None
    if item.get("station_id") is not None:
        station_id = params.integer(item["station_id"], "station_id", fix="a station id (an integer)")
    elif item.get("station_code") is not None:
        code = item["station_code"]
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        station_code = params.text(code, "station_code", max_length=64)
    else:
        raise InvalidParameter(
            f"forecast {i}: give station_id or station_code",
            parameter="station_id",
            detail_zh=f"第{i}条预报（从0计）：请给出 station_id 或 station_code",
        )
    issued = params.instant(item.get("issued_at"), "issued_at") or now
    if issued > now + CLOCK_SKEW:
        raise Unprocessable(
            f"forecast {i}: issued_at {issued.isoformat()} is in the future",
            parameter="issued_at",
            detail_zh=f"第{i}条预报（从0计）：发布时间 issued_at {issued.isoformat()} 晚于当前时间",
        )
    start, end = _required_time(item, "valid_from", i), _required_time(item, "valid_to", i)
    if end <= start:
        raise Unprocessable(
            f"forecast {i}: valid_to must be after valid_from; got {start.isoformat()} to {end.isoformat()}",
            parameter="valid_to",
            detail_zh=f"第{i}条预报（从0计）：valid_to 须晚于 valid_from；收到 {start.isoformat()} 至 {end.isoformat()}",
        )
    if end - start > MAX_SPAN:
        hours = MAX_SPAN.total_seconds() / 3600
        raise Unprocessable(
            f"forecast {i}: one forecast covers at most {hours:g} hours; got {start.isoformat()} to {end.isoformat()}",
            parameter="valid_to",
            detail_zh=f"第{i}条预报（从0计）：一条预报最多覆盖{hours:g}小时；收到 {start.isoformat()} 至 {end.isoformat()}",
            extra={"limit_hours": hours},
        )
    values = {
        "visibility_m": reading(item, "visibility_m", minimum=0),
        "road_surface_temp_c": reading(item, "road_surface_temp_c"),
        "precipitation_mm": reading(item, "precipitation_mm", minimum=0),
    }
    if all(v is None for v in values.values()):
        raise Unprocessable(
            f"forecast {i}: give at least one of {', '.join(VALUES)}",
            parameter="visibility_m",
            detail_zh=f"第{i}条预报（从0计）：{', '.join(VALUES)} 至少给出一项",
        )
    source = params.text(item["source"], "source", max_length=200) if item.get("source") is not None else None
    return Forecast(station_id, station_code, issued, start, end, source=source, **values)  # type: ignore[arg-type]


def forecasts_of(body: Any, now: datetime) -> list[Forecast]:
    """The forecasts of a body: one forecast object or {"forecasts": [...]}."""
    items = params.batch(body, "forecasts", noun_en="a forecast", noun_zh="预报", limit=MAX_BATCH)
    return [parse_forecast(item, i, now) for i, item in enumerate(items)]


def _same(row: Any, f: Forecast) -> bool:
    return (
        row.valid_to == f.valid_to
        and all(getattr(row, k) == getattr(f, k) for k in VALUES)
        and (row.source or None) == (f.source or None)
    )


def record_forecasts(conn: Connection, forecasts: list[Forecast], *, who: str) -> dict[str, Any]:
    """Store the forecasts in the caller's transaction (all or none): ids stored and ids already there."""
    stored: list[dict] = []
    unchanged: list[int] = []
    for i, f in enumerate(forecasts):
        values = {
            "station_id": f.station_id,
            "station_code": f.station_code,
            "issued_at": f.issued_at,
            "valid_from": f.valid_from,
            "valid_to": f.valid_to,
            "visibility_m": f.visibility_m,
            "road_surface_temp_c": f.road_surface_temp_c,
            "precipitation_mm": f.precipitation_mm,
            "source": f.source,
            "who": who,
        }
        station = conn.execute(sa.text(load_sql("queries/forecast_station.sql")), values).scalar()
        if station is None:
            ref = f.station_id if f.station_id is not None else f.station_code
            raise Unprocessable(
                f"forecast {i}: no weather station {ref!r}; see /collections/weather_stations",
                parameter="station_id",
                detail_zh=f"第{i}条预报（从0计）：没有编号为{ref!r}的气象站；见 /collections/weather_stations",
            )
        row = conn.execute(sa.text(load_sql("queries/forecast_insert.sql")), values | {"station_id": station}).first()
        if row is not None:
            stored.append({"id": row.id, "station_id": station, "valid_from": f.valid_from.isoformat(),
                           "valid_to": f.valid_to.isoformat()})  # fmt: skip
            continue
        old = conn.execute(sa.text(load_sql("queries/forecast_existing.sql")), values | {"station_id": station}).one()
        if not _same(old, f):
            raise Conflict(
                f"forecast {i}: station {station}'s forecast issued at {f.issued_at.isoformat()} for "
                f"{f.valid_from.isoformat()} (id {old.id}) says otherwise; an issue is never changed: post a new "
                "one with a later issued_at",
                parameter="issued_at",
                detail_zh=f"第{i}条预报（从0计）：气象站{station}于{f.issued_at.isoformat()}发布的"
                f"{f.valid_from.isoformat()}起预报（编号{old.id}）内容不同；已发布的预报不能修改，请以更晚的 issued_at 重新发布",
                extra={"forecast_id": int(old.id)},
            )
        unchanged.append(int(old.id))
    return {"stored": stored, "unchanged": unchanged}


def forecasts_at(conn: Connection, at: datetime | None, station_code: str | None = None) -> dict:
    """The forecast in force at `at` (now) for every station (or one), as a GeoJSON FeatureCollection."""
    at = at or datetime.now(UTC)
    rows = conn.execute(
        sa.text(load_sql("queries/forecast_in_force.sql")), {"at": at, "station_code": station_code}
    ).all()
    features = []
    for r in rows:
        props = {k: v for k, v in r._mapping.items() if k not in ("id", "lon", "lat")}
        for key in ("issued_at", "valid_from", "valid_to"):
            props[key] = props[key].isoformat()
        features.append({"type": "Feature", "id": r.id, "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                         "properties": props})  # fmt: skip
    return {"type": "FeatureCollection", "at": at.isoformat(), "numberReturned": len(features), "features": features}

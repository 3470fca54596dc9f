"""Incidents: closures and restrictions declared by operators, with their history."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import shapely
import shapely.geometry
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import Conflict, InvalidParameter, NotFound, Unprocessable
from gis.sqlfiles import load_sql
from gis.stake import format_stake, parse_stake

KINDS = ("accident", "works", "weather_closure", "entrance_closure", "control")
EFFECTS = ("closed", "restricted")
DIRECTIONS = ("both", "forward", "backward")
# Compass words for a direction of travel → bearing, compared with the direction of increasing stakes.
COMPASS = {
    "northbound": 0,
    "eastbound": 90,
    "southbound": 180,
    "westbound": 270,
    "北向": 0,
    "东向": 90,
    "南向": 180,
    "西向": 270,
    "往北": 0,
    "往东": 90,
    "往南": 180,
    "往西": 270,
}
# 上行 runs with increasing stakes, 下行 against them (JTG convention).
STAKE_WORDS = {"上行": "forward", "下行": "backward", "increasing": "forward", "decreasing": "backward"}
EDITABLE = (
    "kind",
    "effect",
    "speed_cap_kmh",
    "direction",
    "geometry",
    "route",
    "from_stake",
    "to_stake",
    "toll_station_id",
    "description",
    "starts_at",
    "ends_at",
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_time(value: Any, *, parameter: str) -> datetime | None:
    """An ISO-8601 instant (naive times are Asia/Shanghai); None for null."""
    if value is None or value == "":
        return None
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"{parameter} must be an ISO-8601 time such as 2026-01-20T08:00:00+08:00; got {value!r}",
            parameter=parameter,
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=SHANGHAI)


def _choice(body: dict, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = body.get(key, default)
    if value not in choices:
        raise InvalidParameter(f"{key} must be one of {', '.join(choices)}; got {value!r}", parameter=key)
    return str(value)


def _geometry(conn: Connection, value: Any) -> str:
    """Validated GeoJSON geometry text that touches at least one road segment."""
    if not isinstance(value, dict):
        raise InvalidParameter("geometry must be a GeoJSON geometry object", parameter="geometry")
    try:
        geom = shapely.geometry.shape(value)
    except Exception:
        raise InvalidParameter(
            f"geometry is not valid GeoJSON: {json.dumps(value, ensure_ascii=False)[:120]}", parameter="geometry"
        ) from None
    if geom.is_empty:
        raise Unprocessable(
            "geometry is empty; give the closed road as a Point, LineString or Polygon", parameter="geometry"
        )
    if not geom.is_valid:
        raise Unprocessable(f"geometry is invalid: {shapely.is_valid_reason(geom)}", parameter="geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90) or not all(
        math.isfinite(v) for v in geom.bounds
    ):
        raise InvalidParameter(
            f"geometry coordinates must be lon/lat in degrees; got bounds {geom.bounds}", parameter="geometry"
        )
    text = json.dumps(shapely.geometry.mapping(geom))
    touched = conn.execute(sa.text(load_sql("queries/routing_geometry_segments.sql")), {"geometry": text}).scalar()
    if not touched:
        raise Unprocessable(
            "geometry touches no road: draw the closure on a road (a point within 30 m, a line along it, "
            "or a polygon over it)",
            parameter="geometry",
        )
    return text


def _stakes(conn: Connection, body: dict, direction_word: str) -> dict:
    route = str(body.get("route") or body.get("route_code") or "").strip().upper()
    if not route:
        raise InvalidParameter("give either geometry or route with from_stake (and to_stake)", parameter="route")
    lo = parse_stake(str(body.get("from_stake", "")), parameter="from_stake")
    hi = parse_stake(str(body.get("to_stake") or body.get("from_stake")), parameter="to_stake")
    rng = conn.execute(sa.text(load_sql("queries/route_stake_range.sql")), {"route": route}).one()
    if not rng.segments:
        raise Unprocessable(f"no road with route code {route!r}; try /search?q={route}", parameter="route")
    if rng.lo is None:
        raise Unprocessable(
            f"route {route} has no stake numbers; give the closure as a geometry", parameter="from_stake"
        )
    for name, value in (("from_stake", lo), ("to_stake", hi)):
        if not (rng.lo - 1e-6 <= value <= rng.hi + 1e-6):
            raise Unprocessable(
                f"{name} {format_stake(value)} is not on {route}; its stakes run from {format_stake(rng.lo)} "
                f"to {format_stake(rng.hi)}",
                parameter=name,
            )
    row = conn.execute(
        sa.text(load_sql("queries/routing_stake_geometry.sql")), {"route": route, "lo": lo, "hi": hi}
    ).one()
    if not row.segments or row.geometry is None:
        raise Unprocessable(
            f"{route} has no road between {format_stake(lo)} and {format_stake(hi)}", parameter="from_stake"
        )
    direction, label = _direction(conn, route, lo, hi, direction_word)
    return {
        "route_code": route,
        "from_stake_m": lo,
        "to_stake_m": hi,
        "geometry": row.geometry,
        "direction": direction,
        "direction_label": label,
    }


def _direction(conn: Connection, route: str, lo: float, hi: float, word: str) -> tuple[str, str | None]:
    w = (word or "both").strip()
    if w in DIRECTIONS:
        return w, None
    if w in STAKE_WORDS:
        return STAKE_WORDS[w], w
    target = COMPASS.get(w.lower(), COMPASS.get(w))
    if target is None:
        raise InvalidParameter(
            f"direction must be both, forward (increasing stakes), backward, 上行, 下行 or a compass word such as "
            f"southbound; got {word!r}",
            parameter="direction",
        )
    bearing = conn.execute(
        sa.text(load_sql("queries/routing_stake_bearing.sql")), {"route": route, "lo": lo, "hi": hi}
    ).scalar()
    if bearing is None:
        raise Unprocessable(
            f"cannot tell which way {w} runs on {route} here; use forward or backward", parameter="direction"
        )
    diff = abs((float(bearing) - target + 180) % 360 - 180)
    return ("forward" if diff < 90 else "backward"), w


def _toll_station(conn: Connection, value: Any) -> tuple[int, str]:
    try:
        ident = int(value) if not isinstance(value, bool) else int("x")
    except (TypeError, ValueError):
        raise InvalidParameter(
            f"toll_station_id must be an integer; got {value!r}", parameter="toll_station_id"
        ) from None
    row = conn.execute(sa.text(load_sql("queries/routing_toll_station.sql")), {"id": ident}).first()
    if row is None:
        raise Unprocessable(
            f"no toll station with id {ident}; see /collections/toll_stations/items", parameter="toll_station_id"
        )
    return ident, row.geometry


def _values(conn: Connection, body: dict, old: dict | None = None) -> dict:
    """Validated column values from a request body (merged over `old` for a change)."""
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object", parameter="body")
    unknown = sorted(set(body) - set(EDITABLE) - {"route_code"})
    if unknown:
        raise InvalidParameter(
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(EDITABLE)}", parameter=unknown[0]
        )
    merged = dict(old or {})
    merged.update(body)
    kind = _choice(merged, "kind", KINDS)
    effect = _choice(merged, "effect", EFFECTS, "closed")
    cap = merged.get("speed_cap_kmh")
    if cap is not None:
        if isinstance(cap, bool) or not isinstance(cap, int | float) or not (0 < cap <= 200):
            raise Unprocessable(
                f"speed_cap_kmh must be a speed between 1 and 200; got {cap!r}", parameter="speed_cap_kmh"
            )
        cap = int(cap)
    if effect == "restricted" and cap is None:
        raise Unprocessable("a restricted incident needs speed_cap_kmh", parameter="speed_cap_kmh")
    values: dict[str, Any] = {
        "kind": kind,
        "effect": effect,
        "speed_cap_kmh": cap,
        "description": merged.get("description"),
        "toll_station_id": None,
        "route_code": None,
        "from_stake_m": None,
        "to_stake_m": None,
        "direction": "both",
        "direction_label": None,
    }
    where_changed = old is None or any(
        k in body
        for k in ("geometry", "route", "route_code", "from_stake", "to_stake", "direction", "toll_station_id", "kind")
    )
    if kind == "entrance_closure":
        values["toll_station_id"], values["geometry"] = _toll_station(conn, merged.get("toll_station_id", ""))
        values["effect"] = "closed"
    elif not where_changed and old is not None:
        for key in ("route_code", "from_stake_m", "to_stake_m", "direction", "direction_label", "geometry"):
            values[key] = old.get("_" + key, old.get(key))
    elif body.get("geometry") is not None or (
        old is not None and "route" not in body and "from_stake" not in body and merged.get("geometry") is not None
    ):
        values["geometry"] = _geometry(conn, merged.get("geometry"))
        values["direction"] = _choice(merged, "direction", DIRECTIONS, "both")
    else:
        values.update(_stakes(conn, merged, str(merged.get("direction", "both"))))
    starts = parse_time(merged.get("starts_at"), parameter="starts_at")
    ends = parse_time(merged.get("ends_at"), parameter="ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise Unprocessable(
            f"ends_at ({ends.isoformat()}) must be after starts_at ({starts.isoformat()})", parameter="ends_at"
        )
    values["starts_at"] = starts.isoformat() if starts else None
    values["ends_at"] = ends.isoformat() if ends else None
    return values


def create_incident(conn: Connection, body: dict, *, who: str) -> dict:
    """Store a new incident (recorded in incident_changes) and return it as a feature."""
    values = _values(conn, body)
    ident = conn.execute(sa.text(load_sql("queries/routing_incident_insert.sql")), values | {"who": who}).scalar_one()
    conn.execute(
        sa.text(load_sql("queries/routing_incident_change.sql")),
        {"id": ident, "action": "create", "who": who, "changes": json.dumps(body, ensure_ascii=False)},
    )
    return get_incident(conn, int(ident))


def _row(conn: Connection, ident: int) -> Any:
    row = conn.execute(
        sa.text(load_sql("queries/routing_incident_select.sql")),
        {"id": ident, "status": "all", "limit": 1, "offset": 0},
    ).first()
    if row is None:
        raise NotFound(f"no incident with id {ident}; see /incidents?status=all")
    return row


def update_incident(conn: Connection, ident: int, body: dict, *, who: str) -> dict:
    """Change an incident that has not ended (409 otherwise); record what changed."""
    row = _row(conn, ident)
    if row.status == "ended":
        raise Conflict(f"incident {ident} has already ended; declare a new one")
    old = {
        "kind": row.kind,
        "effect": row.effect,
        "speed_cap_kmh": row.speed_cap_kmh,
        "direction": row.direction,
        "description": row.description,
        "toll_station_id": row.toll_station_id,
        "starts_at": row.starts_at.isoformat(),
        "ends_at": row.ends_at.isoformat() if row.ends_at else None,
        "_route_code": row.route_code,
        "_from_stake_m": row.from_stake_m,
        "_to_stake_m": row.to_stake_m,
        "_direction": row.direction,
        "_direction_label": row.direction_label,
        "_geometry": row.geometry,
    }
    if row.route_code and row.from_stake_m is not None and "geometry" not in body:
        old.update({"route": row.route_code, "from_stake": str(row.from_stake_m), "to_stake": str(row.to_stake_m)})
        if row.direction_label:
            old["direction"] = row.direction_label
    else:
        old["geometry"] = json.loads(row.geometry)
    values = _values(conn, body, old)
    values["starts_at"] = values["starts_at"] or old["starts_at"]
    conn.execute(sa.text(load_sql("queries/routing_incident_update.sql")), values | {"who": who, "id": ident})
    conn.execute(
        sa.text(load_sql("queries/routing_incident_change.sql")),
        {"id": ident, "action": "update", "who": who, "changes": json.dumps(body, ensure_ascii=False)},
    )
    return get_incident(conn, ident)


def end_incident(conn: Connection, ident: int, *, who: str) -> dict:
    """End an incident now; 409 when it has already ended."""
    row = _row(conn, ident)
    if row.status == "ended":
        raise Conflict(f"incident {ident} already ended at {(row.ended_at or row.ends_at).isoformat()}")
    conn.execute(sa.text(load_sql("queries/routing_incident_end.sql")), {"id": ident, "who": who})
    conn.execute(
        sa.text(load_sql("queries/routing_incident_change.sql")),
        {"id": ident, "action": "end", "who": who, "changes": "{}"},
    )
    return get_incident(conn, ident)


def _feature(row: Any) -> dict:
    def t(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

    return {
        "type": "Feature",
        "id": row.id,
        "geometry": json.loads(row.geometry),
        "properties": {
            "kind": row.kind,
            "effect": row.effect,
            "speed_cap_kmh": row.speed_cap_kmh,
            "direction": row.direction,
            "direction_label": row.direction_label,
            "route_code": row.route_code,
            "from_stake": format_stake(row.from_stake_m) if row.from_stake_m is not None else None,
            "to_stake": format_stake(row.to_stake_m) if row.to_stake_m is not None else None,
            "from_stake_m": row.from_stake_m,
            "to_stake_m": row.to_stake_m,
            "toll_station_id": row.toll_station_id,
            "description": row.description,
            "status": row.status,
            "starts_at": t(row.starts_at),
            "ends_at": t(row.ends_at),
            "ended_at": t(row.ended_at),
            "created_by": row.created_by,
            "created_at": t(row.created_at),
            "updated_by": row.updated_by,
            "updated_at": t(row.updated_at),
        },
    }


def get_incident(conn: Connection, ident: int, *, history: bool = False) -> dict:
    """One incident as a feature (with its change history when asked)."""
    feature = _feature(_row(conn, ident))
    if history:
        feature["properties"]["history"] = [
            {
                "action": h.action,
                "changed_by": h.changed_by,
                "changed_at": h.changed_at.isoformat(),
                "changes": h.changes,
            }
            for h in conn.execute(sa.text(load_sql("queries/routing_incident_history.sql")), {"id": ident})
        ]
    return feature


def list_incidents(conn: Connection, *, status: str = "active", limit: int = 1000, offset: int = 0) -> dict:
    """Incidents in force (status=active), in force or scheduled (current), or all with history (all)."""
    if status not in ("active", "current", "all"):
        raise InvalidParameter(f"status must be active, current or all; got {status!r}", parameter="status")
    rows = conn.execute(
        sa.text(load_sql("queries/routing_incident_select.sql")),
        {"id": None, "status": status, "limit": limit, "offset": offset},
    ).all()
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows], "numberReturned": len(rows)}

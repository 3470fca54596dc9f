"""From what a request asks (IncidentPatch) to the values stored (IncidentSpec): the place checked
against the roads (a geometry that touches one, stakes that exist on the route, a toll station),
compass words turned into a direction of stakes, and a change merged over the stored incident."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import shapely
import shapely.geometry
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import InvalidParameter, Unprocessable
from gis.params import geojson_geometry
from gis.roads import ambiguous_route
from gis.sqlfiles import load_sql
from gis.stake import format_stake, parse_stake
from routing.incident import DIRECTIONS, KINDS, Incident, IncidentPatch, IncidentSpec, Place

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


def geometry_text(value: dict) -> str:
    """Validated GeoJSON geometry (lon/lat degrees) as text."""
    geom = geojson_geometry(value, "geometry")
    if geom.is_empty:
        raise Unprocessable(
            "geometry is empty; give the closed road as a Point, LineString or Polygon",
            parameter="geometry",
            detail_zh="geometry 为空；请以点、线或面标出封闭路段",
        )
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90) or not all(
        math.isfinite(v) for v in geom.bounds
    ):
        raise InvalidParameter(
            f"geometry coordinates must be lon/lat in degrees; got bounds {geom.bounds}",
            parameter="geometry",
            detail_zh=f"geometry 坐标须为经纬度（单位度），收到的范围为{geom.bounds}",
        )
    if not geom.is_valid:
        raise Unprocessable(
            f"geometry is invalid: {shapely.is_valid_reason(geom)}",
            parameter="geometry",
            detail_zh=f"geometry 图形无效：{shapely.is_valid_reason(geom)}",
        )
    return json.dumps(shapely.geometry.mapping(geom))


def _touching(conn: Connection, text: str) -> str:
    touched = conn.execute(sa.text(load_sql("queries/routing_geometry_segments.sql")), {"geometry": text}).scalar()
    if not touched:
        raise Unprocessable(
            "geometry touches no road: draw the closure on a road (a point within 30 m, a line along it, "
            "or a polygon over it)",
            parameter="geometry",
            detail_zh="所画图形未落在道路上：点须在道路30米以内，线须沿道路画，面须覆盖道路",
        )
    return text


def _stake(value: str | float | None, parameter: str) -> float:
    return parse_stake("" if value is None else value, parameter=parameter)


def _direction(conn: Connection, route: str, lo: float, hi: float, word: str) -> tuple[str, str | None]:
    w = word.strip() or "both"
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
            detail_zh=f"方向 direction 只能填 both（双向）、forward（桩号递增方向）、backward（桩号递减方向）、上行、下行，或南向、往北等方位词；收到{word!r}",
        )
    bearing = conn.execute(
        sa.text(load_sql("queries/routing_stake_bearing.sql")), {"route": route, "lo": lo, "hi": hi}
    ).scalar()
    if bearing is None:
        raise Unprocessable(
            f"cannot tell which way {w} runs on {route} here; use forward or backward",
            parameter="direction",
            detail_zh=f"无法判断{route}在此处的{w}是哪个方向；请填 forward（桩号递增方向）或 backward（桩号递减方向）",
        )
    diff = abs((float(bearing) - target + 180) % 360 - 180)
    return ("forward" if diff < 90 else "backward"), w


def _by_stakes(conn: Connection, route_text: str | None, lo_value, hi_value, word: str) -> Place:  # type: ignore[no-untyped-def]
    route = (route_text or "").strip().upper()
    if not route:
        raise InvalidParameter(
            "give either geometry or route with from_stake (and to_stake)",
            parameter="route",
            detail_zh="请给出所画图形 geometry，或给出路线编号 route 及起点桩号 from_stake（可加止点桩号 to_stake）",
        )
    lo = _stake(lo_value, "from_stake")
    hi = _stake(hi_value if hi_value not in (None, "") else lo_value, "to_stake")
    rng = conn.execute(sa.text(load_sql("queries/route_stake_range.sql")), {"route": route}).one()
    ambiguous_route(route, rng)
    if not rng.segments:
        raise Unprocessable(
            f"no road with route code {route!r}; try /search?q={route}",
            parameter="route",
            detail_zh=f"没有路线编号为{route}的道路；可用 /search?q={route} 查找",
        )
    if rng.lo is None:
        raise Unprocessable(
            f"route {route} has no stake numbers; give the closure as a geometry",
            parameter="from_stake",
            detail_zh=f"{route}没有桩号数据；请以所画图形 geometry 给出封闭位置",
        )
    for name, value in (("from_stake", lo), ("to_stake", hi)):
        if not (rng.lo - 1e-6 <= value <= rng.hi + 1e-6):
            raise Unprocessable(
                f"{name} {format_stake(value)} is not on {route}; its stakes run from {format_stake(rng.lo)} "
                f"to {format_stake(rng.hi)}",
                parameter=name,
                detail_zh=f"{'起点' if name == 'from_stake' else '止点'}桩号{format_stake(value)}不在{route}上；{route}的桩号范围为{format_stake(rng.lo)}至{format_stake(rng.hi)}",
            )
    direction, label = _direction(conn, route, lo, hi, word)
    row = conn.execute(
        sa.text(load_sql("queries/routing_stake_geometry.sql")),
        {"route": route, "lo": lo, "hi": hi, "direction": direction},
    ).one()
    if not row.segments:
        raise Unprocessable(
            f"{route} has no road between {format_stake(lo)} and {format_stake(hi)}",
            parameter="from_stake",
            detail_zh=f"{route}在{format_stake(lo)}至{format_stake(hi)}之间没有路段",
        )
    if row.geometry is None:
        raise Unprocessable(
            f"{route} has no carriageway running {label or direction} between {format_stake(lo)} and "
            f"{format_stake(hi)}; give the other direction or both",
            parameter="direction",
            detail_zh=f"{route}在{format_stake(lo)}至{format_stake(hi)}之间没有该方向的车道；请改填另一方向或 both（双向）",
        )
    return Place(row.geometry, direction, label, route, lo, hi)


def _both_carriageways(conn: Connection, text: str) -> Place | None:
    """A line drawn along one carriageway of a dual carriageway, closed in both directions as the record
    says: the stake range it covers on that route (both carriageways), as an officer would state it."""
    if json.loads(text).get("type") not in ("LineString", "MultiLineString"):
        return None
    row = conn.execute(sa.text(load_sql("queries/routing_drawn_carriageway.sql")), {"geometry": text}).first()
    if row is None or row.lo is None or row.hi - row.lo < 1.0:
        return None
    return _by_stakes(conn, row.route_code, round(row.lo), round(row.hi), "both")


def _at_toll_station(conn: Connection, ident: int | None) -> Place:
    if ident is None:
        raise InvalidParameter(
            "an entrance_closure needs toll_station_id (an integer); see /collections/toll_stations/items",
            parameter="toll_station_id",
            detail_zh="收费站入口封闭（entrance_closure）须给出收费站编号 toll_station_id（整数），见 /collections/toll_stations/items",
        )
    row = conn.execute(sa.text(load_sql("queries/routing_toll_station.sql")), {"id": ident}).first()
    if row is None:
        raise Unprocessable(
            f"no toll station with id {ident}; see /collections/toll_stations/items",
            parameter="toll_station_id",
            detail_zh=f"没有编号为{ident}的收费站；见 /collections/toll_stations/items",
        )
    return Place(row.geometry, toll_station_id=ident)


def _geometry_direction(word: str | None) -> str:
    if word not in DIRECTIONS:
        raise InvalidParameter(
            f"direction must be one of {', '.join(DIRECTIONS)}; got {word!r}",
            parameter="direction",
            detail_zh=f"方向 direction 只能取 {'、'.join(DIRECTIONS)} 之一，收到{word!r}",
        )
    return str(word)


def _place(conn: Connection, patch: IncidentPatch, kind: str, old: Place | None) -> Place:
    """Where the incident acts: the stored place unless the patch moves it."""

    def given(key: str, stored):  # type: ignore[no-untyped-def]
        return getattr(patch, key) if patch.has(key) and getattr(patch, key) is not None else stored

    if kind == "entrance_closure":
        return _at_toll_station(conn, given("toll_station_id", old.toll_station_id if old else None))
    if old is not None and not patch.moves_place():
        return old
    if patch.geometry is not None:
        word = given("direction", old.direction if old else "both")
        text = _touching(conn, geometry_text(patch.geometry))
        both = _both_carriageways(conn, text) if _geometry_direction(word) == "both" else None
        return both or Place(text, _geometry_direction(word))
    if old is not None and not old.by_stakes and not patch.has("route") and not patch.has("from_stake"):
        return Place(_touching(conn, old.geometry), _geometry_direction(given("direction", old.direction)))
    stored = old if old is not None and old.by_stakes else None
    return _by_stakes(
        conn,
        given("route", stored.route_code if stored else None),
        given("from_stake", stored.from_stake_m if stored else None),
        patch.to_stake if patch.has("to_stake") else (stored.to_stake_m if stored else None),
        given(
            "direction", (stored.direction_label or stored.direction) if stored else (old.direction if old else "both")
        ),
    )


def resolve(conn: Connection, patch: IncidentPatch, current: Incident | None = None) -> IncidentSpec:
    """The values to store for a new incident (`current` None) or a change merged over `current`."""
    old = current.spec if current is not None else None

    def pick(key: str, default):  # type: ignore[no-untyped-def]
        return getattr(patch, key) if patch.has(key) else (getattr(old, key) if old is not None else default)

    kind = pick("kind", None)
    if kind not in KINDS:
        raise InvalidParameter(
            f"kind must be one of {', '.join(KINDS)}; got {kind!r}",
            parameter="kind",
            detail_zh=f"事件类型 kind 只能取 {'、'.join(KINDS)} 之一，收到{kind!r}",
        )
    effect = pick("effect", "closed")
    cap = pick("speed_cap_kmh", None)
    if effect == "restricted" and cap is None:
        raise Unprocessable(
            "a restricted incident needs speed_cap_kmh",
            parameter="speed_cap_kmh",
            detail_zh="限速管制（effect 为 restricted）须给出限速值 speed_cap_kmh",
        )
    place = _place(conn, patch, kind, old.place if old is not None else None)
    starts = pick("starts_at", None) or (old.starts_at if old is not None else None)
    ends = pick("ends_at", None)
    if starts is not None and ends is not None and ends <= starts:
        raise Unprocessable(
            f"ends_at ({ends.isoformat()}) must be after starts_at ({starts.isoformat()})",
            parameter="ends_at",
            detail_zh=f"结束时间 ends_at（{ends.isoformat()}）须晚于开始时间 starts_at（{starts.isoformat()}）",
        )
    if starts is None and ends is not None and ends <= datetime.now(UTC):
        raise Unprocessable(
            f"ends_at ({ends.isoformat()}) must be in the future",
            parameter="ends_at",
            detail_zh=f"结束时间 ends_at（{ends.isoformat()}）须晚于当前时间",
        )
    return IncidentSpec(
        kind=kind,
        effect="closed" if kind == "entrance_closure" else effect,
        speed_cap_kmh=cap,
        place=place,
        description=pick("description", None),
        starts_at=starts,
        ends_at=ends,
        weather=pick("weather", None),
    )

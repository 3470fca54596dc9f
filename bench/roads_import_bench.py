"""`daoan import roads` on a province-sized file: rows and segments per second (issue 14, "Import").

The province demo's network (loaded in the bench database by bench.data_core) is written once as a
department-style FlatGeobuf (Chinese columns, stakes in km, 上行/下行 carriageways) under var/bench/;
then `import_roads` loads it into a scratch database twice, timed in-process (import time only: reading,
checking, noding, COPY, re-linking, validation report): into an empty network, then replacing it.

    .venv/bin/python -m bench.roads_import_bench [--source-url URL] [--write-results]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bench.common import scratch_settings, write_section
from gis.bulk import copy_rows
from gis.db import create_db_engine
from gis.settings import PROJECT_ROOT, load_settings
from layers.demo.roadfile import RoadFileRows, route_ids, write_road_file
from layers.ingest.roads import import_roads

OUT = PROJECT_ROOT / "var" / "bench" / "hunan_roads_demo.fgb"
_EXPORT = """
SELECT id, route_code, county_adcode, name, road_class, oneway, lanes, maxspeed_kmh, start_stake_m, end_stake_m, bridge, tunnel,
       ST_AsBinary(geom) AS wkb
FROM road_segments ORDER BY id
"""


def export(source_url: str, path: Path) -> int:
    """Write the network of the database at `source_url` as a department's FlatGeobuf; its rows."""
    engine = sa.create_engine(sa.engine.make_url(source_url).set(drivername="postgresql+psycopg2"))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(_EXPORT)).all()
    engine.dispose()

    def column(name: str, dtype: object, none: object = None) -> np.ndarray:
        values = [getattr(r, name) for r in rows]
        if none is not None:
            values = [none if v is None else v for v in values]
        return np.array(values, dtype=dtype)

    return write_road_file(
        path,
        RoadFileRows(
            record_id=column("id", np.int64),
            road_class=column("road_class", object),
            route_code=route_ids(
                column("road_class", object), column("route_code", object), column("county_adcode", object)
            ),
            name=column("name", object),
            oneway=column("oneway", bool),
            lanes=column("lanes", np.int64, 0),
            maxspeed_kmh=column("maxspeed_kmh", np.int64, 0),
            start_stake_m=column("start_stake_m", float, np.nan),
            end_stake_m=column("end_stake_m", float, np.nan),
            bridge=column("bridge", bool),
            tunnel=column("tunnel", bool),
            wkb=np.array([bytes(r.wkb) for r in rows], dtype=object),
        ),
    )


def _copy_areas(source_url: str, engine: sa.Engine) -> None:
    """The source's administrative areas, so that the import finds each segment's county as it would."""
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM admin_areas")).scalar_one():
            return
        src = sa.create_engine(sa.engine.make_url(source_url).set(drivername="postgresql+psycopg2"))
        with src.connect() as s:
            areas = s.execute(
                sa.text("SELECT adcode, name, level, parent_adcode, source, ST_AsEWKT(geom) FROM admin_areas")
            ).all()
        src.dispose()
        copy_rows(conn, "admin_areas", ("adcode", "name", "level", "parent_adcode", "source", "geom"), areas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-url", help="database holding the province demo (default: the bench database)")
    parser.add_argument("--db", default="daoan_bench_roads", help="scratch database to import into")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    with open("/proc/loadavg") as fh:
        load_start = fh.read().split()[0]
    source = args.source_url or load_settings().url()
    if not OUT.exists():
        started = time.perf_counter()
        n = export(source, OUT)
        print(f"exported {n:,} rows to {OUT} in {time.perf_counter() - started:.1f} s", flush=True)
    settings = scratch_settings(args.db)
    engine = create_db_engine(settings)
    _copy_areas(source, engine)
    runs = []
    for label in ("into an empty network", "replacing the network just loaded"):
        started = time.perf_counter()
        report = import_roads(engine, settings, OUT)
        runs.append((label, time.perf_counter() - started, report))
    engine.dispose()
    v = report.validation
    assert v is not None
    table = "\n".join(
        f"| {label} | {r.rows_loaded:,} | {r.segments:,} | {r.nodes:,} | {sec:.1f} | {r.rows_loaded / sec:,.0f} | "
        f"{r.segments / sec:,.0f} |"
        for label, sec, r in runs
    )
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    body = (
        f"`import_roads` (what `daoan import roads` runs, as the owner role) of a department-style FlatGeobuf of the "
        f"province demo ({OUT.stat().st_size >> 20} MiB, EPSG:4490, Chinese columns, stakes in km), in-process, "
        f"load average {load_start} at the start and {load} at the end (other work on the machine); target ≥ 20,000 "
        "segments/s:\n\n"
        f"| run | rows | segments | nodes | seconds | rows/s | segments/s |\n|---|---:|---:|---:|---:|---:|---:|\n"
        f"{table}\n\n"
        f"Validation: {len(v.routes):,} routes, {v.components:,} connected pieces, "
        f"{v.dangling_near_count:,} line ends within {v.near_m:g} m of another line; the scratch database holds "
        "the demo's administrative areas (counties found per segment) but no facilities (nothing to re-link)."
    )
    print(body)
    if args.write_results:
        write_section("Import", body, "python -m bench.roads_import_bench --write-results")


if __name__ == "__main__":
    main()

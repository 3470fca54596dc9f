"""Scale: the province demo ×1, ×2, ×4 and what grows with it (issue 17; docs/scaling.md projects from it).

×1 is `daoan demo --size province` (seed 2017). ×k copies the whole province k−1 times beside it
(the database of ×1 taken as a template, then every data table copied with ids offset, codes suffixed
and geometries translated by whole province widths/heights: ×2 side by side, ×4 a 2×2 block), and
joins neighbouring copies at their borders with two-way national-road connectors between the nearest
expressway/national nodes (CONNECTORS per border), so that one graph spans them all.

Per size: load time (the demo's, plus the copies'), database size after VACUUM ANALYZE,
`daoan routing build` (wall, peak RSS), a worker's start from the routing cache (wall, RSS after the
routes), route p50/p99 in-process (plan_route, GeoJSON, random pairs over the whole region), uncached
tile rendering on one connection (random tiles at z 8/11/14 over the region, the public map's layers),
and `daoan coverage report` (HTML) wall time.

    python -m bench.scale_bench --factors 1,2,4 [--write-results]     (run it with nice -n 10)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bench.common import PROJECT_ROOT, daoan_bin, scratch_settings, timed_command, write_section

SEED = 2017
CONNECTORS = 12  # border connectors between two neighbouring copies
# One province's extent and then some: copies are translated by these (degrees).
STEP_LON, STEP_LAT = 5.6, 5.6
TABLES = (
    "road_nodes", "road_segments", "turn_restrictions", "cameras", "guidance_signs", "hazard_zones",
    "weather_stations", "toll_stations", "enforcement_stations", "admin_areas", "admin_seats",
    "command_centres", "service_areas", "interval_speed_sections",
)  # fmt: skip
OFFSET_COLUMNS = ("id", "segment_id", "source_node", "target_node", "via_node", "from_segment", "to_segment")
SUFFIX_COLUMNS = ("natural_key", "code", "station_code", "source_id")
# Six-digit area codes: copy k of Hunan's 43xxxx becomes (43 + k)xxxx, a province of its own.
ADCODE_COLUMNS = ("adcode", "county_adcode", "parent_adcode")
TILE_LAYERS = ("road_segments", "cameras", "toll_stations", "hazard_zones", "incidents")
GRID = {1: [(0, 0)], 2: [(0, 0), (1, 0)], 4: [(0, 0), (1, 0), (0, 1), (1, 1)]}


def _columns(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        sa.text(
            "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [(r[0], r[1]) for r in rows]


def copy_province(conn: sa.Connection, k: int, dx: float, dy: float, offset: int) -> None:
    """Copy every data table's original rows (ids < offset) as copy k, translated by (dx, dy)."""
    for table in TABLES:
        cols = _columns(conn, table)
        exprs = []
        for name, udt in cols:
            if name in OFFSET_COLUMNS:
                exprs.append(f"{name} + {offset * k}")
            elif udt == "geometry":
                exprs.append(f"ST_Translate({name}, {dx}, {dy})")
            elif name in ADCODE_COLUMNS:
                exprs.append(f"(substr({name}, 1, 2)::int + {k})::text || substr({name}, 3)")
            elif name in SUFFIX_COLUMNS:
                exprs.append(f"{name} || '~{k}'")
            else:
                exprs.append(name)
        names = ", ".join(n for n, _ in cols)
        where = "WHERE id < :off" if any(n == "id" for n, _ in cols) else "WHERE from_segment < :off"
        conn.execute(
            sa.text(f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} {where}"), {"off": offset}
        )
        if any(n == "id" for n, _ in cols):
            conn.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


MAIN_NODES_SQL = """
CREATE TEMP TABLE {name} ON COMMIT DROP AS
SELECT n.id, n.geom FROM road_nodes n
WHERE n.id IN (SELECT source_node FROM road_segments WHERE road_class IN ('expressway', 'national')
               UNION SELECT target_node FROM road_segments WHERE road_class IN ('expressway', 'national'))
  AND n.id >= :lo AND n.id < :hi AND {band};
CREATE INDEX ON {name} USING gist (geom);
ANALYZE {name};
"""

CONNECT_SQL = """
WITH pairs AS (
    SELECT b.id AS b_id, a.id AS a_id, a.geom AS a_geom, b.geom AS b_geom, b.geom <-> a.geom AS d
    FROM side_b b CROSS JOIN LATERAL (SELECT id, geom FROM side_a ORDER BY geom <-> b.geom LIMIT 1) a
    ORDER BY d LIMIT :n
)
INSERT INTO road_segments (road_class, route_code, name, oneway, default_speed_kmh, length_m, source_node,
                           target_node, source, geom)
SELECT 'national', 'G999', '省际连接线', false, 80, ST_Length(ST_MakeLine(a_geom, b_geom)::geography), a_id, b_id,
       'scale-bench', ST_MakeLine(a_geom, b_geom)
FROM pairs
"""
BAND_DEG = 0.8  # how far into each copy the border's candidate nodes lie


def join_copies(conn: sa.Connection, a: int, b: int, offset: int, east: bool) -> None:
    """Connect copy a to copy b, which lies east (else north) of it, between their nearest main-road nodes."""
    axis = "ST_X" if east else "ST_Y"
    for name, k, band in (("side_a", a, f"{axis}(n.geom) > (SELECT max({axis}(geom)) FROM road_nodes "
                                          f"WHERE id >= :lo AND id < :hi) - {BAND_DEG}"),
                          ("side_b", b, f"{axis}(n.geom) < (SELECT min({axis}(geom)) FROM road_nodes "
                                          f"WHERE id >= :lo AND id < :hi) + {BAND_DEG}")):  # fmt: skip
        for statement in MAIN_NODES_SQL.format(name=name, band=band).split(";"):
            if statement.strip():
                conn.execute(sa.text(statement), {"lo": k * offset, "hi": (k + 1) * offset})
    conn.execute(sa.text(CONNECT_SQL), {"n": CONNECTORS})
    conn.execute(sa.text("DROP TABLE side_a; DROP TABLE side_b"))


def build_region(factor: int, x1: str) -> dict:
    """Database <×1's name>…x<factor> from the ×1 database; the copies' load time."""
    name = str(sa.engine.make_url(x1).database).replace("_x1", f"_x{factor}")
    admin_url = sa.engine.make_url(x1).set(database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    t0 = time.perf_counter()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{sa.engine.make_url(x1).database}"'))
    admin.dispose()
    template_s = time.perf_counter() - t0
    url = sa.engine.make_url(x1).set(database=name)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        offset = int(
            conn.execute(sa.text("SELECT 10 ^ ceil(log(greatest(max(id), 10) + 1)) FROM road_segments")).scalar()
        )
        offset = max(offset, int(conn.execute(sa.text("SELECT 10 ^ ceil(log(max(id) + 1)) FROM road_nodes")).scalar()))
    t0 = time.perf_counter()
    cells = GRID[factor]
    with engine.begin() as conn:
        for k, (cx, cy) in enumerate(cells[1:], start=1):
            copy_province(conn, k, cx * STEP_LON, cy * STEP_LAT, offset)
        for a, (ax, ay) in enumerate(cells):
            for b, (bx, by) in enumerate(cells):
                if (bx - ax, by - ay) in ((1, 0), (0, 1)):
                    join_copies(conn, a, b, offset, east=bx > ax)
    copies_s = time.perf_counter() - t0
    engine.dispose()
    return {"db": url.render_as_string(hide_password=False), "template_s": template_s, "copies_s": copies_s}


def vacuum_and_size(url: str) -> dict:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    t0 = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        vacuum_s = time.perf_counter() - t0
        size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        segs = conn.execute(sa.text("SELECT count(*), sum(length_m) / 1000 FROM road_segments")).one()
        cams = conn.execute(sa.text("SELECT count(*) FROM cameras")).scalar()
    engine.dispose()
    return {"vacuum_s": vacuum_s, "db_mib": size / 2**20, "segments": segs[0], "road_km": float(segs[1]),
            "cameras": cams}  # fmt: skip


def worker(url: str, pairs: int, tiles: int) -> dict:
    """A worker's start from the routing cache, routes and uncached tiles (run in a fresh process)."""
    from bench.routing_bench import sample_points
    from gis.db import connect, create_db_engine
    from gis.settings import load_settings
    from layers.catalog import get_layer
    from routing.routes import RouteRequest, plan_route
    from routing.service import Router, read_versions
    from tiles.matrix import lonlat_to_tile
    from tiles.render import render_layers

    settings = replace(load_settings(), database_url=url)
    engine = create_db_engine(settings)
    t0 = time.perf_counter()
    router = Router(engine, settings)
    state = router.build_now()
    with connect(engine) as conn:
        versions = read_versions(conn)
        ov = router.overlay(conn, state, versions)
    start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    state.searcher.settle(ov.cost, timeout=600)  # the steady state: the overlay's metric customized
    settle_s = time.perf_counter() - t0
    rng = np.random.default_rng(SEED)
    points = sample_points(state, 2 * pairs, rng)
    pair_list = list(zip(points[0::2], points[1::2], strict=True))
    for a, b in pair_list[:20]:  # warm the kernels
        with contextlib.suppress(Exception):
            plan_route(state, ov, None, RouteRequest([a, b]), radius_m=500)
    times, failed = [], 0
    for a, b in pair_list:
        t = time.perf_counter()
        try:
            plan_route(state, ov, None, RouteRequest([a, b]), radius_m=500)
            times.append((time.perf_counter() - t) * 1000)
        except Exception:
            failed += 1
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    layers = [get_layer(x) for x in TILE_LAYERS]
    tile_points = sample_points(state, tiles, rng)
    addresses = [lonlat_to_tile(x, y, (8, 11, 14)[i % 3]) for i, (x, y) in enumerate(tile_points)]
    nbytes = 0
    with engine.connect() as conn:
        render_layers(conn, layers, addresses[0])
        t = time.perf_counter()
        for address in addresses:
            nbytes += sum(len(v) for v in render_layers(conn, layers, address).values())
        tile_s = time.perf_counter() - t
    engine.dispose()
    return {
        "start_s": start_s,
        "settle_s": settle_s,
        "worker_rss_mib": rss_mib,
        "route_p50_ms": float(np.percentile(times, 50)),
        "route_p99_ms": float(np.percentile(times, 99)),
        "routes": len(times),
        "routes_failed": failed,
        "tiles_per_s": len(addresses) / tile_s,
        "tile_kib_mean": nbytes / len(addresses) / 1024,
    }


def _env(url: str) -> dict[str, str]:
    return dict(os.environ, DAOAN_DATABASE_URL=url)


def measure(url: str, work: Path, pairs: int, tiles: int) -> dict:
    env = _env(url)
    r: dict = {}
    r["routing_build_s"], r["routing_build_rss_mib"], _ = timed_command([daoan_bin(), "routing", "build"], env)
    out = subprocess.run(
        [sys.executable, "-m", "bench.scale_bench", "--worker", url, "--pairs", str(pairs), "--tiles", str(tiles)],
        env=env, capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    r.update(json.loads(out.stdout.strip().splitlines()[-1]))
    report = work / f"coverage-{abs(hash(url))}.html"
    r["coverage_report_s"], r["coverage_report_rss_mib"], _ = timed_command(
        [daoan_bin(), "coverage", "report", "--year", "2019", "--out", str(report)], env
    )
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--factors", default="1,2,4")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--tiles", type=int, default=300)
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help="print docs/scaling.md's tables from a results JSON")
    parser.add_argument("--demo-size", default="province", help="small: a quick trial of the script")
    parser.add_argument("--reuse-x1", action="store_true", help="keep an existing daoan_scale_x1 (no demo load)")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.pairs, args.tiles)))
        return 0
    if args.project:
        saved = {int(f): r for f, r in json.loads(args.project.read_text()).items()}
        print(projection(saved) + "\n" + capacity(saved))
        return 0
    work = PROJECT_ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict] = {}
    prefix = "daoan_scale" if args.demo_size == "province" else f"daoan_scale_{args.demo_size}"
    x1 = scratch_settings(f"{prefix}_x1")
    x1_url = x1.database_url or ""
    loaded = work / f"{prefix}_x1_load.json"
    if args.reuse_x1 and loaded.exists():
        demo = json.loads(loaded.read_text())
    else:
        wall, rss, _ = timed_command([daoan_bin(), "demo", "--size", args.demo_size, "--seed", str(SEED)], _env(x1_url))
        demo = {"demo_s": wall, "demo_rss_mib": rss}
        loaded.write_text(json.dumps(demo))
    for factor in (int(f) for f in args.factors.split(",")):
        print(f"×{factor} …", file=sys.stderr, flush=True)
        r = {"db": x1_url, "template_s": 0.0, "copies_s": 0.0} if factor == 1 else build_region(factor, x1_url)
        r.update(demo)
        r["load_s"] = demo["demo_s"] + r["copies_s"]
        r.update(vacuum_and_size(r["db"]))
        r.update(measure(r["db"], work, args.pairs, args.tiles))
        r.pop("db")
        results[factor] = r
        print(json.dumps({factor: r}), file=sys.stderr, flush=True)
        (work / f"{prefix}_results.json").write_text(json.dumps(results, indent=1))
    command = "nice -n 10 python -m bench.scale_bench " + " ".join(argv or sys.argv[1:])
    text = report(results)
    print(text)
    if args.write_results:
        write_section("Scale", text, command)
    return 0


def report(results: dict[int, dict]) -> str:
    factors = sorted(results)
    rows = [
        ("road segments", "segments", "{:,.0f}"),
        ("road length, km", "road_km", "{:,.0f}"),
        ("cameras", "cameras", "{:,.0f}"),
        ("load: demo ×1 s (+ copies s)", None, None),
        ("database size after VACUUM ANALYZE, MiB", "db_mib", "{:,.0f}"),
        ("`daoan routing build` wall s", "routing_build_s", "{:.1f}"),
        ("`daoan routing build` peak RSS MiB", "routing_build_rss_mib", "{:,.0f}"),
        ("worker start from the routing cache s", "start_s", "{:.1f}"),
        ("worker RSS after the routes MiB", "worker_rss_mib", "{:,.0f}"),
        ("route p50 / p99 ms (in-process, GeoJSON)", None, None),
        ("uncached tiles/s, one connection (z 8/11/14 mix)", "tiles_per_s", "{:.1f}"),
        ("mean tile KiB (5 layers, uncompressed)", "tile_kib_mean", "{:.1f}"),
        ("`daoan coverage report` wall s", "coverage_report_s", "{:.1f}"),
        ("`daoan coverage report` peak RSS MiB", "coverage_report_rss_mib", "{:,.0f}"),
    ]
    head = "| measure | " + " | ".join(f"×{f}" for f in factors) + " |"
    lines = [head, "|---|" + "---|" * len(factors)]
    for label, key, fmt in rows:
        cells = []
        for f in factors:
            r = results[f]
            if label.startswith("load"):
                cells.append(f"{r['demo_s']:.0f} (+ {r['copies_s']:.0f})")
            elif label.startswith("route p50"):
                cells.append(f"{r['route_p50_ms']:.2f} / {r['route_p99_ms']:.2f}")
            else:
                cells.append(fmt.format(r[key]))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    load = os.getloadavg()[0]
    return (
        f"1-minute load average at the end {load:.1f} (the machine is shared by several sessions).\n\n"
        "×1 is the province demo (seed 2017); ×2 and ×4 add translated copies of it joined at the borders by "
        f"{CONNECTORS} two-way connectors per border (bench/scale_bench.py). The copies are written by SQL from "
        "the first province (INSERT … SELECT), so their load time is not a generator's: the load row gives the "
        "demo's time and the copies' apart.\n\n" + "\n".join(lines) + "\n"
    )


# Per-server figures of the province (×1) measured by the other benchmarks (bench/RESULTS.md, same
# machine: 2 cores): GET /route over HTTP at 8 connections, uncached and warm tiles at 8 and 32, and the
# database's own ceiling for the tile SQL (pgbench at 8 connections).
PROVINCE_ROUTES_PER_S = 550
PROVINCE_TILES_UNCACHED_PER_S = 355
PROVINCE_TILES_WARM_PER_S = 10_418
PROVINCE_TILE_SQL_CEILING_PER_S = 338
NATIONAL_ROAD_KM = 5_000_000


def growth(results: dict[int, dict], key: str) -> float:
    """The exponent e of value ∝ factor^e from ×1 to the largest factor measured."""
    top = max(results)
    a, b = results[1][key], results[top][key]
    return float(np.log(b / a) / np.log(top)) if a > 0 and b > 0 and top > 1 else float("nan")


def projection(results: dict[int, dict]) -> str:
    """docs/scaling.md's table: each measure extrapolated along its measured growth to the national road
    length (by km), and to 21 demo provinces (the issue's 21× Hunan with the demo as one province)."""
    top = max(results)
    k = NATIONAL_ROAD_KM / results[1]["road_km"]
    rows = []
    for label, key, fmt in (
        ("database size, GiB", "db_mib", lambda v: f"{v / 1024:,.1f}"),
        ("routing build, min", "routing_build_s", lambda v: f"{v / 60:,.1f}"),
        ("routing build peak RSS, GiB", "routing_build_rss_mib", lambda v: f"{v / 1024:,.1f}"),
        ("worker start from the routing cache, s", "start_s", lambda v: f"{v:,.0f}"),
        ("worker RSS (one national graph), GiB", "worker_rss_mib", lambda v: f"{v / 1024:,.1f}"),
        ("route p50 in-process, ms", "route_p50_ms", lambda v: f"{v:,.2f}"),
        ("uncached tiles/s per connection", "tiles_per_s", lambda v: f"{v:,.0f}"),
        ("`daoan coverage report`, s", "coverage_report_s", lambda v: f"{v:,.0f}"),
    ):
        e = growth(results, key)
        by_km = results[top][key] * (k / top) ** e
        by_provinces = results[top][key] * (21 / top) ** e
        rows.append(
            f"| {label} | {fmt(results[1][key])} | {fmt(results[top][key])} | {e:.2f} | {fmt(by_km)} | "
            f"{fmt(by_provinces)} |"
        )
    head = (
        f"National ≈ {NATIONAL_ROAD_KM:,} km of road = {k:.1f} × the demo province's {results[1]['road_km']:,.0f} km "
        f"(the synthetic demo is denser than Hunan's ~240,000 km); 21 demo provinces is the upper bound. Growth "
        f"exponent e from ×1 to ×{top} (value ∝ size^e); projected = ×{top} × (size/{top})^e.\n\n"
        f"| measure | ×1 | ×{top} | e | national by km (×{k:.1f}) | 21 demo provinces |\n"
        "|---|---:|---:|---:|---:|---:|\n"
    )
    return head + "\n".join(rows) + "\n"


def capacity(results: dict[int, dict]) -> str:
    """Servers needed for N requests/s at national size (the upper bound: 21 demo provinces), from the
    per-server figures and the measured growth."""
    top = max(results)
    k = 21.0
    route_slow = (
        (k / top) ** growth(results, "route_p50_ms") * results[top]["route_p50_ms"] / results[1]["route_p50_ms"]
    )
    tile_slow = results[1]["tiles_per_s"] / (results[top]["tiles_per_s"] * (k / top) ** growth(results, "tiles_per_s"))
    route_cap = PROVINCE_ROUTES_PER_S / max(route_slow, 1.0)
    tile_cap = PROVINCE_TILES_UNCACHED_PER_S / max(tile_slow, 1.0)
    sql_cap = PROVINCE_TILE_SQL_CEILING_PER_S / max(tile_slow, 1.0)
    lines = [
        f"Per 2-core app server at national size: routes {route_cap:,.0f}/s (province {PROVINCE_ROUTES_PER_S}/s ÷ "
        f"the route cost's growth {max(route_slow, 1.0):.2f}×), uncached tiles {tile_cap:,.0f}/s (province "
        f"{PROVINCE_TILES_UNCACHED_PER_S}/s ÷ {max(tile_slow, 1.0):.2f}×), cached tiles "
        f"{PROVINCE_TILES_WARM_PER_S:,}/s; per 2-core database replica: tile SQL {sql_cap:,.0f}/s.\n",
        "| requests/s | route app servers | uncached-tile app servers | replicas for uncached tiles | "
        "app servers if 95% of tiles are cache hits |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in (1_000, 10_000, 100_000):
        hits = int(np.ceil(0.95 * n / PROVINCE_TILES_WARM_PER_S + 0.05 * n / tile_cap))
        lines.append(
            f"| {n:,} | {int(np.ceil(n / route_cap)):,} | {int(np.ceil(n / tile_cap)):,} | "
            f"{int(np.ceil(n / sql_cap)):,} | {hits:,} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

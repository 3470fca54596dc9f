"""Every composite tile of the loaded data stays under 500 KB: all tiles z0–z8, 2,000 sampled z9–z16.

Renders the composite tile of every layer (what the map style loads) straight from PostGIS, prints
bytes per tile by zoom (median, maximum, gzipped median) and exits 1 when any tile is 500 KB or more.
The sample is seeded: tile centres are points of randomly chosen road segments, so the sample follows
the data rather than empty countryside.

    .venv/bin/python bench/tile_sizes.py [--sample 2000] [--seed 2017] [--write-results]
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from gis.db import connect, create_db_engine
from gis.settings import load_settings
from layers.catalog import LAYERS
from tiles.matrix import TileAddress, lonlat_to_tile, tiles_covering
from tiles.render import render_layers
from tiles.seed import seed_bounds

LIMIT_BYTES = 500 * 1024


def sample_points(engine: sa.Engine, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """`count` seeded points on road segments (uniform over segments), or over the bounds without roads."""
    with engine.connect() as conn:
        low, high = conn.execute(sa.text("SELECT min(id), max(id) FROM road_segments")).one()
        if low is None:
            return []
        ids = [rng.randint(low, high) for _ in range(count * 2)]
        rows = conn.execute(
            sa.text(
                "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_PointOnSurface(geom) AS p "
                "FROM road_segments WHERE id = ANY(:ids)) s"
            ),
            {"ids": ids},
        ).all()
    by_id = {r[0]: (r[1], r[2]) for r in rows}
    return [by_id[i] for i in ids if i in by_id][:count]


def sample_tiles(engine: sa.Engine, bounds, count: int, zooms: range, seed: int) -> list[TileAddress]:
    """A seeded sample of tiles over `zooms`: centred on road points where there are roads."""
    rng = random.Random(seed)
    points = sample_points(engine, count, rng)
    while len(points) < count:
        points.append((rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])))
    return [lonlat_to_tile(lon, lat, rng.choice(zooms)) for lon, lat in points]


def measure(engine: sa.Engine, tiles: list[TileAddress]) -> dict[int, list[tuple[int, int]]]:
    """(raw bytes, gzipped bytes) of each tile's all-layer composite, by zoom."""
    layers = list(LAYERS.values())
    sizes: dict[int, list[tuple[int, int]]] = {}
    for start in range(0, len(tiles), 100):
        with connect(engine) as conn:
            for tile in tiles[start : start + 100]:
                parts = render_layers(conn, layers, tile, internal=True)  # the largest: what a token holder gets
                data = b"".join(parts[layer.id] for layer in layers)
                sizes.setdefault(tile.z, []).append((len(data), len(gzip.compress(data, 6)) if data else 0))
    return sizes


def report(sizes: dict[int, list[tuple[int, int]]]) -> str:
    """A markdown table of sizes per zoom."""
    lines = [
        "| zoom | tiles | median KB | max KB | median KB gzipped | ≥ 500 KB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for z in sorted(sizes):
        raw = [r for r, _ in sizes[z]]
        zipped = [g for _, g in sizes[z]]
        over = sum(r >= LIMIT_BYTES for r in raw)
        lines.append(
            f"| {z} | {len(raw)} | {statistics.median(raw) / 1024:.1f} | {max(raw) / 1024:.1f} | "
            f"{statistics.median(zipped) / 1024:.1f} | {over} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=2000, help="tiles sampled over z9–z16")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--write-results", action="store_true", help="add a section to bench/RESULTS.md")
    args = parser.parse_args()
    settings = load_settings()
    engine = create_db_engine(settings)
    bounds = seed_bounds(engine, settings, list(LAYERS.values()))
    tiles = [t for z in range(0, 9) for t in tiles_covering(bounds, z)]
    tiles += sample_tiles(engine, bounds, args.sample, range(9, 17), args.seed)
    started = time.monotonic()
    sizes = measure(engine, tiles)
    elapsed = time.monotonic() - started
    table = report(sizes)
    worst = max(r for zs in sizes.values() for r, _ in zs)
    print(table)
    print(f"\n{len(tiles)} tiles in {elapsed:.0f} s; largest {worst / 1024:.1f} KB (limit 500 KB)")
    if args.write_results:
        from bench.common import write_section

        body = (
            f"Database `{engine.url.database}`. All-layer composite tiles over the data's extent "
            f"{tuple(round(b, 3) for b in bounds)}: every tile "
            f"z0–z8 and {args.sample} seeded tiles z9–z16 (seed {args.seed}). Largest: {worst / 1024:.1f} KB.\n\n"
            + table
        )
        write_section("Tile sizes", body, "python bench/tile_sizes.py --write-results")
    engine.dispose()
    return 1 if worst >= LIMIT_BYTES else 0


if __name__ == "__main__":
    sys.exit(main())

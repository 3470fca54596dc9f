"""Seed tiles into an MBTiles or PMTiles file for offline clients (`daoan tiles seed`)."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from gis.db import connect
from gis.settings import Settings
from gis.versions import LayerVersions
from layers.catalog import Layer
from layers.features import LayerStatsCache
from tiles.archives import open_archive
from tiles.matrix import TileAddress, count_covering, tiles_covering
from tiles.metadata import OsmAttribution, data_bounds, tilejson
from tiles.render import render_layers

BATCH = 200  # tiles rendered per transaction


@dataclass(frozen=True)
class SeedReport:
    """What a seeding run wrote."""

    path: Path
    tiles_written: int
    tiles_empty: int
    bytes_written: int


def seed_bounds(engine: sa.Engine, settings: Settings, layers: Sequence[Layer]) -> tuple[float, float, float, float]:
    """The extent of the layers' data (the service area when they are empty)."""
    with connect(engine) as conn:
        stats = LayerStatsCache().get(conn)
    return data_bounds(layers, stats, settings.service_area)


def _tile_order(tiles: list[TileAddress], pmtiles: bool) -> list[TileAddress]:
    if not pmtiles:
        return tiles
    from pmtiles.tile import zxy_to_tileid

    return sorted(tiles, key=lambda t: zxy_to_tileid(t.z, t.x, t.y))


def seed(
    engine: sa.Engine,
    settings: Settings,
    layers: Sequence[Layer],
    zooms: range,
    out: Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    progress: bool = False,
    internal: bool = False,
) -> SeedReport:
    """Render every tile of `layers` over `bbox` at `zooms` into `out` (.mbtiles or .pmtiles); internal
    properties only when `internal` (an archive travels: public by default)."""
    bbox = bbox or seed_bounds(engine, settings, layers)
    total = sum(count_covering(bbox, z) for z in zooms)
    tiles = _tile_order([t for z in zooms for t in tiles_covering(bbox, z)], out.suffix == ".pmtiles")
    archive = open_archive(out)
    written = empty = size = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="tile", desc=f"seeding {out.name}")
    try:
        for start in range(0, len(tiles), BATCH):
            with connect(engine) as conn:
                for tile in tiles[start : start + BATCH]:
                    parts = render_layers(conn, layers, tile, internal=internal)
                    data = b"".join(parts[layer.id] for layer in layers)
                    if data:
                        body = gzip.compress(data, compresslevel=9, mtime=0)
                        archive.add(tile, body)
                        written += 1
                        size += len(body)
                    else:
                        empty += 1
            if bar is not None:
                bar.update(len(tiles[start : start + BATCH]))
        with connect(engine) as conn:
            osm = OsmAttribution().any_osm(conn, layers, LayerVersions.read(conn))
        doc = tilejson(layers, "", bounds=bbox, osm=osm, internal=internal)
        doc.pop("tiles")
        doc["minzoom"], doc["maxzoom"] = zooms.start, zooms.stop - 1
        doc["center"][2] = max(zooms.start, min(doc["center"][2], zooms.stop - 1))
        archive.close(doc)
    finally:
        if bar is not None:
            bar.close()
    return SeedReport(out, written, empty, size)

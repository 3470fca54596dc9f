"""Tile archives for offline clients: MBTiles 1.3 (SQLite) and PMTiles v3."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from tiles.matrix import TileAddress


class TileArchive(Protocol):
    """Somewhere to put gzipped MVT tiles, then metadata."""

    def add(self, tile: TileAddress, gzipped: bytes) -> None: ...

    def close(self, metadata: dict[str, Any]) -> None: ...


class MBTilesArchive:
    """An MBTiles 1.3 file: gzipped MVT, TMS rows (y flipped), metadata with json vector_layers."""

    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        self.db.executescript(
            """
            CREATE TABLE metadata (name text, value text);
            CREATE UNIQUE INDEX name ON metadata (name);
            CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);
            CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
            """
        )

    def add(self, tile: TileAddress, gzipped: bytes) -> None:
        """Store one tile (rows count from the south in MBTiles)."""
        tms_row = (1 << tile.z) - 1 - tile.y
        self.db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (tile.z, tile.x, tms_row, gzipped))

    def close(self, metadata: dict[str, Any]) -> None:
        """Write the metadata table and close the file."""
        bounds, center = metadata["bounds"], metadata["center"]
        rows = {
            "name": metadata["name"],
            "format": "pbf",
            "type": "overlay",
            "version": "1",
            "description": metadata["description"],
            "attribution": metadata["attribution"],
            "bounds": ",".join(f"{v:.6f}" for v in bounds),
            "center": f"{center[0]:.6f},{center[1]:.6f},{center[2]}",
            "minzoom": str(metadata["minzoom"]),
            "maxzoom": str(metadata["maxzoom"]),
            "json": json.dumps({"vector_layers": metadata["vector_layers"]}, ensure_ascii=False),
        }
        self.db.executemany("INSERT INTO metadata VALUES (?, ?)", rows.items())
        self.db.commit()
        self.db.close()


class PMTilesArchive:
    """A PMTiles v3 file (through the pmtiles package); tiles must arrive in tile-id order to cluster."""

    def __init__(self, path: Path) -> None:
        from pmtiles.writer import Writer

        self.file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.writer = Writer(self.file)
        self.count = 0

    def add(self, tile: TileAddress, gzipped: bytes) -> None:
        """Store one tile."""
        from pmtiles.tile import zxy_to_tileid

        self.writer.write_tile(zxy_to_tileid(tile.z, tile.x, tile.y), gzipped)
        self.count += 1

    def close(self, metadata: dict[str, Any]) -> None:
        """Write the header, directories and metadata, and close the file."""
        from pmtiles.tile import Compression, TileType

        try:
            if self.count == 0:
                raise ValueError("no tile had any feature: nothing to write")
            west, south, east, north = metadata["bounds"]
            center = metadata["center"]
            header = {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.GZIP,
                "min_lon_e7": int(west * 1e7),
                "min_lat_e7": int(south * 1e7),
                "max_lon_e7": int(east * 1e7),
                "max_lat_e7": int(north * 1e7),
                "center_zoom": int(center[2]),
                "center_lon_e7": int(center[0] * 1e7),
                "center_lat_e7": int(center[1] * 1e7),
            }
            self.writer.finalize(header, metadata)
        finally:
            self.file.close()


def open_archive(path: Path) -> TileArchive:
    """An archive for `path` by its suffix: .mbtiles or .pmtiles."""
    if path.suffix == ".mbtiles":
        return MBTilesArchive(path)
    if path.suffix == ".pmtiles":
        return PMTilesArchive(path)
    raise ValueError(f"the output must end in .mbtiles or .pmtiles; got {path.name!r}")

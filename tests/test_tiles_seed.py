"""`daoan tiles seed` writes MBTiles 1.3 and PMTiles v3 files that standard readers open."""

from __future__ import annotations

import gzip
import json
import sqlite3

import mapbox_vector_tile
import pytest

from layers.catalog import LAYERS
from tests.conftest import module_data
from tests.test_tiles import HOME, load_tile_data, tile_at
from tiles.seed import seed

BBOX = (112.90, 28.09, 113.00, 28.20)


tile_data = module_data(load_tile_data, name="tile_data")


def test_seed_mbtiles(engine, settings, tmp_path, client):
    out = tmp_path / "daoan.mbtiles"
    layers = [LAYERS["road_segments"], LAYERS["cameras"]]
    report = seed(engine, settings, layers, range(10, 15), out, bbox=BBOX)
    assert report.tiles_written > 0
    db = sqlite3.connect(out)
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    assert meta["format"] == "pbf" and meta["minzoom"] == "10" and meta["maxzoom"] == "14"
    assert [v["id"] for v in json.loads(meta["json"])["vector_layers"]] == ["road_segments", "cameras"]
    west, south, east, north = map(float, meta["bounds"].split(","))
    assert west == pytest.approx(112.90) and north == pytest.approx(28.20)
    assert db.execute("SELECT count(*) FROM tiles").fetchone()[0] == report.tiles_written
    t = tile_at(*HOME, 14)
    tms_row = 2**14 - 1 - t.y
    (blob,) = db.execute(
        "SELECT tile_data FROM tiles WHERE zoom_level = 14 AND tile_column = ? AND tile_row = ?", (t.x, tms_row)
    ).fetchone()
    served = client.get(f"/tiles/road_segments,cameras/14/{t.x}/{t.y}.mvt").data
    assert gzip.decompress(blob) == served
    assert set(mapbox_vector_tile.decode(gzip.decompress(blob))) == {"road_segments", "cameras"}


def test_seed_pmtiles(engine, settings, tmp_path):
    from pmtiles.reader import MmapSource, Reader
    from pmtiles.tile import Compression, TileType

    out = tmp_path / "daoan.pmtiles"
    report = seed(engine, settings, [LAYERS["cameras"]], range(12, 16), out, bbox=BBOX)
    with open(out, "rb") as fh:
        reader = Reader(MmapSource(fh))
        header = reader.header()
        assert header["tile_type"] == TileType.MVT and header["tile_compression"] == Compression.GZIP
        assert header["min_zoom"] == 12 and header["max_zoom"] == 15
        assert header["addressed_tiles_count"] == report.tiles_written
        assert reader.metadata()["vector_layers"][0]["id"] == "cameras"
        t = tile_at(*HOME, 15)
        tile = mapbox_vector_tile.decode(gzip.decompress(reader.get(15, t.x, t.y)))
        assert tile["cameras"]["features"]


def test_seed_command_line(tmp_path, settings):
    from click.testing import CliRunner

    from cli import main

    out = tmp_path / "cli.mbtiles"
    env = {"DAOAN_DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(
        main, ["tiles", "seed", "--layers", "cameras", "--zooms", "13-14", "--bbox", ",".join(map(str, BBOX)),
               "--out", str(out)], env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "tiles" in result.output and out.exists()
    bad = CliRunner().invoke(main, ["tiles", "seed", "--layers", "nope", "--out", str(out)], env=env)
    assert bad.exit_code == 2 and "nope" in bad.output

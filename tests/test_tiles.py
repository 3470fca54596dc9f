"""Vector tiles: layers, ids, property types, extent, validity, winding, tile edges, HTTP semantics."""

from __future__ import annotations

import gzip

import mapbox_vector_tile
import pytest
import sqlalchemy as sa
from shapely.geometry import shape

from tests.conftest import module_data
from tests.netfixture import load_small_network
from tiles.matrix import TileAddress, lonlat_to_tile

MVT = "application/vnd.mapbox-vector-tile"

# Around the tiny network near Changsha (tests/netfixture.py): a county polygon with a hole, a fog
# zone, two incidents (one ended), and a few facilities of other layers.
EXTRA_SQL = """
INSERT INTO admin_areas (adcode, name, level, source, geom) VALUES
 ('430000', '湖南省', 'province', 'test',
  ST_Multi(ST_MakeEnvelope(108.8, 24.6, 114.3, 30.1, 4326))),
 ('430102', '芙蓉区', 'county', 'test',
  ST_Multi(ST_MakePolygon(
    ST_ExteriorRing(ST_MakeEnvelope(112.90, 28.05, 113.00, 28.20, 4326)),
    ARRAY[ST_ExteriorRing(ST_MakeEnvelope(112.96, 28.12, 112.98, 28.14, 4326))])));
INSERT INTO hazard_zones (name, kind, severity, active, route_code, geom) VALUES
 ('团头湖雾区', 'fog', 3, true, 'G107', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(112.95, 28.15), 4326), 0.01)));
INSERT INTO incidents (kind, effect, direction, route_code, description, created_by, updated_by, geom, ended_at)
VALUES ('accident', 'closed', 'both', 'G107', '事故封闭', 'test', 'test',
        ST_SetSRID(ST_MakeLine(ST_MakePoint(112.95, 28.11), ST_MakePoint(112.95, 28.12)), 4326), NULL),
       ('works', 'closed', 'both', 'G107', '已结束', 'test', 'test',
        ST_SetSRID(ST_MakePoint(112.95, 28.13), 4326), now());
INSERT INTO incidents (kind, effect, direction, route_code, description, created_by, updated_by, geom, starts_at,
                       ends_at)
VALUES ('works', 'closed', 'both', 'G107', '已到期', 'test', 'test', ST_SetSRID(ST_MakePoint(112.951, 28.13), 4326),
        now() - interval '2 hours', now() - interval '1 hour'),
       ('works', 'closed', 'both', 'G107', '计划施工', 'test', 'test', ST_SetSRID(ST_MakePoint(112.952, 28.13), 4326),
        now() + interval '1 hour', now() + interval '2 hours');
INSERT INTO weather_stations (name, kind, station_code, alt_m, geom)
VALUES ('长沙北能见度站', 'visibility', 'HN001', 52.5, ST_SetSRID(ST_MakePoint(112.951, 28.146), 4326));
INSERT INTO enforcement_stations (name, geom)
VALUES ('G107执法站', ST_SetSRID(ST_MakePoint(112.952, 28.16), 4326));
"""

HOME = (112.95, 28.145)  # on G107 where S20 crosses it


def load_tile_data(engine: sa.Engine) -> None:
    """The tiny network plus polygons, incidents and facilities for tile tests."""
    load_small_network(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(EXTRA_SQL))
        conn.execute(sa.text("ANALYZE"))


tile_data = module_data(load_tile_data, name="tile_data")


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def tile_at(lon: float, lat: float, z: int) -> TileAddress:
    return lonlat_to_tile(lon, lat, z)


def get_tile(client, layers: str, t: TileAddress, **headers):
    return client.get(f"/tiles/{layers}/{t.z}/{t.x}/{t.y}.mvt", headers=headers)


def test_single_layer_tile_has_one_mvt_layer_with_row_ids(client, engine):
    t = tile_at(*HOME, 14)
    resp = get_tile(client, "cameras", t)
    assert resp.status_code == 200 and resp.mimetype == MVT
    layers = decode(resp.data)
    assert list(layers) == ["cameras"]
    layer = layers["cameras"]
    assert layer["extent"] == 4096 and layer["version"] == 2
    with engine.connect() as conn:
        expected = set(
            conn.execute(
                sa.text("SELECT id FROM cameras WHERE geom_3857 && ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096)"),
                {"z": t.z, "x": t.x, "y": t.y},
            ).scalars()
        )
    assert expected and {f["id"] for f in layer["features"]} == expected


def test_composite_tile_has_one_layer_per_id_in_order(client):
    t = tile_at(*HOME, 14)
    layers = decode(get_tile(client, "road_segments,cameras,weather_stations,admin_areas", t).data)
    assert list(layers) == ["road_segments", "cameras", "weather_stations", "admin_areas"]


def test_repeated_layer_ids_give_unique_layer_names(client):
    t = tile_at(*HOME, 14)
    assert list(decode(get_tile(client, "cameras,cameras", t).data)) == ["cameras"]


def test_property_types_are_kept(client):
    t = tile_at(*HOME, 14)
    layers = decode(get_tile(client, "road_segments,cameras,weather_stations", t).data)
    layers.update(decode(get_tile(client, "incidents", tile_at(112.95, 28.115, 14)).data))
    road = next(f for f in layers["road_segments"]["features"] if f["properties"]["route_code"] == "G107")
    assert road["properties"]["road_class"] == "national"
    assert road["properties"]["oneway"] is False
    camera = layers["cameras"]["features"][0]["properties"]
    assert isinstance(camera["install_year"], int) and not isinstance(camera["install_year"], bool)
    station = layers["weather_stations"]["features"][0]["properties"]
    assert station["alt_m"] == pytest.approx(52.5) and isinstance(station["alt_m"], float)
    incident = layers["incidents"]["features"][0]["properties"]
    assert isinstance(incident["starts_at"], str) and "T" in incident["starts_at"]


def test_geometries_are_valid_and_polygon_rings_wound_per_mvt_2_1(client):
    t = tile_at(112.95, 28.13, 12)
    layers = decode(get_tile(client, "admin_areas,hazard_zones,road_segments", t).data)
    rings_checked = 0
    for name in ("admin_areas", "hazard_zones"):
        for feature in layers[name]["features"]:
            geom = shape(feature["geometry"])
            assert geom.is_valid, (name, feature["id"])
            polygons = getattr(geom, "geoms", [geom])
            for polygon in polygons:
                # In tile coordinates (y down) exterior rings have positive area, holes negative.
                assert _signed_area(polygon.exterior.coords) > 0
                for hole in polygon.interiors:
                    assert _signed_area(hole.coords) < 0
                    rings_checked += 1
    assert rings_checked >= 1  # the county's hole was checked
    for feature in layers["road_segments"]["features"]:
        assert shape(feature["geometry"]).is_valid


def _signed_area(coords) -> float:
    pts = list(coords)
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False)) / 2


def test_coordinates_stay_within_extent_plus_buffer(client):
    t = tile_at(*HOME, 13)
    layers = decode(get_tile(client, "road_segments,admin_areas", t).data)
    for layer in layers.values():
        for feature in layer["features"]:
            minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
            assert min(minx, miny) >= -64 and max(maxx, maxy) <= 4096 + 64


def test_feature_crossing_a_tile_edge_appears_in_both_tiles(client):
    from tiles.matrix import TileAddress

    north = tile_at(112.95, 28.15, 14)
    south = TileAddress(14, north.x, north.y + 1)
    edge_lat = south.bounds_lonlat()[3]
    assert 28.10 < edge_lat < 28.19  # G107 spans the edge between the two tiles
    ids_north = {f["id"] for f in decode(get_tile(client, "road_segments", north).data)["road_segments"]["features"]}
    ids_south = {f["id"] for f in decode(get_tile(client, "road_segments", south).data)["road_segments"]["features"]}
    crossing = ids_north & ids_south
    assert crossing, "the G107 segment over the edge is in both tiles"


def test_only_incidents_in_force_are_drawn(client):
    """Ended, expired (ends_at passed) and scheduled (starts_at ahead) incidents are not drawn."""
    t = tile_at(112.95, 28.12, 12)
    features = decode(get_tile(client, "incidents", t).data)["incidents"]["features"]
    assert [f["properties"]["description"] for f in features] == ["事故封闭"]


def test_road_classes_appear_by_zoom(client):
    # S20 (expressway) shows at z6; G107 (national) only from z7.
    z6 = decode(get_tile(client, "road_segments", tile_at(*HOME, 6)).data)["road_segments"]["features"]
    assert {f["properties"]["road_class"] for f in z6} == {"expressway"}
    z7 = decode(get_tile(client, "road_segments", tile_at(*HOME, 7)).data)["road_segments"]["features"]
    assert {f["properties"]["road_class"] for f in z7} == {"expressway", "national"}


def test_points_are_clustered_at_low_zoom_with_counts(client):
    t = tile_at(*HOME, 10)
    features = decode(get_tile(client, "cameras", t).data)["cameras"]["features"]
    assert 1 <= len(features) < 250
    assert sum(f["properties"]["point_count"] for f in features) == 250
    single = decode(get_tile(client, "cameras", tile_at(*HOME, 16)).data)["cameras"]["features"]
    assert all("point_count" not in f["properties"] for f in single)


def test_layer_below_its_minzoom_is_empty(client):
    assert get_tile(client, "cameras", tile_at(*HOME, 7)).status_code == 204


def test_empty_tile_is_204(client):
    resp = client.get("/tiles/cameras/14/0/0.mvt")
    assert resp.status_code == 204 and not resp.data
    assert "max-age" in resp.headers["Cache-Control"]


def test_etag_and_304(client):
    t = tile_at(*HOME, 14)
    first = get_tile(client, "cameras", t)
    etag = first.headers["ETag"]
    again = get_tile(client, "cameras", t, **{"If-None-Match": etag})
    assert again.status_code == 304 and not again.data and again.headers["ETag"] == etag


def test_gzip_when_accepted(client):
    t = tile_at(*HOME, 14)
    plain = get_tile(client, "road_segments,cameras", t)
    zipped = get_tile(client, "road_segments,cameras", t, **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Encoding" in zipped.headers["Vary"]


def test_cache_control_is_short_for_live_layers(client):
    t = tile_at(112.95, 28.12, 12)
    live = get_tile(client, "incidents", t).headers["Cache-Control"]
    static = get_tile(client, "road_segments", t).headers["Cache-Control"]
    assert live == "public, max-age=5"
    assert int(static.rsplit("=", 1)[1]) >= 60


@pytest.mark.parametrize(
    "path", ["/tiles/cameras/a/1/1.mvt", "/tiles/cameras/14/1.5/1.mvt", "/tiles/cameras/1/1/x.mvt"]
)
def test_non_integer_tile_address_is_400(client, path):
    resp = client.get(path)
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/tiles/cameras/23/0/0.mvt", "/tiles/cameras/2/4/0.mvt", "/tiles/cameras/2/0/-1.mvt"])
def test_tile_outside_the_matrix_is_404(client, path):
    resp = client.get(path)
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_unknown_layer_is_404_naming_the_valid_ones(client):
    resp = client.get("/tiles/cameras,nope/10/1/1.mvt")
    body = resp.get_json(force=True)
    assert resp.status_code == 404 and "nope" in body["detail"] and "road_segments" in body["detail"]


def test_tiles_handle_concurrent_requests(app):
    from concurrent.futures import ThreadPoolExecutor

    tiles = [tile_at(112.95 + dx * 0.01, 28.12 + dy * 0.01, 15) for dx in range(3) for dy in range(3)]

    def fetch(t):
        with app.test_client() as c:
            return get_tile(c, "road_segments,cameras", t).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(fetch, tiles * 2)) <= {200, 204}


def test_the_fast_path_answers_as_flask_does(app, client):
    fast = app.wsgi_app
    t = tile_at(112.953, 28.147, 15)
    headers = {"Accept-Encoding": "gzip"}
    served = fast.served
    # The OGC path is answered by Flask; the XYZ path by the WSGI shortcut, rendered then cached.
    flask = client.get(f"/collections/road_segments/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}", headers=headers)
    assert fast.served == served
    rendered = get_tile(client, "road_segments", t, **headers)
    cached = get_tile(client, "road_segments", t, **headers)
    assert fast.served == served + 2
    assert flask.status_code == rendered.status_code == cached.status_code == 200
    assert flask.data == rendered.data == cached.data
    for name in ("ETag", "Cache-Control", "Content-Encoding", "Content-Type", "Vary", "Access-Control-Allow-Origin"):
        assert rendered.headers[name] == flask.headers[name] == cached.headers[name], name
    third = get_tile(client, "road_segments", t, **{"If-None-Match": flask.headers["ETag"], **headers})
    assert third.status_code == 304 and fast.served == served + 3


def test_errors_never_take_the_fast_path(app, client):
    fast = app.wsgi_app
    served = fast.served
    assert client.get("/tiles/cameras,nope/14/1/1.mvt").status_code == 404
    assert client.get("/tiles/cameras/23/1/1.mvt").status_code == 404
    assert fast.served == served


@pytest.mark.parametrize(
    ("header", "expected"),
    [("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True), ("gzip;q=0", False), ("identity", False),
     ("", False), ("*", True), ("gzip;q=x", True)],
)  # fmt: skip
def test_accept_encoding_parsing(header, expected):
    from tiles.responses import accepts_gzip

    assert accepts_gzip(header) is expected


def test_if_none_match_parsing():
    from tiles.responses import etag_matches

    assert etag_matches('"abc", "def"', "def") and etag_matches('W/"abc"', "abc") and etag_matches("*", "x")
    assert not etag_matches('"abcd"', "abc")

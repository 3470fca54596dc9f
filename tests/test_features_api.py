"""OGC API – Features: landing, conformance, collections, items paging, filters, errors, CRS."""

from __future__ import annotations

import pytest

from gis.chinacrs import wgs84_to_gcj02
from tests.conftest import module_data
from tests.netfixture import load_small_network

network = module_data(load_small_network, name="network")


def test_landing_page_links_to_api_conformance_and_data(client):
    body = client.get("/").get_json()
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels


def test_browsers_asking_for_the_landing_page_get_the_map(client):
    resp = client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/map")
    assert client.get("/?f=json", headers={"Accept": "text/html"}).mimetype == "application/json"


def test_conformance_declares_features_core_and_geojson(client):
    classes = client.get("/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes


def test_collections_list_every_layer_with_counts(client):
    from layers.catalog import LAYERS

    body = client.get("/collections").get_json()
    by_id = {c["id"]: c for c in body["collections"]}
    assert set(by_id) == set(LAYERS)
    assert by_id["cameras"]["count"] == 250
    assert by_id["road_segments"]["count"] == 11
    minx, miny, maxx, maxy = by_id["road_segments"]["extent"]["spatial"]["bbox"][0]
    assert minx == pytest.approx(112.90) and maxx == pytest.approx(113.00)


def test_collection_counts_follow_writes(client, engine):
    import sqlalchemy as sa

    assert client.get("/collections/hazard_zones").get_json()["count"] == 0
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO hazard_zones (kind, geom) VALUES ('fog', "
                "ST_Multi(ST_MakeEnvelope(112.9, 28.1, 113.0, 28.2, 4326)))"
            )
        )
    assert client.get("/collections/hazard_zones").get_json()["count"] == 1


def test_items_are_rfc7946_features_with_integer_ids(client):
    resp = client.get("/collections/cameras/items?limit=5")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    body = resp.get_json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 5 and body["numberMatched"] == 250
    feature = body["features"][0]
    assert isinstance(feature["id"], int) and feature["geometry"]["type"] == "Point"
    assert feature["properties"]["route_code"] == "G107"
    assert feature["properties"]["stake"].startswith("K150")


def test_paging_follows_next_links_through_every_feature(client):
    seen, url = [], "/collections/cameras/items?limit=100"
    while url:
        body = client.get(url).get_json()
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert sorted(seen) == list(range(1, 251)) and len(seen) == len(set(seen))


def test_limit_above_maximum_is_clamped(client):
    body = client.get("/collections/cameras/items?limit=50000").get_json()
    assert body["numberReturned"] == 250
    assert "limit=10000" in body["links"][0]["href"]


def test_bbox_filters_features(client):
    body = client.get("/collections/cameras/items?bbox=112.94,28.10,112.96,28.14&limit=1000").get_json()
    assert 0 < body["numberMatched"] < 250
    assert all(28.10 <= f["geometry"]["coordinates"][1] <= 28.14 for f in body["features"])


def test_equality_filter_on_declared_property(client):
    body = client.get("/collections/cameras/items?kind=speed&limit=1000").get_json()
    assert body["numberMatched"] == 125
    assert {f["properties"]["kind"] for f in body["features"]} == {"speed"}
    body = client.get("/collections/cameras/items?install_year=2016&limit=1000").get_json()
    assert {f["properties"]["install_year"] for f in body["features"]} == {2016}


def test_a_filter_value_with_a_newline_is_only_a_value(client):
    # The SQL files document their placeholders in comments; a bound value substituted into a comment
    # would end it at the newline and run the rest as SQL (found by the fuzzer).
    for value in ["x\n", "x\n) OR (1=1", "x'\n; SELECT pg_sleep(0) --"]:
        response = client.get("/collections/cameras/items", query_string={"name": value, "limit": 5})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["numberMatched"] == 0


@pytest.mark.parametrize(
    ("query", "parameter", "fragment"),
    [
        ("bbox=112,28,abc,29", "bbox", '"112,28,abc,29"'),
        ("bbox=113,28,112,29", "bbox", "minimum exceeds maximum"),
        ("bbox=1,2,3", "bbox", "minx,miny,maxx,maxy"),
        ("limit=ten", "limit", '"ten"'),
        ("limit=0", "limit", "at least 1"),
        ("offset=-1", "offset", "at least 0"),
        ("kind=laser", "kind", "video, event_detection, checkpoint, speed"),
        ("install_year=soon", "install_year", '"soon"'),
        ("colour=red", "colour", "filterable properties"),
        ("crs=utm", "crs", "wgs84, gcj02, bd09"),
    ],
)
def test_bad_items_parameters_are_400_problems_naming_the_value(client, query, parameter, fragment):
    resp = client.get(f"/collections/cameras/items?{query}")
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["parameter"] == parameter and fragment in body["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)


def test_unknown_collection_is_404_naming_known_layers(client):
    resp = client.get("/collections/speedtraps/items")
    assert resp.status_code == 404 and "cameras" in resp.get_json()["detail"]


def test_single_item_and_missing_item(client):
    body = client.get("/collections/cameras/items/7").get_json()
    assert body["id"] == 7 and body["type"] == "Feature"
    assert client.get("/collections/cameras/items/99999").status_code == 404
    assert client.get("/collections/cameras/items/x1").status_code == 404


def test_output_in_gcj02_is_offset_like_amap(client):
    plain = client.get("/collections/cameras/items/3").get_json()["geometry"]["coordinates"]
    gcj = client.get("/collections/cameras/items/3?crs=gcj02").get_json()["geometry"]["coordinates"]
    expected = wgs84_to_gcj02(plain[0], plain[1])
    assert gcj[0] == pytest.approx(float(expected[0]), abs=1e-6)
    assert gcj[1] == pytest.approx(float(expected[1]), abs=1e-6)
    assert 0.004 < gcj[0] - plain[0] < 0.007


def test_etag_and_not_modified(client):
    resp = client.get("/collections/cameras/items?limit=3")
    etag = resp.headers["ETag"]
    again = client.get("/collections/cameras/items?limit=3", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_links_honour_forwarded_headers(client):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gis.example.cn", "X-Forwarded-Prefix": "/daoan"}
    body = client.get("/collections/cameras/items?limit=10", headers=headers).get_json()
    assert body["links"][0]["href"].startswith("https://gis.example.cn/daoan/collections/cameras/items")


def test_openapi_describes_every_collection(client):
    from layers.catalog import LAYERS

    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for layer_id in LAYERS:
        assert f"/collections/{layer_id}/items" in doc["paths"]


def test_unknown_path_is_problem_json(client):
    resp = client.get("/no/such/thing")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_versions_change_when_a_live_layer_is_written(client, engine):
    import sqlalchemy as sa

    first = client.get("/versions")
    assert first.status_code == 200
    assert client.get("/versions", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE hazard_zones SET active = NOT active"))
    second = client.get("/versions", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.get_json()["hazard_zones"] > first.get_json()["hazard_zones"]

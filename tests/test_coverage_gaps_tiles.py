"""The coverage_gaps tile layer: the stored camera gaps in tiles, TileJSON and the features API, kept
current when a camera is imported (no restart, no explicit refresh call)."""

from __future__ import annotations

import json
import time

import mapbox_vector_tile
import pytest
import sqlalchemy as sa

from gis.root import root_of
from planning.gapstore import ID_BASE, refresh_coverage_gaps
from tests.conftest import auth, module_data
from tests.test_coverage_fixtures import _lon, build_coverage_network
from tiles.matrix import lonlat_to_tile

network = module_data(build_coverage_network, name="network")

# Every road of the coverage network (K0–K60 at 112.0–112.6°E, 27.50–27.70°N) lies in this z8 tile.
TILE = lonlat_to_tile(112.3, 27.6, 8)
URL = f"/tiles/coverage_gaps/{TILE.z}/{TILE.x}/{TILE.y}.mvt"


def gap_features(client, url: str = URL) -> dict[int, dict]:
    """Feature id → properties of the coverage_gaps layer of the tile at `url`."""
    resp = client.get(url)
    assert resp.status_code in (200, 204), resp.data
    if resp.status_code == 204:
        return {}
    layer = mapbox_vector_tile.decode(resp.data)["coverage_gaps"]
    return {f["id"]: f["properties"] for f in layer["features"]}


def spans(features: dict[int, dict], *, year: int, route: str, direction: str) -> list[tuple[str, str]]:
    return sorted(
        (p["from_stake"], p["to_stake"])
        for p in features.values()
        if p["year"] == year and p["route_code"] == route and p["direction"] == direction
    )


def wait_for_versions(app) -> None:
    """A worker trusts its copy of the layer versions for at most tile_version_ttl_s."""
    time.sleep(root_of(app).settings.tile_version_ttl_s + 0.05)


def test_tile_holds_every_gap_of_every_year_with_its_properties(client):
    features = gap_features(client)
    # 2019: one camera every 2 km on expressways: K13–K19 on the up carriageway (no camera at K15, K17),
    # the whole down carriageway (no camera at all); every 10 km on national and provincial roads.
    assert spans(features, year=2019, route="G60", direction="up") == [("K13+000", "K19+000")]
    assert spans(features, year=2019, route="G60", direction="down") == [("K0+000", "K40+000")]
    assert spans(features, year=2019, route="G107", direction="both") == [
        ("K12+000", "K40+000"),
        ("K40+000", "K60+000"),
    ]
    assert spans(features, year=2019, route="S312", direction="both") == [("K0+000", "K20+000")]
    # 2017 (one per 40 km) has no gap on these roads; 2018 (one per 20 km): G107 K12–K40 only.
    assert {p["year"] for p in features.values()} == {2018, 2019}
    assert spans(features, year=2018, route="G107", direction="both") == [("K12+000", "K40+000")]
    fid, up = next((i, p) for i, p in features.items() if p["year"] == 2019 and p["direction"] == "up")
    assert fid // ID_BASE == 2019
    assert up == {
        "kind": "camera",
        "year": 2019,
        "newest_year": True,
        "route_code": "G60",
        "roads": "expressway",
        "direction": "up",
        "from_stake": "K13+000",
        "to_stake": "K19+000",
        "from_stake_m": 13000.0,
        "to_stake_m": 19000.0,
        "length_m": 6000.0,
        "spacing_m": 2000.0,
        "cameras_needed": 2,
        "county_adcode": "430121",
        "city_adcode": "430100",
    }
    assert not any(p["newest_year"] for p in features.values() if p["year"] == 2018)


def test_tile_ids_are_the_year_and_the_ids_of_coverage_gaps_geojson(client):
    features = gap_features(client)
    for year in (2018, 2019):
        geojson = client.get(f"/coverage/gaps?kind=camera&year={year}").get_json()
        expected = {year * ID_BASE + f["id"]: f["properties"] for f in geojson["features"]}
        got = {i: p for i, p in features.items() if p["year"] == year}
        assert set(got) == set(expected)
        for i, props in got.items():
            assert (props["from_stake"], props["to_stake"], props["cameras_needed"]) == (
                expected[i]["from_stake"],
                expected[i]["to_stake"],
                expected[i]["cameras_needed"],
            )


def test_imported_camera_splits_the_gap_in_the_next_tile(app, client, engine):
    before = gap_features(client)
    assert spans(before, year=2019, route="G60", direction="up") == [("K13+000", "K19+000")]
    # A camera at K16 on the up carriageway, through the admin import endpoint.
    body = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [_lon(16), 27.4999]},
                "properties": {"name": "G60 K16 新增", "kind": "video"},
            }
        ],
    }
    resp = client.post("/imports/cameras", data=json.dumps(body), content_type="application/geo+json", headers=auth())
    assert resp.status_code == 201, resp.get_json()
    wait_for_versions(app)
    after = gap_features(client)
    assert spans(after, year=2019, route="G60", direction="up") == [("K13+000", "K16+000"), ("K16+000", "K19+000")]
    assert spans(after, year=2019, route="G60", direction="down") == [("K0+000", "K40+000")]
    cameras_needed = sorted(p["cameras_needed"] for p in after.values() if p["year"] == 2019 and p["direction"] == "up")
    assert cameras_needed == [1, 1]
    # The features API serves the same rows at once.
    items = client.get("/collections/coverage_gaps/items?year=2019&route_code=G60&direction=up").get_json()
    assert sorted(f["properties"]["from_stake"] for f in items["features"]) == ["K13+000", "K16+000"]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM cameras WHERE name = 'G60 K16 新增'"))
    wait_for_versions(app)
    assert spans(gap_features(client), year=2019, route="G60", direction="up") == [("K13+000", "K19+000")]


def test_unchanged_sources_leave_the_stored_gaps_alone(client, engine):
    gap_features(client)
    assert not refresh_coverage_gaps(engine).refreshed
    forced = refresh_coverage_gaps(engine, force=True)
    assert forced.refreshed and forced.years == (2017, 2018, 2019) and forced.gaps == 6


def test_an_emptied_gaps_table_is_rebuilt_on_the_next_read(app, client, engine):
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM coverage_gaps"))
    wait_for_versions(app)
    assert len(gap_features(client)) == 6


def test_ogc_tile_and_below_minzoom(client):
    ogc = client.get(f"/collections/coverage_gaps/tiles/WebMercatorQuad/{TILE.z}/{TILE.y}/{TILE.x}")
    assert ogc.status_code == 200 and ogc.data == client.get(URL).data
    low = lonlat_to_tile(112.3, 27.6, 4)
    assert client.get(f"/tiles/coverage_gaps/{low.z}/{low.x}/{low.y}.mvt").status_code == 204


def test_tilejson_and_style_list_the_layer(client):
    doc = client.get("/tiles/coverage_gaps.json").get_json()
    (layer,) = doc["vector_layers"]
    assert layer["id"] == "coverage_gaps" and layer["minzoom"] == 5
    fields = layer["fields"]
    assert (fields["year"], fields["newest_year"], fields["from_stake"], fields["length_m"]) == (
        "Number",
        "Boolean",
        "String",
        "Number",
    )
    composite = client.get("/tiles/road_segments,coverage_gaps,incidents.json").get_json()
    assert [v["id"] for v in composite["vector_layers"]] == ["road_segments", "coverage_gaps", "incidents"]
    style = client.get("/styles/daoan.json").get_json()
    ids = [s["id"] for s in style["layers"]]
    assert ids.index("coverage-gaps") < ids.index("incident-lines")


def test_items_filter_by_year_and_county(client):
    body = client.get("/collections/coverage_gaps/items?year=2018").get_json()
    assert body["numberMatched"] == 1
    (feature,) = body["features"]
    assert feature["geometry"]["type"] == "MultiLineString"
    assert feature["properties"]["route_code"] == "G107"
    county = client.get("/collections/coverage_gaps/items?year=2019&county_adcode=431322").get_json()
    assert [f["properties"]["route_code"] for f in county["features"]] == ["S312"]
    collection = client.get("/collections/coverage_gaps").get_json()
    assert collection["count"] == 6 and collection["geometryType"] == "MultiLineString"


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("year=2030", 422, "valid years: 2017, 2018, 2019"),
        ("year=abc", 400, "year must be an integer"),
        ("direction=sideways", 400, "direction must be one of"),
    ],
)
def test_bad_items_filters_are_problems_naming_the_fix(client, query, status, fragment):
    resp = client.get(f"/collections/coverage_gaps/items?{query}")
    assert resp.status_code == status and resp.mimetype == "application/problem+json"
    assert fragment in resp.get_json()["detail"]


def test_cli_refresh_reports_what_it_did(settings, monkeypatch, engine):
    from click.testing import CliRunner

    import cli

    runner = CliRunner()
    result = runner.invoke(cli.main, ["coverage", "refresh", "--force"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "6 gaps stored for years 2017, 2018, 2019" in result.output
    result = runner.invoke(cli.main, ["coverage", "refresh"], obj=settings)
    assert result.exit_code == 0 and "current" in result.output


def test_cache_off_tiles_are_refreshed_too(settings, engine):
    """With the tile cache off no version keys a cache, yet derived layers are still brought up to date."""
    from dataclasses import replace

    from app import create_app

    app = create_app(replace(settings, tile_cache_bytes=0))
    try:
        client = app.test_client()
        assert spans(gap_features(client), year=2019, route="G60", direction="up") == [("K13+000", "K19+000")]
        camera = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [_lon(16), 27.4999]},
            "properties": {"name": "G60 K16 cache off", "kind": "video"},
        }
        body = json.dumps({"type": "FeatureCollection", "features": [camera]})
        resp = client.post("/imports/cameras", data=body, content_type="application/geo+json", headers=auth())
        assert resp.status_code == 201, resp.get_json()
        wait_for_versions(app)
        after = spans(gap_features(client), year=2019, route="G60", direction="up")
        assert after == [("K13+000", "K16+000"), ("K16+000", "K19+000")]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM cameras WHERE name = 'G60 K16 cache off'"))
        root_of(app).tiles.close()


def test_a_network_with_no_gaps_stores_none_and_logs_no_error(engine, caplog):
    """Last in the module (it empties the tables): no roads, no gaps, a refresh that succeeds."""
    from tests.conftest import truncate_all

    truncate_all(engine)
    with caplog.at_level("ERROR"):
        report = refresh_coverage_gaps(engine, force=True)
    assert report.refreshed and report.gaps == 0 and not caplog.records
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM coverage_gaps")).scalar() == 0

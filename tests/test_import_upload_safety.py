"""Uploads are checked by their real format before GDAL sees them: no local file or URL is ever read."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from gis.errors import InvalidParameter
from layers.ingest.facilities import import_facilities
from tests.conftest import auth
from tests.test_import_facilities import north_of, road_db, snapshot, write_ogr

__all__ = ["road_db"]  # the fixture, imported for this module's tests

SECRET = "s3cr3t-marker-7f1e"


def vrt(tmp_path: Path) -> bytes:
    """A GDAL VRT that, opened by GDAL, reads a local CSV holding SECRET (as /etc/passwd would be)."""
    secret = tmp_path / "secret.csv"
    secret.write_text(f"lon,lat,kind\n112.95,28.2,{SECRET}\n")
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="secret"><SrcDataSource>CSV:{secret}</SrcDataSource>'
        '<GeometryType>wkbPoint</GeometryType><GeometryField encoding="PointFromColumns" x="lon" y="lat"/>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def refused(engine: sa.Engine, settings, path: Path, match: str) -> None:
    before = snapshot(engine)
    with pytest.raises(InvalidParameter, match=match) as excinfo:
        import_facilities(engine, settings, "cameras", path)
    assert SECRET not in excinfo.value.detail and "/etc/" not in excinfo.value.detail
    assert path.name in excinfo.value.detail
    assert snapshot(engine) == before


def test_a_vrt_named_gpkg_is_refused_by_its_header(road_db, settings, tmp_path):
    path = tmp_path / "cams.gpkg"
    path.write_bytes(vrt(tmp_path))
    refused(road_db, settings, path, r"cams\.gpkg cannot be read as a GeoPackage: expected an SQLite file.*VRT")


def test_a_vrt_in_a_zip_is_refused(road_db, settings, tmp_path):
    path = zipped(tmp_path / "cams.zip", {"cams.vrt": vrt(tmp_path)})
    refused(road_db, settings, path, r"member 'cams\.vrt' is not part of a Shapefile")


def test_a_geojson_in_a_zip_is_refused(road_db, settings, tmp_path):
    path = zipped(tmp_path / "cams.zip", {"cams.geojson": vrt(tmp_path)})
    refused(road_db, settings, path, r"member 'cams\.geojson' is not part of a Shapefile")


def test_a_vrt_named_shp_in_a_zip_is_refused(road_db, settings, tmp_path):
    data = vrt(tmp_path)
    path = zipped(tmp_path / "cams.zip", {"cams.shp": data, "cams.shx": data, "cams.dbf": data})
    refused(road_db, settings, path, r"cams\.shp is not a Shapefile part: expected a Shapefile \.shp header")


def test_a_zip_member_with_a_path_outside_the_archive_is_refused(road_db, settings, tmp_path):
    shp = write_ogr(tmp_path / "cams.shp", [north_of(112.91, 28.2, -8)], {"kind": ["video"]}, driver="ESRI Shapefile")
    members = {f"../x{p.suffix}": p.read_bytes() for p in tmp_path.glob("cams.*")}
    assert shp.exists()
    path = zipped(tmp_path / "evil.zip", members)
    refused(road_db, settings, path, r"member '\.\./x\.[a-z]+' lies outside the archive")
    assert not (tmp_path.parent / "x.shp").exists()


def test_a_geojson_that_is_a_vrt_is_refused(road_db, settings, tmp_path):
    path = tmp_path / "cams.geojson"
    path.write_bytes(vrt(tmp_path))
    refused(road_db, settings, path, r"cams\.geojson is not valid JSON")


def test_an_sqlite_file_that_is_no_geopackage_is_refused(road_db, settings, tmp_path):
    import sqlite3

    path = tmp_path / "plain.gpkg"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    refused(
        road_db, settings, path, r"plain\.gpkg cannot be read as a GeoPackage.*SQLite database that is no GeoPackage"
    )


def test_a_shapefile_zipped_in_a_folder_still_imports(road_db, settings, tmp_path):
    write_ogr(tmp_path / "cams.shp", [north_of(112.91, 28.2, -8)], {"kind": ["video"]}, driver="ESRI Shapefile")
    members = {f"export/cams{p.suffix}": p.read_bytes() for p in tmp_path.glob("cams.*")}
    path = zipped(tmp_path / "cams.zip", members)

    report = import_facilities(road_db, settings, "cameras", path)

    assert report.rows_inserted == 1


def test_gdal_drivers_that_follow_a_files_references_are_not_registered():
    """In a fresh process, as the server and the CLI load the import code."""
    code = "import json, layers.ingest.readers, pyogrio; print(json.dumps(sorted(pyogrio.list_drivers())))"
    env = {k: v for k, v in os.environ.items() if k != "GDAL_SKIP"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    drivers = set(json.loads(out.stdout))
    assert {"GPKG", "ESRI Shapefile"} <= drivers
    assert not {"OGR_VRT", "SQLite", "CSV", "GeoJSON", "WFS", "OAPIF"} & drivers
    assert "Warning" not in out.stderr


def test_http_upload_of_a_vrt_as_gpkg_is_400_naming_the_file(client, road_db, tmp_path):
    resp = client.post(
        "/imports/cameras",
        data={"file": (io.BytesIO(vrt(tmp_path)), "cams.gpkg")},
        content_type="multipart/form-data",
        headers=auth(),
    )

    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert "cams.gpkg" in body and "GeoPackage" in body and SECRET not in body

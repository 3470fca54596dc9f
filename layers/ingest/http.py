"""HTTP imports: an admin uploads a facility file; the same importer as `daoan import facilities`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Flask, Response, request
from werkzeug.utils import secure_filename

from gis.errors import InvalidParameter
from gis.params import number
from gis.root import Root, current_root
from gis.web import json_response, require_role, settings
from layers.ingest.facilities import ImportReport, import_facilities, importable_layer
from layers.ingest.records import parse_map
from layers.ingest.registry import import_registry

bp = Blueprint("imports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMATS = {
    "application/geo+json": ".geojson",
    "application/json": ".geojson",
    "text/csv": ".csv",
    "application/geopackage+sqlite3": ".gpkg",
    "application/zip": ".zip",
    XLSX: ".xlsx",
}
_SUFFIXES = (".geojson", ".json", ".csv", ".xlsx", ".gpkg", ".zip")
_ROAD_FORMATS = {
    "application/geo+json": ".geojson",
    "application/json": ".geojson",
    "application/geopackage+sqlite3": ".gpkg",
    "application/zip": ".zip",
    "application/flatgeobuf": ".fgb",
}
_ROAD_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".fgb")


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidParameter(f'{name} must be true or false; got "{request.args[name]}"', parameter=name)
    return value in ("true", "1")


def _upload(formats: dict[str, str] = _FORMATS, suffixes: tuple[str, ...] = _SUFFIXES) -> tuple[bytes, str]:
    """The uploaded bytes and a safe file name carrying the format's suffix."""
    upload = request.files.get("file")
    if upload is not None:
        suffix = Path(upload.filename or "").suffix.lower()
        if suffix not in suffixes:
            raise InvalidParameter(
                f"file {upload.filename!r}: use one of {', '.join(suffixes)} (Shapefiles zipped)", parameter="file"
            )
        name = secure_filename(upload.filename or "")
        return upload.read(), name if name.lower().endswith(suffix) else f"upload{suffix}"
    mimetype = request.mimetype
    if mimetype not in formats:
        raise InvalidParameter(
            f"Content-Type {mimetype!r} is not importable; send one of {', '.join(formats)} "
            "or a multipart form with a 'file' field",
            parameter="Content-Type",
        )
    return request.get_data(), f"upload{formats[mimetype]}"


@bp.post("/imports/roads")
def import_roads_upload() -> Response:
    """Import an uploaded road centreline file as the road network; admin only; one transaction."""
    from layers.ingest.roads import import_roads

    token = require_role("admin")
    # the parameters first: a bad one is named whatever the body
    stake_unit = request.args.get("stake_unit", "km")
    if stake_unit not in ("km", "m"):
        raise InvalidParameter(f'stake_unit must be km or m; got "{stake_unit}"', parameter="stake_unit")
    snap_m = number(request.args.get("snap_m", "2"), "snap_m", minimum=0, maximum=50)
    mode = request.args.get("mode", "replace")
    if mode not in ("replace", "append"):
        raise InvalidParameter(f'mode must be replace or append; got "{mode}"', parameter="mode")
    skip_invalid = _flag("skip_invalid")
    data, filename = _upload(_ROAD_FORMATS, _ROAD_SUFFIXES)
    if not data:
        raise InvalidParameter("the upload is empty; send the file as the request body", parameter="file")
    with tempfile.TemporaryDirectory(prefix="daoan-import-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        report = import_roads(
            current_root().engine,
            settings(),
            path,
            crs=request.args.get("crs"),
            mapping=request.args.getlist("map"),
            stake_unit=stake_unit,
            snap_m=snap_m,
            skip_invalid=skip_invalid,
            replace=mode == "replace",
            imported_by=token.name,
        )
    return json_response(report.as_dict(), status=201, etag=False)


@bp.post("/imports/<layer_id>")
def import_layer(layer_id: str) -> Response:
    """Import the request body (or multipart 'file') into a layer; admin only; one transaction."""
    token = require_role("admin")
    layer = importable_layer(layer_id)
    data, filename = _upload()
    if not data:
        raise InvalidParameter("the upload is empty; send the file as the request body", parameter="file")
    with tempfile.TemporaryDirectory(prefix="daoan-import-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        report = import_facilities(
            current_root().engine,
            settings(),
            layer.id,
            path,
            crs=request.args.get("crs"),
            lon_column=request.args.get("lon"),
            lat_column=request.args.get("lat"),
            skip_invalid=_flag("skip_invalid"),
            replace=_flag("replace"),
            imported_by=token.name,
            column_map=parse_map(request.args.get("map")),
        )
    return _report(report)


def _report(report: ImportReport) -> Response:
    return json_response(
        {
            "layer": report.layer,
            "rows_loaded": report.rows_loaded,
            "rows_inserted": report.rows_inserted,
            "rows_updated": report.rows_updated,
            "rows_unchanged": report.rows_unchanged,
            "rows_skipped": report.rows_skipped,
            "rows_replaced": report.rows_replaced,
            "errors": report.errors,
            "notes": report.notes,
        },
        status=201,
        etag=False,
    )


@bp.post("/imports/key_vehicles")
@bp.post("/imports/enterprises")
def import_registry_file() -> Response:
    """Import a registry file (CSV or Excel) into key_vehicles or enterprises; admin only."""
    token = require_role("admin")
    registry_id = request.path.rsplit("/", 1)[-1]
    data, filename = _upload()
    if not data:
        raise InvalidParameter("the upload is empty; send the file as the request body", parameter="file")
    if not filename.endswith((".csv", ".xlsx")):
        raise InvalidParameter(f"{registry_id} are imported from CSV or Excel (.xlsx)", parameter="file")
    with tempfile.TemporaryDirectory(prefix="daoan-import-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        report = import_registry(
            current_root().engine,
            registry_id,
            path,
            skip_invalid=_flag("skip_invalid"),
            replace=_flag("replace"),
            imported_by=token.name,
            column_map=parse_map(request.args.get("map")),
        )
    return _report(report)


def init_app(app: Flask, root: Root) -> None:
    """Register the import endpoint."""
    app.register_blueprint(bp)

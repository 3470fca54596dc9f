"""POST /imports/raster: an admin uploads a raster; the same importer as `daoan import raster`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.utils import secure_filename

from analysis.rasters import KNOWN_KINDS, check_kind, import_raster
from gis.errors import InvalidParameter
from gis.openapi import AUTH
from gis.root import Api, Root, current_root
from gis.web import json_response, require_role, settings

bp = Blueprint("raster_imports", __name__)

_SUFFIXES = (".tif", ".tiff", ".hgt", ".zip")
_TYPES = {"image/tiff": "upload.tif", "application/zip": "upload.zip"}


def _upload() -> tuple[bytes, str]:
    """The uploaded bytes and a safe file name (an .hgt keeps its tile name: GDAL reads the corner from it)."""
    upload = request.files.get("file")
    if upload is not None:
        name = secure_filename(upload.filename or "")
        if Path(name).suffix.lower() not in _SUFFIXES:
            raise InvalidParameter(
                f"file {upload.filename!r}: send a GeoTIFF (.tif), an SRTM tile (.hgt) or a .zip holding one",
                parameter="file",
            )
        return upload.read(), name
    if request.mimetype not in _TYPES:
        raise InvalidParameter(
            f"Content-Type {request.mimetype!r} is not importable as a raster; send image/tiff, application/zip "
            "(a zipped .hgt) or a multipart form with a 'file' field",
            parameter="Content-Type",
        )
    return request.get_data(), _TYPES[request.mimetype]


@bp.post("/imports/raster")
def import_raster_view() -> Response:
    """Import the uploaded raster as the current one of `kind` and derive its segment values; admin only."""
    token = require_role("admin")
    kind = check_kind(request.args.get("kind", ""))
    data, filename = _upload()
    if not data:
        raise InvalidParameter("the upload is empty; send the raster file as the request body", parameter="file")
    with tempfile.TemporaryDirectory(prefix="daoan-raster-upload-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        report = import_raster(current_root().engine, settings(), kind, path, imported_by=token.name)
    return json_response(report.as_json(), status=201, etag=False)


def _paths() -> dict[str, Any]:
    binary = {"type": "string", "format": "binary"}
    return {
        "/imports/raster": {
            "post": {
                "summary": "Import a raster (DEM, fog frequency, traffic volume, …) and derive the segments' values "
                "(admin token)",
                "tags": ["Imports"],
                "operationId": "importRaster",
                "security": AUTH,
                "parameters": [
                    {
                        "name": "kind",
                        "in": "query",
                        "required": True,
                        "description": f"What the raster holds: {', '.join(KNOWN_KINDS)} or another lower-case name",
                        "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,39}$"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "description": "A GeoTIFF, an SRTM .hgt tile (multipart, named like N28E110.hgt) or a .zip "
                    "holding one of them",
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "required": ["file"], "properties": {"file": binary}}
                        },
                        "image/tiff": {"schema": binary},
                        "application/zip": {"schema": binary},
                    },
                },
                "responses": {
                    "201": {
                        "description": "The raster stored and its values derived",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    }


def api() -> Api:
    """The raster import's OpenAPI entry."""
    return Api(openapi_paths=_paths())


def init_app(app: Flask, root: Root) -> None:
    """Register the raster import endpoint."""
    app.register_blueprint(bp)

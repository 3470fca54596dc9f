"""The OpenAPI entry of POST /imports/{layer}: a multipart form or the raw file as the body."""

from __future__ import annotations

from typing import Any

from gis.openapi import AUTH
from layers.catalog import importable_layers

_FILE = {"type": "string", "format": "binary"}
_FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_paths() -> dict[str, Any]:
    """Path item of the import endpoint."""
    flag = {"type": "string", "enum": ["true", "false", "1", "0"], "default": "false"}
    report = {
        "type": "object",
        "required": ["layer", "rows_loaded", "rows_skipped", "errors"],
        "properties": {
            "layer": {"type": "string"},
            "rows_loaded": {"type": "integer"},
            "rows_skipped": {"type": "integer"},
            "rows_replaced": {"type": "integer"},
            "errors": {"type": "array", "items": {"type": "object"}},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "/imports/{layer}": {
            "post": {
                "summary": "Import a facility file into a layer, one transaction (admin token)",
                "tags": ["Imports"],
                "operationId": "importLayer",
                "security": AUTH,
                "parameters": [
                    {
                        "name": "layer",
                        "in": "path",
                        "required": True,
                        "description": "An importable layer",
                        "schema": {"type": "string", "enum": importable_layers()},
                    },
                    _query("crs", "Coordinates of the file", {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]}),
                    _query("lon", "CSV column holding the longitude", {"type": "string"}),
                    _query("lat", "CSV column holding the latitude", {"type": "string"}),
                    _query("skip_invalid", "Load the good rows, report the rest", flag),
                    _query("replace", "Replace the layer's rows", flag),
                ],
                "requestBody": {
                    "required": True,
                    "description": "GeoJSON, CSV, GeoPackage or a zipped Shapefile; as a multipart form field "
                    "`file` or as the raw body with its Content-Type",
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "required": ["file"], "properties": {"file": _FILE}}
                        },
                        "application/geo+json": {"schema": _FEATURE_COLLECTION},
                        "text/csv": {"schema": {"type": "string"}},
                        "application/zip": {"schema": _FILE},
                        "application/geopackage+sqlite3": {"schema": _FILE},
                    },
                },
                "responses": {
                    "201": {"description": "Rows loaded", "content": {"application/json": {"schema": report}}}
                },
            }
        }
    }

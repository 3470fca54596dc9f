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
    paths: dict[str, Any] = {
        f"/imports/{registry}": {
            "post": {
                "summary": f"Import the {title} registry (CSV or Excel), one transaction, upsert on {key} (admin token)",
                "tags": ["Imports"],
                "operationId": f"import_{registry}",
                "security": AUTH,
                "parameters": [
                    _query("skip_invalid", "Load the good rows, report the rest", flag),
                    _query("replace", "Delete the rows the file does not hold", flag),
                    _query(
                        "map",
                        "Column mapping on top of the default Chinese one: COLUMN=PROPERTY, comma separated",
                        {"type": "string"},
                    ),
                ],
                "requestBody": {
                    "required": True,
                    "description": "CSV or Excel; as a multipart form field `file` or as the raw body",
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "required": ["file"], "properties": {"file": _FILE}}
                        },
                        "text/csv": {"schema": {"type": "string"}},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": _FILE},
                    },
                },
                "responses": {
                    "201": {"description": "Rows loaded", "content": {"application/json": {"schema": report}}}
                },
            }
        }
        for registry, title, key in (
            ("key_vehicles", "两客一危一校 key-vehicle", "the plate"),
            ("enterprises", "重点客货运企业 enterprise", "the unified social credit code"),
        )
    }
    return paths | {
        "/imports/roads": _roads_path(flag),
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
                    _query(
                        "map",
                        "Column mapping on top of the layer's default Chinese one: COLUMN=PROPERTY, comma separated "
                        "(e.g. 发生时间=occurred_at)",
                        {"type": "string"},
                    ),
                ],
                "requestBody": {
                    "required": True,
                    "description": "GeoJSON, CSV, Excel (.xlsx), GeoPackage or a zipped Shapefile; as a multipart form field "
                    "`file` or as the raw body with its Content-Type",
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "required": ["file"], "properties": {"file": _FILE}}
                        },
                        "application/geo+json": {"schema": _FEATURE_COLLECTION},
                        "text/csv": {"schema": {"type": "string"}},
                        "application/zip": {"schema": _FILE},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": _FILE},
                        "application/geopackage+sqlite3": {"schema": _FILE},
                    },
                },
                "responses": {
                    "201": {"description": "Rows loaded", "content": {"application/json": {"schema": report}}}
                },
            }
        },
    }


def _roads_path(flag: dict[str, Any]) -> dict[str, Any]:
    """POST /imports/roads: a road centreline file becomes the routable network."""
    report = {
        "type": "object",
        "required": ["rows_read", "rows_loaded", "rows_skipped", "segments", "nodes", "errors", "validation"],
        "properties": {
            "source_file": {"type": "string"},
            "rows_read": {"type": "integer"},
            "rows_loaded": {"type": "integer"},
            "rows_skipped": {"type": "integer"},
            "segments": {"type": "integer"},
            "nodes": {"type": "integer"},
            "segments_replaced": {"type": "integer"},
            "facilities_relinked": {"type": "integer"},
            "columns": {"type": "object", "additionalProperties": {"type": "string"}},
            "errors": {"type": "array", "items": {"type": "object"}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "validation": {
                "type": "object",
                "description": "routes (length counting a dual carriageway once vs the stake range), "
                "disconnected pieces, line ends near other lines",
            },
        },
    }
    return {
        "post": {
            "summary": "Import road centrelines (Shapefile zipped, GeoPackage, GeoJSON, FlatGeobuf) as the network "
            "(admin token)",
            "tags": ["Imports"],
            "operationId": "importRoads",
            "security": AUTH,
            "parameters": [
                _query("crs", "Coordinates of the file (default: the file's own, else WGS84)", {"type": "string"}),
                _query(
                    "map",
                    "field=column (repeatable), e.g. route_code=LXBM",
                    {"type": "array", "items": {"type": "string"}},
                ),
                _query("stake_unit", "Unit of stakes given as numbers", {"type": "string", "enum": ["km", "m"]}),
                _query("snap_m", "Join line ends this close to a line (0–50 m)", {"type": "number", "default": 2}),
                _query("skip_invalid", "Load the good rows, report the rest", flag),
                _query(
                    "mode",
                    "replace the network, or append to it",
                    {"type": "string", "enum": ["replace", "append"], "default": "replace"},
                ),
            ],
            "requestBody": {
                "required": True,
                "description": "As a multipart form field `file` or as the raw body with its Content-Type",
                "content": {
                    "multipart/form-data": {
                        "schema": {"type": "object", "required": ["file"], "properties": {"file": _FILE}}
                    },
                    "application/geo+json": {"schema": _FEATURE_COLLECTION},
                    "application/zip": {"schema": _FILE},
                    "application/geopackage+sqlite3": {"schema": _FILE},
                    "application/flatgeobuf": {"schema": _FILE},
                },
            },
            "responses": {
                "201": {"description": "Network loaded", "content": {"application/json": {"schema": report}}}
            },
        }
    }

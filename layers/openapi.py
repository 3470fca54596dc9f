"""The OpenAPI 3 description of the API, built from the layer catalogue."""

from __future__ import annotations

from typing import Any

from gis.openapi import AUTH, OPTIONAL_AUTH, complete, components, problem
from layers.catalog import LAYERS, Layer

_PROBLEM = problem("400")


def _param(name: str, description: str, schema: dict, *, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "description": description, "required": required, "schema": schema}


def _ok(description: str, media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


def _access_note(layer: Layer) -> str:
    if layer.internal:
        return " Internal layer: needs 'Authorization: Bearer <token>' (401 without)."
    hidden = [p.name for p in layer.properties if p.internal]
    if hidden:
        return f" Internal properties ({', '.join(hidden)}) only with a token; filtering on them needs one."
    return ""


def _features_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for layer in LAYERS.values():
        filters = [_param(p.name, f"Equality filter on {p.name}", p.schema) for p in layer.properties]
        paths[f"/collections/{layer.id}/items"] = {
            "get": {
                "summary": f"{layer.title} ({layer.title_zh})",
                **({"description": _access_note(layer).strip()} if layer.restricted else {}),
                "operationId": f"getItems_{layer.id}",
                "tags": ["Features"],
                "parameters": [
                    _param("bbox", "minx,miny,maxx,maxy in WGS84 degrees", {"type": "string"}),
                    _param("limit", "Page size (at most 10000)", {"type": "integer", "minimum": 1, "default": 100}),
                    _param("offset", "Features to skip", {"type": "integer", "minimum": 0, "default": 0}),
                    _param("crs", "Output coordinates", {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]}),
                    *filters,
                ],
                "responses": {
                    "200": _ok("A page of features", "application/geo+json"),
                    "400": _PROBLEM,
                    "503": _PROBLEM,
                },
            }
        }
        paths[f"/collections/{layer.id}/items/{{featureId}}"] = {
            "get": {
                "summary": f"One {layer.title} feature",
                "operationId": f"getItem_{layer.id}",
                "tags": ["Features"],
                "parameters": [_param("featureId", "Row id", {"type": "integer"}, where="path", required=True)],
                "responses": {"200": _ok("A feature", "application/geo+json"), "404": _PROBLEM},
            }
        }
        if layer.restricted:
            for suffix in ("items", "items/{featureId}"):
                paths[f"/collections/{layer.id}/{suffix}"]["get"]["security"] = OPTIONAL_AUTH
    return paths


def openapi_document(base: str, extra_paths: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 document for the server at `base`, including subsystems' `extra_paths`."""
    collection_id = _param(
        "collectionId", "Layer id", {"type": "string", "enum": list(LAYERS)}, where="path", required=True
    )
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "Landing page",
                "operationId": "getLandingPage",
                "tags": ["Capabilities"],
                "responses": {"200": _ok("Links to the API")},
            }
        },
        "/conformance": {
            "get": {
                "summary": "Conformance classes",
                "operationId": "getConformance",
                "tags": ["Capabilities"],
                "responses": {"200": _ok("Conformance classes")},
            }
        },
        "/health": {
            "get": {
                "summary": "Database reachable, PostGIS version",
                "operationId": "getHealth",
                "tags": ["Capabilities"],
                "responses": {"200": _ok("Healthy"), "503": _PROBLEM},
            }
        },
        "/collections": {
            "get": {
                "summary": "Layers with counts and extents",
                "operationId": "getCollections",
                "tags": ["Capabilities"],
                "description": "Internal layers are listed with access 'internal' and no count or extent "
                "without a token.",
                "security": OPTIONAL_AUTH,
                "responses": {"200": _ok("Layers")},
            }
        },
        "/collections/{collectionId}": {
            "get": {
                "summary": "One layer",
                "operationId": "describeCollection",
                "tags": ["Capabilities"],
                "security": OPTIONAL_AUTH,
                "parameters": [collection_id],
                "responses": {"200": _ok("A layer"), "404": _PROBLEM},
            }
        },
        "/locate": {
            "get": {
                "summary": "A stake on a route, or the road and stake at a point",
                "operationId": "locate",
                "tags": ["Places"],
                "parameters": [
                    _param("route", "Route code, e.g. G4", {"type": "string"}),
                    _param("stake", "Stake, e.g. K1530+200", {"type": "string"}),
                    _param("at", "lon,lat", {"type": "string"}),
                ],
                "responses": {"200": _ok("A point feature", "application/geo+json"), "400": _PROBLEM, "422": _PROBLEM},
            }
        },
        "/versions": {
            "get": {
                "summary": "Data version of every layer (poll with If-None-Match to reload live tiles)",
                "operationId": "getVersions",
                "tags": ["Capabilities"],
                "responses": {"200": _ok("Layer → version"), "304": {"description": "Unchanged"}},
            }
        },
        "/search": {
            "get": {
                "summary": "Roads by route code or name, facilities by name",
                "operationId": "search",
                "tags": ["Places"],
                "description": "Facilities of internal layers only with a token.",
                "security": OPTIONAL_AUTH,
                "parameters": [_param("q", "Route code or part of a name", {"type": "string"}, required=True)],
                "responses": {"200": _ok("Matches"), "400": _PROBLEM},
            }
        },
        "/audit": {
            "get": {
                "summary": "Reads of internal layers, newest first (admin token)",
                "operationId": "getAuditLog",
                "tags": ["Capabilities"],
                "security": AUTH,
                "parameters": [
                    _param(
                        "since", "Only reads at or after this ISO-8601 time", {"type": "string", "format": "date-time"}
                    ),
                    _param("layer", "Only reads of this layer", {"type": "string", "enum": list(LAYERS)}),
                    _param("token", "Only reads with the token of this name", {"type": "string", "maxLength": 200}),
                    _param(
                        "limit",
                        "At most this many entries",
                        {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
                    ),
                ],
                "responses": {
                    "200": _ok("The entries: read_at, token_name, role, layer, method, path, params, features")
                },
            }
        },
        **_features_paths(),
        **extra_paths,
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Daoan 道安 API",
            "version": "0.1.0",
            "description": "OGC API – Features over the road-safety layers, and the places API.",
        },
        "servers": [{"url": base}],
        "paths": complete(paths),
        "components": components(),
    }

"""OGC API – Tiles documents: the tile matrix set, tilesets of a collection, conformance, OpenAPI."""

from __future__ import annotations

from typing import Any

from gis.openapi import OPTIONAL_AUTH
from layers.catalog import LAYERS, Layer
from tiles.matrix import DATA_MAXZOOM, MAX_ZOOM, ORIGIN_M, WORLD_M
from tiles.queries import tile_fields

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MVT = "application/vnd.mapbox-vector-tile"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]

# 0.28 mm pixels (OGC's standardised rendering pixel) at 256 px per tile.
_Z0_CELL_M = WORLD_M / 256
_Z0_SCALE = _Z0_CELL_M / 0.00028


def tile_matrix_sets(base: str) -> dict:
    """The list of tile matrix sets (only WebMercatorQuad)."""
    return {
        "tileMatrixSets": [
            {
                "id": TMS_ID,
                "title": "Google Maps Compatible for the World",
                "uri": TMS_URI,
                "crs": CRS_3857,
                "links": [
                    {"href": f"{base}/tileMatrixSets/{TMS_ID}", "rel": "self", "type": "application/json"},
                ],
            }
        ],
        "links": [{"href": f"{base}/tileMatrixSets", "rel": "self", "type": "application/json"}],
    }


def tile_matrix_set(base: str) -> dict:
    """The WebMercatorQuad definition (OGC 2D Tile Matrix Set 2.0, JSON encoding)."""
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": CRS_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": [
            {
                "id": str(z),
                "scaleDenominator": _Z0_SCALE / (1 << z),
                "cellSize": _Z0_CELL_M / (1 << z),
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN_M, ORIGIN_M],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 1 << z,
                "matrixHeight": 1 << z,
            }
            for z in range(MAX_ZOOM + 1)
        ],
        "links": [{"href": f"{base}/tileMatrixSets/{TMS_ID}", "rel": "self", "type": "application/json"}],
    }


def _tile_template(base: str, layer: Layer) -> str:
    return f"{base}/collections/{layer.id}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"


def _tileset_links(base: str, layer: Layer) -> list[dict]:
    href = f"{base}/collections/{layer.id}/tiles/{TMS_ID}"
    return [
        {"href": href, "rel": "self", "type": "application/json", "title": f"{layer.title} tileset"},
        {"href": f"{base}/tileMatrixSets/{TMS_ID}", "rel": REL_TILING_SCHEME, "type": "application/json"},
        {"href": _tile_template(base, layer), "rel": "item", "type": MVT, "templated": True},
        {"href": f"{base}/tiles/{layer.id}.json", "rel": "describedby", "type": "application/json",
         "title": "TileJSON"},
        {"href": f"{base}/collections/{layer.id}", "rel": "collection", "type": "application/json"},
    ]  # fmt: skip


def tilesets(base: str, layer: Layer) -> dict:
    """The tilesets list of a collection (one vector tileset in WebMercatorQuad)."""
    return {
        "tilesets": [
            {
                "title": f"{layer.title} ({layer.title_zh})",
                "dataType": "vector",
                "crs": CRS_3857,
                "tileMatrixSetURI": TMS_URI,
                "links": _tileset_links(base, layer),
            }
        ],
        "links": [{"href": f"{base}/collections/{layer.id}/tiles", "rel": "self", "type": "application/json"}],
    }


def tileset(base: str, layer: Layer, bbox: tuple[float, float, float, float] | None) -> dict:
    """The tileset metadata of a collection in WebMercatorQuad."""
    maxzoom = min(layer.maxzoom, DATA_MAXZOOM)
    doc: dict[str, Any] = {
        "title": f"{layer.title} ({layer.title_zh})",
        "description": layer.description,
        "dataType": "vector",
        "crs": CRS_3857,
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": [
            {
                "tileMatrix": str(z),
                "minTileRow": 0,
                "maxTileRow": (1 << z) - 1,
                "minTileCol": 0,
                "maxTileCol": (1 << z) - 1,
            }
            for z in range(layer.minzoom, MAX_ZOOM + 1)
        ],  # fmt: skip
        "layers": [
            {
                "id": layer.id,
                "title": layer.title,
                "dataType": "vector",
                "geometryDimension": {"Point": 0, "LineString": 1, "MultiLineString": 1, "MultiPolygon": 2}.get(
                    layer.geometry_type
                ),
                "minTileMatrix": str(layer.minzoom),
                "maxTileMatrix": str(maxzoom),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {name: {"type": kind.lower()} for name, kind in tile_fields(layer).items()},
                },
            }
        ],
        "links": _tileset_links(base, layer),
    }
    if doc["layers"][0]["geometryDimension"] is None:
        del doc["layers"][0]["geometryDimension"]
    if bbox:
        doc["boundingBox"] = {"lowerLeft": [bbox[0], bbox[1]], "upperRight": [bbox[2], bbox[3]], "crs": CRS84}
        doc["centerPoint"] = {
            "coordinates": [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
            "tileMatrix": str(max(layer.minzoom, 8)),
            "crs": CRS84,
        }
    return doc


def collection_links(layer: Layer, href: str) -> list[dict]:
    """Links from a collection document to its tiles (the layers blueprint's collection_links hook)."""
    base = href.rsplit("/collections/", 1)[0]
    return [
        {"href": f"{href}/tiles", "rel": REL_TILESETS_VECTOR, "type": "application/json",
         "title": f"{layer.title} as vector tiles"},
        {"href": f"{base}/tiles/{layer.id}.json", "rel": "describedby", "type": "application/json",
         "title": "TileJSON"},
    ]  # fmt: skip


def _problem() -> dict:
    return {"description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}  # fmt: skip


def _path_param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


# Operations that read layers, internal ones with a token (gis/access.py).
READS = ("getCollectionTileSetsList", "getCollectionTileSet", "getCollectionTile", "getTile", "getTileJSON")


def openapi_paths() -> dict[str, Any]:
    """OpenAPI 3.0 paths of the tile endpoints."""
    ok_json = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    tile_responses = {
        "200": {"description": "A vector tile (MVT 2.1)", "content": {MVT: {"schema": {"type": "string",
                                                                                  "format": "binary"}}}},
        "204": {"description": "No feature in the tile"},
        "304": {"description": "Not modified (If-None-Match)"},
        "400": _problem(),
        "404": _problem(),
    }  # fmt: skip
    collection = _path_param("collectionId", "Layer id", {"type": "string", "enum": list(LAYERS)})
    tms = _path_param("tileMatrixSetId", "Tile matrix set", {"type": "string", "enum": [TMS_ID]})
    zyx = [
        _path_param("tileMatrix", "Zoom level", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM}),
        _path_param("tileRow", "Row (y, from the north)", {"type": "integer", "minimum": 0}),
        _path_param("tileCol", "Column (x, from the west)", {"type": "integer", "minimum": 0}),
    ]
    layers = _path_param("layers", "One layer id or a comma-separated list", {"type": "string"})
    xyz = [
        _path_param("z", "Zoom level", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM}),
        _path_param("x", "Column (from the west)", {"type": "integer", "minimum": 0}),
        _path_param("y", "Row (from the north)", {"type": "integer", "minimum": 0}),
    ]
    tags = ["Tiles"]

    def get(op: str, summary: str, params: list[dict], responses: dict) -> dict:
        operation = {"operationId": op, "summary": summary, "tags": tags, "parameters": params,
                     "responses": responses}  # fmt: skip
        if op in READS:  # internal layers need a token; a composite without one leaves them out
            operation["security"] = OPTIONAL_AUTH
        return {"get": operation}

    return {
        "/tileMatrixSets": get("getTileMatrixSetsList", "Tile matrix sets", [], {"200": ok_json}),
        "/tileMatrixSets/{tileMatrixSetId}": get(
            "getTileMatrixSet", "A tile matrix set definition", [tms], {"200": ok_json, "404": _problem()}
        ),
        "/collections/{collectionId}/tiles": get(
            "getCollectionTileSetsList", "Vector tilesets of a layer", [collection], {"200": ok_json, "404": _problem()}
        ),
        "/collections/{collectionId}/tiles/{tileMatrixSetId}": get(
            "getCollectionTileSet", "A layer's tileset metadata", [collection, tms], {"200": ok_json, "404": _problem()}
        ),
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": get(
            "getCollectionTile", "A vector tile of a layer (OGC order z/y/x)", [collection, tms, *zyx], tile_responses
        ),
        "/tiles/{layers}/{z}/{x}/{y}.mvt": get(
            "getTile", "A composite vector tile, one MVT layer per id (XYZ order z/x/y)", [layers, *xyz],
            tile_responses,
        ),
        "/tiles/{layers}.json": get("getTileJSON", "TileJSON 3.0.0 for the layers", [layers],
                                    {"200": ok_json, "404": _problem()}),
        "/styles/daoan.json": get("getStyle", "MapLibre style using these tiles", [], {"200": ok_json}),
        "/fonts/{fontstack}/{range}.pbf": get(
            "getGlyphs", "SDF glyphs for map labels",
            [_path_param("fontstack", "Font names, comma-separated", {"type": "string"}),
             _path_param("range", "Code points, e.g. 0-255", {"type": "string"})],
            {"200": {"description": "Glyphs (protobuf)"}, "404": _problem()},
        ),
    }  # fmt: skip

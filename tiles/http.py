"""HTTP face of the tiles: XYZ tiles and TileJSON, OGC API – Tiles, the map style and its glyphs."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Flask, Response, request

from gis.db import connect
from gis.errors import NotFound
from gis.root import Api, Root, current_root
from gis.web import base_url, json_response, settings
from layers.catalog import Layer, get_layer
from tiles import ogc
from tiles.fastpath import FastTiles
from tiles.glyphs import glyph_range
from tiles.matrix import TileAddress, parse_tile
from tiles.metadata import data_bounds, tilejson
from tiles.responses import tile_http
from tiles.selection import parse_layers
from tiles.service import TileService
from tiles.style import style_document

bp = Blueprint("tiles", __name__)


def _service() -> TileService:
    return current_root().tiles


def tile_response(layers: Sequence[Layer], tile: TileAddress) -> Response:
    """An MVT response: ETag/304, gzip when accepted, Cache-Control by layer, 204 when empty."""
    service = _service()
    status, headers, body = tile_http(
        service,
        service.tile(layers, tile),
        accept_encoding=request.headers.get("Accept-Encoding", ""),
        if_none_match=request.headers.get("If-None-Match", ""),
    )
    return Response(body, status=status, headers=headers)


@bp.get("/tiles/<layers>/<z>/<x>/<y>.mvt")
def xyz_tile(layers: str, z: str, x: str, y: str) -> Response:
    return tile_response(parse_layers(layers), parse_tile(z, x, y))


@bp.get("/tiles/<layers>.json")
def tilejson_view(layers: str) -> Response:
    chosen = parse_layers(layers)
    base = base_url()
    ids = ",".join(layer.id for layer in chosen)
    root = current_root()
    with connect(root.engine) as conn:
        stats = root.layer_stats.get(conn)
        osm = root.tiles.attribution.any_osm(conn, chosen, root.versions.read(conn))
    doc = tilejson(
        chosen,
        f"{base}/tiles/{ids}/{{z}}/{{x}}/{{y}}.mvt",
        bounds=data_bounds(chosen, stats, settings().service_area),
        osm=osm,
    )
    return json_response(doc, cache_seconds=60)


@bp.after_request
def allow_any_origin(resp: Response) -> Response:
    """Maps on other origins (web maps, mobile web views) may load tiles, TileJSON, style and glyphs."""
    resp.headers.setdefault("Access-Control-Allow-Origin", "*")
    return resp


def _check_tms(tms: str) -> None:
    if tms != ogc.TMS_ID:
        raise NotFound(f"unknown tile matrix set {tms!r}; available: {ogc.TMS_ID}", parameter="tileMatrixSetId")


@bp.get("/tileMatrixSets")
def tile_matrix_sets() -> Response:
    return json_response(ogc.tile_matrix_sets(base_url()), cache_seconds=3600)


@bp.get("/tileMatrixSets/<tms>")
def tile_matrix_set(tms: str) -> Response:
    _check_tms(tms)
    return json_response(ogc.tile_matrix_set(base_url()), cache_seconds=3600)


@bp.get("/collections/<collection_id>/tiles")
def collection_tilesets(collection_id: str) -> Response:
    return json_response(ogc.tilesets(base_url(), get_layer(collection_id)), cache_seconds=300)


@bp.get("/collections/<collection_id>/tiles/<tms>")
def collection_tileset(collection_id: str, tms: str) -> Response:
    layer = get_layer(collection_id)
    _check_tms(tms)
    root = current_root()
    with connect(root.engine) as conn:
        bbox = root.layer_stats.get(conn)[layer.id].bbox
    return json_response(ogc.tileset(base_url(), layer, bbox), cache_seconds=60)


@bp.get("/collections/<collection_id>/tiles/<tms>/<tile_matrix>/<tile_row>/<tile_col>")
def collection_tile(collection_id: str, tms: str, tile_matrix: str, tile_row: str, tile_col: str) -> Response:
    layer = get_layer(collection_id)
    _check_tms(tms)
    tile = parse_tile(tile_matrix, tile_col, tile_row, names=("tileMatrix", "tileCol", "tileRow"))
    return tile_response([layer], tile)


@bp.get("/styles/daoan.json")
def style() -> Response:
    return json_response(style_document(base_url()), cache_seconds=300)


@bp.get("/fonts/<fontstack>/<glyph_range_text>.pbf")
def glyphs(fontstack: str, glyph_range_text: str) -> Response:
    data = glyph_range(fontstack, glyph_range_text, var_dir=settings().var_dir)
    resp = Response(data, mimetype="application/x-protobuf")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    resp.add_etag()
    resp.make_conditional(request)
    return resp


def api() -> Api:
    """OGC API – Tiles: conformance classes, OpenAPI paths and the tile links of each collection."""
    return Api(conformance=tuple(ogc.CONFORMANCE), openapi_paths=ogc.openapi_paths(),
               collection_links=(ogc.collection_links,))  # fmt: skip


def init_app(app: Flask, root: Root) -> None:
    """Register the tile routes and the WSGI shortcut answering tiles without Flask."""
    app.register_blueprint(bp)
    app.wsgi_app = FastTiles(app.wsgi_app, root.tiles)  # type: ignore[method-assign]

"""HTTP face of the tiles: XYZ tiles and TileJSON, OGC API – Tiles, the map style and its glyphs."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from flask import Blueprint, Flask, Response, request

from gis import access
from gis.db import connect
from gis.errors import NotFound
from gis.root import Api, Root, current_root
from gis.settings import Token
from gis.web import base_url, json_response, settings
from layers.catalog import Layer, get_layer
from tiles import ogc
from tiles.fastpath import FastTiles
from tiles.glyphs import glyph_range
from tiles.matrix import TileAddress, parse_tile
from tiles.metadata import count_features, data_bounds, tilejson
from tiles.responses import tile_http
from tiles.selection import parse_layers
from tiles.service import TileService
from tiles.style import style_document

bp = Blueprint("tiles", __name__)


def _service() -> TileService:
    return current_root().tiles


def readable(layers: Sequence[Layer]) -> tuple[list[Layer], Token | None]:
    """The layers the request may read and its reading token: every layer with a token; without one
    the public layers (a composite leaves internal layers out), 401 when none is public."""
    token = access.reader()
    if token is not None:
        return list(layers), token
    public = [layer for layer in layers if not layer.internal]
    if not public:
        access.require_reader(f"layer {layers[0].id}")
    return public, None


def tile_response(layers: Sequence[Layer], tile: TileAddress) -> Response:
    """An MVT response: ETag/304, gzip when accepted, Cache-Control by layer, 204 when empty; internal
    layers and properties only for a reader with a token (private, audited)."""
    service = _service()
    shown, token = readable(layers)
    internal = token is not None and any(layer.restricted for layer in shown)
    result = service.tile(shown, tile, internal=internal)
    status, headers, body = tile_http(
        service,
        result,
        accept_encoding=request.headers.get("Accept-Encoding", ""),
        if_none_match=request.headers.get("If-None-Match", ""),
        private=internal,
        varies=any(layer.restricted for layer in layers),
    )
    if internal and token is not None:
        for layer in shown:
            if layer.restricted:
                access.audit_read(token, layer.id, partial(count_features, result.data, layer.id))
    return Response(body, status=status, headers=headers)


@bp.get("/tiles/<layers>/<z>/<x>/<y>.mvt")
def xyz_tile(layers: str, z: str, x: str, y: str) -> Response:
    return tile_response(parse_layers(layers), parse_tile(z, x, y))


@bp.get("/tiles/<layers>.json")
def tilejson_view(layers: str) -> Response:
    # Every layer asked for is listed (internal ones marked "access": "internal"), under one tile URL
    # for every reader: the tiles leave internal layers out for a reader without a token. Their
    # extent and internal fields are shown only with one; a TileJSON of internal layers only is 401.
    asked = parse_layers(layers)
    shown, token = readable(asked)
    base = base_url()
    ids = ",".join(layer.id for layer in asked)
    root = current_root()
    with connect(root.engine) as conn:
        stats = root.layer_stats.get(conn)
        osm = root.tiles.attribution.any_osm(conn, shown, root.versions.read(conn))
    doc = tilejson(
        asked,
        f"{base}/tiles/{ids}/{{z}}/{{x}}/{{y}}.mvt",
        bounds=data_bounds(shown, stats, settings().service_area),
        osm=osm,
        internal=token is not None,
    )
    resp = json_response(doc, cache_seconds=60)
    if not any(layer.restricted for layer in asked):
        return resp
    return access.mark_private(resp) if token is not None else access.vary_authorization(resp)


@bp.after_request
def allow_any_origin(resp: Response) -> Response:
    """Maps on other origins (web maps, mobile web views) may load public tiles, TileJSON, style and
    glyphs; never an answer holding internal data (gis/access.py)."""
    if not access.is_private(resp):
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


def _described(resp: Response, layer: Layer) -> Response:
    """A tileset description of `layer`: private when the layer is internal (the reader had a token)."""
    return access.mark_private(resp) if layer.internal else resp


@bp.get("/collections/<collection_id>/tiles")
def collection_tilesets(collection_id: str) -> Response:
    layer = get_layer(collection_id)
    readable([layer])
    return _described(json_response(ogc.tilesets(base_url(), layer), cache_seconds=300), layer)


@bp.get("/collections/<collection_id>/tiles/<tms>")
def collection_tileset(collection_id: str, tms: str) -> Response:
    layer = get_layer(collection_id)
    readable([layer])
    _check_tms(tms)
    root = current_root()
    with connect(root.engine) as conn:
        bbox = root.layer_stats.get(conn)[layer.id].bbox
    return _described(json_response(ogc.tileset(base_url(), layer, bbox), cache_seconds=60), layer)


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

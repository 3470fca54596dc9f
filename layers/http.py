"""HTTP face of the catalogue: landing page, health, OGC API – Features, locate and search."""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, redirect, request

from gis import access, params
from gis.audit import entry_json, read_entries
from gis.db import connect
from gis.errors import DatabaseUnavailable, InvalidParameter
from gis.root import Api, Root, current_root
from gis.settings import Token
from gis.sqlfiles import load_sql
from gis.web import base_url, json_response, require_role, settings
from layers.catalog import LAYERS, Layer, get_layer
from layers.features import get_item, parse_items_query, query_items
from layers.openapi import openapi_document
from layers.places import INTERNAL_SEARCHABLE, locate_point, locate_stake, search

bp = Blueprint("layers", __name__)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON = "application/geo+json"
ATTRIBUTION_OSM = "© OpenStreetMap contributors"


def _engine() -> sa.Engine:
    return current_root().engine


def conformance_classes() -> list[str]:
    """Every conformance class the app declares (each subsystem adds its own)."""
    return list(current_root().api.conformance)


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.args.get("f") == "html" or (best == "text/html" and request.args.get("f") != "json")


@bp.get("/")
def landing() -> Response:
    base = base_url()
    links = [
        {"href": f"{base}/", "rel": "self", "type": "application/json", "title": "This document"},
        {
            "href": f"{base}/openapi.json",
            "rel": "service-desc",
            "type": "application/vnd.oai.openapi+json;version=3.0",
            "title": "The API definition",
        },
        {
            "href": f"{base}/conformance",
            "rel": "conformance",
            "type": "application/json",
            "title": "Conformance classes",
        },
        {"href": f"{base}/collections", "rel": "data", "type": "application/json", "title": "Layers"},
        {"href": f"{base}/map", "rel": "alternate", "type": "text/html", "title": "The web map"},
    ]
    if _wants_html() and "webmap" in current_app.blueprints:
        return current_app.make_response(redirect(f"{base}/map", code=303))
    if _wants_html():
        items = "".join(
            f'<li><a href="{html.escape(link["href"])}">{html.escape(link["title"])}</a></li>' for link in links
        )
        page = (
            "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>Daoan 道安</title>"
            "<h1>Daoan 道安 — 道路交通安全监管云 GIS</h1>"
            f"<ul>{items}</ul><p>Map data {html.escape(ATTRIBUTION_OSM)} where OSM data is loaded.</p></html>"
        )
        return Response(page, mimetype="text/html")
    return json_response(
        {
            "title": "Daoan 道安",
            "description": "GIS service and vector tiles for road-traffic-safety supervision (道安监管云)",
            "links": links,
        }
    )


@bp.get("/conformance")
def conformance() -> Response:
    return json_response({"conformsTo": conformance_classes()})


@bp.get("/health")
def health() -> Response:
    try:
        with connect(_engine()) as conn:
            row = conn.execute(sa.text(load_sql("queries/health.sql"))).one()
    except DatabaseUnavailable:
        raise
    except sa.exc.DBAPIError:
        raise DatabaseUnavailable("the database is unreachable; retry shortly") from None
    if row.spatial is not True:
        raise DatabaseUnavailable("the database answers but its spatial queries fail; retry shortly")
    return json_response(
        {
            "status": "ok",
            "database": "reachable",
            "postgres": row.postgres,
            "postgis": row.postgis,
            "layers": len(LAYERS),
        },
        etag=False,
    )


def _collection(layer_id: str, stats, base: str, *, internal: bool) -> dict:
    """The collection document; without a reading token (`internal` False) an internal layer is listed
    as such with no count or extent, and internal properties are left out."""
    layer = LAYERS[layer_id]
    href = f"{base}/collections/{layer.id}"
    shown = internal or not layer.internal
    doc = {
        "id": layer.id,
        "title": layer.title,
        "title_zh": layer.title_zh,
        "description": layer.description,
        "itemType": "feature",
        "geometryType": layer.geometry_type,
        "access": layer.access,
        **({"count": stats.count} if shown else {}),
        "live": layer.live,
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "properties": {p.name: p.schema for p in layer.properties_for(internal)},
        "links": [
            {"href": href, "rel": "self", "type": "application/json", "title": layer.title},
            {"href": f"{href}/items", "rel": "items", "type": GEOJSON, "title": f"{layer.title} as GeoJSON"},
        ],
    }
    if stats.bbox and shown:
        doc["extent"] = {"spatial": {"bbox": [list(stats.bbox)], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    doc["links"].extend(current_root().api.links(layer, href))
    return doc


def _by_reader(resp: Response, internal: bool) -> Response:
    """Cache headers of an answer that differs with a token: private when it used one, else public
    with Vary: Authorization (gis/access.py)."""
    return access.mark_private(resp) if internal else access.vary_authorization(resp)


@bp.get("/collections")
def collections() -> Response:
    internal = access.reader() is not None
    base = base_url()
    with connect(_engine()) as conn:
        stats = current_root().layer_stats.get(conn)
    resp = json_response(
        {
            "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json", "title": "Layers"}],
            "collections": [_collection(lid, stats[lid], base, internal=internal) for lid in LAYERS],
        }
    )
    return _by_reader(resp, internal)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    layer = get_layer(collection_id)
    internal = _reader_for(layer) is not None
    current_root().ensure_current(layer.table)  # a derived layer's count and extent: of current data
    with connect(_engine()) as conn:
        stats = current_root().layer_stats.get(conn)
    resp = json_response(_collection(layer.id, stats[layer.id], base_url(), internal=internal))
    return _by_reader(resp, internal) if layer.restricted else resp


def _reader_for(layer: Layer) -> Token | None:
    """The request's reading token; 401 when it has none and `layer` is internal (or a bad one)."""
    if layer.internal:
        return access.require_reader(f"layer {layer.id}")
    return access.reader()


def _page_link(base: str, rel: str, offset: int, limit: int) -> dict:
    args = request.args.to_dict()
    args.update({"offset": str(offset), "limit": str(limit)})
    query = urlencode(args)
    return {"href": f"{base}{request.path}?{query}", "rel": rel, "type": GEOJSON}


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    layer = get_layer(collection_id)
    token = _reader_for(layer)
    internal = token is not None
    cfg = settings()
    root = current_root()
    root.ensure_current(layer.table)  # a derived layer (coverage_gaps): features of current data
    query = parse_items_query(
        layer,
        request.args.to_dict(),
        default_limit=cfg.items_default_limit,
        max_limit=cfg.items_max_limit,
        internal=internal,
    )
    derived = root.derived.get(layer.table)
    if derived is not None:  # after the parse: the filters it reads are well-formed
        with connect(_engine()) as conn:
            derived.check_filters(conn, request.args.to_dict())
    with connect(_engine()) as conn:
        features, matched = query_items(conn, layer, query, internal=internal)
    base = base_url()
    links = [_page_link(base, "self", query.offset, query.limit)]
    if query.offset + len(features) < matched:
        links.append(_page_link(base, "next", query.offset + query.limit, query.limit))
    if query.offset > 0:
        links.append(_page_link(base, "prev", max(0, query.offset - query.limit), query.limit))
    body = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "links": links,
    }
    if query.crs != "wgs84":
        body["crs"] = query.crs
    resp = json_response(body, mimetype=GEOJSON, cache_seconds=5 if layer.live else 60)
    return _answered(resp, layer, token, len(features))


def _answered(resp: Response, layer: Layer, token: Token | None, features: int) -> Response:
    """`resp` with the cache headers its reader calls for, its internal read recorded in the audit log."""
    if not layer.restricted:
        return resp
    if token is not None and resp.status_code == 200:
        access.audit_read(token, layer.id, features)
    return _by_reader(resp, token is not None)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    layer = get_layer(collection_id)
    token = _reader_for(layer)
    current_root().ensure_current(layer.table)
    query = parse_items_query(
        layer, {k: v for k, v in request.args.items() if k in ("crs", "f")}, default_limit=1, max_limit=1
    )
    with connect(_engine()) as conn:
        feature = get_item(conn, layer, feature_id, crs=query.crs, internal=token is not None)
    base = base_url()
    feature["links"] = [
        {"href": f"{base}/collections/{layer.id}/items/{feature['id']}", "rel": "self", "type": GEOJSON},
        {"href": f"{base}/collections/{layer.id}", "rel": "collection", "type": "application/json"},
    ]
    resp = json_response(feature, mimetype=GEOJSON, cache_seconds=5 if layer.live else 60)
    return _answered(resp, layer, token, 1)


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(
        openapi_document(base_url(), dict(current_root().api.openapi_paths)),
        mimetype="application/vnd.oai.openapi+json;version=3.0",
    )


@bp.get("/locate")
def locate() -> Response:
    args = request.args
    if "at" in args:
        lon, lat = params.lonlat(args["at"], "at")
        with connect(_engine()) as conn:
            return json_response(locate_point(conn, lon, lat), mimetype=GEOJSON)
    if "route" in args and "stake" in args:
        with connect(_engine()) as conn:
            return json_response(locate_stake(conn, args["route"].strip().upper(), args["stake"]), mimetype=GEOJSON)
    raise InvalidParameter("give either at=lon,lat or route=G4&stake=K1530+200", parameter="at")


@bp.get("/versions")
def versions() -> Response:
    """The data version of every layer: clients poll it (with ETag) to know when to reload live tiles."""
    with connect(_engine()) as conn:
        versions = current_root().versions.read(conn)  # as the database has them now: clients poll this
    return json_response(dict(sorted(versions.items())), cache_seconds=0)


@bp.get("/search")
def search_view() -> Response:
    token = access.reader()
    with connect(_engine()) as conn:
        found = search(conn, request.args.get("q", ""), internal=token is not None)
    resp = json_response(found)
    if token is not None:
        hits = Counter(f["properties"]["layer"] for f in found["facilities"]["features"])
        for layer in INTERNAL_SEARCHABLE:
            access.audit_read(token, layer.id, hits[layer.id])
    return _by_reader(resp, token is not None)


AUDIT_PARAMS = ("since", "layer", "token", "limit")


@bp.get("/audit")
def audit_log() -> Response:
    """Reads of internal layers, newest first (admin token): the audit log of gis/audit.py."""
    require_role("admin")
    args = request.args
    unknown = [k for k in args if k not in AUDIT_PARAMS]
    if unknown:
        raise InvalidParameter(f"unknown parameter {unknown[0]!r}; use {', '.join(AUDIT_PARAMS)}", parameter=unknown[0])
    since = params.instant(args.get("since"), "since")
    layer = params.choice(args["layer"], "layer", tuple(LAYERS)) if "layer" in args else None
    token = params.text(args["token"], "token", max_length=200) if "token" in args else None
    limit = params.integer(args.get("limit", "100"), "limit", minimum=1, maximum=10_000)
    with connect(_engine()) as conn:
        rows = read_entries(conn, since=since, layer=layer, token=token, limit=limit)
    return access.mark_private(json_response({"entries": [entry_json(r) for r in rows]}, etag=False))


def api() -> Api:
    """The OGC API – Features and Common conformance classes, and the import endpoint's OpenAPI entry."""
    from layers.ingest.openapi import openapi_paths

    return Api(conformance=tuple(CONFORMANCE), openapi_paths=openapi_paths())


def init_app(app: Flask, root: Root) -> None:
    """Register the catalogue's routes and the upload endpoint."""
    app.register_blueprint(bp)
    from layers.ingest import http as ingest_http

    ingest_http.init_app(app, root)

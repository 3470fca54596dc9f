"""HTTP face of routing: routes, incidents, weather readings, diversion plans, isochrones, matrices."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.datastructures import MultiDict

from gis import params
from gis.db import connect
from gis.errors import InvalidParameter, TooLarge, Unprocessable
from gis.root import Api, Root, current_root
from gis.web import cached_json_response, json_response, request_json, require_role, settings
from routing import openapi
from routing.incident import Incident, IncidentPatch
from routing.routes import RouteRequest, plan_route
from routing.service import BUILD_WAIT_S, Router, read_versions
from routing.text import pick_lang

bp = Blueprint("routing", __name__)
GEOJSON = "application/geo+json"
Args = MultiDict[str, str]  # a request's query arguments
WARM_ENV = "DAOAN_ROUTING_WARM"  # set by `daoan serve`: each worker warms routing at app creation


def router() -> Router:
    """The app's router (one per worker process)."""
    return current_root().router


def _lang() -> str:
    return pick_lang(request.args.get("lang"), request.headers.get("Accept-Language"))


def _int(name: str, default: int, lo: int, hi: int, args: Args | None = None) -> int:
    text = (request.args if args is None else args).get(name)
    if text is None or text == "":
        return default
    return params.integer(text, name, minimum=lo, maximum=hi)


def _flags(name: str, allowed: tuple[str, ...], args: Args | None = None) -> set[str]:
    return params.flags((request.args if args is None else args).get(name), name, allowed)


def _body() -> Any:
    return request_json()


def _required_point(name: str, args: Args | None = None) -> tuple[float, float]:
    text = (request.args if args is None else args).get(name)
    if not text:
        raise InvalidParameter(
            f"{name} is required as lon,lat in degrees",
            parameter=name,
            detail_zh=f"缺少参数 {name}（经度,纬度，单位度）",
        )
    return params.lonlat(text, name)


def route_request(args: Args, accept_language: str | None) -> RouteRequest:
    """The route a GET /route asks for, from its query arguments (4xx naming a bad one). The Flask view
    and the WSGI shortcut (routing/fastpath.py) both parse with it."""

    start, end = _required_point("from", args), _required_point("to", args)
    via = [params.lonlat(p, "via") for v in args.getlist("via") for p in v.split(";") if p.strip()]
    if len(via) > 25:
        raise TooLarge(
            f"at most 25 via points; got {len(via)}",
            extra={"limit": 25},
            detail_zh=f"途经点最多25个，本次为{len(via)}个",
        )
    geometry = args.get("geometry", "geojson")
    if geometry not in ("geojson", "polyline6"):
        raise InvalidParameter(
            f"geometry must be geojson or polyline6; got {geometry!r}",
            parameter="geometry",
            detail_zh=f"参数 geometry 只能取 geojson 或 polyline6，收到{geometry!r}",
        )
    avoid = _flags("avoid", ("hazards",), args)
    ignore = _flags("ignore", ("incidents", "weather"), args)
    points = [start, *via, end]
    if len(points) == 2 and start == end:
        raise Unprocessable(
            "from and to are the same point; give two different points",
            parameter="to",
            detail_zh="起点与终点为同一点，请给出两个不同的点",
        )
    return RouteRequest(
        points=points,
        alternatives=_int("alternatives", 0, 0, 3, args),
        avoid_hazards="hazards" in avoid,
        ignore_incidents="incidents" in ignore,
        ignore_weather="weather" in ignore,
        depart_at=params.instant(args.get("depart_at"), "depart_at"),
        lang=pick_lang(args.get("lang"), accept_language),
        geometry=geometry,
        coordinate_array=True,
    )


def route_answer(root: Root, req: RouteRequest) -> dict:
    """The route FeatureCollection for `req` under what is in force."""
    state, ov, base = root.router.for_request(
        at=req.depart_at, incidents=not req.ignore_incidents, hazards=not req.ignore_weather, base=True
    )
    live = live_weather = None
    if req.ignore_incidents:  # what is in force, for the answer's notice of what it ignored
        live = root.router.for_request(at=req.depart_at, hazards=not req.ignore_weather)[1]
    if req.ignore_weather:  # the weather in force, for the notice of the measures the route passes
        live_weather = root.router.for_request(at=req.depart_at, incidents=not req.ignore_incidents)[1]
    return plan_route(
        state, ov, base, req, radius_m=root.settings.routing_snap_radius_m, live=live, live_weather=live_weather
    )


@bp.get("/route")
def route_view() -> Response:
    """GET /route: the fastest route (and alternatives) as a GeoJSON FeatureCollection."""
    req = route_request(request.args, request.headers.get("Accept-Language"))
    return json_response(route_answer(current_root(), req), mimetype=GEOJSON)


@bp.get("/incidents")
def incidents_list() -> Response:
    """GET /incidents: the public feed of incidents in force (status=all for history), with ETag."""

    from routing.incidents import list_incidents

    status = request.args.get("status", "active")
    limit, offset = _int("limit", 1000, 1, 10_000), _int("offset", 0, 0, params.INT64_MAX)
    with connect(router().engine) as conn:
        body = list_incidents(conn, status=status, limit=limit, offset=offset)
    return json_response(body, mimetype=GEOJSON, cache_seconds=5)


def _if_match() -> list[str] | None:
    """The entity tags If-Match names (["*"] for any); None when the request sends no If-Match."""
    if "If-Match" not in request.headers:
        return None
    tags = request.if_match
    # werkzeug parses an empty tag ("") as None: a tag that matches no version (412), not a crash.
    return ["*"] if tags.star_tag else sorted(tag or "" for tag in tags.as_set())


def _incident_response(incident: Incident, body: dict, *, status: int = 200) -> Response:
    """An incident's Feature with its strong ETag (the version): If-Match takes it for a change."""
    resp = json_response(body, status=status, mimetype=GEOJSON, etag=False)
    resp.set_etag(incident.etag)
    return resp


@bp.get("/incidents/<int:ident>")
def incident_get(ident: int) -> Response:
    """GET /incidents/{id}: one incident with its change history; ETag, If-None-Match → 304."""

    from routing.incidents import incident_feature

    with connect(router().engine) as conn:
        incident, feature = incident_feature(conn, ident)
    resp = _incident_response(incident, feature)
    resp.headers["Cache-Control"] = "no-cache"
    resp.make_conditional(request)
    return resp


@bp.post("/incidents")
def incident_create() -> Response:
    """POST /incidents: declare a closure or restriction (operator or admin token)."""

    from routing.incidents import create_incident

    token = require_role("operator")
    patch = IncidentPatch.parse(_body())
    with connect(router().engine) as conn:
        incident = create_incident(conn, patch, who=token.name)
    resp = _incident_response(incident, incident.feature(), status=201)
    resp.headers["Location"] = f"/incidents/{incident.id}"
    return resp


@bp.patch("/incidents/<int:ident>")
def incident_update(ident: int) -> Response:
    """PATCH /incidents/{id}: change an incident that has not ended (409 if it has; 412 on a stale If-Match)."""

    from routing.incidents import update_incident

    token = require_role("operator")
    patch = IncidentPatch.parse(_body())
    with connect(router().engine) as conn:
        incident = update_incident(conn, ident, patch, who=token.name, if_match=_if_match())
    return _incident_response(incident, incident.feature())


@bp.delete("/incidents/<int:ident>")
def incident_end(ident: int) -> Response:
    """DELETE /incidents/{id}: end an incident now, once (409 when it already ended; 412 on a stale If-Match)."""

    from routing.incidents import end_incident

    token = require_role("operator")
    with connect(router().engine) as conn:
        incident = end_incident(conn, ident, who=token.name, if_match=_if_match())
    return _incident_response(incident, incident.feature())


@bp.post("/weather/observations")
def observations_create() -> Response:
    """POST /weather/observations: store station readings (operator or admin token)."""

    from routing.weather import record_observations

    token = require_role("operator")
    body = _body()
    with connect(router().engine) as conn:
        stored = record_observations(conn, body, who=token.name)
    from analysis.early_warning.service import evaluate_after_readings  # the warning rules read them at once

    warnings = evaluate_after_readings(router(), who=token.name)
    return json_response({"stored": stored, "warnings": warnings}, status=201, etag=False)


@bp.get("/weather/low-visibility")
def low_visibility() -> Response:
    """GET /weather/low-visibility?below_m=500: the stations whose latest reading in force is below it."""
    from routing.visibility import LOW_VISIBILITY_M, low_visibility

    raw = request.args.get("below_m")
    below = LOW_VISIBILITY_M if raw is None else params.number(raw, "below_m", minimum=1, maximum=100_000)
    with connect(router().engine) as conn:
        body = low_visibility(conn, below_m=below, valid_s=settings().observation_valid_min * 60)
    return json_response(body, mimetype="application/geo+json", cache_seconds=5)


def _diversion(key: tuple, closure_of) -> Response:  # type: ignore[no-untyped-def]
    """The plan for the closure `closure_of(conn, state)` makes, from the answer cache while the graph,
    the live overlay, the incidents and the toll stations are those it was made with."""
    from routing.diversion import load_toll_stations, plan_diversion
    from routing.limits import check_closed_arcs
    from routing.restriction import plan_restriction
    from routing.signs import cities_along, load_message_signs

    r, cfg = router(), settings()
    with connect(r.engine) as conn:
        versions = read_versions(conn)
        state = r.state(conn, versions)
        ov = r.overlay(conn, state, versions)

        def plan() -> dict:
            closure = closure_of(conn, state)
            check_closed_arcs(len(closure.arcs), cfg)
            if closure.effect == "restricted":  # a speed restriction: speed and distance messages, no detour
                return plan_restriction(
                    state,
                    ov,
                    closure,
                    message_signs=load_message_signs(conn),
                    cities=lambda walk: cities_along(conn, state.graph, walk),
                )
            toll = load_toll_stations(conn)
            return plan_diversion(
                state,
                ov,
                closure,
                search_km=cfg.diversion_search_km,
                toll_stations=toll,
                message_signs=load_message_signs(conn),
                cities=lambda walk: cities_along(conn, state.graph, walk),
            )

        basis = (
            state,
            ov,
            versions.get("incidents", 0),
            versions.get("toll_stations", 0),
            versions.get("guidance_signs", 0),
            versions.get("admin_areas", 0),
        )
        return cached_json_response(key, basis, plan, mimetype=GEOJSON)


@bp.get("/diversion")
def diversion_get() -> Response:
    """GET /diversion?incident=ID: the diversion plan for a stored incident."""

    from routing.diversion import incident_closure
    from routing.incidents import get_incident

    # An id past 64 bits is well-formed: no such incident (404), as /incidents/{id} answers.
    ident = params.integer(request.args.get("incident", ""), "incident", minimum=0, maximum=None, fix="an incident id")
    # An incident ends by the clock too, which moves no data version: its status is part of the cache
    # key, so an ended one is never served a cached plan (incident_closure answers it 409).
    with connect(router().engine) as conn:
        status = get_incident(conn, ident).status
    return _diversion(("diversion", ident, status), lambda conn, state: incident_closure(conn, state.graph, ident))


@bp.post("/diversion")
def diversion_post() -> Response:
    """POST /diversion: the diversion plan for an ad-hoc closure (stores nothing, no token)."""

    from routing.diversion import adhoc_closure
    from routing.limits import check_closure_area

    body = params.json_object(_body(), "body", fix="a JSON object describing the closure")
    check_closure_area(body, settings())
    key = ("diversion", hashlib.blake2b(json.dumps(body, sort_keys=True).encode(), digest_size=16).digest())
    return _diversion(key, lambda conn, state: adhoc_closure(conn, state.graph, body))


@bp.get("/isochrone")
def isochrone_view() -> Response:
    """GET /isochrone: polygons reachable within the given minutes (bounded by the isochrone settings)."""

    from routing.limits import isochrone_minutes
    from routing.reach import isochrone
    from routing.snap import snap

    lon, lat = _required_point("at")
    minutes = isochrone_minutes(request.args.get("minutes", "5,10,15"), settings())
    ignore = _flags("ignore", ("incidents", "weather"))
    state, ov, _ = router().for_request(incidents="incidents" not in ignore, hazards="weather" not in ignore)

    def reach() -> dict:
        radius = settings().routing_snap_radius_m
        at = snap(state.graph, lon, lat, radius_m=radius, parameter="at", preferred=state.preferred)
        return isochrone(state, ov, at, minutes)

    key = ("isochrone", lon, lat, tuple(minutes), frozenset(ignore))
    return cached_json_response(key, (state, ov), reach, mimetype=GEOJSON)


def _points(body: dict, key: str) -> list[tuple[float, float]]:
    value = params.json_list(body.get(key), key, fix="a non-empty list of [lon, lat] pairs", non_empty=True)
    return [params.lonlat(p, key) for p in value]


@bp.post("/matrix")
def matrix_view() -> Response:
    """POST /matrix: durations and distances between up to 100×100 points."""

    from routing.reach import MAX_MATRIX, matrix
    from routing.snap import snap

    body = params.json_object(_body(), "body", fix='{"sources": [[lon, lat], …], "destinations": […]}')
    sources = _points(body, "sources")
    destinations = _points(body, "destinations") if "destinations" in body else sources
    if len(sources) > MAX_MATRIX or len(destinations) > MAX_MATRIX:
        raise TooLarge(
            f"a matrix is limited to {MAX_MATRIX}×{MAX_MATRIX}; got {len(sources)}×{len(destinations)}",
            extra={"limit": MAX_MATRIX},
            detail_zh=f"距离矩阵最多{MAX_MATRIX}×{MAX_MATRIX}，本次为{len(sources)}×{len(destinations)}",
        )
    ignore = params.string_list(body.get("ignore"), "ignore", ("incidents", "weather"))
    radius = settings().routing_snap_radius_m
    state, ov, _ = router().for_request(incidents="incidents" not in ignore, hazards="weather" not in ignore)
    origins = [
        snap(state.graph, lon, lat, radius_m=radius, parameter="sources", preferred=state.preferred)
        for lon, lat in sources
    ]
    dests = [
        snap(state.graph, lon, lat, radius_m=radius, parameter="destinations", preferred=state.preferred)
        for lon, lat in destinations
    ]
    result = matrix(state, ov, origins, dests)
    return json_response(result, etag=False)


def api() -> Api:
    """Routing's OpenAPI paths."""
    return Api(openapi_paths=openapi.paths())


def init_app(app: Flask, root: Root) -> None:
    """Register routing's endpoints (the router is the root's)."""
    if os.environ.get(WARM_ENV) == "1":  # a granian worker of `daoan serve`: ready before the first request
        from routing.warm import warm_in_worker

        warm_in_worker(root.router)
        # Warmed: a request arriving while the graph is rebuilt (a road import) waits a few seconds
        # at most, then gets 503 + Retry-After.
        root.router.build_wait_s = BUILD_WAIT_S
    app.register_blueprint(bp)
    from routing.fastpath import FastRoute

    # Plain GET /route answered without Flask's request machinery (same answers; routing/fastpath.py).
    app.wsgi_app = FastRoute(app.wsgi_app, root, app, bp.name)  # type: ignore[method-assign]

"""Framework glue shared by every blueprint: problem responses, tokens, absolute URLs, ETags."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import orjson
import psycopg2
import sqlalchemy as sa
import xxhash
from flask import Flask, Response, g, has_request_context, request
from werkzeug.exceptions import HTTPException

from gis.errors import (
    DaoanError,
    DatabaseUnavailable,
    Forbidden,
    InvalidParameter,
    Unauthorized,
    error_lang,
    localized,
)
from gis.params import parse_json_body, query_problem
from gis.replicas import LSN_COOKIE, LSN_COOKIE_AGE_S, LSN_HEADER, wal_position
from gis.root import current_root
from gis.settings import Settings, Token

log = logging.getLogger(__name__)


def settings() -> Settings:
    """Settings of the running app."""
    return current_root().settings


def request_error_lang() -> str:
    """The language the current request asks its errors in (`lang`, else Accept-Language; else English)."""
    if not has_request_context():
        return "en"
    return error_lang(request.args.get("lang"), request.headers.get("Accept-Language"))


def problem_response(problem: dict, status: int, headers: dict | None = None, *, lang: str | None = None) -> Response:
    """An RFC 9457 application/problem+json response, in the request's language (see request_error_lang)."""
    lang = lang or request_error_lang()
    problem = localized(problem, lang) if problem.get("detail_en") is None and lang != "en" else problem
    resp = Response(json.dumps(problem, ensure_ascii=False), status=status, mimetype="application/problem+json")
    resp.headers["Content-Language"] = lang
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


# Framing of HTML answers: only the app's own pages may frame them (clickjacking).
FRAME_ANCESTORS = "frame-ancestors 'self'"


def html_headers(resp: Response) -> Response:
    """Framing headers on HTML answers (nothing on others)."""
    if resp.mimetype == "text/html":
        csp = resp.headers.get("Content-Security-Policy")
        if not csp:
            resp.headers["Content-Security-Policy"] = FRAME_ANCESTORS
        elif "frame-ancestors" not in csp:
            resp.headers["Content-Security-Policy"] = f"{csp.rstrip('; ')}; {FRAME_ANCESTORS}"
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return resp


def check_query() -> None:
    """Every endpoint at once: a query value PostgreSQL cannot hold as text (NUL) is the request's fault."""
    problem = query_problem(request.args)
    if problem is not None:
        raise problem


def request_json() -> Any:
    """The request's JSON body through the one parse (gis/params.py): 400 naming the member at fault for
    bad JSON, non-finite numbers, NUL or unpaired surrogates in text, nesting past the limit."""
    data = request.get_data(cache=True)
    if not data.strip():
        raise InvalidParameter("the body must be JSON (Content-Type: application/json); got none", parameter="body")
    return parse_json_body(data)


def register_conventions(app: Flask) -> None:
    """The conventions every blueprint shares: query values checked, framing headers on HTML answers and
    problem responses (ids past 64 bits are 404 in the handlers, as on main)."""
    app.before_request(check_query)
    app.after_request(html_headers)
    app.after_request(writes_seen)
    register_error_handlers(app)


def writes_seen(resp: Response) -> Response:
    """After a write through this process, its next request reads the layer versions afresh rather than
    wait for the notification (read-your-writes within a worker; the others hear the NOTIFY)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and resp.status_code < 400:
        root = current_root()
        root.versions.expire()
        # Read-your-writes across servers and replicas (gis/replicas.py): the primary's WAL position
        # after the write, for the client to send back (header) or its browser (cookie).
        lsn = wal_position(root.engine)
        if lsn is not None:
            resp.headers[LSN_HEADER] = lsn
            resp.set_cookie(LSN_COOKIE, lsn, max_age=LSN_COOKIE_AGE_S, httponly=True, samesite="Lax")
    return resp


def error_response(exc: DaoanError, lang: str | None = None) -> Response:
    """The problem response for one of the app's own errors (Retry-After on 503, the scheme on 401), in
    `lang` or the request's language."""
    headers = {"Retry-After": "5"} if exc.status == 503 else None
    if exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="daoan"'}
    lang = lang or request_error_lang()
    return problem_response(exc.problem(lang), exc.status, headers, lang=lang)


_DB_LOST = (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)


def register_error_handlers(app: Flask) -> None:
    """Map the exception tree to problem responses once; never leak tracebacks or SQL."""

    app.register_error_handler(DaoanError, lambda exc: error_response(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = exc.description or exc.name
        if status == 404:
            detail = f"no resource at {request.path}; the API is described at /openapi.json"
        if status == 405:
            detail = f"{request.method} is not allowed on {request.path}"
        if status == 400:
            detail = "the request cannot be parsed (a malformed body, form or header)"
        # werkzeug's own headers (Allow on 405, Retry-After, WWW-Authenticate), without its Content-Type.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        body = {"type": "about:blank", "title": exc.name, "status": status, "detail": detail}
        zh = {
            404: f"{request.path} 不存在；接口说明见 /openapi.json",
            405: f"{request.path} 不支持 {request.method} 请求",
            400: "无法解析该请求（请求体、表单或请求头格式有误）",
        }.get(status)
        lang = request_error_lang()
        return problem_response(localized(body, lang, zh), status, headers, lang=lang)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    @app.errorhandler(psycopg2.OperationalError)
    @app.errorhandler(psycopg2.InterfaceError)
    def _database_lost(exc: Exception) -> Response:
        # A connection lost mid-request (during COMMIT too): the database's fault, not the request's.
        # A statement cancelled by its time limit is an OperationalError as well: 503 and retry later.
        log.warning("database error on %s %s: %s", request.method, request.path, exc)
        problem = DatabaseUnavailable("the database connection was lost or timed out; retry shortly").problem()
        return problem_response(problem, 503, {"Retry-After": "5"})

    @app.errorhandler(sa.exc.DataError)
    @app.errorhandler(psycopg2.DataError)
    def _data_error(exc: Exception) -> Response:
        # The last line of defence: values are checked before they reach SQL (gis/params.py); one that
        # got through is still the request's fault. The database's message is logged, never sent.
        log.warning("database refused a value on %s %s: %s", request.method, request.path, exc)
        problem = InvalidParameter(
            "a value in the request is out of range (an id, number or date the database cannot hold)"
        ).problem()
        return problem_response(problem, 400)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(
            {
                "type": "about:blank",
                "title": "Internal error",
                "status": 500,
                "detail": "an internal error occurred; it has been logged",
            },
            500,
        )


def require_role(*roles: str) -> Token:
    """The request's bearer token when its role is one of `roles`; 401 or 403 otherwise."""
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    given = given.strip()
    # The scheme is case-insensitive (RFC 9110 §11.1): "bearer x" and "BEARER x" are "Bearer x".
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("this write needs a token: send 'Authorization: Bearer <token>'")
    for token in settings().all_tokens():
        if hmac.compare_digest(token.secret.encode(), given.encode()):
            if token.role != "admin" and token.role not in roles:
                raise Forbidden(f"token {token.name!r} has role {token.role!r}; this write needs {' or '.join(roles)}")
            g.token = token
            return token
    raise Forbidden("the token is not valid; use DAOAN_API_TOKEN or a token from the settings file")


def base_url() -> str:
    """The public base URL. Behind a proxy listed in `trusted_proxies`, gis/proxies.py has applied its
    X-Forwarded-Proto, -Host and -Prefix to the request; from anyone else they were dropped."""
    return f"{request.scheme}://{request.host}{request.script_root.rstrip('/')}"


# What the standard library's json.dumps(default=str) gives: str() of dates, times and dataclasses,
# integer keys as strings; numpy scalars as their numbers. orjson: several times faster on the big
# GeoJSON answers (a province route's geometry, matrices).
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_SERIALIZE_NUMPY  # numpy arrays (route coordinates) written directly, no lists
)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def json_bytes(body: Any) -> bytes:
    """`body` as the JSON every answer uses (orjson, the options above)."""
    return orjson.dumps(body, default=_json_default, option=_ORJSON_OPTIONS)


def etag_of(payload: bytes) -> str:
    """The entity tag of an answer's bytes (unquoted): their 128-bit XXH3 fingerprint. An entity tag
    needs to tell versions apart, not to resist forgery, and XXH3 hashes a province route's ~100 kB
    answer ~30× faster than BLAKE2b (0.45 ms → 15 µs per 120 kB here)."""
    return xxhash.xxh3_128_hexdigest(payload)


def json_response(
    body: Any,
    *,
    status: int = 200,
    mimetype: str = "application/json",
    cache_seconds: int | None = None,
    etag: bool = True,
) -> Response:
    """A JSON response with an ETag; answers If-None-Match with 304."""
    return payload_response(json_bytes(body), status=status, mimetype=mimetype, cache_seconds=cache_seconds, etag=etag)


def cached_json_response(
    key: Hashable,
    basis: tuple[Any, ...],
    compute: Callable[[], Any],
    *,
    mimetype: str = "application/json",
    cache_seconds: int | None = None,
) -> Response:
    """The answer of `compute()` from the root's AnswerCache while `basis` (data versions, the routing
    graph and overlay) is what it was computed from; computed, stored and served otherwise."""
    answers = current_root().answers
    payload = answers.get(key, basis)
    if payload is None:
        payload = json_bytes(compute())
        answers.put(key, basis, payload)
    return payload_response(payload, mimetype=mimetype, cache_seconds=cache_seconds)


def payload_response(
    payload: bytes,
    *,
    status: int = 200,
    mimetype: str = "application/json",
    cache_seconds: int | None = None,
    etag: bool = True,
) -> Response:
    """A response of serialized JSON with an ETag; answers If-None-Match with 304."""
    resp = Response(payload, status=status, mimetype=mimetype)
    if etag and status == 200:
        resp.set_etag(etag_of(payload))
        if cache_seconds is not None:
            resp.headers["Cache-Control"] = f"public, max-age={cache_seconds}"
        resp.make_conditional(request)
    return resp

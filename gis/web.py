"""Framework glue shared by every blueprint: problem responses, tokens, absolute URLs, ETags."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import numpy as np
import orjson
from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from gis.errors import DaoanError, Forbidden, Unauthorized
from gis.root import current_root
from gis.settings import Settings, Token

log = logging.getLogger(__name__)


def settings() -> Settings:
    """Settings of the running app."""
    return current_root().settings


def problem_response(problem: dict, status: int, headers: dict | None = None) -> Response:
    """An RFC 9457 application/problem+json response."""
    resp = Response(json.dumps(problem, ensure_ascii=False), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def register_error_handlers(app: Flask) -> None:
    """Map the exception tree to problem responses once; never leak tracebacks or SQL."""

    @app.errorhandler(DaoanError)
    def _daoan_error(exc: DaoanError) -> Response:
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="daoan"'}
        return problem_response(exc.problem(), exc.status, headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = exc.description or exc.name
        if status == 404:
            detail = f"no resource at {request.path}; the API is described at /openapi.json"
        if status == 405:
            detail = f"{request.method} is not allowed on {request.path}"
        return problem_response({"type": "about:blank", "title": exc.name, "status": status, "detail": detail}, status)

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
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise Unauthorized("this write needs a token: send 'Authorization: Bearer <token>'")
    given = header[7:].strip()
    for token in settings().all_tokens():
        if hmac.compare_digest(token.secret.encode(), given.encode()):
            if token.role != "admin" and token.role not in roles:
                raise Forbidden(f"token {token.name!r} has role {token.role!r}; this write needs {' or '.join(roles)}")
            g.token = token
            return token
    raise Forbidden("the token is not valid; use DAOAN_API_TOKEN or a token from the settings file")


def base_url() -> str:
    """The public base URL, honouring X-Forwarded-Proto, -Host and -Prefix behind a proxy."""
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    prefix = request.headers.get("X-Forwarded-Prefix", "").split(",")[0].strip().rstrip("/")
    return f"{proto}://{host}{prefix}"


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


def json_response(
    body: Any,
    *,
    status: int = 200,
    mimetype: str = "application/json",
    cache_seconds: int | None = None,
    etag: bool = True,
) -> Response:
    """A JSON response with an ETag; answers If-None-Match with 304."""
    payload = orjson.dumps(body, default=_json_default, option=_ORJSON_OPTIONS)
    resp = Response(payload, status=status, mimetype=mimetype)
    if etag and status == 200:
        resp.set_etag(hashlib.blake2b(payload, digest_size=16).hexdigest())
        if cache_seconds is not None:
            resp.headers["Cache-Control"] = f"public, max-age={cache_seconds}"
        resp.make_conditional(request)
    return resp

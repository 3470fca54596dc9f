"""A WSGI shortcut for GET /route: the answer written without Flask's request machinery (issue 12).

A route's own work takes a few tenths of a millisecond; Flask's request context, URL matching and
Response object with its conditional handling added about as much again. Plain GETs of /route are
answered here with the same parsing (routing.http.route_request), the same answer
(routing.http.route_answer), the same JSON bytes and ETag and the same problem documents as the
Flask view (tests/test_route_path.py compares the two). Anything else — HEAD, a conditional request
(If-None-Match…), a request with a body, an unexpected error (the database lost, say) — goes to the
Flask app, which answers it as before.

The Flask view runs the app's request hooks; the shortcut stands in for the ones it knows (the query
check of gis/web.py, applied here too; the after-request hooks that leave a JSON GET answer alone). When
the app has any other hook for this endpoint, the shortcut stays off and Flask answers every route (a
warning says so, and tests/test_route_path.py fails until the hook is handled here).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask
from werkzeug.http import http_date
from werkzeug.wrappers import Request

from gis.errors import DaoanError, error_lang
from gis.params import query_problem
from gis.root import Root
from gis.web import check_query, error_response, etag_of, html_headers, json_bytes, writes_seen
from routing.http import GEOJSON, route_answer, route_request

log = logging.getLogger(__name__)

# The app's hooks the shortcut answers for: the query check (done here as well) and after-request hooks
# that change nothing on a 200 or problem answer to a GET of JSON.
KNOWN_BEFORE = (check_query,)
KNOWN_AFTER = (html_headers, writes_seen)

# Headers that make a request conditional or partial, or give it a body: Flask answers those.
_FLASK_ONLY = (
    "HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE",
    "HTTP_RANGE", "HTTP_TRANSFER_ENCODING",
)  # fmt: skip
_OK = f"200 {HTTPStatus.OK.phrase}"


class _Date:
    """The Date header's value, formatted once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def __call__(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._text, self._second = http_date(now), now
        return self._text


class FastRoute:
    """WSGI middleware answering plain GET /route requests."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], root: Root, app: Flask, blueprint: str) -> None:
        self.wsgi_app = wsgi_app
        self.root = root
        self.served = 0  # answers given without Flask
        self._date = _Date()
        self._app, self._blueprint = app, blueprint
        self._enabled: bool | None = None  # decided at the first request, once every hook is registered

    def unknown_hooks(self) -> list[str]:
        """The app's request hooks for the route endpoint that the shortcut does not stand in for."""
        app, scopes = self._app, (None, self._blueprint)
        hooks: list[Any] = [
            *(f for s in scopes for f in app.before_request_funcs.get(s, ()) if f not in KNOWN_BEFORE),
            *(f for s in scopes for f in app.after_request_funcs.get(s, ()) if f not in KNOWN_AFTER),
            *(f for s in scopes for f in app.url_value_preprocessors.get(s, ())),
        ]
        return [getattr(f, "__qualname__", repr(f)) for f in hooks]

    def _on(self) -> bool:
        if self._enabled is None:
            unknown = self.unknown_hooks()
            if unknown:
                log.warning("GET /route goes through Flask: request hooks %s are not handled by its shortcut", unknown)
            self._enabled = not unknown
        return self._enabled

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") == "/route"
            and environ.get("REQUEST_METHOD") == "GET"
            and environ.get("CONTENT_LENGTH", "") in ("", "0")
            and not any(key in environ for key in _FLASK_ONLY)
            and self._on()
        ):
            request = Request(environ)
            try:
                problem = query_problem(request.args)  # check_query
                if problem is not None:
                    raise problem
                body = json_bytes(
                    route_answer(self.root, route_request(request.args, request.headers.get("Accept-Language")))
                )
            except DaoanError as exc:  # bad input, no route, routing data being built: the problem document
                self.served += 1
                lang = error_lang(request.args.get("lang"), request.headers.get("Accept-Language"))
                return error_response(exc, lang)(environ, start_response)
            except Exception:  # e.g. the database went away: Flask answers (503 with its problem document)
                return self.wsgi_app(environ, start_response)
            self.served += 1
            start_response(
                _OK,
                [
                    ("Content-Type", GEOJSON),
                    ("Content-Length", str(len(body))),
                    ("ETag", f'"{etag_of(body)}"'),
                    ("Date", self._date()),
                ],
            )
            return [body]
        return self.wsgi_app(environ, start_response)

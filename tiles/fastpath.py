"""A WSGI shortcut for tiles: /tiles/{layers}/{z}/{x}/{y}.mvt answered without Flask's machinery.

Valid anonymous requests (known layers, an address inside the matrix, no Authorization header) are
answered here, from the cache or freshly rendered, without internal layers or properties (a composite
leaves them out; a tile of internal layers only goes to Flask, which answers 401); everything else — bad input, an error while rendering (the database is down,
say), another path — goes to the Flask app, which answers with its problem document or renders
the tile with the same headers (tiles/responses.py serves both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import psycopg2

from gis.errors import DaoanError
from layers.catalog import Layer
from tiles.matrix import MAX_ZOOM, TileAddress
from tiles.responses import tile_http
from tiles.selection import parse_layers
from tiles.service import TileService

_PATH = re.compile(r"/tiles/([a-z_,]+)/(\d{1,2})/(\d{1,7})/(\d{1,7})\.mvt")
_REASONS = {code: f"{code} {HTTPStatus(code).phrase}" for code in (200, 204, 304)}


class FastTiles:
    """WSGI middleware serving the XYZ tile endpoint's valid requests."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], service: TileService) -> None:
        self.wsgi_app = wsgi_app
        self.service = service
        self._layers: dict[str, list[Layer] | None] = {}
        self.served = 0  # responses given without Flask

    def _layers_of(self, text: str) -> list[Layer] | None:
        if text not in self._layers:
            if len(self._layers) > 1000:
                self._layers.clear()
            try:
                self._layers[text] = parse_layers(text)
            except DaoanError:
                self._layers[text] = None
        return self._layers[text]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match:
                answer = self._answer(match, environ)
                if answer is not None:
                    status, headers, body = answer
                    if status == 200:  # never on 204 (RFC 9110) nor on 304
                        headers.append(("Content-Length", str(len(body))))
                    self.served += 1
                    start_response(_REASONS[status], headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, match: re.Match[str], environ: dict[str, Any]) -> tuple | None:
        if environ.get("HTTP_AUTHORIZATION"):
            return None  # a reader with a token (or a bad one): Flask checks it
        layers = self._layers_of(match.group(1))
        z, x, y = int(match.group(2)), int(match.group(3)), int(match.group(4))
        if layers is None or z > MAX_ZOOM or x >= 1 << z or y >= 1 << z:
            return None  # Flask answers with the problem document
        public = [layer for layer in layers if not layer.internal]
        if not public:
            return None  # only internal layers: Flask answers 401
        try:
            result = self.service.tile(public, TileAddress(z, x, y))
        except (DaoanError, psycopg2.Error):
            return None  # e.g. the database is unreachable: Flask answers 503 with its problem document
        return tile_http(
            self.service,
            result,
            accept_encoding=environ.get("HTTP_ACCEPT_ENCODING", ""),
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
            varies=any(layer.restricted for layer in layers),
        )

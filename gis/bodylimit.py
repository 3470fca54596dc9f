"""A WSGI guard that holds every request body to the upload limit, however it is framed.

With a Content-Length over the limit the request is refused before anything is read. A body without
one (``Transfer-Encoding: chunked``) is read up to one byte past the limit: over it, 413 and nothing
reaches the app; within it, the app gets the whole body with its length, so no reader downstream can
see a silently cut stream (Werkzeug caps an unframed stream at the limit without saying so).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

_READ_CHUNK = 1 << 20


def _too_large(limit: int, start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request Entity Too Large",
            "status": 413,
            "detail": f"the request body is over the limit of {limit:,} bytes; send a smaller file "
            "(split it, or import it with the daoan command line)",
            "parameter": "body",
        }
    ).encode()
    start_response(
        "413 Request Entity Too Large",
        [
            ("Content-Type", "application/problem+json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]


class BodyLimit:
    """Wrap a WSGI app so that no request body over `limit` bytes reaches it (413 instead)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or ""
        if length:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared > self.limit:
                return _too_large(self.limit, start_response)
            return self.wsgi_app(environ, start_response)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and not environ.get("wsgi.input_terminated"):
            return self.wsgi_app(environ, start_response)
        stream = environ.get("wsgi.input")
        if stream is None:
            return self.wsgi_app(environ, start_response)
        buffer = io.BytesIO()
        size = 0
        while True:
            chunk = stream.read(min(_READ_CHUNK, self.limit + 1 - size))
            if not chunk:
                break
            buffer.write(chunk)
            size += len(chunk)
            if size > self.limit:
                return _too_large(self.limit, start_response)
        buffer.seek(0)
        environ["wsgi.input"] = buffer
        environ["CONTENT_LENGTH"] = str(size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        return self.wsgi_app(environ, start_response)

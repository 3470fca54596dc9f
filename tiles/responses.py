"""HTTP semantics of a tile, without Flask: status, headers and body for a request's conditions."""

from __future__ import annotations

from tiles.service import Tile, TileService

MVT = "application/vnd.mapbox-vector-tile"


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header value allows gzip (and does not give it q=0)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return True
    return False


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header value names `etag` (weak comparison, or '*')."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/").strip('"') == etag:
            return True
    return False


def tile_http(
    service: TileService,
    result: Tile,
    *,
    accept_encoding: str,
    if_none_match: str,
    private: bool = False,
    varies: bool = False,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body): 304 when the ETag matches, 204 when empty, gzip when accepted.

    `private`: the tile holds internal data read with a token (no-store, no CORS wildcard);
    `varies`: a public tile that would hold more with a token (Vary: Authorization)."""
    gzipped = not result.empty and accepts_gzip(accept_encoding)
    etag = result.etag + ("-gz" if gzipped else "")
    if private:
        headers = [
            ("Cache-Control", "private, no-store"),
            ("Vary", "Accept-Encoding, Authorization"),
            ("ETag", f'"{etag}"'),
        ]
    else:
        headers = [
            ("Cache-Control", f"public, max-age={result.max_age_s}"),
            ("Vary", "Accept-Encoding, Authorization" if varies else "Accept-Encoding"),
            ("ETag", f'"{etag}"'),
            ("Access-Control-Allow-Origin", "*"),
        ]
    if if_none_match and etag_matches(if_none_match, etag):
        return 304, headers, b""
    if result.empty:
        return 204, headers, b""
    body = service.gzipped(result) if gzipped else result.data
    headers.append(("Content-Type", MVT))
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    return 200, headers, body

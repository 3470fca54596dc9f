"""Read access (the plan's 安全接入, 二(四)1): who may read internal layers, and how such answers are cached.

The catalogue declares which layers and properties are internal (layers/catalog.py). A request may
send `Authorization: Bearer <token>`; every role is a reading role. Without a token an internal layer
answers 401 and internal properties are left out; a token that is not valid is 401 too (a reader must
learn that its token is wrong rather than silently get the public answer).

An answer that used a token to show internal data is `Cache-Control: private, no-store` with
`Vary: Authorization` and no `Access-Control-Allow-Origin: *`; a public answer that would differ with a
token keeps its public lifetime and says `Vary: Authorization`, so no shared cache hands it to a reader
with a token nor the reader's answer to anyone else.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from flask import Response, g, request

from gis.audit import AuditEntry
from gis.errors import Unauthorized
from gis.root import current_root
from gis.settings import READING_ROLES, Settings, Token

log = logging.getLogger(__name__)

PRIVATE = "private, no-store"


def bearer_secret(header: str) -> str | None:
    """The secret of an `Authorization: Bearer <secret>` header value; None when the header is empty;
    Unauthorized when it is something else (another scheme, no secret)."""
    if not header.strip():
        return None
    scheme, _, given = header.strip().partition(" ")
    given = given.strip()
    # The scheme is case-insensitive (RFC 9110 §11.1).
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("send the token as 'Authorization: Bearer <token>'")
    return given


def find_token(settings: Settings, secret: str) -> Token | None:
    """The configured token whose secret is `secret` (compared in constant time), if any."""
    found = None
    for token in settings.all_tokens():
        if hmac.compare_digest(token.secret.encode(), secret.encode()):
            found = token
    return found


def reader() -> Token | None:
    """The request's reading token: None without an Authorization header, 401 for one that is not a
    valid token of a reading role."""
    if "reader" in g:
        return g.reader
    secret = bearer_secret(request.headers.get("Authorization", ""))
    token = None
    if secret is not None:
        token = find_token(current_root().settings, secret)
        if token is None or token.role not in READING_ROLES:
            raise Unauthorized("the token is not valid; use DAOAN_API_TOKEN or a token from the settings file")
    g.reader = token
    return token


def require_reader(what: str) -> Token:
    """The reading token of the request; 401 (WWW-Authenticate: Bearer) naming `what` without one."""
    token = reader()
    if token is None:
        roles = ", ".join(READING_ROLES)
        raise Unauthorized(f"{what} is internal: send 'Authorization: Bearer <token>' (a token of role {roles})")
    return token


def mark_private(resp: Response) -> Response:
    """An answer carrying internal data: never stored by any cache, never readable by other origins."""
    resp.headers["Cache-Control"] = PRIVATE
    resp.headers.pop("Access-Control-Allow-Origin", None)
    return vary_authorization(resp)


def vary_authorization(resp: Response) -> Response:
    """Say that the answer depends on the Authorization header (keeping any other Vary)."""
    resp.vary.add("Authorization")
    return resp


def is_private(resp: Response) -> bool:
    """True when `resp` was marked private (no CORS wildcard may be added to it)."""
    return "private" in (resp.headers.get("Cache-Control") or "")


def audit_read(token: Token, layer_id: str, features: int | Callable[[], int]) -> None:
    """Record that the request read internal data of `layer_id` with `token` (`features` of it): queued
    for the audit writer, so the read neither waits for it nor fails with it."""
    audit = current_root().audit
    if audit is None:
        return
    try:
        entry = AuditEntry(token.name, token.role, layer_id, request.method, request.path, request.args.to_dict(),
                           features)  # fmt: skip
        audit.record(entry)
    except Exception:
        log.exception("audit entry for %s not recorded", layer_id)

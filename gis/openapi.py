"""Shared pieces of the OpenAPI document: the problem schema, the security scheme and the error
statuses every operation can really answer (added in one place, so no subsystem forgets one)."""

from __future__ import annotations

from typing import Any

SECURITY_SCHEME = "bearerAuth"
AUTH: list[dict[str, list[str]]] = [{SECURITY_SCHEME: []}]
# Reads that show internal layers or properties only with a token (gis/access.py): the token is optional.
OPTIONAL_AUTH: list[dict[str, list[str]]] = [{}, {SECURITY_SCHEME: []}]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "parameter": {"type": "string"},
    },
}

_WHY = {
    "400": "A parameter or body that cannot be parsed",
    "401": "A write, or a read of an internal layer, without a valid token",
    "403": "A token that is wrong or whose role does not allow this",
    "404": "No such resource",
    "405": "Method not allowed (the Allow header lists the allowed ones)",
    "409": "A state conflict",
    "412": "If-Match names a stale version",
    "413": "The request is over a size limit",
    "422": "Well-formed but unusable",
    "503": "The database is unreachable (Retry-After)",
}


def problem(status: str) -> dict[str, Any]:
    """The response object of an error status: application/problem+json (RFC 9457)."""
    resp: dict[str, Any] = {
        "description": _WHY.get(status, "Problem details (RFC 9457)"),
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == "503":
        resp["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}}
    if status == "405":
        resp["headers"] = {"Allow": {"schema": {"type": "string"}, "description": "The allowed methods"}}
    if status == "401":
        resp["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return resp


def problems(*statuses: int) -> dict[str, Any]:
    """Response objects for `statuses`, keyed as OpenAPI wants them."""
    return {str(s): problem(str(s)) for s in statuses}


def _statuses(path: str, method: str, op: dict[str, Any], path_params: list[dict[str, Any]]) -> list[str]:
    """The error statuses the server can answer for one operation."""
    params = [*path_params, *op.get("parameters", [])]
    out = ["405", "503"]  # any path answers 405 to other methods; anything touching the database may 503
    if params or "requestBody" in op:
        out += ["400", "422"]
    if "{" in path:
        out.append("404")
    if "requestBody" in op or method in ("post", "put", "patch"):
        out += ["400", "413"]  # every body passes the upload limit, however it is framed
    if op.get("security") == OPTIONAL_AUTH:
        out.append("401")  # a read: a missing or bad token is 401, a token of any role reads
    elif op.get("security"):
        out += ["401", "403"]
    return out


def complete(paths: dict[str, Any]) -> dict[str, Any]:
    """`paths` with every operation's error statuses listed, each with the problem+json schema."""
    for path, item in paths.items():
        path_params = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            for status in [*_statuses(path, method, op, path_params), *responses]:
                if status[:1] in ("4", "5"):  # every error is problem+json (docs/api.md)
                    responses[status] = problem(status)
    return paths


def components() -> dict[str, Any]:
    """The document's shared components."""
    return {
        "schemas": {"Problem": PROBLEM_SCHEMA},
        "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer"}},
    }

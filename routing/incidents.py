"""Incidents: closures and restrictions declared by operators, stored with their history.

A change or an end of an incident reads, merges and writes under the incident's row lock, in one
transaction, so concurrent writes are serialized and none is lost. Each accepted change adds one to
the incident's version (its ETag); a caller may name the version it saw (If-Match), and a stale one is
refused (412). An ended incident refuses every change and a second end (409), whatever If-Match says.
"""

from __future__ import annotations

import json
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import Conflict, InvalidParameter, NotFound, PreconditionFailed
from gis.params import INT64_MAX
from gis.sqlfiles import load_sql
from routing.incident import Incident, IncidentPatch
from routing.incident_place import resolve


def _read(conn: Connection, ident: int) -> Incident:
    if not 0 < ident <= INT64_MAX:
        raise NotFound(
            f"no incident with id {ident}; see /incidents?status=all",
            detail_zh=f"没有编号为 {ident} 的事件；全部事件见 /incidents?status=all",
        )
    row = conn.execute(
        sa.text(load_sql("queries/routing_incident_select.sql")),
        {"id": ident, "status": "all", "limit": 1, "offset": 0},
    ).first()
    if row is None:
        raise NotFound(
            f"no incident with id {ident}; see /incidents?status=all",
            detail_zh=f"没有编号为 {ident} 的事件；全部事件见 /incidents?status=all",
        )
    return Incident.from_row(row)


def _locked(conn: Connection, ident: int, if_match: Collection[str] | None, doing: str) -> Incident:
    """The incident under its row lock, checked: 404 unknown, 409 ended, 412 If-Match stale (in that order)."""
    if 0 < ident <= INT64_MAX:
        conn.execute(sa.text(load_sql("queries/routing_incident_lock.sql")), {"id": ident})
    incident = _read(conn, ident)
    if incident.ended:
        when = incident.ended_at or incident.spec.ends_at
        raise Conflict(
            f"incident {ident} has already ended (at {when.isoformat() if when else 'an unknown time'}); "
            f"it cannot {doing}: declare a new one",
            detail_zh=f"事件{ident}已于{when.isoformat() if when else '未知时间'}结束，不能再{'修改' if doing == 'change' else '结束'}；如需管制请发布新事件",
        )
    if if_match is not None and "*" not in if_match and incident.etag not in if_match:
        raise PreconditionFailed(
            f'incident {ident} has changed since the version If-Match names (it is now "{incident.etag}"); '
            "GET it again, then repeat the change on what it says now",
            parameter="If-Match",
            extra={"etag": f'"{incident.etag}"'},
            detail_zh=f'事件{ident}在 If-Match 所指版本之后已有改动（现为"{incident.etag}"）；请重新获取，按最新内容再作修改',
        )
    return incident


def _record(conn: Connection, ident: int, action: str, who: str, changes: dict) -> None:
    conn.execute(
        sa.text(load_sql("queries/routing_incident_change.sql")),
        {"id": ident, "action": action, "who": who, "changes": json.dumps(changes, ensure_ascii=False)},
    )


def create_incident(conn: Connection, patch: IncidentPatch, *, who: str) -> Incident:
    """Store a new incident (version 1, recorded in incident_changes)."""
    spec = resolve(conn, patch)
    ident = conn.execute(
        sa.text(load_sql("queries/routing_incident_insert.sql")), spec.params() | {"who": who}
    ).scalar_one()
    _record(conn, int(ident), "create", who, patch.raw)
    return _read(conn, int(ident))


def update_incident(
    conn: Connection, ident: int, patch: IncidentPatch, *, who: str, if_match: Collection[str] | None = None
) -> Incident:
    """Change an incident that has not ended, merged over its stored values under its row lock."""
    current = _locked(conn, ident, if_match, "change")
    spec = resolve(conn, patch, current)
    conn.execute(sa.text(load_sql("queries/routing_incident_update.sql")), spec.params() | {"who": who, "id": ident})
    _record(conn, ident, "update", who, patch.raw)
    return _read(conn, ident)


def end_incident(conn: Connection, ident: int, *, who: str, if_match: Collection[str] | None = None) -> Incident:
    """End an incident now, exactly once: 409 when it has already ended."""
    _locked(conn, ident, if_match, "end again")
    conn.execute(sa.text(load_sql("queries/routing_incident_end.sql")), {"id": ident, "who": who})
    _record(conn, ident, "end", who, {})
    return _read(conn, ident)


def get_incident(conn: Connection, ident: int) -> Incident:
    """One incident (404 when unknown)."""
    return _read(conn, ident)


def incident_history(conn: Connection, ident: int) -> list[dict]:
    """The changes of an incident, oldest first: action, who, when, the body sent and the version made."""
    return [
        {
            "action": h.action,
            "changed_by": h.changed_by,
            "changed_at": h.changed_at.isoformat(),
            "changes": h.changes,
            "version": h.version,
        }
        for h in conn.execute(sa.text(load_sql("queries/routing_incident_history.sql")), {"id": ident})
    ]


def incident_feature(conn: Connection, ident: int) -> tuple[Incident, dict]:
    """One incident and its Feature with the change history (GET /incidents/{id})."""
    incident = _read(conn, ident)
    return incident, incident.feature(incident_history(conn, ident))


def list_incidents(conn: Connection, *, status: str = "active", limit: int = 1000, offset: int = 0) -> dict:
    """Incidents in force (status=active), in force or scheduled (current), or all with history (all)."""
    if status not in ("active", "current", "all"):
        raise InvalidParameter(
            f"status must be active, current or all; got {status!r}",
            parameter="status",
            detail_zh=f"status 只能取 active、current 或 all，收到{status!r}",
        )
    rows = conn.execute(
        sa.text(load_sql("queries/routing_incident_select.sql")),
        {"id": None, "status": status, "limit": limit, "offset": offset},
    ).all()
    features = [Incident.from_row(r).feature() for r in rows]
    return {"type": "FeatureCollection", "features": features, "numberReturned": len(rows)}

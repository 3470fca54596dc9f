"""Evaluating and storing warnings: the candidates of one evaluation become the warnings in force.

A condition (its `condition_key`: reason, zone or segment, direction) found again at the same level
extends its warning; at another level the old warning ends (superseded) and a new one is issued; a
condition in force that the evaluation no longer finds is lifted. Expiry is by the clock: nothing
needs to run for a warning to leave the feed, the tiles and the routes at its expires_at.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analysis.early_warning.evaluate import Candidate, Settings, risk_candidates, rule_candidates
from analysis.early_warning.rules import WarningRules, default_rules
from analysis.early_warning.stretch import RoutingView
from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)

RULE_REASONS = ("fog", "ice", "downgrade_rain")


def _values(c: Candidate, at: datetime, who: str) -> dict:
    v = asdict(c)
    v.update(
        at=at,
        who=who,
        signs=json.dumps(c.signs, ensure_ascii=False),
        sign_ids=[int(s["sign_id"]) for s in c.signs],
        geometry=json.dumps(c.geometry) if c.geometry else None,
    )
    return v


def evaluate_warnings(
    conn: Connection,
    engine: Engine,
    *,
    view: RoutingView | None,
    at: datetime | None = None,
    who: str = "daoan",
    rules: WarningRules | None = None,
    settings: Settings | None = None,
    risk: bool = True,
) -> dict:
    """Issue, extend, supersede and lift warnings for the situation at `at` (now); the counts and the
    ids issued. Risk warnings are decided only when `risk` and analysis.risk_live can score (a risk model
    is stored); otherwise those in force are left as they are."""
    now = datetime.now(UTC)
    at = at or now
    rules = rules or default_rules()
    cfg = settings or Settings()
    candidates = rule_candidates(conn, view, rules, at, cfg, now=now)
    reasons = list(RULE_REASONS)
    scored = risk_candidates(conn, engine, view, rules, at) if risk else None
    if scored is not None:
        candidates += scored
        reasons.append("risk")
    in_force = {
        r.condition_key: r
        for r in conn.execute(sa.text(load_sql("queries/warnings_in_force.sql")), {"at": at, "reasons": reasons})
    }
    issued: list[int] = []
    extended = lifted = 0
    found: set[str] = set()
    for c in candidates:
        if c.condition_key in found or c.expires_at <= at:
            continue
        found.add(c.condition_key)
        values = _values(c, at, who)
        old = in_force.get(c.condition_key)
        if old is not None and old.level == c.level:
            conn.execute(sa.text(load_sql("queries/warnings_refresh.sql")), {**values, "id": old.id})
            extended += 1
            continue
        new_id = conn.execute(sa.text(load_sql("queries/warnings_insert.sql")), values).scalar_one()
        issued.append(int(new_id))
        if old is not None:
            conn.execute(
                sa.text(load_sql("queries/warnings_end.sql")), {"id": old.id, "at": at, "superseded_by": new_id}
            )
    for key, old in in_force.items():
        if key not in found:
            conn.execute(sa.text(load_sql("queries/warnings_end.sql")), {"id": old.id, "at": at, "superseded_by": None})
            lifted += 1
    summary = {
        "at": at.isoformat(),
        "issued": issued,
        "extended": extended,
        "lifted": lifted,
        "risk": "evaluated" if scored is not None else ("unavailable" if risk else "not asked"),
    }
    log.info("warnings evaluated: %s", summary)
    return summary

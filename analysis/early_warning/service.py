"""When warnings are evaluated: after every POST /weather/observations (the weather rules, on the readings
just stored) and by `daoan warnings evaluate` / POST /warnings/evaluate (the rules and the risk threshold,
which moves with the hour without any reading and scores the whole network: run it from cron, e.g.
every 10 minutes). The server holds no state of its own:
each evaluation reads the readings, the zones and the warnings in force from PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from analysis.early_warning.evaluate import Settings
from analysis.early_warning.store import evaluate_warnings
from analysis.early_warning.stretch import RoutingView
from gis.db import connect
from gis.errors import DaoanError
from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)


def routing_view(conn: Any, router: Any) -> RoutingView | None:
    """Routing's graph, overlay and signs for the sign selection; None while routing is unavailable
    (the graph being built, or no network): warnings are then issued without signs."""
    from routing.signs import load_message_signs

    try:
        state, overlay, _ = router.for_request()
    except DaoanError as exc:
        log.info("warnings evaluated without routing: %s", exc)
        return None
    if state.graph.n_segments == 0:
        return None
    return RoutingView(state, overlay, load_message_signs(conn))


def evaluate(router: Any, *, at: datetime | None = None, who: str, risk: bool = True) -> dict:
    """One evaluation in one transaction (serialized with any other): the summary of what changed.
    `risk`: the risk threshold too (live scores of every segment: up to ~2 s on the province)."""
    s = router.settings
    cfg = Settings(valid_s=s.observation_valid_min * 60, radius_m=s.fog_station_radius_m)
    with connect(router.engine) as conn:
        conn.execute(sa.text(load_sql("queries/warnings_lock.sql")))
        view = routing_view(conn, router)
        return evaluate_warnings(conn, router.engine, view=view, at=at, who=who, settings=cfg, risk=risk)


def evaluate_after_readings(router: Any, *, who: str) -> dict | None:
    """The evaluation that follows stored readings; None (logged) when it failed: the readings stay
    stored and the next evaluation catches up."""
    try:  # the weather rules only: the risk threshold scores the whole network (`daoan warnings evaluate`)
        return evaluate(router, who=who, risk=False)
    except DaoanError as exc:
        log.warning("warnings not evaluated after readings: %s", exc.detail)
    except Exception:
        log.exception("warnings not evaluated after readings")
    return None

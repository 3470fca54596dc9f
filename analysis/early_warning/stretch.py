"""A warned stretch per direction of travel, with the variable message signs (情报板) upstream that
should show the warning: the sign selection of the diversion plans' speed restrictions
(routing.restriction.plan_restriction: the stretch's chains per direction, the control cities
naming the direction, the real signs within 30 km upstream facing the traffic)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from gis.errors import DaoanError
from gis.stake import parse_stake

log = logging.getLogger(__name__)


@dataclass
class RoutingView:
    """What the sign selection needs from routing: the graph state, an overlay, the signs in service."""

    state: Any  # routing.service.RoutingState
    overlay: Any  # routing.overlay.Overlay
    message_signs: list[Any]


@dataclass
class Stretch:
    """One direction of a warned stretch."""

    direction: str  # up (increasing stakes), down, or both (unknown: no stakes, no routing)
    direction_zh: str | None = None
    direction_en: str | None = None
    from_stake_m: float | None = None  # in the direction of travel
    to_stake_m: float | None = None
    geometry: dict | None = None  # GeoJSON line; None: the segments' own lines
    signs: list[dict] = field(default_factory=list)  # the real signs upstream: id, name, stake, distance, size


def stretches(
    conn: Connection,
    view: RoutingView | None,
    segment_ids: list[int],
    *,
    route_code: str | None,
    from_stake_m: float | None,
    to_stake_m: float | None,
) -> list[Stretch]:
    """The stretch of `segment_ids` per direction of travel with its signs upstream; one stretch of
    direction `both`, without signs, when routing is not at hand or the segments are not in its graph."""
    fallback = [Stretch("both", from_stake_m=from_stake_m, to_stake_m=to_stake_m)]
    if view is None or not segment_ids:
        return fallback
    from routing.diversion import Closure
    from routing.restriction import plan_restriction
    from routing.signs import cities_along

    g = view.state.graph
    idx = g.segment_index(segment_ids)
    idx = idx[idx >= 0]
    arcs = [int(a) for s in idx.tolist() for a in (2 * s, 2 * s + 1) if np.isfinite(g.base_cost[a])]
    if not arcs:
        return fallback
    closure = Closure(
        arcs=frozenset(arcs),
        kind="control",
        route_code=route_code,
        from_stake_m=from_stake_m,
        to_stake_m=to_stake_m,
        effect="restricted",
    )
    try:
        plan = plan_restriction(
            view.state,
            view.overlay,
            closure,
            message_signs=view.message_signs,
            cities=lambda walk: cities_along(conn, g, walk),
        )
    except DaoanError as exc:  # a stretch routing cannot plan for: warned without signs
        log.info("warning stretch without signs: %s", exc)
        return fallback
    out: dict[int, Stretch] = {}
    for f in plan["features"]:
        p = f["properties"]
        if p.get("role") != "restriction":
            continue
        lo = parse_stake(p["from_stake"]) if p.get("from_stake") else None
        hi = parse_stake(p["to_stake"]) if p.get("to_stake") else None
        way = "both" if lo is None or hi is None or lo == hi else ("up" if hi > lo else "down")
        out[p["stream"]] = Stretch(
            way,
            direction_zh=p.get("direction_zh"),
            direction_en=p.get("direction_text_en"),
            from_stake_m=lo,
            to_stake_m=hi,
            geometry=f.get("geometry"),
        )
    for f in plan["features"]:
        p = f["properties"]
        if p.get("role") == "sign" and p.get("sign_id") is not None and p["stream"] in out:
            out[p["stream"]].signs.append(
                {
                    "sign_id": p["sign_id"],
                    "name": p.get("sign_name"),
                    "stake": p.get("stake"),
                    "distance_m": p.get("distance_to_closure_m"),
                    "lines": p.get("lines"),
                    "chars_per_line": p.get("chars_per_line"),
                    "coordinates": f["geometry"]["coordinates"],
                }
            )
    return list(out.values()) or fallback

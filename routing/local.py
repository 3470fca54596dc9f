"""Routing without the web server: what the command line runs (build, route, diversion)."""

from __future__ import annotations

import resource
import time
from typing import Any

from sqlalchemy.engine import Engine

from gis.db import connect
from gis.settings import Settings
from routing.routes import RouteRequest, plan_route
from routing.service import Router, read_versions


def build_stats(engine: Engine, settings: Settings, *, router: Router | None = None) -> dict[str, Any]:
    """Build the routing graph once and report its size, build time and peak memory (with `router`,
    the process's own: the composition root's)."""
    t0 = time.perf_counter()
    state = (router or Router(engine, settings)).build_now()
    g = state.graph
    return {
        "segments": g.n_segments,
        "nodes": len(g.node_ids),
        "expanded_nodes": g.n_nodes,
        "directed_edges": g.n_edges,
        "turn_restrictions": g.restrictions,
        "landmarks": int(state.landmarks.nodes.shape[0]),
        "main_network_segments": int(state.preferred.sum()),
        "graph_build_s": round(g.built_s, 2),
        "landmarks_build_s": round(state.landmarks.built_s, 2),
        "total_s": round(time.perf_counter() - t0, 2),
        "arrays_mb": round(g.memory_bytes() / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def route_once(engine: Engine, settings: Settings, req: RouteRequest, *, router: Router | None = None) -> dict:
    """One route request against the database, as GET /route answers it."""
    router = router or Router(engine, settings)
    with connect(engine) as conn:
        versions = read_versions(conn)
        state = router.state(conn, versions)
        ov = router.overlay(conn, state, versions, at=req.depart_at, incidents=not req.ignore_incidents)
        base = router.overlay(conn, state, versions, at=req.depart_at, incidents=False) if ov.arc_incidents else None
        live = router.overlay(conn, state, versions, at=req.depart_at) if req.ignore_incidents else None
        return plan_route(state, ov, base, req, radius_m=settings.routing_snap_radius_m, live=live)


def diversion_once(
    engine: Engine,
    settings: Settings,
    *,
    incident_id: int | None = None,
    closure: dict | None = None,
    router: Router | None = None,
) -> dict:
    """A diversion plan for a stored incident or an ad-hoc closure (an incident body; stores nothing)."""
    from routing.diversion import adhoc_closure, incident_closure, load_toll_stations, plan_diversion

    router = router or Router(engine, settings)
    with connect(engine) as conn:
        versions = read_versions(conn)
        state = router.state(conn, versions)
        ov = router.overlay(conn, state, versions)
        if incident_id is not None:
            c = incident_closure(conn, state.graph, incident_id)
        else:
            c = adhoc_closure(conn, state.graph, closure or {})
        return plan_diversion(
            state, ov, c, search_km=settings.diversion_search_km, toll_stations=load_toll_stations(conn)
        )

"""Diversion plans (分流方案): for each direction of a closure, where upstream to divert (远端分流),
where to control near it (近端控制), the detours with their added distance and time, the
entrances to close and what every guidance sign upstream should say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.errors import Conflict, Unprocessable
from gis.sqlfiles import load_sql
from gis.stake import format_stake
from routing.directions import _seg_coords, arc_coords
from routing.geometry import substring
from routing.graph import CLASS_CODE, EXPRESSWAY, LINK, ROAD_CLASSES, RoadGraph, township_arcs
from routing.incident import Incident, IncidentPatch, IncidentSpec, Place
from routing.incident_place import resolve
from routing.incidents import get_incident
from routing.overlay import Overlay
from routing.plan_rules import plan_rules
from routing.ramps import entrance_arcs
from routing.romanise import article_en, romanise
from routing.rules import fog_rule
from routing.search import Path
from routing.service import RoutingState
from routing.signs import (
    CityCounty,
    board_feature,
    closure_board_variants,
    direction_between,
    exit_name,
    fit,
    short_stake,
    signs_upstream,
)
from routing.text import REASON_ZH, bearing_deg, bound, closure_sign, distance_text, hub_name, road_label

MAX_DECISION_POINTS = 8
REJOIN_SEARCH_M = 50_000.0
SIGN_BEFORE_M = 2_000.0
TOLL_NEAR_M = 1_500.0
TIE_SHARE = 0.02
_TRUNK_CLASSES = frozenset((EXPRESSWAY, CLASS_CODE["national"], CLASS_CODE["provincial"]))
CITY_AHEAD_M = 150_000.0  # how far ahead to look for the next control city
# Off expressways an ordinary-road detour is preferred to one over an expressway unless it takes longer
# than this share of the expressway detour's time plus this many seconds (a documented default).
LOCAL_DETOUR_SHARE = 1.5
LOCAL_DETOUR_EXTRA_S = 900.0


@dataclass(frozen=True)
class Closure:
    """What is closed: the arcs, and how to talk about it."""

    arcs: frozenset[int]
    kind: str | None = None
    route_code: str | None = None
    from_stake_m: float | None = None
    to_stake_m: float | None = None
    incident_id: int | None = None
    toll_station_id: int | None = None
    effect: str = "closed"
    speed_cap_kmh: int | None = None
    weather: str | None = None  # declared on the incident: it names the closure whatever zone it lies in


@dataclass
class _Plan:
    node: int
    metres: float
    detour: Path
    stake: float | None
    added_t: float
    added_m: float
    det_m: float
    road: str | None
    below_county: bool = False  # no detour on roads of county class or above connects
    reach: str = "local"  # hub (onto another expressway), trunk (expressway or national road) or local
    tier: str | None = None
    toll_station: str | None = None
    township_m: float = 0.0  # metres of the detour on roads below county class
    crossing: str | None = None  # the road the detour turns onto (its first named road)
    no_rejoin: bool = False  # nothing leads back onto the road past the closure: leave, no detour
    toward: str | None = None  # at a hub: the city (or county) the other expressway is taken towards
    via_expressway: bool = False  # off expressways: no detour on ordinary roads, this one takes an expressway
    entry: str | None = None  # off expressways: the toll station where the detour enters the expressway


@dataclass
class _Stream:
    arcs: list[int]
    entry: int  # physical node where the closure starts for this direction
    exit: int  # physical node where it ends
    key: tuple
    walk: list[tuple[int, float, float, int]] = field(default_factory=list)  # (node, metres, seconds, arc)


def closure_arcs(conn: Connection, graph: RoadGraph, place: Place) -> frozenset[int]:
    """The arcs closed at a place: its stake range (or geometry) in its direction."""
    rows = conn.execute(
        sa.text(load_sql("queries/routing_closure_segments.sql")),
        {
            "route": place.route_code,
            "lo": place.from_stake_m,
            "hi": place.to_stake_m,
            "geometry": place.geometry,
            "direction": place.direction,
        },
    ).all()
    idx = graph.segment_index([r.segment_id for r in rows])
    arcs: set[int] = set()
    for r, s in zip(rows, idx.tolist(), strict=True):
        if s < 0:
            continue
        if r.along and np.isfinite(graph.base_cost[2 * s]):
            arcs.add(2 * s)
        if r.against and np.isfinite(graph.base_cost[2 * s + 1]):
            arcs.add(2 * s + 1)
    return frozenset(arcs)


def closure_of(conn: Connection, graph: RoadGraph, spec: IncidentSpec, *, incident_id: int | None = None) -> Closure:
    """The closure an incident (stored, or declared ad hoc) makes: the arcs it closes and how to name it;
    an entrance closure closes the entrance arcs of its toll station."""
    p = spec.place
    ts = None
    if spec.kind == "entrance_closure" and p.toll_station_id is not None:
        ts = conn.execute(sa.text(load_sql("queries/routing_toll_station.sql")), {"id": p.toll_station_id}).first()
    if ts is not None:
        arcs = frozenset(entrance_arcs(graph, float(ts.lon), float(ts.lat), segment_id=ts.segment_id))
    else:
        arcs = closure_arcs(conn, graph, p)
    return Closure(
        arcs,
        spec.kind,
        p.route_code,
        p.from_stake_m,
        p.to_stake_m,
        incident_id,
        p.toll_station_id,
        spec.effect,
        spec.speed_cap_kmh,
        spec.weather,
    )


def incident_in_force(conn: Connection, ident: int) -> Incident:
    """A stored incident a plan can be made for: 404 for an unknown one, 409 for one that has ended
    (by an operator or by its end time), naming the incident and its end."""
    incident = get_incident(conn, ident)
    if incident.ended:
        end = incident.ended_at or incident.spec.ends_at
        when = end.isoformat() if end else "an unknown time"
        when_zh = end.isoformat() if end else "未知时间"
        raise Conflict(
            f"incident {incident.id} ended at {when}; a diversion plan is made only for an incident in force "
            f"or scheduled (see /incidents/{incident.id}; declare a new one to plan for it again)",
            parameter="incident",
            extra={
                "incident_id": incident.id,
                "incident_status": incident.status,
                "ended_at": end.isoformat() if end else None,
            },
            detail_zh=f"事件 {incident.id} 已于 {when_zh} 结束，分流方案只为生效中或已排定的事件制定"
            f"（见 /incidents/{incident.id}；如需再次制定，请重新发布事件）",
        )
    return incident


def incident_closure(conn: Connection, graph: RoadGraph, ident: int) -> Closure:
    """The closure a stored incident in force (or scheduled) makes (404 unknown, 409 ended)."""
    incident = incident_in_force(conn, ident)
    return closure_of(conn, graph, incident.spec, incident_id=incident.id)


def adhoc_closure(conn: Connection, graph: RoadGraph, body: object) -> Closure:
    """The closure an incident body would make (kind control unless it says), storing nothing."""
    return closure_of(conn, graph, resolve(conn, IncidentPatch.parse(body, defaults={"kind": "control"})))


def _key(graph: RoadGraph, seg: int) -> tuple:
    rc = graph.route_code(seg)
    if rc:
        return ("route", rc)
    nm = graph.name(seg)
    return ("name", nm) if nm else ("class", int(graph.seg_class[seg]))


def _streams(graph: RoadGraph, arcs: frozenset[int]) -> list[_Stream]:
    """Chains of closed arcs, one per direction of travel (dual carriageways give two)."""
    by_tail: dict[int, list[int]] = {}
    for a in arcs:
        by_tail.setdefault(graph.arc_tail(a), []).append(a)
    parent = {a: a for a in arcs}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    has_pred: set[int] = set()
    has_succ: set[int] = set()
    for a in arcs:
        for b in by_tail.get(graph.arc_head(a), []):
            if b >> 1 == a >> 1:
                continue
            parent[find(a)] = find(b)
            has_pred.add(b)
            has_succ.add(a)
    comps: dict[int, list[int]] = {}
    for a in sorted(arcs):
        comps.setdefault(find(a), []).append(a)
    streams = []
    for members in comps.values():
        entries = [a for a in members if a not in has_pred] or members[:1]
        exits = [a for a in members if a not in has_succ] or members[-1:]
        lengths: dict[tuple, float] = {}
        for a in members:
            k = _key(graph, a >> 1)
            lengths[k] = lengths.get(k, 0.0) + float(graph.seg_length_m[a >> 1])
        key = max(lengths, key=lambda k: lengths[k])
        entry = max(entries, key=lambda a: (_key(graph, a >> 1) == key, -a))
        ex = max(exits, key=lambda a: (_key(graph, a >> 1) == key, -a))
        streams.append(_Stream(members, graph.arc_tail(entry), graph.arc_head(ex), key))
    return streams


def _in_arcs(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Physical arcs grouped by head node (CSR: ptr, arcs)."""
    cached = getattr(graph, "_in_arcs", None)
    if cached is None:
        arcs = np.nonzero(np.isfinite(graph.base_cost))[0]
        heads = np.where(arcs & 1, graph.seg_source[arcs >> 1], graph.seg_target[arcs >> 1])
        order = np.argsort(heads, kind="stable")
        ptr = np.searchsorted(heads[order], np.arange(len(graph.node_ids) + 1))
        cached = (ptr, arcs[order])
        graph._in_arcs = cached  # type: ignore[attr-defined]
    return cached


def _out_arcs(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Physical arcs grouped by tail node (CSR: ptr, arcs)."""
    cached = getattr(graph, "_out_arcs", None)
    if cached is None:
        arcs = np.nonzero(np.isfinite(graph.base_cost))[0]
        tails = np.where(arcs & 1, graph.seg_target[arcs >> 1], graph.seg_source[arcs >> 1])
        order = np.argsort(tails, kind="stable")
        ptr = np.searchsorted(tails[order], np.arange(len(graph.node_ids) + 1))
        cached = (ptr, arcs[order])
        graph._out_arcs = cached  # type: ignore[attr-defined]
    return cached


def _walk(
    graph: RoadGraph,
    start: int,
    key: tuple,
    closed: frozenset[int],
    limit_m: float,
    *,
    upstream: bool,
    prev_seg: int = -1,
) -> list[tuple[int, float, float, int]]:
    """Nodes along the same road from `start`, upstream (against travel) or downstream, with the
    metres and seconds to (or from) `start`, and the arc stepped over (`prev_seg`: the segment arrived
    by, not to be taken back)."""
    ptr, arcs = _in_arcs(graph) if upstream else _out_arcs(graph)
    out = [(start, 0.0, 0.0, -1)]
    node, metres, secs = start, 0.0, 0.0
    seen = {start}
    while metres < limit_m:
        nxt = None
        for a in arcs[ptr[node] : ptr[node + 1]].tolist():
            if a in closed or a >> 1 == prev_seg or _key(graph, a >> 1) != key:
                continue
            nxt = a
            break
        if nxt is None:
            break
        node = graph.arc_tail(nxt) if upstream else graph.arc_head(nxt)
        if node in seen:
            break
        seen.add(node)
        metres += float(graph.seg_length_m[nxt >> 1])
        secs += float(graph.base_cost[nxt])
        prev_seg = nxt >> 1
        out.append((node, metres, secs, nxt))
    return out


def _leaving(graph: RoadGraph, node: int, key: tuple, cost: np.ndarray) -> list[int]:
    """Open arcs from `node` onto another road than `key`."""
    ptr, arcs = _out_arcs(graph)
    return [a for a in arcs[ptr[node] : ptr[node + 1]].tolist() if np.isfinite(cost[a]) and _key(graph, a >> 1) != key]


def _can_leave(graph: RoadGraph, node: int, key: tuple, cost: np.ndarray) -> bool:
    return bool(_leaving(graph, node, key, cost))


def _can_join(graph: RoadGraph, node: int, key: tuple, cost: np.ndarray) -> bool:
    ptr, arcs = _in_arcs(graph)
    return any(np.isfinite(cost[a]) and _key(graph, a >> 1) != key for a in arcs[ptr[node] : ptr[node + 1]].tolist())


def _node_stake(graph: RoadGraph, node: int, arc: int) -> float | None:
    """Stake of `node`, an end of `arc`, where the route has stakes."""
    seg = arc >> 1
    if graph.seg_source[seg] == node:
        v = graph.seg_start_stake[seg]
    elif graph.seg_target[seg] == node:
        v = graph.seg_end_stake[seg]
    else:
        return None
    return float(v) if np.isfinite(v) else None


def _point(graph: RoadGraph, node: int) -> list[float]:
    return [round(float(graph.node_lon[node]), 7), round(float(graph.node_lat[node]), 7)]


def _asked_range(closure: Closure, key: tuple) -> tuple[float, float] | None:
    """The stake range a closure asked for on its own road (None: a geometry, or another road)."""
    if closure.route_code is None or key != ("route", closure.route_code):
        return None
    if closure.from_stake_m is None or closure.to_stake_m is None:
        return None
    lo, hi = sorted((float(closure.from_stake_m), float(closure.to_stake_m)))
    return lo, hi


def clipped_line(graph: RoadGraph, arcs: list[int], asked: tuple[float, float] | None) -> tuple[dict | None, float]:
    """The closed arcs' line and metres, each arc clipped to the stakes asked (stakes run linearly along
    a segment): a closure from K12+300 to K15+800 shows and measures that, not the whole segments it
    touches. Routing still closes whole arcs (no car passes a closed part); road_segments never changes."""
    pieces: list[np.ndarray] = []
    metres = 0.0
    for a in arcs:
        seg = a >> 1
        s0, s1 = float(graph.seg_start_stake[seg]), float(graph.seg_end_stake[seg])
        f0, f1 = 0.0, 1.0
        if asked is not None and np.isfinite(s0) and np.isfinite(s1) and s1 != s0:
            lo, hi = sorted(((asked[0] - s0) / (s1 - s0), (asked[1] - s0) / (s1 - s0)))
            f0, f1 = max(0.0, lo), min(1.0, hi)
            if f1 - f0 <= 1e-9:
                continue
        coords = _seg_coords(graph, seg)
        if f0 > 0.0 or f1 < 1.0:
            coords = substring(coords, f0, f1)
        pieces.append(coords[::-1] if a & 1 else coords)
        metres += float(graph.seg_length_m[seg]) * (f1 - f0)
    if not pieces:
        return _path_line(graph, arcs), float(sum(float(graph.seg_length_m[a >> 1]) for a in arcs))
    line = {"type": "LineString", "coordinates": np.round(np.vstack(pieces), 7).tolist()}
    return line, metres


def _path_line(graph: RoadGraph, arcs: list[int]) -> dict | None:
    if not arcs:
        return None
    coords = np.vstack([arc_coords(graph, a, 1.0, at_end=False) for a in arcs])
    return {"type": "LineString", "coordinates": np.round(coords, 7).tolist()}


def _detour_road(graph: RoadGraph, path: Path, key: tuple) -> str | None:
    best: tuple[int, str] | None = None
    for a in path.arcs:
        s = a >> 1
        if _key(graph, s) == key or int(graph.seg_class[s]) == LINK:
            continue
        rc = graph.route_code(s)
        label = rc or graph.name(s)
        if label:
            cls = int(graph.seg_class[s])
            rank = cls if rc else len(ROAD_CLASSES) + cls
            if best is None or rank < best[0]:
                best = (rank, label)
                if rank == 0:
                    break
    return best[1] if best else None


def plan_diversion(
    state: RoutingState,
    overlay: Overlay,
    closure: Closure,
    *,
    search_km: float,
    toll_stations: list[Any] | None = None,
    message_signs: list[Any] | None = None,
    cities: Callable[[list], list[CityCounty]] | None = None,
) -> dict:
    """The diversion plan for `closure` as a GeoJSON FeatureCollection (api.md's Diversion shape).
    With `message_signs` the messages go to the real signs upstream; `cities` (a walk of nodes → their
    control cities) names each direction as bulletins do ('衡阳往郴州方向')."""
    g, searcher = state.graph, state.searcher
    if not closure.arcs:
        raise Unprocessable(
            "the closure touches no road of the routing network",
            parameter="closure",
            detail_zh="封闭范围未覆盖路网中的任何道路",
        )
    closed = closure.arcs
    others = overlay.cost.copy()
    for a in closed:  # the plan's baseline: everything in force except this closure
        if (
            closure.incident_id is not None
            and closure.incident_id in overlay.closed_incidents.get(a, set())
            and len(overlay.closed_incidents[a]) == 1
        ):
            others[a] = g.base_cost[a]
    cost = others.copy()
    cost[np.fromiter(closed, dtype=np.int64)] = np.inf
    features: list[dict] = []
    directions: list[dict] = []
    reason = _reason(closure, overlay)
    streams = [] if closure.toll_station_id is not None else _streams(g, closed)
    for si, st in enumerate(streams):
        ordered = _order_chain(g, st.arcs)
        first_arc, last_arc = ordered[0], ordered[-1]
        b = bearing_deg(g.node_lon[st.entry], g.node_lat[st.entry], g.node_lon[st.exit], g.node_lat[st.exit])
        dir_zh, dir_en = bound(b, "zh-CN"), bound(b, "en")
        s_from, s_to = _node_stake(g, st.entry, first_arc), _node_stake(g, st.exit, last_arc)
        if (
            closure.route_code
            and st.key == ("route", closure.route_code)
            and closure.from_stake_m is not None
            and closure.to_stake_m is not None
            and s_from is not None
            and s_to is not None
        ):
            lo, hi = sorted((closure.from_stake_m, closure.to_stake_m))
            s_from, s_to = (lo, hi) if s_to >= s_from else (hi, lo)
        own_route = st.key[1] if st.key[0] == "route" else None
        # Exits (出口) and toll stations exist only on expressways; elsewhere traffic turns off at junctions.
        on_expressway = int(g.seg_class[first_arc >> 1]) == EXPRESSWAY
        road_zh = road_label(own_route, g.name(first_arc >> 1), "zh-CN")
        from_label = format_stake(s_from) if s_from is not None else road_zh
        to_label = format_stake(s_to) if s_to is not None else ""
        asked = _asked_range(closure, st.key)
        line, closed_m = clipped_line(g, ordered, asked)
        features.append(
            {
                "type": "Feature",
                "geometry": line,
                "properties": {
                    "role": "closure",
                    "direction": dir_en,
                    "direction_zh": dir_zh,
                    "stream": si,
                    "route_code": st.key[1] if st.key[0] == "route" else None,
                    "from_stake": format_stake(s_from) if s_from is not None else None,
                    "to_stake": format_stake(s_to) if s_to is not None else None,
                    "segment_ids": sorted({int(g.seg_ids[a >> 1]) for a in ordered}),
                    "length_m": round(closed_m, 1),  # the stakes asked: the geometry is clipped to them
                    "segments_length_m": round(sum(float(g.seg_length_m[a >> 1]) for a in ordered), 1),
                },
            }
        )
        # The walk goes on past the search radius for the signs before a far diversion point near its edge.
        search_m = search_km * 1000.0
        walked = _walk(g, st.entry, st.key, closed, search_m + plan_rules().signs_past_far_m, upstream=True)
        upstream = [u for u in walked if u[1] <= search_m] or walked[:1]
        if cities is not None:
            ahead = _walk(g, st.exit, st.key, closed, CITY_AHEAD_M, upstream=False)
            dir_zh = direction_between(cities(upstream[:1]), cities(ahead), cities(upstream)) or dir_zh
            features[-1]["properties"]["direction_zh"] = dir_zh
        dir_text_en = romanise(dir_zh) if "往" in dir_zh else dir_en
        features[-1]["properties"]["direction_text_en"] = dir_text_en
        bound_signs = signs_upstream(g, walked, message_signs or [], own_route)
        downstream = _walk(g, st.exit, st.key, closed, REJOIN_SEARCH_M, upstream=False)
        rejoin = next((n for n, *_ in downstream if n != st.entry and _can_join(g, n, st.key, cost)), downstream[-1][0])
        candidates = [(n, m, s, a) for n, m, s, a in upstream if _can_leave(g, n, st.key, cost)]
        interchanges = [c for c in candidates if g.node_interchange[c[0]] or _leaves_by_ramp(g, c[0], cost)]
        candidates = (interchanges or candidates)[:MAX_DECISION_POINTS]
        plans: list[_Plan] = []
        # A diversion leaves the road for good: the detour may not come back onto the closed
        # road's carriageway upstream of the closure (that would just be a later exit).
        detour_cost = cost.copy()
        upstream_arcs = np.array([a for *_, a in upstream if a >= 0], dtype=np.int64)
        if len(upstream_arcs):
            detour_cost[upstream_arcs] = np.inf
        county_cost = detour_cost.copy()
        county_cost[_township_arcs(g)] = np.inf
        township = _township_mask(g)
        # Off expressways a detour keeps to ordinary roads where it can: tractors, slow vehicles and
        # pedestrians may not use an expressway (Law art. 67), and tolls fall on all who are sent there.
        local_cost = None
        if not on_expressway:
            local_cost = county_cost.copy()
            local_cost[_expressway_arcs(g)] = np.inf
        # A rejoin point no open arc leads into (the road ends past the closure) is reached by no detour:
        # searching for one from every candidate would explore the whole province in vain.
        in_ptr, in_arcs = _in_arcs(g)
        reachable = any(np.isfinite(cost[a]) for a in in_arcs[in_ptr[rejoin] : in_ptr[rejoin + 1]].tolist())
        for node, metres, _secs, arc in candidates if reachable else []:
            # The detour leaves the closed road at the decision point: its first arc is an exit.
            exits = [(int(g.arc_head_x[a]), float(cost[a]), a) for a in _leaving(g, node, st.key, cost)]
            # Detours keep to roads of county class or above; township roads only when nothing else connects.
            detour = searcher.path_from(exits, rejoin, county_cost) if exits else None
            if detour is not None and local_cost is not None and _uses_expressway(g, detour):
                # an ordinary-road detour instead, unless it takes much longer (then the expressway is said)
                local = searcher.path_from(
                    exits, rejoin, local_cost, upper=detour.cost_s * LOCAL_DETOUR_SHARE + LOCAL_DETOUR_EXTRA_S
                )
                detour = local or detour
            below_county = False
            if detour is None and exits:
                detour = searcher.path_from(exits, rejoin, detour_cost)
                below_county = detour is not None
            if detour is None:
                continue
            base = searcher.path_nodes(node, rejoin, others)
            base_t = base.cost_s if base is not None else np.inf
            base_m = sum(float(g.seg_length_m[a >> 1]) for a in base.arcs) if base is not None else np.inf
            det_m = sum(float(g.seg_length_m[a >> 1]) for a in detour.arcs)
            # Below county class only for the part of the detour that is: a detour on G72 that needs a
            # village road for its last kilometre is not a village-road detour.
            low_m = sum(float(g.seg_length_m[a >> 1]) for a in detour.arcs if township[a >> 1])
            below_county = below_county and low_m > 0
            stake = _node_stake(g, node, arc) if arc >= 0 else _node_stake(g, node, first_arc)
            plans.append(
                _Plan(
                    node,
                    metres,
                    detour,
                    stake,
                    detour.cost_s - base_t,
                    det_m - base_m,
                    det_m,
                    _detour_road(g, detour, st.key),
                    below_county,
                    _reach(g, detour, st.key, hubs=on_expressway),
                    None,
                    _toll_station_at(g, node, toll_stations or [], own_route) if on_expressway else None,
                    low_m if below_county else 0.0,
                    _crossing_road(g, detour, st.key),
                    via_expressway=not on_expressway and _uses_expressway(g, detour),
                )
            )
            if plans[-1].via_expressway:
                plans[-1].entry = _entry_station(g, detour, toll_stations or [])
        if not plans and candidates:
            # Past the closure the road cannot be reached again (it ends, or leaves the network): traffic
            # still leaves at the last exit before it, with no detour back.
            plans.append(
                _leave_only(g, candidates[0], cost, st.key, first_arc, toll_stations, own_route, on_expressway)
            )
        near, far = _tiers(plans)
        far_note = _far_note(plans, far, near, on_expressway)
        plans = [p for p in (far, near) if p is not None]
        if cities is not None and on_expressway:
            for p in plans:
                p.toward = _toward(g, p, st.key, cities)
        # Signs past the search radius serve only as the signs before the far diversion point.
        reach_m = max(search_m, (far.metres if far is not None else 0.0) + plan_rules().signs_past_far_m)
        bound_signs = [(sign, m) for sign, m in bound_signs if m <= reach_m]
        if far is near:  # a single exit upstream: one point, the near control
            plans = plans[:1]
        for p in plans:
            nid = int(g.node_ids[p.node])
            exit_label = format_stake(p.stake) if p.stake is not None else (g.node_label[p.node] or "")
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _point(g, p.node)},
                    "properties": {
                        "role": "decision_point",
                        "stream": si,
                        "direction": dir_en,
                        "node_id": nid,
                        "name": g.node_label[p.node],
                        "stake": exit_label or None,
                        "distance_to_closure_m": round(p.metres, 1),
                        "recommended": p is far,
                        "interchange": bool(g.node_interchange[p.node]),
                        "tier": p.tier,
                        "hub": p.reach == "hub",
                        "toll_station": p.toll_station,
                        "sends_to": p.road,
                        "via_roads": _via_roads(g, p, st.key),
                        "below_county_class": p.below_county,
                        "below_county_m": round(p.township_m, 1),
                        "crossing_road": p.crossing,
                        "no_rejoin": p.no_rejoin,
                        "measure_zh": _measure_zh(p, g, st.key, None if on_expressway else _at_junction(p, g)),
                        "measure_en": _measure_en(p, g, st.key, None if on_expressway else _at_junction(p, g)),
                    },
                }
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": _path_line(g, p.detour.arcs),
                    "properties": {
                        "role": "detour",
                        "stream": si,
                        "direction": dir_en,
                        "from_node_id": nid,
                        "rejoin_node_id": int(g.node_ids[rejoin]),
                        "via_road": p.road,
                        "via_roads": _via_roads(g, p, st.key),
                        "distance_m": round(p.det_m, 1),
                        "duration_s": round(p.detour.cost_s, 1),
                        "added_distance_m": round(p.added_m, 1) if np.isfinite(p.added_m) else None,
                        "added_duration_s": round(p.added_t, 1) if np.isfinite(p.added_t) else None,
                        "recommended": p is far,
                        "tier": p.tier,
                        "below_county_class": p.below_county,
                        "below_county_m": round(p.township_m, 1),
                        "route_codes": _codes(g, p.detour.arcs),
                    },
                }
            )
            if bound_signs:  # the real signs get the messages (below)
                continue
            # No variable message sign stands upstream: a mobile board (临时移动式情报板) before the decision
            # point, named with its stake, the message laid out on a trailer board (plan_rules.toml).
            junction = None if on_expressway else _at_junction(p, g)
            _, en = closure_sign(
                closed_from=from_label,
                closed_to=to_label,
                reason=reason,
                exit_at=exit_label,
                detour_road=p.road,
                where_zh=_section(s_from, s_to, from_label, short=not on_expressway),
                junction=junction,
            )
            sign_node, sign_m, sign_arc = _sign_place(upstream, p.metres)
            sign_stake = _node_stake(g, sign_node, sign_arc) if sign_arc >= 0 else None
            rules = plan_rules()
            board = fit(
                closure_board_variants(
                    where=_section(s_from, s_to, from_label),
                    reason_zh=REASON_ZH.get(reason, ""),
                    exit_at=exit_name(p.toll_station, g.node_label[p.node]) if on_expressway else None,
                    via=p.road,
                    through=p is far and far is not near,
                    junction=junction,
                    entry=p.entry,
                ),
                rules.mobile_board_lines,
                rules.mobile_board_chars,
            )
            at = f"{format_stake(sign_stake)}处，" if sign_stake is not None else ""
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _point(g, sign_node)},
                    "properties": {
                        "role": "sign",
                        "stream": si,
                        "direction": dir_en,
                        "decision_node_id": nid,
                        "tier": p.tier,
                        "temporary": True,
                        "sign_name": f"临时移动式情报板（{at}分流点前{distance_text(sign_m - p.metres, 'zh-CN')}）",
                        "stake": format_stake(sign_stake) if sign_stake is not None else None,
                        "lines": rules.mobile_board_lines,
                        "chars_per_line": rules.mobile_board_chars,
                        "distance_to_closure_m": round(sign_m, 1),
                        "message_lines": board.lines,
                        "message_zh": board.text,
                        "fits": board.fits,
                        "message_en": en,
                        "recommended": p is far,
                    },
                }
            )
        where = _section(s_from, s_to, from_label)
        for sign, metres in bound_signs:
            target = far if far is not None and metres > far.metres else near
            if target is not None and metres <= target.metres:
                target = None  # past the last exit: slow down and follow the officers
            junction = _at_junction(target, g) if target is not None and not on_expressway else None
            exit_at = exit_name(target.toll_station, g.node_label[target.node]) if target is not None else None
            variants = closure_board_variants(
                where=where,
                reason_zh=REASON_ZH.get(reason, ""),
                exit_at=exit_at,
                via=target.road if target is not None else None,
                through=target is far and far is not near,
                junction=junction,
                entry=target.entry if target is not None else None,
            )
            board = fit(variants, sign.lines, sign.chars_per_line)
            _, message_en = closure_sign(
                closed_from=from_label,
                closed_to=to_label,
                reason=reason,
                exit_at=(target.toll_station or exit_at) if target is not None else None,
                detour_road=target.road if target is not None else None,
                where_zh=where,
                junction=junction,
            )
            features.append(
                board_feature(
                    sign,
                    board,
                    stream=si,
                    direction=dir_en,
                    metres=metres,
                    message_en=message_en,
                    decision_node_id=int(g.node_ids[target.node]) if target is not None else None,
                    tier=target.tier if target is not None else None,
                )
            )
        if near is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _point(g, near.node)},
                    "properties": {
                        "role": "control_point",
                        "stream": si,
                        "direction": dir_en,
                        "node_id": int(g.node_ids[near.node]),
                        "distance_to_closure_m": round(near.metres, 1),
                        "tier": "near",
                        "toll_station": near.toll_station,
                    },
                }
            )
        # Exit only (只出不进) at the toll stations between the far point and the closure, within the
        # entrance window (plan_rules.toml): not every station for 80 km before a distant hub.
        span = (
            min(far.metres, max(near.metres if near is not None else 0.0, plan_rules().entrance_window_m))
            if far is not None
            else 0.0
        )
        # Toll stations on the roads the detours use stay open: that is where the traffic is sent.
        detour_codes = {c for p in plans for c in _codes(g, p.detour.arcs)} - {own_route}
        stations = [ts for ts in toll_stations or [] if not (ts.route_code and ts.route_code in detour_codes)]
        # An entrance closes for this direction of travel only: '衡山南收费站往郴州方向只出不进'.
        towards = f"往{dir_zh.split('往', 1)[1]}" if "往" in dir_zh else ""
        # Toll stations are the closed road's entrances only on an expressway: off it an expressway's station is
        # the entrance to a detour, not to this road.
        for ts, inside in _stations_to_close(g, upstream, span, ordered, stations if on_expressway else [], st.exit):
            other = bool(ts.route_code) and ts.route_code != own_route
            label = f"{ts.route_code}{ts.name}" if other else ts.name
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [ts.lon, ts.lat]},
                    "properties": {
                        "role": "entrance_closure",
                        "stream": si,
                        "direction": dir_en,
                        "toll_station_id": int(ts.id),
                        "name": ts.name,
                        "route_code": ts.route_code,
                        "label_zh": label,
                        "tier": "closure" if inside else "near",
                        "measure_zh": "入口封闭" if inside else "只出不进",
                        "measure_en": "entrance closed" if inside else "exit only (entrance closed)",
                        "measure_direction_zh": dir_zh,
                        "text_zh": f"{label}{towards}{'入口封闭' if inside else '只出不进'}",
                        "stake": format_stake(ts.stake_m) if ts.stake_m is not None else None,
                    },
                }
            )
        # Hub ramps that bring another expressway's traffic onto this one past the near control point
        # (衡阳北枢纽: G72 onto G4 towards the closure) close too: nothing upstream told that traffic.
        if near is not None and on_expressway:
            inside_nodes = [(g.arc_head(a), a) for a in ordered if g.arc_head(a) != st.exit]
            upstream_at = [(n, m, t, a if a >= 0 else first_arc) for n, m, t, a in upstream]
            said: set[str] = set()
            for node, ramp, src, along in _hub_ramps_in(g, upstream_at, near.metres, inside_nodes, st.key, cost):
                hub = hub_name(g.node_label[node]) or g.node_label[node] or ""
                text = f"{hub}{src}转{own_route or ''}{towards}匝道封闭"
                if text in said:  # both carriageways of the other road join by ramps of one hub
                    continue
                said.add(text)
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": _point(g, node)},
                        "properties": {
                            "role": "entrance_closure",
                            "ramp": True,
                            "stream": si,
                            "direction": dir_en,
                            "toll_station_id": None,
                            "segment_id": int(g.seg_ids[ramp >> 1]),
                            "name": f"{hub}{src}转{own_route or ''}匝道",
                            "route_code": src,
                            "label_zh": f"{hub}{src}转{own_route or ''}匝道",
                            "tier": "near",
                            "measure_zh": "匝道封闭",
                            "measure_en": "ramp closed",
                            "measure_direction_zh": dir_zh,
                            "text_zh": text,
                            "stake": format_stake(k) if (k := _node_stake(g, node, along)) is not None else None,
                        },
                    }
                )
        directions.append(
            {
                "stream": si,
                "direction": dir_en,
                "direction_zh": dir_zh,
                "recommended_decision_point": int(g.node_ids[far.node]) if far else None,
                "recommended_detour_via": far.road if far else None,
                "near_control_point": int(g.node_ids[near.node]) if near else None,
                "far_decision_point": int(g.node_ids[far.node]) if far and far.tier == "far" else None,
                "direction_text_en": dir_text_en,
                "far_note_zh": far_note[0],
                "far_note_en": far_note[1],
                "rejoin_node_id": int(g.node_ids[rejoin]),
                "entrance_closures_zh": _entrances_line(
                    [f["properties"] for f in features if f["properties"].get("stream") == si], towards
                ),
            }
        )
    if closure.toll_station_id is not None:
        for a in closure.arcs:
            features.append(
                {
                    "type": "Feature",
                    "geometry": _path_line(g, [a]),
                    "properties": {"role": "entrance_closure", "toll_station_id": closure.toll_station_id},
                }
            )
    for i, f in enumerate(features):
        f["id"] = i
    out: dict[str, Any] = {
        "type": "FeatureCollection",
        "incident_id": closure.incident_id,
        "directions": directions,
        "features": features,
    }
    basis = _legal_basis(g, closure, overlay, reason)
    if basis is not None:
        out["legal_basis"] = basis
    return out


LAW_ZH = "《中华人民共和国道路交通安全法》"
ART_39_ZH = f"依据{LAW_ZH}第三十九条，公安机关交通管理部门对该路段实施交通管制（封闭）。"
ART_39_EN = "the closure is the traffic police's measure under the Road Traffic Safety Law art. 39"
# reason → (article, note zh, note en) of a closure that no weather rule caps: the Law's art. 39 (the
# traffic police restrict or close a road), for works also art. 32 (works that occupy a road).
_CLOSURE_BASIS = {
    "weather_closure": (
        "道路交通安全法第三十九条",
        f"受恶劣天气影响，{ART_39_ZH}",
        f"Bad weather: {ART_39_EN}.",
    ),
    "accident": ("道路交通安全法第三十九条", f"因交通事故，{ART_39_ZH}", f"Accident: {ART_39_EN}."),
    "works": (
        "道路交通安全法第三十二条；道路交通安全法第三十九条",
        f"因道路施工作业，依据{LAW_ZH}第三十二条、第三十九条，公安机关交通管理部门对该路段实施交通管制（封闭），"
        "施工单位应在来车方向安全距离处设置明显的安全警示标志。",
        "Roadworks: the Road Traffic Safety Law arts. 32 and 39 (works occupying the road; the traffic police "
        "close it).",
    ),
}
_ICE_CLOSURE = (
    "道路交通安全法第三十九条",
    f"因路面结冰，{ART_39_ZH}",
    f"Ice on the road: {ART_39_EN} (an icy expressway is closed, not capped: the implementing regulations' "
    "art. 78 sets a 60 km/h minimum there).",
)


def _legal_basis(graph: RoadGraph, closure: Closure, overlay: Overlay, reason: str | None) -> dict | None:
    """The legal basis of a closure: every closure is the traffic police's measure under art. 39 of the
    Law (works also art. 32); a fog closure also cites the fog rule by road class that applies
    (weather_rules.toml: art. 81 of the implementing regulations on expressways, 46 elsewhere)."""
    if not closure.arcs or (reason not in ("fog", "ice") and reason not in _CLOSURE_BASIS):
        return None
    classes = [int(graph.seg_class[a >> 1]) for a in closure.arcs]
    road_class = ROAD_CLASSES[max(set(classes), key=classes.count)]
    zones = {z for a in closure.arcs for z in overlay.seg_hazards.get(a >> 1, ())}
    seen = [overlay.fog_visibility[z] for z in zones if z in overlay.fog_visibility]
    visibility = min(seen) if seen else None
    if reason in _CLOSURE_BASIS or reason == "ice":
        # Closed by the traffic police under the Law (art. 39; works also art. 32). An icy road that is
        # closed is closed under art. 39 too: art. 46's 30 km/h cap belongs to a restriction's plan, and
        # art. 78 (60 km/h minimum on expressways) is why an icy expressway is closed, not its basis.
        article, zh_head, en_head = _CLOSURE_BASIS.get(reason, _ICE_CLOSURE)
        return {
            "hazard": "weather" if reason == "weather_closure" else reason,
            "road_class": road_class,
            "visibility_m": visibility,
            "article": article,
            "article_en": article_en(article),
            "rule_speed_kmh": None,
            "rule_measure": "close",
            "closure_is_operational_measure": True,
            "note_zh": zh_head,
            "note_en": en_head,
        }
    rule = fog_rule(road_class, visibility if visibility is not None else 0.0)
    if rule is None:
        return None
    if reason == "fog" and road_class == "expressway":
        seen_zh = f"监测能见度{visibility:.0f}米。" if visibility is not None else ""
        zh = (
            f"{seen_zh}依据{_article_zh(rule.article)}，能见度小于50米时，车速不得超过每小时20公里，"
            f"并从最近的出口尽快驶离高速公路；{ART_39_ZH}"
        )
        en = (
            "Implementing regulations art. 81: below 50 m visibility at most 20 km/h and leave the expressway "
            f"at the nearest exit; {ART_39_EN}."
        )
    else:
        zh = f"依据{_article_zh(rule.article)}，该路段车速不得超过每小时{rule.speed_kmh:.0f}公里；{ART_39_ZH}"
        en = f"Under {article_en(rule.article)}: at most {rule.speed_kmh:.0f} km/h on this road; {ART_39_EN}."
    return {
        "hazard": reason,
        "road_class": road_class,
        "visibility_m": visibility,
        "article": rule.article,
        "article_en": article_en(rule.article),
        "rule_speed_kmh": rule.speed_kmh,
        "rule_measure": rule.measure,
        "closure_is_operational_measure": True,
        "note_zh": zh,
        "note_en": en,
    }


def _section(s_from: float | None, s_to: float | None, fallback: str, *, short: bool = True) -> str:
    """A section as bulletins write it, stakes ascending whatever the direction: 'K1617至K1638'
    (`short`: whole kilometres without '+000')."""
    if s_from is None or s_to is None:
        return fallback
    lo, hi = sorted((s_from, s_to))
    cut = short_stake if short else (lambda t: t)
    return f"{cut(format_stake(lo))}至{cut(format_stake(hi))}"


def _tiers(plans: list[_Plan]) -> tuple[_Plan | None, _Plan | None]:
    """(near, far): near control at the last exit before the closure; far diversion at a hub
    interchange onto another expressway, else where through traffic reaches an expressway or national
    road, well upstream: of those, the farthest whose added time is within a small share of the best."""
    if not plans:
        return None, None
    near = min(plans, key=lambda p: p.metres)
    near.tier = "near"
    rest = [p for p in plans if p is not near]
    pool = [p for p in rest if p.reach == "hub"] or [p for p in rest if p.reach == "trunk"] or rest
    if not pool:
        return near, near
    score = {id(p): (p.added_t if np.isfinite(p.added_t) else p.detour.cost_s) for p in pool}
    best = min(score.values())
    good = [p for p in pool if score[id(p)] <= best + abs(best) * TIE_SHARE + 60]
    far = max(good, key=lambda p: p.metres)
    far.tier = "far"
    return near, far


def _reach(graph: RoadGraph, path: Path, key: tuple, *, hubs: bool = True) -> str:
    """Where a detour takes through traffic: straight onto another expressway (a hub interchange, only
    when the closed road is an expressway itself), to an expressway or national road, or only local roads."""
    first = next((a >> 1 for a in path.arcs if int(graph.seg_class[a >> 1]) != LINK), None)
    if hubs and first is not None and int(graph.seg_class[first]) == EXPRESSWAY and _key(graph, first) != key:
        return "hub"
    trunk = {EXPRESSWAY, CLASS_CODE["national"]}
    if any(int(graph.seg_class[a >> 1]) in trunk and _key(graph, a >> 1) != key for a in path.arcs):
        return "trunk"
    return "local"


def _entry_station(graph: RoadGraph, path: Path, stations: list[Any]) -> str | None:
    """The toll station where a detour from an ordinary road enters an expressway: the station of that
    expressway nearest the ramps before its first expressway arc ('攸县收费站'); None when none is near."""
    first = next((i for i, a in enumerate(path.arcs) if int(graph.seg_class[path.arcs[i] >> 1]) == EXPRESSWAY), None)
    if first is None:
        return None
    code = graph.route_code(path.arcs[first] >> 1)
    for a in reversed(path.arcs[max(0, first - 4) : first + 1]):
        name = _toll_station_at(graph, graph.arc_tail(a), stations, code)
        if name:
            return name if name.endswith("收费站") else f"{name}收费站"
    return None


def _uses_expressway(graph: RoadGraph, path: Path) -> bool:
    return any(int(graph.seg_class[a >> 1]) == EXPRESSWAY for a in path.arcs)


def _expressway_arcs(graph: RoadGraph) -> np.ndarray:
    """Arcs of expressways and their ramps (both directions of each segment)."""
    segs = np.flatnonzero(np.isin(graph.seg_class, [EXPRESSWAY, LINK]))
    return np.concatenate([2 * segs, 2 * segs + 1])


def _township_mask(graph: RoadGraph) -> np.ndarray:
    """Per segment: below county class (township and village roads)."""
    return np.isin(graph.seg_class, [CLASS_CODE["township"], CLASS_CODE["village"]])


def _township_arcs(graph: RoadGraph) -> np.ndarray:
    """Arcs of roads below county class (township and village roads), which detours avoid when they can."""
    return township_arcs(graph)


def _toll_station_at(graph: RoadGraph, node: int, stations: list[Any], route_code: str | None) -> str | None:
    """The name of the toll station of the closed road at a decision point (within TOLL_NEAR_M), as
    bulletins name exits; a station of another road near the interchange is not this road's exit."""
    lon, lat = float(graph.node_lon[node]), float(graph.node_lat[node])
    best: tuple[float, str] | None = None
    for ts in stations:
        if ts.lon is None or not ts.name or (route_code and ts.route_code and ts.route_code != route_code):
            continue
        d = float(np.hypot((ts.lon - lon) * 111_320.0 * np.cos(np.radians(lat)), (ts.lat - lat) * 111_320.0))
        if d <= TOLL_NEAR_M and (best is None or d < best[0]):
            best = (d, ts.name)
    return best[1] if best else None


def _leave_only(
    graph: RoadGraph,
    candidate: tuple[int, float, float, int],
    cost: np.ndarray,
    key: tuple,
    first_arc: int,
    stations: list[Any] | None,
    route_code: str | None,
    on_expressway: bool,
) -> _Plan:
    """The last exit before a closure past which the road cannot be reached again: everyone leaves there."""
    node, metres, _secs, arc = candidate
    out = _leaving(graph, node, key, cost)
    path = Path(float(cost[out[0]]), out[:1], 1.0, 1.0)
    stake = _node_stake(graph, node, arc) if arc >= 0 else _node_stake(graph, node, first_arc)
    toll = _toll_station_at(graph, node, stations or [], route_code) if on_expressway else None
    m = float(graph.seg_length_m[out[0] >> 1])
    plan = _Plan(node, metres, path, stake, np.inf, np.inf, m, None, False, "local", None, toll)
    plan.crossing = _crossing_road(graph, path, key)
    plan.no_rejoin = True
    return plan


def _low_zh(p: _Plan) -> str:
    """What a duty officer must know of the detour's roads: an expressway where no ordinary road connects,
    township or village roads where nothing of county class does."""
    if p.via_expressway:
        return "（须经高速公路绕行，拖拉机等禁止驶入高速公路的车辆听从现场指挥）"
    if not p.below_county:
        return ""
    km = distance_text(p.township_m, "zh-CN")
    if p.township_m >= 0.95 * p.det_m:
        return f"（无县道以上道路可绕行，全程约{km}为乡村道路，大中型货车不宜通行）"
    return f"（其中约{km}须经乡村道路，无县道以上道路可绕行全程，大中型货车不宜通行）"


def _via_roads(graph: RoadGraph, p: _Plan, key: tuple) -> list[str]:
    """The roads a detour follows, in order, as bulletins list them: expressways, national and provincial
    roads other than the closed one (the main road first, at most three); the main road alone if none."""
    out: list[str] = []
    for a in p.detour.arcs:
        s = a >> 1
        if int(graph.seg_class[s]) not in _TRUNK_CLASSES or _key(graph, s) == key:
            continue
        code = graph.route_code(s)
        if code and code not in out:
            out.append(code)
    if p.road and p.road not in out:
        out.insert(0, p.road)
    if p.road and p.road not in out[:3]:  # the road the signs name is always among those the order names
        return [*out[:2], p.road]
    return out[:3]


def _where_zh(p: _Plan, graph: RoadGraph) -> tuple[str, bool]:
    """Where the order is given as a duty officer names it ('衡山南收费站', '衡阳北枢纽') and whether it is a
    hub interchange (traffic changes expressway there; nobody leaves the network)."""
    label = graph.node_label[p.node] or ""
    hub = hub_name(label)
    if hub is not None:
        return hub, True
    return exit_name(p.toll_station, label) or (format_stake(p.stake) if p.stake is not None else ""), False


def _measure_zh(p: _Plan, graph: RoadGraph, key: tuple, junction: str | None = None) -> str:
    """What the duty officer orders at a decision point: at a hub interchange traffic changes expressway
    ('在衡阳北枢纽转G72绕行'), at a toll station it leaves ('从衡山南收费站驶离'); off expressways, at
    the junction (路口)."""
    via = _via_roads(graph, p, key)
    roads = "、".join(via) or "其他道路"
    if junction:
        at_turn, hub = f"在{junction}路口", False
    else:
        where, hub = _where_zh(p, graph)
        at_turn = (f"在{where}" if hub else f"从{where}") if where else ""
    if p.no_rejoin:
        leave = f"{at_turn}转{roads}" if hub else f"{at_turn}驶离"
        return f"近端控制：全部车辆{leave}（封闭路段以远无法绕回本路，驶离后另行选择路线）"
    if junction and p.entry:  # onto an expressway: at its toll station ('经攸县收费站驶入G72')
        move = f"经{p.entry}驶入{via[0]}" + (f"，经{'、'.join(via[1:])}绕行" if len(via) > 1 else "绕行")
    elif junction:
        move = f"{at_turn}转出，经{roads}绕行"
    elif hub:  # change expressway at the hub, then follow the rest: '在株洲南枢纽转G60（往湘潭方向），经G0421、G72绕行'
        first = via[0] if via else "其他道路"
        toward = f"（往{p.toward}方向）" if p.toward else ""
        move = f"{at_turn}转{first}{toward}" + (f"，经{'、'.join(via[1:])}绕行" if len(via) > 1 else "绕行")
    else:
        move = f"{at_turn}驶离，经{roads}绕行" if at_turn else f"经{roads}绕行"
    if p.tier == "far":
        return f"远端分流：引导过境车辆{move}{_low_zh(p)}"
    return f"近端控制：全部车辆{move}{_low_zh(p)}"


def _measure_en(p: _Plan, graph: RoadGraph, key: tuple, junction: str | None = None) -> str:
    """The order in English (roads by code, places romanised)."""
    roads = ", ".join(romanise(r) for r in _via_roads(graph, p, key)) or "other roads"
    if junction:
        at = f" at the junction at {romanise(junction)}"
    else:
        where, hub = _where_zh(p, graph)
        at = f" {'changing at' if hub else 'leaving at'} {romanise(where)}" if where else ""
    low = (
        " (the detour takes an expressway: vehicles barred from expressways follow the officers on site)"
        if p.via_expressway
        else f" (no road of county class or above connects: about {distance_text(p.township_m, 'en')} on township "
        "or village roads; not for heavy goods vehicles)"
        if p.below_county
        else ""
    )
    if p.no_rejoin:
        return f"Near control{at}: all traffic leaves (the road cannot be reached again past the closure)"
    if p.tier == "far":
        return f"Far diversion{at}: send through traffic via {roads}{low}"
    return f"Near control{at}: all traffic leaves, via {roads}{low}"


def _at_junction(p: _Plan, graph: RoadGraph) -> str:
    """How a junction off an expressway is named: by the road the detour turns onto ('高新街', as drivers find
    it), else its stake ('K144+357'), else its place."""
    if p.crossing and not p.crossing.endswith(("村道", "乡道")):  # a generic rural road is no landmark
        return p.crossing
    return format_stake(p.stake) if p.stake is not None else (graph.node_label[p.node] or "前方")


def _far_note(
    plans: list[_Plan], far: _Plan | None, near: _Plan | None, on_expressway: bool
) -> tuple[str | None, str | None]:
    """What the duty officer should know of the far tier: none (near control only, and why), or a far point
    so close to the closure that it is hardly far (plan_rules' far_close_m), and what farther points cost."""
    if far is None:
        return None, None
    if far.tier != "far":
        if far.no_rejoin:
            return (
                "封闭路段以远无法绕回本路，仅设近端控制",
                "the road cannot be reached again past the closure: near control only",
            )
        none_zh = (
            "上游无其他可分流出口，仅设近端控制" if on_expressway else "上游无其他可供绕行的交叉路口，仅设近端控制"
        )
        return none_zh, "no other exit upstream to divert at: near control only"
    if far.metres >= plan_rules().far_close_m:
        return None, None
    km = distance_text(far.metres, "zh-CN")
    farther = [p.added_t - far.added_t for p in plans if p.metres > far.metres and np.isfinite(p.added_t)]
    if farther:
        extra = max(1, round(min(farther) / 60))
        return (
            f"远端分流点距封闭路段仅{km}：更远的分流点绕行至少多用{extra}分钟",
            f"the far diversion point is only {distance_text(far.metres, 'en')} before the closure: farther points "
            f"cost at least {extra} min more",
        )
    return (
        f"远端分流点距封闭路段仅{km}：上游无更远的可行分流点",
        f"the far diversion point is only {distance_text(far.metres, 'en')} before the closure: none farther upstream",
    )


def _toward(graph: RoadGraph, p: _Plan, key: tuple, cities: Callable[[list], list[CityCounty]]) -> str | None:
    """At a hub, the way the other expressway is taken, as bulletins give it: the next control point along
    that road in the direction the detour takes it (up to CITY_AHEAD_M): a county other than the hub's own
    (not a city district: '往衡东方向'), else another city ('往湘潭方向'); None off hubs or when none is known."""
    label = graph.node_label[p.node] or ""
    if hub_name(label) is None or p.no_rejoin:
        return None
    first = next((i for i, a in enumerate(p.detour.arcs) if int(graph.seg_class[a >> 1]) == EXPRESSWAY), None)
    if first is None:
        return None
    road = _key(graph, p.detour.arcs[first] >> 1)
    walk: list[tuple[int, float, float, int]] = []
    metres = 0.0
    last = p.detour.arcs[first]
    for a in p.detour.arcs[first:]:  # the road as the detour drives it, then on along it the same way
        if _key(graph, a >> 1) != road:
            break
        metres += float(graph.seg_length_m[a >> 1])
        walk.append((graph.arc_head(a), metres, 0.0, a))
        last = a
    on = _walk(graph, graph.arc_head(last), road, frozenset(), CITY_AHEAD_M, upstream=False, prev_seg=last >> 1)
    walk += [(n, metres + m, 0.0, a) for n, m, _s, a in on[1:]]
    here = cities([(p.node, 0.0, 0.0, -1)])
    city, county = here[0] if here else (None, None)
    along = cities(walk)
    return next((k for _, k in along if k and k != county and not k.endswith("区")), None) or next(
        (c for c, _ in along if c and c != city), None
    )


def _crossing_road(graph: RoadGraph, path: Path, key: tuple) -> str | None:
    """The first named road the detour turns onto (ramps skipped); None when that is an expressway (one
    enters it at a toll station, not at a junction named after it)."""
    for a in path.arcs:
        s = a >> 1
        if _key(graph, s) == key or int(graph.seg_class[s]) == LINK:
            continue
        if int(graph.seg_class[s]) == EXPRESSWAY:
            return None
        label = graph.route_code(s) or graph.name(s)
        if label:
            return label
    return None


def _reason(closure: Closure, overlay: Overlay) -> str | None:
    """What to call the closure on signs: its kind (事故, 施工); for a weather closure the weather the
    operator declared, else fog or ice only where that weather is observed in force on its zones (a
    fog-prone section is not foggy today), else bad weather in general (恶劣天气)."""
    if closure.kind != "weather_closure":  # an accident in fog is closed for the accident
        return closure.kind
    if closure.weather is not None:
        return closure.weather
    zones = {z for a in closure.arcs for z in overlay.seg_hazards.get(a >> 1, ())}
    if any(overlay.hazard_kinds.get(z) == "fog" and z in overlay.fog_visibility for z in zones):
        return "fog"
    if any(overlay.hazard_kinds.get(z) == "ice" and z in overlay.closed_segments_by_hazard for z in zones):
        return "ice"
    return closure.kind


def _codes(graph: RoadGraph, arcs: list[int]) -> list[str]:
    out: list[str] = []
    for a in arcs:
        rc = graph.route_code(a >> 1)
        if rc and rc not in out:
            out.append(rc)
    return out


def _leaves_by_ramp(graph: RoadGraph, node: int, cost: np.ndarray) -> bool:
    ptr, arcs = _out_arcs(graph)
    return any(np.isfinite(cost[a]) and int(graph.seg_class[a >> 1]) == LINK for a in arcs[ptr[node] : ptr[node + 1]])


def _order_chain(graph: RoadGraph, arcs: list[int]) -> list[int]:
    """Arcs of one stream in driving order (the longest chain first, the rest after)."""
    by_tail: dict[int, list[int]] = {}
    heads = {graph.arc_head(a) for a in arcs}
    for a in arcs:
        by_tail.setdefault(graph.arc_tail(a), []).append(a)
    starts = [a for a in arcs if graph.arc_tail(a) not in heads] or arcs[:1]
    ordered: list[int] = []
    used: set[int] = set()
    for first in starts:
        cur: int | None = first
        while cur is not None and cur not in used:
            ordered.append(cur)
            used.add(cur)
            step = cur
            nxt = [b for b in by_tail.get(graph.arc_head(step), []) if b not in used and b >> 1 != step >> 1]
            cur = nxt[0] if nxt else None
    ordered.extend(a for a in arcs if a not in used)
    return ordered


def _hub_ramps_in(
    graph: RoadGraph,
    upstream: list[tuple[int, float, float, int]],
    near_m: float,
    inside: list[tuple[int, int]],
    key: tuple,
    cost: np.ndarray,
) -> list[tuple[int, int, str, int]]:
    """(node, ramp arc, source road code, an arc of the closed road at the node) for each ramp that joins
    the closed road between the near control point and the closure, or inside the closed section (`inside`:
    its nodes with the arc reaching them), and comes from another expressway (a hub's ramp; entrances from
    toll stations are closed as toll stations)."""
    in_ptr, in_arcs = _in_arcs(graph)
    nodes = [(n, a) for n, m, _s, a in upstream if m <= near_m] + inside
    out: list[tuple[int, int, str, int]] = []
    for node, along in nodes:
        for a in in_arcs[in_ptr[node] : in_ptr[node + 1]].tolist():
            if int(graph.seg_class[a >> 1]) != LINK or not np.isfinite(cost[a]):
                continue
            src = _ramp_source(graph, a, in_ptr, in_arcs)
            if src is not None and src != key:
                out.append((node, a, src[1], along))
    return out


def _ramp_source(graph: RoadGraph, arc: int, in_ptr: np.ndarray, in_arcs: np.ndarray) -> tuple | None:
    """The expressway a ramp comes from (its road key), walking back over ramps (a few at most); None
    when it starts elsewhere (a toll station's local road)."""
    seen = {arc}
    frontier = [arc]
    for _ in range(6):
        nxt = []
        for a in frontier:
            tail = graph.arc_tail(a)
            for b in in_arcs[in_ptr[tail] : in_ptr[tail + 1]].tolist():
                if b in seen or b >> 1 == a >> 1:
                    continue
                seen.add(b)
                cls = int(graph.seg_class[b >> 1])
                if cls == EXPRESSWAY:
                    k = _key(graph, b >> 1)
                    return k if k[0] == "route" else None
                if cls == LINK:
                    nxt.append(b)
        frontier = nxt
        if not frontier:
            return None
    return None


def _entrances_line(props: list[dict], towards: str) -> str | None:
    """The stream's entrance measures as one bulletin line: stations grouped by measure ('北铺、石鼓收费站往
    衡阳方向入口封闭；衡山南收费站往衡阳方向只出不进'), hub ramps after them."""
    groups: dict[str, list[str]] = {}
    ramps: list[str] = []
    stations = [p for p in props if p.get("role") == "entrance_closure"]
    for p in sorted(stations, key=lambda p: (len(p.get("stake") or ""), p.get("stake") or "")):  # stakes ascending
        if p.get("ramp"):
            ramps.append(p["text_zh"])
            continue
        groups.setdefault(p["measure_zh"], []).append(p["label_zh"].removesuffix("收费站"))
    parts = [f"{'、'.join(names)}收费站{towards}{measure}" for measure, names in groups.items()]
    return "；".join(parts + ramps) or None


def _sign_place(upstream: list[tuple[int, float, float, int]], metres: float) -> tuple[int, float, int]:
    """(node, metres to the closure, arc stepped over) where a board stands SIGN_BEFORE_M before a point
    `metres` upstream of the closure (the walk's last node when it is shorter)."""
    target = metres + SIGN_BEFORE_M
    for n, m, _, a in upstream:
        if m >= target:
            return n, m, a
    n, m, _, a = upstream[-1]
    return n, m, a


def _stations_to_close(
    graph: RoadGraph, upstream: list, span_m: float, closed: list[int], stations: list, end: int
) -> list[tuple[Any, bool]]:
    """Toll stations near the road between the far diversion point and the closure (只出不进), and
    those inside the closed section (entrance closed), with whether they are inside."""
    if not stations:
        return []
    before = [n for n, m, _, _ in upstream if m <= span_m]
    inside = [graph.arc_head(a) for a in closed if graph.arc_head(a) != end]
    nodes = before + inside
    lon = graph.node_lon[nodes]
    lat = graph.node_lat[nodes]
    out = []
    for ts in stations:
        if ts.lon is None:
            continue
        kx = 111_320.0 * np.cos(np.radians(ts.lat))
        d = np.hypot((lon - ts.lon) * kx, (lat - ts.lat) * 111_320.0)
        if len(d) and float(d.min()) <= TOLL_NEAR_M and entrance_arcs(graph, ts.lon, ts.lat, segment_id=ts.segment_id):
            out.append((ts, bool(float(d[: len(before)].min(initial=np.inf)) > TOLL_NEAR_M)))
    return out


def load_toll_stations(conn: Connection) -> list[Any]:
    """Every toll station with its position."""
    return list(conn.execute(sa.text(load_sql("queries/routing_toll_stations.sql"))).all())


def _article_zh(article: str) -> str:
    """'实施条例第四十六条第（四）项' → '《中华人民共和国道路交通安全法实施条例》第四十六条第（四）项'."""
    head = "实施条例"
    return f"《中华人民共和国道路交通安全法实施条例》{article[len(head) :]}" if article.startswith(head) else article

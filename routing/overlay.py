"""Live overlay: arc costs under the incidents, fog and ice in force, on top of the base graph.

Fog and ice act on hazard zones (the catalogue of fog- and ice-prone sections) only when the
weather says so: fog by the latest valid visibility near the zone, ice by a road surface at or
below 0 °C near the zone (or an operator's `icing: true` on the zone).

An overlay is one float64 array per graph (seconds per physical arc, inf = closed) plus what
caused each change; it is rebuilt in milliseconds when a layer version changes or when the clock
reaches the next scheduled start or end, and it only ever raises costs, so landmarks stay valid.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql
from routing.graph import ROAD_CLASSES, RoadGraph, travel_time_s
from routing.ramps import entrance_arcs
from routing.rules import fog_rule, ice_rule
from routing.warning_notes import apply_warnings

log = logging.getLogger(__name__)

CLOSURE_RULES = Path(__file__).resolve().parent / "data" / "closure_rules.toml"

# The fog and ice rules by road class (speed caps, closures) are data: routing/data/weather_rules.toml.
HAZARD_PENALTY = 10.0
# With avoid=hazards, township (village) roads cost this many times their time: the public is kept on
# roads of county class or above and drives through a warned zone at its speed rather than being sent
# round it over village roads (they remain usable where a trip starts or ends on one).
TOWNSHIP_AVOID_PENALTY = HAZARD_PENALTY * HAZARD_PENALTY


@dataclass
class Overlay:
    """Arc costs in force and the reasons behind them."""

    cost: np.ndarray
    at: datetime
    valid_until: datetime | None = None
    arc_incidents: dict[int, set[int]] = field(default_factory=dict)  # arc → incidents acting on it
    closed_incidents: dict[int, set[int]] = field(default_factory=dict)  # arc → incidents closing it
    incident_kinds: dict[int, str] = field(default_factory=dict)
    # incident → (effect, speed cap, route code, from stake, to stake): what a route passing it is told
    incident_info: dict[int, tuple] = field(default_factory=dict)
    arc_incident_mask: np.ndarray | None = None  # bool per arc: in arc_incidents (None: none in force)
    incident_class: dict[int, str] = field(default_factory=dict)  # incident → road class it acts on most
    seg_hazards: dict[int, set[int]] = field(default_factory=dict)  # segment index → active hazard zones
    hazard_kinds: dict[int, str] = field(default_factory=dict)
    fog_visibility: dict[int, float] = field(default_factory=dict)  # fog zone → visibility in force
    hazard_stakes: dict[int, tuple[float, float]] = field(default_factory=dict)  # zone → its own stakes
    hazard_structure: dict[int, str] = field(default_factory=dict)  # zone → 'bridge' | 'tunnel'
    hazard_ways: dict[int, str] = field(default_factory=dict)  # zone → 'up' | 'down': for that carriageway only
    hazard_zone_route: np.ndarray | None = None  # zone id → route index it was recorded on (HazardIndex.zone_route)
    closed_segments_by_hazard: dict[int, set[int]] = field(default_factory=dict)
    # Arcs closed over part of their length only (issue 13, stake-precise closures): arc → (from, to,
    # open seconds), the closed part as fractions from the arc's tail in its direction of travel and
    # the arc's seconds without the closure. Their cost stays inf (no route passes the closed part);
    # a route may start or end on the open parts (routing/partial.py).
    closed_parts: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    seg_hazard_mask: np.ndarray | None = None  # bool per segment: in seg_hazards (None: not built)
    # seg_hazards as arrays (CSR: segment s's zones are seg_zone_ids[seg_zone_ptr[s]:seg_zone_ptr[s + 1]]),
    # for the vectorised step warnings (routing/hazard_notes.py); None when not built.
    seg_zone_ptr: np.ndarray | None = None
    seg_zone_ids: np.ndarray | None = None
    # early warnings in force (routing/warning_notes.py): arc → warnings, warning → (level, zh, en)
    arc_warnings: dict[int, set[int]] = field(default_factory=dict)
    warning_info: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    arc_warning_mask: np.ndarray | None = None  # bool per arc: in arc_warnings (None: none in force)
    _avoiding: np.ndarray | None = None

    def hazards_on(self, segs: np.ndarray) -> list[int]:
        """The active hazard zones that segments `segs` (indices) lie in, ascending."""
        if not self.seg_hazards:
            return []
        if self.seg_hazard_mask is not None:
            hit = segs[self.seg_hazard_mask[segs]].tolist()
        else:
            hit = [s for s in segs.tolist() if s in self.seg_hazards]
        return sorted(set().union(*map(self.seg_hazards.__getitem__, hit)))

    def avoiding_hazards(self, township_arcs: np.ndarray | None = None) -> np.ndarray:
        """Costs with every arc in an active hazard zone made much dearer (a way round wins if any), and
        `township_arcs` dearer still (a way round over village roads does not)."""
        if self._avoiding is None:
            cost = self.cost.copy()
            segs = np.fromiter(self.seg_hazards.keys(), dtype=np.int64, count=len(self.seg_hazards))
            if len(segs):
                arcs = np.concatenate([2 * segs, 2 * segs + 1])
                cost[arcs] = cost[arcs] * HAZARD_PENALTY
            if township_arcs is not None and len(township_arcs):
                cost[township_arcs] = cost[township_arcs] * TOWNSHIP_AVOID_PENALTY
            self._avoiding = cost
        return self._avoiding

    def closed_arcs(self) -> np.ndarray:
        """Indices of arcs closed by the overlay (not those closed by one-way rules)."""
        return np.fromiter(self.closed_incidents.keys(), dtype=np.int64, count=len(self.closed_incidents))


@dataclass(frozen=True)
class HazardIndex:
    """Which active hazard zones each segment lies in; changes only with hazard_zones or the network."""

    seg_hazards: dict[int, set[int]]
    hazard_kinds: dict[int, str]
    mask: np.ndarray | None = None  # bool per segment: has an entry in seg_hazards
    stakes: dict[int, tuple[float, float]] = field(default_factory=dict)  # zone → its own stake range
    structure: dict[int, str] = field(default_factory=dict)  # zone → 'bridge' | 'tunnel' (on one)
    zone_ptr: np.ndarray | None = None  # seg_hazards as CSR arrays (see Overlay.seg_zone_ptr)
    zone_ids: np.ndarray | None = None
    ways: dict[int, str] = field(default_factory=dict)  # zone → 'up' | 'down' (one carriageway's zone)
    zone_route: np.ndarray | None = None  # int32 by zone id: route index it was recorded on (_zone_routes)


def load_hazard_index(conn: Connection, graph: RoadGraph) -> HazardIndex:
    """Segments inside every active hazard zone (a spatial join: cached by the router)."""
    rows = conn.execute(sa.text(load_sql("queries/routing_hazard_segments.sql"))).all()
    idx = graph.segment_index([r.segment_id for r in rows])
    seg_hazards: dict[int, set[int]] = {}
    kinds: dict[int, str] = {}
    stakes: dict[int, tuple[float, float]] = {}
    ways: dict[int, str] = {}
    routes: dict[int, str] = {}
    bridges: dict[int, list[bool]] = defaultdict(lambda: [True, True])  # zone → [all bridge, all tunnel]
    for r, s in zip(rows, idx.tolist(), strict=True):
        if s >= 0:
            seg_hazards.setdefault(s, set()).add(r.zone_id)
            kinds[r.zone_id] = r.kind
            if r.direction is not None:
                ways[r.zone_id] = r.direction
            if r.route_code:
                routes[r.zone_id] = r.route_code
            if r.from_stake_m is not None and r.to_stake_m is not None:
                lo, hi = sorted((float(r.from_stake_m), float(r.to_stake_m)))
                stakes[r.zone_id] = (lo, hi)
            flags = bridges[r.zone_id]
            flags[0] = flags[0] and bool(r.bridge)
            flags[1] = flags[1] and bool(r.tunnel)
            name = r.name or ""
            if "隧道" in name:
                flags[1] = True
                flags[0] = False
            elif "桥" in name:
                flags[0] = True
    mask = np.zeros(graph.n_segments, dtype=bool)
    mask[np.fromiter(seg_hazards.keys(), dtype=np.int64, count=len(seg_hazards))] = True
    structure = {z: ("bridge" if b else "tunnel") for z, (b, t) in bridges.items() if b or t}
    ptr, ids = zone_csr(seg_hazards, graph.n_segments)
    return HazardIndex(seg_hazards, kinds, mask, stakes, structure, ptr, ids, ways, _zone_routes(graph, routes))


def _zone_routes(graph: RoadGraph, routes: dict[int, str]) -> np.ndarray | None:
    """Zone id → index in graph.routes of the road the zone was recorded on (-1: recorded on no road; -2: on
    a road the network does not hold, so on none of its routes; a rural road's 路线编码 Y001430423 is its Y001)."""
    if not routes:
        return None
    index = {code.upper(): i for i, code in enumerate(graph.routes)}
    out = np.full(max(routes) + 1, -1, dtype=np.int32)
    for zone, code in routes.items():
        found = index.get(code.upper())
        if found is None and len(code) == 10 and code[0].upper() in "XYCZ":
            found = index.get(code[:4].upper())
        out[zone] = -2 if found is None else found
    return out


def zone_csr(seg_hazards: dict[int, set[int]], n_segments: int) -> tuple[np.ndarray, np.ndarray]:
    """`seg_hazards` (segment → zones) as CSR arrays (ptr of n_segments + 1, zone ids ascending per segment)."""
    counts = np.zeros(n_segments + 1, dtype=np.int64)
    segs = sorted(seg_hazards)
    for s in segs:
        counts[s + 1] = len(seg_hazards[s])
    ptr = np.cumsum(counts)
    ids = np.fromiter((z for s in segs for z in sorted(seg_hazards[s])), dtype=np.int64, count=int(ptr[-1]))
    return ptr, ids


def _cap(graph: RoadGraph, cost: np.ndarray, arcs: np.ndarray, cap_kmh: float) -> None:
    seg = arcs >> 1
    capped = travel_time_s(graph.seg_length_m[seg], np.minimum(graph.seg_speed_kmh[seg], cap_kmh))
    cost[arcs] = np.maximum(cost[arcs], np.where(np.isfinite(cost[arcs]), capped, np.inf))


def empty_overlay(graph: RoadGraph, at: datetime) -> Overlay:
    """The base costs: nothing in force."""
    return Overlay(cost=graph.base_cost, at=at)


def build_overlay(
    conn: Connection,
    graph: RoadGraph,
    at: datetime,
    *,
    observation_valid_s: float = 1800.0,
    fog_radius_m: float = 5000.0,
    incidents: bool = True,
    hazards: bool = True,
    hazard_index: HazardIndex | None = None,
) -> Overlay:
    """Costs in force at `at`: incidents (closures, caps, entrance closures), fog and ice (`hazards`: the
    weather in force; with `hazard_index` the zones a route warns of are attached either way)."""
    cost = graph.base_cost.copy()
    ov = Overlay(cost=cost, at=at)
    until: list[datetime] = []
    if incidents:
        _apply_incidents(conn, graph, ov, at)
        nxt = conn.execute(sa.text(load_sql("queries/routing_incident_changes_due.sql")), {"at": at}).scalar()
        if nxt is not None:
            until.append(nxt)
    if hazards or hazard_index is not None:  # the zones a route warns of, whether the weather acts or not
        index = hazard_index or load_hazard_index(conn, graph)
        ov.seg_hazards, ov.hazard_kinds, ov.seg_hazard_mask = index.seg_hazards, index.hazard_kinds, index.mask
        ov.hazard_stakes, ov.hazard_structure, ov.hazard_ways = index.stakes, index.structure, index.ways
        ov.hazard_zone_route = index.zone_route
        ov.seg_zone_ptr, ov.seg_zone_ids = index.zone_ptr, index.zone_ids
    if hazards:  # the weather in force: fog and ice measures
        for apply in (_apply_fog, _apply_ice):
            oldest = apply(conn, graph, ov, at, observation_valid_s, fog_radius_m)
            if oldest is not None:
                until.append(oldest + timedelta(seconds=observation_valid_s))
    # Early warnings are notes on the steps, no cost: a route that ignores the weather in force still says them.
    expires = apply_warnings(conn, graph, ov, at)
    if expires is not None:
        until.append(expires)
    if ov.closed_parts and ov.closed_segments_by_hazard:  # fog or ice closes the whole segment
        shut = set().union(*ov.closed_segments_by_hazard.values())
        ov.closed_parts = {a: p for a, p in ov.closed_parts.items() if a >> 1 not in shut}
    ov.valid_until = min(until) if until else None
    return ov


def _arcs_of(graph: RoadGraph, seg_ids: list[int], along: list[bool], against: list[bool]) -> dict[int, list[int]]:
    idx = graph.segment_index(seg_ids)
    out: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(idx.tolist()):
        if s < 0:
            continue
        if along[i]:
            out[i].append(2 * s)
        if against[i]:
            out[i].append(2 * s + 1)
    return out


def _apply_incidents(conn: Connection, graph: RoadGraph, ov: Overlay, at: datetime) -> None:
    rows = conn.execute(sa.text(load_sql("queries/routing_incident_segments.sql")), {"at": at}).all()
    arcs_by_row = _arcs_of(graph, [r.segment_id for r in rows], [r.along for r in rows], [r.against for r in rows])
    capped: dict[int, float] = {}  # arc → seconds under the restrictions on it (the slowest one wins)
    parts: dict[int, tuple[float, float]] = {}  # arc → closed part (fractions along the arc); (0, 1): whole
    for i, r in enumerate(rows):
        ov.incident_kinds[r.incident_id] = r.kind
        ov.incident_info[r.incident_id] = (r.effect, r.speed_cap_kmh, r.route_code, r.from_stake_m, r.to_stake_m)
        for a in arcs_by_row.get(i, []):
            ov.arc_incidents.setdefault(a, set()).add(r.incident_id)
            if r.effect == "closed":
                ov.closed_incidents.setdefault(a, set()).add(r.incident_id)
                lo, hi = closed_part(graph, a, r.lo_f, r.hi_f)
                old = parts.get(a)
                parts[a] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
            elif r.speed_cap_kmh:
                share = stake_share(graph, a >> 1, r.from_stake_m, r.to_stake_m)
                seconds = _capped_seconds(graph, ov.cost, a, float(r.speed_cap_kmh), share)
                capped[a] = max(capped.get(a, seconds), seconds)
    for a, seconds in capped.items():
        ov.cost[a] = seconds
    for row in conn.execute(sa.text(load_sql("queries/routing_entrance_closures.sql")), {"at": at}):
        ov.incident_kinds[row.incident_id] = "entrance_closure"
        ov.incident_info[row.incident_id] = ("closed", None, None, None, None)
        for a in entrance_arcs(graph, row.lon, row.lat, segment_id=row.segment_id):
            ov.arc_incidents.setdefault(a, set()).add(row.incident_id)
            ov.closed_incidents.setdefault(a, set()).add(row.incident_id)
            parts[a] = (0.0, 1.0)
    for a, (lo, hi) in parts.items():
        if (lo > 0.0 or hi < 1.0) and math.isfinite(ov.cost[a]):
            ov.closed_parts[a] = (lo, hi, float(ov.cost[a]))
    closed = ov.closed_arcs()
    if len(closed):
        ov.cost[closed] = np.inf
    for inc, arcs in _arcs_by_incident(ov.arc_incidents).items():
        classes = graph.seg_class[np.asarray(arcs, dtype=np.int64) >> 1]
        ov.incident_class[inc] = ROAD_CLASSES[int(np.bincount(classes).argmax())]
    if ov.arc_incidents:
        ov.arc_incident_mask = np.zeros(len(graph.base_cost), dtype=bool)
        ov.arc_incident_mask[np.fromiter(ov.arc_incidents.keys(), dtype=np.int64, count=len(ov.arc_incidents))] = True


@cache
def point_length_m() -> float:
    """Metres a point closure closes (routing/data/closure_rules.toml)."""
    return float(tomllib.loads(CLOSURE_RULES.read_text(encoding="utf-8"))["point_length_m"])


def closed_part(graph: RoadGraph, arc: int, lo_f: float | None, hi_f: float | None) -> tuple[float, float]:
    """The part of `arc` a closure covering fractions [lo_f, hi_f] of its segment (digitised direction)
    closes, as fractions from the arc's tail: a point (lo_f = hi_f) is widened to point_length_m, and a
    part within a metre of an end of the segment reaches that end."""
    if lo_f is None or hi_f is None:
        return 0.0, 1.0
    length = max(float(graph.seg_length_m[arc >> 1]), 1e-9)
    lo, hi = sorted((float(lo_f), float(hi_f)))
    if hi - lo < point_length_m() / length:
        mid, half = (lo + hi) / 2.0, point_length_m() / length / 2.0
        lo, hi = mid - half, mid + half
    lo = 0.0 if lo * length < 1.0 else lo
    hi = 1.0 if (1.0 - hi) * length < 1.0 else hi
    if arc & 1:
        lo, hi = 1.0 - hi, 1.0 - lo
    return max(0.0, lo), min(1.0, hi)


def stake_share(graph: RoadGraph, seg: int, from_stake_m: float | None, to_stake_m: float | None) -> float:
    """The share of segment `seg` inside the stake range [from, to] (1 for an incident without stakes or a
    segment without them): a restriction from K1520 to K1525 slows the 5 km asked, not the whole
    segments it touches (the segment's stakes interpolate linearly along it)."""
    if from_stake_m is None or to_stake_m is None:
        return 1.0
    a, b = float(graph.seg_start_stake[seg]), float(graph.seg_end_stake[seg])
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        return 1.0
    lo, hi = sorted((float(from_stake_m), float(to_stake_m)))
    s0, s1 = min(a, b), max(a, b)
    return min(1.0, max(0.0, min(hi, s1) - max(lo, s0)) / (s1 - s0))


def _capped_seconds(graph: RoadGraph, cost: np.ndarray, arc: int, cap_kmh: float, share: float) -> float:
    """Seconds on `arc` with `share` of it driven at most `cap_kmh` (the rest at its cost in force)."""
    now = float(cost[arc])
    if not math.isfinite(now):
        return now
    seg = arc >> 1
    slow = float(graph.seg_length_m[seg]) * 3.6 / min(float(graph.seg_speed_kmh[seg]), cap_kmh)
    return max(now, now * (1.0 - share) + slow * share)


def _arcs_by_incident(arc_incidents: dict[int, set[int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for a, incs in arc_incidents.items():
        for i in incs:
            out[i].append(a)
    return out


def _apply_ice(
    conn: Connection, graph: RoadGraph, ov: Overlay, at: datetime, valid_s: float, radius_m: float
) -> datetime | None:
    """Close the bridges and route sections of ice zones where icing is observed or declared."""
    rows = conn.execute(
        sa.text(load_sql("queries/routing_ice.sql")), {"at": at, "valid_s": valid_s, "radius_m": radius_m}
    ).all()
    idx = graph.segment_index([r.segment_id for r in rows])
    closed = []
    by_cap: dict[float, list[int]] = defaultdict(list)
    oldest: datetime | None = None
    for r, s in zip(rows, idx.tolist(), strict=True):
        if r.oldest is not None:
            oldest = r.oldest if oldest is None else min(oldest, r.oldest)
        if s < 0:
            continue
        rule = ice_rule(r.road_class)
        threshold = rule.close_at_or_below_c if rule is not None else None
        cold = threshold is not None and r.surface_c is not None and float(r.surface_c) <= threshold
        if rule is None or rule.measure == "close" or cold:
            closed.append(s)
            ov.closed_segments_by_hazard.setdefault(r.zone_id, set()).add(s)
        else:  # a speed cap (ordinary roads, art. 46) or an expressway control level
            by_cap[rule.speed_kmh].extend((2 * s, 2 * s + 1))
    for cap, arcs in sorted(by_cap.items(), reverse=True):
        _cap(graph, ov.cost, np.array(arcs, dtype=np.int64), cap)
    if closed:
        segs = np.array(closed, dtype=np.int64)
        ov.cost[2 * segs] = np.inf
        ov.cost[2 * segs + 1] = np.inf
    return oldest


def _apply_fog(
    conn: Connection, graph: RoadGraph, ov: Overlay, at: datetime, valid_s: float, radius_m: float
) -> datetime | None:
    rows = conn.execute(
        sa.text(load_sql("queries/routing_fog.sql")), {"at": at, "valid_s": valid_s, "radius_m": radius_m}
    ).all()
    idx = graph.segment_index([r.segment_id for r in rows])
    oldest: datetime | None = None
    by_cap: dict[float, list[int]] = defaultdict(list)
    closed: list[int] = []
    for r, s in zip(rows, idx.tolist(), strict=True):
        oldest = r.oldest if oldest is None else min(oldest, r.oldest)
        ov.fog_visibility[r.zone_id] = float(r.visibility_m)
        if s < 0:
            continue
        rule = fog_rule(r.road_class, float(r.visibility_m))
        if rule is None:
            continue
        if rule.measure == "close":  # expressways below 50 m: the operational closure (art. 81 (3))
            closed.append(s)
            ov.closed_segments_by_hazard.setdefault(r.zone_id, set()).add(s)
        else:
            by_cap[rule.speed_kmh].extend((2 * s, 2 * s + 1))
    for cap, arcs in sorted(by_cap.items(), reverse=True):
        _cap(graph, ov.cost, np.array(arcs, dtype=np.int64), cap)
    if closed:
        segs = np.array(closed, dtype=np.int64)
        ov.cost[2 * segs] = np.inf
        ov.cost[2 * segs + 1] = np.inf
    return oldest

"""Routes between points: snapping, legs through via points, alternatives, what was avoided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from gis.errors import Unprocessable
from routing.directions import overlap_share, route_feature
from routing.graph import township_arcs
from routing.notices import incidents_ignored, weather_ignored
from routing.overlay import Overlay
from routing.partial import incidents_passed, on_open_parts, open_costs
from routing.search import Endpoint, Path
from routing.service import RoutingState
from routing.snap import snap

MAX_ALTERNATIVES = 3
ALTERNATIVE_PENALTY = 1.4
ALTERNATIVE_MAX_STRETCH = 1.5
ALTERNATIVE_MAX_OVERLAP = 0.75


@dataclass(frozen=True)
class RouteRequest:
    """What a route request asks for, validated."""

    points: list[tuple[float, float]]  # from, via…, to (lon, lat)
    alternatives: int = 0
    avoid_hazards: bool = False
    ignore_incidents: bool = False
    ignore_weather: bool = False  # route without fog and ice (the overlay without hazards)
    depart_at: datetime | None = None
    lang: str = "zh-CN"
    geometry: str = "geojson"
    # GeoJSON coordinates as their JSON text written at once (an orjson.Fragment, routing/coords_json.py)
    # rather than lists of floats: an HTTP answer allocates no Python object per vertex.
    coordinate_array: bool = False


def snap_points(state: RoutingState, points: list[tuple[float, float]], radius_m: float) -> list[Endpoint]:
    """Snap every point (from, via…, to); 422 naming the point that snaps to nothing."""
    names = ["from"] + ["via"] * (len(points) - 2) + ["to"]
    return [
        snap(state.graph, lon, lat, radius_m=radius_m, parameter=name, preferred=state.preferred)
        for (lon, lat), name in zip(points, names, strict=True)
    ]


def _legs(state: RoutingState, ends: list[Endpoint], cost: np.ndarray, parts: dict | None = None) -> list[Path] | None:
    legs = []
    for a, b in zip(ends, ends[1:], strict=False):
        path = state.searcher.route(a, b, cost, parts)
        if path is None:
            return None
        legs.append(path)
    return legs


def plan_route(
    state: RoutingState,
    overlay: Overlay,
    base: Overlay | None,
    req: RouteRequest,
    *,
    radius_m: float,
    live: Overlay | None = None,
    live_weather: Overlay | None = None,
) -> dict:
    """The route FeatureCollection for `req` under `overlay` (`base`: the overlay without incidents,
    used to name the incidents the route avoids; `live`: with ignore=incidents, the overlay in force,
    used to name the incidents the route then passes in its notice; `live_weather`: with ignore=weather,
    the overlay with the weather in force, for the notice of the fog and ice measures it passes)."""
    ends = snap_points(state, req.points, radius_m)
    if len(ends) == 2 and ends[0].seg == ends[1].seg and abs(ends[0].fraction - ends[1].fraction) < 1e-9:
        raise Unprocessable(
            "from and to are the same place on the road; give two different points",
            parameter="to",
            detail_zh="起点与终点在道路上为同一位置，请给出两个不同的点",
        )
    search_cost = overlay.avoiding_hazards(township_arcs(state.graph)) if req.avoid_hazards else overlay.cost
    legs = _legs(state, ends, search_cost, overlay.closed_parts)
    if legs is None:
        closed = (
            " (closures in force may cut it off; try ignore=incidents to compare)"
            if len(overlay.closed_incidents)
            else ""
        )
        closed_zh = "（可能被现行封闭截断；可加 ignore=incidents 对比）" if closed else ""
        raise Unprocessable(
            f"no route connects these points on the road network{closed}",
            parameter="to",
            detail_zh=f"路网上没有连通这两点的路线{closed_zh}",
        )
    avoided: list[int] = []
    if base is not None and overlay.arc_incidents:
        free = _legs(state, ends, base.cost)
        if free:
            avoided = sorted(incidents_passed(overlay, free) - incidents_passed(overlay, legs))
    fractions = [leg.start_at() for leg in legs]
    shown = on_open_parts(overlay, legs)  # legs starting or ending on the open part of a partly closed arc
    features = [
        route_feature(
            state.graph,
            list(zip(legs, fractions, strict=True)),
            shown,
            req.lang,
            geometry=req.geometry,
            coordinate_array=req.coordinate_array,
            avoided_incident_ids=avoided,
        )
    ]
    if req.alternatives and len(ends) == 2:
        found = [legs[0]]
        penal = search_cost.copy()
        for _ in range(req.alternatives * 3):
            if len(found) > req.alternatives:
                break
            arcs = np.array(sorted({a for p in found for a in p.arcs}), dtype=np.int64)
            penal[arcs] *= ALTERNATIVE_PENALTY
            cand = state.searcher.route(ends[0], ends[1], penal, overlay.closed_parts)
            if cand is None:
                break
            true_cost = _true_cost(cand, open_costs(search_cost, overlay.closed_parts, cand.arc_ids()))
            if true_cost > ALTERNATIVE_MAX_STRETCH * found[0].cost_s:
                break
            if all(overlap_share(state.graph, cand, f) < ALTERNATIVE_MAX_OVERLAP for f in found):
                found.append(cand)
                features.append(
                    route_feature(
                        state.graph,
                        [(cand, cand.start_at())],
                        on_open_parts(overlay, [cand]),
                        req.lang,
                        geometry=req.geometry,
                        coordinate_array=req.coordinate_array,
                        avoided_incident_ids=avoided,
                    )
                )
    for i, f in enumerate(features):
        f["id"] = i
        f["properties"]["alternative"] = i > 0
    out = {
        "type": "FeatureCollection",
        "features": features,
        "waypoints": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(e.lon, 7), round(e.lat, 7)]},
                "properties": {
                    "snapped_distance_m": round(e.distance_m, 1),
                    "segment_id": int(state.graph.seg_ids[e.seg]),
                },
            }
            for e in ends
        ],
        "lang": req.lang,
    }
    notices = []
    if req.ignore_incidents:
        notices.append(incidents_ignored(req.lang, live, legs))
    if req.ignore_weather:
        notices.append(weather_ignored(req.lang, live_weather, overlay, legs))
    if notices:
        out["notices"] = notices
    return out


def _true_cost(path: Path, cost: np.ndarray) -> float:
    return float(sum(share * cost[arc] for arc, share in path.arc_parts()))

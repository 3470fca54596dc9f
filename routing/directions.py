"""A found path as a GeoJSON route: geometry, totals, the roads used and turn-by-turn steps."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gis.stake import format_stake
from routing.coords_json import coordinates_fragment
from routing.graph import EXPRESSWAY, LINK, ROAD_CLASSES, RoadGraph
from routing.hazard_notes import step_warnings
from routing.kernel_args import Driven, Segments
from routing.overlay import Overlay
from routing.route_kernels import (
    MODIFIERS,
    STEP_KEY_NAMES,
    drop_repeats,
    encode_polyline,
    leg_steps,
    route_roads,
    substring,
)
from routing.search import Path
from routing.text import (
    arrive_text,
    compass,
    distance_text,
    instruction,
    road_label,
)


def _seg_coords(graph: RoadGraph, seg: int) -> np.ndarray:
    return graph.coords(seg)


def arc_coords(graph: RoadGraph, arc: int, part: float, *, at_end: bool) -> np.ndarray:
    """Coordinates of an arc in its travel direction; `part` < 1 keeps the share next to the end
    (`at_end`, a start inside the segment) or next to the start (an end inside the segment)."""
    coords = _seg_coords(graph, arc >> 1)
    if part < 1.0 - 1e-9:
        if arc & 1 == 0:
            lo, hi = (1.0 - part, 1.0) if at_end else (0.0, part)
        else:
            lo, hi = (0.0, part) if at_end else (1.0 - part, 1.0)
        coords = substring(coords, lo, hi)
    return coords[::-1] if arc & 1 else coords


@dataclass
class Leg:
    """A leg's pieces (the arcs driven, partial at both ends, with their metres and seconds), their
    vertices one after the other, and its step table (routing.route_kernels.leg_steps)."""

    arcs: np.ndarray
    metres: np.ndarray
    secs: np.ndarray
    xy: np.ndarray
    ints: np.ndarray
    flts: np.ndarray


def leg_table(graph: RoadGraph, path: Path, cost: np.ndarray, start_fraction: float) -> Leg:
    """The pieces, vertices and step table of a leg (compiled: one call per leg)."""
    if not path.arcs:
        raise ValueError("a leg drives at least one arc")
    driven = Driven(
        arcs=path.arc_ids(),
        first_part=float(path.first_part),
        last_part=float(path.last_part),
        start_fraction=float(start_fraction),
    )
    return Leg(*leg_steps(_segments(graph), cost, tuple(driven), LINK, EXPRESSWAY))


def _segments(graph: RoadGraph) -> tuple:
    """tuple(Segments) of the graph, as routing.route_kernels.leg_steps takes it (made once)."""
    found = graph.__dict__.get("_kernel_segments")
    if found is None:
        found = graph.__dict__["_kernel_segments"] = tuple(
            Segments(
                coords=graph.seg_coords, ptr=graph.seg_ptr, length_m=graph.seg_length_m,
                road_class=graph.seg_class, route=graph.seg_route, name=graph.seg_name,
            )
        )  # fmt: skip
    return found


# An interchange is named after its place: 张家界南互通, its ramps 张家界南互通匝道; the exit is then
# "张家界南出口". Suffixes stripped from a ramp's or an interchange's name to get that place.
_EXIT_SUFFIXES = ("匝道", "出口", "互通", "立交桥", "立交")


def exit_place(name: str | None) -> str | None:
    """The place an exit is named after ('张家界南' for 张家界南互通匝道), or None when the name does not
    name an interchange (a bare label such as '互通6' or a route's name)."""
    if not name:
        return None
    place, stripped = name.strip(), False
    for suffix in _EXIT_SUFFIXES:
        if place.endswith(suffix) and len(place) > len(suffix):
            place, stripped = place[: -len(suffix)], True
    return place if stripped and not place[-1].isdigit() else None


def _exit_label(graph: RoadGraph, arc: int, ramp_name: str | None = None) -> str:
    """Where an arc on a route is left for a ramp: the place of the ramp's or the interchange's name
    ('张家界南'), else the stake, else the interchange's label (a name or an exit number) or ''."""
    label = graph.node_label[graph.arc_head(arc)]
    place = exit_place(ramp_name) or exit_place(label)
    if place:
        return place
    seg = arc >> 1
    stake = graph.seg_start_stake[seg] if arc & 1 else graph.seg_end_stake[seg]
    if np.isfinite(stake):
        return format_stake(float(stake))
    return label or ""


_MANEUVERS = ("depart", "ramp", "merge", "turn")
RAMP_CODE, MERGE_CODE = _MANEUVERS.index("ramp"), _MANEUVERS.index("merge")


def _onto(graph: RoadGraph, rows: list[list[int]], g: int, lang: str) -> str | None:
    """The expressway the exit at the end of step g leads onto, by a ramp (step g + 1) and a merge
    (step g + 2): 'S61衡炎高速'; None when the ramp leads off the expressways."""
    if g + 2 >= len(rows) or rows[g + 2][5] != MERGE_CODE:
        return None
    r, m = rows[g + 2][3], rows[g + 2][4]
    return road_label(graph.routes[r] if r >= 0 else None, graph.names[m] if m >= 0 else None, lang)


def _entry_place(graph: RoadGraph, leg: Leg, rows: list[list[int]], g: int) -> str | None:
    """For a ramp from an ordinary road onto an expressway, the place of its interchange (its toll
    station's name: '长沙南'), from the interchange's or the ramp's name; None for a ramp between
    expressways (a hub has no toll station) or an interchange with no place name."""
    if g + 1 >= len(rows) or rows[g + 1][5] != MERGE_CODE or (g > 0 and rows[g - 1][2] == EXPRESSWAY):
        return None
    last = int(leg.arcs[rows[g][1] - 1])
    ramp_name = graph.names[rows[g][4]] if rows[g][4] >= 0 else None
    place = exit_place(graph.node_label[graph.arc_head(last)]) or exit_place(ramp_name)
    return None if place is None or place.endswith("枢纽") else place


_TEXT_CACHE_MAX = 20_000


def _text_cache(graph: RoadGraph, lang: str) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    """The graph's caches of step words for `lang`: (words around the distance by step key, words of a
    distance by distance code). The same roads, turns, headings and distances come back request
    after request; a cache that grows too big is emptied."""
    caches = graph.__dict__.setdefault("_step_text", {})
    mine = caches.get(lang)
    if mine is None or len(mine[0]) + len(mine[1]) > _TEXT_CACHE_MAX:
        mine = caches[lang] = ({}, {})
    return mine


def _step_words(
    graph: RoadGraph,
    lang: str,
    row: list[int],
    exit_at: str | None,
    entry_at: str | None = None,
    onto: str | None = None,
) -> tuple[str, str]:
    """The words of a step before and after its distance."""
    _, _, cls, r, m, man, mod, comp = row[:8]
    if cls == LINK:
        road = "匝道" if lang == "zh-CN" else "the ramp"
    else:
        road = road_label(graph.routes[r] if r >= 0 else None, graph.names[m] if m >= 0 else None, lang)
    heading = compass(comp * 45.0, lang)
    text = instruction(_MANEUVERS[man], MODIFIERS[mod], road, heading, "\0", exit_at, lang, entry_at, onto)
    before, after = text.split("\0")
    return before, after


def build_steps(
    graph: RoadGraph,
    leg: Leg,
    lang: str,
    *,
    last_leg: bool = True,
    overlay: Overlay | None = None,
    warned: set[int] | None = None,
) -> list[dict]:
    """Turn-by-turn steps: consecutive pieces on the same road form one step. With `overlay`, each
    step lists `warnings` for the hazard zones in force the route enters on it (`warned`: the zones
    already named on earlier legs)."""
    if len(leg.arcs) == 0:
        return []
    rows = leg.ints.tolist()
    warnings = (
        step_warnings(graph, overlay, leg.arcs, leg.metres, rows, lang, set() if warned is None else warned)
        if overlay is not None
        else [[] for _ in rows]
    )
    routes, names = graph.routes, graph.names
    words, distances = _text_cache(graph, lang)
    keyed = len(names) < STEP_KEY_NAMES  # the step key packs the name index in 24 bits
    steps = []
    for g, (row, (dist, dur, x, y, dist_r, dur_r, x_r, y_r)) in enumerate(zip(rows, leg.flts.tolist(), strict=True)):
        _, _, cls, r, m, man, mod, _, bearing, exit_arc, tie, key, dist_code = row
        if tie:  # the kernel's rounding is exact away from ties only
            dist_r, dur_r, x_r, y_r = round(dist, 1), round(dur, 1), round(x, 7), round(y, 7)
            dist_text = distance_text(dist, lang)
        elif (cached := distances.get(dist_code)) is not None:
            dist_text = cached
        else:
            dist_text = distances[dist_code] = distance_text(dist, lang)
        entry_at = _entry_place(graph, leg, rows, g) if man == RAMP_CODE else None
        if entry_at is not None:
            around = _step_words(graph, lang, row, None, entry_at)
        elif exit_arc >= 0 or not keyed:
            ramp = rows[g + 1][4] if exit_arc >= 0 and g + 1 < len(rows) else -1  # the ramp's name
            exit_at = _exit_label(graph, exit_arc, names[ramp] if ramp >= 0 else None) if exit_arc >= 0 else None
            around = _step_words(
                graph, lang, row, exit_at, None, _onto(graph, rows, g, lang) if exit_arc >= 0 else None
            )
        elif (hit := words.get(key)) is not None:
            around = hit
        else:
            around = words[key] = _step_words(graph, lang, row, None)
        steps.append(
            {
                "instruction": around[0] + dist_text + around[1],
                "distance_m": dist_r,
                "duration_s": dur_r,
                "maneuver": {"type": _MANEUVERS[man], "modifier": MODIFIERS[mod], "bearing_after": bearing},
                "location": [x_r, y_r],
                "road": {
                    "route_code": routes[r] if r >= 0 else None,
                    "name": names[m] if m >= 0 else None,
                    "road_class": ROAD_CLASSES[cls],
                },
                "warnings": warnings[g],
            }
        )
    end = leg.xy[-1]
    steps.append(
        {
            "instruction": arrive_text(lang, via=not last_leg),
            "distance_m": 0.0,
            "duration_s": 0.0,
            "maneuver": {"type": "arrive" if last_leg else "waypoint", "modifier": "straight"},
            "location": [round(float(end[0]), 7), round(float(end[1]), 7)],
        }
    )
    return steps


def route_feature(
    graph: RoadGraph,
    legs: list[tuple[Path, float]],
    overlay: Overlay,
    lang: str,
    *,
    geometry: str = "geojson",
    avoided_incident_ids: list[int] | None = None,
    coordinate_array: bool = False,
) -> dict:
    """A route Feature (api.md's Route shape) from its legs: (path, start fraction) each; GeoJSON
    coordinates as their JSON text (an orjson.Fragment) with `coordinate_array`, else as lists."""
    tables = [leg_table(graph, path, overlay.cost, start_fraction) for path, start_fraction in legs]
    steps: list[dict] = []
    warned: set[int] = set()
    for i, leg in enumerate(tables):
        steps.extend(build_steps(graph, leg, lang, last_leg=i == len(legs) - 1, overlay=overlay, warned=warned))
    if len(tables) == 1:
        coords, all_arcs = tables[0].xy, tables[0].arcs
    else:
        coords = np.concatenate([t.xy for t in tables]) if tables else np.empty((0, 2))
        all_arcs = np.concatenate([t.arcs for t in tables]) if tables else np.empty(0, np.int64)
    if len(coords) > 1:
        coords = drop_repeats(coords)
    if len(coords) == 1:
        coords = np.vstack([coords, coords])
    distance = float(sum(t.metres.sum() for t in tables))
    duration = float(sum(t.secs.sum() for t in tables))
    seg_arr, route_idx, name_idx = route_roads(
        np.ascontiguousarray(all_arcs, np.int64), graph.seg_route, graph.seg_name
    )
    route_codes = [graph.routes[r] for r in route_idx.tolist()]
    names = [graph.names[r] for r in name_idx.tolist()]
    # Look the route's few arcs up in the overlay's maps (a set operation with the maps' keys would
    # copy every key of them).
    on_arcs = overlay.arc_incidents
    passed = sorted({i for a in set(all_arcs.tolist()) if a in on_arcs for i in on_arcs[a]}) if on_arcs else []
    hazards = overlay.hazards_on(seg_arr)
    fog = {str(z): v for z, v in overlay.fog_visibility.items() if z in hazards}
    props = {
        "distance_m": round(distance, 1),
        "duration_s": round(duration, 1),
        "route_codes": route_codes,
        "road_names": names,
        "segment_ids": graph.seg_ids[seg_arr].tolist(),
        "steps": steps,
        "avoided_incident_ids": avoided_incident_ids or [],
        "incident_ids": passed,
        "hazard_ids": hazards,
        "fog_visibility_m": fog,
    }
    feature: dict = {"type": "Feature", "properties": props}
    if geometry == "polyline6":
        feature["geometry"] = None
        props["polyline6"] = encode_polyline(coords)
    else:
        # With `coordinate_array`, the coordinates' JSON text at once (an orjson.Fragment, the same bytes
        # as orjson writes for np.round(coords, 7); routing/coords_json.py): no Python float per vertex.
        feature["geometry"] = {
            "type": "LineString",
            "coordinates": coordinates_fragment(coords) if coordinate_array else np.round(coords, 7).tolist(),
        }
    return feature


def path_distance_m(graph: RoadGraph, path: Path) -> float:
    """Metres driven along a path."""
    return float(sum(share * graph.seg_length_m[arc >> 1] for arc, share in path.arc_parts()))


def overlap_share(graph: RoadGraph, a: Path, b: Path) -> float:
    """Share of path a's length that also lies on path b (same segments)."""
    segs_b = {arc >> 1 for arc in b.arcs}
    total = path_distance_m(graph, a) or 1.0
    shared = sum(share * graph.seg_length_m[arc >> 1] for arc, share in a.arc_parts() if arc >> 1 in segs_b)
    return float(shared / total)


def is_finite(value: float) -> bool:
    """True for a finite number."""
    return math.isfinite(value)

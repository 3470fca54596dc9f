"""A found path as a GeoJSON route: geometry, totals, the roads used and turn-by-turn steps."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gis.stake import format_stake
from routing.graph import EXPRESSWAY, LINK, ROAD_CLASSES, RoadGraph
from routing.overlay import Overlay
from routing.route_kernels import drop_repeats, encode_polyline, gather_arcs, group_headings, road_groups, substring
from routing.search import Path
from routing.text import (
    arrive_text,
    compass,
    distance_text,
    instruction,
    road_label,
    turn_kind,
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


def _direct_coords(graph: RoadGraph, path: Path, start_fraction: float) -> np.ndarray:
    arc = path.arcs[0]
    share = path.first_part
    if arc & 1 == 0:
        lo, hi = start_fraction, start_fraction + share
    else:
        lo, hi = start_fraction - share, start_fraction
    coords = substring(_seg_coords(graph, arc >> 1), max(lo, 0.0), min(hi, 1.0))
    return coords[::-1] if arc & 1 else coords


@dataclass
class Pieces:
    """The arcs of a leg in order with the metres, seconds and coordinates driven on each.

    The coordinates of every piece lie in one array, `xy`, piece after piece: piece i is
    `xy[lo[i]:hi[i]]` (`piece(i)`), so that a leg of hundreds of arcs is assembled with a few numpy
    operations rather than an array per arc.
    """

    arcs: np.ndarray
    metres: np.ndarray
    secs: np.ndarray
    xy: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def __len__(self) -> int:
        return len(self.arcs)

    def piece(self, i: int) -> np.ndarray:
        """Coordinates of piece `i` in its travel direction."""
        return self.xy[self.lo[i] : self.hi[i]]


def full_arcs_coords(graph: RoadGraph, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The vertices of whole arcs in travel order, one after the other, and each arc's offset into them
    (len(arcs) + 1 offsets)."""
    return gather_arcs(graph.seg_coords, graph.seg_ptr, np.ascontiguousarray(arcs, dtype=np.int64))


def leg_pieces(graph: RoadGraph, path: Path, cost: np.ndarray, start_fraction: float) -> Pieces:
    """Every piece of a leg, in order (partial at both ends)."""
    arcs = np.asarray(path.arcs, dtype=np.int64)
    n = len(arcs)
    if n == 1:
        share = np.array([path.first_part])
        blocks = [_direct_coords(graph, path, start_fraction)]
        offsets = np.array([0, len(blocks[0])], dtype=np.int64)
    else:
        share = np.ones(n)
        share[0], share[-1] = path.first_part, path.last_part
        head = arc_coords(graph, int(arcs[0]), float(share[0]), at_end=True)
        tail = arc_coords(graph, int(arcs[-1]), float(share[-1]), at_end=False)
        middle, mid_offsets = full_arcs_coords(graph, arcs[1:-1])
        blocks = [head, middle, tail]
        offsets = np.concatenate([[0], len(head) + mid_offsets, [len(head) + len(middle) + len(tail)]])
    xy = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    lo, hi = offsets[:-1], offsets[1:]
    segs = arcs >> 1
    metres = share * graph.seg_length_m[segs]
    secs = share * cost[arcs]
    keep = metres > 0
    if n > 1 and not keep.all() and keep.any():
        # Pieces with no length drop out of the steps; their vertices (repeated points) may stay in xy.
        return Pieces(arcs[keep], metres[keep], secs[keep], xy, lo[keep], hi[keep])
    return Pieces(arcs, metres, secs, xy, lo, hi)


def _exit_label(graph: RoadGraph, arc: int) -> str:
    """Stake (or interchange name) where an arc on a route ends: the exit's label."""
    seg = arc >> 1
    stake = graph.seg_start_stake[seg] if arc & 1 else graph.seg_end_stake[seg]
    if np.isfinite(stake):
        return format_stake(float(stake))
    label = graph.node_label[graph.arc_head(arc)]
    return label or ""


def build_steps(graph: RoadGraph, pieces: Pieces, lang: str, *, last_leg: bool = True) -> list[dict]:
    """Turn-by-turn steps: consecutive pieces on the same road form one step."""
    if len(pieces) == 0:
        return []
    segs = pieces.arcs >> 1
    bounds_arr = road_groups(graph.seg_class, graph.seg_route, graph.seg_name, segs, LINK)
    bounds = bounds_arr.tolist()
    cum_m = np.concatenate([[0.0], np.cumsum(pieces.metres)]).tolist()
    cum_s = np.concatenate([[0.0], np.cumsum(pieces.secs)]).tolist()
    chords, firsts, lasts = (a.tolist() for a in group_headings(pieces.xy, pieces.lo, pieces.hi, bounds_arr))
    # Python lists for the loop below: indexing numpy arrays element by element costs more than the text.
    classes = graph.seg_class[segs].tolist()
    starts = pieces.xy[pieces.lo[bounds_arr[:-1]]].tolist()
    route_idx = graph.seg_route[segs].tolist()
    name_idx = graph.seg_name[segs].tolist()
    steps = []
    prev_heading: float | None = None
    n_groups = len(bounds) - 1
    for gi in range(n_groups):
        lo, hi = bounds[gi], bounds[gi + 1]
        dist = cum_m[hi] - cum_m[lo]
        dur = cum_s[hi] - cum_s[lo]
        heading = chords[gi] if dist > 0 else 0.0
        first_heading = firsts[gi]
        cls = classes[lo]
        prev_cls = classes[lo - 1] if gi else None
        if gi == 0:
            maneuver, modifier = "depart", "straight"
        elif cls == LINK:
            maneuver, modifier = "ramp", "straight"
        elif prev_cls == LINK and cls == EXPRESSWAY:
            maneuver, modifier = "merge", "straight"
        else:
            angle = ((first_heading - (prev_heading or first_heading)) + 540.0) % 360.0 - 180.0
            maneuver, modifier = "turn", turn_kind(angle)
        prev_heading = lasts[gi]
        exit_at = None
        if cls == EXPRESSWAY and gi + 1 < n_groups and classes[hi] == LINK:
            exit_at = _exit_label(graph, int(pieces.arcs[hi - 1]))
        r, m = route_idx[lo], name_idx[lo]
        route_code, name = (graph.routes[r] if r >= 0 else None), (graph.names[m] if m >= 0 else None)
        road = road_label(route_code, name, lang) if cls != LINK else ("匝道" if lang == "zh-CN" else "the ramp")
        steps.append(
            {
                "instruction": instruction(
                    maneuver, modifier, road, compass(heading, lang), distance_text(dist, lang), exit_at, lang
                ),
                "distance_m": round(dist, 1),
                "duration_s": round(dur, 1),
                "maneuver": {"type": maneuver, "modifier": modifier, "bearing_after": round(first_heading)},
                "location": [round(starts[gi][0], 7), round(starts[gi][1], 7)],
                "road": {"route_code": route_code, "name": name, "road_class": ROAD_CLASSES[cls]},
            }
        )
    end = pieces.piece(len(pieces) - 1)[-1]
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
) -> dict:
    """A route Feature (api.md's Route shape) from its legs: (path, start fraction) each."""
    legs_pieces = [leg_pieces(graph, path, overlay.cost, start_fraction) for path, start_fraction in legs]
    steps: list[dict] = []
    for i, pieces in enumerate(legs_pieces):
        steps.extend(build_steps(graph, pieces, lang, last_leg=i == len(legs) - 1))
    coords = np.concatenate([p.xy for p in legs_pieces]) if legs_pieces else np.empty((0, 2))
    if len(coords) > 1:
        coords = drop_repeats(coords)
    if len(coords) == 1:
        coords = np.vstack([coords, coords])
    all_arcs = np.concatenate([p.arcs for p in legs_pieces]) if legs_pieces else np.empty(0, np.int64)
    distance = float(sum(p.metres.sum() for p in legs_pieces))
    duration = float(sum(p.secs.sum() for p in legs_pieces))
    seg_arr = all_arcs >> 1
    if len(seg_arr):
        seg_arr = seg_arr[np.concatenate([[True], seg_arr[1:] != seg_arr[:-1]])]
    route_codes = [graph.routes[r] for r in dict.fromkeys(graph.seg_route[seg_arr].tolist()) if r >= 0]
    names = [graph.names[r] for r in dict.fromkeys(graph.seg_name[seg_arr].tolist()) if r >= 0]
    arcs = set(all_arcs.tolist())
    # Look the route's few arcs up in the overlay's maps (a set operation with the maps' keys would
    # copy every key of them).
    on_arcs = overlay.arc_incidents
    passed = sorted({i for a in arcs if a in on_arcs for i in on_arcs[a]}) if on_arcs else []
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
        feature["geometry"] = {"type": "LineString", "coordinates": np.round(coords, 7).tolist()}
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

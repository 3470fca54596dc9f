"""Warnings on a route's steps for the hazard zones in force it passes (fog, ice, black spots, long
downgrades…), worded as the roadside signs and traffic bulletins word them: "前方K1617至K1638团雾多发
路段，请减速慢行". Each zone is named once, on the step where the route enters it, with the stakes
where the route enters and leaves it (or its length on roads without stakes)."""
# The zone's own stakes (its properties from_stake_m / to_stake_m) when it carries them, bridges and
# tunnels named as such, and a step past more than MAX_PER_STEP zones gets one warning per kind with
# the count ("沿途K1376至K1420间有5处桥梁，桥面易结冰"); closures and speed restrictions in force on the
# route are said on the step where the route meets them.

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from math import isfinite

import numpy as np

from gis.stake import format_stake
from routing.graph import RoadGraph
from routing.overlay import Overlay, zone_csr
from routing.rules import gap_for_speed
from routing.text import REASON_EN, REASON_ZH, distance_text
from routing.warning_notes import warning_step_notes

# kind → (the section, what to do), Chinese and English.
_ZH = {
    "fog": ("团雾多发路段", "请减速慢行，开启雾灯"),
    "ice": ("低温易结冰路段", "请减速慢行，谨慎驾驶"),
    "blackspot": ("事故多发路段", "请减速慢行"),
    "steep_grade": ("连续长下坡路段", "请控制车速，切勿空挡滑行"),
    "sharp_curve": ("急弯路段", "请减速慢行，不要超车"),
    "landslide": ("易塌方落石路段", "请注意观察，谨慎驾驶"),
    "congestion": ("易拥堵路段", "请减速慢行，保持车距"),
}
_EN = {
    "fog": ("fog-prone section", "slow down and turn on fog lights"),
    "ice": ("icing-prone section", "slow down and drive with care"),
    "blackspot": ("accident black spot", "slow down"),
    "steep_grade": ("long continuous downgrade", "keep your speed down and stay in gear"),
    "sharp_curve": ("sharp bends", "slow down, no overtaking"),
    "landslide": ("rockfall-prone section", "watch the road and drive with care"),
    "congestion": ("congestion-prone section", "slow down and keep your distance"),
}


MAX_PER_STEP = 3  # more zones than this on one step are merged by kind, with a count


def _stake(metres: float) -> str:
    """'K1617' for a whole kilometre (as bulletins write it), else 'K1617+300'."""
    text = format_stake(metres)
    return text[:-4] if text.endswith("+000") else text


def _where(enter: float, leave: float, length_m: float, lang: str) -> str:
    if isfinite(enter) and isfinite(leave) and abs(leave - enter) >= 1.0:
        a, b = _stake(min(enter, leave)), _stake(max(enter, leave))  # ascending, as bulletins write them
        return f"{a}至{b}" if lang == "zh-CN" else f"{a}–{b}"
    if isfinite(enter) and isfinite(leave):  # a point (a black spot): its stake
        return f"{_stake(enter)}处" if lang == "zh-CN" else f"at {_stake(enter)}"
    return f"约{distance_text(length_m, lang)}" if lang == "zh-CN" else f"for {distance_text(length_m, lang)}"


def _span(enter: float, leave: float, length_m: float, lang: str) -> str:
    """Where merged zones lie, in whole kilometres ('K1483至K1635间'): several zones are no one section
    to give to the metre."""
    if isfinite(enter) and isfinite(leave) and abs(leave - enter) >= 1.0:
        lo, hi = min(enter, leave), max(enter, leave)
        a, b = f"K{int(lo // 1000)}", f"K{int(-(-hi // 1000))}"
        return f"{a}至{b}间" if lang == "zh-CN" else f"between {a} and {b}"
    return _where(enter, leave, length_m, lang)


# On a bridge or in a tunnel the section is named by the structure, not 路段.
_STRUCTURE_ZH = {"bridge": "桥梁", "tunnel": "隧道"}
_STRUCTURE_EN = {"bridge": "bridge", "tunnel": "tunnel"}


def _section_zh(kind: str, structure: str | None) -> tuple[str, str]:
    section, advice = _ZH.get(kind, ("危险路段", "请减速慢行"))
    if structure in _STRUCTURE_ZH:  # '桥梁，桥面易结冰', '隧道，事故多发'
        what = "低温时桥面易结冰" if kind == "ice" and structure == "bridge" else section.removesuffix("路段")
        section = f"{_STRUCTURE_ZH[structure]}，{what}"
    return section, advice


def _section_en(kind: str, structure: str | None) -> tuple[str, str]:
    section, advice = _EN.get(kind, ("hazardous section", "slow down"))
    if structure in _STRUCTURE_EN:
        word = _STRUCTURE_EN[structure]
        section = section.replace("section", word) if "section" in section else f"{section} ({word})"
    return section, advice


@lru_cache(maxsize=65536)  # the same zone crossed the same way reads the same: most routes repeat them
def note(kind: str, enter: float, leave: float, length_m: float, visibility_m: float | None, lang: str,
         structure: str | None = None, count: int = 1) -> str:  # fmt: skip
    """One warning sentence (`count` > 1: that many zones of one kind on the step, merged)."""
    where = _where(enter, leave, length_m, lang)
    if lang == "zh-CN":
        section, advice = _section_zh(kind, structure)
        seen = f"，当前能见度约{int(round(visibility_m))}米" if visibility_m is not None else ""
        if kind == "fog" and visibility_m is None:  # a fog-prone section on a clear day: advice for when fog comes
            advice = f"遇雾{advice}"
        if count > 1:  # zones spread along the step, not one section: '沿途K1483至K1635间有13处桥梁'
            return f"沿途{_span(enter, leave, length_m, lang)}有{count}处{section}{seen}，{advice}"
        return f"前方{where}{section}{seen}，{advice}"
    section, advice = _section_en(kind, structure)
    seen = f", visibility about {int(round(visibility_m))} m" if visibility_m is not None else ""
    if kind == "fog" and visibility_m is None:
        advice = f"in fog, {advice}"
    if count > 1:
        return f"{count} {section}s along the way {_span(enter, leave, length_m, lang)}{seen}: {advice}"
    return f"{section.capitalize()} ahead {where}{seen}: {advice}"


def step_warnings(graph: RoadGraph, overlay: Overlay, arcs: np.ndarray, metres: np.ndarray, step_rows: list,
                  lang: str, seen: set[int]) -> list[list[dict]]:  # fmt: skip
    """Per step of a leg (rows of its step table: first and last piece), the warnings for the zones the
    route enters on that step; `seen` holds the zones already named (on earlier legs), and grows."""
    out: list[list[dict]] = [[] for _ in step_rows]
    if (not overlay.seg_hazards and overlay.arc_incident_mask is None and overlay.arc_warning_mask is None) or len(
        arcs
    ) == 0:
        return out
    arc_ids = np.asarray(arcs, dtype=np.int64)
    segs = arc_ids >> 1
    # Only the pieces on a segment in some zone (the overlay's mask), their values read out of numpy
    # at once: a province route has hundreds of pieces and element-wise access cost ~1 ms per route.
    mask = overlay.seg_hazard_mask
    if not overlay.seg_hazards:
        pieces = np.empty(0, dtype=np.int64)
    else:
        pieces = np.flatnonzero(mask[segs]) if mask is not None else np.arange(len(segs))
    found = _zones_entered(graph, overlay, segs, (arc_ids & 1).astype(bool), pieces, metres, seen)
    starts = [row[0] for row in step_rows]
    if overlay.arc_incident_mask is not None:
        _incident_warnings(overlay, arc_ids, starts, lang, seen, out)
    warning_step_notes(overlay, arc_ids, starts, lang, seen, out)  # early warnings in force
    by_step: dict[int, list[tuple]] = {}
    for z, (first, enter, leave, length_m) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0])):
        way = overlay.hazard_ways.get(z)
        if way is not None and _other_carriageway(way, _increasing(graph, overlay, arc_ids, pieces, z)):
            continue  # a black spot of the other direction (上行 runs with increasing stakes): not this driver's
        seen.add(z)
        step = bisect_right(starts, first) - 1  # the step whose pieces [start, end) hold `first`
        own = overlay.hazard_stakes.get(z)
        route = int(graph.seg_route[segs[first]])
        if route < 0 and not _driven_on_own_road(graph, overlay, segs, pieces, z):
            # met on a ramp or a street with no route code: the zone's stakes are its own road's, not this
            # one's ('前方K0至K10+099' on a 730 m ramp): say how far instead
            enter = leave = float("nan")
        elif own is not None:  # the zone's own stakes, not those of the segments it touches
            enter, leave = own
        by_step.setdefault(step, []).append((z, enter, leave, length_m, route))
    for step, on_step in by_step.items():
        if len(on_step) > MAX_PER_STEP:  # a long step past many zones: one warning per kind, with a count
            _merged(overlay, on_step, lang, out[step])
            continue
        for z, enter, leave, length_m, _route in on_step:
            kind = overlay.hazard_kinds.get(z, "")
            visibility = overlay.fog_visibility.get(z) if kind == "fog" else None
            structure = overlay.hazard_structure.get(z)
            text = note(kind, enter, leave, length_m, visibility, lang, structure)
            out[step].append({"hazard_id": z, "kind": kind, "text": text})
    return out


def _driven_on_own_road(graph: RoadGraph, overlay: Overlay, segs: np.ndarray, pieces: np.ndarray, zone: int) -> bool:
    """Whether the leg drives `zone` on the road it is recorded on (never for a zone recorded on no road).
    Asked only for a zone first met on a piece with no route code (a ramp into it, a street), so rare."""
    recorded = overlay.hazard_zone_route
    own = int(recorded[zone]) if recorded is not None and 0 <= zone < len(recorded) else -1
    if own < 0:  # recorded on no road (or one not in the network): its stakes name no road this one is
        return False
    return any(int(graph.seg_route[s]) == own and zone in overlay.seg_hazards.get(s, ()) for s in segs[pieces].tolist())


def _increasing(graph: RoadGraph, overlay: Overlay, arc_ids: np.ndarray, pieces: np.ndarray, zone: int) -> bool | None:
    """Whether the leg drives zone `zone` with increasing stakes: the first of its pieces in the zone on
    a segment with two different stakes (ramps and unstaked links skipped); None when none has."""
    for p in pieces.tolist():
        seg = int(arc_ids[p] >> 1)
        if zone not in overlay.seg_hazards.get(seg, ()):
            continue
        s0, s1 = float(graph.seg_start_stake[seg]), float(graph.seg_end_stake[seg])
        if isfinite(s0) and isfinite(s1) and s0 != s1:
            return (s1 > s0) != bool(arc_ids[p] & 1)  # an arc driven backwards runs from end to start
    return None


def _other_carriageway(way: str, increasing: bool | None) -> bool:
    """True when a zone of one direction ('up': increasing stakes, 'down': decreasing) is driven the
    other way (unknown: warned)."""
    if increasing is None:
        return False
    return increasing != (way == "up")


def _zones_entered(graph: RoadGraph, overlay: Overlay, segs: np.ndarray, back: np.ndarray, pieces: np.ndarray,
                   metres: np.ndarray, seen: set[int]) -> dict[int, tuple[int, float, float, float]]:  # fmt: skip
    """zone → (first piece on it, stake where the route enters it, stake where it leaves it, metres
    inside) for the zones not in `seen` that pieces `pieces` (of a leg: segment indices `segs`, driven
    backwards where `back`) lie in. The stake left is the last finite one met (the first piece's when
    none is). Computed on arrays: a province route crosses hundreds of zone pieces and a loop over
    them cost ~0.6 ms per route (tests/test_hazard_notes.py checks it against that loop)."""
    if len(pieces) == 0:
        return {}
    ptr, ids = overlay.seg_zone_ptr, overlay.seg_zone_ids
    if ptr is None or ids is None:
        ptr, ids = zone_csr(overlay.seg_hazards, graph.n_segments)
        overlay.seg_zone_ptr, overlay.seg_zone_ids = ptr, ids
    on = segs[pieces]
    counts = ptr[on + 1] - ptr[on]
    rows = np.repeat(np.arange(len(on)), counts)  # one row per (piece, zone)
    zone = ids[np.repeat(ptr[on], counts) + (np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts))]
    if seen:
        keep = ~np.isin(zone, np.fromiter(seen, dtype=np.int64, count=len(seen)))
        rows, zone = rows[keep], zone[keep]
    recorded = overlay.hazard_zone_route
    if recorded is not None and len(zone):
        # A zone recorded on one road is met only on that road: S326's congestion zone touching G4 where
        # the two meet is no G4 driver's hazard (its own stakes are S326's).
        zr = recorded[np.minimum(zone, len(recorded) - 1)]
        zr = np.where(zone < len(recorded), zr, -1)
        sr = graph.seg_route[on[rows]]
        keep = (zr == -1) | (sr < 0) | (zr == sr)
        rows, zone = rows[keep], zone[keep]
    if len(zone) == 0:
        return {}
    piece = pieces[rows]
    s0, s1 = graph.seg_start_stake[on[rows]], graph.seg_end_stake[on[rows]]
    b = back[pieces[rows]]
    enter, leave = np.where(b, s1, s0), np.where(b, s0, s1)
    inside = np.asarray(metres, dtype=np.float64)[piece]
    order = np.lexsort((piece, zone))  # by zone, then along the route
    zone, piece, enter, leave, inside = zone[order], piece[order], enter[order], leave[order], inside[order]
    first = np.flatnonzero(np.r_[True, zone[1:] != zone[:-1]])
    last = np.r_[first[1:], len(zone)] - 1
    total = np.add.reduceat(inside, first)
    # the last finite stake left per zone: finite rows keep their position, others -1; a running max
    finite = np.where(np.isfinite(leave), np.arange(len(leave)), -1)
    best = np.maximum.accumulate(finite)[last]  # rows of one zone are contiguous: a finite row of an
    use = np.where(best >= first, best, first)  # earlier zone (best < first) does not count
    return {
        z: (p, e, lv, t)
        for z, p, e, lv, t in zip(
            zone[first].tolist(),
            piece[first].tolist(),
            enter[first].tolist(),
            leave[use].tolist(),
            total.tolist(),
            strict=True,
        )
    }


def _merged(overlay: Overlay, zones: list[tuple], lang: str, into: list[dict]) -> None:
    """Zones of one kind (and structure) on one step as one warning: '沿途K1376至K1420间有5处桥梁，桥面易结冰'."""
    groups: dict[tuple, list[tuple]] = {}
    for z in zones:  # (zone, enter, leave, length, route): stakes of different roads never share a range
        kind = overlay.hazard_kinds.get(z[0], "")
        groups.setdefault((kind, overlay.hazard_structure.get(z[0]), z[4]), []).append(z)
    for (kind, structure, _route), members in groups.items():
        ids = [m[0] for m in members]
        if len(ids) == 1:
            z, enter, leave, length_m, _ = members[0]
            visibility = overlay.fog_visibility.get(z) if kind == "fog" else None
            into.append(
                {"hazard_id": z, "kind": kind, "text": note(kind, enter, leave, length_m, visibility, lang, structure)}
            )
            continue
        stakes = [v for m in members for v in (m[1], m[2]) if isfinite(v)]  # math's: numpy's costs ~1 µs a call
        lo, hi = (min(stakes), max(stakes)) if stakes else (float("nan"), float("nan"))
        length = sum(m[3] for m in members)
        seen_fog = [overlay.fog_visibility[z] for z in ids if z in overlay.fog_visibility] if kind == "fog" else []
        visibility = min(seen_fog) if seen_fog else None
        text = note(kind, lo, hi, length, visibility, lang, structure, len(ids))
        into.append({"hazard_id": ids[0], "hazard_ids": ids, "count": len(ids), "kind": kind, "text": text})


def _incident_section(route: str | None, lo: float | None, hi: float | None, lang: str) -> str:
    if lo is None or hi is None:
        return ""
    a, b = sorted((float(lo), float(hi)))
    where = f"{_stake(a)}至{_stake(b)}" if lang == "zh-CN" else f"{_stake(a)}–{_stake(b)}"
    return f"{route}{where}" if lang == "zh-CN" and route else (f"{route} {where}" if route else where)


@lru_cache(maxsize=4096)
def incident_note(kind: str, effect: str, cap: int | None, route: str | None, lo: float | None, hi: float | None,
                  road_class: str, lang: str) -> str:  # fmt: skip
    """One sentence for a closure or speed restriction in force on the route ('前方G4K1522至K1530恶劣天气
    交通管制，限速40公里/小时，车距保持50米以上')."""
    where = _incident_section(route, lo, hi, lang)
    gap = gap_for_speed(road_class, cap) if cap else None
    if lang == "zh-CN":
        reason = REASON_ZH.get(kind, "") or "交通管制"
        if effect == "closed":
            return f"前方{where}{reason}封闭，请听从现场民警指挥，提前绕行"
        speed = f"，限速{cap}公里/小时" if cap else "，请减速慢行"
        keep = f"，车距保持{gap:.0f}米以上" if gap else ""
        head = f"{reason}交通管制" if reason != "交通管制" else reason
        return f"前方{where}{head}{speed}{keep}"
    reason_en = REASON_EN.get(kind, "") or "traffic control"
    at = f" {where}" if where else ""
    if effect == "closed":
        return f"Road closed ahead{at} ({reason_en}): follow the officers' directions and detour"
    speed = f": {cap} km/h" if cap else ": slow down"
    keep = f", keep {gap:.0f} m from the vehicle ahead" if gap else ""
    return f"Speed restriction ahead{at} ({reason_en}){speed}{keep}"


def _incident_warnings(overlay: Overlay, arc_ids: np.ndarray, starts: list[int], lang: str, seen: set[int],
                       out: list[list[dict]]) -> None:  # fmt: skip
    """Warnings for the closures and restrictions in force the route passes, on the step where it meets
    each (incident ids are kept in `seen` as -id - 1, apart from the zones)."""
    assert overlay.arc_incident_mask is not None
    first: dict[int, int] = {}
    for i in np.flatnonzero(overlay.arc_incident_mask[arc_ids]).tolist():
        for inc in overlay.arc_incidents.get(int(arc_ids[i]), ()):
            if -inc - 1 not in seen and inc not in first:
                first[inc] = i
    for inc, i in sorted(first.items(), key=lambda kv: (kv[1], kv[0])):
        seen.add(-inc - 1)
        effect, cap, route, lo, hi = overlay.incident_info.get(inc, ("closed", None, None, None, None))
        kind = overlay.incident_kinds.get(inc, "control")
        road_class = overlay.incident_class.get(inc, "expressway")
        step = bisect_right(starts, i) - 1
        out[step].append(
            {
                "incident_id": inc,
                "kind": kind,
                "effect": effect,
                "speed_cap_kmh": cap,
                "text": incident_note(kind, effect, cap, route, lo, hi, road_class, lang),
            }
        )

"""Warnings on a route's steps for the hazard zones in force it passes (fog, ice, black spots, long
downgrades…), worded as the roadside signs and traffic bulletins word them: "前方K1617至K1638团雾多发
路段，请减速慢行". Each zone is named once, on the step where the route enters it, with the stakes
where the route enters and leaves it (or its length on roads without stakes)."""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

import numpy as np

from gis.stake import format_stake
from routing.graph import RoadGraph
from routing.overlay import Overlay
from routing.text import distance_text

# kind → (the section, what to do), Chinese and English.
_ZH = {
    "fog": ("团雾多发路段", "请减速慢行，开启雾灯"),
    "ice": ("易结冰路段", "请减速慢行，谨慎驾驶"),
    "blackspot": ("事故多发路段", "请减速慢行"),
    "steep_grade": ("连续长下坡路段", "请控制车速，切勿空挡滑行"),
    "sharp_curve": ("急弯路段", "请减速慢行，不要超车"),
    "landslide": ("易塌方落石路段", "请注意观察，谨慎驾驶"),
    "congestion": ("易拥堵路段", "请保持车距，注意避让"),
}
_EN = {
    "fog": ("fog-prone section", "slow down and turn on fog lights"),
    "ice": ("icing-prone section", "slow down and drive with care"),
    "blackspot": ("accident black spot", "slow down"),
    "steep_grade": ("long continuous downgrade", "keep your speed down and stay in gear"),
    "sharp_curve": ("sharp bends", "slow down, no overtaking"),
    "landslide": ("rockfall-prone section", "watch the road and drive with care"),
    "congestion": ("congestion-prone section", "keep your distance"),
}


def _stake(metres: float) -> str:
    """'K1617' for a whole kilometre (as bulletins write it), else 'K1617+300'."""
    text = format_stake(metres)
    return text[:-4] if text.endswith("+000") else text


def _where(enter: float, leave: float, length_m: float, lang: str) -> str:
    if np.isfinite(enter) and np.isfinite(leave) and abs(leave - enter) >= 1.0:
        a, b = _stake(enter), _stake(leave)
        return f"{a}至{b}" if lang == "zh-CN" else f"{a}–{b}"
    return f"约{distance_text(length_m, lang)}" if lang == "zh-CN" else f"for {distance_text(length_m, lang)}"


@lru_cache(maxsize=65536)  # the same zone crossed the same way reads the same: most routes repeat them
def note(kind: str, enter: float, leave: float, length_m: float, visibility_m: float | None, lang: str) -> str:
    """One warning sentence."""
    where = _where(enter, leave, length_m, lang)
    if lang == "zh-CN":
        section, advice = _ZH.get(kind, ("危险路段", "请减速慢行"))
        seen = f"，当前能见度约{int(round(visibility_m))}米" if visibility_m is not None else ""
        return f"前方{where}{section}{seen}，{advice}"
    section, advice = _EN.get(kind, ("hazardous section", "slow down"))
    seen = f", visibility about {int(round(visibility_m))} m" if visibility_m is not None else ""
    return f"{section.capitalize()} ahead {where}{seen}: {advice}"


def step_warnings(graph: RoadGraph, overlay: Overlay, arcs: np.ndarray, metres: np.ndarray, step_rows: list,
                  lang: str, seen: set[int]) -> list[list[dict]]:  # fmt: skip
    """Per step of a leg (rows of its step table: first and last piece), the warnings for the zones the
    route enters on that step; `seen` holds the zones already named (on earlier legs), and grows."""
    out: list[list[dict]] = [[] for _ in step_rows]
    if not overlay.seg_hazards or len(arcs) == 0:
        return out
    arc_ids = np.asarray(arcs, dtype=np.int64)
    segs = arc_ids >> 1
    # Only the pieces on a segment in some zone (the overlay's mask), their values read out of numpy
    # at once: a province route has hundreds of pieces and element-wise access cost ~1 ms per route.
    mask = overlay.seg_hazard_mask
    pieces = np.flatnonzero(mask[segs]) if mask is not None else np.arange(len(segs))
    on = segs[pieces]
    back = (arc_ids[pieces] & 1).astype(bool)
    s0, s1 = graph.seg_start_stake[on], graph.seg_end_stake[on]
    enters, leaves = np.where(back, s1, s0).tolist(), np.where(back, s0, s1).tolist()
    inside = np.asarray(metres, dtype=np.float64)[pieces].tolist()
    get = overlay.seg_hazards.get
    # zone → [first piece, stake entered, stake left, metres inside]
    found: dict[int, list] = {}
    for i, seg, enter, leave, length in zip(pieces.tolist(), on.tolist(), enters, leaves, inside, strict=True):
        zones = get(seg)
        if not zones:
            continue
        for z in zones:
            if z in seen:
                continue
            hit = found.get(z)
            if hit is None:
                found[z] = [i, enter, leave, length]
            else:
                if leave == leave and abs(leave) != float("inf"):  # finite: the stake where it leaves
                    hit[2] = leave
                hit[3] += length
    starts = [row[0] for row in step_rows]
    for z, (first, enter, leave, length_m) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0])):
        seen.add(z)
        step = bisect_right(starts, first) - 1  # the step whose pieces [start, end) hold `first`
        kind = overlay.hazard_kinds.get(z, "")
        visibility = overlay.fog_visibility.get(z) if kind == "fog" else None
        out[step].append({"hazard_id": z, "kind": kind, "text": note(kind, enter, leave, length_m, visibility, lang)})
    return out

"""Warnings on a route's steps for the hazard zones in force it passes (fog, ice, black spots, long
downgrades…), worded as the roadside signs and traffic bulletins word them: "前方K1617至K1638团雾多发
路段，请减速慢行". Each zone is named once, on the step where the route enters it, with the stakes
where the route enters and leaves it (or its length on roads without stakes)."""

from __future__ import annotations

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
    segs = (np.asarray(arcs, dtype=np.int64) >> 1).tolist()
    # zone → [first piece, stake entered, stake left, metres inside]
    found: dict[int, list] = {}
    for i, (arc, seg) in enumerate(zip(np.asarray(arcs).tolist(), segs, strict=True)):
        zones = overlay.seg_hazards.get(seg)
        if not zones:
            continue
        back = arc & 1
        s0, s1 = float(graph.seg_start_stake[seg]), float(graph.seg_end_stake[seg])
        enter, leave = (s1, s0) if back else (s0, s1)
        for z in zones:
            if z in seen:
                continue
            hit = found.get(z)
            if hit is None:
                found[z] = [i, enter, leave, float(metres[i])]
            else:
                hit[2] = leave if np.isfinite(leave) else hit[2]
                hit[3] += float(metres[i])
    for z, (first, enter, leave, length_m) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0])):
        seen.add(z)
        step = next(g for g, row in enumerate(step_rows) if row[0] <= first < row[1])
        kind = overlay.hazard_kinds.get(z, "")
        visibility = overlay.fog_visibility.get(z) if kind == "fog" else None
        out[step].append({"hazard_id": z, "kind": kind, "text": note(kind, enter, leave, length_m, visibility, lang)})
    return out

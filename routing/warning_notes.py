"""Early warnings (预警, analysis/early_warning) in a route's steps: the warnings in force are read into
the live overlay by the arcs they cover (a warning of one direction only on the arcs driven that way
along the stakes), and the step where the route meets one says it ("橙色预警：G4京港澳高速衡阳往郴州
方向K1522+240至K1533+360段大雾，能见度低于100米，限速40公里/小时，保持车距50米以上")."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from math import isfinite
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql
from routing.graph import RoadGraph

if TYPE_CHECKING:
    from routing.overlay import Overlay

LEVEL_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
# Warnings share a route's `seen` set with hazard zones (ids ≥ 0) and incidents (-id - 1): theirs are
# -SEEN_OFFSET - id.
SEEN_OFFSET = 1 << 48


def _arcs(graph: RoadGraph, seg: int, direction: str) -> tuple[int, ...]:
    """The arcs of segment index `seg` a warning of `direction` covers (up: increasing stakes)."""
    if direction not in ("up", "down"):
        return (2 * seg, 2 * seg + 1)
    s0, s1 = float(graph.seg_start_stake[seg]), float(graph.seg_end_stake[seg])
    if not (isfinite(s0) and isfinite(s1)) or s0 == s1:
        return (2 * seg, 2 * seg + 1)
    rising_forward = s1 > s0
    return (2 * seg,) if rising_forward == (direction == "up") else (2 * seg + 1,)


def apply_warnings(conn: Connection, graph: RoadGraph, ov: Overlay, at: datetime) -> datetime | None:
    """Read the warnings in force at `at` into `ov`; the soonest expiry (the overlay is rebuilt then)."""
    rows = conn.execute(sa.text(load_sql("queries/routing_warnings.sql")), {"at": at}).all()
    if not rows:
        return None
    idx = graph.segment_index([r.segment_id for r in rows])
    for r, s in zip(rows, idx.tolist(), strict=True):
        ov.warning_info[r.warning_id] = (r.level, r.message_zh, r.message_en)
        if s < 0:
            continue
        for a in _arcs(graph, s, r.direction):
            ov.arc_warnings.setdefault(a, set()).add(r.warning_id)
    if ov.arc_warnings:
        ov.arc_warning_mask = np.zeros(len(graph.base_cost), dtype=bool)
        ov.arc_warning_mask[np.fromiter(ov.arc_warnings.keys(), dtype=np.int64, count=len(ov.arc_warnings))] = True
    return min(r.expires_at for r in rows)


def note(level: str, message_zh: str, message_en: str, lang: str) -> str:
    """'橙色预警：…' / 'Orange warning: …'."""
    if lang == "zh-CN":
        return f"{LEVEL_ZH.get(level, '')}预警：{message_zh}"
    return f"{level.capitalize()} warning: {message_en}"


def warning_step_notes(
    ov: Overlay, arc_ids: np.ndarray, starts: list[int], lang: str, seen: set[int], out: list[list[dict]]
) -> None:
    """On the step where the route first meets each warning in force, its note (once per route)."""
    if ov.arc_warning_mask is None:
        return
    first: dict[int, int] = {}
    for i in np.flatnonzero(ov.arc_warning_mask[arc_ids]).tolist():
        for w in ov.arc_warnings.get(int(arc_ids[i]), ()):
            if -SEEN_OFFSET - w not in seen and w not in first:
                first[w] = i
    for w, i in sorted(first.items(), key=lambda kv: (kv[1], kv[0])):
        seen.add(-SEEN_OFFSET - w)
        level, zh, en = ov.warning_info[w]
        step = bisect_right(starts, i) - 1
        out[step].append({"warning_id": w, "kind": "warning", "level": level, "text": note(level, zh, en, lang)})

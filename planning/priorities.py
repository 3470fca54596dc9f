"""The plan's priorities for new sites (湘政办发〔2017〕26号): which a stretch of road serves, and its weight.

- 国家主干高速为重点: national expressways (G + 1–2 or 4 digits) are the plan's focus;
- 危险路段、农村集镇优先 (2017 各市州⑶): dangerous sections first — road inside hazard zones of the
  kinds `priority_danger_kinds` (rural towns are not in the data: not measured);
- 流量大、隐患多: heavy traffic and many hazards — road inside congestion zones and accident black spots
  (`priority_traffic_kinds`).
A suggestion lists the priorities it serves; with a budget, demand is weighted by the product of their
weights (`priority_*_weight` in the standards file), so the solver spends it there first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql
from planning.data import CLASS_GROUP, MEASURED_CLASSES
from planning.standards import Parameters

# priority id → (zh-CN, en)
PRIORITY_LABELS: dict[str, tuple[str, str]] = {
    "national_trunk": ("国家主干高速为重点", "national trunk expressway (the plan's focus)"),
    "danger": ("危险路段优先", "dangerous section first"),
    "traffic_risk": ("流量大、隐患多", "heavy traffic, many hazards"),
}
_NATIONAL_EXPRESSWAY = re.compile(r"G\d{1,2}|G\d{4}")


def is_national_trunk(route: str, group: str) -> bool:
    """Whether `route` is a national expressway (G4, G60, G5513; not a national road such as G107)."""
    return group == "expressway" and bool(_NATIONAL_EXPRESSWAY.fullmatch(route or ""))


@dataclass(frozen=True)
class PriorityIndex:
    """Stake ranges of road inside the hazard zones of each hazard-based priority, by (route, group)."""

    ranges: dict[str, dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]]
    weights: dict[str, float]

    def serves(self, route: str, group: str, from_m: float, to_m: float) -> list[str]:
        """The priorities a stretch of `route` from `from_m` to `to_m` serves (a point when equal)."""
        out = ["national_trunk"] if is_national_trunk(route, group) else []
        lo, hi = min(from_m, to_m), max(from_m, to_m)
        for pid, by_route in self.ranges.items():
            r = by_route.get((route, group))
            if r is not None and bool(np.any((r[0] <= hi) & (r[1] >= lo))):
                out.append(pid)
        return out

    def weight(self, priorities: list[str]) -> float:
        """The product of the weights of `priorities` (1 for none)."""
        w = 1.0
        for pid in priorities:
            w *= self.weights.get(pid, 1.0)
        return w


def load_priorities(conn: Connection, params: Parameters) -> PriorityIndex:
    """Hazard stretches of the hazard-based priorities, and every priority's weight: one query for both
    priorities' zone kinds (a zone recorded on a route with its own stakes is that stake range; only the
    others are intersected with the roads), kept per process until the hazard zones or the road network
    change."""
    kinds = {"danger": tuple(params.priority_danger_kinds), "traffic_risk": tuple(params.priority_traffic_kinds)}
    weights = {
        "national_trunk": params.priority_national_trunk_weight,
        "danger": params.priority_danger_weight,
        "traffic_risk": params.priority_traffic_weight,
    }
    versions = conn.execute(sa.text(load_sql("queries/coverage_priority_versions.sql"))).one()
    key = (tuple(versions), tuple(sorted(kinds.items())))
    ranges = _MEMO.get(key)
    if ranges is None:
        rows = conn.execute(
            sa.text(load_sql("queries/coverage_priority_stretches.sql")),
            {"kinds": sorted({k for ks in kinds.values() for k in ks}), "classes": list(MEASURED_CLASSES)},
        ).all()
        ranges = {}
        for pid, wanted in kinds.items():
            spans: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
            for kind, route, road_class, a, b in rows:
                if kind in wanted and route and a is not None and b is not None:
                    spans[(route, CLASS_GROUP[road_class])].append((min(a, b), max(a, b)))
            ranges[pid] = {
                k: (np.asarray([s[0] for s in v], float), np.asarray([s[1] for s in v], float))
                for k, v in spans.items()
            }
        _MEMO.clear()  # one network at a time
        _MEMO[key] = ranges
    return PriorityIndex(ranges, weights)


_MEMO: dict[tuple, dict[str, dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]]] = {}


def forget() -> None:
    """Drop the kept stretches (a benchmark's cold run reads them again)."""
    _MEMO.clear()


def priority_text(priorities: list[str], lang: str) -> str:
    """The priorities as one phrase in `lang` ('' for none)."""
    zh = lang.startswith("zh")
    names = [PRIORITY_LABELS[p][0 if zh else 1] for p in priorities]
    return ("；" if zh else "; ").join(names)

"""Interval speed section metrics: share of eligible route length covered; sections on each city's roads."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from planning.areas import Area
from planning.data import CoverageData
from planning.intervals import cut, intersect, union
from planning.metrics.base import share_result
from planning.metrics.tally import Amounts, Below, Tally
from planning.standards import Target


def eligible_stretches(
    data: CoverageData, *, min_length_m: float, join_tolerance_m: float
) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(route, group) → stretches between exits at least `min_length_m` long: where a section could go."""
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    empty = np.zeros(0)
    for key, line in data.network.undirected.items():
        exits = data.exits.get(key, empty)
        pieces = [p for run in line.runs(join_tolerance_m) for p in cut(run[0], run[1], exits)]
        keep = [p for p in pieces if p[1] - p[0] >= min_length_m - 1e-6]
        if keep:
            out[key] = keep
    return out


def section_group(data: CoverageData, route: str) -> str | None:
    """The road group of the route a section lies on (None when the route is not measured)."""
    for group in ("expressway", "national_provincial"):
        if (route, group) in data.network.undirected:
            return group
    return None


def tally_interval(data: CoverageData, *, min_length_m: float, join_tolerance_m: float) -> Tally:
    """Per county and group: eligible km, the part covered by sections, and the number of sections."""
    tally = Tally()
    by_route: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for route, lo, hi, county in data.interval_sections:
        by_route[route].append((lo, hi))
        group = section_group(data, route)
        if group is None:
            continue
        if not county:
            line = data.network.undirected[(route, group)]
            i = line.locate((lo + hi) / 2)
            county = str(line.county[i]) if i >= 0 else ""
        tally.add(county, f"{group}.sections", 1.0)
    for (route, group), stretches in eligible_stretches(
        data, min_length_m=min_length_m, join_tolerance_m=join_tolerance_m
    ).items():
        line = data.network.undirected[(route, group)]
        for lo, hi in stretches:
            for county, length in line.length_by_county(lo, hi).items():
                tally.add(county, f"{group}.eligible_km", length / 1000)
        if route not in by_route:
            continue
        s_lo, s_hi = union(*(np.asarray(v, float) for v in zip(*by_route[route], strict=True)))
        e = np.asarray(stretches, float)
        c_lo, c_hi = intersect(e[:, 0], e[:, 1], s_lo, s_hi)
        for lo, hi in zip(c_lo, c_hi, strict=True):
            for county, length in line.length_by_county(float(lo), float(hi)).items():
                tally.add(county, f"{group}.interval_km", length / 1000)
    return tally


def evaluate_share(
    area: Area, amounts: Amounts, target: Target, below: Below, *, min_length_km: float
) -> dict[str, Any]:
    """Share of eligible route length with interval speed sections, against a target share."""
    g = target.roads
    eligible, covered = amounts.n(f"{g}.eligible_km"), amounts.n(f"{g}.interval_km")
    return share_result(
        target,
        covered,
        eligible,
        eligible_km=round(eligible, 3),
        covered_km=round(covered, 3),
        km_to_cover=round(max(0.0, target.value * eligible - covered), 3),
        sections=int(amounts.n(f"{g}.sections")),
        min_length_km=min_length_km,
    )

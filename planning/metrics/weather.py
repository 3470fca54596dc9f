"""Weather monitoring metrics: fog/ice road length within R km along the road of a station; sets at hazards."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from planning.areas import Area
from planning.data import Built, CoverageData
from planning.intervals import distance_to, intersect, union
from planning.metrics.base import share_result
from planning.metrics.tally import Amounts, Below, Tally
from planning.standards import Target


def hazard_union(data: CoverageData) -> dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]:
    """(route, group, county) → disjoint stake intervals of road inside hazard zones: each stretch once
    (both carriageways of a divided road count once), cut where the route crosses a county boundary."""
    h = data.hazards
    keys: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in range(len(h.route)):
        keys[(str(h.route[i]), str(h.group[i]))].append(i)
    spans: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)
    for (route, group), idx in keys.items():
        line = data.network.undirected.get((route, group))
        if line is None:
            continue
        lo, hi = union(h.from_m[idx], h.to_m[idx])
        for a, b in zip(lo, hi, strict=True):
            for x, y, county in line.spans_by_county(float(a), float(b)):
                spans[(route, group, county)].append((x, y))
    return {
        k: (np.asarray([v[0] for v in vs], float), np.asarray([v[1] for v in vs], float)) for k, vs in spans.items()
    }


def route_hazard_union(data: CoverageData) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(route, group) → disjoint stake intervals of road inside hazard zones."""
    by_route: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
    for (route, group, _county), (lo, hi) in hazard_union(data).items():
        by_route[(route, group)].append(np.stack([lo, hi]))
    return {k: union(np.concatenate([a[0] for a in v]), np.concatenate([a[1] for a in v])) for k, v in by_route.items()}


def built_at_hazards(data: CoverageData, radius_km: float) -> Built:
    """The weather stations put into service by the measured day that stand within `radius_km` along
    the road of a fog/ice stretch: the plan's sets at fog/ice sections, for construction counts."""
    built = data.built.get("weather")
    if built is None or built.route is None or built.stake_m is None or not len(built.group):
        return (
            built
            if built is not None
            else Built(np.zeros(0, object), np.zeros(0, object), np.zeros(0, "datetime64[D]"))
        )
    hazards = route_hazard_union(data)
    keep = np.zeros(len(built.group), bool)
    for i in np.flatnonzero(~np.isnan(built.stake_m)):
        lo, hi = hazards.get((str(built.route[i]), str(built.group[i])), (np.zeros(0), np.zeros(0)))
        if len(lo):
            keep[i] = float(distance_to(built.stake_m[i : i + 1], lo, hi)[0]) <= radius_km * 1000
    return built.subset(keep)


def tally_weather(data: CoverageData, radius_km: float) -> Tally:
    """Per county and group: hazard km, the part within `radius_km` of a station, and stations at hazards."""
    tally = Tally()
    radius = radius_km * 1000
    hazards = hazard_union(data)
    stations = data.weather
    by_route: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
    for (route, group, _county), (lo, hi) in hazards.items():
        by_route[(route, group)].append(np.stack([lo, hi]))
    route_hazards = {
        k: union(np.concatenate([a[0] for a in v]), np.concatenate([a[1] for a in v])) for k, v in by_route.items()
    }
    for (route, group, county), (lo, hi) in hazards.items():
        tally.add(county, f"{group}.hazard_km", float(np.sum(hi - lo)) / 1000)
        at = stations.on(route, group)
        if len(at):
            w_lo, w_hi = union(at - radius, at + radius)
            c_lo, c_hi = intersect(lo, hi, w_lo, w_hi)
            tally.add(county, f"{group}.hazard_covered_km", float(np.sum(c_hi - c_lo)) / 1000)
    for (county, group), km in data.hazards.unstaked_km.items():
        tally.add(county, f"{group}.hazard_unstaked_km", km)
    for group in ("expressway", "national_provincial"):
        for route, idx in stations.by_route(group).items():
            lo, hi = route_hazards.get((route, group), (np.zeros(0), np.zeros(0)))
            near = distance_to(stations.stake_m[idx], lo, hi) <= radius
            for i in idx[near]:
                tally.add(str(stations.county[i]), f"{group}.weather_sets", 1.0)
    return tally


def evaluate_share(area: Area, amounts: Amounts, target: Target, below: Below, *, radius_km: float) -> dict[str, Any]:
    """Share of the fog/ice road length monitored, against a target share."""
    g = target.roads
    hazard, covered = amounts.n(f"{g}.hazard_km"), amounts.n(f"{g}.hazard_covered_km")
    return share_result(
        target,
        covered,
        hazard,
        hazard_km=round(hazard, 3),
        monitored_km=round(covered, 3),
        km_to_monitor=round(max(0.0, target.value * hazard - covered), 3),
        unstaked_hazard_km=round(amounts.n(f"{g}.hazard_unstaked_km"), 3),
        radius_km=radius_km,
    )

"""Enforcement service point metrics: counts on expressways, one per county, one per long route in a county."""

from __future__ import annotations

from typing import Any

import numpy as np

from planning.areas import Area
from planning.data import CoverageData
from planning.metrics.base import result, units_meeting
from planning.metrics.tally import Amounts, Below, Tally
from planning.standards import Target


def tally_enforcement(data: CoverageData, route_threshold_km: float | None) -> Tally:
    """Per county: stations by road group; national/provincial routes over the threshold, served or not."""
    tally = Tally()
    pts = data.enforcement
    for group in ("expressway", "national_provincial"):
        mask = pts.group == group
        counties, counts = np.unique(pts.county[mask].astype(str), return_counts=True)
        for county, count in zip(counties, counts, strict=True):
            tally.add(str(county), f"{group}.enforcement", float(count))
    if route_threshold_km is None:
        return tally
    served = {(str(pts.county[i]), str(pts.route[i])) for i in np.flatnonzero(pts.group == "national_provincial")}
    for (county, route), km in data.network.route_km("national_provincial").items():
        if km + 1e-9 < route_threshold_km:
            continue
        tally.mark(county, "route_rule.qualifying", (county, route))
        if (county, route) in served:
            tally.mark(county, "route_rule.served", (county, route))
        else:
            tally.mark(county, "route_rule.unserved", (county, route, round(km, 1)))
    return tally


def evaluate_per_county(area: Area, amounts: Amounts, target: Target, below: Below) -> dict[str, Any]:
    """At least N stations on national/provincial roads in every county that has such roads."""
    g = target.roads
    stations = int(amounts.n(f"{g}.enforcement"))
    if area.level == "county":
        applies = amounts.n(f"{g}.road_km") > 0
        return result(
            target,
            value=stations,
            target_value=target.value,
            met=(stations >= target.value) if applies else None,
            unit="stations",
        )
    met, of = units_meeting(below("county"))
    return result(
        target, value=met, target_value=of, met=(met == of) if of else None, unit="counties", stations=stations
    )


def evaluate_route_rule(area: Area, amounts: Amounts, target: Target, below: Below) -> dict[str, Any]:
    """A station on every national/provincial route running ≥ N km through a county (its pieces summed)."""
    qualifying, served = amounts.count("route_rule.qualifying"), amounts.count("route_rule.served")
    unserved = sorted(amounts.sets.get("route_rule.unserved", set()))
    missing = [{"county": c, "route_code": r, "km_in_county": km} for c, r, km in unserved]
    if area.level == "county":
        return result(
            target,
            value=served,
            target_value=qualifying,
            met=(served == qualifying) if qualifying else None,
            unit="routes",
            threshold_km=target.value,
            routes_missing_station=missing,
        )
    met, of = units_meeting(below("county"))
    return result(
        target,
        value=met,
        target_value=of,
        met=(met == of) if of else None,
        unit="counties",
        threshold_km=target.value,
        routes_qualifying=qualifying,
        routes_served=served,
        routes_missing_station=missing,
    )

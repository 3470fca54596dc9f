"""Every metric of a standard year for an area and the areas below it, evaluated bottom-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from planning.areas import Area
from planning.camera_gaps import CameraGap, camera_gaps
from planning.data import CoverageData
from planning.metrics import command, interval, stations, weather
from planning.metrics.base import evaluate_count
from planning.metrics.cameras import evaluate_spacing, tally_cameras
from planning.metrics.tally import Amounts, Below, Tally, area_places
from planning.standards import StandardSet, Target

Evaluator = Callable[[Area, Amounts, Target, Below], dict[str, Any]]


@dataclass(frozen=True)
class MetricsResult:
    """Metric results per area (adcode → metric key → result), the camera gaps, and the areas in order."""

    year: int
    areas: list[Area]
    results: dict[str, dict[str, dict[str, Any]]]
    gaps: list[CameraGap]


def _interval_per_city(area: Area, amounts: Amounts, target: Target, below: Below) -> dict[str, Any]:
    applies = amounts.n(f"{target.roads}.road_km") > 0
    return evaluate_count(area, amounts, target, below, key="sections", unit="sections", applies=applies)


def evaluators(standards: StandardSet) -> dict[str, Evaluator]:
    """Metric id → evaluator, with the standard set's measuring parameters bound."""
    p = standards.parameters
    return {
        "camera_points": partial(evaluate_count, key="points", unit="points"),
        "camera_spacing_km": evaluate_spacing,
        "enforcement_stations": partial(evaluate_count, key="enforcement", unit="stations"),
        "enforcement_per_county": stations.evaluate_per_county,
        "enforcement_route_km": stations.evaluate_route_rule,
        "weather_sets": partial(evaluate_count, key="weather_sets", unit="sets"),
        "weather_share": partial(weather.evaluate_share, radius_km=p.weather_radius_km),
        "interval_per_city": _interval_per_city,
        "interval_share": partial(interval.evaluate_share, min_length_km=p.interval_min_length_km),
        "command_county_share": command.evaluate_county_share,
        "command_city": command.evaluate_city,
    }


# Count metric → (point family in CoverageData.built, tally key of its count).
COUNT_KEYS = {
    "camera_points": ("cameras", "points"),
    "enforcement_stations": ("enforcement", "enforcement"),
    "weather_sets": ("weather", "weather_sets"),
}


def construction_since(target: Target, standards: StandardSet) -> dt.date:
    """The first day a construction target counts from: its own `since`, else the set's baseline."""
    return target.since or dt.date.fromisoformat(standards.parameters.baseline)


def tally_construction(data: CoverageData, standards: StandardSet, targets: dict[tuple[str, str], Target]) -> Tally:
    """Per county: facilities put into service since each construction target's start (`<group>.<key>.built`)."""
    tally = Tally()
    for (roads, metric), target in targets.items():
        if target.counts != "construction" or metric not in COUNT_KEYS:
            continue
        family, key = COUNT_KEYS[metric]
        built = (
            weather.built_at_hazards(data, standards.parameters.weather_radius_km)
            if family == "weather"
            else data.built.get(family)
        )
        if built is None:
            continue
        for (group, county), n in built.count_since(construction_since(target, standards)).items():
            if group == roads:
                tally.add(county, f"{roads}.{key}.built", float(n))
    return tally


def tally_all(
    data: CoverageData, standards: StandardSet, targets: dict[tuple[str, str], Target], gaps: list[CameraGap]
) -> Tally:
    """Every additive amount the metrics need, per place."""
    p = standards.parameters
    route_rule = targets.get(("national_provincial", "enforcement_route_km"))
    tally = tally_cameras(data, gaps)
    tally.merge(stations.tally_enforcement(data, route_rule.value if route_rule else None))
    tally.merge(weather.tally_weather(data, p.weather_radius_km))
    tally.merge(
        interval.tally_interval(
            data, min_length_m=p.interval_min_length_km * 1000, join_tolerance_m=p.run_join_tolerance_m
        )
    )
    tally.merge(command.tally_command(data))
    tally.merge(tally_construction(data, standards, targets))
    return tally


def spacing_by_group(targets: dict[tuple[str, str], Target]) -> dict[str, float]:
    """Road group → camera spacing (m) the year's standard sets."""
    return {t.roads: t.value * 1000 for t in targets.values() if t.metric == "camera_spacing_km"}


def compute_metrics(
    data: CoverageData, standards: StandardSet, year: int, *, area: Area | None = None
) -> MetricsResult:
    """Every metric of `year` for `area` (the province when None) and every area below it."""
    targets = standards.for_year(year)
    gaps = camera_gaps(data, spacing_by_group(targets), join_tolerance_m=standards.parameters.run_join_tolerance_m)
    tally = tally_all(data, standards, targets, gaps)
    tree = data.areas
    root = area or tree.province
    areas = tree.subtree(root.adcode)
    subtrees = {a.adcode: tree.subtree(a.adcode) for a in areas if a.level != "county"}
    fns = evaluators(standards)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for level in ("county", "city", "province"):
        for a in (x for x in areas if x.level == level):
            amounts = tally.amounts(area_places(tree, a))
            metrics: dict[str, dict[str, Any]] = {}
            for (roads, metric), target in sorted(targets.items()):
                key = f"{roads}.{metric}"

                def below(lvl: str, a: Area = a, key: str = key) -> list[dict[str, Any]]:
                    return [results[x.adcode][key] for x in subtrees.get(a.adcode, []) if x.level == lvl]

                metrics[key] = fns[metric](a, amounts, target, below)
            results[a.adcode] = metrics
    return MetricsResult(year, areas, results, gaps)


def compliance(metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """How many of an area's applicable metrics are met."""
    applicable = [m for m in metrics.values() if m.get("met") is not None]
    met = sum(1 for m in applicable if m["met"])
    return {"met": met, "applicable": len(applicable), "share": round(met / len(applicable), 3) if applicable else None}

"""Camera metrics: points against a count, and one point per N km (average and strict gap views)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from planning.areas import Area
from planning.camera_gaps import CameraGap
from planning.data import CoverageData
from planning.metrics.base import result
from planning.metrics.tally import Amounts, Below, Tally
from planning.standards import Target


def tally_cameras(data: CoverageData, gaps: list[CameraGap]) -> Tally:
    """Per county: camera points and road km by group; gap ids, gap km and new cameras by group."""
    tally = Tally()
    cams = data.cameras
    for group in ("expressway", "national_provincial"):
        mask = cams.group == group
        counties, counts = np.unique(cams.county[mask].astype(str), return_counts=True)
        for county, count in zip(counties, counts, strict=True):
            tally.add(str(county), f"{group}.points", float(count))
    for (county, group), km in data.network.road_km().items():
        tally.add(county, f"{group}.road_km", km)
    for gap in gaps:
        for county, length in gap.length_by_county.items():
            tally.mark(county, f"{gap.group}.gaps", gap.id)
            tally.add(county, f"{gap.group}.gap_km", length / 1000)
        for cam in gap.new_cameras:
            tally.add(cam.county, f"{gap.group}.cameras_to_close_gaps", 1.0)
    return tally


def evaluate_spacing(area: Area, amounts: Amounts, target: Target, below: Below) -> dict[str, Any]:
    """Road km per camera point against one point per N km, plus the strict view: gaps longer than N."""
    g = target.roads
    road_km, points = amounts.n(f"{g}.road_km"), int(amounts.n(f"{g}.points"))
    if road_km <= 0:
        return result(
            target, value=None, target_value=target.value, met=None, unit="km_per_point", road_km=0.0, points=points
        )
    needed = math.ceil(road_km / target.value - 1e-9)
    missing = max(0, needed - points)
    gaps = amounts.count(f"{g}.gaps")
    to_close = int(amounts.n(f"{g}.cameras_to_close_gaps"))
    return result(
        target,
        value=road_km / points if points else None,
        target_value=target.value,
        met=missing == 0,
        unit="km_per_point",
        road_km=round(road_km, 3),
        points=points,
        points_needed=needed,
        points_missing=missing,
        gaps=gaps,
        gap_km=round(amounts.n(f"{g}.gap_km"), 3),
        cameras_to_close_gaps=to_close,
        strict_met=gaps == 0,
        basis=spacing_basis(g, missing, to_close, points, needed),
    )


def spacing_basis(group: str, missing: int, to_close: int, points: int, needed: int) -> dict[str, Any]:
    """How the two numbers of a spacing metric are measured and how they relate: the shortfall is
    points_missing (the target's own rule, an average on the centreline); cameras_to_close_gaps is the
    strict reading (no stretch longer than N km without a camera), per carriageway on expressways
    (each direction needs its own), which also makes up the shortfall when it is at least as large."""
    return {
        "density": "centreline",  # road km counted once per stretch; points of both carriageways counted
        "gaps": "carriageway" if group == "expressway" else "centreline",
        "shortfall": missing,  # THE shortfall against the target
        "strict_cameras": to_close,
        "strict_includes_shortfall": points + to_close >= needed,
    }

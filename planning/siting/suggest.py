"""Suggested sites as GeoJSON: cameras closing spacing gaps, stations from LSCP (no budget) or MCLP (a budget)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sqlalchemy.engine import Connection

from gis.errors import TooLarge
from gis.stake import format_stake
from planning.areas import Area
from planning.camera_gaps import camera_gaps
from planning.data import CoverageData
from planning.geometry import points_at
from planning.metrics import spacing_by_group
from planning.siting.instances import SitingProblem, enforcement_problem, weather_problem
from planning.siting.solver import CoverInstance, SitingSolution, solve_lscp, solve_mclp
from planning.standards import StandardSet

GREEDY_PROOF = (
    "Existing cameras cut each run of road into independent stretches; a stretch of length L needs at least "
    "ceil(L/N) - 1 new cameras (k cameras make k + 1 pieces, each at most N), and placing one every N from "
    "its start uses exactly that many, so the total is the minimum."
)


def _counties(data: CoverageData, area: Area) -> set[str] | None:
    return None if area.level == "province" else set(data.areas.counties_of(area.adcode))


def _solution_summary(sol: SitingSolution, *, budget: float | None, min_share: float | None) -> dict[str, Any]:
    return {
        "problem": sol.problem,
        "solver": "HiGHS",
        "status": sol.status,
        "optimal": sol.optimal,
        "objective": round(sol.objective, 6) if np.isfinite(sol.objective) else None,
        "bound": round(sol.bound, 6) if np.isfinite(sol.bound) else None,
        "mip_gap": round(sol.mip_gap, 9) if np.isfinite(sol.mip_gap) else None,
        "seconds": round(sol.seconds, 3),
        "budget": budget,
        "min_share": min_share,
        "sites": len(sol.selected),
        "cost": round(sol.cost, 6),
        "demand_km": round(sol.total_weight, 3),
        "uncoverable_km": round(sol.uncoverable_weight, 3),
        "demand_rows": sol.rows,
        "candidates": sol.columns,
    }


def suggest_cameras(
    conn: Connection,
    data: CoverageData,
    standards: StandardSet,
    year: int,
    *,
    area: Area,
    budget: float | None = None,
    time_limit_s: float = 60.0,
) -> dict[str, Any]:
    """The minimal new camera positions closing every spacing gap in `area` (or, with a budget in cameras,
    the gaps to close that remove the most gap km, chosen exactly)."""
    targets = standards.for_year(year)
    spacing = spacing_by_group(targets)
    gaps = camera_gaps(
        data, spacing, join_tolerance_m=standards.parameters.run_join_tolerance_m, counties=_counties(data, area)
    )
    chosen = gaps
    summary: dict[str, Any] = {
        "kind": "camera",
        "method": "greedy per stretch (provably minimal)",
        "proof": GREEDY_PROOF,
        "spacing_m": spacing,
        "gaps": len(gaps),
        "cameras_to_close_every_gap": sum(len(g.new_cameras) for g in gaps),
    }
    if budget is not None:
        inst = CoverInstance(
            weights=np.asarray([g.length_m / 1000 for g in gaps], float),
            costs=np.asarray([max(len(g.new_cameras), 1) for g in gaps], float),
            cover=sparse.identity(len(gaps), format="csr"),
            precovered=np.zeros(len(gaps), bool),
        )
        sol = solve_mclp(inst, budget, time_limit_s=time_limit_s)
        chosen = [gaps[int(j)] for j in sol.selected]
        summary.update(_solution_summary(sol, budget=budget, min_share=None))
        summary["method"] = "gaps to close within the budget: 0/1 knapsack on gap km, solved exactly"
        summary["gaps_closed"] = len(chosen)
    cams = [c for g in chosen for c in g.new_cameras]
    if area.level != "province":
        inside = _counties(data, area) or set()
        cams = [c for c in cams if c.county in inside]
    coords = points_at(conn, [(c.segment_id, c.stake_m) for c in cams])
    features = []
    for i, (cam, xy) in enumerate(zip(cams, coords, strict=True), start=1):
        features.append(
            {
                "type": "Feature",
                "id": i,
                "geometry": None if xy is None else {"type": "Point", "coordinates": list(xy)},
                "properties": {
                    "kind": "camera",
                    "route_code": cam.route_code,
                    "roads": cam.group,
                    "direction": cam.direction,
                    "stake": format_stake(cam.stake_m),
                    "stake_m": round(cam.stake_m, 1),
                    "county_adcode": cam.county,
                    "segment_id": cam.segment_id,
                    "gap_id": cam.gap_id,
                },
            }
        )
    summary["cameras"] = len(features)
    return {"type": "FeatureCollection", "year": year, "area": area.adcode, "summary": summary, "features": features}


def station_problem(
    data: CoverageData, standards: StandardSet, year: int, *, kind: str, area: Area, roads: str = "all"
) -> SitingProblem:
    """The covering problem of `kind` (enforcement_station or weather_station) for `year` in `area`."""
    targets = standards.for_year(year)
    counties = _counties(data, area)
    if kind == "weather_station":
        groups = ("expressway", "national_provincial") if roads == "all" else (roads,)
        return weather_problem(data, standards.parameters, groups=groups, counties=counties)
    return enforcement_problem(data, standards.parameters, targets, counties=counties)


def suggest_stations(
    conn: Connection,
    data: CoverageData,
    standards: StandardSet,
    year: int,
    *,
    kind: str,
    area: Area,
    budget: float | None = None,
    min_share: float = 1.0,
    roads: str = "all",
    time_limit_s: float = 60.0,
    max_candidates: int | None = None,
) -> dict[str, Any]:
    """New station sites: LSCP (fewest/cheapest to cover the demand) or, with a budget, MCLP; 413 when the
    area offers more than `max_candidates` candidate sites (the solver's work grows with them)."""
    problem = station_problem(data, standards, year, kind=kind, area=area, roads=roads)
    if max_candidates is not None and len(problem.candidates) > max_candidates:
        raise TooLarge(
            f"{area.adcode} offers {len(problem.candidates):,} candidate sites; a suggestion is solved for at most "
            f"{max_candidates:,} (setting suggest_max_candidates): choose a city or county with area=",
            parameter="area",
            extra={"limit": max_candidates, "value": len(problem.candidates)},
        )
    inst = problem.instance()
    if budget is None:
        sol = solve_lscp(inst, min_share=min_share, time_limit_s=time_limit_s)
    else:
        sol = solve_mclp(inst, budget, time_limit_s=time_limit_s)
    summary = {
        "kind": kind,
        "roads": roads,
        **_solution_summary(sol, budget=budget, min_share=None if budget is not None else min_share),
    }
    summary["covered_km_before"] = round(inst.precovered_weight, 3)
    summary["covered_km_after"] = round(sol.covered_weight, 3)
    summary["covered_share_before"] = _share(inst.precovered_weight, inst.total_weight)
    summary["covered_share_after"] = _share(sol.covered_weight, inst.total_weight)
    if kind == "weather_station":
        summary["radius_km"] = standards.parameters.weather_radius_km
    else:
        summary["expressway_radius_km"] = standards.parameters.enforcement_expressway_radius_km
    cover = inst.cover.tocsc()
    open_rows = ~inst.precovered
    chosen = [problem.candidates[int(j)] for j in sol.selected]
    coords = points_at(conn, [(c.segment_id, c.stake_m) for c in chosen])
    features = []
    for n, (j, cand, xy) in enumerate(zip(sol.selected, chosen, coords, strict=True), start=1):
        rows = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        rows = rows[open_rows[rows]]
        rules = [problem.demand[int(i)].label for i in rows if problem.demand[int(i)].kind == "rule"]
        km = float(sum(problem.demand[int(i)].weight_km for i in rows if problem.demand[int(i)].kind == "road"))
        features.append(
            {
                "type": "Feature",
                "id": n,
                "geometry": None if xy is None else {"type": "Point", "coordinates": list(xy)},
                "properties": {
                    "kind": kind,
                    "route_code": cand.route_code,
                    "roads": cand.group,
                    "road_class": cand.road_class,
                    "stake": format_stake(cand.stake_m),
                    "stake_m": round(cand.stake_m, 1),
                    "county_adcode": cand.county,
                    "segment_id": cand.segment_id,
                    "cost": cand.cost,
                    "reaches_open_km": round(km, 3),
                    "rules": rules,
                },
            }
        )
    return {"type": "FeatureCollection", "year": year, "area": area.adcode, "summary": summary, "features": features}


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None

"""Suggested sites as GeoJSON: cameras closing spacing gaps, stations from LSCP (no budget) or MCLP (a budget)."""

from __future__ import annotations

from dataclasses import replace
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
from planning.priorities import PriorityIndex, is_national_trunk, load_priorities, priority_text
from planning.siting.instances import SitingProblem, enforcement_problem, weather_problem
from planning.siting.solver import CoverInstance, SitingSolution, solve_lscp, solve_mclp
from planning.standards import StandardSet

GREEDY_PROOF_ZH = (
    "现有点位把每条道路分成互不相关的若干段；长度为L的一段在间距标准N下至少需新增ceil(L/N)-1个点位"
    "（k个点位把一段分成k+1段，每段不超过N），从段首起每隔N设一个点位恰好用这么多，因此合计即为最少。"
)
METHOD_ZH = {
    "greedy per stretch (provably minimal)": "逐段等距布设（可证明最少）",
    "gaps to close within the budget: 0/1 knapsack on gap km weighted by the plan's priorities, solved exactly": (
        "在预算内选择要消除的监控空白：以按方案重点加权的空白里程为目标的0-1背包问题，精确求解"
    ),
}
GREEDY_PROOF = (
    "Existing cameras cut each run of road into independent stretches; a stretch of length L needs at least "
    "ceil(L/N) - 1 new cameras (k cameras make k + 1 pieces, each at most N), and placing one every N from "
    "its start uses exactly that many, so the total is the minimum."
)


DIRECTION_ZH = {"up": "上行", "down": "下行", "both": ""}
FACILITY_TEXT = {
    "camera": ("新增视频监控点位", "new camera point"),
    "enforcement_station": ("新建交通安全执法服务点", "new enforcement service point"),
    "weather_station": ("新建气象监测站", "new weather monitoring station"),
}


def _site_text(kind: str, route: str, direction: str, stake: str, priorities: list[str], lang: str) -> str:
    """One suggested site in words, in `lang`: where, what, and the plan priorities it serves."""
    zh = lang.startswith("zh")
    what = FACILITY_TEXT[kind][0 if zh else 1]
    prio = priority_text(priorities, lang)
    if zh:
        where = f"{route}{DIRECTION_ZH.get(direction, '')} {stake}处"
        return f"{where}{what}" + (f"（{prio}）" if prio else "")
    where = " ".join(x for x in (route, "" if direction == "both" else direction, stake) if x)
    return f"{where}: {what}" + (f" ({prio})" if prio else "")


def _rule_text(data: CoverageData, route: str, county: str, km: float, lang: str) -> str:
    """A rule a station meets, in `lang`."""
    area = data.areas.areas.get(county)
    name = area.name if area is not None else county
    if lang.startswith("zh"):
        if route:
            return f"{name}境内{route}过境{km:.1f}公里，需设1个以上执法服务点"
        return f"{name}需设1个以上国省道执法服务点"
    if route:
        return f"a station on {route} ({km:.1f} km in {name})"
    return f"a station on a national/provincial road in {name}"


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
    lang: str = "zh-CN",
) -> dict[str, Any]:
    """The minimal new camera positions closing every spacing gap in `area` (or, with a budget in cameras,
    the gaps to close that remove the most gap km weighted by the plan's priorities, chosen exactly).
    Sites serving more of the priorities come first."""
    targets = standards.for_year(year)
    spacing = spacing_by_group(targets)
    gaps = camera_gaps(
        data, spacing, join_tolerance_m=standards.parameters.run_join_tolerance_m, counties=_counties(data, area)
    )
    chosen = gaps
    index = load_priorities(conn, standards.parameters)
    gap_priorities = {g.id: index.serves(g.route_code, g.group, g.stretch.from_m, g.stretch.to_m) for g in gaps}
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
            weights=np.asarray([g.length_m / 1000 * index.weight(gap_priorities[g.id]) for g in gaps], float),
            costs=np.asarray([max(len(g.new_cameras), 1) for g in gaps], float),
            cover=sparse.identity(len(gaps), format="csr"),
            precovered=np.zeros(len(gaps), bool),
        )
        sol = solve_mclp(inst, budget, time_limit_s=time_limit_s)
        chosen = [gaps[int(j)] for j in sol.selected]
        summary.update(_solution_summary(sol, budget=budget, min_share=None))
        summary["method"] = (
            "gaps to close within the budget: 0/1 knapsack on gap km weighted by the plan's priorities, solved exactly"
        )
        summary["gaps_closed"] = len(chosen)
        # The objective in gap km closed; the solver maximised it weighted by the priorities.
        summary["weighted_objective"] = summary["objective"]
        summary["objective"] = round(sum(g.length_m for g in chosen) / 1000, 6)
    summary["priority_weights"] = index.weights
    if lang.startswith("zh"):  # the method and its proof in the language asked for (English kept beside)
        summary["method_en"], summary["proof_en"] = summary["method"], summary["proof"]
        summary["method"] = METHOD_ZH.get(summary["method"], summary["method"])
        summary["proof"] = GREEDY_PROOF_ZH
    cams = [c for g in chosen for c in g.new_cameras]
    if area.level != "province":
        inside = _counties(data, area) or set()
        cams = [c for c in cams if c.county in inside]
    cams.sort(key=lambda c: -index.weight(gap_priorities[c.gap_id]))
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
                    "priorities": gap_priorities[cam.gap_id],
                    "priority_weight": index.weight(gap_priorities[cam.gap_id]),
                    "text": _site_text(
                        "camera",
                        cam.route_code,
                        cam.direction,
                        format_stake(cam.stake_m),
                        gap_priorities[cam.gap_id],
                        lang,
                    ),
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
    lang: str = "zh-CN",
) -> dict[str, Any]:
    """New station sites: LSCP (fewest/cheapest to cover the demand) or, with a budget, MCLP on demand
    weighted by the plan's priorities; 413 when the area offers more than `max_candidates` candidate sites
    (the solver's work grows with them). Each site names the priorities it serves."""
    problem = station_problem(data, standards, year, kind=kind, area=area, roads=roads)
    if max_candidates is not None and len(problem.candidates) > max_candidates:
        raise TooLarge(
            f"{area.adcode} offers {len(problem.candidates):,} candidate sites; a suggestion is solved for at most "
            f"{max_candidates:,} (setting suggest_max_candidates): choose a city or county with area=",
            parameter="area",
            extra={"limit": max_candidates, "value": len(problem.candidates)},
        )
    inst = problem.instance()
    index = load_priorities(conn, standards.parameters)
    if budget is None:
        sol = solve_lscp(inst, min_share=min_share, time_limit_s=time_limit_s)
    else:
        weighted = replace(inst, weights=inst.weights * _demand_weights(problem, index))
        sol = _unweighted(solve_mclp(weighted, budget, time_limit_s=time_limit_s), inst)
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
        rule_texts = [
            _rule_text(data, d.route_code, d.county, d.weight_km, lang)
            for d in (problem.demand[int(i)] for i in rows)
            if d.kind == "rule"
        ]
        prios = index.serves(cand.route_code, cand.group, cand.stake_m, cand.stake_m)
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
                    "rules": rules,  # the demand rows' keys (English labels, stable for programs)
                    "rule_texts": rule_texts,  # the same in the language asked for
                    "priorities": prios,
                    "priority_weight": index.weight(prios),
                    "text": _site_text(kind, cand.route_code, "both", format_stake(cand.stake_m), prios, lang)
                    + ("：" if lang.startswith("zh") else ": ") * bool(rule_texts)
                    + ("；" if lang.startswith("zh") else "; ").join(rule_texts),
                },
            }
        )
    return {"type": "FeatureCollection", "year": year, "area": area.adcode, "summary": summary, "features": features}


def _demand_weights(problem: SitingProblem, index: PriorityIndex) -> np.ndarray:
    """The priority weight of each demand row (a rule counts for its route's priorities)."""
    out = np.ones(len(problem.demand))
    for i, d in enumerate(problem.demand):
        if d.stake_m is not None:
            prios = index.serves(d.route_code, d.group, d.stake_m, d.stake_m)
        else:
            prios = ["national_trunk"] if is_national_trunk(d.route_code, d.group) else []
        out[i] = index.weight(prios)
    return out


def _unweighted(sol: SitingSolution, inst: CoverInstance) -> SitingSolution:
    """`sol` (solved on priority-weighted demand) with its covered demand in plain km again."""
    covered = inst.precovered.copy()
    if len(sol.selected):
        covered |= np.asarray(inst.cover[:, sol.selected].sum(axis=1)).ravel() > 0
    reachable = np.diff(inst.cover.tocsr().indptr) > 0
    return replace(
        sol,
        covered_weight=float(inst.weights[covered].sum()),
        total_weight=inst.total_weight,
        uncoverable_weight=float(inst.weights[~reachable & ~inst.precovered].sum()),
    )


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None

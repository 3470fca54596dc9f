"""Covering instances for weather monitors and enforcement stations, with along-road distances by stake.

Distances are measured along a route by stake difference: a station serves the route it stands on.
Demand is road length cut into short pieces (weight = km); candidates are evenly spaced sites on the
road. Existing stations are fixed: the pieces they reach count as covered before any new site.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from planning.data import CoverageData
from planning.linear import RouteLine
from planning.metrics.weather import hazard_union
from planning.siting.solver import CoverInstance
from planning.standards import Parameters, Target


@dataclass(frozen=True)
class Candidate:
    """A possible new site: where, and what it costs."""

    route_code: str
    group: str
    stake_m: float
    segment_id: int
    county: str
    road_class: str
    cost: float
    note: str = ""


@dataclass(frozen=True)
class Demand:
    """One demand item: a piece of road (or a rule to satisfy) and its weight in km."""

    kind: str  # "road" or "rule"
    route_code: str
    group: str
    county: str
    weight_km: float
    stake_m: float | None = None
    label: str = ""


@dataclass
class SitingProblem:
    """Demand, candidates and the covering relation, built incrementally."""

    facility: str
    demand: list[Demand] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    precovered: list[bool] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)

    def add_demand(self, item: Demand, precovered: bool) -> int:
        """Add a demand item; its index."""
        self.demand.append(item)
        self.precovered.append(precovered)
        return len(self.demand) - 1

    def add_candidate(self, cand: Candidate) -> int:
        """Add a candidate site; its index."""
        self.candidates.append(cand)
        return len(self.candidates) - 1

    def link(self, demand_idx: int, cand_idx: int) -> None:
        """Candidate `cand_idx` covers demand `demand_idx`."""
        self.rows.append(demand_idx)
        self.cols.append(cand_idx)

    def instance(self) -> CoverInstance:
        """The numeric covering instance."""
        n, m = len(self.demand), len(self.candidates)
        cover = sparse.csr_matrix((np.ones(len(self.rows)), (self.rows, self.cols)), shape=(n, m))
        cover.data[:] = 1.0  # a pair linked twice still covers once
        return CoverInstance(
            weights=np.asarray([d.weight_km for d in self.demand], float),
            costs=np.asarray([c.cost for c in self.candidates], float),
            cover=cover,
            precovered=np.asarray(self.precovered, bool),
        )


def _candidate(
    line: RouteLine, stake: float, data: CoverageData, params: Parameters, facility: str, note: str = ""
) -> Candidate | None:
    i = line.locate(stake)
    if i < 0:
        return None
    seg = int(line.segment[i])
    road_class = data.network.road_class(seg) or ("expressway" if line.group == "expressway" else "national")
    structure = seg in data.network.structure_segments
    cost = params.site_cost(facility, road_class, structure=structure)
    return Candidate(line.route_code, line.group, stake, seg, str(line.county[i]), road_class, cost, note)


def _grid(lo: float, hi: float, spacing: float) -> np.ndarray:
    start = math.ceil(lo / spacing) * spacing
    return np.arange(start, hi + 1e-6, spacing)


def _pieces(lo: float, hi: float, piece: float) -> list[tuple[float, float]]:
    k = max(1, math.ceil((hi - lo) / piece - 1e-9))
    step = (hi - lo) / k
    return [(lo + i * step, lo + (i + 1) * step) for i in range(k)]


def _road_coverage(
    problem: SitingProblem,
    data: CoverageData,
    params: Parameters,
    intervals: dict[tuple[str, str], list[tuple[float, float, str]]],
    existing: dict[tuple[str, str], np.ndarray],
    radius_m: float,
    counties: set[str] | None,
    *,
    spacing_m: float,
    piece_m: float,
) -> None:
    """Road demand from (route, group) → [(from, to, county)] in pieces of at most `piece_m`, candidates
    every `spacing_m` within reach."""
    piece, spacing = piece_m, spacing_m
    for (route, group), stretches in sorted(intervals.items()):
        line = data.network.undirected[(route, group)]
        have = existing.get((route, group), np.zeros(0))
        # A piece counts as covered only when it lies wholly within reach of one station, so that
        # covering every piece covers every metre (the metric measures the union of reaches).
        spans: list[tuple[float, float, int]] = []
        for lo, hi, county in stretches:
            for a, b in _pieces(lo, hi, piece):
                near = bool(len(have)) and bool(np.any((have - radius_m <= a + 1e-6) & (have + radius_m >= b - 1e-6)))
                i = problem.add_demand(Demand("road", route, group, county, (b - a) / 1000, (a + b) / 2), near)
                spans.append((a, b, i))
        if not spans:
            continue
        spans.sort()
        starts = np.asarray([s[0] for s in spans])
        ends = np.asarray([s[1] for s in spans])
        rows = np.asarray([s[2] for s in spans])
        lo_all = float(starts.min()) - radius_m
        hi_all = float(ends.max()) + radius_m
        for stake in _grid(lo_all, hi_all, spacing):
            first = int(np.searchsorted(starts, stake - radius_m - 1e-6, side="left"))
            last = int(np.searchsorted(ends, stake + radius_m + 1e-6, side="right"))
            if first >= last:
                continue
            cand = _candidate(line, float(stake), data, params, problem.facility)
            if cand is None or (counties is not None and cand.county not in counties):
                continue
            j = problem.add_candidate(cand)
            for i in rows[first:last]:
                problem.link(int(i), j)


def _existing(data: CoverageData, table: str) -> dict[tuple[str, str], np.ndarray]:
    pts = data.weather if table == "weather_stations" else data.enforcement
    out: dict[tuple[str, str], np.ndarray] = {}
    for group in ("expressway", "national_provincial"):
        for route, idx in pts.by_route(group).items():
            out[(route, group)] = np.sort(pts.stake_m[idx])
    return out


def weather_problem(
    data: CoverageData, params: Parameters, *, groups: tuple[str, ...], counties: set[str] | None
) -> SitingProblem:
    """Fog/ice road to bring within R km along the road of a weather station."""
    problem = SitingProblem("weather_station")
    intervals: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
    for (route, group, county), (lo, hi) in hazard_union(data).items():
        if group in groups and (counties is None or county in counties):
            intervals[(route, group)].extend((float(a), float(b), county) for a, b in zip(lo, hi, strict=True))
    _road_coverage(
        problem,
        data,
        params,
        intervals,
        _existing(data, "weather_stations"),
        params.weather_radius_km * 1000,
        counties,
        spacing_m=params.candidate_spacing_km * 1000,
        piece_m=params.demand_piece_km * 1000,
    )
    return problem


def _longest_piece_mid(line: RouteLine, county: str) -> float | None:
    """Middle stake of the longest stretch of `line` inside `county`."""
    inside = (line.county == county) & line.covered
    best, best_len, start = None, 0.0, None
    for i in range(len(inside) + 1):
        if i < len(inside) and inside[i]:
            start = i if start is None else start
            continue
        if start is not None:
            a, b = float(line.breaks[start]), float(line.breaks[i])
            if b - a > best_len:
                best, best_len = (a + b) / 2, b - a
            start = None
    return best


def enforcement_problem(
    data: CoverageData,
    params: Parameters,
    targets: dict[tuple[str, str], Target],
    *,
    counties: set[str] | None,
) -> SitingProblem:
    """The year's enforcement-station rules as covering demand: expressway km within reach of a station,
    a station in every county (national/provincial roads), one on every route running ≥ N km through a county."""
    problem = SitingProblem("enforcement_station")
    if ("expressway", "enforcement_stations") in targets:
        intervals: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
        for (route, group), line in data.network.undirected.items():
            if group != "expressway":
                continue
            for lo, hi in line.runs():
                intervals[(route, group)].extend(
                    span for span in line.spans_by_county(lo, hi) if counties is None or span[2] in counties
                )
        _road_coverage(
            problem,
            data,
            params,
            intervals,
            _existing(data, "enforcement_stations"),
            params.enforcement_expressway_radius_km * 1000,
            counties,
            spacing_m=params.enforcement_candidate_spacing_km * 1000,
            piece_m=min(params.enforcement_candidate_spacing_km, 1.0) * 1000,
        )
    per_county = targets.get(("national_provincial", "enforcement_per_county"))
    route_rule = targets.get(("national_provincial", "enforcement_route_km"))
    if per_county is None and route_rule is None:
        return problem
    pts = data.enforcement
    np_mask = pts.group == "national_provincial"
    served = {(str(pts.county[i]), str(pts.route[i])) for i in np.flatnonzero(np_mask)}
    county_stations: dict[str, int] = defaultdict(int)
    for county in pts.county[np_mask]:
        county_stations[str(county)] += 1
    pair_km = data.network.route_km("national_provincial")
    by_county: dict[str, list[int]] = defaultdict(list)
    for (county, route), km in sorted(pair_km.items()):
        if not county or (counties is not None and county not in counties):
            continue
        found = data.network.undirected.get((route, "national_provincial"))
        mid = _longest_piece_mid(found, county) if found is not None else None
        if found is None or mid is None:
            continue
        cand = _candidate(found, mid, data, params, problem.facility, note=f"{route} in {county}")
        if cand is None:
            continue
        j = problem.add_candidate(cand)
        by_county[county].append(j)
        if route_rule is not None and km + 1e-9 >= route_rule.value:
            label = f"a station on {route} ({km:.1f} km in {county})"
            row = problem.add_demand(
                Demand("rule", route, "national_provincial", county, km, None, label), (county, route) in served
            )
            problem.link(row, j)
    if per_county is not None:
        for county, cands in sorted(by_county.items()):
            km = sum(v for (c, _r), v in pair_km.items() if c == county)
            label = f"a station on a national/provincial road in {county}"
            row = problem.add_demand(
                Demand("rule", "", "national_provincial", county, km, None, label),
                county_stations[county] >= per_county.value,
            )
            for j in cands:
                problem.link(row, j)
    return problem

"""The coverage analysis as plain functions for the HTTP layer and the CLI: report, gaps, suggestions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine

from gis.db import connect
from planning.areas import Area
from planning.camera_gaps import camera_gaps
from planning.data import PARTS, CoverageData, DataCache, load_coverage_data
from planning.gapfeatures import camera_gap_features, weather_gap_features
from planning.geometry import area_outlines
from planning.metrics import compliance, compute_metrics, spacing_by_group
from planning.params import GAP_KINDS, ROADS, SUGGEST_KINDS, check_budget, check_choice
from planning.siting.suggest import suggest_cameras, suggest_stations
from planning.standards import StandardSet, current_standards

Progress = Callable[[str], None]
# The plan's title as issued (湘政办发〔2017〕26号).
STANDARD_TITLE = "《湖南省道路交通安全“道安监管云”建设工作方案》（湘政办发〔2017〕26号）"
STANDARD_TITLE_EN = (
    "Work Plan for Building Hunan's Road Traffic Safety Supervision Cloud (Daoan Jianguan Yun), "
    "Hunan Provincial Government Office document Xiang Zheng Ban Fa [2017] No. 26"
)
# The data parts each kind of gap or suggestion reads (the network and areas always come).
NEEDS: dict[str, frozenset[str]] = {
    "camera": frozenset({"cameras"}),
    "weather_station": frozenset({"weather", "hazards"}),
    "enforcement_station": frozenset({"enforcement"}),
}


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class Context:
    """The standard set in force, the data of one analysis, and the area asked for."""

    standards: StandardSet
    data: CoverageData
    area: Area


def _context(
    conn: Connection,
    *,
    year: int,
    area: str | None,
    as_of: int | None,
    cache: DataCache | None,
    progress: Progress,
    parts: frozenset[str] = PARTS,
) -> Context:
    standards = current_standards(conn)
    standards.for_year(year)  # 422 naming the valid years before any heavy loading
    progress("loading network and facilities")
    params = standards.parameters
    if cache:
        data = cache.get(conn, params, as_of=as_of, parts=parts)
    else:
        data = load_coverage_data(conn, params, as_of=as_of, parts=parts)
    return Context(standards, data, data.areas.resolve(area))


def coverage_report(
    engine: Engine,
    *,
    year: int,
    area: str | None = None,
    as_of: int | None = None,
    cache: DataCache | None = None,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Every metric of the standard `year` for `area` (the province when None) and each area below it,
    measured at the end of `as_of` (by default the end of `year`: a past year with the facilities it had)."""
    if as_of is None:
        as_of = year
    with connect(engine) as conn:
        ctx = _context(conn, year=year, area=area, as_of=as_of, cache=cache, progress=progress)
    progress("measuring")
    result = compute_metrics(ctx.data, ctx.standards, year, area=ctx.area)
    s = ctx.standards
    return {
        "year": year,
        "area": ctx.area.adcode,
        "as_of": as_of,
        "measured_at": f"{as_of}-12-31",
        "standard": {
            "name": s.name,
            "title": STANDARD_TITLE,
            "title_en": STANDARD_TITLE_EN,
            "version": s.version,
            "source": s.source,
            "years": list(s.years),
            "baseline": s.parameters.baseline,
        },
        "parameters": s.parameters.as_json(),
        "areas": [
            {
                "adcode": a.adcode,
                "name": a.name,
                "level": a.level,
                "parent_adcode": a.parent,
                "compliance": compliance(result.results[a.adcode]),
                "metrics": result.results[a.adcode],
            }
            for a in result.areas
        ],
    }


def coverage_gaps(
    engine: Engine,
    *,
    kind: str,
    year: int,
    area: str | None = None,
    as_of: int | None = None,
    cache: DataCache | None = None,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Gaps of `kind` in `area` as a GeoJSON FeatureCollection."""
    kind = check_choice(kind, GAP_KINDS, "kind")
    with connect(engine) as conn:
        ctx = _context(conn, year=year, area=area, as_of=as_of, cache=cache, progress=progress, parts=NEEDS[kind])
        counties = None if ctx.area.level == "province" else set(ctx.data.areas.counties_of(ctx.area.adcode))
        progress("finding gaps")
        if kind == "camera":
            spacing = spacing_by_group(ctx.standards.for_year(year))
            gaps = camera_gaps(
                ctx.data, spacing, join_tolerance_m=ctx.standards.parameters.run_join_tolerance_m, counties=counties
            )
            features = camera_gap_features(conn, ctx.data, gaps)
            extra: dict[str, Any] = {"spacing_m": spacing}
        else:
            radius = ctx.standards.parameters.weather_radius_km
            features = weather_gap_features(conn, ctx.data, radius_km=radius, counties=counties)
            extra = {"radius_km": radius}
    return {
        "type": "FeatureCollection",
        "kind": kind,
        "year": year,
        "area": ctx.area.adcode,
        **extra,
        "numberReturned": len(features),
        "features": features,
    }


def coverage_suggest(
    engine: Engine,
    *,
    kind: str,
    year: int,
    area: str | None = None,
    budget: float | None = None,
    share: float = 1.0,
    roads: str = "all",
    as_of: int | None = None,
    time_limit_s: float = 60.0,
    max_candidates: int | None = None,
    cache: DataCache | None = None,
    progress: Progress = _quiet,
    lang: str = "zh-CN",
) -> dict[str, Any]:
    """Suggested new sites of `kind` in `area` as a GeoJSON FeatureCollection with a solver summary
    (the solver stops after `time_limit_s`; more than `max_candidates` candidate sites: 413)."""
    kind = check_choice(kind, SUGGEST_KINDS, "kind")
    roads = check_choice(roads, ROADS, "roads", default="all")
    check_budget(budget)
    with connect(engine) as conn:
        ctx = _context(conn, year=year, area=area, as_of=as_of, cache=cache, progress=progress, parts=NEEDS[kind])
        progress("solving")
        if kind == "camera":
            return suggest_cameras(
                conn,
                ctx.data,
                ctx.standards,
                year,
                area=ctx.area,
                budget=budget,
                time_limit_s=time_limit_s,
                lang=lang,
            )
        return suggest_stations(
            conn,
            ctx.data,
            ctx.standards,
            year,
            kind=kind,
            area=ctx.area,
            budget=budget,
            min_share=share,
            roads=roads,
            time_limit_s=time_limit_s,
            max_candidates=max_candidates,
            lang=lang,
        )


def latest_year(engine: Engine) -> int:
    """The newest year of the standard set in force."""
    with connect(engine) as conn:
        return current_standards(conn).years[-1]


def city_outlines(engine: Engine) -> list[dict[str, Any]]:
    """Simplified city outlines for the report's map."""
    with connect(engine) as conn:
        return area_outlines(conn, level="city")

"""HTTP face of the coverage analysis: /coverage/report, /coverage/gaps, /coverage/suggest."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, request

from analysis.blackspots import stored as stored_black_spots
from gis.access import audit_read, mark_private, reader, vary_authorization
from gis.db import connect
from gis.root import Api, Root, current_root
from gis.web import cached_json_response, json_response
from planning.data import DataCache, data_versions
from planning.export import report_csv
from planning.htmlreport import report_html
from planning.labels import METRIC_LABELS, metric_label
from planning.params import (
    GAP_KINDS,
    LANGS,
    ROADS,
    SUGGEST_KINDS,
    check_choice,
    parse_budget,
    parse_optional_int,
    parse_share,
    parse_year,
)
from planning.service import city_outlines, coverage_gaps, coverage_report, coverage_suggest, latest_year

bp = Blueprint("planning", __name__)
GEOJSON = "application/geo+json"


def _engine() -> sa.Engine:
    return current_root().engine


def _cache() -> DataCache:
    return current_root().coverage_cache


def _year() -> int:
    text = request.args.get("year")
    return parse_year(text) if text else latest_year(_engine())


@bp.get("/coverage/report")
def report() -> Response:
    """The report as JSON, CSV (headers in `lang` when given, else the JSON keys) or a self-contained
    HTML page in `lang` (zh-CN by default), or that page printed to PDF where Chromium is installed (503
    where it is not). JSON asked with `lang` carries the metrics' labels in that language too."""
    fmt = check_choice(request.args.get("format"), ("json", "csv", "html", "pdf"), "format", default="json")
    lang = request.args.get("lang") or None
    if lang is not None:
        lang = check_choice(lang, LANGS, "lang")
    year = _year()
    area = request.args.get("area")
    as_of = parse_optional_int(request.args.get("as_of"), "as_of")
    body = coverage_report(_engine(), year=year, area=area, as_of=as_of, cache=_cache())
    if fmt == "csv":
        resp = Response(report_csv(body, lang), mimetype="text/csv")
        resp.headers["Content-Disposition"] = f'attachment; filename="coverage_{year}_{body["area"]}.csv"'
        return resp
    if fmt in ("html", "pdf"):
        at = year if as_of is None else as_of  # the gaps of the year measured, as the report
        gaps = coverage_gaps(_engine(), kind="camera", year=year, area=area, as_of=at, cache=_cache())
        token = reader()  # black spots are internal: shown to a reader with a token only
        spots = stored_black_spots(_engine(), area=area) if token is not None else None
        page = report_html(body, gaps, city_outlines(_engine()), lang=lang or "zh-CN", black_spots=spots)
        if fmt == "pdf":
            from planning.pdfreport import html_to_pdf

            resp = Response(html_to_pdf(page), mimetype="application/pdf")
            resp.headers["Content-Disposition"] = f'attachment; filename="coverage_{year}_{body["area"]}.pdf"'
            resp.headers["Content-Language"] = lang or "zh-CN"
        else:
            resp = Response(page, mimetype="text/html", headers={"Content-Language": lang or "zh-CN"})
        if token is not None:
            audit_read(token, "black_spots", len(spots or []))
            return mark_private(resp)
        return vary_authorization(resp)
    if lang is not None:  # the page shows the metrics by name (planning/labels.py)
        body = {**body, "metric_labels": {key: metric_label(key, lang) for key in METRIC_LABELS}}
    return json_response(body, cache_seconds=60)


@bp.get("/coverage/gaps")
def gaps() -> Response:
    body = coverage_gaps(
        _engine(),
        kind=check_choice(request.args.get("kind"), GAP_KINDS, "kind", default="camera"),
        year=_year(),
        area=request.args.get("area"),
        as_of=parse_optional_int(request.args.get("as_of"), "as_of"),
        cache=_cache(),
    )
    return json_response(body, mimetype=GEOJSON, cache_seconds=60)


@bp.get("/coverage/suggest")
def suggest() -> Response:
    """Suggested sites, bounded (suggest_time_limit_s, suggest_max_candidates) and kept in the answer cache
    while the source layers and standards are at the versions they were solved for."""
    args = request.args
    cfg = current_root().settings
    asked: dict[str, Any] = {
        "kind": check_choice(args.get("kind"), SUGGEST_KINDS, "kind"),
        "year": _year(),
        "area": args.get("area"),
        "budget": parse_budget(args.get("budget")),
        "share": parse_share(args.get("share")),
        "roads": check_choice(args.get("roads"), ROADS, "roads", default="all"),
        "as_of": parse_optional_int(args.get("as_of"), "as_of"),
        "lang": check_choice(args.get("lang"), LANGS, "lang", default="zh-CN"),
    }
    with connect(_engine()) as conn:
        versions = data_versions(conn)

    def solve() -> dict[str, Any]:
        return coverage_suggest(
            _engine(),
            **asked,
            time_limit_s=cfg.suggest_time_limit_s,
            max_candidates=cfg.suggest_max_candidates,
            cache=_cache(),
        )

    key = ("coverage/suggest", *sorted(asked.items()))
    return cached_json_response(key, tuple(sorted(versions.items())), solve, mimetype=GEOJSON, cache_seconds=60)


def _param(name: str, description: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "required": required, "schema": schema}


_PROBLEM = {"description": "Problem details (RFC 9457)", "content": {"application/problem+json": {}}}
_COMMON = [
    _param("year", "Standard year (the newest when absent); 422 lists the valid years", {"type": "integer"}),
    _param("area", "Adcode of the province, a city or a county (default the province)", {"type": "string"}),
    _param(
        "as_of",
        "Measure at the end of this year (default: the standard year): facilities in service then",
        {"type": "integer"},
    ),
]


def openapi_paths() -> dict[str, Any]:
    """OpenAPI path items of the coverage endpoints."""

    def op(summary: str, op_id: str, params: list[dict[str, Any]], media: str) -> dict[str, Any]:
        return {
            "get": {
                "summary": summary,
                "operationId": op_id,
                "tags": ["Coverage"],
                "parameters": params,
                "responses": {
                    "200": {"description": summary, "content": {media: {"schema": {"type": "object"}}}},
                    "400": _PROBLEM,
                    "422": _PROBLEM,
                    "503": _PROBLEM,
                },
            }
        }

    return {
        "/coverage/report": op(
            "Coverage against the plan's targets per area (JSON, or CSV with format=csv)",
            "getCoverageReport",
            [
                *_COMMON,
                _param("format", "json, csv, html or pdf", {"type": "string", "enum": ["json", "csv", "html", "pdf"]}),
                _param("lang", "Language of CSV headers and the HTML page", {"type": "string", "enum": list(LANGS)}),
            ],
            "application/json",
        ),
        "/coverage/gaps": op(
            "Camera spacing gaps, or fog/ice road out of reach of a weather station (GeoJSON)",
            "getCoverageGaps",
            [*_COMMON, _param("kind", "Gap kind", {"type": "string", "enum": list(GAP_KINDS)})],
            GEOJSON,
        ),
        "/coverage/suggest": op(
            "Suggested new sites: minimal cameras, or LSCP/MCLP stations solved exactly (GeoJSON)",
            "getCoverageSuggestions",
            [
                *_COMMON,
                _param("kind", "Facility kind", {"type": "string", "enum": list(SUGGEST_KINDS)}, required=True),
                _param("budget", "Budget in cost units (MCLP); absent: LSCP", {"type": "number", "minimum": 0}),
                _param("share", "LSCP: share of demand to cover (default 1)", {"type": "number"}),
                _param("roads", "Road group", {"type": "string", "enum": list(ROADS)}),
                _param("lang", "Language of the suggestion texts", {"type": "string", "enum": list(LANGS)}),
            ],
            GEOJSON,
        ),
    }


def api() -> Api:
    """The coverage endpoints' OpenAPI paths."""
    return Api(openapi_paths=openapi_paths())


def init_app(app: Flask, root: Root) -> None:
    """Register the coverage routes (their data cache and the gaps' refresher are the root's)."""
    app.register_blueprint(bp)

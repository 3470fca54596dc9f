"""GET /analysis/risk: the segments of highest live risk at an hour (analysis/risk_live.py) as GeoJSON
(internal data: a reading token; private answers, audited like the internal layers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import Blueprint, Flask, Response, request

from analysis import params
from analysis import risk_terms as rt
from analysis.risk_live import SOURCES, scores
from gis import params as gparams
from gis.access import audit_read, mark_private, require_reader
from gis.db import connect
from gis.openapi import AUTH, problem
from gis.root import Api, Root, current_root
from gis.sqlfiles import load_sql
from gis.stake import format_stake
from gis.web import json_response
from layers.catalog import ROAD_CLASSES

bp = Blueprint("risk", __name__)
WEATHER_ZH = {"clear": "晴", "rain": "雨", "fog": "雾", "ice": "冰冻", None: "无实况"}
BAND_ZH = {"night": "夜间(0–6时)", "morning_peak": "早高峰(6–9时)", "day": "日间(9–17时)",
           "evening_peak": "晚高峰(17–20时)", "late_evening": "夜间(20–24时)"}  # fmt: skip


def _min_relative(text: str | None) -> float:
    if text is None or text == "":
        return 0.0
    return gparams.number(text, "min_relative", minimum=0.0, maximum=1e6)


def _stake(value: float | None) -> str | None:
    return format_stake(value) if value is not None else None


@bp.get("/analysis/risk")
def risk() -> Response:
    """The `limit` segments of highest relative risk at `at` (default now), optionally of some classes."""
    token = require_reader("/analysis/risk (accident risk)")
    at = gparams.instant(request.args.get("at"), "at") or datetime.now(UTC)
    classes = params.parse_road_classes(request.args.get("road_class"))
    limit = params.parse_limit(request.args.get("limit"))
    floor = _min_relative(request.args.get("min_relative"))
    engine = current_root().engine
    found = scores(engine, at)
    keep = np.isfinite(found.relative) & (found.relative >= floor)
    if classes is not None:
        keep &= np.isin(found.road_class, classes)
    rows = np.flatnonzero(keep)
    top = rows[np.argsort(-found.relative[rows], kind="stable")[:limit]]
    with connect(engine) as conn:
        info = {
            r.id: r
            for r in conn.execute(
                sa.text(load_sql("queries/risk_top_segments.sql")), {"ids": found.segment_id[top].tolist()}
            )
        }
    features: list[dict[str, Any]] = []
    for i in top.tolist():
        seg = info.get(int(found.segment_id[i]))
        if seg is None:
            continue
        weather = found.weather_name(i)
        features.append({
            "type": "Feature",
            "id": int(found.segment_id[i]),
            "geometry": json.loads(seg.geometry),
            "properties": {
                "segment_id": int(found.segment_id[i]),
                "road_class": str(found.road_class[i]),
                "route_code": seg.route_code,
                "name": seg.name,
                "from_stake": _stake(seg.start_stake_m),
                "to_stake": _stake(seg.end_stake_m),
                "county_adcode": seg.county_adcode,
                "expected_per_km_year": round(float(found.expected[i]), 5),
                "relative": round(float(found.relative[i]), 3),
                "weather": weather,
                "weather_zh": WEATHER_ZH[weather],
                "weather_source": found.source_name(i),
            },
        })  # fmt: skip
    in_force = {w: int((found.weather == k).sum()) for k, w in enumerate(rt.WEATHER_CLASSES)}
    body = {
        "type": "FeatureCollection",
        "at": found.at.isoformat(),
        "model_id": found.model_id,
        "hour_band": found.hour_band,
        "hour_band_zh": BAND_ZH[found.hour_band],
        "segments_scored": len(found),
        "segments_matched": int(keep.sum()),
        "weather_in_force": in_force | {"none": int((found.weather < 0).sum())},
        # where the weather in force came from, in segments: station readings, forecasts, neither (the mix)
        "weather_sources": _sources(found),
        "features": features,
    }
    audit_read(token, "risk_segments", len(features))
    return mark_private(json_response(body, mimetype="application/geo+json"))


def _sources(found: Any) -> dict[str, int]:
    counts = np.bincount(found.source, minlength=len(SOURCES)) if found.source is not None else None
    return {
        (name or "none"): int(counts[k]) if counts is not None else (len(found) if k == 0 else 0)
        for k, name in enumerate(SOURCES)
    }


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_paths() -> dict[str, Any]:
    """The OpenAPI path item of /analysis/risk."""
    return {
        "/analysis/risk": {
            "get": {
                "summary": "Live accident risk of the road segments at an hour (研判预警): the highest first",
                "description": (
                    "Expected accidents per km-year of each segment at the hour of `at` under the weather in force "
                    "(each weather station's readings of the last 3 hours; for a future `at`, the forecast posted to "
                    "/weather/forecasts valid then, else the readings still in force then; a station without readings "
                    "takes its forecast), from the current risk model (`daoan analysis risk --store`); `relative` is "
                    "that over the segment's road-class baseline (the class's mean rate over the model's period). "
                    "`weather_source` (per segment) and `weather_sources` (counts) say whether readings, a forecast "
                    "or neither (the hour's weather mix) were used. 404 when no model is stored."
                ),
                "operationId": "getRisk",
                "tags": ["Analysis"],
                "security": AUTH,
                "parameters": [
                    _param(
                        "at",
                        "The time scored, ISO 8601 (naive: +08:00); default now",
                        {"type": "string", "format": "date-time"},
                    ),
                    _param(
                        "road_class", f"Road classes, comma separated ({', '.join(ROAD_CLASSES)})", {"type": "string"}
                    ),
                    _param("limit", f"Segments returned (1–{params.MAX_LIMIT}, default 100)", {"type": "integer"}),
                    _param("min_relative", "Only segments at least this relative risk (≥ 0)", {"type": "number"}),
                ],
                "responses": {
                    "200": {
                        "description": "Segments as a GeoJSON FeatureCollection, highest relative risk first",
                        "content": {"application/geo+json": {"schema": {"type": "object"}}},
                    },
                    "404": problem("404"),
                },
            }
        }
    }


def api() -> Api:
    return Api(openapi_paths=openapi_paths())


def init_app(app: Flask, root: Root) -> None:
    app.register_blueprint(bp)

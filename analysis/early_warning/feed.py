"""The warnings feed (GET /warnings, `daoan warnings list`): its parameters, checked with messages
naming the fix, and the warnings in force as GeoJSON features."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.early_warning.rules import LEVEL_ZH, LEVELS, REASON_EN, REASON_ZH, REASONS
from analysis.params import parse_interval
from gis import params
from gis.errors import InvalidParameter
from gis.sqlfiles import load_sql
from layers.features import parse_bbox

MAX_LIMIT = 10_000


@dataclass(frozen=True)
class FeedQuery:
    """What the feed asks: a time (or an interval), an area, levels and reasons, a page."""

    at: datetime | None = None  # None: now
    start: datetime | None = None
    end: datetime | None = None
    interval: bool = False
    bbox: tuple[float, float, float, float] | None = None
    levels: tuple[str, ...] | None = None
    reasons: tuple[str, ...] | None = None
    limit: int = 1000
    offset: int = 0


def parse_feed_query(args: dict[str, str | None]) -> FeedQuery:
    """The feed's query from request arguments; 400 naming a bad one."""
    text = args.get("datetime") or ""
    at = start = end = None
    interval = "/" in text
    if interval:
        start, end = parse_interval(text)
    elif text:
        try:
            at = params.instant(text, "datetime")
        except InvalidParameter:
            raise InvalidParameter(
                f"datetime must be a time (2026-12-06T08:00:00+08:00) or an interval start/end; got {text[:80]!r}",
                parameter="datetime",
                detail_zh=f"参数 datetime 应为时刻（如 2026-12-06T08:00:00+08:00）或“起/止”时间段；收到 {text[:80]!r}",
            ) from None
    box_text = args.get("bbox")
    bbox = parse_bbox(box_text) if box_text else None
    levels = tuple(sorted(params.flags(args.get("level"), "level", LEVELS))) if args.get("level") else None
    reasons = tuple(sorted(params.flags(args.get("reason"), "reason", REASONS))) if args.get("reason") else None
    limit = params.integer(
        args.get("limit") or "1000", "limit", minimum=1, fix="an integer ≥ 1 (more than the maximum is clamped)"
    )
    offset = params.integer(args.get("offset") or "0", "offset", minimum=0, fix="an integer ≥ 0")
    return FeedQuery(
        at=at, start=start, end=end, interval=interval, bbox=bbox, levels=levels, reasons=reasons,
        limit=min(limit, MAX_LIMIT), offset=offset,
    )  # fmt: skip


def _feature(r: Any, lang: str) -> dict:
    props = {k: v for k, v in r._mapping.items() if k not in ("id", "geometry")}
    for key in ("issued_at", "updated_at", "expires_at"):
        props[key] = props[key].isoformat()
    props["level_zh"] = LEVEL_ZH[r.level]
    props["title_zh"] = f"{REASON_ZH[r.reason]}{LEVEL_ZH[r.level]}预警"  # 大雾橙色预警
    props["title_en"] = f"{r.level.capitalize()} warning: {REASON_EN[r.reason]}"
    props["message"] = r.message_zh if lang == "zh-CN" else r.message_en
    props["observation_ids"] = list(r.observation_ids)
    props["forecast_ids"] = list(r.forecast_ids)
    return {"type": "Feature", "id": r.id, "geometry": json.loads(r.geometry), "properties": props}


def list_warnings(conn: Connection, q: FeedQuery, *, lang: str = "zh-CN") -> dict:
    """The warnings of `q` as a GeoJSON FeatureCollection, most severe first."""
    at = q.at or datetime.now(UTC)
    box = q.bbox or (None, None, None, None)
    rows = conn.execute(
        sa.text(load_sql("queries/warnings_feed.sql")),
        {
            "at": at,
            "interval": q.interval,
            "start": q.start,
            "end": q.end,
            "minx": box[0],
            "miny": box[1],
            "maxx": box[2],
            "maxy": box[3],
            "levels": list(q.levels) if q.levels else None,
            "reasons": list(q.reasons) if q.reasons else None,
            "limit": q.limit,
            "offset": q.offset,
        },
    ).all()
    body: dict[str, Any] = {"type": "FeatureCollection", "features": [_feature(r, lang) for r in rows]}
    body["numberReturned"] = len(rows)
    if q.at is not None:  # only when asked: "now" in the body would change the ETag at every request
        body["in_force_at"] = at.isoformat()
    return body

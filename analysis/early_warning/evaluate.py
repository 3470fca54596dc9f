"""Which warnings the readings and the live risk call for at a time: the rules of
analysis/data/warning_rules.toml on the readings near fog, ice and long-downgrade zones, and the
risk threshold on analysis.risk_live.scores when that module is installed."""

from __future__ import annotations

import importlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analysis.early_warning.rules import WarningRule, WarningRules
from analysis.early_warning.stretch import RoutingView, Stretch, stretches
from analysis.early_warning.text import Situation, board_variants, message_en, message_zh
from gis.errors import DaoanError
from gis.sqlfiles import load_sql
from routing.rules import fog_rule, ice_rule
from routing.signs import fit

log = logging.getLogger(__name__)

ZONE_REASON = {"fog": "fog", "ice": "ice", "steep_grade": "downgrade_rain"}
# A long downgrade (analysis/dem_hazards.py: properties.downhill_towards) is warned to the carriageway
# that descends it: the one driven with increasing stakes (up) or decreasing (down).
DOWNHILL_WAY = {"increasing_stake": "up", "decreasing_stake": "down"}


@dataclass
class Candidate:
    """A warning the evaluation calls for (not yet stored)."""

    reason: str
    level: str
    rule_id: str
    condition_key: str
    expires_at: datetime
    measure: str
    message_zh: str
    message_en: str
    segment_ids: list[int]
    hazard_zone_id: int | None = None
    route_code: str | None = None
    road_name: str | None = None
    road_class: str | None = None
    direction: str = "both"
    direction_zh: str | None = None
    direction_en: str | None = None
    from_stake_m: float | None = None
    to_stake_m: float | None = None
    visibility_m: float | None = None
    road_surface_temp_c: float | None = None
    precipitation_mm: float | None = None
    relative_risk: float | None = None
    speed_cap_kmh: int | None = None
    following_distance_m: float | None = None
    signs: list[dict] = field(default_factory=list)
    observation_ids: list[int] = field(default_factory=list)
    forecast_ids: list[int] = field(default_factory=list)
    weather_source: str | None = None  # observation, forecast, mixed, declared; None: risk on the hour's mix
    geometry: dict | None = None


@dataclass(frozen=True)
class Settings:
    """How readings are taken: the same window and station radius as the routing overlay's fog."""

    valid_s: float = 1800.0
    radius_m: float = 5000.0


def _measure(reason: str, road_class: str, readings: dict[str, float | None]) -> tuple[str, int | None, float | None]:
    """(measure, speed cap, following distance) the weather rules (routing/data/weather_rules.toml) set."""
    if reason == "fog" and readings.get("visibility_m") is not None:
        rule = fog_rule(road_class, float(readings["visibility_m"]))  # type: ignore[arg-type]
        if rule is not None:
            if rule.measure == "close":
                return "close", int(rule.speed_kmh), rule.gap_m
            return "cap", int(rule.speed_kmh), rule.gap_m
    cold = readings.get("surface_c") is not None and float(readings["surface_c"]) <= 0  # type: ignore[arg-type]
    if reason == "ice" and (cold or readings.get("declared")):  # icing read at 0 °C or below, or declared
        rule = ice_rule(road_class)
        if rule is not None:
            if rule.measure == "close":
                return "close", None, None
            return "cap", int(rule.speed_kmh), None
    return "advise", None, None


def _candidates_for(
    conn: Connection,
    view: RoutingView | None,
    *,
    reason: str,
    rule: WarningRule,
    key: str,
    segments: list[Any],
    readings: dict[str, float | None],
    expires_at: datetime,
    route_code: str | None,
    from_stake_m: float | None,
    to_stake_m: float | None,
    zone_id: int | None = None,
    observation_ids: list[int] | None = None,
    forecast_ids: list[int] | None = None,
    weather_source: str | None = None,
    only: str | None = None,
) -> list[Candidate]:
    """One candidate per direction of the stretch `segments` (`only`: that direction alone, up or down,
    where the other is known to be spared), worded and with its signs' messages."""
    classes = [s.road_class for s in segments]
    road_class = max(set(classes), key=classes.count)
    names = [s.name for s in segments if s.name]
    road_name = max(set(names), key=names.count) if names else None
    route_code = route_code or next((s.route_code for s in segments if s.route_code), None)
    measure, cap, gap = _measure(reason, road_class, readings)
    situation = Situation(
        reason=reason,
        level=rule.level,
        measure=measure,
        visibility_below_m=rule.visibility_below_m,
        surface_c=readings.get("surface_c"),
        precipitation_mm=readings.get("precipitation_mm"),
        relative_risk=readings.get("relative_risk"),
        speed_cap_kmh=cap,
        following_distance_m=gap,
    )
    out: list[Candidate] = []
    seen: dict[str, int] = defaultdict(int)
    for st in stretches(
        conn, view, [s.segment_id for s in segments], route_code=route_code, from_stake_m=from_stake_m,
        to_stake_m=to_stake_m,
    ):  # fmt: skip
        if only is not None and st.direction in ("up", "down") and st.direction != only:
            continue
        c = _candidate(st, situation, rule, key, seen, segments, readings, expires_at, zone_id,
                       route_code, road_name, road_class, observation_ids)  # fmt: skip
        c.forecast_ids = list(forecast_ids or [])
        c.weather_source = weather_source
        out.append(c)
    return out


def _candidate(
    st: Stretch, s: Situation, rule: WarningRule, key: str, seen: dict[str, int], segments: list[Any],
    readings: dict[str, float | None], expires_at: datetime, zone_id: int | None, route_code: str | None,
    road_name: str | None, road_class: str, observation_ids: list[int] | None,
) -> Candidate:  # fmt: skip
    seen[st.direction] += 1
    suffix = "" if seen[st.direction] == 1 else f"#{seen[st.direction]}"
    lo, hi = st.from_stake_m, st.to_stake_m
    variants = board_variants(s, lo=lo, hi=hi)
    signs = []
    for sign in st.signs:
        board = fit(variants, sign.get("lines"), sign.get("chars_per_line"))
        signs.append({**sign, "message_lines": board.lines, "message_zh": board.text, "fits": board.fits})
    return Candidate(
        reason=s.reason,
        level=rule.level,
        rule_id=rule.id,
        condition_key=f"{key}:{st.direction}{suffix}",
        expires_at=expires_at,
        measure=s.measure,
        message_zh=message_zh(
            s, route_code=route_code, road_name=road_name, direction_zh=st.direction_zh, lo=lo, hi=hi
        ),
        message_en=message_en(
            s, route_code=route_code, road_name=road_name, direction_en=st.direction_en, lo=lo, hi=hi
        ),
        segment_ids=[int(x.segment_id) for x in segments],
        hazard_zone_id=zone_id,
        route_code=route_code,
        road_name=road_name,
        road_class=road_class,
        direction=st.direction,
        direction_zh=st.direction_zh,
        direction_en=st.direction_en,
        from_stake_m=lo,
        to_stake_m=hi,
        visibility_m=readings.get("visibility_m"),
        road_surface_temp_c=readings.get("surface_c"),
        precipitation_mm=readings.get("precipitation_mm"),
        relative_risk=readings.get("relative_risk"),
        speed_cap_kmh=s.speed_cap_kmh,
        following_distance_m=s.following_distance_m,
        signs=signs,
        observation_ids=list(observation_ids or []),
        geometry=st.geometry,
    )


def _expiry(r: Any, at: datetime, cfg: Settings) -> datetime:
    """When a zone's warning ends unless evaluated again: `valid_s` after the newest reading it rests on,
    or the end of the forecasts it rests on, whichever is later; a declared icing holds `valid_s` from the
    evaluation (each evaluation renews it while the declaration stands)."""
    ends = [r.newest + timedelta(seconds=cfg.valid_s)] if r.newest is not None else []
    if r.forecast_until is not None:
        ends.append(r.forecast_until)
    if r.icing_declared or not ends:
        ends.append(at + timedelta(seconds=cfg.valid_s))
    return max(ends)


def _source(r: Any, rule: WarningRule) -> str:
    """Which weather the zone's warning rests on: observation, forecast, mixed or declared."""
    if rule.declared:
        return "declared"
    if r.observation_ids and r.forecast_ids:
        return "mixed"
    return "forecast" if r.forecast_ids else "observation"


def rule_candidates(
    conn: Connection,
    view: RoutingView | None,
    rules: WarningRules,
    at: datetime,
    cfg: Settings,
    now: datetime | None = None,
) -> list[Candidate]:
    """Warnings the weather near fog, ice and long-downgrade zones calls for at `at` (as seen at `now`:
    readings first up to now, the forecasts valid at `at` first after it)."""
    rows = conn.execute(
        sa.text(load_sql("queries/warnings_zone_readings.sql")),
        {"at": at, "now": now or datetime.now(UTC), "valid_s": cfg.valid_s, "radius_m": cfg.radius_m},
    ).all()
    fired = []
    for r in rows:
        reason = ZONE_REASON[r.kind]
        readings = {"visibility_m": r.visibility_m, "surface_c": r.surface_c, "precipitation_mm": r.precipitation_mm}
        declared = bool(r.icing_declared)
        rule = rules.highest(reason, **readings, declared=declared)
        if rule is not None:
            fired.append((r, reason, rule, readings | ({"declared": True} if declared else {})))
    if not fired:
        return []
    by_zone: dict[int, list[Any]] = defaultdict(list)
    for s in conn.execute(
        sa.text(load_sql("queries/warnings_zone_segments.sql")), {"zone_ids": [r.zone_id for r, *_ in fired]}
    ).all():
        by_zone[s.zone_id].append(s)
    out: list[Candidate] = []
    for r, reason, rule, readings in fired:
        if not by_zone.get(r.zone_id):
            continue  # a zone on no road: nothing to warn
        out += _candidates_for(
            conn, view, reason=reason, rule=rule, key=f"{reason}:zone{r.zone_id}", segments=by_zone[r.zone_id],
            readings=readings, expires_at=_expiry(r, at, cfg), route_code=r.route_code,
            from_stake_m=r.from_stake_m, to_stake_m=r.to_stake_m, zone_id=r.zone_id,
            observation_ids=list(r.observation_ids), forecast_ids=list(r.forecast_ids),
            weather_source=_source(r, rule), only=DOWNHILL_WAY.get(r.downhill_towards or ""),
        )  # fmt: skip
    return out


def risk_scorer() -> Any | None:
    """analysis.risk_live.scores when that module is installed (it is built apart); None otherwise."""
    try:
        module = importlib.import_module("analysis.risk_live")
    except ImportError:
        return None
    return getattr(module, "scores", None)


def _risk_rows(conn: Connection, result: Any, lowest: float, min_rise: float) -> list[tuple[int, float, float]]:
    """(segment id, relative risk, rise) from analysis.risk_live.RiskScores of the segments at `lowest`
    or above whose rise is at least `min_rise`: the rise is what the live
    conditions multiply the segment's usual rate by, exp(β of its hour band + β of the weather class in
    force), from the model's stored terms ('hour:night', 'weather:fog'; the reference band and clear
    weather have none; no reading in force: the hour's alone)."""
    ids, rel = getattr(result, "segment_id", None), getattr(result, "relative", None)
    if ids is None or rel is None or len(ids) == 0:
        return []
    terms = conn.execute(sa.text(load_sql("queries/warnings_risk_terms.sql")), {"model_id": result.model_id}).scalar()
    beta = {t["name"]: float(t["estimate"]) for t in terms or []}
    from analysis.risk_terms import WEATHER_CLASSES

    hour = beta.get(f"hour:{result.hour_band}", 0.0)
    by_class = np.array([beta.get(f"weather:{w}", 0.0) for w in WEATHER_CLASSES] + [0.0])
    weather = np.asarray(result.weather, dtype=np.int64)  # -1: none in force (the last entry, 0)
    rise = np.exp(hour + by_class[weather])
    rel = np.asarray(rel, dtype=np.float64)
    keep = np.flatnonzero((rel >= lowest) & (rise >= min_rise))  # numpy first: a province has 600,000
    return list(zip(ids[keep].tolist(), rel[keep].tolist(), rise[keep].tolist(), strict=True))


def _risk_sources(result: Any, segment_ids: list[int]) -> dict[int, str | None]:
    """Segment → the source of the weather its score used (observation, forecast; None: the hour's mix)."""
    source = getattr(result, "source", None)
    if source is None or not segment_ids:
        return {}
    from analysis.risk_live import SOURCES

    pos = np.searchsorted(result.segment_id, np.asarray(segment_ids, dtype=np.int64))
    return {s: SOURCES[int(source[p])] for s, p in zip(segment_ids, pos.tolist(), strict=True)}


def risk_candidates(
    conn: Connection,
    engine: Engine,
    view: RoutingView | None,
    rules: WarningRules,
    at: datetime,
) -> list[Candidate] | None:
    """Warnings the live risk calls for at `at` (the highest `max_warnings` segments over the lowest
    threshold); None when no risk scorer is installed or it cannot score (no fitted model)."""
    scorer = risk_scorer()
    if scorer is None:
        return None
    lowest = min((r.relative_risk_at_least for r in rules.rules if r.reason == "risk" and r.relative_risk_at_least),
                 default=None)  # fmt: skip
    if lowest is None:
        return []
    try:
        result = scorer(engine, at)  # as seen now: the forecast valid at `at` for a later time
    except DaoanError as exc:  # no risk model stored yet (NoRiskModel): the weather rules go on
        log.info("risk warnings not evaluated: %s", exc.detail)
        return None
    except Exception:  # a scorer failing must not stop the weather rules
        log.exception("live risk scores unavailable; risk warnings not evaluated")
        return None
    # Conditions, not places: a segment always far above its class (a black spot) is a hazard zone on
    # the map and in the routes; it is warned when the hour and the weather raise it by min_rise.
    over = sorted(((s, v) for s, v, _ in _risk_rows(conn, result, lowest, rules.risk_min_rise)), key=lambda sv: -sv[1])
    if not over:
        return []
    rows = {
        r.segment_id: r
        for r in conn.execute(sa.text(load_sql("queries/warnings_segments.sql")), {"segment_ids": [s for s, _ in over]})
    }
    out: list[Candidate] = []
    expires = at + timedelta(minutes=rules.risk_valid_min)
    sources = _risk_sources(result, [s for s, _ in over])
    taken = 0
    for seg, rel in over:
        row = rows.get(seg)
        if row is None or row.road_class not in rules.risk_road_classes:
            continue
        rule = rules.highest("risk", relative_risk=rel)
        if rule is None:
            continue
        out += _candidates_for(
            conn, view, reason="risk", rule=rule, key=f"risk:seg{seg}", segments=[row],
            readings={"relative_risk": rel}, expires_at=expires, route_code=row.route_code,
            from_stake_m=row.start_stake_m, to_stake_m=row.end_stake_m, weather_source=sources.get(seg),
        )  # fmt: skip
        taken += 1
        if taken >= rules.risk_max_warnings:
            break
    return out

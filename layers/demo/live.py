"""The demo's weather of the day: a synthetic forecast posted at load time for the next LIVE_HOURS at the
stations by the demo's fog, ice and long-downgrade zones, then one evaluation of the real warning rules
(analysis/early_warning), so that GET /warnings, the warnings tiles, the map and the steps of /route show
the warnings it calls for. Nothing is written to the warnings table but by the engine.

The draw follows the demo's weather history (layers/demo/weather.py) for the month of the load: morning
fog at a share of the fog zones' visibility stations (FOG_ZONE_FACTOR × the month's fog-day chance, at
least one station), a surface near freezing with sleet at the ice zones' road-ice stations only in the ice
months (December–February), rain at a share of the general stations by a long downgrade (the month's
rain-day chance).
Deterministic for a seed and a month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analysis.forecasts import Forecast, record_forecasts
from gis.settings import Settings
from gis.sqlfiles import load_sql
from layers.demo.weather import FOG_DAY_P, FOG_ZONE_FACTOR, ICE_MONTHS, ICE_ZONE_P, RAIN_DAY_P

LIVE_HOURS = 24  # how long the demo's forecast (and so its warnings) lasts after the load
SOURCE = "synthetic demo forecast"
WHO = "demo"
# The values drawn (analysis/data/warning_rules.toml decides the level). They stay below the levels that
# close a road (fog under 50 m, ice at 0 °C or below on an expressway): routing closes roads on readings
# and declarations, not on forecasts, so a forecast warning saying "closed" would sit on roads the demo's
# routes still use.
FOG_VISIBILITY_M = (350.0, 150.0, 80.0)  # blue, yellow, orange (art. 81's 60 and 40 km/h caps)
ICE = (1.5, 0.2)  # surface °C, precipitation mm/h: icing likely (yellow)
RAIN_MM = (2.0, 9.0, 18.0)  # 中雨, 大雨, 暴雨 (GB/T 28592 hourly grades)


def _draw(rng: np.random.Generator, n: int, p: float, at_least: int = 0) -> np.ndarray:
    """Which of n stations the weather reaches (chance p each), at least `at_least` of them."""
    hit = rng.random(n) < p
    if n and hit.sum() < at_least:
        hit[rng.choice(n, size=min(at_least, n), replace=False)] = True
    return hit


def forecasts(engine: Engine, settings: Settings, rng: np.random.Generator, now: datetime) -> list[Forecast]:
    """The demo's forecast of the day for its stations (not stored)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(load_sql("queries/demo_live_stations.sql")), {"radius_m": settings.fog_station_radius_m}
        ).all()
    month = now.astimezone(UTC).month
    end = now + timedelta(hours=LIVE_HOURS)
    out: list[Forecast] = []

    def add(
        row: sa.Row, visibility: float | None = None, surface: float | None = None, rain: float | None = None
    ) -> None:
        out.append(Forecast(int(row.id), None, now, now, end, visibility, surface, rain, SOURCE))

    fog = [r for r in rows if r.kind == "visibility" and r.near_fog]
    for r, hit in zip(fog, _draw(rng, len(fog), FOG_ZONE_FACTOR * FOG_DAY_P[month - 1], 1), strict=True):
        if hit:
            add(r, visibility=float(rng.choice(FOG_VISIBILITY_M)))
    if month in ICE_MONTHS:
        ice = [r for r in rows if r.kind == "road_ice" and r.near_ice]
        for r, hit in zip(ice, _draw(rng, len(ice), ICE_ZONE_P, 1), strict=True):
            if hit:
                add(r, surface=ICE[0], rain=ICE[1])
    wet = [r for r in rows if r.kind == "general" and r.near_downgrade]
    for r, hit in zip(wet, _draw(rng, len(wet), float(RAIN_DAY_P[month - 1])), strict=True):
        if hit:
            add(r, rain=float(rng.choice(RAIN_MM)))
    return out


def post_weather_of_the_day(engine: Engine, settings: Settings, rng: np.random.Generator) -> dict[str, int]:
    """Store the demo's forecast and evaluate the warning rules on it (without routing: the warnings then
    name no direction and no sign; `daoan serve` evaluates again once routing is ready). Rows per table."""
    from analysis.early_warning.evaluate import Settings as WarningSettings
    from analysis.early_warning.store import evaluate_warnings

    now = datetime.now(UTC).replace(microsecond=0)
    cfg = WarningSettings(valid_s=settings.observation_valid_min * 60, radius_m=settings.fog_station_radius_m)
    day = forecasts(engine, settings, rng, now)
    with engine.begin() as conn:
        stored = record_forecasts(conn, day, who=WHO)["stored"]
        conn.execute(sa.text(load_sql("queries/warnings_lock.sql")))
        summary = evaluate_warnings(conn, engine, view=None, at=now, who=WHO, settings=cfg, risk=False)
    return {"weather_forecasts": len(stored), "warnings": len(summary["issued"])}

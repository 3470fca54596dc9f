"""The demo's synthetic weather history: an hourly weather class per active weather station over the
accident period (synthetic, not observed; deterministic for a seed).

Per local day: a rain spell of 2–10 hours on a day of rain (wetter March–June, as Hunan's spring rains);
a morning fog (from 01–05 until 07–10) more often from October to February, four times as often at the
visibility stations (which the demo places in its fog hazard zones); night and morning ice (00–09) from
December to February, more often the higher the station and far more often at the road-ice stations
(placed in the demo's ice zones). Ice wins over fog, fog over rain, as analysis/risk_terms classifies
readings. The accidents (layers/demo/accidents.py) are drawn against this history, so the risk model's
weather terms have a truth to recover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from layers.demo.points import PointTable

RAIN_DAY_P = np.array([0.30, 0.35, 0.45, 0.50, 0.50, 0.45, 0.30, 0.28, 0.22, 0.25, 0.28, 0.28])
FOG_DAY_P = np.array([0.09, 0.07, 0.05, 0.04, 0.03, 0.02, 0.02, 0.02, 0.04, 0.07, 0.09, 0.10])
FOG_ZONE_FACTOR = 4.0  # at the visibility stations of the fog zones
ICE_MONTHS = (12, 1, 2)
ICE_DAY_P = 0.03  # at a low general station in an ice month
ICE_P_PER_KM = 0.15  # more per km of altitude
ICE_ZONE_P = 0.30  # at the road-ice stations of the ice zones
DEFAULT_ALT_M = 150.0  # a roadside station without an altitude


@dataclass(frozen=True)
class DemoWeather:
    """The active stations (their codes and lon/lat) and their classes (stations × hours from `start`)."""

    start: datetime
    code: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    classes: np.ndarray  # int8 class index per station and hour (analysis/risk_terms.WEATHER_CLASSES)


def active_stations(tables: list[PointTable]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Code, kind, altitude, lon and lat of the active stations of the weather-station tables."""
    code: list[str] = []
    kind: list[str] = []
    alt: list[float] = []
    lon: list[float] = []
    lat: list[float] = []
    for table in tables:
        cols = table.columns()
        if not cols:
            continue
        active = np.asarray(cols["status"]) == "active"
        code.extend(np.asarray(cols["station_code"])[active].tolist())
        kind.extend(np.broadcast_to(np.asarray(cols["kind"], dtype=object), active.shape)[active].tolist())
        alts = np.broadcast_to(np.asarray(cols["alt_m"], dtype=object), active.shape)[active]
        alt.extend(float(a) if a is not None else DEFAULT_ALT_M for a in alts.tolist())
        lon.extend(np.asarray(cols["lon"], dtype=float)[active].tolist())
        lat.extend(np.asarray(cols["lat"], dtype=float)[active].tolist())
    return (np.array(code, dtype=object), np.array(kind, dtype=object), np.array(alt, dtype=float),
            np.array(lon, dtype=float), np.array(lat, dtype=float))  # fmt: skip


def history(tables: list[PointTable], start: datetime, days: int, rng: np.random.Generator) -> DemoWeather:
    """Hourly classes of every active station for `days` local days from `start` (a local midnight)."""
    code, kind, alt, lon, lat = active_stations(tables)
    month = np.array([(start.date().toordinal() + d) for d in range(days)])
    month = np.array([datetime.fromordinal(int(o)).month for o in month]) - 1
    hour = np.arange(24)[None, :]
    classes = np.zeros((len(code), days * 24), dtype=np.int8)
    for s in range(len(code)):
        day = np.zeros((days, 24), dtype=np.int8)
        rain = rng.random(days) < RAIN_DAY_P[month]
        first = rng.integers(0, 24, days)[:, None]
        last = first + rng.integers(2, 11, days)[:, None]
        day[rain[:, None] & (hour >= first) & (hour < last)] = 1
        fog_p = FOG_DAY_P[month] * (FOG_ZONE_FACTOR if kind[s] == "visibility" else 1.0)
        fog = rng.random(days) < fog_p
        f0 = rng.integers(1, 6, days)[:, None]
        f1 = rng.integers(7, 11, days)[:, None]
        day[fog[:, None] & (hour >= f0) & (hour < f1)] = 2
        ice_p = ICE_ZONE_P if kind[s] == "road_ice" else ICE_DAY_P + ICE_P_PER_KM * max(alt[s], 0.0) / 1000.0
        ice = np.isin(month + 1, ICE_MONTHS) & (rng.random(days) < ice_p)
        i1 = rng.integers(6, 10, days)[:, None]
        day[ice[:, None] & (hour < i1)] = 3
        classes[s] = day.reshape(-1)
    return DemoWeather(start, code, lon, lat, classes)

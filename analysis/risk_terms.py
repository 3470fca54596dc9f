"""The risk model's terms and how a segment, an hour and a weather reading fall into them.

Shared by the fit (analysis/risk.py), the live scores (analysis/risk_live.py) and the demo's generator
(layers/demo/accidents.py), so the three band alike. Reference levels (no term of their own): the day
band 09–17, clear weather, a straight, flat, low segment outside every hazard zone.

- Hour bands, local (Beijing) time: night 00–06, morning peak 06–09, day 09–17, evening peak 17–20,
  late evening 20–24.
- Weather classes: fog when visibility is below 1 km (the meteorological definition of fog, WMO Guide
  to Instruments and Methods of Observation, No. 8, vol. I ch. 9), ice when the road surface is at or
  below 0 °C, rain when precipitation is reported; checked in that order (ice before fog before rain).
- Curvature: total turning of the line per km (degrees/km), winding from 90, sharp from 270.
- Grade: |end-to-end grade| from the DEM, moderate from 3 %, steep from 6 % (JTG D20-2017 limits a
  grade of 6 % to short lengths on roads designed for 60 km/h and more).
- Altitude: mean DEM altitude, upland from 400 m, high from 800 m.
Documented defaults, not values from an authority (except where cited); kept with each fitted model.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

BEIJING = timezone(timedelta(hours=8))
HOURS_PER_YEAR = 365.25 * 24.0

# Local hour (0–23) → band index; BANDS[i] is the band's name, None for the reference band.
HOUR_BANDS = ("night", "morning_peak", "day", "evening_peak", "late_evening")
REFERENCE_BAND = "day"
_BAND_OF_HOUR = np.array([0] * 6 + [1] * 3 + [2] * 8 + [3] * 3 + [4] * 4, dtype=np.int8)

# Weather classes by their one-letter code in weather_history.hours.
WEATHER_CLASSES = ("clear", "rain", "fog", "ice")
WEATHER_CODES = "crfi"
UNKNOWN_CODE = "-"
FOG_BELOW_M = 1000.0
ICE_AT_OR_BELOW_C = 0.0

CURVATURE_BANDS = (("winding", 90.0), ("sharp", 270.0))  # degrees of turning per km, lower bounds
GRADE_BANDS = (("moderate", 3.0), ("steep", 6.0))  # |grade| %, lower bounds
ALTITUDE_BANDS = (("upland", 400.0), ("high", 800.0))  # metres, lower bounds

# Metres per degree at the province's mid latitude (27.5° N): a plane near enough for turning angles
# and nearest stations within Hunan.
_M_PER_DEG_LAT = 110_880.0
_M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(27.5)))


def settings() -> dict[str, object]:
    """The bands and thresholds, as kept with a fitted model."""
    return {
        "hour_bands": {
            "night": [0, 6],
            "morning_peak": [6, 9],
            "day": [9, 17],
            "evening_peak": [17, 20],
            "late_evening": [20, 24],
        },  # fmt: skip
        "timezone": "+08:00",
        "weather": {
            "fog_below_m": FOG_BELOW_M,
            "ice_at_or_below_c": ICE_AT_OR_BELOW_C,
            "order": ["ice", "fog", "rain"],
        },
        "curvature_deg_per_km": dict(CURVATURE_BANDS),
        "grade_pct": dict(GRADE_BANDS),
        "altitude_m": dict(ALTITUDE_BANDS),
    }


def hour_band(local_hour: np.ndarray | int) -> np.ndarray:
    """Band index of local hours 0–23."""
    return _BAND_OF_HOUR[np.asarray(local_hour, dtype=np.int64) % 24]


def local_hour(at: datetime) -> int:
    """The Beijing hour of day of an aware datetime (naive ones are taken as Beijing time)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    return at.astimezone(BEIJING).hour


def band_term(band: int) -> str | None:
    name = HOUR_BANDS[band]
    return None if name == REFERENCE_BAND else f"hour:{name}"


def weather_term(code: int) -> str | None:
    """Term of weather class index `code` (None for clear)."""
    return None if code == 0 else f"weather:{WEATHER_CLASSES[code]}"


def classify(visibility_m: float | None, surface_c: float | None, precipitation_mm: float | None) -> int:
    """Weather class index of one reading (fields it lacks count as not showing that weather)."""
    if surface_c is not None and surface_c <= ICE_AT_OR_BELOW_C:
        return 3
    if visibility_m is not None and visibility_m < FOG_BELOW_M:
        return 2
    if precipitation_mm is not None and precipitation_mm > 0:
        return 1
    return 0


def _band(values: np.ndarray, bands: tuple[tuple[str, float], ...], prefix: str) -> np.ndarray:
    """Term name per value ('' for the reference band or an unknown value)."""
    out = np.full(len(values), "", dtype=object)
    for name, lower in bands:
        out[np.nan_to_num(values, nan=-np.inf) >= lower] = f"{prefix}:{name}"
    return out


def curvature_terms(deg_per_km: np.ndarray) -> np.ndarray:
    return _band(deg_per_km, CURVATURE_BANDS, "curve")


def grade_terms(grade_pct: np.ndarray) -> np.ndarray:
    return _band(np.abs(grade_pct), GRADE_BANDS, "grade")


def altitude_terms(altitude_m: np.ndarray) -> np.ndarray:
    return _band(altitude_m, ALTITUDE_BANDS, "altitude")


def curvature(coords_ll: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Total turning per km (degrees/km) of each line; line i is coords_ll[offsets[i]:offsets[i + 1]]."""
    n = len(offsets) - 1
    if n <= 0:
        return np.zeros(0)
    x = coords_ll[:, 0] * _M_PER_DEG_LON
    y = coords_ll[:, 1] * _M_PER_DEG_LAT
    dx, dy = np.diff(x), np.diff(y)
    line = np.repeat(np.arange(n), np.diff(offsets))
    same = line[1:] == line[:-1]  # step i joins vertex i and i + 1 of one line
    heading = np.arctan2(dy, dx)
    step = np.hypot(dx, dy)
    turn = np.abs((np.diff(heading) + np.pi) % (2 * np.pi) - np.pi)
    both = same[1:] & same[:-1] & (step[1:] > 0) & (step[:-1] > 0)  # a vertex inside one line
    turn_deg = np.where(both, np.degrees(turn), 0.0)
    total = np.bincount(line[1:-1], weights=turn_deg, minlength=n)
    length = np.bincount(line[1:], weights=np.where(same, step, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(length > 0, total / (length / 1000.0), 0.0)


def midpoints(coords_ll: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The point halfway along each line in lon/lat (planar, as ST_LineInterpolatePoint(geom, 0.5) on a
    lon/lat line); line i is coords_ll[offsets[i]:offsets[i + 1]]."""
    n = len(offsets) - 1
    if n <= 0:
        return np.zeros((0, 2))
    start, end = offsets[:-1], offsets[1:] - 1
    line = np.repeat(np.arange(n), np.diff(offsets))
    step = np.hypot(*np.diff(coords_ll, axis=0).T)
    step[line[1:] != line[:-1]] = 0.0  # no step between two lines
    along = np.concatenate([[0.0], np.cumsum(step)])
    target = (along[start] + along[end]) / 2.0
    k = np.clip(np.searchsorted(along, target, side="right") - 1, start, np.maximum(end - 1, start))
    seg = np.where(k < end, step[np.minimum(k, len(step) - 1)] if len(step) else 0.0, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(seg > 0, (target - along[k]) / np.where(seg > 0, seg, 1.0), 0.0)
    nxt = np.minimum(k + 1, end)
    return coords_ll[k] + t[:, None] * (coords_ll[nxt] - coords_ll[k])


def nearest(lon: np.ndarray, lat: np.ndarray, to_lon: np.ndarray, to_lat: np.ndarray) -> np.ndarray:
    """Index of the nearest of the `to` points for each point (-1 when there are none)."""
    from scipy.spatial import cKDTree

    if not len(to_lon):
        return np.full(len(lon), -1, dtype=np.int64)
    tree = cKDTree(np.column_stack([np.asarray(to_lon) * _M_PER_DEG_LON, np.asarray(to_lat) * _M_PER_DEG_LAT]))
    _, idx = tree.query(np.column_stack([np.asarray(lon) * _M_PER_DEG_LON, np.asarray(lat) * _M_PER_DEG_LAT]))
    return np.asarray(idx, dtype=np.int64)


def static_terms(
    road_class: np.ndarray,
    zones: list[list[str]] | np.ndarray,
    curvature_deg_km: np.ndarray,
    grade_pct: np.ndarray,
    altitude_m: np.ndarray,
) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """The distinct groups of static terms (each a sorted tuple: class first) and each segment's group."""
    curve = curvature_terms(curvature_deg_km)
    grade = grade_terms(grade_pct)
    alt = altitude_terms(altitude_m)
    keys = [
        (f"class:{c}", *sorted(t for t in (cv, g, a) if t), *sorted(f"zone:{z}" for z in zs))
        for c, zs, cv, g, a in zip(
            road_class.tolist(), zones, curve.tolist(), grade.tolist(), alt.tolist(), strict=True
        )
    ]
    index: dict[tuple[str, ...], int] = {}
    grp = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(keys))
    return list(index), grp

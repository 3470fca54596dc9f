"""The risk model's bands (analysis/risk_terms.py) without a database: hour bands, weather classes,
curvature and midpoints of lines, the weather history's text form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import shapely

from analysis import risk_terms as rt
from analysis.weather_history import _LOOKUP, encode

KM_LON = 1000.0 / (111_320.0 * np.cos(np.radians(27.5)))  # degrees of longitude per km at 27.5° N
KM_LAT = 1000.0 / 110_880.0


def test_hour_bands_in_beijing_time() -> None:
    assert [rt.HOUR_BANDS[b] for b in rt.hour_band(np.array([0, 5, 6, 8, 9, 16, 17, 19, 20, 23]))] == [
        "night", "night", "morning_peak", "morning_peak", "day", "day", "evening_peak", "evening_peak",
        "late_evening", "late_evening",
    ]  # fmt: skip
    assert rt.local_hour(datetime(2026, 1, 1, 23, 30, tzinfo=UTC)) == 7  # 07:30 in Beijing
    assert rt.local_hour(datetime(2026, 1, 1, 7, 30)) == 7  # naive: Beijing time


def test_weather_class_of_a_reading_ice_before_fog_before_rain() -> None:
    assert rt.classify(None, None, None) == 0
    assert rt.classify(5000, 3.0, 0.0) == 0
    assert rt.classify(5000, 3.0, 1.2) == 1
    assert rt.classify(999, 3.0, 1.2) == 2
    assert rt.classify(1000, None, None) == 0  # fog is below 1 km
    assert rt.classify(300, 0.0, 1.2) == 3
    assert rt.WEATHER_CLASSES[rt.classify(300, -2.0, None)] == "ice"


def test_curvature_is_the_turning_per_km() -> None:
    straight = [[112.0, 28.0], [112.0 + KM_LON, 28.0], [112.0 + 2 * KM_LON, 28.0]]
    corner = [[112.0, 28.0], [112.0 + KM_LON, 28.0], [112.0 + KM_LON, 28.0 + KM_LAT]]  # 90° over 2 km
    zigzag = [[112.0, 28.0], [112.0 + 0.5 * KM_LON, 28.0], [112.0 + 0.5 * KM_LON, 28.0 + 0.5 * KM_LAT],
              [112.0 + KM_LON, 28.0 + 0.5 * KM_LAT]]  # two 90° turns over 1.5 km  # fmt: skip
    coords = np.array(straight + corner + zigzag)
    values = rt.curvature(coords, np.array([0, 3, 6, 10]))
    assert np.allclose(values, [0.0, 45.0, 120.0], atol=0.5)
    assert list(rt.curvature_terms(values)) == ["", "", "curve:winding"]
    assert list(rt.grade_terms(np.array([-7.0, 4.0, np.nan]))) == ["grade:steep", "grade:moderate", ""]


def test_midpoints_agree_with_shapely() -> None:
    rng = np.random.default_rng(7)
    counts = rng.integers(2, 7, 2000)
    coords = np.cumsum(rng.normal(0, 0.01, (counts.sum(), 2)), axis=0) + [112.0, 28.0]
    coords[1] = coords[0]  # a line of no length
    offsets = np.concatenate([[0], np.cumsum(counts)])
    lines = shapely.linestrings(coords, indices=np.repeat(np.arange(len(counts)), counts))
    expected = shapely.get_coordinates(shapely.line_interpolate_point(lines, 0.5, normalized=True))
    assert np.allclose(rt.midpoints(coords, offsets), expected, rtol=0, atol=1e-12)


def test_weather_history_text_round_trips() -> None:
    classes = np.array([[0, 1, 2, 3, -1, 0] * 4, [3] * 24], dtype=np.int8)
    rows = encode(classes)
    assert rows[0][:6] == "crfi-c" and rows[1] == "i" * 24
    back = _LOOKUP[np.frombuffer("".join(rows).encode(), dtype=np.uint8)].reshape(-1, 24)
    assert np.array_equal(back, classes)
    assert timedelta(hours=rt.HOURS_PER_YEAR) == timedelta(days=365.25)

"""WGS84 ⇄ GCJ-02 ⇄ BD-09 conversions: round trips over Hunan, the known offset, nothing outside China."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis import chinacrs
from gis.settings import HUNAN_SERVICE_AREA

MIN_LON, MIN_LAT, MAX_LON, MAX_LAT = HUNAN_SERVICE_AREA
hunan_lon = st.floats(min_value=MIN_LON, max_value=MAX_LON, allow_nan=False)
hunan_lat = st.floats(min_value=MIN_LAT, max_value=MAX_LAT, allow_nan=False)
# Points well outside the GCJ-02 region (73.66–135.05 E, 3.86–53.55 N): the Americas, Europe, the south.
outside_lon = st.one_of(st.floats(-180, 73.0), st.floats(136.0, 180))
any_lat = st.floats(-89.9, 89.9)


@settings(max_examples=300, deadline=None)
@given(hunan_lon, hunan_lat)
def test_gcj02_round_trip_over_hunan_is_within_a_micro_degree(lon, lat):
    back_lon, back_lat = chinacrs.gcj02_to_wgs84(*chinacrs.wgs84_to_gcj02(lon, lat))

    assert abs(float(back_lon) - lon) < 1e-6 and abs(float(back_lat) - lat) < 1e-6


@settings(max_examples=300, deadline=None)
@given(hunan_lon, hunan_lat)
def test_bd09_round_trip_over_hunan_is_within_a_micro_degree(lon, lat):
    back_lon, back_lat = chinacrs.to_wgs84("bd09", *chinacrs.from_wgs84("bd09", lon, lat))

    assert abs(float(back_lon) - lon) < 1e-6 and abs(float(back_lat) - lat) < 1e-6


@settings(max_examples=100, deadline=None)
@given(hunan_lon, hunan_lat)
def test_gcj02_offset_in_hunan_is_a_few_hundred_metres(lon, lat):
    g_lon, g_lat = chinacrs.wgs84_to_gcj02(lon, lat)
    dx = (float(g_lon) - lon) * 111_320 * np.cos(np.radians(lat))
    dy = (float(g_lat) - lat) * 110_950

    assert 200 < np.hypot(dx, dy) < 800


def test_offset_at_changsha_matches_the_published_value():
    lon, lat = 112.9388, 28.2282  # Changsha, WGS84

    g_lon, g_lat = chinacrs.wgs84_to_gcj02(lon, lat)

    assert float(g_lon) - lon == pytest.approx(0.0054, abs=0.0002)
    assert float(g_lat) - lat == pytest.approx(-0.0035, abs=0.0002)


@settings(max_examples=200, deadline=None)
@given(outside_lon, any_lat)
def test_points_outside_china_are_unchanged_by_gcj02(lon, lat):
    to_lon, to_lat = chinacrs.wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = chinacrs.gcj02_to_wgs84(lon, lat)

    assert (float(to_lon), float(to_lat)) == (lon, lat)
    assert (float(back_lon), float(back_lat)) == (lon, lat)


def test_arrays_convert_element_by_element():
    lons = np.array([112.9388, 2.35, 110.0])
    lats = np.array([28.2282, 48.85, 26.0])

    g_lon, g_lat = chinacrs.wgs84_to_gcj02(lons, lats)

    assert g_lon.shape == (3,) and (g_lon[1], g_lat[1]) == (2.35, 48.85)
    assert g_lon[0] == chinacrs.wgs84_to_gcj02(112.9388, 28.2282)[0]

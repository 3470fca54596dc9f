"""The compiled coordinates writer (routing/coords_json.py) writes exactly orjson's bytes for np.round(coords, 7)."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from routing.coords_json import coordinates_fragment, coordinates_json


def _orjson(coords: np.ndarray) -> bytes:
    return orjson.dumps(np.round(coords, 7), option=orjson.OPT_SERIALIZE_NUMPY)


@pytest.mark.parametrize("scale", [1e-3, 0.05, 1.0, 7.4, 113.0, 180.0, 1e4, 999_999.0])
def test_random_values_match_orjson(scale: float) -> None:
    rng = np.random.default_rng(int(scale * 1000) % 2**32)
    coords = rng.uniform(-scale, scale, size=(20_000, 2))
    assert coordinates_json(coords) == _orjson(coords)


def test_few_decimals_and_whole_numbers_match_orjson() -> None:
    rng = np.random.default_rng(7)
    # Values with 0–7 decimals: trailing zeros must be dropped as orjson drops them ("112.5", "112.0").
    base = rng.integers(-180_0000000, 180_0000000, size=(20_000, 2)).astype(np.float64)
    for decimals in range(8):
        coords = np.round(base / 1e7, decimals)
        assert coordinates_json(coords) == _orjson(coords)
    special = np.array([[0.0, -0.0], [-1e-9, 1e-9], [112.0, -112.0], [0.001, 179.9999999], [10.00000004, -0.00100005]])
    assert coordinates_json(special) == _orjson(special)


def test_values_orjson_writes_otherwise_are_left_to_it() -> None:
    # Exponents (1e-7), large magnitudes, non-finite values (null) and empty arrays: orjson's own text.
    for coords in (
        np.array([[1e-7, 28.0]]),
        np.array([[112.0, 5e-4]]),
        np.array([[2e9, 1.0]]),
        np.array([[np.nan, 1.0]]),
        np.array([[np.inf, 1.0]]),
        np.empty((0, 2)),
    ):
        assert coordinates_json(coords) == _orjson(coords)


def test_fragment_inside_a_document() -> None:
    coords = np.array([[112.9388, 28.2282], [112.94, 28.23]])
    doc = {"type": "LineString", "coordinates": coordinates_fragment(coords)}
    assert orjson.dumps(doc) == orjson.dumps({"type": "LineString", "coordinates": np.round(coords, 7).tolist()})

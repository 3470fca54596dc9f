"""The compiled route helpers give the very numbers of their Python references."""

from __future__ import annotations

import numpy as np
import pytest

from routing import geometry, route_kernels
from routing.text import bearing_deg


@pytest.mark.parametrize("n", [1, 2, 3, 5, 20])
def test_substring_equals_the_numpy_one(n):
    rng = np.random.default_rng(n)
    for _ in range(200):
        coords = np.cumsum(rng.normal(0, 1e-3, (n, 2)), axis=0) + [112.0, 28.0]
        if rng.random() < 0.1:
            coords[:] = coords[0]  # a zero-length line
        lo, hi = sorted(rng.uniform(-0.1, 1.1, 2))
        assert np.array_equal(route_kernels.substring(coords, lo, hi), geometry.substring(coords, lo, hi))


def test_group_headings_are_the_bearings_of_the_first_and_last_distinct_vertices():
    xy = np.array([[112.0, 28.0], [112.0, 28.0], [112.0, 28.01], [112.01, 28.01], [112.01, 28.01], [112.02, 28.0]])
    lo, hi = np.array([0, 2]), np.array([3, 6])  # two pieces, one group each, then both in one group
    for bounds in (np.array([0, 1, 2]), np.array([0, 2])):
        chord, first, last = route_kernels.group_headings(xy, lo, hi, bounds)
        for g in range(len(bounds) - 1):
            a, d = lo[bounds[g]], hi[bounds[g + 1] - 1]
            piece_first = xy[lo[bounds[g]] : hi[bounds[g]]]
            piece_last = xy[lo[bounds[g + 1] - 1] : d]
            nxt = next(p for p in piece_first[1:] if (abs(p - piece_first[0]) > 1e-9).any())
            prv = next(p for p in piece_last[-2::-1] if (abs(p - piece_last[-1]) > 1e-9).any())
            assert chord[g] == bearing_deg(*xy[a], *xy[d - 1])
            assert first[g] == bearing_deg(*piece_first[0], *nxt)
            assert last[g] == bearing_deg(*prv, *piece_last[-1])


@pytest.mark.parametrize("n", [1, 2, 4, 12])
def test_point_at_equals_interpolate(n):
    rng = np.random.default_rng(100 + n)
    for _ in range(200):
        coords = np.cumsum(rng.normal(0, 1e-3, (n, 2)), axis=0) + [112.0, 28.0]
        fraction = float(rng.uniform(-0.1, 1.1))
        assert route_kernels.point_at(coords, fraction) == geometry.interpolate(coords, fraction)


def test_gather_arcs_and_drop_repeats_equal_the_numpy_ways():
    rng = np.random.default_rng(9)
    counts = rng.integers(2, 6, 50)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    coords = rng.uniform(112, 113, (ptr[-1], 2))
    arcs = rng.integers(0, 100, 40).astype(np.int64)
    xy, offsets = route_kernels.gather_arcs(coords, ptr, arcs)
    expected = [coords[ptr[a >> 1] : ptr[(a >> 1) + 1]][:: -1 if a & 1 else 1] for a in arcs.tolist()]
    assert np.array_equal(xy, np.concatenate(expected))
    assert np.array_equal(np.diff(offsets), [len(e) for e in expected])
    line = np.repeat(xy, rng.integers(1, 3, len(xy)), axis=0)
    keep = np.ones(len(line), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(line, axis=0)) > 1e-9, axis=1)
    assert np.array_equal(route_kernels.drop_repeats(line), line[keep])

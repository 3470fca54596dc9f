"""The compiled nearest-segment search equals the vectorised reference on random networks."""

from __future__ import annotations

import numpy as np
import pytest

from routing.geometry import SegmentGrid, interpolate


def _reference(grid: SegmentGrid, lon: float, lat: float, radius_m: float, preferred: np.ndarray | None):
    cand = grid.candidates(lon, lat, radius_m)
    dist, frac = grid.distances(cand, lon, lat)
    keep = dist <= radius_m
    cand, dist, frac = cand[keep], dist[keep], frac[keep]
    if len(cand) == 0:
        return None
    if preferred is not None and preferred[cand].any():
        ok = preferred[cand]
        cand, dist, frac = cand[ok], dist[ok], frac[ok]
    best = np.lexsort((cand, dist))[0]
    return int(cand[best]), float(dist[best]), float(frac[best])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_equals_the_vectorised_search(seed):
    rng = np.random.default_rng(seed)
    n = 400
    counts = rng.integers(2, 7, n)
    starts = rng.uniform([112.90, 28.10], [113.00, 28.20], (n, 2))
    steps = rng.normal(0, 0.002, (counts.sum(), 2))
    owner = np.repeat(np.arange(n), counts)
    coords = (
        starts[owner]
        + np.cumsum(steps, axis=0)
        - np.repeat(np.cumsum(steps, axis=0)[np.cumsum(counts) - counts], counts, axis=0)
    )
    coords[np.cumsum(counts)[::7] - 1] = coords[np.cumsum(counts)[::7] - 2]  # some zero-length pieces
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    grid = SegmentGrid(coords, ptr)
    preferred = rng.random(n) < 0.7
    for lon, lat in rng.uniform([112.88, 28.08], [113.02, 28.22], (300, 2)):
        for radius, pref in ((500.0, None), (500.0, preferred), (60.0, preferred), (5_000.0, None)):
            expected = _reference(grid, lon, lat, radius, pref)
            found = grid.nearest(lon, lat, radius, pref)
            if expected is None:
                assert found is None
                continue
            assert found is not None
            assert found[0] == expected[0]
            assert found[1] == pytest.approx(expected[1], abs=1e-6)
            assert found[2] == pytest.approx(expected[2], abs=1e-9)


def test_the_nearest_point_lies_at_the_fraction_found():
    rng = np.random.default_rng(7)
    counts = rng.integers(2, 6, 50)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    coords = np.cumsum(rng.normal(0, 0.001, (ptr[-1], 2)), axis=0) + [112.95, 28.15]
    grid = SegmentGrid(coords, ptr)
    for lon, lat in rng.uniform([112.93, 28.13], [112.97, 28.17], (200, 2)):
        for radius in (500.0, 1e7):  # the compiled search and the every-segment one
            found = grid.nearest(lon, lat, radius)
            if found is None:
                continue
            seg, _, frac, x, y = found
            assert (x, y) == interpolate(coords[ptr[seg] : ptr[seg + 1]], frac)

"""The zones a route enters on each piece (routing/hazard_notes.py's array grouping) against the plain
loop over pieces it replaced, on random legs over random zone memberships."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from routing.hazard_notes import _zones_entered
from routing.overlay import Overlay, zone_csr


def reference(graph, seg_hazards, segs, back, pieces, metres, seen):
    """zone → [first piece, stake entered, stake left (last finite one), metres inside], piece by piece."""
    found: dict[int, list] = {}
    for i in pieces.tolist():
        seg = int(segs[i])
        enter, leave = (graph.seg_end_stake[seg], graph.seg_start_stake[seg])[:: -1 if not back[i] else 1]
        for z in seg_hazards.get(seg, ()):
            if z in seen:
                continue
            hit = found.get(z)
            if hit is None:
                found[z] = [i, float(enter), float(leave), float(metres[i])]
            else:
                if np.isfinite(leave):
                    hit[2] = float(leave)
                hit[3] += float(metres[i])
    return found


@pytest.mark.parametrize("seed", range(40))
def test_array_grouping_matches_the_loop(seed):
    rng = np.random.default_rng(seed)
    n_seg, n_zone = 60, 8
    start = rng.uniform(0, 50_000, n_seg)
    end = start + rng.uniform(10, 900, n_seg)
    start[rng.random(n_seg) < 0.2] = np.nan  # roads without stakes
    end[rng.random(n_seg) < 0.2] = np.nan
    graph = SimpleNamespace(seg_start_stake=start, seg_end_stake=end, n_segments=n_seg)
    seg_hazards = {
        s: set(rng.choice(n_zone, size=rng.integers(1, 4), replace=False).tolist())
        for s in range(n_seg)
        if rng.random() < 0.5
    }
    overlay = Overlay(cost=np.ones(2 * n_seg), at=None)  # type: ignore[arg-type]
    overlay.seg_hazards = seg_hazards
    legs = rng.integers(1, 80)
    segs = rng.integers(0, n_seg, legs).astype(np.int64)
    back = rng.random(legs) < 0.5
    metres = rng.uniform(1, 500, legs)
    mask = np.zeros(n_seg, dtype=bool)
    mask[list(seg_hazards)] = True
    pieces = np.flatnonzero(mask[segs])
    seen = set(rng.choice(n_zone, size=rng.integers(0, 3), replace=False).tolist())
    want = reference(graph, seg_hazards, segs, back, pieces, metres, seen)
    got = _zones_entered(graph, overlay, segs, back, pieces, metres, seen)  # type: ignore[arg-type]
    assert set(got) == set(want)
    for z, (first, enter, leave, inside) in got.items():
        w = want[z]
        assert first == w[0]
        np.testing.assert_equal([enter, leave], [w[1], w[2]])  # NaN where the road has no stakes
        assert inside == pytest.approx(w[3], rel=1e-12)


def test_csr_lists_each_segments_zones():
    ptr, ids = zone_csr({2: {7, 3}, 0: {1}}, 4)
    assert ptr.tolist() == [0, 1, 1, 3, 3]
    assert ids.tolist() == [1, 3, 7]

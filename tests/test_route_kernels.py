"""The compiled route helpers give the very numbers of their Python references."""

from __future__ import annotations

import numpy as np
import pytest

from routing import geometry, route_kernels
from routing.kernel_args import Driven, Segments
from routing.text import bearing_deg, distance_text


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


def _reference_leg(coords, ptr, length_m, cls, route, name, cost, arcs, first_part, last_part, start_fraction):
    """The step table the slow way: numpy pieces, then a Python loop over the runs of one road."""
    link, expressway = 5, 0

    def piece(arc, lo, hi, cut):
        c = coords[ptr[arc >> 1] : ptr[(arc >> 1) + 1]]
        c = geometry.substring(c, lo, hi) if cut else c
        return c[::-1] if arc & 1 else c

    n = len(arcs)
    share = np.ones(n)
    if n == 1:
        share[0] = first_part
        a, b = (
            (start_fraction, start_fraction + first_part)
            if arcs[0] % 2 == 0
            else (start_fraction - first_part, start_fraction)
        )
        blocks = [piece(arcs[0], max(a, 0.0), min(b, 1.0), True)]
    else:
        share[0], share[-1] = first_part, last_part
        f, t = arcs[0], arcs[-1]
        head = piece(f, *((1 - first_part, 1.0) if f % 2 == 0 else (0.0, first_part)), first_part < 1 - 1e-9)
        tail = piece(t, *((0.0, last_part) if t % 2 == 0 else (1 - last_part, 1.0)), last_part < 1 - 1e-9)
        blocks = [head] + [piece(a, 0.0, 1.0, False) for a in arcs[1:-1]] + [tail]
    xy = np.concatenate(blocks)
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in blocks])])
    lo, hi = offsets[:-1], offsets[1:]
    metres, secs = share * length_m[arcs >> 1], share * cost[arcs]
    keep = metres > 0
    if n > 1 and not keep.all() and keep.any():
        arcs, metres, secs, lo, hi = arcs[keep], metres[keep], secs[keep], lo[keep], hi[keep]
    segs = arcs >> 1
    keys = [-1 if cls[s] == link else route[s] if route[s] >= 0 else 10_000_000 + name[s] if name[s] >= 0 else
            20_000_000 + int(cls[s]) for s in segs]  # fmt: skip
    bounds = [i for i in range(len(segs)) if i == 0 or keys[i] != keys[i - 1]] + [len(segs)]
    cum_m, cum_s = np.concatenate([[0.0], np.cumsum(metres)]), np.concatenate([[0.0], np.cumsum(secs)])
    rows, prev = [], None
    for g in range(len(bounds) - 1):
        a, b = bounds[g], bounds[g + 1]
        run = xy[lo[a] : hi[b - 1]]
        dist = cum_m[b] - cum_m[a]
        first_xy = next((p for p in xy[lo[a] + 1 : hi[a]] if (abs(p - xy[lo[a]]) > 1e-9).any()), None)
        first = bearing_deg(*xy[lo[a]], *first_xy) if first_xy is not None else 0.0
        last_xy = next((p for p in xy[lo[b - 1] : hi[b - 1] - 1][::-1] if (abs(p - run[-1]) > 1e-9).any()), None)
        last = bearing_deg(*last_xy, *run[-1]) if last_xy is not None else 0.0
        c = cls[segs[a]]
        if g == 0:
            man, mod = route_kernels.DEPART, "straight"
        elif c == link:
            man, mod = route_kernels.RAMP, "straight"
        elif cls[segs[a - 1]] == link and c == expressway:
            man, mod = route_kernels.MERGE, "straight"
        else:
            man, mod = route_kernels.TURN, turn_kind(((first - (prev or first)) + 540.0) % 360.0 - 180.0)
        prev = last
        exit_arc = arcs[b - 1] if c == expressway and g + 2 < len(bounds) and cls[segs[b]] == link else -1
        heading = bearing_deg(*run[0], *run[-1]) if dist > 0 else 0.0
        rows.append((
            [a, b, c, route[segs[a]], name[segs[a]], man, route_kernels.MODIFIERS.index(mod),
             int(((heading % 360) + 22.5) // 45) % 8, round(first), exit_arc],
            [dist, cum_s[b] - cum_s[a], *xy[lo[a]], round(dist, 1), round(cum_s[b] - cum_s[a], 1),
             round(xy[lo[a], 0], 7), round(xy[lo[a], 1], 7)],
        ))  # fmt: skip
    return arcs, metres, secs, xy, rows


def turn_kind(angle: float) -> str:
    """The turn thresholds as documented in routing.text."""
    a = abs(angle)
    side = "right" if angle > 0 else "left"
    return "straight" if a < 20 else f"slight {side}" if a < 45 else side if a < 135 else (
        f"sharp {side}" if a < 170 else "uturn")  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_leg_steps_equal_the_slow_way(seed):
    rng = np.random.default_rng(seed)
    n_segs = 40
    counts = rng.integers(2, 7, n_segs)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    coords = np.cumsum(rng.normal(0, 2e-3, (ptr[-1], 2)), axis=0) + [112.0, 28.0]
    coords[rng.random(len(coords)) < 0.1] = coords[0]  # repeated vertices and zero-length pieces
    for s in rng.choice(n_segs, 4, replace=False):  # segments without a heading of their own
        coords[ptr[s] : ptr[s + 1]] = coords[ptr[s]]
    length_m = np.round(rng.uniform(0, 3000, n_segs), 2)  # round metres: ties in the rounding
    length_m[rng.random(n_segs) < 0.1] = 0.0
    cls = rng.choice([0, 1, 5], n_segs).astype(np.int8)
    route = rng.choice([-1, 0, 1, 2], n_segs).astype(np.int32)
    name = rng.choice([-1, 0, 1], n_segs).astype(np.int32)
    cost = np.round(rng.uniform(1, 100, 2 * n_segs), 1)
    words_by_key: dict[int, tuple] = {}
    for _ in range(60):
        arcs = rng.integers(0, 2 * n_segs, int(rng.integers(1, 12))).astype(np.int64)
        first_part, last_part = (float(x) for x in rng.choice([0.0, 0.3, 0.5, 1.0, 1 - 1e-6, rng.random()], 2))
        start = float(rng.random())
        segments = Segments(coords=coords, ptr=ptr, length_m=length_m, road_class=cls, route=route, name=name)
        driven = Driven(arcs=arcs, first_part=first_part, last_part=last_part, start_fraction=start)
        got = route_kernels.leg_steps(tuple(segments), cost, tuple(driven), 5, 0)
        arcs_r, metres_r, secs_r, xy_r, rows = _reference_leg(
            coords, ptr, length_m, cls, route, name, cost, arcs, first_part, last_part, start
        )
        for a, b in zip(got[:4], (arcs_r, metres_r, secs_r, xy_r), strict=True):
            assert np.array_equal(a, b)
        ints, flts = got[4], got[5]
        assert len(ints) == len(rows)
        for (want_i, want_f), gi, gf in zip(rows, ints.tolist(), flts.tolist(), strict=True):
            assert gi[:10] == want_i
            words = (gi[3], gi[4], int(gi[2] == 5), gi[5], gi[6], gi[7])  # what a step's words depend on
            assert words_by_key.setdefault(gi[11], words) == words
            assert gf[:4] == want_f[:4]
            if not gi[10]:  # not near a tie: the compiled rounding is Python's
                assert gf[4:] == want_f[4:]


def test_turn_and_compass_codes_follow_their_thresholds():
    for angle in np.linspace(-180, 180, 7201).tolist() + [19.999, 20.0, -45.0, 134.9, 170.0]:
        assert route_kernels.MODIFIERS[route_kernels.turn_code(angle)] == turn_kind(angle)
    for bearing in np.linspace(0, 359.99, 3600).tolist():
        assert route_kernels.compass_code(bearing) == int(((bearing % 360) + 22.5) // 45) % 8


def test_distance_codes_name_the_distance_shown():
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [
            rng.uniform(0, 200_000, 20_000),
            np.round(rng.uniform(0, 5_000, 5_000), 2),
            [49.5, 50, 999.9, 1000, 1049.999, 1050],
        ]
    )
    for metres in values.tolist():
        code, tie = route_kernels._distance_code(metres)
        shown = f"{code} m" if code >= 0 else distance_text(-code * 100.0, "en")
        assert tie or shown == distance_text(metres, "en"), metres
    assert [distance_text(m, "zh-CN") for m in (7.4, 994.0, 995.0, 1049.0, 32_480.0)] == [
        "7米", "990米", "1公里", "1公里", "32.5公里"
    ]  # fmt: skip


def test_route_roads_lists_segments_routes_and_names_once_in_order():
    rng = np.random.default_rng(12)
    seg_route = rng.integers(-1, 4, 30).astype(np.int32)
    seg_name = rng.integers(-1, 6, 30).astype(np.int32)
    for _ in range(200):
        arcs = rng.integers(0, 60, int(rng.integers(0, 25))).astype(np.int64)
        arcs = np.repeat(arcs, rng.integers(1, 3, len(arcs)))  # both directions of a segment in a row, too
        segs, routes, names = route_kernels.route_roads(arcs, seg_route, seg_name)
        expected = [s for i, s in enumerate((arcs >> 1).tolist()) if i == 0 or s != arcs[i - 1] >> 1]
        assert segs.tolist() == expected
        assert routes.tolist() == [r for r in dict.fromkeys(seg_route[expected].tolist()) if r >= 0]
        assert names.tolist() == [m for m in dict.fromkeys(seg_name[expected].tolist()) if m >= 0]

"""Camera spacing gaps and the greedy placement: hand-checked cases and properties against exhaustive search."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.gaps import cameras_needed, close_gaps, spacing_gaps
from planning.intervals import cut, distance_to, intersect, union
from planning.linear import build_line


def test_ten_km_route_with_cameras_at_known_stakes_has_exact_gaps_and_additions():
    # K0–K10, cameras at K1+000, K2+500 and K9+000, one point per 2 km.
    runs = [(0.0, 10_000.0)]
    cams = [1_000.0, 2_500.0, 9_000.0]
    gaps = spacing_gaps(runs, cams, 2_000.0)
    assert [(g.from_m, g.to_m, g.from_camera, g.to_camera) for g in gaps] == [(2_500.0, 9_000.0, True, True)]
    assert close_gaps(runs, cams, 2_000.0) == [4_500.0, 6_500.0, 8_500.0]


def test_ten_km_route_end_stretches_count_as_gaps():
    # A camera only at K3+000 with one point per 2 km: K0–K3 and K3–K10 are both too long.
    gaps = spacing_gaps([(0.0, 10_000.0)], [3_000.0], 2_000.0)
    assert [(g.from_m, g.to_m, g.from_camera, g.to_camera) for g in gaps] == [
        (0.0, 3_000.0, False, True),
        (3_000.0, 10_000.0, True, False),
    ]
    assert close_gaps([(0.0, 10_000.0)], [3_000.0], 2_000.0) == [2_000.0, 5_000.0, 7_000.0, 9_000.0]


def test_route_without_camera_needs_ceil_minus_one():
    assert close_gaps([(0.0, 10_000.0)], [], 10_000.0) == []
    assert close_gaps([(0.0, 10_001.0)], [], 10_000.0) == [10_000.0]
    assert cameras_needed(20_000.0, 10_000.0) == 1
    assert cameras_needed(20_000.6, 10_000.0) == 2


def test_exactly_the_spacing_is_not_a_gap():
    assert spacing_gaps([(0.0, 4_000.0)], [2_000.0], 2_000.0) == []


def test_cameras_outside_the_run_are_ignored_and_runs_are_independent():
    runs = [(0.0, 3_000.0), (5_000.0, 8_000.0)]
    gaps = spacing_gaps(runs, [1_500.0, 20_000.0], 2_000.0)
    assert [(g.from_m, g.to_m) for g in gaps] == [(5_000.0, 8_000.0)]


def _feasible(runs: list[tuple[float, float]], cams: list[float], spacing: float) -> bool:
    return not spacing_gaps(runs, cams, spacing)


runs_strategy = st.lists(st.integers(1, 30), min_size=1, max_size=3).map(
    lambda lengths: [
        (float(sum(lengths[:i]) + 2 * i), float(sum(lengths[: i + 1]) + 2 * i)) for i in range(len(lengths))
    ]
)


@settings(max_examples=200, deadline=None)
@given(runs=runs_strategy, spacing=st.integers(1, 10), data=st.data())
def test_after_adding_the_suggested_cameras_no_gap_remains(runs, spacing, data):
    end = int(runs[-1][1])
    cams = data.draw(st.lists(st.integers(0, end), max_size=8, unique=True))
    added = close_gaps(runs, [float(c) for c in cams], float(spacing))
    assert _feasible(runs, [*map(float, cams), *added], float(spacing))
    # The count is the lower bound: the sum over stretches of ceil(L/N) - 1.
    bound = sum(cameras_needed(g.length_m, float(spacing)) for g in spacing_gaps(runs, cams, float(spacing)))
    assert len(added) == bound


@settings(max_examples=120, deadline=None)
@given(
    length=st.integers(2, 12),
    spacing=st.integers(2, 5),
    data=st.data(),
)
def test_one_fewer_camera_cannot_close_the_gaps_exhaustive(length, spacing, data):
    """Exact check by exhaustive search over integer positions.

    With integer run ends, cameras and spacing, integer positions lose nothing: flooring every new
    position of a feasible set keeps it feasible (⌊b⌋ − ⌊a⌋ ≤ N whenever b − a ≤ N), so the search
    over the grid finds the true minimum.
    """
    runs = [(0.0, float(length))]
    cams = [float(c) for c in data.draw(st.lists(st.integers(0, length), max_size=3, unique=True))]
    greedy = close_gaps(runs, cams, float(spacing))
    grid = [float(x) for x in range(length + 1)]
    best = None
    for k in range(len(greedy) + 1):
        if any(_feasible(runs, [*cams, *extra], float(spacing)) for extra in itertools.combinations(grid, k)):
            best = k
            break
    assert best == len(greedy)


def test_route_line_counts_overlapping_carriageways_once_and_reports_counties():
    # Two carriageways over the same stakes (merged undirected), then a hole, then another county.
    line = build_line(
        "G60",
        "expressway",
        "both",
        np.array([0.0, 0.0, 4_000.0, 10_000.0]),
        np.array([4_000.0, 4_000.0, 8_000.0, 12_000.0]),
        np.array([1, 2, 3, 4]),
        np.array(["430121", "430121", "430121", "431321"], dtype=object),
    )
    assert line.length_m == 10_000.0
    assert line.runs() == [(0.0, 8_000.0), (10_000.0, 12_000.0)]
    assert line.runs(join_tolerance_m=2_000.0) == [(0.0, 12_000.0)]
    assert line.length_by_county(3_000.0, 11_000.0) == {"430121": 5_000.0, "431321": 1_000.0}
    assert line.locate(9_000.0) == -1
    assert line.county[line.locate(11_000.0)] == "431321"
    pieces = line.pieces(3_000.0, 11_000.0)
    assert pieces[0][0] in (1, 2)  # either carriageway represents the shared stretch
    assert [p[1:] for p in pieces] == [(3_000.0, 4_000.0), (4_000.0, 8_000.0), (10_000.0, 11_000.0)]
    assert [p[0] for p in pieces[1:]] == [3, 4]


def test_interval_helpers():
    lo, hi = union(np.array([5.0, 0.0, 2.0]), np.array([6.0, 3.0, 4.0]))
    assert lo.tolist() == [0.0, 5.0] and hi.tolist() == [4.0, 6.0]
    c_lo, c_hi = intersect(lo, hi, np.array([1.0, 5.5]), np.array([2.0, 9.0]))
    assert list(zip(c_lo, c_hi, strict=True)) == [(1.0, 2.0), (5.5, 6.0)]
    assert cut(0.0, 10.0, np.array([0.0, 3.0, 12.0])) == [(0.0, 3.0), (3.0, 10.0)]
    assert distance_to(np.array([-1.0, 1.0, 4.5, 7.0]), lo, hi).tolist() == [1.0, 0.0, 0.5, 1.0]

"""Camera spacing gaps along a route and the provably minimal set of new positions that closes them.

A stretch without a camera is bounded by two cameras or by a camera and the end of a run of road
(or both ends, when a run has no camera). It is a gap when longer than the spacing N.

Why greedy is optimal: existing cameras split a run into independent stretches (a new camera inside
one stretch shortens no other). Inside a stretch of length L, k new cameras cut it into k + 1 pieces,
each at most N, so (k + 1)·N ≥ L and k ≥ ⌈L/N⌉ − 1. Placing cameras every N from one end reaches that
bound, so the sum over stretches of max(0, ⌈L/N⌉ − 1) is the minimum, and greedy attains it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Stakes are kept to the metre: a stretch must exceed the spacing by more than this to be a gap.
TOLERANCE_M = 0.5


@dataclass(frozen=True)
class Stretch:
    """A stretch of one run of road without a camera, bounded by cameras or run ends."""

    from_m: float
    to_m: float
    from_camera: bool
    to_camera: bool

    @property
    def length_m(self) -> float:
        """Length of the stretch (m)."""
        return self.to_m - self.from_m


def cameras_needed(length_m: float, spacing_m: float, *, tolerance_m: float = TOLERANCE_M) -> int:
    """Fewest new cameras that leave no piece of a `length_m` stretch longer than `spacing_m`."""
    if spacing_m <= 0:
        raise ValueError(f"spacing must be positive; got {spacing_m}")
    return max(0, math.ceil((length_m - tolerance_m) / spacing_m) - 1)


def spacing_gaps(
    runs: Sequence[tuple[float, float]],
    cameras_m: Sequence[float] | np.ndarray,
    spacing_m: float,
    *,
    tolerance_m: float = TOLERANCE_M,
) -> list[Stretch]:
    """Every stretch longer than `spacing_m` without a camera, over the runs (from, to) of one line."""
    cams = np.sort(np.asarray(cameras_m, dtype=float))
    gaps: list[Stretch] = []
    for lo, hi in runs:
        inside = cams[(cams >= lo - tolerance_m) & (cams <= hi + tolerance_m)]
        points = [lo, *np.clip(inside, lo, hi).tolist(), hi]
        bounded = [False, *([True] * len(inside)), False]
        for i in range(len(points) - 1):
            a, b = points[i], points[i + 1]
            if b - a > spacing_m + tolerance_m:
                gaps.append(Stretch(a, b, bounded[i], bounded[i + 1]))
    return gaps


def close_stretch(stretch: Stretch, spacing_m: float, *, tolerance_m: float = TOLERANCE_M) -> list[float]:
    """Greedy new positions in `stretch`: every `spacing_m` from its start; the fewest possible."""
    k = cameras_needed(stretch.length_m, spacing_m, tolerance_m=tolerance_m)
    return [stretch.from_m + spacing_m * (i + 1) for i in range(k)]


def close_gaps(
    runs: Sequence[tuple[float, float]],
    cameras_m: Sequence[float] | np.ndarray,
    spacing_m: float,
    *,
    tolerance_m: float = TOLERANCE_M,
) -> list[float]:
    """The minimal set of new camera stakes after which no stretch of the runs exceeds `spacing_m`."""
    out: list[float] = []
    for stretch in spacing_gaps(runs, cameras_m, spacing_m, tolerance_m=tolerance_m):
        out.extend(close_stretch(stretch, spacing_m, tolerance_m=tolerance_m))
    return out

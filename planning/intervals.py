"""Unions and intersections of stake intervals on one route (numpy, sorted, disjoint)."""

from __future__ import annotations

import numpy as np


def union(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of intervals [lo, hi] as sorted disjoint intervals."""
    if len(lo) == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(lo, kind="stable")
    lo, hi = np.asarray(lo, float)[order], np.asarray(hi, float)[order]
    reach = np.maximum.accumulate(hi)
    starts = np.ones(len(lo), bool)
    starts[1:] = lo[1:] > reach[:-1]
    idx = np.flatnonzero(starts)
    ends = np.append(idx[1:] - 1, len(lo) - 1)
    return lo[idx], reach[ends]


def intersect(a_lo: np.ndarray, a_hi: np.ndarray, b_lo: np.ndarray, b_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intersection of two sorted disjoint interval sets, as sorted disjoint intervals."""
    out_lo: list[float] = []
    out_hi: list[float] = []
    i = j = 0
    while i < len(a_lo) and j < len(b_lo):
        lo, hi = max(a_lo[i], b_lo[j]), min(a_hi[i], b_hi[j])
        if hi > lo:
            out_lo.append(float(lo))
            out_hi.append(float(hi))
        if a_hi[i] < b_hi[j]:
            i += 1
        else:
            j += 1
    return np.asarray(out_lo, float), np.asarray(out_hi, float)


def total(lo: np.ndarray, hi: np.ndarray) -> float:
    """Total length of disjoint intervals."""
    return float(np.sum(np.asarray(hi) - np.asarray(lo)))


def cut(lo: float, hi: float, at: np.ndarray) -> list[tuple[float, float]]:
    """[lo, hi] cut at the points of `at` strictly inside it."""
    inner = at[(at > lo) & (at < hi)]
    points = [lo, *np.sort(inner).tolist(), hi]
    return [(points[i], points[i + 1]) for i in range(len(points) - 1)]


def distance_to(points: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest of the sorted disjoint intervals (0 inside one); inf if none."""
    if len(lo) == 0:
        return np.full(len(points), np.inf)
    k = np.searchsorted(lo, points, side="right") - 1
    kk = np.clip(k, 0, len(lo) - 1)
    left = np.where(k >= 0, np.maximum(points - hi[kk], 0.0), np.inf)
    nxt = np.clip(k + 1, 0, len(lo) - 1)
    right = np.where(k + 1 < len(lo), np.maximum(lo[nxt] - points, 0.0), np.inf)
    return np.minimum(left, right)

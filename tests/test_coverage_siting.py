"""LSCP and MCLP solved by HiGHS agree with exhaustive search on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from planning.siting.solver import CoverInstance, solve_lscp, solve_mclp


@st.composite
def instances(draw: st.DrawFn) -> tuple[CoverInstance, np.ndarray]:
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 7))
    dense = np.array(draw(st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n)))
    weights = np.array(draw(st.lists(st.integers(1, 20), min_size=n, max_size=n)), float)
    costs = np.array(draw(st.lists(st.sampled_from([1.0, 1.5, 2.0, 3.0]), min_size=m, max_size=m)))
    pre = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    inst = CoverInstance(weights, costs, sparse.csr_matrix(dense.astype(float)), pre)
    return inst, dense


def _covered(dense: np.ndarray, pre: np.ndarray, chosen: tuple[int, ...]) -> np.ndarray:
    return pre | (dense[:, list(chosen)].any(axis=1) if chosen else np.zeros(len(pre), bool))


def _subsets(m: int):
    return itertools.chain.from_iterable(itertools.combinations(range(m), k) for k in range(m + 1))


@settings(max_examples=150, deadline=None)
@given(case=instances(), budget=st.sampled_from([0.0, 1.0, 2.0, 3.5, 5.0, 100.0]))
def test_mclp_matches_exhaustive_search(case, budget):
    inst, dense = case
    best = max(
        float(inst.weights[_covered(dense, inst.precovered, s)].sum())
        for s in _subsets(dense.shape[1])
        if inst.costs[list(s)].sum() <= budget + 1e-9
    )
    sol = solve_mclp(inst, budget)
    assert sol.optimal and sol.mip_gap <= 1e-9
    assert sol.cost <= budget + 1e-9
    assert sol.covered_weight == pytest.approx(best)


@settings(max_examples=150, deadline=None)
@given(case=instances())
def test_lscp_matches_exhaustive_search(case):
    inst, dense = case
    reachable = _covered(dense, inst.precovered, tuple(range(dense.shape[1])))
    best = min(
        float(inst.costs[list(s)].sum())
        for s in _subsets(dense.shape[1])
        if (_covered(dense, inst.precovered, s) == reachable).all()
    )
    sol = solve_lscp(inst)
    assert sol.optimal
    assert sol.cost == pytest.approx(best)
    assert sol.covered_weight == pytest.approx(float(inst.weights[reachable].sum()))
    assert sol.uncoverable_weight == pytest.approx(float(inst.weights[~reachable].sum()))


@settings(max_examples=100, deadline=None)
@given(case=instances(), share=st.sampled_from([0.25, 0.5, 0.8, 0.95]))
def test_partial_lscp_matches_exhaustive_search(case, share):
    inst, dense = case
    reachable = float(inst.weights[_covered(dense, inst.precovered, tuple(range(dense.shape[1])))].sum())
    goal = min(share * inst.total_weight, reachable)
    best = min(
        float(inst.costs[list(s)].sum())
        for s in _subsets(dense.shape[1])
        if inst.weights[_covered(dense, inst.precovered, s)].sum() >= goal - 1e-9
    )
    sol = solve_lscp(inst, min_share=share)
    assert sol.optimal
    assert sol.cost == pytest.approx(best)
    assert sol.covered_weight >= goal - 1e-6


def test_existing_facilities_are_fixed_and_nothing_left_needs_no_site():
    dense = np.array([[1, 0], [0, 1]], float)
    inst = CoverInstance(np.array([3.0, 4.0]), np.array([1.0, 1.0]), sparse.csr_matrix(dense), np.array([True, True]))
    sol = solve_lscp(inst)
    assert sol.optimal and len(sol.selected) == 0 and sol.covered_weight == 7.0


def test_negative_budget_is_refused():
    inst = CoverInstance(np.ones(1), np.ones(1), sparse.csr_matrix(np.ones((1, 1))), np.zeros(1, bool))
    with pytest.raises(ValueError, match="budget"):
        solve_mclp(inst, -1.0)

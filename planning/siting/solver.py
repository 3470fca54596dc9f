"""Location set covering (LSCP) and maximal covering (MCLP) as mixed-integer programs solved by HiGHS.

Facilities already built are fixed: the demand they cover is dropped before solving. Demand rows
with the same set of candidates are merged (weights summed), which changes no optimum. The
optimality gap HiGHS proves is reported with every answer; with the default `mip_rel_gap=0` an
answer is returned as optimal only when proven so.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

_BANNER_LOCK = threading.Lock()
_banner_done = False


@dataclass(frozen=True)
class CoverInstance:
    """Demand weights, candidate costs, which candidates cover which demand, and what is covered already."""

    weights: np.ndarray  # (n,) demand weight, e.g. km of road
    costs: np.ndarray  # (m,) cost of opening each candidate
    cover: sparse.csr_matrix  # (n, m) 1 where candidate j covers demand i
    precovered: np.ndarray  # (n,) bool: covered by a facility already built

    @property
    def total_weight(self) -> float:
        """All demand."""
        return float(self.weights.sum())

    @property
    def precovered_weight(self) -> float:
        """Demand covered before any new site."""
        return float(self.weights[self.precovered].sum())


@dataclass(frozen=True)
class SitingSolution:
    """Chosen candidates and how good the answer is proven to be."""

    problem: str  # "lscp" or "mclp"
    selected: np.ndarray  # candidate indices
    cost: float
    covered_weight: float  # including what existing facilities cover
    total_weight: float
    uncoverable_weight: float  # demand no candidate can reach
    objective: float
    bound: float
    mip_gap: float
    status: str
    optimal: bool
    seconds: float
    rows: int
    columns: int


def _highs() -> highspy.Highs:
    """A silent Highs instance (the first construction in a process prints a banner on fd 1)."""
    global _banner_done
    with _BANNER_LOCK:
        if _banner_done:
            h = highspy.Highs()
        else:
            saved = os.dup(1)
            try:
                with open(os.devnull, "wb") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


def _reduce(inst: CoverInstance) -> tuple[np.ndarray, sparse.csc_matrix, float]:
    """Open demand merged by identical candidate sets: (weights, matrix, uncoverable weight)."""
    cover = inst.cover.tocsr()
    open_rows = np.flatnonzero(~inst.precovered)
    sub = cover[open_rows]
    counts = np.diff(sub.indptr)
    uncoverable = float(inst.weights[open_rows[counts == 0]].sum())
    keep = open_rows[counts > 0]
    sub = cover[keep]
    merged: dict[bytes, int] = {}
    weights: list[float] = []
    rows: list[np.ndarray] = []
    for r in range(sub.shape[0]):
        cols = np.sort(sub.indices[sub.indptr[r] : sub.indptr[r + 1]])
        key = cols.tobytes()
        if key in merged:
            weights[merged[key]] += float(inst.weights[keep[r]])
        else:
            merged[key] = len(weights)
            weights.append(float(inst.weights[keep[r]]))
            rows.append(cols)
    n, m = len(rows), inst.cover.shape[1]
    indptr = np.zeros(n + 1, np.int64)
    indptr[1:] = np.cumsum([len(c) for c in rows])
    indices = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    matrix = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, m)).tocsc()
    return np.asarray(weights, float), matrix, uncoverable


def _model(mode: str, weights: np.ndarray, a: sparse.csc_matrix, costs: np.ndarray, rhs: float) -> highspy.HighsLp:
    """The MIP: x_j open candidate j (binary); for partial cover and MCLP also y_i, demand i covered (in [0, 1],
    integral at an optimum). cover_all: min c·x, A x ≥ 1. cover_weight: min c·x, y ≤ A x, w·y ≥ rhs.
    max_cover: max w·y, y ≤ A x, c·x ≤ rhs."""
    n, m = a.shape
    inf = highspy.kHighsInf
    if mode == "cover_all":
        matrix, col_cost = a, costs
        row_lower, row_upper = np.ones(n), np.full(n, inf)
        integrality = [highspy.HighsVarType.kInteger] * m
    else:
        last_x = sparse.csc_matrix(costs.reshape(1, -1)) if mode == "max_cover" else sparse.csc_matrix((1, m))
        last_y = sparse.csc_matrix(weights.reshape(1, -1)) if mode == "cover_weight" else sparse.csc_matrix((1, n))
        matrix = sparse.hstack(
            [sparse.vstack([-a, last_x]), sparse.vstack([sparse.identity(n, format="csc"), last_y])]
        ).tocsc()
        col_cost = (
            np.concatenate([costs, np.zeros(n)]) if mode == "cover_weight" else np.concatenate([np.zeros(m), weights])
        )
        row_lower = np.concatenate([np.full(n, -inf), [rhs if mode == "cover_weight" else -inf]])
        row_upper = np.concatenate([np.zeros(n), [rhs if mode == "max_cover" else inf]])
        integrality = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * n
    ncols = len(col_cost)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncols, len(row_lower)
    lp.col_cost_ = np.asarray(col_cost, float)
    lp.col_lower_ = np.zeros(ncols)
    lp.col_upper_ = np.ones(ncols)
    lp.row_lower_, lp.row_upper_ = np.asarray(row_lower, float), np.asarray(row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = integrality
    lp.sense_ = highspy.ObjSense.kMaximize if mode == "max_cover" else highspy.ObjSense.kMinimize
    return lp


def _solve(mode: str, inst: CoverInstance, *, rhs: float, time_limit_s: float, mip_rel_gap: float) -> SitingSolution:
    started = time.perf_counter()
    weights, a, uncoverable = _reduce(inst)
    n, m = a.shape
    costs = np.asarray(inst.costs, float)
    problem = "mclp" if mode == "max_cover" else "lscp"
    if n == 0 or (mode == "cover_weight" and rhs <= 0):
        # Nothing left to cover: no site is the optimum, proven without a solver.
        return SitingSolution(
            problem,
            np.zeros(0, np.int64),
            0.0,
            inst.precovered_weight,
            inst.total_weight,
            uncoverable,
            0.0,
            0.0,
            0.0,
            "Optimal",
            True,
            time.perf_counter() - started,
            n,
            m,
        )
    h = _highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("threads", 1)
    h.passModel(_model(mode, weights, a, costs, rhs))
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value) if has_solution else np.zeros(m)
    selected = np.flatnonzero(values[:m] > 0.5)
    newly = float(weights[np.asarray(a[:, selected].sum(axis=1)).ravel() > 0].sum()) if len(selected) else 0.0
    gap = float(info.mip_gap)
    return SitingSolution(
        problem=problem,
        selected=selected,
        cost=float(costs[selected].sum()),
        covered_weight=inst.precovered_weight + newly,
        total_weight=inst.total_weight,
        uncoverable_weight=uncoverable,
        objective=float(info.objective_function_value) if has_solution else float("nan"),
        bound=float(info.mip_dual_bound),
        mip_gap=gap if np.isfinite(gap) else float("inf"),
        status=h.modelStatusToString(model_status),
        optimal=model_status == highspy.HighsModelStatus.kOptimal,
        seconds=time.perf_counter() - started,
        rows=n,
        columns=m,
    )


def solve_lscp(
    inst: CoverInstance, *, min_share: float = 1.0, time_limit_s: float = 60.0, mip_rel_gap: float = 0.0
) -> SitingSolution:
    """Cheapest set of new sites covering `min_share` of all demand; with 1.0 every demand some candidate reaches."""
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1]; got {min_share}")
    if min_share >= 1:
        return _solve("cover_all", inst, rhs=0.0, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    weights, _a, _u = _reduce(inst)
    # Demand no candidate reaches cannot count: ask for at most what can be reached.
    needed = min(min_share * inst.total_weight - inst.precovered_weight, float(weights.sum()))
    return _solve(
        "cover_weight", inst, rhs=needed - 1e-9 * max(1.0, needed), time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
    )


def solve_mclp(
    inst: CoverInstance, budget: float, *, time_limit_s: float = 60.0, mip_rel_gap: float = 0.0
) -> SitingSolution:
    """New sites costing at most `budget` that cover the most demand not yet covered."""
    if budget < 0:
        raise ValueError(f"budget must be ≥ 0; got {budget}")
    return _solve("max_cover", inst, rhs=float(budget), time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)

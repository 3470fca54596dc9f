"""Solve an exported covering instance with PySAL spopt (LSCP and MCLP); run by bench/.venv-spopt's Python 3.12.

Reads the .npz written by bench/coverage_bench.py (sparse cover matrix, weights, existing-facility column)
and prints one JSON line per solver: objective, build and solve seconds. Imports nothing from Daoan.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pulp
from spopt.locate import LSCP, MCLP


def _cost_matrix(data: np.lib.npyio.NpzFile) -> np.ndarray:
    """Distance 0 where a site covers a demand row and 2 elsewhere (service radius 1): the same relation."""
    n, m = (int(v) for v in data["shape"])
    cost = np.full((n, m), 2.0, dtype=np.float32)
    cost[data["rows"], data["cols"]] = 0.0
    return cost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instance")
    parser.add_argument("--budget", type=int, required=True, help="New sites for MCLP (unit costs).")
    parser.add_argument("--solvers", default="cbc,highs")
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    data = np.load(args.instance)
    cost = _cost_matrix(data)
    weights = data["weights"].astype(float)
    existing = data["existing_column"].astype(bool)  # the last column: what is built already, forced open
    lscp_rows = data["lscp_rows"]  # demand some site (new or built) can reach: LSCP is infeasible otherwise
    for name in args.solvers.split(","):
        solver = (
            pulp.PULP_CBC_CMD(msg=False, timeLimit=args.time_limit)
            if name == "cbc"
            else pulp.HiGHS(msg=False, timeLimit=args.time_limit, threads=1)
        )
        out: dict[str, object] = {"solver": name, "spopt": __import__("spopt").__version__, "pulp": pulp.__version__}
        t0 = time.perf_counter()
        lscp = LSCP.from_cost_matrix(cost[lscp_rows], 1.0, predefined_facilities_arr=existing)
        t1 = time.perf_counter()
        lscp.solve(solver, results=False)
        t2 = time.perf_counter()
        out["lscp"] = {
            "status": pulp.LpStatus[lscp.problem.status],
            "objective": float(pulp.value(lscp.problem.objective)) - float(existing.sum()),
            "build_s": t1 - t0,
            "solve_s": t2 - t1,
        }
        t0 = time.perf_counter()
        mclp = MCLP.from_cost_matrix(
            cost, weights, 1.0, int(existing.sum()) + args.budget, predefined_facilities_arr=existing
        )
        t1 = time.perf_counter()
        mclp.solve(solver, results=False)
        t2 = time.perf_counter()
        out["mclp"] = {
            "status": pulp.LpStatus[mclp.problem.status],
            "objective": float(pulp.value(mclp.problem.objective)),
            "build_s": t1 - t0,
            "solve_s": t2 - t1,
        }
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

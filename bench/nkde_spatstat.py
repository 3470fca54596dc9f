"""Compare the discontinuous (equal-split) NKDE with spatstat's density.lpp(continuous=FALSE) on the
Montreal test subset, and (with --write-fixture) write the fixture tests/test_nkde.py checks.

spatstat.linnet's linnet holds straight segments only, so both sides use the subset's lines cut
into their straight pieces (every vertex a node; interior vertices have degree 2 and split
nothing). spatstat evaluates at points: the events plus one zero-weight point at each lixel
centre (leaveoneout=FALSE). Its `sigma` is the kernel's standard deviation: bandwidth/sqrt(7)
for the quartic (spatstat's "biweight"), /sqrt(6) triangular, /sqrt(5) epanechnikov, so the
compact kernels are the same functions; `epsilon` (the tail mass below which spatstat drops a
path) is set to 1e-30 so that no path that still matters is dropped. The gaussian is not the same
kernel (ours is truncated at the bandwidth = 3 sigma, spatstat's is not, and runs with its default
epsilon 1e-6): its difference is only reported, never put in the fixture.

    .venv/bin/python bench/nkde_spatstat.py [--write-fixture]     # needs Rscript + r-cran-spatstat.linnet
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import nkde  # noqa: E402
from analysis.nkde_lines import from_geojson  # noqa: E402

DATA = ROOT / "tests" / "data" / "nkde_montreal"
FIXTURE = DATA / "spatstat_equalsplit.csv"
META = DATA / "spatstat_equalsplit.json"
R_KERNEL = {"quartic": "biweight", "triangular": "triangular", "epanechnikov": "epanechnikov", "gaussian": "gaussian"}
GAUSS_EPSILON = 1e-6  # spatstat's default: an untruncated gaussian with 1e-30 would follow paths for kilometres
BANDWIDTH, LIXEL, EPSILON = 300.0, 20.0, 1e-30


def montreal_straight() -> tuple[nkde.Network, nkde.Events]:
    """The test subset as straight pieces, weights 1 + victims (as tests/test_nkde.py builds it)."""
    lines = json.loads((DATA / "network.geojson").read_text())
    points = json.loads((DATA / "accidents.geojson").read_text())
    net, ev, _ = from_geojson(lines, points, weight=lambda p: 1 + p["NB_VICTIME"], straight=True)
    return net, ev


def _write_inputs(d: Path, net: nkde.Network, ev: nkde.Events, lix: nkde.Lixels) -> np.ndarray:
    """Write the CSVs; returns, for each lixel, the row of points.csv at its centre."""
    # vertex coordinates are not needed for path distances, but linnet wants them; lengths must
    # agree, so place vertices by the projected geometry again
    lines = json.loads((DATA / "network.geojson").read_text())
    points = json.loads((DATA / "accidents.geojson").read_text())
    _, _, lines_m = from_geojson(lines, points, straight=True)
    import shapely

    xy0 = shapely.get_coordinates(shapely.get_point(lines_m, 0))
    xy1 = shapely.get_coordinates(shapely.get_point(lines_m, -1))
    vx = np.zeros((net.n_nodes, 2))
    vx[net.source] = xy0
    vx[net.target] = xy1
    with open(d / "vertices.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x", "y"])
        w.writerows([[repr(float(a)), repr(float(b))] for a, b in vx])
    with open(d / "edges.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["from", "to"])
        w.writerows([[int(a) + 1, int(b) + 1] for a, b in zip(net.source, net.target, strict=True)])
    # no two points at one place: spatstat then merges them on a path that goes wrong, so
    # coinciding events are merged here (weights summed) and a lixel centre on an event reads its row
    rows: dict[tuple[int, float], int] = {}
    weights: list[float] = []
    for e, o, wt in zip(ev.edge, ev.offset, ev.weight, strict=True):
        key = (int(e), float(o / net.length[e]))
        if key not in rows:
            rows[key] = len(weights)
            weights.append(0.0)
        weights[rows[key]] += float(wt)
    edge = np.repeat(np.arange(net.n_edges), np.diff(lix.ptr))
    centre = (np.arange(lix.count) - lix.ptr[edge] + 0.5) * lix.step[edge]
    lixel_row = np.empty(lix.count, dtype=np.int64)
    for i, (e, c) in enumerate(zip(edge, centre, strict=True)):
        key = (int(e), float(c / net.length[e]))
        if key not in rows:
            rows[key] = len(weights)
            weights.append(0.0)
        lixel_row[i] = rows[key]
    with open(d / "points.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seg", "tp", "weight"])
        for (e, tp), wt in zip(rows, weights, strict=True):
            w.writerow([e + 1, repr(tp), repr(wt)])
    return lixel_row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-fixture", action="store_true", help="write tests/data/nkde_montreal/spatstat_*")
    args = ap.parse_args()
    if shutil.which("Rscript") is None:
        print("skipped: Rscript not found (apt-get install r-cran-spatstat.linnet)")
        return 0
    net, ev = montreal_straight()
    lix = nkde.lixelize(net, LIXEL)
    nkde.density(net, ev, "discontinuous")  # compile or load the compiled kernels before timing
    fixture: dict[str, np.ndarray] = {}
    report = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        lixel_row = _write_inputs(d, net, ev, lix)
        version = ""
        for kernel, rk in R_KERNEL.items():
            sigma = nkde.kernel_sd(kernel, BANDWIDTH)
            eps = GAUSS_EPSILON if kernel == "gaussian" else EPSILON
            out = subprocess.run(
                ["Rscript", str(ROOT / "bench" / "nkde_spatstat.R"), str(d), rk, repr(sigma), repr(eps)],
                capture_output=False,
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            version, _, r_secs = out.stdout.split()[1:4]
            with open(d / f"values_{rk}.csv") as f:
                vals = np.array([float(r["value"]) for r in csv.DictReader(f)])
            theirs = vals[lixel_row]
            t0 = time.perf_counter()
            res = nkde.density(net, ev, "discontinuous", kernel, BANDWIDTH, LIXEL)
            ours_s = time.perf_counter() - t0
            ours = np.zeros(lix.count)
            ours[res.lixel_index] = res.density
            diff = np.abs(ours - theirs)
            rel = diff.max() / theirs.max()
            report.append(
                f"{kernel:13s} sigma {sigma:8.3f} m  lixels {res.density.size:5d}  max |diff| {diff.max():.3e} "
                f"(relative to the peak {rel:.2e})  spatstat {float(r_secs):.2f} s, ours {ours_s * 1000:.1f} ms"
                + (
                    "  [not the same kernel: ours is cut at 3 sigma; spatstat epsilon 1e-6]"
                    if kernel == "gaussian"
                    else ""
                )
            )
            if kernel != "gaussian":
                fixture[kernel] = theirs
    print(f"spatstat.linnet {version}; {net.n_edges} straight edges, {ev.size} events, {lix.count} lixels")
    print("\n".join(report))
    if args.write_fixture:
        keep = np.flatnonzero(np.any([v != 0 for v in fixture.values()], axis=0))
        with open(FIXTURE, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["lixel_index", *fixture])
            for i in keep:
                w.writerow([int(i), *(repr(float(v[i])) for v in fixture.values())])
        META.write_text(
            json.dumps(
                {
                    "generator": "bench/nkde_spatstat.py --write-fixture",
                    "spatstat.linnet": version,
                    "call": "densityEqualSplit(X, sigma, weights, kernel, continuous=FALSE, at='points', leaveoneout=FALSE, epsilon), own-segment term re-weighted (bench/nkde_spatstat.R)",
                    "bandwidth_m": BANDWIDTH,
                    "lixel_m": LIXEL,
                    "epsilon": EPSILON,
                    "sigma_m": {k: nkde.kernel_sd(k, BANDWIDTH) for k in fixture},
                    "spatstat_kernel": {k: R_KERNEL[k] for k in fixture},
                    "weights": "1 + NB_VICTIME",
                    "rows": "lixels where some kernel's value is not 0 (every other lixel: 0)",
                },
                indent=1,
            )
            + "\n"
        )
        print(f"wrote {FIXTURE.relative_to(ROOT)} ({keep.size} lixels) and {META.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

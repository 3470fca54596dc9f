"""Network kernel density (analysis.nkde): hand-checkable cases, the compiled engine against the
networkx reference on real Montreal cyclist collisions, and against spatstat's equal-split NKDE."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from analysis import nkde
from analysis import nkde_reference as reference
from analysis.nkde_lines import from_geojson

DATA = Path(__file__).parent / "data" / "nkde_montreal"


def kern(kernel: str, d: float, h: float) -> float:
    """The kernels written out again, from their textbook formulas."""
    u = d / h
    if u >= 1:
        return 0.0
    k = {
        "quartic": 15 / 16 * (1 - u**2) ** 2,
        "triangular": 1 - u,
        "epanechnikov": 3 / 4 * (1 - u**2),
        "gaussian": math.exp(-((3 * u) ** 2) / 2) * 3 / math.sqrt(2 * math.pi),
    }[kernel]
    return k / h


def quartic_tail(a: float) -> float:
    """∫_a^1 15/16 (1-u²)² du: the mass of one side of the quartic kernel beyond a bandwidths."""
    return 0.5 - 15 / 16 * (a - 2 * a**3 / 3 + a**5 / 5)


def as_map(res: nkde.Result) -> dict[tuple[int, float], float]:
    return {(int(e), round(float(c), 6)): float(v) for e, c, v in zip(res.edge, res.centre_m, res.density, strict=True)}


def mass(res: nkde.Result) -> float:
    return float(np.sum(res.density * (res.to_m - res.from_m)))


@pytest.mark.parametrize("method", nkde.METHODS)
@pytest.mark.parametrize("kernel", nkde.KERNELS)
def test_single_edge_is_the_kernel_around_the_event(method, kernel):
    net = nkde.Network.build([7], [0], [1], [1000.0])
    ev = nkde.Events.build(net, [0], [437.0], [2.0])
    res = nkde.density(net, ev, method=method, kernel=kernel, bandwidth=300.0, lixel=20.0)
    centres = np.arange(50) * 20.0 + 10.0
    inside = centres[np.abs(centres - 437.0) < 300.0]
    assert res.centre_m.tolist() == inside.tolist()  # only the lixels within a bandwidth
    assert set(res.edge_id.tolist()) == {7}
    for c, v in zip(res.centre_m, res.density, strict=True):
        assert v == pytest.approx(2.0 * kern(kernel, abs(c - 437.0), 300.0), rel=1e-12)
    want = 2.0 * (0.9973002039367398 if kernel == "gaussian" else 1.0)  # erf(3/sqrt 2) for the gaussian
    assert mass(res) == pytest.approx(want, rel=2e-3)


def _y_junction():
    """Stem 0-1 (1000 m) and two branches 1-2, 1-3 (1000 m each); the event 100 m before the junction."""
    net = nkde.Network.build([1, 2, 3], [0, 1, 1], [1, 2, 3], [1000.0, 1000.0, 1000.0])
    return net, nkde.Events.build(net, [0], [900.0])


def test_y_junction_equal_split_halves_the_kernel_on_each_branch():
    net, ev = _y_junction()
    disc = as_map(nkde.density(net, ev, method="discontinuous", bandwidth=300.0, lixel=20.0))
    simple = as_map(nkde.density(net, ev, method="simple", bandwidth=300.0, lixel=20.0))
    for branch in (1, 2):
        for s in np.arange(10) * 20.0 + 10.0:
            if 100 + s >= 300:
                assert (branch, s) not in disc
                continue
            full = kern("quartic", 100 + s, 300.0)
            assert disc[(branch, s)] == pytest.approx(full / 2, rel=1e-12)  # out-degree 2
            assert simple[(branch, s)] == pytest.approx(full, rel=1e-12)
    # the stem is the plain kernel in both methods
    for s in (890.0, 950.0, 990.0):
        assert disc[(0, s)] == simple[(0, s)] == pytest.approx(kern("quartic", abs(s - 900), 300.0), rel=1e-12)


def test_equal_split_conserves_mass_and_simple_does_not():
    net, ev = _y_junction()
    disc = nkde.density(net, ev, method="discontinuous", bandwidth=300.0, lixel=5.0)
    simple = nkde.density(net, ev, method="simple", bandwidth=300.0, lixel=5.0)
    assert mass(disc) == pytest.approx(1.0, abs=1e-3)
    # simple: the side of the kernel beyond the junction (100 m) counts twice
    assert mass(simple) == pytest.approx(1.0 + quartic_tail(100 / 300), abs=1e-3)


def test_dead_end_stops_the_equal_split_and_a_four_way_junction_splits_by_three():
    # 0-1 stem, 1-2 / 1-3 / 1-4 branches; 1-2 ends at a dead end 50 m from the junction
    net = nkde.Network.build([0, 1, 2, 3], [0, 1, 1, 1], [1, 2, 3, 4], [1000.0, 50.0, 1000.0, 1000.0])
    ev = nkde.Events.build(net, [0], [950.0])
    disc = as_map(nkde.density(net, ev, method="discontinuous", bandwidth=300.0, lixel=10.0))
    assert disc[(2, 5.0)] == pytest.approx(kern("quartic", 55.0, 300.0) / 3, rel=1e-12)
    assert disc[(1, 45.0)] == pytest.approx(kern("quartic", 95.0, 300.0) / 3, rel=1e-12)
    # the third of the kernel sent into the dead-end branch stops 100 m from the event
    res = nkde.density(net, ev, method="discontinuous", bandwidth=300.0, lixel=1.0)
    assert mass(res) == pytest.approx(1.0 - quartic_tail(100 / 300) / 3, abs=1e-3)


@pytest.mark.parametrize("method", nkde.METHODS)
def test_reversing_edges_mirrors_the_density(method):
    net, ev = _y_junction()
    flipped = nkde.Network.build([1, 2, 3], [1, 2, 3], [0, 1, 1], [1000.0, 1000.0, 1000.0])
    ev2 = nkde.Events.build(flipped, [0], [100.0])
    a = nkde.density(net, ev, method=method, kernel="triangular")
    b = nkde.density(flipped, ev2, method=method, kernel="triangular")
    am = {(int(e), round(float(1000.0 - c), 6)): v for e, c, v in zip(a.edge, a.centre_m, a.density, strict=True)}
    bm = as_map(b)
    assert am.keys() == bm.keys()
    for k, v in am.items():
        assert bm[k] == pytest.approx(v, rel=1e-12, abs=1e-18)


@pytest.mark.parametrize("method", nkde.METHODS)
def test_weights_are_linear(method):
    net, _ = _y_junction()
    two = nkde.Events.build(net, [0, 0], [900.0, 900.0])
    heavy = nkde.Events.build(net, [0], [900.0], [2.0])
    a = nkde.density(net, two, method=method)
    b = nkde.density(net, heavy, method=method)
    assert np.array_equal(a.lixel_index, b.lixel_index)
    np.testing.assert_allclose(a.density, b.density, rtol=1e-14)
    zero = nkde.density(net, nkde.Events.build(net, [0], [900.0], [0.0]), method=method)
    assert np.all(zero.density == 0.0)


def test_bad_parameters_are_named():
    net, ev = _y_junction()
    for kwargs, word in [
        ({"method": "fancy"}, "method"),
        ({"kernel": "cosine"}, "kernel"),
        ({"bandwidth": 0.0}, "bandwidth"),
        ({"lixel": -1.0}, "lixel"),
    ]:
        with pytest.raises(ValueError, match=word):
            nkde.density(net, ev, **kwargs)
    with pytest.raises(ValueError, match="offset"):
        nkde.Events.build(net, [0], [1000.5])
    with pytest.raises(ValueError, match="weight"):
        nkde.Events.build(net, [0], [10.0], [-1.0])
    with pytest.raises(ValueError, match="length"):
        nkde.Network.build([1], [0], [1], [0.0])


def _montreal(straight: bool = False):
    lines = json.loads((DATA / "network.geojson").read_text())
    points = json.loads((DATA / "accidents.geojson").read_text())
    net, ev, _ = from_geojson(lines, points, weight=lambda p: 1 + p["NB_VICTIME"], straight=straight)
    return net, ev


@pytest.fixture(scope="module")
def montreal():
    return _montreal()


@pytest.mark.parametrize("method", nkde.METHODS)
@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])  # the other kernels change no path
def test_montreal_compiled_equals_reference(montreal, method, kernel):
    net, ev = montreal
    assert ev.size >= 70 and net.n_edges >= 400
    fast = nkde.density(net, ev, method=method, kernel=kernel)
    slow = reference.density(net, ev, method=method, kernel=kernel)
    assert len(fast) > 2000
    assert np.array_equal(fast.lixel_index, slow.lixel_index)
    np.testing.assert_allclose(fast.density, slow.density, rtol=0, atol=1e-9)
    assert np.all(fast.density > 0)


def test_montreal_equal_split_matches_spatstat_fixture():
    """The fixture is spatstat.linnet's density.lpp(continuous=FALSE), written by
    bench/nkde_spatstat.py --write-fixture (see tests/data/nkde_montreal/spatstat_equalsplit.json)."""
    meta = json.loads((DATA / "spatstat_equalsplit.json").read_text())
    net, ev = _montreal(straight=True)
    with open(DATA / "spatstat_equalsplit.csv") as f:
        rows = list(csv.DictReader(f))
    idx = np.array([int(r["lixel_index"]) for r in rows])
    for kernel in meta["sigma_m"]:
        res = nkde.density(net, ev, "discontinuous", kernel, meta["bandwidth_m"], meta["lixel_m"])
        ours = dict(zip(res.lixel_index.tolist(), res.density.tolist(), strict=True))
        theirs = np.array([float(r[kernel]) for r in rows])
        got = np.array([ours.get(i, 0.0) for i in idx])
        np.testing.assert_allclose(got, theirs, rtol=0, atol=1e-9)
        # every lixel we estimate is one spatstat gives a value (rows hold all its non-zero lixels)
        assert set(res.lixel_index.tolist()) <= set(idx[theirs > 0].tolist()) | set(idx.tolist())
        assert len(res) == int(np.count_nonzero(theirs))


@pytest.mark.parametrize("seed", range(12))
def test_random_multigraphs_with_loops_and_parallel_edges_match_the_reference(seed):
    """Small random networks with what real ones hold now and then: parallel edges, loops, dead
    ends, short edges, accidents exactly at junctions."""
    rng = np.random.default_rng(seed)
    n_nodes = int(rng.integers(3, 9))
    m = int(rng.integers(n_nodes, 3 * n_nodes))
    src = rng.integers(0, n_nodes, m)
    tgt = np.where(rng.random(m) < 0.1, src, rng.integers(0, n_nodes, m))  # ~10 % loops
    length = rng.uniform(3.0, 400.0, m)
    net = nkde.Network.build(np.arange(m) + 100, src, tgt, length, n_nodes)
    k = int(rng.integers(1, 8))
    edge = rng.integers(0, m, k)
    offset = rng.random(k) * length[edge]
    offset[rng.random(k) < 0.25] = 0.0
    ev = nkde.Events.build(net, edge, offset, rng.uniform(0.5, 3.0, k))
    for method in nkde.METHODS:
        for kernel in ("quartic", "gaussian"):
            bw = float(rng.uniform(50.0, 350.0))
            lx = float(rng.uniform(5.0, 40.0))
            fast = nkde.density(net, ev, method=method, kernel=kernel, bandwidth=bw, lixel=lx)
            slow = reference.density(net, ev, method=method, kernel=kernel, bandwidth=bw, lixel=lx)
            assert np.array_equal(fast.lixel_index, slow.lixel_index), (method, kernel)
            np.testing.assert_allclose(fast.density, slow.density, rtol=0, atol=1e-9)

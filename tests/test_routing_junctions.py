"""Routes between junctions asked for by coordinates over HTTP cost exactly what pgRouting's
pgr_dijkstraCost finds between the same nodes on the same weights (issue 11, item 9): a point at a
junction may leave or arrive along any of the junction's segments, not only the one it snapped to.

On the Monaco extract (tests/data, © OpenStreetMap contributors, ODbL) with its turn restrictions
removed after import: pgRouting knows none."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from tests.conftest import DATA, truncate_all
from tests.test_routing_exact import _pgr_costs

PAIRS = 150


@pytest.fixture(scope="module")
def monaco(engine, settings):
    from layers.ingest.osm import import_osm

    truncate_all(engine)
    import_osm(engine, settings, DATA / "monaco.osm.pbf", replace=True)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pgrouting"))
        conn.execute(sa.text("DELETE FROM turn_restrictions"))
    yield engine
    truncate_all(engine)


def _junction_pairs(graph, main) -> list[tuple[int, int]]:
    """Random pairs of junctions (three or more segments) of the main network, as node indices."""
    ends = np.concatenate([graph.seg_source[main], graph.seg_target[main]])
    degree = np.bincount(ends, minlength=len(graph.node_ids))
    junctions = np.flatnonzero(degree >= 3)
    rng = np.random.default_rng(11)
    picks = rng.choice(junctions, size=(PAIRS, 2))
    return [(int(a), int(b)) for a, b in picks if a != b]


def test_routes_between_junctions_cost_what_pgr_dijkstra_finds(monaco, client):
    from routing.graph import load_graph
    from routing.service import main_network

    with monaco.connect() as conn:
        graph = load_graph(conn, turn_restrictions=False)
        where = {
            int(r.id): (r.lon, r.lat)
            for r in conn.execute(sa.text("SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM road_nodes"))
        }
    assert graph.restrictions == 0
    main = main_network(graph)
    pairs = _junction_pairs(graph, main)
    ref = _pgr_costs(monaco, graph, graph.base_cost, pairs)
    checked, one_way_ends = 0, 0
    for a, b in pairs:
        theirs = ref.get((a, b), np.inf)
        (alon, alat), (blon, blat) = where[int(graph.node_ids[a])], where[int(graph.node_ids[b])]
        resp = client.get(f"/route?from={alon!r},{alat!r}&to={blon!r},{blat!r}")
        if np.isinf(theirs):
            assert resp.status_code == 422, (a, b, resp.get_json())
            continue
        assert resp.status_code == 200, (a, b, resp.get_json())
        ours = resp.get_json()["features"][0]["properties"]["duration_s"]
        assert ours == pytest.approx(theirs, abs=0.051), (a, b, ours, theirs)
        checked += 1
        # How many of these junctions have a segment one cannot drive both ways: where snapping to
        # one segment alone goes wrong.
        for node in (a, b):
            segs = np.flatnonzero((graph.seg_source == node) | (graph.seg_target == node))
            one_way_ends += bool(
                np.isinf(graph.base_cost[2 * segs]).any() | np.isinf(graph.base_cost[2 * segs + 1]).any()
            )
    assert checked >= 0.9 * len(pairs)
    assert one_way_ends > 20, "the pairs hardly touch one-way junctions: the check proves little"

"""The NKDE network loaded from PostGIS road_segments, points snapped onto it, lixels mapped back."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from analysis import nkde, nkde_db
from tests.conftest import module_data
from tests.netfixture import load_small_network

small_network = module_data(load_small_network, name="small_network")


def test_load_network_takes_the_noded_segments(engine):
    with engine.connect() as conn:
        road = nkde_db.load_network(conn)
        want = conn.execute(
            sa.text("SELECT id, length_m FROM road_segments WHERE source_node IS NOT NULL ORDER BY id")
        ).all()
        south = nkde_db.load_network(conn, bbox=(112.94, 28.09, 112.96, 28.125))
        none = nkde_db.load_network(conn, classes=["expressway"])
        area = nkde_db.load_network(
            conn, area_wkt="POLYGON((112.9 28.09, 113 28.09, 113 28.115, 112.9 28.115, 112.9 28.09))"
        )
    net = road.network
    assert net.edge_ids.tolist() == [r.id for r in want]  # S20 has no end nodes: left out
    np.testing.assert_allclose(net.length, [r.length_m for r in want])
    assert net.n_nodes == 11 and net.n_edges == 10
    # a chain: consecutive segments share a node
    assert all(net.target[i] == net.source[i + 1] for i in range(9))
    assert south.network.n_edges == 3 and area.network.n_edges == 2 and none.network.n_edges == 0


def test_snapped_accidents_give_a_peak_at_their_stake(engine):
    with engine.connect() as conn:
        road = nkde_db.load_network(conn)
    # three crashes on the fourth segment (K1503+300 to K1504+400) at 30 % and 40 % of it, one far away
    lon = [112.9501, 112.9499, 112.95, 113.5]
    lat = [28.10 + 3.3 * 0.009, 28.10 + 3.3 * 0.009, 28.10 + 3.4 * 0.009, 28.10]
    ev, kept = nkde_db.snap(road, lon, lat, weight=[1, 2, 1, 5])
    assert kept.tolist() == [True, True, True, False]
    assert ev.edge.tolist() == [3, 3, 3]
    np.testing.assert_allclose(ev.offset, np.array([0.3, 0.3, 0.4]) * road.network.length[3], atol=0.5)
    assert ev.weight.tolist() == [1, 2, 1]
    res = nkde.density(road.network, ev, method="discontinuous")
    places = nkde_db.lixel_places(road, res)
    top = int(np.argmax(res.density))
    assert places.route_code[top] == "G107"
    assert 1503300 + 0.3 * 1100 - 40 <= places.from_stake_m[top] <= 1503300 + 0.4 * 1100
    # only lixels within 300 m of a crash, over two segments
    assert set(res.edge_id.tolist()) <= set(road.network.edge_ids[[2, 3, 4]].tolist())
    lines = nkde_db.lixel_lines(road, res, [top])
    with engine.connect() as conn:
        metres = conn.execute(
            sa.text("SELECT ST_Length(ST_GeomFromText(:w, 4326)::geography)"), {"w": lines[0].wkt}
        ).scalar_one()
    assert metres == pytest.approx(res.to_m[top] - res.from_m[top], rel=0.01)

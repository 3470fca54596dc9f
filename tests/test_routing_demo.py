"""The small synthetic demo (expressways with dual carriageways, stakes, toll stations): route costs
equal pgr_dijkstra with and without closures, and a diversion plan on G4 in both directions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import truncate_all
from tests.test_routing_exact import _assert_equal_to_pgr, _pairs, _state, check_with_closures, load_network


@pytest.fixture(scope="module")
def network(engine, settings):
    load_network(engine, settings, "demo")
    yield engine
    truncate_all(engine)


def test_demo_costs_equal_pgr_dijkstra(network):
    graph, searcher, main = _state(network, turns=False)
    _assert_equal_to_pgr(network, graph, searcher, graph.base_cost, _pairs(graph, main, 11, 30))


def test_demo_costs_equal_pgr_dijkstra_with_closures(network):
    check_with_closures(network, 30)


def test_demo_diversion_plan_on_g4(network, settings):
    from routing.local import diversion_once

    with network.connect() as conn:
        lo, hi = conn.execute(
            sa.text(
                "SELECT min(least(start_stake_m, end_stake_m)), "
                "max(greatest(start_stake_m, end_stake_m)) FROM road_segments "
                "WHERE route_code = 'G4'"
            )
        ).one()
    mid = (lo + hi) / 2
    closure = {"route": "G4", "from_stake": str(round(mid)), "to_stake": str(round(mid + 8000))}
    plan = diversion_once(network, settings, closure=closure)
    assert len(plan["directions"]) == 2
    for d in plan["directions"]:
        assert d["recommended_decision_point"] is not None, d
    roles = [f["properties"]["role"] for f in plan["features"]]
    assert roles.count("closure") == 2 and "sign" in roles and "entrance_closure" in roles

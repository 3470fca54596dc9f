"""`daoan export graph`: the routable network as an osmnx MultiDiGraph that osmnx reads back and
routes on with the same costs as GET /route (on the Monaco import without its turn restrictions,
which a graph file cannot carry)."""

from __future__ import annotations

import random

import networkx as nx
import osmnx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli import main
from tests.conftest import DATA, truncate_all

PAIRS = 25


def _load(engine, settings) -> None:
    from layers.ingest.osm import import_osm

    truncate_all(engine)
    import_osm(engine, settings, DATA / "monaco.osm.pbf", replace=True)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM turn_restrictions"))


@pytest.fixture(scope="module")
def monaco(engine, settings):
    _load(engine, settings)
    yield engine
    truncate_all(engine)


def _export(settings, *args: str):
    runner = CliRunner(env={"DAOAN_DATABASE_URL": settings.database_url})
    return runner.invoke(main, ["export", "graph", *args])


@pytest.fixture(scope="module")
def graphml(monaco, settings, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "monaco.graphml"
    result = _export(settings, "--format", "graphml", "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_osmnx_reads_the_graph_with_its_own_attribute_types(graphml, monaco):
    g = osmnx.load_graphml(graphml)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.graph["crs"] == "EPSG:4326"
    with monaco.connect() as conn:
        segments, oneway = conn.execute(
            sa.text("SELECT count(*), count(*) FILTER (WHERE oneway) FROM road_segments WHERE source_node IS NOT NULL")
        ).one()
    assert g.number_of_edges() == 2 * segments - oneway  # both ways of a two-way segment, one of a one-way
    _, node = next(iter(g.nodes(data=True)))
    assert isinstance(node["x"], float) and 7.3 < node["x"] < 7.5 and 43.7 < node["y"] < 43.8
    _, _, edge = next(iter(g.edges(data=True)))
    for key in ("length", "speed_kph", "travel_time"):
        assert isinstance(edge[key], float) and edge[key] > 0
    assert edge["travel_time"] == pytest.approx(edge["length"] * 3.6 / edge["speed_kph"])
    assert isinstance(edge["oneway"], bool) and isinstance(edge["osmid"], int)
    # The gdfs osmnx makes from it carry the edges' own lines.
    _, edges = osmnx.graph_to_gdfs(g)
    assert len(edges) == g.number_of_edges() and not edges.geometry.is_empty.any()


def test_osmnx_shortest_paths_cost_what_the_route_api_answers(graphml, client):
    g = osmnx.load_graphml(graphml)
    main_scc = max(nx.strongly_connected_components(g), key=len)
    nodes = sorted(main_scc)
    rng = random.Random(2017)
    checked = 0
    for _ in range(PAIRS):
        a, b = rng.sample(nodes, 2)
        path = osmnx.routing.shortest_path(g, a, b, weight="travel_time")
        assert path is not None
        cost = sum(min(d["travel_time"] for d in g[u][v].values()) for u, v in zip(path, path[1:], strict=False))
        length = sum(min(d["length"] for d in g[u][v].values()) for u, v in zip(path, path[1:], strict=False))
        frm, to = f"{g.nodes[a]['x']!r},{g.nodes[a]['y']!r}", f"{g.nodes[b]['x']!r},{g.nodes[b]['y']!r}"
        resp = client.get(f"/route?from={frm}&to={to}&ignore=incidents")
        assert resp.status_code == 200, resp.get_json()
        props = resp.get_json()["features"][0]["properties"]
        assert props["duration_s"] == pytest.approx(cost, abs=0.1), (a, b)
        if length > 0:
            assert props["distance_m"] == pytest.approx(length, rel=0.05), (a, b)
        checked += 1
    assert checked == PAIRS


def test_geopackage_has_nodes_and_edges_layers(graphml, settings, tmp_path):
    import pyogrio

    path = tmp_path / "monaco.gpkg"
    result = _export(settings, "--format", "gpkg", "--output", str(path))
    assert result.exit_code == 0, result.output
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"nodes", "edges"}
    edges = pyogrio.read_dataframe(path, layer="edges")
    g = osmnx.load_graphml(graphml)
    assert len(edges) == g.number_of_edges()
    assert {"length", "speed_kph", "travel_time", "ref"} <= set(edges.columns)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--format", "shapefile"], "shapefile"),
        (["--output", "/nonexistent-dir/g.graphml"], "/nonexistent-dir"),
        (["--output", "."], "'.'"),
    ],
)
def test_bad_format_or_output_exits_2_naming_it(monaco, settings, args, named):
    result = _export(settings, *args)
    assert result.exit_code == 2
    assert named in result.output
    assert "Traceback" not in result.output


# Last: it replaces Monaco with the small network.
def test_stakes_and_route_codes_ride_on_the_edges(tmp_path, settings, empty_db):
    from tests.netfixture import load_small_network

    load_small_network(empty_db)
    path = tmp_path / "g107.graphml"
    result = _export(settings, "--output", str(path))
    assert result.exit_code == 0, result.output
    g = osmnx.load_graphml(path)
    g107 = [d for _, _, d in g.edges(data=True) if d.get("ref") == "G107"]
    assert len(g107) == 20  # ten two-way segments
    forward = {d["stake_from"] for d in g107 if not d["reversed"]}
    backward = {d["stake_to"] for d in g107 if d["reversed"]}
    assert "K1500+000" in forward and forward == backward
    assert all(d["stake_from"] != d["stake_to"] for d in g107)

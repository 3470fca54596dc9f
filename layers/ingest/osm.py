"""`daoan import osm`: load the drivable network, turn restrictions and facilities of an OSM extract."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from gis.bulk import copy_rows
from gis.db import connect
from gis.errors import InvalidParameter, Unprocessable
from gis.models import RoadSegment, insert_columns
from gis.settings import Settings
from gis.sqlfiles import load_sql, load_table_sql, quote_ident
from layers.catalog import LAYERS
from layers.ingest import store
from layers.ingest.linref import apply_linear_reference, too_far_from_road
from layers.ingest.osm_facilities import Facility
from layers.ingest.osm_read import OsmNetwork, read_osm
from layers.ingest.validate import Candidate

log = logging.getLogger(__name__)

SOURCE = "osm"
SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
FACILITY_LAYERS = ("cameras", "enforcement_stations", "service_areas", "toll_stations")
# The counts every import reports, in this order; skipped and other counts follow alphabetically.
LOADED = ("road_segments", "road_nodes", "interchanges", "turn_restrictions", *FACILITY_LAYERS)


def check_osm_file(path: Path) -> None:
    """Raise InvalidParameter / Unprocessable when `path` cannot be an OSM file we read."""
    name = path.name
    if not any(name.lower().endswith(s) for s in SUFFIXES):
        raise InvalidParameter(
            f"{name} is not an OSM file: expected .osm.pbf, .osm, .osm.bz2 or .osm.gz", parameter="file"
        )
    if not path.exists():
        raise InvalidParameter(f"{name} does not exist", parameter="file")
    if not path.is_file():
        raise InvalidParameter(f"{name} is not a file", parameter="file")
    if path.stat().st_size == 0:
        raise Unprocessable(f"{name} is empty", parameter="file")


def import_osm(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    replace: bool = True,
    progress: bool = False,
    imported_by: str = "cli",
) -> dict[str, int]:
    """Import an .osm.pbf, .osm or .osm.bz2 file in one transaction; return the counts loaded and skipped."""
    path = Path(path)
    check_osm_file(path)
    # The whole file is read before the transaction opens: a truncated file fails in the reading
    # passes, with nothing written and no lock held.
    net = read_osm(path, progress=progress)
    counts: dict[str, int] = {}
    # One transaction (connect() is engine.begin() that reports an unreachable database as a
    # DaoanError): the import lands whole or not at all.
    with (
        tqdm(total=5, desc="loading into PostGIS", unit=" steps", disable=not progress, leave=False) as bar,
        connect(engine) as conn,
    ):
        if replace:
            conn.execute(sa.text(load_sql("queries/osm_delete_network.sql")), {"source": SOURCE})
        bar.update()
        node_ids, segment_ids = _load_network(conn, net, counts)
        bar.update()
        counts["turn_restrictions"] = _load_turns(conn, net, node_ids, segment_ids)
        bar.update()
        for layer_id in FACILITY_LAYERS:
            facilities = [f for f in net.facilities if f.layer == layer_id]
            _load_facilities(conn, settings, layer_id, facilities, counts, replace=replace)
        if replace:
            counts["facilities_relinked"] = _relink_other_facilities(conn)
        bar.update()
        counts.update(net.skipped)
        counts = {k: counts[k] for k in LOADED} | {k: counts[k] for k in sorted(counts) if k not in LOADED}
        conn.execute(
            sa.text(load_sql("queries/osm_record_run.sql")),
            {
                "layer": "osm",
                "source_file": path.name,
                "rows_loaded": sum(counts[k] for k in LOADED if k != "interchanges"),
                "rows_skipped": sum(v for k, v in counts.items() if "_skipped" in k),
                "imported_by": imported_by,
            },
        )
        bar.update()
    log.info("imported %s: %s", path.name, counts)
    return counts


def _reserve_ids(conn: Connection, table: str, n: int) -> list[int]:
    """n fresh ids of `table` (a name from code), ascending."""
    if n == 0:
        return []
    rows = conn.execute(sa.text(load_sql("queries/osm_reserve_ids.sql")), {"table_name": table, "n": n})
    return sorted(int(r[0]) for r in rows)


def _ewkb_points(lonlat: Sequence[tuple[float, float]]) -> list[str]:
    points = shapely.set_srid(shapely.points(list(lonlat)), 4326)
    return list(shapely.to_wkb(points, hex=True, include_srid=True))


def _load_network(conn: Connection, net: OsmNetwork, counts: dict[str, int]) -> tuple[dict[int, int], list[int]]:
    """COPY road_nodes and road_segments; return OSM node id → road_nodes.id and the segments' ids."""
    osm_nodes = sorted(net.nodes)
    ids = _reserve_ids(conn, "road_nodes", len(osm_nodes))
    node_ids = dict(zip(osm_nodes, ids, strict=True))
    geoms = _ewkb_points([net.nodes[n] for n in osm_nodes])
    interchanges = 0
    rows = []
    for osm_id, db_id, geom in zip(osm_nodes, ids, geoms, strict=True):
        junction = net.interchanges.get(osm_id)
        interchanges += junction is not None
        name, ref = junction or (None, None)
        rows.append((db_id, junction is not None, name, ref, SOURCE, str(osm_id), geom))
    n_nodes = copy_rows(conn, "road_nodes", ("id", "interchange", "name", "ref", "source", "source_id", "geom"), rows)

    seg_ids = _reserve_ids(conn, "road_segments", len(net.segments))
    conn.execute(sa.text(load_sql("queries/osm_segments_stage.sql")))
    seg_rows = (
        (
            seg_id,
            s.tags.road_class,
            s.tags.route_code,
            s.tags.name,
            s.tags.oneway,
            s.tags.lanes,
            s.tags.maxspeed_kmh,
            s.tags.default_speed_kmh,
            round(float(length), 3),
            s.tags.bridge,
            s.tags.tunnel,
            node_ids[s.source_node],
            node_ids[s.target_node],
            SOURCE,
            s.source_id,
            geom,
        )
        for seg_id, s, (geom, length) in zip(seg_ids, net.segments, net.geometries(), strict=True)
    )
    copy_rows(
        conn,
        "osm_segment_stage",
        insert_columns(
            RoadSegment, omit=("start_stake_m", "end_stake_m", "county_adcode", "technical_grade", "surface")
        ),
        seg_rows,
    )
    counts["road_segments"] = conn.execute(sa.text(load_sql("queries/osm_segments_insert.sql"))).rowcount
    counts["road_nodes"] = n_nodes
    counts["interchanges"] = interchanges
    return node_ids, seg_ids


def _load_turns(conn: Connection, net: OsmNetwork, node_ids: dict[int, int], seg_ids: list[int]) -> int:
    """COPY the turn restrictions resolved onto segments."""
    rows = (
        (t.kind, seg_ids[t.from_segment], node_ids[t.via_node], seg_ids[t.to_segment], SOURCE, f"r{t.relation_id}")
        for t in net.turns
    )
    return copy_rows(
        conn,
        "turn_restrictions",
        ("restriction", "from_segment", "via_node", "to_segment", "source", "source_id"),
        rows,
    )


def _load_facilities(
    conn: Connection,
    settings: Settings,
    layer_id: str,
    facilities: list[Facility],
    counts: dict[str, int],
    *,
    replace: bool,
) -> None:
    """Upsert one facility layer on its OSM ids, referenced on the new network; drop what lies too far.

    The rows are staged, keyed ('src:osm:n123'), referenced and checked for distance before the
    layer is touched, so a re-import updates the same rows (same ids) rather than adding copies.
    """
    layer = LAYERS[layer_id]
    columns = store.table_columns(conn, layer)
    candidates = []
    for number, f in enumerate(facilities, start=1):
        values: dict[str, object] = {"name": f.name, "source": SOURCE, "source_id": f.source_id}
        if layer_id == "cameras":
            values.update(kind=f.kind, direction=f.direction)
        cand = Candidate(number, {k: v for k, v in values.items() if v is not None}, dict(f.properties))
        cand.geometry = shapely.Point(f.lon, f.lat)
        candidates.append(cand)
    ids = store.stage_rows(conn, layer, columns, candidates)
    store.key_staged_rows(conn, layer, candidates)
    apply_linear_reference(conn, layer, ids, table=store.STAGE)
    # A police station in a town often lies a few hundred metres from any drivable way: it is not on
    # the network the layer serves, which is no error in the file.
    far = {i for i, _ in too_far_from_road(conn, layer, settings, ids, table=store.STAGE)}
    keep = [i for i, c in zip(ids, candidates, strict=True) if i not in far and c.ok]
    store.upsert_staged(conn, layer, columns, keep, replace=False)
    if replace:
        sql = load_table_sql("queries/osm_delete_absent_facilities.sql", layer.table)
        conn.execute(sa.text(sql), {"source": SOURCE, "ids": keep})
    counts[layer_id] = len(keep)
    counts[f"{layer_id}_skipped_far_from_road"] = len(far)


def _relink_other_facilities(conn: Connection) -> int:
    """Re-reference facilities from other sources: replacing the network nulled their segment_id."""
    total = 0
    for layer in LAYERS.values():
        if layer.geometry_type != "Point" or layer.placement is None:
            continue
        ids = [
            int(r[0])
            for r in conn.execute(
                sa.text(f"SELECT id FROM {quote_ident(layer.table)} WHERE source <> :source"), {"source": SOURCE}
            )
        ]
        apply_linear_reference(conn, layer, ids)
        total += len(ids)
    return total

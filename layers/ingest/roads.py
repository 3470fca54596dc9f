"""`daoan import roads`: load a transport department's road centrelines as the routable network.

The file is read and checked whole before the transaction opens; the network is built (noded,
split, stakes interpolated) in numpy; then one transaction replaces (or extends) the network,
re-references the point facilities on it and records the run. Incidents need no rewrite: they are
held by route and stakes (or geometry) and found on the new segments by the routing overlay, which
rebuilds with the graph when the network's version changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis import ewkb
from gis.bulk import secondary_indexes_rebuilt
from gis.bulk_binary import copy_columns
from gis.db import connect
from gis.errors import ImportRejected, InvalidParameter
from gis.models import RoadSegment, insert_columns
from gis.settings import Settings
from gis.sqlfiles import load_sql, load_table_sql, quote_ident
from layers.catalog import LAYERS
from layers.ingest import roads_fields as rf
from layers.ingest.coords import parse_crs_option, resolve
from layers.ingest.linref import apply_linear_reference
from layers.ingest.roads_network import Network, _keys, build_network
from layers.ingest.roads_read import read_roads
from layers.ingest.roads_report import ValidationReport, validation_report
from layers.ingest.roads_rows import RoadRows, Tolerances, read_rows

log = logging.getLogger(__name__)

SOURCE = "roads"
_BULK = 50_000  # segments from which a replacing import rebuilds the indexes after COPY
_SUMMARY_ERRORS = 20
_SEGMENT_COLUMNS = insert_columns(RoadSegment)


@dataclass
class RoadImportReport:
    """What `import roads` read, loaded and left out, how it built the network, and the validation."""

    source_file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_skipped: int = 0
    segments: int = 0
    nodes: int = 0
    segments_replaced: int = 0
    facilities_relinked: int = 0
    snapped_ends: int = 0
    inserted_vertices: int = 0
    separated_vertices: int = 0
    dual_carriageway_rows: int = 0
    reversed_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    validation: ValidationReport | None = None

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "validation"}
        out["validation"] = self.validation.as_dict() if self.validation else None
        return out

    def summary(self) -> str:
        lines = [
            f"roads: {self.rows_loaded:,} of {self.rows_read:,} row(s) loaded from {self.source_file}: "
            f"{self.segments:,} segments, {self.nodes:,} nodes ({self.seconds:.1f} s)"
        ]
        if self.segments_replaced:
            lines.append(f"  {self.segments_replaced:,} segment(s) of the earlier network replaced")
        lines.append(
            "  columns: " + ", ".join(f"{k}={v}" for k, v in self.columns.items())
            if self.columns
            else "  columns: none"
        )
        lines.append(
            f"  junctions: {self.snapped_ends:,} line end(s) joined within the snap tolerance, "
            f"{self.inserted_vertices:,} vertex(es) added where an end meets a line, "
            f"{self.separated_vertices:,} shared vertex(es) left unjoined (grade separated in the file)"
        )
        if self.dual_carriageway_rows or self.reversed_rows:
            lines.append(
                f"  carriageways: {self.dual_carriageway_rows:,} row(s) recognised as dual carriageways, "
                f"{self.reversed_rows:,} one-way row(s) reversed into their direction of travel"
            )
        if self.facilities_relinked:
            lines.append(f"  {self.facilities_relinked:,} facilities referenced on the new network")
        if self.rows_skipped:
            lines.append(f"{self.rows_skipped:,} invalid row(s) skipped (--skip-invalid):")
            groups: dict[tuple[str, str], list[object]] = {}
            for err in self.errors:
                groups.setdefault((err["field"], err["reason"]), []).append(err["row"])
            for (field_name, reason), rows in list(groups.items())[:_SUMMARY_ERRORS]:
                shown = ", ".join(str(r) for r in rows[:5]) + (f", … ({len(rows):,} rows)" if len(rows) > 5 else "")
                lines.append(f"  row{'s' if len(rows) > 1 else ''} {shown}: {field_name}: {reason}")
            if len(groups) > _SUMMARY_ERRORS:
                lines.append(f"  … and {len(groups) - _SUMMARY_ERRORS:,} more kind(s) of problem")
        lines += [f"note: {n}" for n in self.notes]
        if self.validation:
            lines += self.validation.lines()
        return "\n".join(lines)


def import_roads(
    engine: Engine,
    settings: Settings,
    path: Path | str,
    *,
    crs: str | None = None,
    mapping: Sequence[str] | dict[str, str] = (),
    stake_unit: str = "km",
    skip_invalid: bool = False,
    replace: bool = True,
    snap_m: float = 2.0,
    imported_by: str = "cli",
    conn: Connection | None = None,
) -> RoadImportReport:
    """Import a road centreline file as the road network, in one transaction.

    Any problem row raises ImportRejected listing every one and changes nothing, unless
    `skip_invalid`. `replace` deletes the network loaded before (any source); otherwise the new
    lines are added and joined to it where they share a node's position. `conn`: a connection whose
    transaction the import joins (the demo's, which loads the rest of its data in the same one);
    by default the import opens its own.
    """
    started = time.perf_counter()
    if stake_unit not in rf.STAKE_UNITS:
        raise InvalidParameter(f"stake unit must be km or m; got {stake_unit!r}", parameter="stake_unit")
    if not 0 <= snap_m <= 50:
        raise InvalidParameter(f"the snap tolerance must be 0–50 m; got {snap_m:g}", parameter="snap_m")
    mapped = dict(mapping) if isinstance(mapping, dict) else rf.parse_mapping(list(mapping))
    for key in mapped:
        if key not in rf.DEFAULTS:
            raise InvalidParameter(f"unknown field {key!r}; fields: {', '.join(rf.FIELDS)}", parameter="map")
    parse_crs_option(crs)
    path = Path(path)
    table = read_roads(path)
    coords, crs_note = resolve(crs, table.declared_crs)
    columns = rf.resolve_columns(list(table.columns), mapped, truncated=table.truncated_names)
    tol = Tolerances(snap_m=snap_m)
    rows = read_rows(table, coords, columns, stake_unit=stake_unit, service_area=settings.service_area, tol=tol)
    report = RoadImportReport(
        table.name,
        rows_read=len(table),
        columns={k: v for k, v in columns.items()},
        notes=list(table.notes) + ([crs_note] if crs_note else []),
        dual_carriageway_rows=rows.dual_recognised,
        reversed_rows=rows.reversed_rows,
    )
    if "start_stake" not in columns:
        report.notes.append("the file has no stake columns (起点桩号/止点桩号): segments are loaded without stakes")
    ok = rows.ok
    bad_rows = int((~ok).sum())
    if bad_rows == len(ok):
        first = rows.problems[0]
        raise ImportRejected(
            f"{table.name}: none of the {len(ok):,} row(s) is valid, nothing was imported; "
            f"first: row {first['row']}: {first['field']}: {first['reason']}",
            errors=rows.problems,
        )
    if bad_rows and not skip_invalid:
        first = rows.problems[0]
        raise ImportRejected(
            f"{table.name}: {bad_rows:,} of {len(ok):,} row(s) have problems, nothing was imported "
            f"(fix them, or pass --skip-invalid to load the other {len(ok) - bad_rows:,}); "
            f"first: row {first['row']}: {first['field']}: {first['reason']}",
            errors=rows.problems,
        )
    keep = np.flatnonzero(ok)
    net = build_network(rows.geoms[keep], rows.level[keep], snap_m)
    report.snapped_ends, report.inserted_vertices = net.snapped_ends, net.inserted_vertices
    report.separated_vertices = net.separated_vertices
    # One transaction; a worker thread runs its COPYs and index builds while this thread prepares
    # the next step and the validation report (the connection is used by one thread at a time).
    transaction = nullcontext(conn) if conn is not None else connect(engine)
    with transaction as conn, ThreadPoolExecutor(1, thread_name_prefix="roads-db") as db:
        touched: list[str] = []
        if replace:
            report.segments_replaced = int(conn.execute(sa.text("SELECT count(*) FROM road_segments")).scalar_one())
            touched = _delete_network(conn)
        report.nodes, written = _write(conn, db, rows, keep, net, replace=replace)
        report.validation = validation_report(rows, keep, net, tol)
        report.segments = written.result()
        if touched:
            _end_bulk(conn, touched)
        report.facilities_relinked = _relink(conn, net, append=not replace)
        report.rows_loaded = len(keep)
        report.rows_skipped = bad_rows
        report.errors = rows.problems
        conn.execute(
            sa.text(load_sql("queries/osm_record_run.sql")),
            {
                "layer": "road_segments",
                "source_file": table.name,
                "rows_loaded": report.rows_loaded,
                "rows_skipped": report.rows_skipped,
                "imported_by": imported_by,
            },
        )
        conn.execute(sa.text("ANALYZE road_segments"))
        conn.execute(sa.text("ANALYZE road_nodes"))
    report.seconds = time.perf_counter() - started
    log.info("imported %s: %d segments, %d nodes in %.1f s", table.name, report.segments, report.nodes, report.seconds)
    return report


def _delete_network(conn: Connection) -> list[str]:
    """Delete the road network; the tables changed with foreign-key checks off (see below), else [].

    Deleting a province's 600,000 segments row by row fires every foreign key pointing at them (the
    facilities' segment_id, turn restrictions, terrain) once per row: minutes. A superuser (the CLI's
    owner role) clears those references in bulk instead, by each key's own rule (cascade: delete, set
    null: null), and deletes the network and loads the new one with the triggers off
    (session_replication_role = replica) in this transaction; `_end_bulk` turns them on again and
    bumps the versions of the tables changed. Other roles (the HTTP server's) take the plain path.
    """
    superuser = conn.execute(sa.text("SELECT current_setting('is_superuser') = 'on'")).scalar_one()
    refs = conn.execute(sa.text(load_sql("queries/roads_network_references.sql"))).all() if superuser else []
    if not superuser or any(rule not in ("c", "n") for _, _, rule in refs):
        conn.execute(sa.text(load_sql("queries/osm_delete_network.sql")))
        return []
    conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
    touched = ["road_segments", "road_nodes"]
    for table, column, rule in refs:
        t, c = quote_ident(table), quote_ident(column)
        if rule == "c":
            conn.execute(sa.text(f"DELETE FROM {t} WHERE {c} IS NOT NULL"))
        else:
            conn.execute(sa.text(f"UPDATE {t} SET {c} = NULL WHERE {c} IS NOT NULL"))
        touched.append(table)
    conn.execute(sa.text("DELETE FROM road_segments"))
    conn.execute(sa.text("DELETE FROM road_nodes"))
    return list(dict.fromkeys(touched))


def _end_bulk(conn: Connection, touched: list[str]) -> None:
    """Triggers on again; an empty statement on each changed table fires its version trigger."""
    conn.execute(sa.text("SET LOCAL session_replication_role = origin"))
    for table in touched:
        conn.execute(sa.text(f"DELETE FROM {quote_ident(table)} WHERE false"))


def _reserve_ids(conn: Connection, table: str, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    conn.execute(sa.text(f"LOCK TABLE {quote_ident(table)} IN EXCLUSIVE MODE"))  # readers go on
    last = int(
        conn.execute(sa.text(load_sql("queries/roads_reserve_ids.sql")), {"table_name": table, "n": n}).scalar_one()
    )
    return np.arange(last - n + 1, last + 1, dtype=np.int64)


def _write(
    conn: Connection, db: ThreadPoolExecutor, rows: RoadRows, keep: np.ndarray, net: Network, *, replace: bool
) -> tuple[int, Future[int]]:
    """COPY the nodes (joined to existing ones at the same position with --append) and segments, on
    the worker `db`; (the new nodes, the segments written when the worker is done)."""
    n_nodes, n_seg = len(net.node_lonlat), len(net.seg_line)
    node_ids = np.zeros(n_nodes, dtype=np.int64)
    new = np.ones(n_nodes, dtype=bool)
    if not replace and n_nodes:
        west, south = net.node_lonlat.min(axis=0)
        east, north = net.node_lonlat.max(axis=0)
        existing = conn.execute(
            sa.text(load_sql("queries/roads_nodes_in_box.sql")),
            {
                "west": float(west) - 1e-6,
                "south": float(south) - 1e-6,
                "east": float(east) + 1e-6,
                "north": float(north) + 1e-6,
            },
        ).all()
        if existing:
            ids = np.array([r[0] for r in existing], dtype=np.int64)
            known = dict(zip(_keys(np.array([[r[1], r[2]] for r in existing])).tolist(), ids.tolist(), strict=True))
            for k, key in enumerate(_keys(net.node_lonlat).tolist()):
                if key in known:
                    node_ids[k] = known[key]
                    new[k] = False
    node_ids[new] = _reserve_ids(conn, "road_nodes", int(new.sum()))
    seg_ids = _reserve_ids(conn, "road_segments", n_seg)
    areas = conn.execute(sa.text(load_sql("queries/roads_counties.sql"))).all()
    line_rows = keep[net.seg_line]
    interchange = _hub_nodes(rows, line_rows, net)
    new_idx = np.flatnonzero(new)
    nodes = {
        "id": node_ids[new_idx],
        "interchange": interchange[new_idx],
        "source": np.full(len(new_idx), SOURCE, dtype=object),
        "geom": ewkb.points(net.node_lonlat[new_idx], 4326),
    }
    bulk = replace and n_seg >= _BULK
    nodes_written = db.submit(_copy, conn, "road_nodes", nodes, bulk=bulk)
    segments = _segment_columns(areas, rows, line_rows, net, seg_ids, node_ids)
    return int(new.sum()), db.submit(_copy, conn, "road_segments", segments, bulk=bulk, after=nodes_written)


def _copy(
    conn: Connection, table: str, columns: dict[str, object], *, bulk: bool, after: Future[int] | None = None
) -> int:
    """copy_columns (after the job `after` succeeded), with the table's secondary indexes dropped
    and built again after it when `bulk`."""
    if after is not None:
        after.result()
    if not bulk:
        return copy_columns(conn, table, columns)
    with secondary_indexes_rebuilt(conn, table):
        return copy_columns(conn, table, columns)


def _hub_nodes(rows: RoadRows, line_rows: np.ndarray, net: Network) -> np.ndarray:
    """Nodes where expressways of two route codes meet (hub interchanges, 枢纽互通)."""
    out = np.zeros(len(net.node_lonlat), dtype=bool)
    express = (_objects(rows.road_class) == "expressway")[line_rows]
    if not express.any():
        return out
    seen: dict[int, str] = {}
    for s in np.flatnonzero(express).tolist():
        code = rows.route_code[line_rows[s]]
        if not code:
            continue
        for node in (int(net.seg_source[s]), int(net.seg_target[s])):
            other = seen.setdefault(node, code)
            if other != code:
                out[node] = True
    return out


def _objects(values: list) -> np.ndarray:  # type: ignore[type-arg]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _segment_columns(
    areas: Sequence[Sequence[Any]],
    rows: RoadRows,
    line_rows: np.ndarray,
    net: Network,
    seg_ids: np.ndarray,
    node_ids: np.ndarray,
) -> dict[str, object]:
    """The segments' columns (copy_columns), stakes interpolated along each line, county by midpoint."""
    s0, s1 = rows.start_stake[line_rows], rows.end_stake[line_rows]
    start = s0 + net.seg_frac[:, 0] * (s1 - s0)
    end = s0 + net.seg_frac[:, 1] * (s1 - s0)
    county = _counties(areas, _midpoints(net.seg_coords, net.seg_offsets))
    # a rural 路线编码 names its county (Y001430423): the segment is that county's road
    named = _objects(rows.route_county)[line_rows]
    county = [n if n is not None else c for n, c in zip(named.tolist(), county, strict=True)]
    # pieces of one row are numbered along it: '<id>#2', '#3' …; a row loaded whole keeps its id
    piece = np.ones(len(line_rows), dtype=np.int64)
    if len(line_rows) > 1:
        same = line_rows[1:] == line_rows[:-1]
        run_start = np.concatenate([[0], np.flatnonzero(~same) + 1])
        idx = np.arange(len(line_rows))
        piece = idx - np.repeat(run_start, np.diff(np.concatenate([run_start, [len(line_rows)]]))) + 1
    pieces_of = np.bincount(line_rows, minlength=len(rows.row))
    sid = _objects(rows.source_id)[line_rows]
    split = pieces_of[line_rows] > 1
    sid[split] = [f"{a}#{b}" for a, b in zip(sid[split].tolist(), piece[split].tolist(), strict=True)]
    classes = _objects(rows.road_class)
    speeds = {c: rf.default_speed(c or "") for c in set(rows.road_class)}
    columns: dict[str, object] = {
        "id": seg_ids,
        "road_class": classes[line_rows],
        "route_code": _objects(rows.route_code)[line_rows],
        "name": _objects(rows.name)[line_rows],
        "oneway": rows.oneway[line_rows],
        "lanes": _objects(rows.lanes)[line_rows],
        "maxspeed_kmh": _objects(rows.maxspeed)[line_rows],
        "default_speed_kmh": np.array([speeds[c] for c in rows.road_class], dtype=np.int64)[line_rows],
        "length_m": np.round(net.seg_length_m, 3),
        "bridge": rows.bridge[line_rows],
        "tunnel": rows.tunnel[line_rows],
        "start_stake_m": np.round(start, 3),
        "end_stake_m": np.round(end, 3),
        "county_adcode": _objects(county),
        "source_node": node_ids[net.seg_source],
        "target_node": node_ids[net.seg_target],
        "source": np.full(len(line_rows), SOURCE, dtype=object),
        "source_id": sid,
        "geom": ewkb.linestrings(net.seg_coords, net.seg_offsets, 4326),
        "technical_grade": _objects(rows.technical_grade)[line_rows],
        "surface": _objects(rows.surface)[line_rows],
    }
    assert tuple(columns) == _SEGMENT_COLUMNS
    return columns


def _midpoints(coords: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(n, 2) the point halfway along each line (line k: coords[offsets[k]:offsets[k + 1]], two
    vertices or more), measured in degrees as shapely.line_interpolate_point(…, 0.5, normalized=True)."""
    n = len(offsets) - 1
    if n == 0:
        return np.zeros((0, 2))
    counts = np.diff(offsets)
    step = np.zeros(len(coords))
    step[1:] = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    step[offsets[:-1]] = 0.0
    cum = np.cumsum(step)
    cum -= np.repeat(cum[offsets[:-1]], counts)
    half = np.repeat(cum[offsets[1:] - 1] / 2.0, counts)
    line_of = np.repeat(np.arange(n), counts)
    past = np.flatnonzero((cum >= half) & (step > 0) | (np.arange(len(coords)) == np.repeat(offsets[1:] - 1, counts)))
    first = past[np.concatenate([[True], line_of[past][1:] != line_of[past][:-1]])]
    prev = first - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(step[first] > 0, (half[first] - cum[prev]) / step[first], 0.0)
    return coords[prev] + t[:, None] * (coords[first] - coords[prev])


def _counties(areas: Sequence[Sequence[Any]], mids: np.ndarray) -> list[str | None]:
    """The county (`areas`: adcode, WKB of admin_areas) holding each segment's midpoint `mids`; None
    where none is loaded or holds it."""
    out: list[str | None] = [None] * len(mids)
    if not areas or not len(mids):
        return out
    polys = shapely.from_wkb([bytes(r[1]) for r in areas])
    codes = [r[0] for r in areas]
    tree = shapely.STRtree(polys)
    p, a = tree.query(shapely.points(mids))  # bounding boxes; then the point-in-polygon test, prepared
    shapely.prepare(polys)
    inside = shapely.contains_xy(polys[a], mids[p, 0], mids[p, 1])
    p, a = p[inside], a[inside]
    order = np.lexsort((a, p))  # the lowest adcode where polygons overlap, as the OSM import does
    p, a = p[order], a[order]
    first = np.concatenate([[True], p[1:] != p[:-1]]) if len(p) else np.zeros(0, dtype=bool)
    for seg, area in zip(p[first].tolist(), a[first].tolist(), strict=True):
        out[seg] = codes[area]
    return out


def _relink(conn: Connection, net: Network, *, append: bool) -> int:
    """Reference again the point facilities whose segment went with the old network (and, with
    --append, those near the new lines)."""
    if len(net.node_lonlat):
        west, south = net.node_lonlat.min(axis=0).tolist()
        east, north = net.node_lonlat.max(axis=0).tolist()
    else:
        west = south = east = north = 0.0
    total = 0
    for layer in LAYERS.values():
        if layer.geometry_type != "Point" or layer.placement is None:
            continue
        sql = load_table_sql("queries/roads_relink_ids.sql", layer.table)
        ids = [
            int(r[0])
            for r in conn.execute(
                sa.text(sql), {"append": append, "west": west, "south": south, "east": east, "north": north}
            )
        ]
        apply_linear_reference(conn, layer, ids)
        total += len(ids)
    return total

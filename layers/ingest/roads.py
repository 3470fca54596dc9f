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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis.bulk import copy_rows, secondary_indexes_rebuilt
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
_CHUNK = 50_000
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
) -> RoadImportReport:
    """Import a road centreline file as the road network, in one transaction.

    Any problem row raises ImportRejected listing every one and changes nothing, unless
    `skip_invalid`. `replace` deletes the network loaded before (any source); otherwise the new
    lines are added and joined to it where they share a node's position.
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
    with connect(engine) as conn:
        touched: list[str] = []
        if replace:
            report.segments_replaced = int(conn.execute(sa.text("SELECT count(*) FROM road_segments")).scalar_one())
            touched = _delete_network(conn)
        report.nodes, report.segments = _write(conn, rows, keep, net, replace=replace)
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
    report.validation = validation_report(rows, keep, net, tol)
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


def _ewkb(geoms: np.ndarray) -> list[str]:
    return list(shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True))


def _write(conn: Connection, rows: RoadRows, keep: np.ndarray, net: Network, *, replace: bool) -> tuple[int, int]:
    """COPY the nodes (joined to existing ones at the same position with --append) and segments."""
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
    line_rows = keep[net.seg_line]
    interchange = _hub_nodes(rows, line_rows, net)
    new_idx = np.flatnonzero(new)
    node_geoms = _ewkb(shapely.points(net.node_lonlat[new_idx])) if len(new_idx) else []
    node_rows = zip(
        node_ids[new_idx].tolist(),
        interchange[new_idx].tolist(),
        [SOURCE] * len(new_idx),
        node_geoms,
        strict=True,
    )
    bulk = replace and n_seg >= _BULK
    if bulk:
        with secondary_indexes_rebuilt(conn, "road_nodes"):
            copy_rows(conn, "road_nodes", ("id", "interchange", "source", "geom"), node_rows)
    else:
        copy_rows(conn, "road_nodes", ("id", "interchange", "source", "geom"), node_rows)
    segments = _segment_rows(conn, rows, line_rows, net, seg_ids, node_ids)
    if bulk:
        with secondary_indexes_rebuilt(conn, "road_segments"):
            n = copy_rows(conn, "road_segments", _SEGMENT_COLUMNS, segments)
    else:
        n = copy_rows(conn, "road_segments", _SEGMENT_COLUMNS, segments)
    return int(new.sum()), n


def _hub_nodes(rows: RoadRows, line_rows: np.ndarray, net: Network) -> np.ndarray:
    """Nodes where expressways of two route codes meet (hub interchanges, 枢纽互通)."""
    out = np.zeros(len(net.node_lonlat), dtype=bool)
    express = np.array([rows.road_class[i] == "expressway" for i in line_rows.tolist()], dtype=bool)
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


def _segment_rows(
    conn: Connection,
    rows: RoadRows,
    line_rows: np.ndarray,
    net: Network,
    seg_ids: np.ndarray,
    node_ids: np.ndarray,
) -> Iterator[Sequence[object]]:
    """Rows in _SEGMENT_COLUMNS order, stakes interpolated along each line, county by midpoint."""
    s0, s1 = rows.start_stake[line_rows], rows.end_stake[line_rows]
    start = s0 + net.seg_frac[:, 0] * (s1 - s0)
    end = s0 + net.seg_frac[:, 1] * (s1 - s0)
    county = _counties(conn, net.seg_geoms)
    # pieces of one row are numbered along it: '<id>#2', '#3' …; a row loaded whole keeps its id
    piece = np.ones(len(line_rows), dtype=np.int64)
    if len(line_rows) > 1:
        same = line_rows[1:] == line_rows[:-1]
        run_start = np.concatenate([[0], np.flatnonzero(~same) + 1])
        idx = np.arange(len(line_rows))
        piece = idx - np.repeat(run_start, np.diff(np.concatenate([run_start, [len(line_rows)]]))) + 1
    pieces_of = np.bincount(line_rows, minlength=len(rows.row))
    sid = np.array(rows.source_id, dtype=object)[line_rows]
    split = pieces_of[line_rows] > 1
    sid[split] = [f"{a}#{b}" for a, b in zip(sid[split].tolist(), piece[split].tolist(), strict=True)]

    def per_segment(values: list) -> list:  # type: ignore[type-arg]
        return np.array(values, dtype=object)[line_rows].tolist()

    def stakes(values: np.ndarray) -> list:  # type: ignore[type-arg]
        out = np.round(values, 3).astype(object)
        out[np.isnan(values)] = None
        return out.tolist()

    columns = [
        seg_ids.tolist(),
        per_segment(rows.road_class),
        per_segment(rows.route_code),
        per_segment(rows.name),
        rows.oneway[line_rows].tolist(),
        per_segment(rows.lanes),
        per_segment(rows.maxspeed),
        per_segment([rf.default_speed(c or "") for c in rows.road_class]),
        np.round(net.seg_length_m, 3).tolist(),
        rows.bridge[line_rows].tolist(),
        rows.tunnel[line_rows].tolist(),
        stakes(start),
        stakes(end),
        county,
        node_ids[net.seg_source].tolist(),
        node_ids[net.seg_target].tolist(),
        [SOURCE] * len(line_rows),
        sid.tolist(),
        None,  # geometry, in chunks below
        per_segment(rows.technical_grade),
        per_segment(rows.surface),
    ]
    for a in range(0, len(line_rows), _CHUNK):
        b = min(a + _CHUNK, len(line_rows))
        chunk = [c[a:b] if c is not None else _ewkb(net.seg_geoms[a:b]) for c in columns]
        yield from zip(*chunk, strict=True)


def _counties(conn: Connection, geoms: np.ndarray) -> list[str | None]:
    """The county (admin_areas) holding each segment's midpoint; None where none is loaded or holds it."""
    areas = conn.execute(sa.text(load_sql("queries/roads_counties.sql"))).all()
    out: list[str | None] = [None] * len(geoms)
    if not areas or not len(geoms):
        return out
    polys = shapely.from_wkb([bytes(r[1]) for r in areas])
    codes = [r[0] for r in areas]
    mids = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
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

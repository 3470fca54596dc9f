"""Writing validated import rows: staged with COPY, keyed, upserted on the natural key; the run record."""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import psycopg2
import shapely
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Connection

from gis.bulk import copy_rows
from gis.errors import ImportRejected
from gis.sqlfiles import load_sql, quote_ident
from layers.catalog import Layer
from layers.ingest.keys import code_column, key_expression
from layers.ingest.validate import Candidate, shown

log = logging.getLogger(__name__)
_GEOD = Geod(ellps="WGS84")
_COPY_BATCH_ROWS = 50_000  # gis.bulk sends COPY in batches of this size; line numbers restart per batch
_COPY_LINE = re.compile(r"line (\d+)")
STAGE = "import_stage"  # the temporary table an import stages its rows in (sql/queries/import_stage_create.sql)


def ewkb_hex(geom: BaseGeometry) -> str:
    """Hex EWKB of a WGS84 geometry with SRID 4326, as COPY loads it into a geometry column."""
    return str(shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True))


def table_columns(conn: Connection, layer: Layer) -> set[str]:
    """Names of the writable columns of the layer's table."""
    rows = conn.execute(sa.text(load_sql("queries/facilities_table_columns.sql")), {"table": layer.table})
    return {r[0] for r in rows}


def departments(conn: Connection) -> dict[str, str]:
    """Accepted spellings (lower case) of each department: its name and English name → its name."""
    out: dict[str, str] = {}
    for name, name_en in conn.execute(sa.text(load_sql("queries/departments.sql"))):
        out[name.lower()] = out[name_en.lower()] = name
    return out


def check_unique(conn: Connection, layer: Layer, candidates: Sequence[Candidate]) -> None:
    """Add an error to every candidate whose value of a unique column repeats one in the file or the table."""
    columns = [
        r[0] for r in conn.execute(sa.text(load_sql("queries/facilities_unique_columns.sql")), {"table": layer.table})
    ]
    for column in columns:
        first_row: dict[object, int] = {}
        for cand in candidates:
            value = cand.values.get(column)
            if value is None or not cand.ok:
                continue
            if value in first_row:
                cand.errors.append(
                    (column, f"{shown(value)} appears more than once in the file (first in row {first_row[value]})")
                )
            else:
                first_row[value] = cand.row
        if not first_row or column == code_column(layer):
            continue  # a code already in the layer is the row the import updates
        existing = {
            r[0]
            for r in conn.execute(
                sa.text(
                    f"SELECT {quote_ident(column)} FROM {quote_ident(layer.table)} "
                    f"WHERE {quote_ident(column)} = ANY (:values)"
                ),
                {"values": [str(v) for v in first_row]},
            )
        }
        for cand in candidates:
            value = cand.values.get(column)
            if cand.ok and value is not None and str(value) in existing:
                cand.errors.append(
                    (column, f"{shown(value)} is already in {layer.id}; use --replace to reload the layer")
                )


def _copy_value(value: object) -> object:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    return value


def _json_default(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _section_values(geom: BaseGeometry, values: dict[str, object]) -> dict[str, object]:
    """Length and end points of an interval speed section; a length given in the file wins."""
    coords = shapely.get_coordinates(geom)
    extra: dict[str, object] = {
        "start_geom": ewkb_hex(shapely.Point(coords[0])),
        "end_geom": ewkb_hex(shapely.Point(coords[-1])),
    }
    if values.get("length_m") is None:
        extra["length_m"] = float(_GEOD.geometry_length(geom))
    return extra


@dataclass
class Upserted:
    """What an upsert did: rows inserted, updated in place, left unchanged, deleted (--replace)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def stage_rows(conn: Connection, layer: Layer, columns: set[str], candidates: Sequence[Candidate]) -> list[int]:
    """COPY the candidates into the import's staging table; their stage ids (1..n, in order).

    Rows are grouped by the columns they carry so that absent values take the column defaults.
    A row the database refuses (a CHECK constraint) becomes ImportRejected naming that row.
    """
    conn.execute(sa.text(load_sql("queries/import_stage_drop.sql")))
    conn.execute(sa.text(load_sql("queries/import_stage_create.sql").replace("{table}", quote_ident(layer.table))))
    ids = list(range(1, len(candidates) + 1))
    groups: dict[tuple[str, ...], list[tuple[Candidate, list[object]]]] = defaultdict(list)
    for cand in candidates:
        if cand.geometry is None:
            raise ValueError(f"row {cand.row} has no geometry")
    geoms = np.empty(len(candidates), dtype=object)
    geoms[:] = [cand.geometry for cand in candidates]
    hexes = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True).tolist() if len(geoms) else []
    for cand, stage_id, hexed in zip(candidates, ids, hexes, strict=True):
        row: dict[str, object] = {"id": stage_id, **cand.values, "geom": hexed}
        if "properties" in columns:
            row["properties"] = json.dumps(cand.extras, ensure_ascii=False, default=_json_default)
        if layer.id == "interval_speed_sections":
            row.update(_section_values(cand.geometry, cand.values))
        names = tuple(sorted(row))
        groups[names].append((cand, [_copy_value(row[n]) for n in names]))
    for names, rows in groups.items():
        try:
            copy_rows(conn, STAGE, names, [values for _, values in rows])
        except psycopg2.Error as exc:
            raise _rejected_by_database(layer, exc, [cand for cand, _ in rows]) from None
    return ids


def key_staged_rows(conn: Connection, layer: Layer, candidates: Sequence[Candidate]) -> None:
    """Give every staged row its natural key; a code or record id met twice is an error of the later row.

    Rows whose key is the hash of kind, name and position are numbered instead ('#2', …), in file order.
    """
    conn.execute(sa.text(load_sql("queries/import_stage_keys.sql").replace("{key}", key_expression(layer, "t"))))
    code = code_column(layer)
    for stage_id, first_id, key in conn.execute(sa.text(load_sql("queries/import_stage_repeats.sql"))):
        cand, first = candidates[stage_id - 1], candidates[first_id - 1]
        field_name, value = (code, first.values.get(code)) if key.startswith("code:") and code else ("source_id", None)
        if value is None:
            value = first.values.get("source_id")
        cand.errors.append(
            (field_name or "source_id", f"{shown(value)} appears more than once in the file (first in row {first.row})")
        )
    conn.execute(sa.text(load_sql("queries/natural_keys_number.sql")))


def upsert_staged(conn: Connection, layer: Layer, columns: set[str], ids: Sequence[int], *, replace: bool) -> Upserted:
    """Upsert the staged rows `ids` into the layer on its natural key; with `replace`, delete the rest."""
    names = sorted(c for c in columns if c != "id")
    cols = ", ".join(quote_ident(c) for c in names)
    sql = (
        load_sql("queries/import_upsert.sql")
        .replace("{table}", quote_ident(layer.table))
        .replace("{columns}", cols)
        .replace("{set}", ", ".join(f"{quote_ident(c)} = EXCLUDED.{quote_ident(c)}" for c in names))
        .replace("{old}", ", ".join(f"t.{quote_ident(c)}" for c in names))
        .replace("{new}", ", ".join(f"EXCLUDED.{quote_ident(c)}" for c in names))
    )
    result = Upserted()
    if {"install_date", "install_year", "retired_on", "status"} <= set(columns):
        conn.execute(sa.text(load_sql("queries/import_stage_dates.sql").replace("{table}", quote_ident(layer.table))))
    if ids:
        try:
            flags = [bool(r[0]) for r in conn.execute(sa.text(sql), {"ids": list(ids)})]
        except sa.exc.DBAPIError as exc:
            raise _rejected_by_database(layer, exc.orig, []) from None  # type: ignore[arg-type]
        result.inserted = sum(flags)
        result.updated = len(flags) - result.inserted
        result.unchanged = len(ids) - len(flags)
    if replace:
        delete = load_sql("queries/import_delete_absent.sql").replace("{table}", quote_ident(layer.table))
        result.deleted = conn.execute(sa.text(delete), {"ids": list(ids)}).rowcount
    return result


def _rejected_by_database(layer: Layer, exc: psycopg2.Error, group: Sequence[Candidate]) -> ImportRejected:
    """ImportRejected for a row COPY refused, found from the line number the server reports."""
    diag = exc.diag
    match = _COPY_LINE.search(diag.context or "")
    row: int | None = None
    if match and len(group) <= _COPY_BATCH_ROWS and 0 < int(match.group(1)) <= len(group):
        row = group[int(match.group(1)) - 1].row
    field = diag.column_name or "row"
    log.warning("COPY into %s refused: %s (%s)", layer.table, diag.message_primary, diag.context)
    if diag.constraint_name:
        reason = f"refused by the database rule {diag.constraint_name}"
    else:
        reason = "refused by the database (a value out of range or of the wrong type)"
    where = f"row {row}" if row is not None else "a row"
    return ImportRejected(
        f"{layer.id}: {where} was refused by the database; nothing was imported",
        errors=[{"row": row, "field": field, "reason": reason}],
    )


def reference_sections(conn: Connection, ids: Sequence[int], limit_m: float) -> None:
    """Fill route_code, start/end stakes and county of staged sections whose ends lie on one route."""
    if ids:
        conn.execute(sa.text(load_sql("queries/facilities_section_stakes.sql")), {"ids": list(ids), "limit_m": limit_m})


def record_run(
    conn: Connection, layer: Layer, source_file: str, rows_loaded: int, rows_skipped: int, imported_by: str
) -> int:
    """Insert the import_runs row of this import; its id."""
    return int(
        conn.execute(
            sa.text(load_sql("queries/facilities_record_run.sql")),
            {
                "layer": layer.id,
                "source_file": source_file,
                "rows_loaded": rows_loaded,
                "rows_skipped": rows_skipped,
                "imported_by": imported_by,
            },
        ).scalar_one()
    )

"""Natural keys of importable layers: what an import upserts on (migration 016 defines the SQL).

A row's key is, by precedence, the layer's own code (a camera's device code, a weather station's CMA
station number, an adcode), the source's record id ('src:<source>:<source_id>'), else a hash of kind,
name and position rounded to 1e-5 degree; rows equal in all of these within one file are numbered
'#2', '#3', … in file order.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_table_sql, quote_ident
from layers.catalog import Layer

# table → (code column, kind column); the same choices as migration 016's backfill.
KEY_COLUMNS: dict[str, tuple[str | None, str | None]] = {
    "admin_areas": ("adcode", "level"),
    "cameras": ("code", "kind"),
    "interval_speed_sections": (None, None),
    "enforcement_stations": (None, None),
    "toll_stations": (None, None),
    "service_areas": (None, None),
    "guidance_signs": (None, "kind"),
    "weather_stations": ("station_code", "kind"),
    "command_centres": (None, "level"),
    "admin_seats": ("adcode", "level"),
    "hazard_zones": (None, "kind"),
    "accidents": (None, None),
    "violations": (None, "kind"),
}
# Tables without a name column: their hash key is taken over kind, the time of the record and position.
_NAMELESS = {"accidents": "occurred_at", "violations": "day"}


def code_column(layer: Layer) -> str | None:
    """The column holding the layer's own identifier, if it has one."""
    return KEY_COLUMNS[layer.table][0]


def key_expression(layer: Layer, alias: str) -> str:
    """SQL computing the natural key of a row of `layer` called `alias` (names from code, quoted)."""
    code, kind = KEY_COLUMNS[layer.table]
    source_id = "NULL" if layer.table == "admin_areas" else f'{alias}."source_id"'
    when = _NAMELESS.get(layer.table)
    name = f"{alias}.{quote_ident(when)}::text" if when else f'{alias}."name"'
    return (
        f'daoan_natural_key({f"{alias}.{quote_ident(code)}" if code else "NULL"}, {alias}."source", {source_id}, '
        f'{f"{alias}.{quote_ident(kind)}" if kind else "NULL"}, {name}, {alias}."geom")'
    )


def assign_keys(conn: Connection, layer: Layer, table: str | None = None) -> None:
    """Key every row of the layer's `table` (default: its own; a name from code), numbering repeated keys."""
    sql = load_table_sql("queries/natural_keys_assign.sql", table or layer.table)
    conn.execute(sa.text(sql.replace("{key}", key_expression(layer, "t"))))

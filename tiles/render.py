"""Render layers of one tile in PostgreSQL with prepared statements, one per layer and zoom band."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from layers.catalog import Layer
from tiles.matrix import TileAddress
from tiles.queries import PARAM_TYPES, layer_query, session_sql

_PREPARED = "daoan.tiles.prepared"  # key in the DBAPI connection's info: statements prepared on it


def _prepared_names(conn: Connection) -> set[str]:
    # The pool keeps .info for the lifetime of the DBAPI connection; a replaced connection starts empty.
    return conn.connection.info.setdefault(_PREPARED, set())


def render_layers(conn: Connection, layers: Sequence[Layer], tile: TileAddress) -> dict[str, bytes]:
    """The MVT bytes of each layer for `tile` (empty bytes when the layer has nothing there)."""
    prepared = _prepared_names(conn)
    out: dict[str, bytes] = {}
    session = session_sql()
    for layer in layers:
        if tile.z < layer.minzoom:
            out[layer.id] = b""
            continue
        query = layer_query(layer, tile.z)
        if query.name not in prepared:
            conn.exec_driver_sql(f"PREPARE {query.name} ({PARAM_TYPES}) AS {query.sql}")
            prepared.add(query.name)
        placeholders = ", ".join(["%s"] * 10)
        # The session settings ride along with the first EXECUTE: one round trip.
        statement = f"{session}\nEXECUTE {query.name} ({placeholders})"
        session = ""
        data = conn.exec_driver_sql(statement, query.params(tile)).scalar()
        out[layer.id] = bytes(data) if data else b""
    return out


def explain_layer(conn: Connection, layer: Layer, tile: TileAddress) -> list[str]:
    """EXPLAIN output of `layer`'s tile query for `tile` (literal values, as a fresh plan)."""
    query = layer_query(layer, tile.z)
    sql = query.sql
    for i, value in reversed(list(enumerate(query.params(tile), start=1))):
        literal = conn.exec_driver_sql("SELECT quote_literal(%s)", (value,)).scalar()
        sql = sql.replace(f"${i}", f"{literal}::{PARAM_TYPES.split(', ')[i - 1]}")
    conn.exec_driver_sql(session_sql())
    return [row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql)]

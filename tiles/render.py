"""Render layers of one tile in PostgreSQL with prepared statements, one per layer and zoom band.

Two ways in: `render_layers` on a caller's SQLAlchemy connection (seeding, benchmarks, tests), and
`TileRenderer`, the server's lean path: its own small pool of autocommit connections that carry the
tile session settings from their start (libpq `options`), are not pinged before use and keep their
statements prepared, so an uncached tile costs one round trip per layer, as `pgbench -M prepared`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.db import create_lean_engine, with_lean
from layers.catalog import Layer
from tiles.matrix import TileAddress
from tiles.queries import PARAM_TYPES, layer_query, session_sql

log = logging.getLogger(__name__)

_PREPARED = "daoan.tiles.prepared"  # key in the DBAPI connection's info: statements prepared on it
_EXECUTE = ", ".join(["%s"] * len(PARAM_TYPES.split(", ")))


def _render(
    cursor: Any, prepared: set[str], layers: Sequence[Layer], tile: TileAddress, session: str, internal: bool
) -> dict[str, bytes]:
    """Run each layer's prepared statement on a DBAPI cursor; `session` rides along with the first.
    Internal properties are drawn only when `internal`."""
    out: dict[str, bytes] = {}
    for layer in layers:
        if tile.z < layer.minzoom:
            out[layer.id] = b""
            continue
        query = layer_query(layer, tile.z, internal)
        if query.name not in prepared:
            cursor.execute(f"PREPARE {query.name} ({PARAM_TYPES}) AS {query.sql}")
            prepared.add(query.name)
        cursor.execute(f"{session}\nEXECUTE {query.name} ({_EXECUTE})", query.params(tile))
        session = ""
        row = cursor.fetchone()
        out[layer.id] = bytes(row[0]) if row and row[0] else b""
    return out


def render_layers(
    conn: Connection, layers: Sequence[Layer], tile: TileAddress, *, internal: bool = False
) -> dict[str, bytes]:
    """The MVT bytes of each layer for `tile` (empty bytes when the layer has nothing there), on the
    caller's own connection (seeding, benchmarks); internal properties only when `internal`."""
    # The pool keeps .info for the lifetime of the DBAPI connection; a replaced connection starts empty.
    prepared = conn.connection.info.setdefault(_PREPARED, set())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return _render(cursor, prepared, layers, tile, session_sql(), internal)
    finally:
        cursor.close()


@cache
def session_options() -> str:
    """The settings of sql/queries/tiles_session.sql as libpq `options` (`-c name=value …`)."""
    pairs = re.findall(r"^SET LOCAL (\w+) = '?([^';]+)'?;", session_sql(), flags=re.MULTILINE)
    return " ".join(f"-c {name}={value}" for name, value in pairs)


class TileRenderer:
    """The server's tile connections: autocommit, tile settings preset, statements kept prepared."""

    def __init__(self, url: sa.URL, pool_size: int) -> None:
        self.pool_size = pool_size
        self.engine = create_lean_engine(url, pool_size, name="daoan-tiles", options=session_options())

    def engine_like(self, url: str) -> sa.Engine:
        """A pool like this renderer's for another server (a read replica, gis/replicas.py)."""
        return create_lean_engine(sa.make_url(url), self.pool_size, name="daoan-tiles", options=session_options())

    def render(self, layers: Sequence[Layer], tile: TileAddress, *, internal: bool = False) -> dict[str, bytes]:
        """The MVT bytes of each layer for `tile` (internal properties when `internal`);
        DatabaseUnavailable when PostgreSQL is unreachable."""

        def run(fairy: Any) -> dict[str, bytes]:
            cursor = fairy.cursor()
            try:
                return _render(cursor, fairy.info.setdefault(_PREPARED, set()), layers, tile, "", internal)
            finally:
                cursor.close()

        return with_lean(self.engine, run)

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()


def explain_layer(conn: Connection, layer: Layer, tile: TileAddress) -> list[str]:
    """EXPLAIN output of `layer`'s tile query for `tile` (literal values, as a fresh plan)."""
    query = layer_query(layer, tile.z)
    sql = query.sql
    for i, value in reversed(list(enumerate(query.params(tile), start=1))):
        literal = conn.exec_driver_sql("SELECT quote_literal(%s)", (value,)).scalar()
        sql = sql.replace(f"${i}", f"{literal}::{PARAM_TYPES.split(', ')[i - 1]}")
    conn.exec_driver_sql(session_sql())
    return [row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql)]

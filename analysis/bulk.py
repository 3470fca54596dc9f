"""Replacing most rows of a derived table in one transaction, fast when the session owns the table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.bulk import secondary_indexes_rebuilt
from gis.sqlfiles import load_sql, quote_ident

BULK_ROWS = 20_000


@contextmanager
def bulk_replace(conn: Connection, table: str, rows: int) -> Iterator[bool]:
    """Around a bulk write of `rows` rows into `table`: its secondary indexes and foreign keys are
    dropped and made again afterwards (same names and definitions; the keys validated by one join), when
    the rows are many and the session owns the table. Otherwise (the server's application role) it
    leaves them be: slower, same result. Yields whether it took the owner's fast path (which may also
    TRUNCATE)."""
    if (
        rows <= BULK_ROWS
        or not conn.execute(sa.text(load_sql("queries/raster_may_reindex.sql")), {"table_name": table}).scalar()
    ):
        yield False
        return
    keys = conn.execute(sa.text(load_sql("queries/raster_foreign_keys.sql")), {"table_name": table}).all()
    for name, _ in keys:
        conn.execute(sa.text(f"ALTER TABLE {quote_ident(table)} DROP CONSTRAINT {quote_ident(name)}"))
    with secondary_indexes_rebuilt(conn, table):  # the demo's and road import's index drop and rebuild
        yield True
    for name, definition in keys:
        conn.execute(sa.text(f"ALTER TABLE {quote_ident(table)} ADD CONSTRAINT {quote_ident(name)} {definition}"))

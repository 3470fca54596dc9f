"""Bulk loading with COPY inside the caller's transaction (whole columns in the binary format:
gis/bulk_binary.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql, quote_ident

_BATCH_ROWS = 50_000


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY `rows` into `table` (identifiers from code, never from requests); return the row count.

    Geometry values are EWKB hex or EWKT strings; None becomes NULL. Runs in the transaction of
    `conn`, so a failure later in the same transaction leaves nothing behind.
    """
    sql = f"COPY {quote_ident(table)} ({', '.join(quote_ident(c) for c in columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    raw = conn.connection.dbapi_connection
    total = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with raw.cursor() as cur:  # type: ignore[union-attr]
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
            total += 1
            if total % _BATCH_ROWS == 0:
                buffer.seek(0)
                cur.copy_expert(sql, buffer)
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            buffer.seek(0)
            cur.copy_expert(sql, buffer)
    return total


@contextmanager
def secondary_indexes_rebuilt(conn: Connection, table: str) -> Iterator[None]:
    """Drop the table's secondary indexes for a bulk load and build them again with the same definitions."""
    indexes = conn.execute(sa.text(load_sql("queries/demo_secondary_indexes.sql")), {"table_name": table}).all()
    for name, _ in indexes:
        conn.execute(sa.text(f"DROP INDEX {name}"))
    yield
    for _, definition in indexes:
        conn.execute(sa.text(definition))

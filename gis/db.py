"""Database engines, one per process and settings; errors mapped to DatabaseUnavailable."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis.errors import DatabaseUnavailable
from gis.settings import Settings

log = logging.getLogger(__name__)


def create_db_engine(settings: Settings, *, url: str | None = None, pool_size: int | None = None) -> Engine:
    """A pooled engine that checks connections before use, so the app recovers when PostgreSQL returns."""
    return sa.create_engine(
        url or settings.url(),
        pool_size=pool_size or settings.pool_size,
        max_overflow=2,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "application_name": "daoan"},
    )


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction; an unreachable database becomes DatabaseUnavailable (503)."""
    try:
        conn_cm = engine.begin()
        conn = conn_cm.__enter__()
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        log.warning("database unreachable: %s", exc)
        raise DatabaseUnavailable("the database is unreachable; retry shortly") from None
    try:
        yield conn
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        conn_cm.__exit__(type(exc), exc, exc.__traceback__)
        if getattr(exc, "connection_invalidated", False) or "connection" in str(exc).lower():
            log.warning("database connection lost: %s", exc)
            raise DatabaseUnavailable("the database connection was lost; retry shortly") from None
        raise
    except BaseException as exc:
        conn_cm.__exit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        conn_cm.__exit__(None, None, None)


def ensure_database(settings: Settings, dbname: str) -> None:
    """Create database `dbname` in the project cluster when missing."""
    admin = sa.create_engine(settings.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": dbname}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
    finally:
        admin.dispose()

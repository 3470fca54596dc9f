"""Database engines, one per process and settings; errors mapped to DatabaseUnavailable."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg2
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis.errors import DatabaseUnavailable
from gis.readroute import replica_failed, resolve
from gis.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


# Errors of a session whose cached catalog (PostGIS's operator and type OIDs, plans) no longer matches
# the database: the extension or tables were dropped and made again (pg_restore --clean). Only a new
# connection recovers; the pool treats them as a lost connection.
CATALOG_CHANGED = (
    "no spatial operator found",
    "cache lookup failed",
    "could not open relation with oid",
    "could not find function",
    "cached plan must not change result type",
)


def catalog_changed(exc: BaseException) -> bool:
    """True for the errors of a connection that outlived a restore of the database."""
    text = str(exc).lower()
    return any(marker in text for marker in CATALOG_CHANGED) or ("type with oid" in text and "does not exist" in text)


def _discard_stale(ctx: sa.engine.ExceptionContext) -> None:
    if ctx.original_exception is not None and catalog_changed(ctx.original_exception):
        log.warning("database catalog changed under a pooled connection (restored?): reconnecting")
        ctx.is_disconnect = True  # SQLAlchemy invalidates this connection and every older one in the pool


def create_db_engine(settings: Settings, *, url: str | None = None, pool_size: int | None = None) -> Engine:
    """A pooled engine that checks connections before use, so the app recovers when PostgreSQL returns,
    and drops its connections when the database was restored under them."""
    engine = sa.create_engine(
        url or settings.url(),
        pool_size=pool_size or settings.pool_size,
        max_overflow=2,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "application_name": "daoan"},
    )
    sa.event.listen(engine, "handle_error", _discard_stale)
    return engine


def create_lean_engine(url: sa.URL, pool_size: int, *, name: str, options: str | None = None) -> Engine:
    """A pool of autocommit connections for one-statement round trips on the hot path (tiles, the
    routing versions): no pre-ping, no transaction, nothing to reset; `with_lean` replaces a dead
    connection and retries instead. `options`: libpq options (settings from the connection's start)."""
    args: dict[str, Any] = {"connect_timeout": 5, "application_name": name}
    if options:
        args["options"] = options
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=2,
        pool_pre_ping=False,
        pool_reset_on_return=None,
        pool_recycle=1800,
        connect_args=args,
    )
    sa.event.listen(engine, "connect", _autocommit)
    return engine


def _autocommit(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.autocommit = True


def with_lean(engine: Engine, run: Callable[[Any], T]) -> T:
    """run(pooled DBAPI connection) on a create_lean_engine pool, retried once on a fresh connection when
    the one it got had died (PostgreSQL restarted); DatabaseUnavailable (503) when it cannot connect."""
    named = engine
    attempt = 0
    while attempt < 2:
        attempt += 1
        engine = resolve(named)  # a replica's engine of the same kind during a read (gis/readroute.py)
        try:
            fairy = engine.raw_connection()
        except (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg2.OperationalError) as exc:
            if engine is not named and replica_failed(engine):
                attempt -= 1
                continue  # that replica is down: the request reads another server
            log.warning("database unreachable: %s", exc)
            raise DatabaseUnavailable("the database is unreachable; retry shortly") from None
        try:
            return run(fairy)
        except psycopg2.Error as exc:
            if catalog_changed(exc):
                log.warning("database catalog changed under a pooled connection (restored?): reconnecting")
                lost = "the database was just restored; retry shortly"
            elif isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError) and (
                not fairy.dbapi_connection or fairy.dbapi_connection.closed
            ):
                lost = "the database connection was lost; retry shortly"
            else:
                raise  # the connection is fine: the statement failed (e.g. its time limit)
            fairy.invalidate(exc)
            engine.dispose()  # PostgreSQL went away or was restored: the other pooled connections too
            if attempt == 2:
                log.warning("%s: %s", lost, exc)
                raise DatabaseUnavailable(lost) from None
        finally:
            fairy.close()
    raise AssertionError("unreachable")


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction; an unreachable database becomes DatabaseUnavailable (503). During
    a read request of a server with replicas, the connection is to the server the request reads from
    (gis/readroute.py); a replica found down is skipped for another."""
    while True:
        target = resolve(engine)
        try:
            conn_cm = target.begin()
            conn = conn_cm.__enter__()
            break
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            if target is not engine and replica_failed(target):
                continue
            log.warning("database unreachable: %s", exc)
            raise DatabaseUnavailable("the database is unreachable; retry shortly") from None
    try:
        yield conn
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        conn_cm.__exit__(type(exc), exc, exc.__traceback__)
        if getattr(exc, "connection_invalidated", False) or "connection" in str(exc).lower():
            if target is not engine:
                replica_failed(target)  # the next requests read another server
            log.warning("database connection lost: %s", exc)
            raise DatabaseUnavailable("the database connection was lost; retry shortly") from None
        raise
    except sa.exc.DBAPIError as exc:
        conn_cm.__exit__(type(exc), exc, exc.__traceback__)
        if catalog_changed(exc):  # its connection is discarded (handle_error): the next request works
            raise DatabaseUnavailable("the database was just restored; retry shortly") from None
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

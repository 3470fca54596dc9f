"""Backups with pg_dump and restores with pg_restore that running servers survive."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import sqlalchemy as sa

from gis.migrate import Migration, migrate
from gis.settings import Settings
from gis.sqlfiles import load_sql

# Sessions of the database other than ours: a restore ends them (a server's pool reconnects: pre-ping
# for transactions, a retry for the lean pools), so none keeps the catalog (PostGIS's OIDs) it cached.
_TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def backup(settings: Settings, directory: Path) -> Path:
    """pg_dump the database (custom format) into `directory`, readable by its owner only."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"daoan-{dt.datetime.now():%Y%m%d-%H%M%S}.dump"
    old = os.umask(0o077)  # the dump is created 0600 by pg_dump itself
    try:
        subprocess.run(["pg_dump", "-Fc", "-d", settings.libpq_url(), "-f", str(path)], check=True)
    finally:
        os.umask(old)
    return path


def _terminate_others(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(_TERMINATE)).scalar() or 0)


def restore(settings: Settings, dump: Path) -> list[Migration]:
    """Replace the database's contents with `dump` in one transaction, end the other sessions before and
    after (they cached the catalog that pg_restore --clean replaces), then apply the migrations the dump
    predates (and migration 015's grants); every layer version then moves past all versions seen before
    (caches keyed by version must not take restored data for what they hold). The migrations applied
    are returned."""
    engine = sa.create_engine(settings.url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            before = int(conn.execute(sa.text(load_sql("queries/restore_versions_max.sql"))).scalar() or 0)
        _terminate_others(engine)
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
             "-d", settings.libpq_url(), str(dump)],
            check=True,
        )  # fmt: skip
        _terminate_others(engine)
    finally:
        engine.dispose()
    engine = sa.create_engine(settings.url(), poolclass=sa.pool.NullPool)
    try:
        applied = migrate(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(load_sql("queries/restore_versions_bump.sql")), {"before": before})
        return applied
    finally:
        engine.dispose()

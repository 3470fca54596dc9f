"""Ordered schema migrations from sql/migrations, each applied once and recorded."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis.sqlfiles import SQL_DIR

log = logging.getLogger(__name__)
MIGRATIONS_DIR = SQL_DIR / "migrations"
# Serialises concurrent migrators (several workers starting at once).
_LOCK_KEY = 74_281_993


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def available_migrations() -> list[Migration]:
    """Migration files in version order (NNN_name.sql)."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append(Migration(int(number), name, path))
    return found


def _ensure_table(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    )


def applied_versions(engine: Engine) -> dict[int, str]:
    """Version → checksum of the migrations already applied."""
    with engine.begin() as conn:
        _ensure_table(conn)
        rows = conn.execute(sa.text("SELECT version, checksum FROM schema_migrations")).all()
    return {int(v): str(c) for v, c in rows}


def migrate(engine: Engine) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; return those applied."""
    applied: list[Migration] = []
    with engine.begin() as conn:
        _ensure_table(conn)
    for migration in available_migrations():
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            done = conn.execute(
                sa.text("SELECT checksum FROM schema_migrations WHERE version = :v"), {"v": migration.version}
            ).scalar()
            if done is not None:
                if done != migration.checksum:
                    log.warning("migration %s changed since it was applied", migration.path.name)
                continue
            log.info("applying migration %s", migration.path.name)
            # The raw cursor with no parameters: migration text may contain literal % signs.
            cur = conn.connection.cursor()
            try:
                cur.execute(migration.path.read_text(encoding="utf-8"))
            finally:
                cur.close()
            conn.execute(
                sa.text("INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)"),
                {"v": migration.version, "n": migration.name, "c": migration.checksum},
            )
            applied.append(migration)
    return applied


def pending_migrations(engine: Engine) -> list[Migration]:
    """Migrations not yet applied."""
    done = applied_versions(engine)
    return [m for m in available_migrations() if m.version not in done]

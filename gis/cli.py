"""The command line's ground floor: what every command receives, and the database and server commands.

Shared groups (`db`, `import`) are defined here; a subsystem adds its commands to them from its own
cli module. The root group (cli.py) puts a `CliContext` in click's ctx.obj; commands take it with `@pass_cli` and
ask it for the settings, the engine or the whole composition root, each built on first use.
`DaoanError` is mapped to exit code 2 once, in the root group.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa

from gis.db import create_db_engine
from gis.errors import ImportRejected
from gis.root import Root
from gis.secretfiles import write_private
from gis.settings import Settings, load_settings


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr and exit with `code`."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def fail_rejected(exc: ImportRejected, row_label: Callable[[dict], str], *, limit: int | None = None) -> NoReturn:
    """Print a rejected import's detail and every bad row (up to `limit`), then exit 2."""
    click.echo(f"error: {exc.detail}", err=True)
    shown = exc.errors if limit is None else exc.errors[:limit]
    for err in shown:
        named = f"{err['column']} ({err.get('field')})" if err.get("column") else err.get("field")
        click.echo(f"  {row_label(err)}: {named}: {err.get('reason')}", err=True)
    if len(exc.errors) > len(shown):
        click.echo(f"  … and {len(exc.errors) - len(shown)} more", err=True)
    sys.exit(2)


def user() -> str:
    """Who runs the command (recorded with imports and incidents)."""
    return os.environ.get("USER", "cli")


class CliContext:
    """The settings (given, or read from the environment), the engine and the composition root, each
    built on first use: `daoan db url` opens nothing, `daoan import` no router."""

    def __init__(
        self,
        settings: Settings | None,
        build_root: Callable[[Settings, sa.Engine], Root],
        *,
        before_serving: Sequence[Callable[[CliContext], None]] = (),
    ) -> None:
        self._given = settings
        self._build_root = build_root
        self.before_serving = tuple(before_serving)  # what `daoan serve` runs first (routing's warm-up)

    @cached_property
    def settings(self) -> Settings:
        """The settings; a bad URL, role or settings file exits 2 naming it (no traceback)."""
        if self._given is not None:
            return self._given
        try:
            return load_settings()
        except (ValueError, OSError) as exc:
            fail(str(exc), 2)

    @cached_property
    def engine(self) -> sa.Engine:
        """The process's database engine (the root's, once the root is built)."""
        return create_db_engine(self.settings, pool_size=2)

    @cached_property
    def root(self) -> Root:
        """The composition root, built around `engine`."""
        return self._build_root(self.settings, self.engine)

    def close(self) -> None:
        """Stop what was started: the root's background work, the engine's connections."""
        if "root" in self.__dict__:
            self.root.close()
        elif "engine" in self.__dict__:
            self.engine.dispose()


pass_cli = click.make_pass_decorator(CliContext)


@click.group()
def db() -> None:
    """Set up and inspect the PostGIS database."""


@click.group("import")
def import_group() -> None:
    """Import OpenStreetMap extracts and facility layers (each import is one transaction)."""


def prepare_database(cli: CliContext) -> None:
    """Start the project cluster (unless DAOAN_DATABASE_URL is set), create the database, migrate."""
    from gis.cluster import ensure_cluster
    from gis.db import ensure_database
    from gis.migrate import migrate

    ensure_cluster(cli.settings)
    if not cli.settings.database_url:
        ensure_database(cli.settings, "daoan")
    for m in migrate(cli.engine):
        click.echo(f"applied migration {m.path.name}")


@db.command("init")
@pass_cli
def db_init(cli: CliContext) -> None:
    """Initialise and start the project's cluster under var/, create the database, apply migrations."""
    prepare_database(cli)
    click.echo(f"database ready: {cli.settings.url().split('?')[0]}")


@db.command("migrate")
@pass_cli
def db_migrate(cli: CliContext) -> None:
    """Apply pending migrations from sql/migrations."""
    from gis.migrate import migrate

    applied = migrate(cli.engine)
    click.echo(f"{len(applied)} migration(s) applied" + "".join(f"\n  {m.path.name}" for m in applied))


@db.command("url")
@pass_cli
def db_url(cli: CliContext) -> None:
    """Print the database's libpq URI (for psql, pg_dump, pg_restore)."""
    click.echo(cli.settings.libpq_url())


@db.command("backup")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory of the dump (default var/backups/, mode 0700).")  # fmt: skip
@pass_cli
def db_backup(cli: CliContext, directory: Path | None) -> None:
    """pg_dump the database (custom format), readable by its owner only."""
    from gis.backup import backup

    click.echo(f"backup written: {backup(cli.settings, directory or cli.settings.var_dir / 'backups')}")


@db.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def db_restore(cli: CliContext, file: Path) -> None:
    """Replace the database with a dump of `daoan db backup`; running servers keep serving (their
    sessions are ended and reconnect), and migrations newer than the dump are applied."""
    import subprocess

    from gis.backup import restore

    try:
        applied = restore(cli.settings, file)
    except subprocess.CalledProcessError:
        fail(f"pg_restore could not restore {file}; the database is unchanged", 2)
    for m in applied:
        click.echo(f"applied migration {m.path.name}")
    click.echo(f"restored {file}")


@db.command("start")
@pass_cli
def db_start(cli: CliContext) -> None:
    """Start the project's own PostgreSQL cluster."""
    from gis.cluster import ensure_cluster

    ensure_cluster(cli.settings)
    click.echo("cluster running")


@db.command("stop")
@pass_cli
def db_stop(cli: CliContext) -> None:
    """Stop the project's own PostgreSQL cluster."""
    from gis.cluster import stop_cluster

    click.echo("cluster stopped" if stop_cluster(cli.settings) else "cluster was not running")


@db.group("replica")
def db_replica() -> None:
    """A hot standby of the project's cluster under var/replica/ (for DAOAN_READ_DATABASE_URL)."""


@db_replica.command("init")
@click.option("--fresh", is_flag=True, help="Drop an existing standby and its replication slot, copy again.")
@pass_cli
def db_replica_init(cli: CliContext, fresh: bool) -> None:
    """Copy the running cluster (pg_basebackup as daoan_replicator, with a replication slot) and start
    the copy as a hot standby on its own port (DAOAN_REPLICA_PORT, default the cluster's + 1)."""
    from gis.standby import init_standby

    standby = init_standby(cli.settings, fresh=fresh)
    click.echo(
        f"standby running on port {standby.port}; read from it with\n  DAOAN_READ_DATABASE_URL='{standby.url()}'"
    )


@db_replica.command("start")
@pass_cli
def db_replica_start(cli: CliContext) -> None:
    """Start the standby."""
    from gis.standby import start_standby

    click.echo(f"standby running on port {start_standby(cli.settings).port}")


@db_replica.command("stop")
@pass_cli
def db_replica_stop(cli: CliContext) -> None:
    """Stop the standby (its slot keeps the primary's WAL for it meanwhile)."""
    from gis.standby import stop_standby

    click.echo("standby stopped" if stop_standby(cli.settings) else "standby was not running")


def ensure_api_token(settings: Settings) -> str | None:
    """Generate var/api_token when no DAOAN_API_TOKEN is set; return the file written, if any."""
    if settings.api_token:
        return None
    path = settings.var_dir / "api_token"
    if not path.exists() or not path.read_text().strip():
        write_private(path, secrets.token_urlsafe(32) + "\n")  # created 0600
    return str(path)


@click.command("serve")
@click.option("--workers", type=int, default=3, show_default=True, help="Worker processes (2 cores: 3).")
@click.option("--threads", type=int, default=4, show_default=True, help="Request threads per worker.")
@click.option("--port", type=int, default=None, help="Port (default DAOAN_PORT or 8080).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
@pass_cli
def serve_cmd(cli: CliContext, workers: int, threads: int, port: int | None, host: str, access_log: bool) -> None:
    """Serve the API with granian (a production HTTP server for the WSGI app)."""
    from gis.migrate import migrate
    from gis.server import server_command

    settings = cli.settings
    port = port or settings.port
    # The schema first: a server started after an upgrade must not answer with tables missing.
    try:
        applied = migrate(cli.engine)
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        fail("the database is unreachable: start the project's cluster with `daoan db init` (or `make run`), "
             "or set DAOAN_DATABASE_URL to a reachable PostGIS database", 2)  # fmt: skip
    for m in applied:
        click.echo(f"migration applied: {m.path.name}")
    for prepare in cli.before_serving:
        prepare(cli)
    cli.close()  # the workers open their own connections
    token_file = ensure_api_token(settings)
    click.echo(f"Daoan serving on http://{host}:{port}/  (map: /map, API: /openapi.json)")
    if token_file:
        click.echo(f"write token (admin) is in {token_file}")
    os.environ.setdefault("DAOAN_POOL_SIZE", str(threads))  # one database connection per request thread
    sys.stdout.flush()
    argv = server_command(host=host, port=port, workers=workers, threads=threads, access_log=access_log)
    os.execv(argv[0], argv)


def register_cli(group: click.Group) -> None:
    """Add `daoan db …`, `daoan serve` and the `daoan import …` group the subsystems fill."""
    group.add_command(db)
    group.add_command(import_group)
    group.add_command(serve_cmd)

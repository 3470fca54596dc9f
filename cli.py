"""The `daoan` command line: database, imports, demo data and the server."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path

import click

from gis.settings import Settings, load_settings

log = logging.getLogger("daoan")


def _settings() -> Settings:
    return load_settings()


def _engine(settings: Settings):
    from gis.db import create_db_engine

    return create_db_engine(settings, pool_size=2)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details.")
def main(verbose: bool) -> None:
    """Daoan (道安): GIS service and vector tiles for road-traffic-safety supervision."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


# ---------------------------------------------------------------- database
@main.group()
def db() -> None:
    """Set up and inspect the PostGIS database."""


def prepare_database(settings: Settings) -> None:
    """Start the project cluster (unless DAOAN_DATABASE_URL is set), create the database, migrate."""
    from gis.cluster import ensure_cluster
    from gis.db import ensure_database
    from gis.migrate import migrate

    ensure_cluster(settings)
    if not settings.database_url:
        ensure_database(settings, "daoan")
    engine = _engine(settings)
    try:
        for m in migrate(engine):
            click.echo(f"applied migration {m.path.name}")
    finally:
        engine.dispose()


@db.command("init")
def db_init() -> None:
    """Initialise and start the project's cluster under var/, create the database, apply migrations."""
    settings = _settings()
    prepare_database(settings)
    click.echo(f"database ready: {settings.url().split('?')[0]}")


@db.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations from sql/migrations."""
    from gis.migrate import migrate

    engine = _engine(_settings())
    applied = migrate(engine)
    click.echo(f"{len(applied)} migration(s) applied" + "".join(f"\n  {m.path.name}" for m in applied))


@db.command("status")
def db_status() -> None:
    """Show migrations applied and pending, and the row count of every layer."""
    import sqlalchemy as sa

    from gis.migrate import available_migrations, pending_migrations
    from layers.catalog import LAYERS

    engine = _engine(_settings())
    try:
        pending = pending_migrations(engine)
    except sa.exc.OperationalError:
        _fail("the database is unreachable: run `daoan db init` (or `make run`) first", 3)
        return
    click.echo(f"migrations: {len(available_migrations()) - len(pending)} applied, {len(pending)} pending")
    with engine.connect() as conn:
        for layer in LAYERS.values():
            count = conn.execute(sa.text(f'SELECT count(*) FROM "{layer.table}"')).scalar()
            click.echo(f"  {layer.id:<26} {count:>10,}")


@db.command("url")
def db_url() -> None:
    """Print the database's libpq URI (for psql, pg_dump, pg_restore)."""
    click.echo(_settings().libpq_url())


@db.command("start")
def db_start() -> None:
    """Start the project's own PostgreSQL cluster."""
    from gis.cluster import ensure_cluster

    ensure_cluster(_settings())
    click.echo("cluster running")


@db.command("stop")
def db_stop() -> None:
    """Stop the project's own PostgreSQL cluster."""
    from gis.cluster import stop_cluster

    click.echo("cluster stopped" if stop_cluster(_settings()) else "cluster was not running")


# ---------------------------------------------------------------- imports
@main.group("import")
def import_() -> None:
    """Import OpenStreetMap extracts and facility layers (each import is one transaction)."""


@import_.command("osm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace/--append", default=True, show_default=True, help="Replace the road network already loaded, or add to it."
)
def import_osm_cmd(file: Path, replace: bool) -> None:
    """Import the drivable network and facilities of an .osm.pbf, .osm or .osm.bz2 FILE."""
    from layers.ingest.osm import import_osm

    from gis.errors import DaoanError

    settings = _settings()
    engine = _engine(settings)
    try:
        counts = import_osm(engine, settings, file, replace=replace, progress=True)
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    for key, value in counts.items():
        click.echo(f"{key:<44} {value:>10,}")


@import_.command("facilities")
@click.option("--layer", "layer_id", required=True, help="Target layer, e.g. cameras, weather_stations, hazard_zones.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--crs",
    default=None,
    help="Coordinate system of FILE: wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN (default: the file's own, else WGS84).",
)
@click.option(
    "--lon", "lon_column", default=None, help="CSV: name of the longitude column (default lon/lng/longitude/x)."
)
@click.option("--lat", "lat_column", default=None, help="CSV: name of the latitude column (default lat/latitude/y).")
@click.option("--skip-invalid", is_flag=True, help="Load the good rows and report the bad ones.")
@click.option("--replace", is_flag=True, help="Delete the layer's rows first (in the same transaction).")
def import_facilities_cmd(
    layer_id: str,
    file: Path,
    crs: str | None,
    lon_column: str | None,
    lat_column: str | None,
    skip_invalid: bool,
    replace: bool,
) -> None:
    """Import FILE (GeoJSON, CSV, GeoPackage, Shapefile) into a facility layer."""
    from layers.ingest.facilities import import_facilities

    from gis.errors import DaoanError, ImportRejected

    settings = _settings()
    engine = _engine(settings)
    try:
        report = import_facilities(
            engine,
            settings,
            layer_id,
            file,
            crs=crs,
            lon_column=lon_column,
            lat_column=lat_column,
            skip_invalid=skip_invalid,
            replace=replace,
            imported_by=os.environ.get("USER", "cli"),
        )
    except ImportRejected as exc:
        click.echo(f"error: {exc.detail}", err=True)
        for err in exc.errors[:200]:
            click.echo(f"  row {err.get('row')}: {err.get('field')}: {err.get('reason')}", err=True)
        if len(exc.errors) > 200:
            click.echo(f"  … and {len(exc.errors) - 200} more", err=True)
        sys.exit(2)
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    click.echo(report.summary())


# ---------------------------------------------------------------- demo
@main.command("demo")
@click.option("--size", type=click.Choice(["small", "province"]), default="province", show_default=True)
@click.option("--seed", type=int, default=2017, show_default=True, help="Random seed (the output is deterministic).")
@click.option("--if-empty", is_flag=True, help="Do nothing when road segments are already loaded.")
def demo_cmd(size: str, seed: int, if_empty: bool) -> None:
    """Generate and load the synthetic Hunan demo network and facilities (replaces what is loaded)."""
    import sqlalchemy as sa

    from layers.demo import load_demo

    settings = _settings()
    engine = _engine(settings)
    if if_empty:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM road_segments)")).scalar():
                click.echo("road network already loaded; demo skipped")
                return
    counts = load_demo(engine, settings, size=size, seed=seed, progress=True)
    for key, value in counts.items():
        click.echo(f"{key:<44} {value:>10,}")


# ---------------------------------------------------------------- server
def ensure_api_token(settings: Settings) -> str | None:
    """Generate var/api_token when no DAOAN_API_TOKEN is set; return the file written, if any."""
    if settings.api_token:
        return None
    path = settings.var_dir / "api_token"
    if not path.exists() or not path.read_text().strip():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return str(path)


@main.command("serve")
@click.option("--workers", type=int, default=3, show_default=True, help="Worker processes (2 cores: 3).")
@click.option("--threads", type=int, default=4, show_default=True, help="Threads per worker.")
@click.option("--port", type=int, default=None, help="Port (default DAOAN_PORT or 8080).")
@click.option("--host", default="127.0.0.1", show_default=True)
def serve_cmd(workers: int, threads: int, port: int | None, host: str) -> None:
    """Serve the API with gunicorn (a production WSGI server)."""
    settings = _settings()
    port = port or settings.port
    token_file = ensure_api_token(settings)
    click.echo(f"Daoan serving on http://{host}:{port}/  (map: /map, API: /openapi.json)")
    if token_file:
        click.echo(f"write token (admin) is in {token_file}")
    os.environ.setdefault("DAOAN_POOL_SIZE", str(threads))
    sys.stdout.flush()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    os.execv(
        gunicorn,
        [
            gunicorn,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"{host}:{port}",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            "--timeout",
            "120",
            "app:create_app()",
        ],
    )


if __name__ == "__main__":
    main()

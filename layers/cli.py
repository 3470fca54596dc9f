"""The catalogue's commands: `daoan import osm|roads|facilities`, `daoan demo` and `daoan db status`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from gis.cli import CliContext, db, fail, fail_rejected, import_group, pass_cli, user
from gis.errors import ImportRejected


@db.command("status")
@pass_cli
def db_status(cli: CliContext) -> None:
    """Show migrations applied and pending, and the row count of every layer."""
    from gis.migrate import available_migrations, pending_migrations
    from gis.sqlfiles import quote_ident
    from layers.catalog import LAYERS

    try:
        pending = pending_migrations(cli.engine)
    except sa.exc.OperationalError:
        fail("the database is unreachable: run `daoan db init` (or `make run`) first", 3)
    click.echo(f"migrations: {len(available_migrations()) - len(pending)} applied, {len(pending)} pending")
    with cli.engine.connect() as conn:
        inspector = sa.inspect(conn)
        for layer in LAYERS.values():
            if not inspector.has_table(layer.table):  # its migration is pending
                click.echo(f"  {layer.id:<26} {'(pending)':>10}")
                continue
            count = conn.execute(sa.text(f"SELECT count(*) FROM {quote_ident(layer.table)}")).scalar()
            click.echo(f"  {layer.id:<26} {count:>10,}")


@import_group.command("osm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace/--append", default=True, show_default=True, help="Replace the road network already loaded, or add to it."
)
@pass_cli
def import_osm_cmd(cli: CliContext, file: Path, replace: bool) -> None:
    """Import the drivable network and facilities of an .osm.pbf, .osm or .osm.bz2 FILE."""
    from layers.ingest.osm import import_osm

    counts = import_osm(cli.engine, cli.settings, file, replace=replace, progress=True)
    for key, value in counts.items():
        click.echo(f"{key:<44} {value:>10,}")


@import_group.command("roads")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--crs",
    default=None,
    help="Coordinate system of FILE: wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN (default: the file's own, else WGS84).",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD from COLUMN (repeatable): route_code, name, technical_grade, admin_grade, start_stake, "
    "end_stake, lanes, surface, direction, bridge, tunnel, level, maxspeed, id.",
)
@click.option(
    "--stake-unit",
    type=click.Choice(["km", "m"]),
    default="km",
    show_default=True,
    help="Unit of stakes given as numbers (K123+456 text is read as it is).",
)
@click.option("--snap-m", type=float, default=2.0, show_default=True, help="Join line ends this close to a line.")
@click.option("--skip-invalid", is_flag=True, help="Load the good rows and report the problem rows.")
@click.option(
    "--replace/--append", default=True, show_default=True, help="Replace the road network already loaded, or add to it."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def import_roads_cmd(
    cli: CliContext,
    file: Path,
    crs: str | None,
    mapping: tuple[str, ...],
    stake_unit: str,
    snap_m: float,
    skip_invalid: bool,
    replace: bool,
    as_json: bool,
) -> None:
    """Import a road centreline FILE (Shapefile, zipped or not, GeoPackage, GeoJSON, FlatGeobuf) as the network."""
    import json

    from layers.ingest.roads import import_roads

    try:
        report = import_roads(
            cli.engine,
            cli.settings,
            file,
            crs=crs,
            mapping=mapping,
            stake_unit=stake_unit,
            snap_m=snap_m,
            skip_invalid=skip_invalid,
            replace=replace,
            imported_by=user(),
        )
    except ImportRejected as exc:
        fail_rejected(exc, lambda err: f"row {err.get('row')}", limit=200)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) if as_json else report.summary())


@import_group.command("facilities")
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
@click.option("--replace", is_flag=True, help="Delete the layer's rows the file does not hold (same transaction).")
@pass_cli
def import_facilities_cmd(
    cli: CliContext,
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

    try:
        report = import_facilities(
            cli.engine,
            cli.settings,
            layer_id,
            file,
            crs=crs,
            lon_column=lon_column,
            lat_column=lat_column,
            skip_invalid=skip_invalid,
            replace=replace,
            imported_by=user(),
        )
    except ImportRejected as exc:
        fail_rejected(exc, lambda err: f"row {err.get('row')}", limit=200)
    click.echo(report.summary())


@click.command("demo")
@click.option("--size", type=click.Choice(["small", "province"]), default="province", show_default=True)
@click.option("--seed", type=int, default=2017, show_default=True, help="Random seed (the output is deterministic).")
@click.option("--if-empty", is_flag=True, help="Do nothing when road segments are already loaded.")
@pass_cli
def demo_cmd(cli: CliContext, size: str, seed: int, if_empty: bool) -> None:
    """Generate and load the synthetic Hunan demo network and facilities (replaces what is loaded)."""
    from layers.demo import load_demo

    if if_empty:
        with cli.engine.connect() as conn:
            if conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM road_segments)")).scalar():
                click.echo("road network already loaded; demo skipped")
                return
    counts = load_demo(cli.engine, cli.settings, size=size, seed=seed, progress=True)
    for key, value in counts.items():
        click.echo(f"{key:<44} {value:>10,}")


def register_cli(group: click.Group) -> None:
    """Add `daoan demo` (the import and db commands join gis's shared groups)."""
    group.add_command(demo_cmd)


_MAP_HELP = (
    "Column mapping on top of the default Chinese one, COLUMN=PROPERTY comma separated "
    "(e.g. '发生时间=occurred_at,X坐标=lon,Y坐标=lat'); repeatable."
)


def _row_and_line(err: dict) -> str:
    """'row 2 (line 3)': a data row's number and, for a CSV, its line in the file (the header is line 1),
    which is where a spreadsheet shows it."""
    line = err.get("line")
    return f"row {err.get('row')}" + (f" (line {line})" if line is not None else "")


def _records_command(layer_id: str, doc: str) -> click.Command:
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--crs", default=None, help="wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN (default: the file's, else WGS84)."
    )
    @click.option("--map", "maps", multiple=True, help=_MAP_HELP)
    @click.option("--skip-invalid", is_flag=True, help="Load the good rows and report the bad ones.")
    @click.option("--replace", is_flag=True, help="Delete the rows the file does not hold (same transaction).")
    @pass_cli
    def command(
        cli: CliContext, file: Path, crs: str | None, maps: tuple[str, ...], skip_invalid: bool, replace: bool
    ) -> None:
        from layers.ingest.facilities import import_facilities
        from layers.ingest.records import parse_map

        mapping = {k: v for text in maps for k, v in parse_map(text, "--map").items()}
        try:
            report = import_facilities(
                cli.engine,
                cli.settings,
                layer_id,
                file,
                crs=crs,
                skip_invalid=skip_invalid,
                replace=replace,
                imported_by=user(),
                column_map=mapping,
            )
        except ImportRejected as exc:
            fail_rejected(exc, _row_and_line, limit=200)
        click.echo(report.summary())

    command.__doc__ = doc
    return click.command(layer_id.replace("_", "-"))(command)


def _registry_command(registry_id: str, doc: str) -> click.Command:
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--map", "maps", multiple=True, help=_MAP_HELP)
    @click.option("--skip-invalid", is_flag=True, help="Load the good rows and report the bad ones.")
    @click.option("--replace", is_flag=True, help="Delete the rows the file does not hold (same transaction).")
    @pass_cli
    def command(cli: CliContext, file: Path, maps: tuple[str, ...], skip_invalid: bool, replace: bool) -> None:
        from layers.ingest.records import parse_map
        from layers.ingest.registry import import_registry

        mapping = {k: v for text in maps for k, v in parse_map(text, "--map").items()}
        try:
            report = import_registry(
                cli.engine,
                registry_id,
                file,
                skip_invalid=skip_invalid,
                replace=replace,
                imported_by=user(),
                column_map=mapping,
            )
        except ImportRejected as exc:
            fail_rejected(exc, lambda err: f"row {err.get('row')}", limit=200)
        click.echo(report.summary())

    command.__doc__ = doc
    return click.command(registry_id.replace("_", "-"))(command)


import_group.add_command(
    _records_command(
        "accidents",
        "Import accident records (CSV, Excel, GeoJSON…) with the police systems' Chinese headers "
        "(事故编号, 事故发生时间, 经度, 纬度, 死亡人数, 受伤人数, 事故形态, 天气…).",
    )
)
import_group.add_command(
    _records_command(
        "violations",
        "Import violation counts by camera or place, day and type (违法日期, 违法类型, 违法数量, 设备编号…).",
    )
)
import_group.add_command(
    _registry_command("key_vehicles", "Import the 两客一危一校 registry (号牌号码, 车辆类型, 所属企业代码, 状态).")
)
import_group.add_command(
    _registry_command("enterprises", "Import the 重点客货运企业 registry (统一社会信用代码, 企业名称, 企业类型…).")
)

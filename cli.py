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
    try:
        return load_settings()
    except (ValueError, OSError) as exc:  # a bad URL, role or settings file: say which, no traceback
        _fail(str(exc), 2)
        raise


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
        inspector = sa.inspect(conn)
        for layer in LAYERS.values():
            if not inspector.has_table(layer.table):  # its migration is pending
                click.echo(f"  {layer.id:<26} {'(pending)':>10}")
                continue
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
    from gis.errors import DaoanError
    from layers.ingest.osm import import_osm

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
@click.option("--replace", is_flag=True, help="Delete the layer's rows the file does not hold (same transaction).")
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
    from gis.errors import DaoanError, ImportRejected
    from layers.ingest.facilities import import_facilities

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


@import_.command("standards")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_standards_cmd(file: Path) -> None:
    """Replace the coverage standards (the plan's targets by year) with FILE (TOML), in one transaction."""
    from gis.errors import ImportRejected
    from planning.standards import import_standards

    engine = _engine(_settings())
    try:
        standards = import_standards(engine, file, loaded_by=os.environ.get("USER", "cli"))
    except ImportRejected as exc:
        click.echo(f"error: {exc.detail}", err=True)
        for err in exc.errors:
            click.echo(f"  target {err.get('row') or '-'}: {err.get('field')}: {err.get('reason')}", err=True)
        sys.exit(2)
    finally:
        engine.dispose()
    click.echo(
        f"standards {standards.name} {standards.version}: {len(standards.targets)} targets for "
        f"{', '.join(map(str, standards.years))}"
    )


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


# ---------------------------------------------------------------- tiles
@main.group()
def tiles() -> None:
    """Vector tiles: seed archives for offline clients, build label glyphs."""


@tiles.command("seed")
@click.option("--layers", default="all", show_default=True, help="Comma-separated layer ids, or 'all'.")
@click.option("--zooms", default="5-12", show_default=True, help="Zoom levels, N or N-M.")
@click.option("--bbox", default=None, help="west,south,east,north in degrees (default: the data's extent).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output FILE.mbtiles or FILE.pmtiles.")  # fmt: skip
def tiles_seed_cmd(layers: str, zooms: str, bbox: str | None, out: Path) -> None:
    """Render tiles of LAYERS at ZOOMS into an MBTiles or PMTiles file."""
    from gis.errors import DaoanError
    from layers.catalog import LAYERS
    from layers.features import parse_bbox
    from tiles.matrix import parse_zooms
    from tiles.seed import seed
    from tiles.selection import parse_layers

    settings = _settings()
    engine = _engine(settings)
    try:
        chosen = list(LAYERS.values()) if layers == "all" else parse_layers(layers)
        if any(layer.id == "coverage_gaps" for layer in chosen):
            from planning.gapstore import refresh_coverage_gaps

            refresh_coverage_gaps(engine)  # a derived layer: current before it is seeded
        report = seed(engine, settings, chosen, parse_zooms(zooms), out,
                      bbox=parse_bbox(bbox) if bbox else None, progress=True)  # fmt: skip
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    except ValueError as exc:
        _fail(str(exc), 2)
        return
    finally:
        engine.dispose()
    click.echo(f"{report.tiles_written:,} tiles ({report.bytes_written / 1e6:.1f} MB) written to {report.path}; "
               f"{report.tiles_empty:,} empty tiles skipped")  # fmt: skip


@tiles.command("glyphs")
def tiles_glyphs_cmd() -> None:
    """Build the SDF label glyphs under var/glyphs from the Noto Sans npm package (make does this)."""
    from tiles.glyphs import build_glyphs, font_files

    if not font_files(400):
        _fail("the fonts are missing: run `npm ci` (or `make run`) first", 2)
    count = build_glyphs(_settings().var_dir)
    click.echo(f"{count} glyph ranges ready")


# ---------------------------------------------------------------- coverage
@main.group()
def coverage() -> None:
    """Coverage of the plan's targets: report, gaps and suggested sites, per city and county."""


def _coverage_run(fn, out: Path | None, render, *, steps: int = 3) -> None:
    """Run a coverage function with progress; write its rendering to OUT or stdout; map errors to exit 2."""
    from gis.errors import DaoanError
    from planning.progress import step_progress

    engine = _engine(_settings())
    progress, close = step_progress(steps, enabled=sys.stderr.isatty())
    try:
        result = fn(engine, progress)
    except DaoanError as exc:
        close()
        _fail(exc.detail, 2)
        return
    finally:
        engine.dispose()
    close()
    try:
        rendered = render(result)
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    if out is None:
        click.echo(rendered)
    elif isinstance(rendered, bytes):
        out.write_bytes(rendered)
        click.echo(f"written {out}", err=True)
    else:
        out.write_text(rendered, encoding="utf-8")
        click.echo(f"written {out}", err=True)


_YEAR = click.option("--year", type=int, default=None, help="Standard year (default: the newest).")
_AREA = click.option("--area", default=None, help="Adcode of a city or county (default: the province).")
_AS_OF = click.option("--as-of", type=int, default=None, help="Count only facilities installed by this year.")
_OUT = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Output file.")


@coverage.command("report")
@_YEAR
@_AREA
@_AS_OF
@_OUT
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "html", "pdf"]), default=None,
              help="Output format (default: from --out's extension, else json); pdf needs --out.")  # fmt: skip
def coverage_report_cmd(
    year: int | None, area: str | None, as_of: int | None, out: Path | None, fmt: str | None
) -> None:
    """Every metric against the year's targets for the province (or AREA), its cities and counties."""
    import json

    from planning.export import report_csv
    from planning.service import city_outlines, coverage_gaps, coverage_report, latest_year

    fmt = fmt or (out.suffix.lstrip(".").lower() if out and out.suffix.lower() in (".csv", ".html", ".pdf") else "json")
    if fmt == "pdf" and out is None:
        _fail("a PDF report needs a file: add --out report.pdf", 2)
        return

    def run(engine, progress):
        y = year or latest_year(engine)
        report = coverage_report(engine, year=y, area=area, as_of=as_of, progress=progress)
        if fmt not in ("html", "pdf"):
            return report
        gaps = coverage_gaps(engine, kind="camera", year=y, area=area, as_of=as_of)
        return report, gaps, city_outlines(engine)

    def render(result) -> str | bytes:
        if fmt == "csv":
            return report_csv(result)
        if fmt == "html":
            from planning.htmlreport import report_html

            return report_html(*result)
        if fmt == "pdf":
            from planning.htmlreport import report_html
            from planning.pdfreport import html_to_pdf

            return html_to_pdf(report_html(*result, printed=True))
        return json.dumps(result, ensure_ascii=False, indent=1)

    _coverage_run(run, out, render)


@coverage.command("gaps")
@click.option("--kind", type=click.Choice(["camera", "weather_station"]), default="camera", show_default=True)
@_YEAR
@_AREA
@_AS_OF
@_OUT
def coverage_gaps_cmd(kind: str, year: int | None, area: str | None, as_of: int | None, out: Path | None) -> None:
    """Camera spacing gaps (or fog/ice road no weather station reaches) as GeoJSON."""
    import json

    from planning.service import coverage_gaps, latest_year

    def run(engine, progress):
        y = year or latest_year(engine)
        return coverage_gaps(engine, kind=kind, year=y, area=area, as_of=as_of, progress=progress)

    _coverage_run(run, out, lambda r: json.dumps(r, ensure_ascii=False))


@coverage.command("suggest")
@click.option("--kind", type=click.Choice(["camera", "enforcement_station", "weather_station"]), required=True)
@_YEAR
@_AREA
@_AS_OF
@_OUT
@click.option("--budget", type=float, default=None, help="Budget in cost units: MCLP (default: LSCP, no budget).")
@click.option("--share", type=float, default=1.0, show_default=True, help="LSCP: share of demand to cover.")
@click.option("--roads", type=click.Choice(["all", "expressway", "national_provincial"]), default="all",
              show_default=True)  # fmt: skip
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Solver time limit (s).")
def coverage_suggest_cmd(
    kind: str,
    year: int | None,
    area: str | None,
    as_of: int | None,
    out: Path | None,
    budget: float | None,
    share: float,
    roads: str,
    time_limit: float,
) -> None:
    """Suggested sites: minimal new cameras, or stations by LSCP/MCLP solved exactly (GeoJSON; summary on stderr)."""
    import json

    from planning.params import check_budget, parse_share
    from planning.service import coverage_suggest, latest_year

    def run(engine, progress):
        check_budget(budget)
        y = year or latest_year(engine)
        return coverage_suggest(engine, kind=kind, year=y, area=area, budget=budget, share=parse_share(str(share)),
                                roads=roads, as_of=as_of, time_limit_s=time_limit, progress=progress)  # fmt: skip

    def render(result) -> str:
        s = result["summary"]
        click.echo(" ".join(f"{k}={v}" for k, v in s.items() if k != "proof"), err=True)
        return json.dumps(result, ensure_ascii=False)

    _coverage_run(run, out, render)


@coverage.command("refresh")
@click.option("--force", is_flag=True, help="Recompute even when the stored gaps are current.")
def coverage_refresh_cmd(force: bool) -> None:
    """Recompute the stored coverage_gaps tile layer when cameras, roads, areas or standards changed."""
    from planning.gapstore import RefreshReport, refresh_coverage_gaps

    def render(report: RefreshReport) -> str:
        if not report.refreshed:
            return "coverage_gaps is current: nothing to do"
        years = ", ".join(map(str, report.years)) or "none"
        return f"coverage_gaps: {report.gaps:,} gaps stored for years {years} in {report.duration_ms / 1000:.1f} s"

    _coverage_run(lambda engine, progress: refresh_coverage_gaps(engine, force=force, progress=progress), None, render,
                  steps=4)  # fmt: skip


# ---------------------------------------------------------------- routing
@main.group("routing")
def routing_group() -> None:
    """Build and inspect the routing graph."""


@routing_group.command("build")
def routing_build_cmd() -> None:
    """Build the routing graph and landmarks from the database and report size, time and memory."""
    from routing.local import build_stats

    settings = _settings()
    for key, value in build_stats(_engine(settings), settings).items():
        click.echo(f"{key:<24} {value:>12}")


def _lonlat(text: str, name: str) -> tuple[float, float]:
    from layers.places import parse_lonlat

    return parse_lonlat(text, parameter=name)


@main.command("route")
@click.argument("frm", metavar="FROM")
@click.argument("to")
@click.option("--via", multiple=True, help="lon,lat of a point to pass (repeatable).")
@click.option("--alternatives", type=click.IntRange(0, 3), default=0, show_default=True)
@click.option("--avoid-hazards", is_flag=True, help="Keep away from active hazard zones where possible.")
@click.option("--ignore-incidents", is_flag=True, help="Route as if nothing were closed.")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the GeoJSON FeatureCollection.")
def route_cmd(
    frm: str,
    to: str,
    via: tuple[str, ...],
    alternatives: int,
    avoid_hazards: bool,
    ignore_incidents: bool,
    lang: str,
    as_json: bool,
) -> None:
    """Fastest route from FROM to TO (each lon,lat), honouring closures and fog in force."""
    import json

    from gis.errors import DaoanError
    from routing.local import route_once
    from routing.routes import RouteRequest

    settings = _settings()
    try:
        points = [_lonlat(frm, "from"), *(_lonlat(v, "via") for v in via), _lonlat(to, "to")]
        req = RouteRequest(
            points, alternatives=alternatives, avoid_hazards=avoid_hazards, ignore_incidents=ignore_incidents, lang=lang
        )
        body = route_once(_engine(settings), settings, req)
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    for i, feature in enumerate(body["features"]):
        p = feature["properties"]
        click.echo(
            f"{'alternative ' + str(i) if i else 'route'}: {p['distance_m'] / 1000:.1f} km, "
            f"{p['duration_s'] / 60:.1f} min via {', '.join(p['route_codes']) or '-'}"
        )
        if i == 0:
            for step in p["steps"]:
                click.echo(f"  {step['instruction']}")


@main.command("diversion")
@click.option("--incident", "incident_id", type=int, default=None, help="Plan for this incident.")
@click.option("--route", "route_code", default=None, help="Or an ad-hoc closure: route code, e.g. G4.")
@click.option("--from-stake", default=None, help="Ad-hoc closure start, e.g. K1530+000.")
@click.option("--to-stake", default=None, help="Ad-hoc closure end, e.g. K1545+000.")
@click.option("--direction", default="both", show_default=True, help="both, forward, backward or e.g. southbound.")
@click.option("--json", "as_json", is_flag=True, help="Print the GeoJSON FeatureCollection.")
def diversion_cmd(
    incident_id: int | None,
    route_code: str | None,
    from_stake: str | None,
    to_stake: str | None,
    direction: str,
    as_json: bool,
) -> None:
    """Diversion plan (分流方案) for an incident or an ad-hoc closure: decision points, detours, signs."""
    import json

    from gis.errors import DaoanError
    from routing.local import diversion_once

    if incident_id is None and not (route_code and from_stake):
        _fail("give --incident ID, or --route with --from-stake (and --to-stake)", 2)
    settings = _settings()
    closure = {
        "route": route_code,
        "from_stake": from_stake,
        "to_stake": to_stake or from_stake,
        "direction": direction,
    }
    try:
        plan = diversion_once(
            _engine(settings), settings, incident_id=incident_id, closure=None if incident_id is not None else closure
        )
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    if as_json:
        click.echo(json.dumps(plan, ensure_ascii=False))
        return
    for d in plan["directions"]:
        click.echo(
            f"{d['direction_zh']} ({d['direction']}): divert at node {d['recommended_decision_point']} "
            f"via {d['recommended_detour_via']}, control at node {d['near_control_point']}"
        )
    for f in plan["features"]:
        p = f["properties"]
        if p["role"] == "detour":
            click.echo(
                f"  detour from node {p['from_node_id']}: +{(p['added_distance_m'] or 0) / 1000:.1f} km, "
                f"+{(p['added_duration_s'] or 0) / 60:.1f} min via {', '.join(p['route_codes'])}"
            )
        elif p["role"] == "sign":
            click.echo(f"  sign: {p['message_zh']} / {p['message_en']}")
        elif p["role"] == "entrance_closure" and p.get("name"):
            click.echo(f"  close entrance: {p['name']}")


@main.group("incidents")
def incidents_group() -> None:
    """List, declare and end incidents (closures and restrictions)."""


@incidents_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include ended incidents (history).")
def incidents_list_cmd(show_all: bool) -> None:
    """Incidents in force (or all of them)."""
    from gis.db import connect
    from routing.incidents import list_incidents

    with connect(_engine(_settings())) as conn:
        body = list_incidents(conn, status="all" if show_all else "active")
    for f in body["features"]:
        p = f["properties"]
        where = f"{p['route_code']} {p['from_stake']}–{p['to_stake']}" if p["route_code"] else "geometry"
        click.echo(
            f"{f['id']:>6}  {p['status']:<9} {p['kind']:<16} {p['effect']:<10} {where}  "
            f"{p['direction_label'] or p['direction']}  from {p['starts_at']}"
        )


@incidents_group.command("add")
@click.option(
    "--kind", type=click.Choice(["accident", "works", "weather_closure", "entrance_closure", "control"]), required=True
)
@click.option("--effect", type=click.Choice(["closed", "restricted"]), default="closed", show_default=True)
@click.option("--speed-cap", type=int, default=None, help="km/h, for a restricted incident.")
@click.option("--route", "route_code", default=None, help="Route code, e.g. G4.")
@click.option("--from-stake", default=None)
@click.option("--to-stake", default=None)
@click.option("--direction", default="both", show_default=True)
@click.option("--geometry", "geometry_json", default=None, help="GeoJSON geometry instead of stakes.")
@click.option("--toll-station", type=int, default=None, help="Toll station id (entrance_closure).")
@click.option("--ends-at", default=None, help="ISO-8601 end time.")
@click.option("--description", default=None)
def incidents_add_cmd(
    kind: str,
    effect: str,
    speed_cap: int | None,
    route_code: str | None,
    from_stake: str | None,
    to_stake: str | None,
    direction: str,
    geometry_json: str | None,
    toll_station: int | None,
    ends_at: str | None,
    description: str | None,
) -> None:
    """Declare an incident (recorded as made by $USER)."""
    import json

    from gis.db import connect
    from gis.errors import DaoanError
    from routing.incidents import create_incident

    body: dict = {"kind": kind, "effect": effect, "direction": direction}
    for key, value in (
        ("speed_cap_kmh", speed_cap),
        ("route", route_code),
        ("from_stake", from_stake),
        ("to_stake", to_stake),
        ("toll_station_id", toll_station),
        ("ends_at", ends_at),
        ("description", description),
    ):
        if value is not None:
            body[key] = value
    if geometry_json:
        body["geometry"] = json.loads(geometry_json)
    try:
        with connect(_engine(_settings())) as conn:
            feature = create_incident(conn, body, who=os.environ.get("USER", "cli"))
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    click.echo(f"incident {feature['id']} declared ({feature['properties']['status']})")


@incidents_group.command("end")
@click.argument("incident_id", type=int)
def incidents_end_cmd(incident_id: int) -> None:
    """End incident INCIDENT_ID now (it stays as history)."""
    from gis.db import connect
    from gis.errors import DaoanError
    from routing.incidents import end_incident

    try:
        with connect(_engine(_settings())) as conn:
            end_incident(conn, incident_id, who=os.environ.get("USER", "cli"))
    except DaoanError as exc:
        _fail(exc.detail, 2)
        return
    click.echo(f"incident {incident_id} ended")


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


def _ready_routing(settings: Settings) -> None:
    """Build the routing data (cached under var/routing/ for the workers) and compile the routing
    kernels before serving, so that the first route does not pay for them."""
    from routing.service import Router
    from routing.warm import warm

    engine = _engine(settings)
    router = Router(engine, settings)
    try:
        took = warm(router)
    except Exception as exc:  # serving goes on; requests build what they need
        click.echo(f"routing data not built before serving: {exc}", err=True)
    else:
        click.echo(f"routing data ready ({took:.1f}s)")
    finally:
        router.close()
        engine.dispose()


@main.command("serve")
@click.option("--workers", type=int, default=3, show_default=True, help="Worker processes (2 cores: 3).")
@click.option("--threads", type=int, default=4, show_default=True, help="Request threads per worker.")
@click.option("--port", type=int, default=None, help="Port (default DAOAN_PORT or 8080).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
def serve_cmd(workers: int, threads: int, port: int | None, host: str, access_log: bool) -> None:
    """Serve the API with granian (a production HTTP server for the WSGI app)."""
    import sqlalchemy as sa

    from gis.migrate import migrate
    from gis.server import server_command

    settings = _settings()
    port = port or settings.port
    # The schema first: a server started after an upgrade must not answer with tables missing.
    engine = _engine(settings)
    try:
        applied = migrate(engine)
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        _fail("the database is unreachable: start the project's cluster with `daoan db init` (or `make run`), "
              "or set DAOAN_DATABASE_URL to a reachable PostGIS database", 2)  # fmt: skip
        return
    finally:
        engine.dispose()
    for m in applied:
        click.echo(f"migration applied: {m.path.name}")
    _ready_routing(settings)
    token_file = ensure_api_token(settings)
    click.echo(f"Daoan serving on http://{host}:{port}/  (map: /map, API: /openapi.json)")
    if token_file:
        click.echo(f"write token (admin) is in {token_file}")
    os.environ.setdefault("DAOAN_POOL_SIZE", str(threads))  # one database connection per request thread
    os.environ["DAOAN_ROUTING_WARM"] = "1"  # each worker warms routing before it takes requests
    sys.stdout.flush()
    argv = server_command(host=host, port=port, workers=workers, threads=threads, access_log=access_log)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()

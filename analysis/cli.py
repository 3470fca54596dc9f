"""The analysis commands: `daoan import raster` (joins the shared import group) and `daoan analysis …`."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from gis.cli import CliContext, import_group, pass_cli, user


@click.group("analysis")
def analysis_group() -> None:
    """Analyses over the road network: black spots (事故多发点段), grades and hazards from rasters, …"""


@import_group.command("raster")
@click.option("--kind", required=True, help="What the raster holds: dem, fog_frequency, traffic_volume, rainfall, …")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def import_raster_cmd(cli: CliContext, kind: str, file: Path) -> None:
    """Import FILE (GeoTIFF, SRTM .hgt or a zipped .hgt) as the current raster of KIND and derive the
    segments' values from it (a DEM: altitude, grade, long downgrades, icing sections)."""
    from analysis.rasters import import_raster

    report = import_raster(cli.engine, cli.settings, kind, file, imported_by=user())
    click.echo(report.summary())


@analysis_group.command("grades")
@click.option("--kind", default="dem", show_default=True, help="The stored raster to derive from again.")
@pass_cli
def grades_cmd(cli: CliContext, kind: str) -> None:
    """Derive the segments' altitude and grade, long downgrades and icing sections again from the stored
    DEM (after a road import or a change of analysis/data/raster_hazards.toml); other kinds: their values."""
    from analysis.rasters import recompute

    for key, value in recompute(cli.engine, cli.settings, kind).items():
        click.echo(f"{key:<28} {value:>10,}")


@analysis_group.command("blackspots")
@click.option("--method", type=click.Choice(["window", "eb", "nkde"]), default="window", show_default=True)
@click.option(
    "--datetime",
    "interval",
    default=None,
    help="Period start/end, e.g. 2021-01-01/2023-12-31 (default: the last 3 years of records).",
)
@click.option("--bbox", default=None, help="minx,miny,maxx,maxy in degrees.")
@click.option("--area", default=None, help="Adcode of the province, a city or a county.")
@click.option("--road-class", default=None, help="Road classes, comma separated (default all).")
@click.option("--limit", type=int, default=20, show_default=True, help="Black spots shown (stored: up to 1000).")
@click.option(
    "--store", is_flag=True, help="Replace the method's rows of the black_spots layer (and the derived hazard zones)."
)
@click.option("--json", "as_json", is_flag=True, help="Print GeoJSON.")
@click.option("--variant", default=None, help="nkde: simple (default) or discontinuous.")
@click.option("--kernel", default=None, help="nkde: quartic (default), triangular, epanechnikov, gaussian.")
@click.option("--bandwidth", default=None, help="nkde: bandwidth in metres (default 300).")
@click.option("--lixel", default=None, help="nkde: lixel length in metres (default 20).")
@pass_cli
def blackspots_cmd(
    cli: CliContext,
    method: str,
    interval: str | None,
    bbox: str | None,
    area: str | None,
    road_class: str | None,
    limit: int,
    store: bool,
    as_json: bool,
    variant: str | None,
    kernel: str | None,
    bandwidth: str | None,
    lixel: str | None,
) -> None:
    """Rank black spots over a period, area and road classes."""
    from analysis import blackspots as bs
    from analysis import params

    start, end = params.parse_interval(interval)
    scope = bs.make_scope(
        cli.engine,
        start,
        end,
        bbox=params.parse_bbox_param(bbox),
        area=params.parse_area(area),
        road_classes=params.parse_road_classes(road_class),
    )
    nkde = params.parse_nkde({"variant": variant, "kernel": kernel, "bandwidth": bandwidth, "lixel": lixel})
    found = bs.find(
        cli.engine, method, scope, limit=params.MAX_LIMIT if store else params.parse_limit(str(limit)), nkde=nkde
    )
    if store:
        stored = bs.store(cli.engine, found)
        click.echo(f"stored {stored:,} black spot(s) of method {method}; hazard zones of kind blackspot derived")
    if as_json:
        click.echo(json.dumps({"type": "FeatureCollection", **bs.summary(found), "features": bs.features(found)},
                              ensure_ascii=False))  # fmt: skip
        return
    click.echo(
        f"{method}: {found.accidents_counted:,} accidents {scope.start:%Y-%m-%d}–{scope.end:%Y-%m-%d} "
        f"({scope.years:.2f} years), {found.total:,} black spot(s), {found.elapsed_ms:.0f} ms"
    )
    for spot in found.spots[:limit]:
        extra = f" N_spf {spot.predicted:.2f} N_eb {spot.expected:.2f}" if method == "eb" else ""
        click.echo(
            f"{spot.rank:>4} {spot.route_code:<8} {spot.direction:<4} {bs.format_stake(spot.from_stake_m)}–"
            f"{bs.format_stake(spot.to_stake_m)} score {spot.score:8.2f}  {spot.accidents:>4} accidents "
            f"({spot.fatal} fatal, {spot.injury} injury) deaths {spot.deaths}{extra} {','.join(spot.criteria)}"
        )


@analysis_group.command("risk")
@click.option("--family", type=click.Choice(["poisson", "negative_binomial"]), default="poisson", show_default=True)
@click.option(
    "--datetime", "interval", default=None, help="Data period start/end (default: the last 3 years of records)."
)
@click.option("--store", is_flag=True, help="Keep the fit as the current risk model (risk_models).")
@pass_cli
def risk_cmd(cli: CliContext, family: str, interval: str | None, store: bool) -> None:
    """Fit the risk model (accidents by road class, hazard zones, curvature, grade, altitude, hour band and
    weather class; exposure km × hours of each weather and hour band)."""
    from analysis import blackspots as bs
    from analysis import params, risk

    start, end = params.parse_interval(interval)
    scope = bs.make_scope(cli.engine, start, end)
    model = risk.fit(cli.engine, scope, family=family)
    click.echo(
        f"{family}: {model.units:,} segments, {model.accidents:,} accidents {scope.start:%Y-%m-%d}–{scope.end:%Y-%m-%d} "
        f"in {model.cells:,} cells (segment group × station × hour band × weather), "
        f"{model.exposure_km_years:,.0f} km-years; log-likelihood {model.log_likelihood:.1f}, AIC {model.aic:.1f}"
        + (
            f", deviance {model.deviance:.1f} on {model.statistics['df_resid']:.0f} df"
            if model.deviance is not None
            else ""
        )
        + (f", alpha {model.alpha:.4f}" if model.alpha is not None else "")
    )
    for name, est, se in zip(model.names, model.estimates, model.se, strict=True):
        click.echo(f"  {name:<22} {est:9.4f}  (SE {se:.4f})  exp {np.exp(est):9.4f}")
    if store:
        click.echo(f"stored as risk model {risk.store(cli.engine, model)} (current)")


@analysis_group.command("risk-scores")
@click.option("--at", "at_text", default=None, help="The time scored (ISO 8601; naive: +08:00). Default: now.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--road-class", "road_class", default=None, help="Only these road classes, comma separated.")
@pass_cli
def risk_scores_cmd(cli: CliContext, at_text: str | None, limit: int, road_class: str | None) -> None:
    """The segments of highest live risk at a time (current model, weather in force: see analysis/risk_live.py)."""
    from datetime import UTC, datetime

    from analysis import params
    from analysis import risk_terms as rt
    from analysis.risk_live import SOURCES, scores
    from gis import params as gparams

    at = gparams.instant(at_text, "at") or datetime.now(UTC)
    classes = params.parse_road_classes(road_class)
    found = scores(cli.engine, at)
    keep = np.isfinite(found.relative)
    if classes is not None:
        keep &= np.isin(found.road_class, classes)
    rows = np.flatnonzero(keep)
    top = rows[np.argsort(-found.relative[rows], kind="stable")[:limit]]
    in_force = ", ".join(
        f"{w} {int((found.weather == k).sum()):,}"
        for k, w in enumerate(rt.WEATHER_CLASSES)
        if (found.weather == k).any()
    )
    sources = ""
    if found.source is not None:  # where the weather in force came from: readings or forecasts
        counts = np.bincount(found.source, minlength=len(SOURCES))
        sources = f" (segments on readings {int(counts[1]):,}, on forecasts {int(counts[2]):,})"
    click.echo(
        f"risk model {found.model_id} at {found.at.astimezone(rt.BEIJING):%Y-%m-%d %H:%M} (+08:00), {found.hour_band}: "
        f"{len(found):,} segments; weather in force: {in_force or 'none reported'}{sources}"
    )
    for i in top.tolist():
        weather = found.weather_name(i) or "-"
        click.echo(
            f"  segment {int(found.segment_id[i]):>9}  {found.road_class[i]:<10} {weather:<5} "
            f"{found.expected[i]:8.3f} per km-year  relative {found.relative[i]:6.2f}"
        )


@analysis_group.command("weather-history")
@click.option("--datetime", "interval", default=None, help="Period start/end (default: the last 3 years).")
@pass_cli
def weather_history_cmd(cli: CliContext, interval: str | None) -> None:
    """Derive the hourly weather classes the risk model uses (weather_history) from the readings posted to
    /weather/observations: each hour's worst weather per station; hours without a reading stay unknown."""
    from datetime import UTC, datetime, timedelta

    from analysis import params
    from analysis.weather_history import from_observations
    from gis.db import connect

    start, end = params.parse_interval(interval)
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=3 * 365)
    with connect(cli.engine) as conn:
        n = from_observations(conn, start, end)
    click.echo(f"weather history: {n:,} station-days derived from observations {start:%Y-%m-%d}–{end:%Y-%m-%d}")


def register_cli(group: click.Group) -> None:
    """Add `daoan analysis` (the raster import joins gis's shared import group on import of this module)."""
    from analysis.early_warning.cli import warnings_group

    group.add_command(analysis_group)
    group.add_command(warnings_group)

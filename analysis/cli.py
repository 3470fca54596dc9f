"""The analysis commands: `daoan import raster` (joins the shared import group) and `daoan analysis …`."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli import CliContext, import_group, pass_cli, user


@click.group("analysis")
def analysis_group() -> None:
    """Analyses over the road network (grades and hazards from rasters, …)."""


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


def register_cli(group: click.Group) -> None:
    """Add `daoan analysis` (the raster import joins gis's shared import group on import of this module)."""
    group.add_command(analysis_group)

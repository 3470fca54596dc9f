"""The tiles' commands: `daoan tiles seed|glyphs`."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli import CliContext, fail, pass_cli
from gis.errors import DaoanError


@click.group()
def tiles() -> None:
    """Vector tiles: seed archives for offline clients, build label glyphs."""


@tiles.command("seed")
@click.option("--layers", default="all", show_default=True, help="Comma-separated layer ids, or 'all'.")
@click.option("--zooms", default="5-12", show_default=True, help="Zoom levels, N or N-M.")
@click.option("--bbox", default=None, help="west,south,east,north in degrees (default: the data's extent).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output FILE.mbtiles or FILE.pmtiles.")  # fmt: skip
@click.option("--internal", is_flag=True,
              help="Include internal layers and properties (the archive is then internal data).")  # fmt: skip
@pass_cli
def tiles_seed_cmd(cli: CliContext, layers: str, zooms: str, bbox: str | None, out: Path, internal: bool) -> None:
    """Render tiles of LAYERS at ZOOMS into an MBTiles or PMTiles file (public data unless --internal)."""
    from layers.catalog import LAYERS
    from layers.features import parse_bbox
    from tiles.matrix import parse_zooms
    from tiles.seed import seed
    from tiles.selection import parse_layers

    try:
        chosen = list(LAYERS.values()) if layers == "all" else parse_layers(layers)
        if not internal:
            hidden = [layer.id for layer in chosen if layer.internal]
            if hidden and layers != "all":
                fail(f"{', '.join(hidden)} internal: add --internal to seed internal data", 2)
            chosen = [layer for layer in chosen if not layer.internal]
        for layer in chosen:
            derived = cli.root.derived.get(layer.table)
            if derived is not None:
                derived.ensure_current(cli.engine)  # a derived layer: current before it is seeded
        report = seed(cli.engine, cli.settings, chosen, parse_zooms(zooms), out,
                      bbox=parse_bbox(bbox) if bbox else None, progress=True, internal=internal)  # fmt: skip
    except ValueError as exc:  # a bad --zooms or --bbox (a DaoanError goes to the root group's handler)
        if isinstance(exc, DaoanError):
            raise
        fail(str(exc), 2)
    click.echo(f"{report.tiles_written:,} tiles ({report.bytes_written / 1e6:.1f} MB) written to {report.path}; "
               f"{report.tiles_empty:,} empty tiles skipped")  # fmt: skip


@tiles.command("glyphs")
@pass_cli
def tiles_glyphs_cmd(cli: CliContext) -> None:
    """Build the SDF label glyphs under var/glyphs from the Noto Sans npm package (make does this)."""
    from tiles.glyphs import build_glyphs, font_files

    if not font_files(400):
        fail("the fonts are missing: run `npm ci` (or `make run`) first", 2)
    count = build_glyphs(cli.settings.var_dir)
    click.echo(f"{count} glyph ranges ready")


def register_cli(group: click.Group) -> None:
    """Add `daoan tiles …`."""
    group.add_command(tiles)

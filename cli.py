"""The `daoan` command line: the root group. Each subsystem owns its commands (gis/cli.py,
layers/cli.py, tiles/cli.py, routing/cli.py, planning/cli.py); this file builds the context they share
and maps `DaoanError` to exit code 2, once."""

from __future__ import annotations

import logging
from typing import Any

import click

from gis.errors import DaoanError
from gis.settings import Settings

UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE for a missing relation


class _Main(click.Group):
    """The root group: an error Daoan reports to a user ends the command with its message and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DaoanError as exc:
            from gis.cli import fail

            fail(exc.detail, 2)
        except Exception as exc:  # a database without Daoan's tables: say how to make them
            if getattr(getattr(exc, "orig", None), "pgcode", None) != UNDEFINED_TABLE:
                raise
            from gis.cli import fail

            fail("the database has no Daoan tables yet: run `daoan db migrate` (or `daoan db init` for the "
                 "project's own cluster) first", 2)  # fmt: skip


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Daoan (道安): GIS service and vector tiles for road-traffic-safety supervision."""
    from app import build_root
    from gis.cli import CliContext

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # Settings given by the caller (tests: CliRunner().invoke(main, args, obj=settings)), else the environment's.
    given = ctx.obj if isinstance(ctx.obj, Settings) else None
    from analysis.early_warning.cli import ready_warnings
    from routing.cli import ready_routing

    ctx.obj = CliContext(
        given,
        lambda settings, engine: build_root(settings, engine=engine),
        before_serving=(ready_routing, ready_warnings),  # warnings after routing: their signs need the graph
    )
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from analysis import cli as analysis_cli
    from gis import accesscli
    from gis import cli as gis_cli
    from layers import cli as layers_cli
    from planning import cli as planning_cli
    from routing import cli as routing_cli
    from tiles import cli as tiles_cli

    for subsystem in (gis_cli, accesscli, layers_cli, tiles_cli, planning_cli, routing_cli, analysis_cli):
        subsystem.register_cli(main)


_register()

if __name__ == "__main__":
    main()

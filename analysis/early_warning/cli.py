"""`daoan warnings evaluate|list|forecast`: evaluate the warning rules now (run it from cron for the risk
trigger, which moves with the hour), list the warnings in force, store weather forecasts from a file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gis import params
from gis.cli import CliContext, pass_cli, user


@click.group("warnings")
def warnings_group() -> None:
    """Early warnings (预警): fog, road icing, long downgrades in rain, high live risk."""


@warnings_group.command("evaluate")
@click.option("--at", "at_text", default=None, help="Evaluate as at this time (ISO 8601; default now).")
@pass_cli
def evaluate_cmd(cli: CliContext, at_text: str | None) -> None:
    """Issue, extend and lift warnings for the readings and the live risk in force now (or --at)."""
    from analysis.early_warning.service import evaluate

    at = params.instant(at_text, "--at") if at_text else None
    summary = evaluate(cli.root.router, at=at, who=user())
    click.echo(
        f"issued {len(summary['issued'])}, extended {summary['extended']}, lifted {summary['lifted']} "
        f"(risk trigger: {summary['risk']})"
    )


@warnings_group.command("list")
@click.option("--level", default=None, help="Levels, comma separated (blue,yellow,orange,red).")
@click.option("--json", "as_json", is_flag=True, help="The GeoJSON of GET /warnings.")
@pass_cli
def list_cmd(cli: CliContext, level: str | None, as_json: bool) -> None:
    """The warnings in force, most severe first."""
    from analysis.early_warning.feed import list_warnings, parse_feed_query
    from analysis.early_warning.rules import LEVEL_ZH
    from gis.db import connect

    q = parse_feed_query({"level": level})
    with connect(cli.engine) as conn:
        body = list_warnings(conn, q)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for f in body["features"]:
        p = f["properties"]
        click.echo(f"#{f['id']} {LEVEL_ZH[p['level']]} {p['message_zh']} (至 {p['expires_at']})")
    click.echo(f"{len(body['features'])} warning(s) in force")


@warnings_group.command("forecast")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def forecast_cmd(cli: CliContext, file: Path) -> None:
    """Store the weather forecasts of a JSON FILE (the body of POST /weather/forecasts: one forecast or
    {"forecasts": [...]}, all or none), then evaluate the warning rules."""
    from datetime import UTC, datetime

    from analysis.early_warning.service import evaluate
    from analysis.forecasts import forecasts_of, record_forecasts
    from gis.db import connect
    from gis.errors import InvalidParameter

    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameter(f"{file.name} is not JSON: {exc}", parameter="file") from None
    forecasts = forecasts_of(body, datetime.now(UTC))
    with connect(cli.engine) as conn:
        result = record_forecasts(conn, forecasts, who=user())
    click.echo(f"stored {len(result['stored'])} forecast(s), {len(result['unchanged'])} already stored")
    if result["stored"]:
        summary = evaluate(cli.root.router, who=user(), risk=False)
        click.echo(f"warnings: issued {len(summary['issued'])}, extended {summary['extended']}, "
                   f"lifted {summary['lifted']}")  # fmt: skip


def ready_warnings(cli: CliContext) -> None:
    """Evaluate the warning rules before serving (after routing is ready): readings may have expired and
    forecasts come into force while no server ran, and warnings issued without routing (the demo's) get
    their directions and signs. Serving goes on if it fails; the next evaluation catches up."""
    from analysis.early_warning.service import evaluate

    try:
        summary = evaluate(cli.root.router, who=user(), risk=False)
    except Exception as exc:
        click.echo(f"warnings not evaluated before serving: {exc}", err=True)
        return
    click.echo(f"warnings evaluated: issued {len(summary['issued'])}, extended {summary['extended']}, "
               f"lifted {summary['lifted']}")  # fmt: skip

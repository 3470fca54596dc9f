"""`daoan warnings evaluate|list`: evaluate the warning rules now (run it from cron for the risk
trigger, which moves with the hour) and list the warnings in force."""

from __future__ import annotations

import json

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

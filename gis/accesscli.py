"""The read-access commands: `daoan token new` (a token for the settings file) and `daoan audit list`."""

from __future__ import annotations

import json
import secrets

import click

from gis.cli import CliContext, pass_cli
from gis.settings import ROLES


@click.group("token")
def token_group() -> None:
    """API tokens (they live in the settings file named by DAOAN_SETTINGS)."""


@token_group.command("new")
@click.option("--name", required=True, help="Recorded with every write and every audited read.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True,
              help="viewer/planner: read internal layers; operator: also incidents; admin: also imports.")  # fmt: skip
def token_new_cmd(name: str, role: str) -> None:
    """Print a new random token as a [[tokens]] entry to append to the settings file."""
    click.echo(f'[[tokens]]\nname = {json.dumps(name, ensure_ascii=False)}\nrole = "{role}"\n'
               f'token = "{secrets.token_urlsafe(32)}"')  # fmt: skip


@click.group("audit")
def audit_group() -> None:
    """The audit log of reads of internal layers."""


@audit_group.command("list")
@click.option(
    "--since", default=None, help="Only reads at or after this time (ISO 8601, e.g. 2026-12-01; naive: +08:00)."
)
@click.option("--layer", default=None, help="Only reads of this layer.")
@click.option("--token", "token_name", default=None, help="Only reads with the token of this name.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_cli
def audit_list_cmd(
    cli: CliContext, since: str | None, layer: str | None, token_name: str | None, limit: int, as_json: bool
) -> None:
    """The newest audited reads first: when, who (token name and role), what (layer, path, query), how many."""
    from gis.audit import entry_json, read_entries
    from gis.db import connect
    from gis.params import instant

    after = instant(since, "--since")  # a bad time: exit 2 with the fix (the root group's handler)
    with connect(cli.engine) as conn:
        rows = read_entries(conn, since=after, layer=layer, token=token_name, limit=limit)
    for r in rows:
        if as_json:
            click.echo(json.dumps(entry_json(r), ensure_ascii=False))
            continue
        query = "&".join(f"{k}={v}" for k, v in r["params"].items())
        click.echo(f"{r['read_at']:%Y-%m-%d %H:%M:%S%z}  {r['token_name']} ({r['role']})  {r['layer']}  "
                   f"{r['features']} features  {r['method']} {r['path']}{'?' + query if query else ''}")  # fmt: skip


def register_cli(group: click.Group) -> None:
    """Add `daoan token …` and `daoan audit …`."""
    group.add_command(token_group)
    group.add_command(audit_group)

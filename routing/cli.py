"""Routing's commands: `daoan routing build`, `daoan route`, `daoan diversion`, `daoan incidents …`,
`daoan export graph`."""

from __future__ import annotations

import os

import click

from gis.cli import CliContext, fail, pass_cli, user


@click.group("routing")
def routing_group() -> None:
    """Build and inspect the routing graph."""


@routing_group.command("build")
@pass_cli
def routing_build_cmd(cli: CliContext) -> None:
    """Build the routing graph and landmarks from the database and report size, time and memory."""
    from routing.local import build_stats

    for key, value in build_stats(cli.engine, cli.settings, router=cli.root.router).items():
        click.echo(f"{key:<24} {value:>12}")


def _lonlat(text: str, name: str) -> tuple[float, float]:
    from gis.params import lonlat

    return lonlat(text, name)


@click.command("route")
@click.argument("frm", metavar="FROM")
@click.argument("to")
@click.option("--via", multiple=True, help="lon,lat of a point to pass (repeatable).")
@click.option("--alternatives", type=click.IntRange(0, 3), default=0, show_default=True)
@click.option("--avoid-hazards", is_flag=True, help="Keep away from active hazard zones where possible.")
@click.option("--ignore-incidents", is_flag=True, help="Route as if nothing were closed.")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the GeoJSON FeatureCollection.")
@pass_cli
def route_cmd(
    cli: CliContext,
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

    from routing.local import route_once
    from routing.routes import RouteRequest

    points = [_lonlat(frm, "from"), *(_lonlat(v, "via") for v in via), _lonlat(to, "to")]
    req = RouteRequest(
        points, alternatives=alternatives, avoid_hazards=avoid_hazards, ignore_incidents=ignore_incidents, lang=lang
    )
    body = route_once(cli.engine, cli.settings, req, router=cli.root.router)
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
                for warning in step.get("warnings", ()):
                    click.echo(f"    ! {warning['text']}")


@click.command("diversion")
@click.option("--incident", "incident_id", type=int, default=None, help="Plan for this incident.")
@click.option("--route", "route_code", default=None, help="Or an ad-hoc closure: route code, e.g. G4.")
@click.option("--from-stake", default=None, help="Ad-hoc closure start, e.g. K1530+000.")
@click.option("--to-stake", default=None, help="Ad-hoc closure end, e.g. K1545+000.")
@click.option("--direction", default="both", show_default=True, help="both, forward, backward or e.g. southbound.")
@click.option("--json", "as_json", is_flag=True, help="Print the GeoJSON FeatureCollection.")
@pass_cli
def diversion_cmd(
    cli: CliContext,
    incident_id: int | None,
    route_code: str | None,
    from_stake: str | None,
    to_stake: str | None,
    direction: str,
    as_json: bool,
) -> None:
    """Diversion plan (分流方案) for an incident or an ad-hoc closure: decision points, detours, signs."""
    import json

    from routing.local import diversion_once

    if incident_id is None and not (route_code and from_stake):
        fail("give --incident ID, or --route with --from-stake (and --to-stake)", 2)
    closure = {
        "route": route_code,
        "from_stake": from_stake,
        "to_stake": to_stake or from_stake,
        "direction": direction,
    }
    plan = diversion_once(
        cli.engine,
        cli.settings,
        incident_id=incident_id,
        closure=None if incident_id is not None else closure,
        router=cli.root.router,
    )
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


@click.group("incidents")
def incidents_group() -> None:
    """List, declare and end incidents (closures and restrictions)."""


@incidents_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include ended incidents (history).")
@pass_cli
def incidents_list_cmd(cli: CliContext, show_all: bool) -> None:
    """Incidents in force (or all of them)."""
    from gis.db import connect
    from routing.incidents import list_incidents

    with connect(cli.engine) as conn:
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
@pass_cli
def incidents_add_cmd(
    cli: CliContext,
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
    from routing.incident import IncidentPatch
    from routing.incidents import create_incident

    try:
        geometry = json.loads(geometry_json) if geometry_json else None
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"must be a GeoJSON geometry: {exc}", param_hint="--geometry") from None
    patch = IncidentPatch.of(
        kind=kind,
        effect=effect,
        direction=direction,
        speed_cap_kmh=speed_cap,
        route=route_code,
        from_stake=from_stake,
        to_stake=to_stake,
        toll_station_id=toll_station,
        ends_at=ends_at,
        description=description,
        geometry=geometry,
    )
    with connect(cli.engine) as conn:
        incident = create_incident(conn, patch, who=user())
    click.echo(f"incident {incident.id} declared ({incident.status})")


@incidents_group.command("end")
@click.argument("incident_id", type=int)
@pass_cli
def incidents_end_cmd(cli: CliContext, incident_id: int) -> None:
    """End incident INCIDENT_ID now (it stays as history)."""
    from gis.db import connect
    from routing.incidents import end_incident

    with connect(cli.engine) as conn:
        end_incident(conn, incident_id, who=user())
    click.echo(f"incident {incident_id} ended")


@click.group("export")
def export_group() -> None:
    """Write Daoan's data for other tools."""


@export_group.command("graph")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gpkg"]), default="graphml", show_default=True)
@click.option("--output", default=None, help="File to write (default: road_graph.graphml / .gpkg here).")
@pass_cli
def export_graph_cmd(cli: CliContext, fmt: str, output: str | None) -> None:
    """The routable network as an osmnx MultiDiGraph (osmnx.load_graphml reads it; no turn restrictions)."""
    from gis.db import connect
    from routing.export import export_graph, output_path

    path = output_path(fmt, output)
    with connect(cli.engine) as conn:
        counts = export_graph(conn, fmt, path)
    click.echo(f"{path}: {counts['nodes']} nodes, {counts['edges']} edges ({fmt})")


def ready_routing(cli: CliContext) -> None:
    """Build the routing data (cached under var/routing/ for the workers) and compile the routing
    kernels before serving, so that the first route does not pay for them."""
    from routing.warm import warm

    try:
        took = warm(cli.root.router)
    except Exception as exc:  # serving goes on; requests build what they need
        click.echo(f"routing data not built before serving: {exc}", err=True)
    else:
        click.echo(f"routing data ready ({took:.1f}s)")
    os.environ["DAOAN_ROUTING_WARM"] = "1"  # each worker of `daoan serve` warms routing before it takes requests


def register_cli(group: click.Group) -> None:
    """Add `daoan routing …`, `daoan route`, `daoan diversion` and `daoan incidents …`,
    `daoan export graph`."""
    group.add_command(routing_group)
    group.add_command(route_cmd)
    group.add_command(diversion_cmd)
    group.add_command(incidents_group)
    group.add_command(export_group)

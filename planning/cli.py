"""Coverage commands: `daoan coverage report|gaps|suggest|refresh` and `daoan import standards`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from gis.cli import CliContext, fail, fail_rejected, import_group, pass_cli, user
from gis.errors import ImportRejected


@import_group.command("standards")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def import_standards_cmd(cli: CliContext, file: Path) -> None:
    """Replace the coverage standards (the plan's targets by year) with FILE (TOML), in one transaction."""
    from planning.standards import import_standards

    try:
        standards = import_standards(cli.engine, file, loaded_by=user())
    except ImportRejected as exc:
        fail_rejected(exc, lambda err: f"target {err.get('row') or '-'}")
    click.echo(
        f"standards {standards.name} {standards.version}: {len(standards.targets)} targets for "
        f"{', '.join(map(str, standards.years))}"
    )


@click.group()
def coverage() -> None:
    """Coverage of the plan's targets: report, gaps and suggested sites, per city and county."""


def _coverage_run(
    cli: CliContext,
    fn: Callable[[sa.Engine, Callable[[str], None]], Any],
    out: Path | None,
    render: Callable[[Any], str | bytes],
    *,
    steps: int = 3,
) -> None:
    """Run a coverage function with progress; write its rendering to OUT or stdout."""
    from planning.progress import step_progress

    progress, close = step_progress(steps, enabled=sys.stderr.isatty())
    try:
        result = fn(cli.engine, progress)
    finally:
        close()
    rendered = render(result)
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
_AS_OF = click.option(
    "--as-of", type=int, default=None, help="Measure at the end of this year (default: the standard year)."
)
_OUT = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Output file.")


@coverage.command("report")
@_YEAR
@_AREA
@_AS_OF
@_OUT
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "html", "pdf"]), default=None,
              help="Output format (default: from --out's extension, else json); pdf needs --out.")  # fmt: skip
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default=None,
              help="Language of the HTML/PDF report (default zh-CN) and of the CSV headers (default: JSON keys).")  # fmt: skip
@pass_cli
def coverage_report_cmd(
    cli: CliContext,
    year: int | None,
    area: str | None,
    as_of: int | None,
    out: Path | None,
    fmt: str | None,
    lang: str | None,
) -> None:
    """Every metric against the year's targets for the province (or AREA), its cities and counties."""
    import json

    from planning.export import report_csv
    from planning.service import city_outlines, coverage_gaps, coverage_report, latest_year

    fmt = fmt or (out.suffix.lstrip(".").lower() if out and out.suffix.lower() in (".csv", ".html", ".pdf") else "json")
    if fmt == "pdf" and out is None:
        fail("a PDF report needs a file: add --out report.pdf", 2)

    def run(engine, progress):
        y = year or latest_year(engine)
        report = coverage_report(engine, year=y, area=area, as_of=as_of, progress=progress)
        if fmt not in ("html", "pdf"):
            return report
        gaps = coverage_gaps(engine, kind="camera", year=y, area=area, as_of=y if as_of is None else as_of)
        from analysis.blackspots import stored

        return report, gaps, city_outlines(engine), stored(engine, area=area)

    def render(result) -> str | bytes:
        if fmt == "csv":
            return report_csv(result, lang)
        if fmt == "html":
            from planning.htmlreport import report_html

            report, gaps, outlines, spots = result
            return report_html(report, gaps, outlines, lang=lang or "zh-CN", black_spots=spots)
        if fmt == "pdf":
            from planning.htmlreport import report_html
            from planning.pdfreport import html_to_pdf

            report, gaps, outlines, spots = result
            return html_to_pdf(
                report_html(report, gaps, outlines, lang=lang or "zh-CN", printed=True, black_spots=spots)
            )
        return json.dumps(result, ensure_ascii=False, indent=1)

    _coverage_run(cli, run, out, render)


@coverage.command("gaps")
@click.option("--kind", type=click.Choice(["camera", "weather_station"]), default="camera", show_default=True)
@_YEAR
@_AREA
@_AS_OF
@_OUT
@pass_cli
def coverage_gaps_cmd(
    cli: CliContext, kind: str, year: int | None, area: str | None, as_of: int | None, out: Path | None
) -> None:
    """Camera spacing gaps (or fog/ice road no weather station reaches) as GeoJSON."""
    import json

    from planning.service import coverage_gaps, latest_year

    def run(engine, progress):
        y = year or latest_year(engine)
        return coverage_gaps(engine, kind=kind, year=y, area=area, as_of=as_of, progress=progress)

    _coverage_run(cli, run, out, lambda r: json.dumps(r, ensure_ascii=False))


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
@pass_cli
def coverage_suggest_cmd(
    cli: CliContext,
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

    _coverage_run(cli, run, out, render)


@coverage.command("refresh")
@click.option("--force", is_flag=True, help="Recompute even when the stored gaps are current.")
@pass_cli
def coverage_refresh_cmd(cli: CliContext, force: bool) -> None:
    """Recompute the stored coverage_gaps tile layer when cameras, roads, areas or standards changed."""
    from planning.gapstore import RefreshReport, refresh_coverage_gaps

    def render(report: RefreshReport) -> str:
        if not report.refreshed:
            return "coverage_gaps is current: nothing to do"
        years = ", ".join(map(str, report.years)) or "none"
        return f"coverage_gaps: {report.gaps:,} gaps stored for years {years} in {report.duration_ms / 1000:.1f} s"

    _coverage_run(cli, lambda engine, progress: refresh_coverage_gaps(engine, force=force, progress=progress), None, render,
                  steps=4)  # fmt: skip


def register_cli(group: click.Group) -> None:
    """Add `daoan coverage …` (`import standards` joins gis's shared import group)."""
    group.add_command(coverage)

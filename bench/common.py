"""Shared helpers of the benchmarks: scratch databases, machine facts, the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from gis.cluster import ensure_cluster
from gis.db import create_db_engine, ensure_database
from gis.migrate import migrate
from gis.settings import PROJECT_ROOT, Settings, load_settings

RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def scratch_settings(dbname: str) -> Settings:
    """Settings for database `dbname` in the project cluster, created and migrated if missing."""
    base = load_settings()
    ensure_cluster(base)
    if base.database_url:
        url = sa.engine.make_url(base.database_url).set(database=dbname)
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": dbname}).scalar():
                conn.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
        settings = replace(base, database_url=url.render_as_string(hide_password=False))
    else:
        ensure_database(base, dbname)
        settings = replace(base, database_url=base.url(dbname))
    engine = create_db_engine(settings)
    migrate(engine)
    engine.dispose()
    return settings


def machine() -> str:
    """One line describing the machine the numbers came from."""
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1048576:.0f} GiB RAM, Python {platform.python_version()}"


def timed_command(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of a command run under /usr/bin/time -v."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, capture_output=True, text=True, check=True)
    wall, rss = 0.0, 0.0
    for line in proc.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            parts = line.rsplit(" ", 1)[1].split(":")
            wall = sum(float(p) * 60**i for i, p in enumerate(reversed(parts)))
        elif line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, rss, proc.stdout


def write_section(heading: str, body: str, command: str) -> None:
    """Replace (or append) the section `heading` of bench/RESULTS.md with `body`."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"## {heading}\n\n{stamp}; {machine()}; command: `{command}`\n\n{body.strip()}\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nMeasured by `make bench`.\n"
    marker = f"## {heading}\n"
    if marker in text:
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


def env_for(settings: Settings) -> dict[str, str]:
    """Environment for a `daoan` subprocess working on `settings`' database."""
    env = dict(os.environ)
    env["DAOAN_DATABASE_URL"] = settings.database_url or ""
    return env


def daoan_bin() -> str:
    return str(Path(PROJECT_ROOT / ".venv" / "bin" / "daoan"))


def settings_for(dbname: str) -> Settings:
    """The project's settings with their database switched to `dbname` on the same server (a bench's --db)."""
    base = load_settings()
    if base.database_url:
        url = sa.engine.make_url(base.database_url).set(database=dbname).render_as_string(hide_password=False)
    else:
        url = base.url(dbname)
    return replace(base, database_url=url)

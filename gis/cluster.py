"""The project's own PostgreSQL cluster under var/, run by an unprivileged user."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from gis.settings import Settings

log = logging.getLogger(__name__)

PG_OS_USER = "daoan"
PG_DB_USER = "daoan"


def pg_bin(name: str) -> str:
    """Path of a PostgreSQL server binary (initdb, pg_ctl …), preferring version 15."""
    for version in ("15", "16", "17"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install PostgreSQL 15 (make run does it with apt-get)")
    return found


def _as_pg_user(cmd: list[str]) -> list[str]:
    """Run as the unprivileged cluster owner when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", PG_OS_USER, "--", *cmd]


def _ensure_os_user() -> None:
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_OS_USER],
            check=True,
        )


def _owner_dirs(settings: Settings) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    for sub in (settings.pg_data, settings.socket_dir):
        sub.mkdir(parents=True, exist_ok=True, mode=0o700 if sub == settings.pg_data else 0o755)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(PG_OS_USER)
        for path in (settings.pg_data, settings.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        # The cluster user must be able to reach var/ (a checkout under a root-owned 0700 home cannot).
        os.chmod(settings.var_dir, 0o755)


def is_running(settings: Settings) -> bool:
    """True when the project cluster answers on its socket."""
    result = subprocess.run(
        [pg_bin("pg_isready"), "-q", "-h", str(settings.socket_dir), "-p", str(settings.pg_port)],
        check=False,
    )
    return result.returncode == 0


def ensure_cluster(settings: Settings) -> None:
    """Initialise (once) and start the project cluster, unless DAOAN_DATABASE_URL points elsewhere."""
    if settings.database_url:
        return
    _ensure_os_user()
    _owner_dirs(settings)
    if not (settings.pg_data / "PG_VERSION").exists():
        log.info("initialising PostgreSQL cluster in %s", settings.pg_data)
        subprocess.run(
            _as_pg_user(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(settings.pg_data),
                    "-U",
                    PG_DB_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        conf = settings.pg_data / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# Daoan: local socket only, sized for a 2-core machine\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{settings.socket_dir}'\n"
                "max_connections = 100\n"
                "shared_buffers = 512MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 512MB\n"
                "fsync = on\n"
                "jit = off\n"
            )
    if is_running(settings):
        return
    log.info("starting PostgreSQL on port %s", settings.pg_port)
    subprocess.run(
        _as_pg_user(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(settings.pg_data),
                "-o",
                f"-p {settings.pg_port}",
                "-l",
                str(settings.pg_data / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def stop_cluster(settings: Settings) -> bool:
    """Stop the project cluster; False when it was not running."""
    if settings.database_url or not (settings.pg_data / "PG_VERSION").exists():
        return False
    if not is_running(settings):
        return False
    subprocess.run(
        _as_pg_user([pg_bin("pg_ctl"), "-D", str(settings.pg_data), "-m", "fast", "-w", "stop"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True

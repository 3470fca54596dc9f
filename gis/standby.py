"""A hot standby of the project's own cluster under var/replica/: `daoan db replica init|start|stop`.

`init` copies the running primary with pg_basebackup as the replicator role (REPLICATION only,
gis/cluster.py) over the primary's socket, streaming the WAL of the copy (-X stream) and creating a
physical replication slot (`daoan_replica`), so the primary keeps the WAL the standby has not
received yet, even while it is stopped. The standby gets its own port (`replica_port`, default the
primary's + 1) and socket directory, `standby.signal`, `primary_conninfo` naming the slot and a password
file of its own holding the replicator's line only (the cluster's OS user cannot read var/secrets).
It is a hot standby: it answers reads (DAOAN_READ_DATABASE_URL, gis/replicas.py) and refuses writes.

A slot whose standby is gone keeps WAL on the primary without bound: `init --fresh` drops the old copy
and its slot before copying again.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from gis.cluster import PG_OS_USER, _as_pg_user, _socket_options, cluster_passwords, is_running, pg_bin
from gis.errors import DaoanError
from gis.secretfiles import passfile_text, write_private
from gis.settings import APP_ROLE, REPLICATOR_ROLE, Settings

log = logging.getLogger(__name__)

SLOT = "daoan_replica"


@dataclass(frozen=True)
class Standby:
    """Where the standby of `settings`' cluster lives."""

    settings: Settings

    @property
    def home(self) -> Path:
        return self.settings.var_dir / "replica"

    @property
    def pg_data(self) -> Path:
        return self.home / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.home / "run"

    @property
    def passfile(self) -> Path:
        """The replicator's password, readable by the cluster's OS user only."""
        return self.home / "replicator.pgpass"

    @property
    def port(self) -> int:
        return self.settings.replica_port or self.settings.pg_port + 1

    def url(self, role: str = APP_ROLE, dbname: str = "daoan") -> str:
        """libpq URL of `role` on the standby (the passwords are the primary's: it is a copy)."""
        return (
            f"postgresql://{role}@/{dbname}?host={self.socket_dir}&port={self.port}&passfile={self.settings.passfile}"
        )

    def exists(self) -> bool:
        return (self.pg_data / "PG_VERSION").exists()

    def running(self) -> bool:
        result = subprocess.run(
            [pg_bin("pg_isready"), "-q", "-h", str(self.socket_dir), "-p", str(self.port)], check=False
        )
        return result.returncode == 0


def _chown_to_cluster_user(*paths: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(PG_OS_USER)
    for path in paths:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _drop_slot(settings: Settings) -> None:
    engine = sa.create_engine(settings.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :s"),
                {"s": SLOT},
            )
    finally:
        engine.dispose()


def init_standby(settings: Settings, *, fresh: bool = False) -> Standby:
    """Copy the running primary into var/replica/ and start it as a hot standby."""
    if settings.database_url:
        raise DaoanError("DAOAN_DATABASE_URL names another server: set up its replicas where it runs")
    if not is_running(settings):
        raise DaoanError("the project's cluster is not running: start it first (`daoan db start` or `make run`)")
    standby = Standby(settings)
    if standby.exists():
        if not fresh:
            raise DaoanError(f"a standby exists in {standby.pg_data}: `daoan db replica start`, or init --fresh")
        stop_standby(settings)
        shutil.rmtree(standby.pg_data)
        _drop_slot(settings)
    elif fresh:
        _drop_slot(settings)
    for directory in (standby.home, standby.socket_dir):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(directory, 0o700)
        _chown_to_cluster_user(directory)
    os.chmod(standby.home, 0o711)  # others pass through to the socket's directory, list nothing
    if os.geteuid() == 0:  # the server's user passes through to the socket, as on the primary
        from gis.privileges import ensure_service_user

        service = ensure_service_user(settings.service_user)
        os.chown(standby.socket_dir, pwd.getpwnam(PG_OS_USER).pw_uid, service.pw_gid)
        os.chmod(standby.socket_dir, 0o710)
    password = cluster_passwords(settings)[REPLICATOR_ROLE]
    write_private(standby.passfile, passfile_text({REPLICATOR_ROLE: password}))
    _chown_to_cluster_user(standby.passfile)
    log.info("copying the primary (port %s) into %s", settings.pg_port, standby.pg_data)
    env = dict(os.environ, PGPASSFILE=str(standby.passfile))
    subprocess.run(
        _as_pg_user(
            [
                pg_bin("pg_basebackup"),
                "-D",
                str(standby.pg_data),
                "-h",
                str(settings.socket_dir),
                "-p",
                str(settings.pg_port),
                "-U",
                REPLICATOR_ROLE,
                "-w",
                "-X",
                "stream",
                "-C",
                "-S",
                SLOT,
                "-c",
                "fast",
            ]
        ),  # fmt: skip
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    conninfo = (
        f"host={settings.socket_dir} port={settings.pg_port} user={REPLICATOR_ROLE} "
        f"passfile={standby.passfile} application_name={SLOT}"
    )
    with (standby.pg_data / "postgresql.conf").open("a") as fh:
        fh.write(
            "\n# Daoan: a hot standby of the project's cluster (gis/standby.py)\n"
            f"unix_socket_directories = '{standby.socket_dir}'\n"
            f"primary_conninfo = '{conninfo}'\n"
            f"primary_slot_name = '{SLOT}'\n"
            "hot_standby = on\n"
            "hot_standby_feedback = on\n"
            "shared_buffers = 256MB\n"
        )
    signal = standby.pg_data / "standby.signal"
    signal.touch()
    _chown_to_cluster_user(signal)
    start_standby(settings)
    return standby


def start_standby(settings: Settings) -> Standby:
    """Start the standby (already initialised); nothing when it runs."""
    standby = Standby(settings)
    if not standby.exists():
        raise DaoanError("no standby yet: `daoan db replica init` copies the project's cluster first")
    if standby.running():
        return standby
    subprocess.run(
        _as_pg_user(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(standby.pg_data),
                "-o",
                f"-p {standby.port}{_socket_options(settings)}",
                "-l",
                str(standby.pg_data / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),  # fmt: skip
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return standby


def stop_standby(settings: Settings) -> bool:
    """Stop the standby; False when it was not running."""
    standby = Standby(settings)
    if not standby.exists() or not standby.running():
        return False
    subprocess.run(
        _as_pg_user([pg_bin("pg_ctl"), "-D", str(standby.pg_data), "-m", "fast", "-w", "stop"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True

"""The project's own cluster: passwords, a socket for its user only, and an application role that can
read and write data but not change the schema."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess

import pytest
import sqlalchemy as sa

from gis.cluster import pg_bin
from gis.settings import APP_ROLE, load_settings
from tests.conftest import app_role_env

base = load_settings()
own_cluster = pytest.mark.skipif(base.database_url is not None, reason="DAOAN_DATABASE_URL names another server")


@own_cluster
def test_secrets_and_socket_are_private():
    assert stat.S_IMODE(base.passfile.stat().st_mode) == 0o600
    assert stat.S_IMODE(base.passfile.parent.stat().st_mode) == 0o700
    # The socket's directory: its user, and (root running the project) the service user's group, which
    # may only pass through to the socket; nobody else.
    socket_dir = base.socket_dir.stat()
    assert stat.S_IMODE(socket_dir.st_mode) == (0o710 if os.geteuid() == 0 else 0o700)
    sock = (base.socket_dir / f".s.PGSQL.{base.pg_port}").stat()
    if os.geteuid() == 0:
        service_gid = pwd.getpwnam(base.service_user).pw_gid
        assert socket_dir.st_gid == service_gid
        # The socket itself: the cluster's user and the service user's group (it serves, gis/privileges.py).
        assert (sock.st_gid, stat.S_IMODE(sock.st_mode)) == (service_gid, 0o770)
    else:
        assert stat.S_IMODE(sock.st_mode) == 0o700
    assert "trust" not in (base.pg_data / "pg_hba.conf").read_text().split("# TYPE")[-1]


@own_cluster
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root to act as nobody")
def test_another_local_user_cannot_connect():
    for role in ("daoan", APP_ROLE):
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", pg_bin("psql"), "-w", "-h", str(base.socket_dir),
             "-p", str(base.pg_port), "-U", role, "-d", "postgres", "-c", "SELECT 1"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode != 0, done.stdout


@own_cluster
def test_the_application_role_reads_and_writes_data_but_not_the_schema(settings):
    url = app_role_env(settings)["DAOAN_APP_DATABASE_URL"]
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.begin() as conn:
            assert conn.execute(
                sa.text("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
            ).one() == (APP_ROLE, False)
            conn.execute(sa.text("SELECT count(*) FROM cameras")).scalar()
            conn.execute(sa.text("UPDATE layer_versions SET changed_at = changed_at"))
        for statement in ("CREATE EXTENSION IF NOT EXISTS hstore", "DROP TABLE cameras", "CREATE TABLE x (i int)",
                          "DELETE FROM schema_migrations", "ALTER TABLE cameras ADD COLUMN x int"):  # fmt: skip
            with (
                pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"),
                engine.begin() as conn,
            ):
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()

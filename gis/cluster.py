"""The project's own PostgreSQL cluster under var/, run by an unprivileged user.

Every role logs in with a password (scram-sha-256) over a socket whose directory only the cluster's OS
user may enter (root gets in anyway): the owner (a superuser: migrations, extensions, restore, test
databases), the server's application role (data tables only; migration 015 grants) and a replicator.
The passwords are generated once into var/secrets/pgpass (mode 0600), a libpq password file that the
URLs name (`passfile=`), so no password appears in a URL or a command line.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path

import psycopg2.extensions
import sqlalchemy as sa

from gis.secretfiles import passfile_text, read_passfile, write_private
from gis.settings import APP_ROLE, OWNER_ROLE, REPLICATOR_ROLE, Settings

log = logging.getLogger(__name__)

PG_OS_USER = "daoan"  # runs the cluster, and the server when started as root
PG_DB_USER = OWNER_ROLE
HBA_MARK = "# Daoan roles (written by gis/cluster.py)"
# Role → its attributes. The owner is the superuser initdb creates; the others are created here.
ROLE_ATTRIBUTES = {
    OWNER_ROLE: "LOGIN SUPERUSER",
    APP_ROLE: "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
    REPLICATOR_ROLE: "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE",
}


def hba_text() -> str:
    """pg_hba.conf: each role by password over the socket (TCP is off: listen_addresses is empty; the
    replicator's host lines serve replicas once it is turned on); everything else is refused."""
    return (
        f"{HBA_MARK}\n"
        "# TYPE  DATABASE     USER               ADDRESS        METHOD\n"
        f"local   all          {OWNER_ROLE:<18}                 scram-sha-256\n"
        f"local   all          {APP_ROLE:<18}                 scram-sha-256\n"
        f"local   replication  {REPLICATOR_ROLE:<18}                 scram-sha-256\n"
        f"host    replication  {REPLICATOR_ROLE:<18} 127.0.0.1/32   scram-sha-256\n"
        f"host    replication  {REPLICATOR_ROLE:<18} ::1/128        scram-sha-256\n"
    )


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
        sub.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The socket's directory for the cluster's user only (clusters made before 2026-12 had it 0755) —
    # and, when root runs the project, for the service user `daoan serve` becomes (gis/privileges.py):
    # its group may pass through (0710) to reach the socket, nobody else.
    os.chmod(settings.socket_dir, 0o700)
    if os.geteuid() == 0:
        from gis.privileges import ensure_service_user

        entry = pwd.getpwnam(PG_OS_USER)
        service = ensure_service_user(settings.service_user)
        os.chown(settings.pg_data, entry.pw_uid, entry.pw_gid)
        os.chown(settings.socket_dir, entry.pw_uid, service.pw_gid)
        os.chmod(settings.socket_dir, 0o710)
        # The cluster user must be able to pass through var/ (a checkout under a root-owned 0700 home
        # cannot), but nobody else may list it.
        os.chmod(settings.var_dir, 0o711)


def _write_cluster_file(settings: Settings, name: str, text: str) -> None:
    """A file in the data directory, owned by the cluster's user, mode 0600."""
    path = settings.pg_data / name
    write_private(path, text)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(PG_OS_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def cluster_passwords(settings: Settings) -> dict[str, str]:
    """Role → password from var/secrets/pgpass, generating (once) those missing."""
    path = settings.passfile
    found = read_passfile(path) if path.exists() else {}
    missing = [role for role in ROLE_ATTRIBUTES if role not in found]
    if missing:
        found.update({role: secrets.token_urlsafe(32) for role in missing})
        write_private(path, passfile_text(found))
    return found


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
    passwords = cluster_passwords(settings)
    if not (settings.pg_data / "PG_VERSION").exists():
        log.info("initialising PostgreSQL cluster in %s", settings.pg_data)
        # The owner's password for initdb, in the cluster user's own 0700 socket directory for a moment.
        pwfile = settings.socket_dir / ".initdb-password"
        write_private(pwfile, passwords[OWNER_ROLE] + "\n")
        try:
            if os.geteuid() == 0:
                entry = pwd.getpwnam(PG_OS_USER)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            subprocess.run(
                _as_pg_user(
                    [
                        pg_bin("initdb"),
                        "-D",
                        str(settings.pg_data),
                        "-U",
                        PG_DB_USER,
                        "--auth=scram-sha-256",
                        f"--pwfile={pwfile}",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        conf = settings.pg_data / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# Daoan: local socket only, sized for a 2-core machine\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{settings.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "password_encryption = scram-sha-256\n"
                "max_connections = 100\n"
                "shared_buffers = 512MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 512MB\n"
                "fsync = on\n"
                "jit = off\n"
            )
        _write_cluster_file(settings, "pg_hba.conf", hba_text())
    if not is_running(settings):
        _start(settings)
    if HBA_MARK not in (settings.pg_data / "pg_hba.conf").read_text():
        log.info("upgrading the cluster's authentication to passwords (scram-sha-256) and named roles")
    _ensure_roles(settings, passwords)


def _socket_options(settings: Settings) -> str:
    """Server options for the socket. Run by root, the project serves as its service user
    (gis/privileges.py), which must reach the socket: the socket joins the service user's group (the
    cluster's user is made a member so PostgreSQL may hand it over), mode 0770. Otherwise the socket is
    the cluster user's alone (0700, from postgresql.conf)."""
    if os.geteuid() != 0:
        return ""
    from gis.privileges import ensure_service_user

    service = ensure_service_user(settings.service_user)
    group = grp.getgrgid(service.pw_gid).gr_name
    if PG_OS_USER not in grp.getgrgid(service.pw_gid).gr_mem:
        usermod = shutil.which("usermod") or "/usr/sbin/usermod"
        subprocess.run([usermod, "-a", "-G", group, PG_OS_USER], check=True, capture_output=True)
    return f" -c unix_socket_group={group} -c unix_socket_permissions=0770"


def _start(settings: Settings) -> None:
    log.info("starting PostgreSQL on port %s", settings.pg_port)
    subprocess.run(
        _as_pg_user(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(settings.pg_data),
                "-o",
                f"-p {settings.pg_port}{_socket_options(settings)}",
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


def _ensure_roles(settings: Settings, passwords: dict[str, str]) -> None:
    """Create the roles missing (or lacking their attributes), then make pg_hba.conf ours and reload.
    A cluster made before 2026-12 trusted every local user: the owner logs in (trusted) and sets the
    passwords first, so the switch to passwords never locks it out."""
    hba = settings.pg_data / "pg_hba.conf"
    upgraded = HBA_MARK in hba.read_text()
    engine = sa.create_engine(settings.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        try:
            connection = engine.connect()
        except sa.exc.OperationalError as exc:
            if "password authentication failed" not in str(exc):
                raise
            raise RuntimeError(
                f"the cluster refused the owner's password from {settings.passfile}: restore that file from a "
                f"backup, or set a new password as the {PG_OS_USER} OS user (ALTER ROLE {OWNER_ROLE} PASSWORD …)"
            ) from None
        with connection as conn:
            have = {row[0]: row for row in conn.execute(sa.text(ROLES_SQL), {"roles": list(ROLE_ATTRIBUTES)})}
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            for role, attributes in ROLE_ATTRIBUTES.items():
                if upgraded and _has_attributes(have.get(role), attributes):
                    continue
                verifier = psycopg2.extensions.encrypt_password(passwords[role], role, dbapi, "scram-sha-256")
                verb = "ALTER" if role in have else "CREATE"
                cur = dbapi.cursor()  # identifiers from code; the verifier as a quoted literal
                try:
                    cur.execute(f'{verb} ROLE "{role}" WITH {attributes} PASSWORD %s', (verifier,))
                finally:
                    cur.close()
            if not upgraded:
                conn.execute(sa.text("ALTER SYSTEM SET unix_socket_permissions = '0700'"))  # at next start
                _write_cluster_file(settings, "pg_hba.conf", hba_text())
                conn.execute(sa.text("SELECT pg_reload_conf()"))
    finally:
        engine.dispose()


ROLES_SQL = (
    "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
    " FROM pg_roles WHERE rolname = ANY(:roles)"
)
_FLAGS = ("LOGIN", "SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS")


def _has_attributes(row: sa.Row | None, attributes: str) -> bool:
    """True when a ROLES_SQL row has every attribute named (LOGIN, NOSUPERUSER …)."""
    if row is None:
        return False
    flags = dict(zip(_FLAGS, row[1:], strict=True))
    return all(flags[w.removeprefix("NO")] == (not w.startswith("NO")) for w in attributes.split() if w != "NOLOGIN")


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

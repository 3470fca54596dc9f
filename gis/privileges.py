"""Never serve as root: the server started by root hands its secrets over and becomes the service user.

`daoan serve` run as root (as `make run` is on a fresh machine) prepares as root — migrations, the
routing build, the token file — then execs `python -m gis.server`, which calls `drop_to_service_user`
before granian binds the port and forks its workers. After the drop the process can read no file only
root may read, so what it needs is handed over first:

- the database: the server's URL (`Settings.app_url()`) with the password its `passfile=` names
  written into a password file of the service user's own (`var/serve/pgpass`, mode 0600, the
  application role's line only: the owner's password never reaches the server);
- the admin token and the settings file's tokens: copied into `var/serve/` (0600) and named by
  `DAOAN_API_TOKEN` / `DAOAN_SETTINGS` for the workers;
- the directories the workers write (routing cache, numba's compiled kernels, label glyphs, the
  optional on-disk tile cache): owned by the service user.

The service user is a system account (`daoan-web` by default, `service_user` in the settings) other
than the cluster's OS user `daoan`, so a compromised worker cannot read the cluster's files. Nothing
changes when the server is not started as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from gis.errors import DaoanError
from gis.secretfiles import passfile_text, read_passfile, write_private
from gis.settings import PROJECT_ROOT, Settings


def numba_cache_dir(var_dir: Path) -> Path:
    """Where numba keeps compiled kernels: NUMBA_CACHE_DIR, else var/numba (routing/__init__.py sets it
    so before numba loads), writable by the service user (the source tree is not)."""
    return Path(os.environ.get("NUMBA_CACHE_DIR") or var_dir / "numba")


def writable_dirs(settings: Settings) -> list[Path]:
    """The directories a serving worker writes."""
    dirs = [settings.var_dir / "routing", numba_cache_dir(settings.var_dir), settings.var_dir / "glyphs"]
    dirs.append(settings.var_dir / "rasters")  # POST /imports/raster stores the file there
    if settings.read_database_urls:  # audit rows a server stopped with while the primary was down (gis/audit.py)
        dirs.append(settings.var_dir / "audit-spool")
    if settings.tile_cache_dir is not None:
        dirs.append(settings.tile_cache_dir)
    return dirs


def handover_dir(settings: Settings) -> Path:
    """The service user's private directory under var/ (mode 0700) for the secrets handed over."""
    return settings.var_dir / "serve"


def ensure_service_user(name: str) -> pwd.struct_passwd:
    """The system account `name`, created (no home, no login shell) when missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise DaoanError(
            f"cannot create the service user {name!r} to serve as ({result.stderr.strip()}); create it, "
            "or name an existing unprivileged account with DAOAN_SERVICE_USER"
        )
    return pwd.getpwnam(name)


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    for parent, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.lchown(os.path.join(parent, name), uid, gid)


def _private_file(path: Path, text: str, user: pwd.struct_passwd) -> Path:
    write_private(path, text)
    os.chown(path, user.pw_uid, user.pw_gid)
    return path


def _hand_over_url(url: str, directory: Path, user: pwd.struct_passwd, name: str = "pgpass") -> str:
    """`url` naming a password file the service user can read: its role's line copied under `directory`."""
    parsed = sa.engine.make_url(url)
    passfile = parsed.query.get("passfile")
    if not isinstance(passfile, str) or parsed.password or not parsed.username:
        return url
    password = read_passfile(Path(passfile)).get(parsed.username)
    if password is None:
        return url
    copy = _private_file(directory / name, passfile_text({parsed.username: password}), user)
    return parsed.update_query_dict({"passfile": str(copy)}).render_as_string(hide_password=False)


def _traversable_by(path: Path, user: pwd.struct_passwd) -> bool:
    """True when `user` may enter `path` and each directory above it (by the others' or owner's x bit)."""
    for directory in (path, *path.parents):
        st = directory.stat()
        if st.st_uid == user.pw_uid:
            if not st.st_mode & 0o100:
                return False
        elif not st.st_mode & 0o001:
            return False
    return True


def hand_over(settings: Settings, env: dict[str, str]) -> pwd.struct_passwd:
    """As root: prepare everything the service user needs and set `env` (the server's environment) to
    name it; the account to become."""
    user = ensure_service_user(settings.service_user)
    if user.pw_uid == 0:
        raise DaoanError(f"service_user {settings.service_user!r} is root: name an unprivileged account")
    stdlib = Path(os.__file__).parent
    if not _traversable_by(stdlib, user):
        raise DaoanError(
            f"the service user {user.pw_name!r} cannot read this Python's standard library ({stdlib}): "
            "make .venv from an interpreter other users can read (`make venv` prefers Debian's "
            "/usr/bin/python3.11 and makes .venv again), or serve as an unprivileged user"
        )
    for path in (PROJECT_ROOT, Path(sys.prefix), settings.var_dir):
        if not _traversable_by(path, user):
            raise DaoanError(
                f"the service user {user.pw_name!r} cannot enter {path}: the server drops root and must "
                "read the checkout and its .venv; open them to other users (chmod o+x on each directory "
                "above, o+r on the files), or install the checkout where they can"
            )
    directory = handover_dir(settings)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    os.chown(directory, user.pw_uid, user.pw_gid)
    for path in writable_dirs(settings):
        _chown_tree(path, user.pw_uid, user.pw_gid)
    app_url = _hand_over_url(settings.app_url(), directory, user)
    # The server connects with the application role only; the owner's URL is not passed on.
    env["DAOAN_DATABASE_URL"] = env["DAOAN_APP_DATABASE_URL"] = app_url
    if settings.read_database_urls:  # the replicas' URLs, each with its password file handed over likewise
        env["DAOAN_READ_DATABASE_URL"] = ",".join(
            _hand_over_url(url, directory, user, f"pgpass-read-{i}")
            for i, url in enumerate(settings.read_database_urls)
        )
    admin = next((t.secret for t in settings.all_tokens() if t.name == "admin" and t.role == "admin"), None)
    if admin and not settings.api_token:
        env["DAOAN_API_TOKEN"] = admin
    settings_file = env.get("DAOAN_SETTINGS")
    if settings_file:
        text = Path(settings_file).read_text(encoding="utf-8")
        env["DAOAN_SETTINGS"] = str(_private_file(directory / "settings.toml", text, user))
    env.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir(settings.var_dir)))
    env["HOME"] = str(directory)
    env["USER"] = env["LOGNAME"] = user.pw_name
    return user


def drop_to_service_user(settings: Settings) -> None:
    """When running as root: hand over (into os.environ) and become the service user for good."""
    if os.geteuid() != 0:
        return
    user = hand_over(settings, os.environ)  # type: ignore[arg-type]
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    if os.geteuid() == 0 or os.getuid() == 0:  # pragma: no cover - setuid failing silently
        raise DaoanError("could not drop root privileges")
    os.chdir(PROJECT_ROOT)

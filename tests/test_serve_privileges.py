"""`daoan serve` started as root never serves as root: it hands its secrets over and becomes the
unprivileged service user (gis/privileges.py)."""

from __future__ import annotations

import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from gis.privileges import hand_over, numba_cache_dir
from gis.settings import PROJECT_ROOT
from tests.conftest import ADMIN_TOKEN, app_role_env
from tests.serving import start_server, wait_healthy

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")


def _group_uids(pgid: int) -> dict[int, int]:
    """pid → real uid of every live process in process group `pgid`."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:  # state, ppid, pgrp …
            uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
            found[int(entry.name)] = int(uid_line.split()[1])
    return found


@pytest.fixture(scope="module")
def small_demo(settings, engine):
    from layers.demo import load_demo

    load_demo(engine, settings, size="small", seed=2017)


def test_every_server_process_runs_as_the_service_user_and_still_writes(small_demo, settings, engine):
    proc, port = start_server(settings, workers=2, threads=2)
    try:
        wait_healthy(port, 300)
        service = pwd.getpwnam(settings.service_user)
        uids = _group_uids(proc.pid)
        assert len(uids) >= 3 and set(uids.values()) == {service.pw_uid}, uids  # granian's main and workers
        # A write with the admin token handed over, through the application role's handed-over password.
        with engine.connect() as conn:
            code = conn.execute(
                sa.text("SELECT station_code FROM weather_stations WHERE station_code IS NOT NULL LIMIT 1")
            ).scalar()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = json.dumps({"station_code": code, "visibility_m": 80})
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
        conn.request("POST", "/weather/observations", body=body, headers=headers)
        resp = conn.getresponse()
        assert resp.status == 201, resp.read()
        handed = settings.var_dir / "serve" / "pgpass"
        st = handed.stat()
        assert (st.st_uid, st.st_mode & 0o777) == (service.pw_uid, 0o600)
        roles = {line.split(":")[3] for line in handed.read_text().splitlines() if line}
        served_url = app_role_env(settings).get("DAOAN_APP_DATABASE_URL") or settings.database_url
        assert roles == {sa.engine.make_url(served_url).username}  # the server's role only (daoan_app on
        # the project's cluster): the owner's password never reaches it
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def test_hand_over_passes_the_token_file_and_the_app_role_only(settings):
    var = PROJECT_ROOT / "var" / f"test-handover-{secrets.token_hex(4)}"
    try:
        var.mkdir(parents=True)
        (var / "api_token").write_text("file-token-123\n")
        app_url = app_role_env(settings).get("DAOAN_APP_DATABASE_URL")
        env: dict[str, str] = {}
        user = hand_over(replace(settings, var_dir=var, api_token=None, app_database_url=app_url), env)
        assert user.pw_uid != 0
        assert env["DAOAN_API_TOKEN"] == "file-token-123"
        assert env["DAOAN_DATABASE_URL"] == env["DAOAN_APP_DATABASE_URL"]
        if app_url:
            served = sa.engine.make_url(env["DAOAN_DATABASE_URL"])
            assert served.username == "daoan_app"
            assert served.query["passfile"] == str(var / "serve" / "pgpass")
        for path in (var / "routing", var / "glyphs", var / "serve", numba_cache_dir(var)):
            assert path.stat().st_uid == user.pw_uid, path
        assert (var / "serve").stat().st_mode & 0o777 == 0o700
    finally:
        shutil.rmtree(var, ignore_errors=True)

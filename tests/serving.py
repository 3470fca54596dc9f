"""`daoan serve` (granian) started for a test module, as `make run` serves the app."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, app_role_env


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    settings, *, workers: int, threads: int, env: dict[str, str] | None = None, stderr: int = subprocess.DEVNULL
) -> tuple[subprocess.Popen, int]:
    """`daoan serve` on the test database in its own process group; (the process, its port)."""
    port = free_port()
    environ = dict(os.environ, DAOAN_DATABASE_URL=settings.database_url or "", DAOAN_API_TOKEN=ADMIN_TOKEN)
    environ.update(app_role_env(settings))
    environ.update(env or {})
    daoan = str(Path(sys.executable).with_name("daoan"))
    proc = subprocess.Popen(
        [daoan, "serve", "--workers", str(workers), "--threads", str(threads), "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )
    return proc, port


def wait_healthy(port: int, start_s: float = 30.0) -> None:
    """Return once /health on `port` answers 200; fail the test after `start_s` seconds."""
    deadline = time.monotonic() + start_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("the server did not start")


@contextmanager
def daoan_server(
    settings, *, workers: int, threads: int, env: dict[str, str] | None = None, start_s: float = 30.0
) -> Iterator[int]:
    """Serve the test database with `daoan serve`; yields the port once /health answers 200 (within
    `start_s` seconds)."""
    proc, port = start_server(settings, workers=workers, threads=threads, env=env)
    try:
        wait_healthy(port, start_s)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

"""`daoan serve` stops gracefully on SIGTERM: requests in flight are answered, no worker is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

from tests.conftest import ADMIN_TOKEN
from tests.serving import start_server, wait_healthy


def _start(settings) -> tuple[subprocess.Popen, int]:
    return start_server(settings, workers=2, threads=2, stderr=subprocess.PIPE)


def _stop_within(proc: subprocess.Popen, seconds: float) -> float:
    t0 = time.monotonic()
    try:
        proc.wait(timeout=seconds)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return time.monotonic() - t0


def test_sigterm_answers_the_request_in_flight_then_stops(settings):
    proc, port = _start(settings)
    try:
        wait_healthy(port, 300)
        body = b'{"type": "FeatureCollection", "features": []}'
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(
            b"POST /imports/cameras HTTP/1.1\r\nHost: x\r\nContent-Type: application/geo+json\r\n"
            + f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.5)  # the request is in a worker, its body half read
        os.kill(proc.pid, signal.SIGTERM)
        time.sleep(1.0)
        sock.sendall(body[10:])
        status_line = sock.makefile("rb").readline()
        sock.close()
        assert status_line.startswith(b"HTTP/1.1 4"), status_line  # answered (an empty collection: 4xx)
    finally:
        took = _stop_within(proc, 20)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert "refused to gracefully stop" not in stderr
    assert took < 10


def test_sigterm_while_workers_start_stops_at_once(settings):
    proc, port = _start(settings)
    # `daoan serve` first readies routing and the warnings (before_serving), then execs granian, whose main
    # process listens while its workers still build the app: the signal is for that moment, not earlier.
    listening = False
    for _ in range(1200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                listening = True
                break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    took = _stop_within(proc, 30)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert listening, stderr[-2000:]
    assert "refused to gracefully stop" not in stderr
    assert took < 8

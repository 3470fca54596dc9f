"""The production HTTP server: granian serving the WSGI app, sized for the machine.

granian parses HTTP and keeps connections alive in Rust threads and hands each request to one of a
worker's Python threads; against gunicorn's gthread workers it served about three times as many
cached tiles per second on the same two cores (bench/RESULTS.md, "Tiles").
"""

from __future__ import annotations

import sys
from pathlib import Path


def server_command(*, host: str, port: int, workers: int, threads: int, access_log: bool = True) -> list[str]:
    """The argv that serves `app:create_app()` with `workers` processes of `threads` request threads each."""
    granian = str(Path(sys.executable).with_name("granian"))
    return [
        granian,
        "--interface", "wsgi",
        "--factory", "app:create_app",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--respawn-failed-workers",
        "--workers-kill-timeout", "10",
        "--access-log" if access_log else "--no-access-log",
        "--log-level", "warning" if not access_log else "info",
    ]  # fmt: skip

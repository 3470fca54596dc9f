"""The production HTTP server: granian serving the WSGI app, sized for the machine.

granian parses HTTP and keeps connections alive in Rust threads and hands each request to one of a
worker's Python threads; against gunicorn's gthread workers it served about three times as many
cached tiles per second on the same two cores (bench/RESULTS.md, "Tiles").

Stopping: SIGTERM (or SIGINT) to the main process stops each worker gracefully: it accepts nothing new,
answers the requests in flight, then closes its database pools. granian forks its workers after
installing its own main-process handlers, so a worker still starting (importing, building the app,
warming routing) would inherit a handler that only sets a flag in its copy of the main process and
ignore the signal until killed; `_worker_signals` gives forked workers the default action until granian
installs a worker's own handlers once the app is built (nothing is in flight before that).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

# Longest a stopping worker may take to answer its requests in flight (the slowest requests, a
# coverage suggestion's solver, are bounded at 30 s).
STOP_TIMEOUT_S = 35


def _worker_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)


def serve(*, host: str, port: int, workers: int, threads: int, access_log: bool = True) -> None:
    """Serve `app:create_app()` with `workers` processes of `threads` request threads each, until stopped."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ["DAOAN_SERVED"] = "1"  # the workers close their pools when they stop
    os.register_at_fork(after_in_child=_worker_signals)
    Granian(
        "app:create_app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        factory=True,
        workers=workers,
        blocking_threads=threads,
        respawn_failed_workers=True,
        workers_kill_timeout=STOP_TIMEOUT_S,
        log_access=access_log,
        log_level=LogLevels.info if access_log else LogLevels.warning,
    ).serve()


def server_command(*, host: str, port: int, workers: int, threads: int, access_log: bool = True) -> list[str]:
    """The argv of a fresh process that serves (`daoan serve` execs it: no threads or connections of its
    own preparation are inherited by the forked workers)."""
    return [
        sys.executable, "-m", "gis.server",
        "--host", host, "--port", str(port), "--workers", str(workers), "--threads", str(threads),
        "--access-log" if access_log else "--no-access-log",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gis.server", description="Serve Daoan with granian.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    if os.geteuid() == 0:  # never serve as root: hand the secrets over and become the service user
        from gis.errors import DaoanError
        from gis.privileges import drop_to_service_user
        from gis.settings import load_settings

        try:
            drop_to_service_user(load_settings())
        except (DaoanError, OSError, ValueError) as exc:
            sys.exit(f"daoan serve: {exc}")
    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads, access_log=args.access_log)


if __name__ == "__main__":
    main()

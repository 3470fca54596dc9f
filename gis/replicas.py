"""Read replicas (DAOAN_READ_DATABASE_URL): reads on a streaming standby, writes on the primary.

PostgreSQL does the replication (`daoan db replica init`, gis/standby.py); a Daoan server only chooses
where each request reads. GET and HEAD requests read (gis/readroute.py routes their connections):
features, tiles, routes, coverage. Everything else, and everything outside a request, uses the primary.

- Choice. Per request, on its first connection: the next replica in turn that is up and whose replay
  lags at most `replica_max_lag_s` (its state is probed at most every PROBE_S per process); none:
  the primary. A replica that refuses a connection is skipped for `replica_retry_s`, and the request
  goes on with another server (no 500, no 503 while the primary answers). The answer names the server
  in `Daoan-Read-From` (`replica 1`, `primary`).
- Read-your-writes. A successful write answers the primary's WAL position after it (`Daoan-Lsn`
  header and cookie). A read carrying it (header or cookie) is served by a replica only once that
  replica has replayed the position, waiting at most `read_your_writes_wait_s`; otherwise by the
  primary (503 if the primary is down too: the answer could not be as fresh as asked).
- Versions. LISTEN/NOTIFY does not reach a standby: a server with replicas polls layer_versions (every
  `tile_version_ttl_s`), one view per server read, so that a tile or route overlay is cached under the
  versions of the data it was drawn from. A replica's versions move only once replay applied the write.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import sqlalchemy as sa

from gis.db import connect
from gis.errors import InvalidParameter
from gis.readroute import PRIMARY, reading
from gis.sqlfiles import load_sql
from gis.versions import LayerVersions, Refresher

log = logging.getLogger(__name__)

LSN_HEADER = "Daoan-Lsn"
LSN_COOKIE = "daoan_lsn"
LSN_COOKIE_AGE_S = 60  # how long a browser asks for its writes to be seen (nginx bypasses its cache meanwhile)
READ_FROM_HEADER = "Daoan-Read-From"
PROBE_S = 0.5  # a replica's lag and position are read at most this often per process
_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


def parse_lsn(text: str) -> int | None:
    """A pg_lsn's text (`16/B374D848`) as a number; None when it is not one."""
    match = _LSN.fullmatch(text.strip())
    if match is None:
        return None
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def wal_position(engine: sa.Engine) -> str | None:
    """The primary's WAL position now (after a write committed), or None when it cannot be read."""
    try:
        with connect(engine) as conn:
            return str(conn.execute(sa.text(load_sql("queries/wal_position.sql"))).scalar_one())
    except Exception as exc:  # the write is done; only its token is missing
        log.warning("could not read the WAL position after a write: %s", exc)
        return None


@dataclass
class _State:
    """What this process knows of one replica."""

    down_until: float = 0.0
    checked_at: float = -math.inf
    lsn: int = 0
    lag_s: float = 0.0


class Replicas:
    """The read replicas of one process: their state, and the engines standing in for the primary's."""

    def __init__(self, urls: Sequence[str], *, max_lag_s: float, wait_s: float, retry_s: float) -> None:
        self.urls = tuple(urls)
        self.max_lag_s = max_lag_s
        self.wait_s = wait_s
        self.retry_s = retry_s
        self._states = [_State() for _ in self.urls]
        self._locks = [threading.Lock() for _ in self.urls]
        self._pools: dict[int, tuple[sa.Engine, list[sa.Engine]]] = {}  # id(primary engine) → its replicas'
        self._turn = itertools.count()
        self._probes: dict[int, sa.Engine] = {}

    def attach(self, primary: sa.Engine, make: Callable[[str], sa.Engine]) -> None:
        """Give `primary` (an engine of the primary) one engine per replica made like it by `make(url)`."""
        self._pools[id(primary)] = (primary, [make(url) for url in self.urls])

    def engines(self, primary: sa.Engine) -> list[sa.Engine] | None:
        found = self._pools.get(id(primary))
        return found[1] if found is not None and found[0] is primary else None

    def index_of(self, engine: sa.Engine) -> int | None:
        for _primary, replicas in self._pools.values():
            for i, candidate in enumerate(replicas):
                if candidate is engine:
                    return i
        return None

    def dispose(self) -> None:
        for _primary, replicas in self._pools.values():
            for engine in replicas:
                engine.dispose()
        for engine in self._probes.values():
            engine.dispose()

    # ------------------------------------------------------------ state
    def mark_down(self, i: int, reason: object = "") -> None:
        state = self._states[i]
        if state.down_until < time.monotonic():
            log.warning("read replica %d unreachable (%s): reading elsewhere for %.0f s", i + 1,
                        str(reason).strip().splitlines()[0] if reason else "refused", self.retry_s)  # fmt: skip
        state.down_until = time.monotonic() + self.retry_s

    def _probe_engine(self, i: int) -> sa.Engine:
        """Replica i's own connection for probes (one at a time, under its lock): never waiting for a
        connection the requests hold."""
        engine = self._probes.get(i)
        if engine is None:
            engine = self._probes[i] = sa.create_engine(
                self.urls[i],
                pool_size=1,
                max_overflow=0,
                pool_pre_ping=True,
                pool_timeout=5,
                connect_args={"connect_timeout": 2, "application_name": "daoan-replica-probe"},
            )
        return engine

    def state(self, i: int, *, fresh: bool = False) -> _State | None:
        """Replica i's state, probed when older than PROBE_S (or `fresh`); None while it is down."""
        state = self._states[i]
        now = time.monotonic()
        if state.down_until > now:
            return None
        if not fresh and now - state.checked_at <= PROBE_S:
            return state
        with self._locks[i]:
            if not fresh and time.monotonic() - state.checked_at <= PROBE_S:
                return state  # another thread probed meanwhile
            try:
                with self._probe_engine(i).connect() as conn:
                    row = conn.execute(sa.text(load_sql("queries/replica_state.sql"))).one()
            except sa.exc.SQLAlchemyError as exc:  # refused, timed out, lost
                self.mark_down(i, getattr(exc, "orig", None) or exc)
                return None
            state.lsn = parse_lsn(row.lsn or "0/0") or 0
            state.lag_s = float(row.lag_s or 0.0)
            state.checked_at = time.monotonic()
            if state.lag_s > self.max_lag_s:
                log.info("read replica %d lags %.1f s (bound %.1f s): reading elsewhere", i + 1, state.lag_s,
                         self.max_lag_s)  # fmt: skip
        return state

    def _replayed(self, i: int, lsn: int, deadline: float) -> bool:
        """Wait (until `deadline`) for replica i to replay `lsn`."""
        while True:
            state = self.state(i, fresh=True)
            if state is None:
                return False
            if state.lsn >= lsn:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def pick(self, min_lsn: int | None) -> int:
        """The server a read goes to: a replica's number, or PRIMARY."""
        n = len(self.urls)
        deadline = time.monotonic() + self.wait_s
        start = next(self._turn) % n
        for i in ((start + k) % n for k in range(n)):
            state = self.state(i)
            if state is None or state.lag_s > self.max_lag_s:
                continue
            if min_lsn is not None and state.lsn < min_lsn and not self._replayed(i, min_lsn, deadline):
                continue
            return i
        return PRIMARY


class RequestChoice:
    """One read request's server (gis/readroute.Choice), decided when it first connects."""

    __slots__ = ("replicas", "min_lsn", "index")

    def __init__(self, replicas: Replicas, min_lsn: int | None) -> None:
        self.replicas = replicas
        self.min_lsn = min_lsn
        self.index: int | None = None

    def target(self) -> int:
        if self.index is None:
            self.index = self.replicas.pick(self.min_lsn)
        return self.index

    def engine_for(self, engine: sa.Engine) -> sa.Engine | None:
        engines = self.replicas.engines(engine)
        if engines is None:
            return None
        target = self.target()
        return None if target == PRIMARY else engines[target]

    def failed(self, engine: sa.Engine) -> bool:
        i = self.replicas.index_of(engine)
        if i is None:
            return False
        self.replicas.mark_down(i)
        self.index = None
        return True

    def label(self) -> str | None:
        if self.index is None:
            return None
        return "primary" if self.index == PRIMARY else f"replica {self.index + 1}"


def request_lsn(environ: Mapping[str, Any]) -> tuple[int | None, bool]:
    """The read-your-writes position a request carries (header first, then cookie); (None, False) when
    none, (None, True) when the header is not a WAL position."""
    header = environ.get("HTTP_DAOAN_LSN")
    if header:
        lsn = parse_lsn(header)
        return lsn, lsn is None
    cookies = environ.get("HTTP_COOKIE")
    if cookies and LSN_COOKIE in cookies:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookies)
        except Exception:
            return None, False
        morsel = jar.get(LSN_COOKIE)
        if morsel is not None:
            return parse_lsn(morsel.value), False  # a cookie is the browser's: a bad one is ignored
    return None, False


class ReadRouting:
    """WSGI middleware (outermost): GET and HEAD requests read through a RequestChoice."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], replicas: Replicas) -> None:
        self.wsgi_app = wsgi_app
        self.replicas = replicas

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        lsn, bad = request_lsn(environ)
        if bad:
            from werkzeug.wrappers import Request

            from gis.errors import error_lang
            from gis.web import error_response

            args = Request(environ).args
            lang = error_lang(args.get("lang"), environ.get("HTTP_ACCEPT_LANGUAGE"))
            problem = InvalidParameter(
                f"{LSN_HEADER} must be a WAL position as a write answered it (e.g. 0/16B3748); "
                "send it back unchanged, or leave it out",
                parameter=LSN_HEADER,
            )
            return error_response(problem, lang)(environ, start_response)
        choice = RequestChoice(self.replicas, lsn)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            label = choice.label()
            if label is not None:
                headers.append((READ_FROM_HEADER, label))
            return start_response(status, headers, exc_info)

        with reading(choice):
            return self.wsgi_app(environ, start)


class TargetVersions(LayerVersions):
    """Layer versions read from the server each request reads (replica or primary), one polled view per
    server, so a version and the data read with it come from the same server."""

    def __init__(self, engine: sa.Engine, *, ttl_s: float, refreshers: Mapping[str, Refresher] | None = None):
        super().__init__(engine, ttl_s=ttl_s, listen=False, refreshers=refreshers)
        self._views: dict[int, LayerVersions] = {}
        self._views_lock = threading.Lock()

    def _view(self) -> LayerVersions | None:
        from gis.readroute import current_target

        target = current_target()
        if target is None or target == PRIMARY:
            return None
        view = self._views.get(target)
        if view is None:
            with self._views_lock:
                view = self._views.setdefault(
                    target, LayerVersions(self.engine, ttl_s=self.ttl_s, listen=False, refreshers=self.refreshers)
                )
        return view

    def current(self) -> Mapping[str, int]:
        view = self._view()
        return super().current() if view is None else view.current()

    def plain(self) -> Mapping[str, int]:
        # Per server as current() is: the router keys its memo on this object's identity, so a reader of
        # the standby sees the standby's versions move (and the request records where it read from).
        view = self._view()
        return super().plain() if view is None else view.plain()

    def expire(self) -> None:
        super().expire()
        for view in list(self._views.values()):
            view.expire()

    def close(self) -> None:
        super().close()
        for view in list(self._views.values()):
            view.close()

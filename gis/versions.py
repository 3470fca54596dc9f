"""Each layer's data version as PostgreSQL keeps it, known to every worker within milliseconds.

The versions live in the table layer_versions, bumped by a statement trigger on every write and
announced with NOTIFY on the channel 'daoan_layers'. A worker reads the table when its copy is older
than `ttl_s` or when a notification says it changed. A background thread LISTENs (and reconnects
when the database goes away); each request also drains the listening socket, so a write committed
before the request arrived is normally seen at once and at worst after `ttl_s`. While requests come,
the listening thread also does the routine re-read (every `ttl_s / 2`), so that requests do not pay
that round trip themselves (issue 12: about one route in a hundred did).

A layer derived from others (coverage_gaps) comes with a refresher, given to the constructor by the
composition root (gis/root.py): looking up that layer's version in the mapping current() returns first
calls it, so that the version used is the one of current data.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol

import sqlalchemy as sa

from gis.db import connect
from gis.readroute import primary_only
from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)

CHANNEL = "daoan_layers"


class Refresher(Protocol):
    """Brings a derived layer up to date; cheap when nothing it derives from changed."""

    def __call__(self, engine: sa.Engine, versions: Mapping[str, int]) -> bool:
        """Refresh against `versions` (the versions just read); True when it rewrote its layer."""
        ...

    def ensure_current(self, engine: sa.Engine) -> bool:
        """Read what it needs and refresh when stale (for readers that hold no versions); True when rewritten."""
        ...


class _RefreshingVersions(Mapping[str, int]):
    """The versions, running a layer's refresher when that layer's version is looked up."""

    __slots__ = ("_owner", "_data")

    def __init__(self, owner: LayerVersions, data: Mapping[str, int]) -> None:
        self._owner = owner
        self._data = data

    def __getitem__(self, table: str) -> int:
        refresher = self._owner.refreshers.get(table)
        if refresher is not None:
            self._data = self._owner._refreshed(table, refresher, self._data)
        return self._data[table]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class LayerVersions:
    """A per-process view of layer_versions: table name → version."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        ttl_s: float = 0.1,
        listen: bool = True,
        refreshers: Mapping[str, Refresher] | None = None,
    ) -> None:
        self.engine = engine
        self.refreshers: Mapping[str, Refresher] = MappingProxyType(dict(refreshers or {}))
        self.ttl_s = ttl_s
        self.listen = listen
        self.notifications = 0  # notifications received so far (tests wait on it)
        self._versions: Mapping[str, int] = MappingProxyType({})
        self._read_at = float("-inf")
        self._generation = 0  # bumped by expire(); a read overtaken by a notification stays stale
        self._asked = False  # a request looked the versions up since the listening thread last read them
        self._read_lock = threading.Lock()
        self._listen_lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._listen_conn: Any = None
        self._stop = threading.Event()
        # Stop listening when the engine is disposed (app shutdown, tests tearing down their database);
        # the next request starts it again if the app goes on.
        sa.event.listen(engine, "engine_disposed", lambda _engine: self._stop.set())

    def is_derived(self, table: str) -> bool:
        """Whether `table` is a derived layer brought up to date when its version is looked up."""
        return table in self.refreshers

    # ------------------------------------------------------------ reading
    def current(self) -> Mapping[str, int]:
        """Versions fresh within `ttl_s` (or since the last notification), read from the database if not;
        derived layers are refreshed when their version is looked up."""
        versions = self._current()
        return _RefreshingVersions(self, versions) if self.refreshers else versions

    def plain(self) -> Mapping[str, int]:
        """current() without the refreshers: for readers of layers that are not derived (the router, every
        request). The same object until the versions are read again, so a reader may key on its identity."""
        return self._current()

    def _refreshed(self, table: str, refresher: Refresher, versions: Mapping[str, int]) -> Mapping[str, int]:
        try:
            with primary_only():  # a refresh writes: on the primary, whatever the request reads
                changed = refresher(self.engine, versions)
        except Exception:
            # Serve the layer as stored rather than fail every tile that includes it.
            log.exception("refreshing %s failed; serving it as stored", table)
            return versions
        if not changed:
            return versions
        self.expire()  # the rewrite bumped the layer's version: read it now, not at the next notification
        return self._current()

    def _current(self) -> Mapping[str, int]:
        if self.listen and (self._listener is None or not self._listener.is_alive()):
            self.start()
        self._drain()
        self._asked = True
        read_at = self._read_at
        if time.monotonic() - read_at <= self.ttl_s:
            return self._versions
        # After a notification every thread waits for the new versions. A routine re-read while
        # notifications flow is only a safety net: one thread does it, the others go on meanwhile.
        routine = read_at != float("-inf") and self.listening
        if not self._read_lock.acquire(blocking=not routine):
            return self._versions
        try:
            if time.monotonic() - self._read_at <= self.ttl_s:
                return self._versions  # another thread read them while this one waited
            self._read_now()
            return self._versions
        finally:
            self._read_lock.release()

    def _read_now(self) -> None:
        """Read the table (the caller holds the read lock)."""
        started, generation = time.monotonic(), self._generation
        with connect(self.engine) as conn:
            self._versions = MappingProxyType(self.read(conn))
        if generation == self._generation:
            self._read_at = started

    def _reread_for_requests(self) -> None:
        """The routine re-read, done by the listening thread while requests come (at half the TTL), so
        that a request finds fresh versions rather than paying the round trip itself. After a quiet
        spell nothing is read until a request asks: the first one then reads as before."""
        if not self._asked or self.ttl_s <= 0 or time.monotonic() - self._read_at <= self.ttl_s / 2:
            return
        if not self._read_lock.acquire(blocking=False):
            return
        try:
            self._asked = False
            self._read_now()
        except Exception as exc:  # the database is away: requests read (and report) it themselves
            log.debug("background re-read of layer_versions failed: %s", exc)
        finally:
            self._read_lock.release()

    @staticmethod
    def read(conn: sa.Connection) -> dict[str, int]:
        """The versions as the database has them now (for rare requests that must not lag at all)."""
        rows = conn.execute(sa.text(load_sql("queries/layer_versions.sql"))).all()
        return {str(layer): int(version) for layer, version in rows}

    def expire(self) -> None:
        """Make the next current() read the database."""
        self._generation += 1
        self._read_at = float("-inf")

    # ------------------------------------------------------------ listening
    def start(self) -> None:
        """Start the LISTEN thread (once)."""
        with self._listen_lock:
            if self._listener is None or not self._listener.is_alive():
                self._stop = stop = threading.Event()
                self._listener = threading.Thread(
                    target=self._listen_forever, args=(stop,), name="daoan-layer-versions", daemon=True
                )
                self._listener.start()

    def close(self) -> None:
        """Stop the LISTEN thread for good and close its connection."""
        self.listen = False
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=3)
        self._close_listen_conn()

    @property
    def listening(self) -> bool:
        """Whether notifications are being received right now."""
        return self._listen_conn is not None

    def _drain(self) -> None:
        conn = self._listen_conn
        if conn is None:
            return
        try:
            conn.poll()
        except Exception:  # the listener thread notices and reconnects
            return
        self._take_notifies(conn)

    def _take_notifies(self, conn: Any) -> None:
        if conn.notifies:
            conn.notifies.clear()
            self.notifications += 1
            self.expire()

    def _close_listen_conn(self) -> None:
        conn, self._listen_conn = self._listen_conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("closing the LISTEN connection failed", exc_info=True)
        self.expire()

    def _open_listen_conn(self) -> Any:
        proxied = self.engine.raw_connection()
        proxied.detach()  # a connection of its own, outside the pool
        dbapi: Any = proxied.dbapi_connection
        dbapi.autocommit = True
        cur = dbapi.cursor()
        cur.execute(f"LISTEN {CHANNEL}")
        cur.close()
        return dbapi

    def _listen_forever(self, stop: threading.Event) -> None:
        delay = 0.5
        failures = 0
        while not stop.is_set():
            try:
                conn = self._open_listen_conn()
            except Exception as exc:
                # Warn once per outage; requests meanwhile read the versions table (every ttl_s).
                (log.warning if failures == 0 else log.debug)(
                    "cannot LISTEN for layer changes (%s); retrying every few seconds", exc
                )
                failures += 1
                stop.wait(delay)
                delay = min(delay * 2, 10.0)
                continue
            if failures:
                log.warning("listening for layer changes again")
            delay, failures = 0.5, 0
            self._listen_conn = conn
            self.expire()  # changes may have been missed while not listening
            try:
                wake_s = min(1.0, self.ttl_s / 2) if self.ttl_s > 0 else 1.0
                while not stop.is_set():
                    select.select([conn], [], [], wake_s)
                    conn.poll()  # raises when the connection has gone
                    self._take_notifies(conn)
                    self._reread_for_requests()
            except Exception as exc:
                if not stop.is_set():
                    log.warning("LISTEN connection lost (%s); reconnecting in %.1f s", exc, delay)
            finally:
                self._close_listen_conn()
            # Not at once: the server may be restarting, or the database being dropped.
            stop.wait(delay)

"""The audit log of internal reads (migration 018): who read which internal layer, when, how much.

A request handler hands an entry to `AuditLog.record` once its answer is built; a background thread
writes the entries in batches (one INSERT per half second at most, or per 500 entries), so a read
never waits for the audit and a failing write never fails a read: it is logged and its rows dropped,
except on a server reading replicas (`keep_while_unreachable`, gis/replicas.py), which goes on
answering reads while the primary is down: there the rows are kept in the process while the primary
is unreachable and written when it returns, oldest first (up to `max_pending`; beyond, the newest are
dropped and logged). A server stopping with rows kept writes them to `spool_dir` (var/audit-spool/,
mode 0600); the next audit writer to start (any worker, after a restart) claims the files and writes
their rows first. The count of a
tile's features is taken in that thread too (parsing the MVT bytes is not the reader's cost).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gis.secretfiles import write_private
from gis.sqlfiles import load_sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    """One read of one internal layer. `features` is a number, or a function giving it (called in the
    writer thread)."""

    token_name: str
    role: str
    layer: str
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    features: int | Callable[[], int] = 0
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def row(self) -> dict[str, Any]:
        """The entry as one object of sql/queries/audit_insert.sql's :rows."""
        features = self.features() if callable(self.features) else self.features
        return {
            "read_at": self.read_at.isoformat(),
            "token_name": self.token_name,
            "role": self.role,
            "layer": self.layer,
            "method": self.method,
            "path": self.path,
            "params": self.params,
            "features": int(features),
        }


class AuditLog:
    """A bounded queue of entries and the thread writing them (started on the first entry, so a process
    that forks after building it, or never reads internal data, runs no thread)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        batch: int = 500,
        linger_s: float = 0.5,
        max_pending: int = 100_000,
        keep_while_unreachable: bool = False,
        spool_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.batch = batch
        self.linger_s = linger_s  # how long the writer gathers entries before one INSERT
        self._queue: queue.Queue[AuditEntry | None] = queue.Queue(max_pending)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.max_pending = max_pending
        self.keep_while_unreachable = keep_while_unreachable  # a server reading replicas answers meanwhile
        self.retry_s = 1.0  # while the primary is unreachable, how often the kept rows are tried again
        self._held: list[dict[str, Any]] = []  # rows kept while the primary is unreachable
        self.spool_dir = spool_dir  # where rows kept at shutdown wait for the next writer
        self._claimed: list[Path] = []  # spool files whose rows are in _held
        self.written = 0
        self.dropped = 0

    def record(self, entry: AuditEntry) -> None:
        """Queue `entry` for writing; never blocks, never raises."""
        self._start()
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.dropped += 1
            log.error("audit queue full (%d entries pending): a read of %s was not recorded", self._queue.qsize(),
                      entry.layer)  # fmt: skip

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until every queued entry is written (or dropped after a failure); False on timeout."""
        if self._thread is None:
            return True
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            while self._held and self._thread is not None:
                time.sleep(0.05)
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout_s)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="daoan-audit", daemon=True)
                    self._thread.start()

    @property
    def held(self) -> int:
        """Rows kept until the primary answers again."""
        return len(self._held)

    def _gather(self) -> list[AuditEntry | None]:
        """The next batch: the first entry, then what comes within `linger_s` (up to `batch`, or None).
        While rows are held, no more than `retry_s` is waited for the first (an empty batch: retry)."""
        try:
            entries = [self._queue.get(timeout=self.retry_s if self._held else None)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.linger_s
        while len(entries) < self.batch and entries[-1] is not None:
            try:
                entries.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return entries

    def _claim_spool(self) -> None:
        """Take the rows other (stopped) writers left in the spool: each file renamed first, so one
        writer only takes it."""
        if self.spool_dir is None or not self.spool_dir.is_dir():
            return
        for path in sorted(self.spool_dir.glob("audit-*.json")):
            claimed = path.with_name(f"{path.name}.{os.getpid()}.claimed")
            try:
                os.rename(path, claimed)
                rows = json.loads(claimed.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue  # another worker took it
            except (OSError, ValueError) as exc:
                log.error("audit spool file %s unreadable: %s", path, exc)
                continue
            self._held.extend(rows)
            self._claimed.append(claimed)
        if self._claimed:
            log.warning("audit: %d entries kept by a stopped server are written now", len(self._held))

    def _spool(self) -> None:
        """At shutdown: the rows still kept go to a spool file for the next writer."""
        if not self._held:
            return
        if self.spool_dir is None:
            log.error("audit: stopping with %d entries the primary never took", len(self._held))
            return
        self.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.spool_dir / f"audit-{os.getpid()}-{time.time_ns()}.json"
        write_private(path, json.dumps(self._held, ensure_ascii=False))
        for claimed in self._claimed:
            claimed.unlink(missing_ok=True)
        log.warning("audit: %d entries the primary did not take yet are kept in %s", len(self._held), path)

    def _run(self) -> None:
        self._claim_spool()
        while True:
            entries = self._gather()
            rows: list[dict[str, Any]] = []
            try:
                rows = self._held + [e.row() for e in entries if e is not None]
                if rows:
                    self._write(rows)
                self._held = []
                for claimed in self._claimed:
                    claimed.unlink(missing_ok=True)
                self._claimed = []
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                if self.keep_while_unreachable:
                    self._hold(rows, exc)
                else:
                    self.dropped += len(rows)
                    log.error("audit write of %d entries failed: %s", len(rows), exc)
            except Exception as exc:  # the audit must never take the server down
                self.dropped += len(rows)
                self._held = []
                log.error("audit write of %d entries failed: %s", len(rows), exc)
            finally:
                for _ in entries:
                    self._queue.task_done()
            if None in entries:
                self._spool()
                return

    def _hold(self, rows: list[dict[str, Any]], exc: Exception) -> None:
        """Keep `rows` (the primary is away while replicas serve the reads) for the next try."""
        if not self._held:
            log.warning("audit: the primary is unreachable (%s); keeping the entries until it returns", exc)
        over = max(0, len(rows) - self.max_pending)
        if over:
            self.dropped += over
            log.error("audit: %d entries over the %d kept were dropped", over, self.max_pending)
        self._held = rows[: self.max_pending]

    def _write(self, rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(load_sql("queries/audit_insert.sql")), {"rows": json.dumps(rows, ensure_ascii=False)})
        self.written += len(rows)


def read_entries(
    conn: sa.Connection, *, since: datetime | None, layer: str | None, token: str | None, limit: int
) -> list:
    """The newest audit rows (newest first), filtered by time, layer and token name."""
    return list(
        conn.execute(
            sa.text(load_sql("queries/audit_list.sql")),
            {"since": since, "layer": layer, "token": token, "limit": limit},
        ).mappings()
    )


def entry_json(row: Any) -> dict[str, Any]:
    """An audit row as JSON (GET /audit, daoan audit list --json)."""
    return {**row, "read_at": row["read_at"].isoformat()}

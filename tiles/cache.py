"""A bytes-bounded LRU cache of rendered tile layers, with an optional directory behind it."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import xxhash

log = logging.getLogger(__name__)

ENTRY_OVERHEAD = 200  # bytes counted per entry on top of its payload (key, record, dict slot)


@dataclass(frozen=True)
class Part:
    """One layer of one tile as rendered: MVT bytes, a digest for ETags, and an expiry (live layers)."""

    data: bytes
    digest: bytes
    expires_at: float | None = None  # time.monotonic() deadline; None: valid until the layer changes


class TileCache:
    """LRU of tile parts keyed by (layer, version, z, x, y) and of gzipped responses keyed by ETag."""

    def __init__(self, max_bytes: int, disk_dir: Path | None = None) -> None:
        self.max_bytes = max_bytes
        self.disk_dir = disk_dir
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        """False when configured with no memory (every request renders)."""
        return self.max_bytes > 0

    @property
    def size_bytes(self) -> int:
        """Bytes held, counting a fixed overhead per entry."""
        return self._bytes

    def _get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def _put(self, key: Hashable, value: object, size: int) -> None:
        size += ENTRY_OVERHEAD
        if not self.enabled or size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def get_part(self, layer_id: str, version: int, key: tuple[int, int, int]) -> Part | None:
        """The cached part, unless missing or expired; falls back to the disk directory."""
        if not self.enabled:
            return None
        part = self._get((layer_id, version, *key))
        if isinstance(part, Part):
            if part.expires_at is None or part.expires_at > time.monotonic():
                return part
            return None
        if self.disk_dir is not None:
            path = self._path(self.disk_dir, layer_id, version, key)
            try:
                data = path.read_bytes()
            except OSError:
                return None
            from_disk = Part(data, _digest(data))
            self.hits += 1
            self._put((layer_id, version, *key), from_disk, len(data))
            return from_disk
        return None

    def put_part(self, layer_id: str, version: int, key: tuple[int, int, int], part: Part) -> None:
        """Keep a rendered part (on disk too when configured and the part does not expire)."""
        if not self.enabled:
            return
        self._put((layer_id, version, *key), part, len(part.data))
        if self.disk_dir is not None and part.expires_at is None:
            path = self._path(self.disk_dir, layer_id, version, key)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_bytes(part.data)
                tmp.replace(path)
            except OSError as exc:
                log.warning("tile cache directory not writable: %s", exc)

    def get_gzip(self, etag: str) -> bytes | None:
        """A gzipped response body by its ETag."""
        found = self._get(("gzip", etag)) if self.enabled else None
        return found if isinstance(found, bytes) else None

    def put_gzip(self, etag: str, body: bytes) -> None:
        """Keep a gzipped response body."""
        self._put(("gzip", etag), body, len(body))

    def drop_layer(self, layer_id: str) -> int:
        """Forget every cached part of `layer_id` (its data changed); the number dropped."""
        with self._lock:
            doomed = [k for k in self._entries if isinstance(k, tuple) and k[0] == layer_id]
            for key in doomed:
                self._bytes -= self._entries.pop(key)[1]
        return len(doomed)

    @staticmethod
    def _path(root: Path, layer_id: str, version: int, key: tuple[int, int, int]) -> Path:
        z, x, y = key
        return root / layer_id / str(version) / str(z) / str(x) / f"{y}.mvt"


def _digest(data: bytes) -> bytes:
    """A tile part's fingerprint (its ETag's share): 64-bit XXH3, as gis.web.etag_of (speed, not secrecy)."""
    return xxhash.xxh3_64_digest(data)


def part_of(data: bytes, *, max_age_s: float | None = None) -> Part:
    """A Part for freshly rendered `data`, expiring after `max_age_s` when given."""
    expires = time.monotonic() + max_age_s if max_age_s is not None else None
    return Part(data, _digest(data), expires)

"""A bounded LRU of computed answers (diversion plans, isochrones, site suggestions).

An answer is stored under a key made of the request's parameters, with the *basis* it was computed
from: data versions (plain values, compared by equality) and per-process objects such as the routing
graph and its live overlay (held by weak reference, compared by identity). A lookup hits only while
the basis is the same, so a write that bumps a layer version (an incident, an import) or an overlay
that expires with the clock makes the next request compute afresh; nothing has to be invalidated.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

_PLAIN = (int, float, str, bytes, bool, tuple, frozenset, type(None))


def _hold(item: Any) -> Any:
    return item if isinstance(item, _PLAIN) else weakref.ref(item)


def _same(held: Any, item: Any) -> bool:
    if isinstance(held, weakref.ref):
        return held() is item
    return isinstance(item, _PLAIN) and held == item


@dataclass
class _Entry:
    basis: tuple[Any, ...]
    payload: bytes


class AnswerCache:
    """Serialized answers by key, at most `max_entries` of them and `max_bytes` in all (LRU)."""

    def __init__(self, *, max_entries: int = 256, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._bytes = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, basis: tuple[Any, ...]) -> bytes | None:
        """The answer stored under `key` when it was computed from `basis`; None otherwise."""
        with self._lock:
            entry = self._entries.get(key)
            if (
                entry is not None
                and len(entry.basis) == len(basis)
                and all(_same(h, b) for h, b in zip(entry.basis, basis, strict=True))
            ):
                self._entries.move_to_end(key)
                self.hits += 1
                return entry.payload
            self.misses += 1
            return None

    def put(self, key: Hashable, basis: tuple[Any, ...], payload: bytes) -> None:
        """Store `payload` under `key`; an answer larger than a quarter of the budget is not kept."""
        if self.max_entries <= 0 or len(payload) > self.max_bytes // 4:
            return
        entry = _Entry(tuple(_hold(b) for b in basis), payload)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.payload)
            self._entries[key] = entry
            self._bytes += len(payload)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.payload)

    def __len__(self) -> int:
        return len(self._entries)

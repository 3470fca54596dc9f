"""The binary min-heap of the compiled searches: keys (float64) and nodes in two parallel arrays
sized by the caller; no entry is ever decreased (stale entries are skipped by their users)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True, inline="always")
def push(keys, nodes, size, key, node):  # pragma: no cover - compiled
    """Add `node` with `key` to the heap of `size` entries; returns the new size."""
    i = size
    keys[i] = key
    nodes[i] = node
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def pop(keys, nodes, size):  # pragma: no cover - compiled
    """Take the entry with the smallest key: (key, node, new size)."""
    top_key = keys[0]
    top_node = nodes[0]
    size -= 1
    if size > 0:
        key = keys[size]
        node = nodes[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and keys[child + 1] < keys[child]:
                child += 1
            if keys[child] >= key:
                break
            keys[i] = keys[child]
            nodes[i] = nodes[child]
            i = child
        keys[i] = key
        nodes[i] = node
    return top_key, top_node, size

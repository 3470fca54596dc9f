"""A route's GeoJSON coordinates written as JSON text by one compiled call (issue 12).

orjson writes a numpy array of floats at ~60 ns a number: 0.2 ms of a province route's ~0.3 ms of
JSON (1,750 vertices). The coordinates are rounded to 7 decimals (np.round: rint(x·10⁷)/10⁷), and
the shortest text that reads back as such a double is its integer N = rint(x·10⁷) written with 7
decimals and the trailing zeros dropped (one "0" kept): no other decimal of 10 or so digits lies
within a rounding step of it. So the kernel writes N's digits, byte for byte what orjson writes
for np.round(coords, 7) (tests/test_coords_json.py compares them on random values of every
magnitude and number of decimals; every vertex of the province demo matched too). orjson switches to exponents for tiny numbers ("1e-7") and large
ones: arrays holding any value outside [1e-3, 1e6) in magnitude (other than zero), or one not
finite, are left to orjson.
"""

from __future__ import annotations

import math

import numpy as np
import orjson
from numba import njit

_SCALE = 1e7  # 7 decimals, as np.round(coords, 7)
_DIGITS = 7
_MIN, _MAX = 1e-3, 1e6  # magnitudes whose 7 decimals orjson writes as such (no exponent, no shorter text)


# "0000" … "9999": four digits at once, and the trailing zeros of each group of four (a division by 10
# per digit and a loop over the zeros cost ~3× as much).
_QUADS = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), dtype=np.uint8).copy()
_ZEROS = np.array([4 if i == 0 else len(f"{i:04d}") - len(f"{i:04d}".rstrip("0")) for i in range(10_000)], np.int64)


@njit(cache=True, nogil=True, inline="always")
def _div(n, d):  # pragma: no cover - compiled
    # n // d for n >= 0, d > 0 as an unsigned division: the signed one keeps Python's floor rule (~2× the cost).
    return np.int64(np.uint64(n) // np.uint64(d))


@njit(cache=True, nogil=True)
def _pairs(coords, quads, zeros):  # pragma: no cover - compiled
    # [[x,y],…] of an (n, 2) array into a byte buffer; (buffer, length or -1 when a value is not for us).
    # First every value checked and scaled (no early exit while writing), then the text written.
    n = coords.shape[0]
    scaled = np.empty(2 * n, np.int64)
    minus = np.empty(2 * n, np.bool_)
    for i in range(n):
        for j in range(2):
            s = np.rint(coords[i, j] * _SCALE)
            rounded = s / _SCALE
            mag = abs(rounded)
            if not math.isfinite(rounded) or (mag != 0.0 and (mag < _MIN or mag >= _MAX)):
                return np.empty(0, np.uint8), -1
            scaled[2 * i + j] = np.int64(abs(s))
            minus[2 * i + j] = math.copysign(1.0, rounded) < 0.0
    out = np.empty(2 + n * 40, np.uint8)  # "[" + per pair "[" 16 "," 16 "]" "," + "]"
    out[0] = 91  # '['
    pos = 1
    for k in range(2 * n):
        if k & 1 == 0:
            if k:
                out[pos] = 44  # ','
                pos += 1
            out[pos] = 91  # '['
        else:
            out[pos] = 44
        pos += 1
        if minus[k]:
            out[pos] = 45  # '-'
            pos += 1
        v = scaled[k]
        whole = _div(v, 10_000_000)  # < 10⁶ (_MAX)
        frac = v - whole * 10_000_000
        if whole >= 10_000:
            top = _div(whole, 10_000)
            whole -= top * 10_000
            skip = 3 if top < 10 else 2
            for d in range(skip, 4):
                out[pos] = quads[4 * top + d]
                pos += 1
            skip = 0
        else:
            skip = 3 if whole < 10 else (2 if whole < 100 else (1 if whole < 1000 else 0))
        for d in range(skip, 4):
            out[pos] = quads[4 * whole + d]
            pos += 1
        out[pos] = 46  # '.'
        hi = _div(frac, 10_000)  # 3 digits …
        lo = frac - hi * 10_000  # … and 4
        for d in range(3):
            out[pos + 1 + d] = quads[4 * hi + 1 + d]
        for d in range(4):
            out[pos + 4 + d] = quads[4 * lo + d]
        # trailing zeros dropped, one digit kept ("112.0")
        kept = _DIGITS - zeros[lo] if lo else (3 - zeros[hi] if hi else 1)
        pos += 1 + kept
        if k & 1:
            out[pos] = 93  # ']'
            pos += 1
    out[pos] = 93
    return out, pos + 1


def coordinates_json(coords: np.ndarray) -> bytes:
    """The JSON text of np.round(coords, 7) for an (n, 2) float array, as orjson writes it."""
    xy = np.ascontiguousarray(coords, dtype=np.float64)
    if xy.ndim == 2 and xy.shape[1] == 2:
        buf, length = _pairs(xy, _QUADS, _ZEROS)
        if length >= 0:
            return buf[:length].tobytes()
    return orjson.dumps(np.round(xy, 7), option=orjson.OPT_SERIALIZE_NUMPY)


def coordinates_fragment(coords: np.ndarray) -> orjson.Fragment:
    """coordinates_json as an orjson.Fragment: a document holding it is written with the text as is."""
    return orjson.Fragment(coordinates_json(coords))

"""EWKB (PostGIS's extended well-known binary) of many points or linestrings, built from coordinate
arrays with numpy and pyarrow, no Python per geometry.

A province's 600,000 segments take shapely.to_wkb (GEOS, one geometry at a time) and set_srid a few
seconds; the format is simple enough to lay out in bulk: byte order 1 (little-endian), the geometry
type with the SRID flag 0x20000000 (PostGIS liblwgeom, lwout_wkb.c / "EWKB" in the PostGIS manual),
the SRID, then for a LineString the point count and the points as float64 x, y pairs (OGC Simple
Features, Part 1, "Well-known Binary Representation for Geometry"). Both gis/bulk_binary.copy_columns and
shapely.from_wkb read the result; tests/test_bulk_copy.py checks it against shapely.to_wkb.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SRID_FLAG = 0x20000000
_POINT, _LINESTRING = 1, 2


def _header(n: int, kind: int, srid: int, counts: np.ndarray | None) -> pa.Array:
    fields = [("order", "u1"), ("type", "<u4"), ("srid", "<u4")] + ([("n", "<u4")] if counts is not None else [])
    head = np.zeros(n, dtype=np.dtype(fields))
    head["order"] = 1
    head["type"] = kind | _SRID_FLAG
    head["srid"] = srid
    if counts is not None:
        head["n"] = counts
    width = head.dtype.itemsize
    return pa.Array.from_buffers(pa.binary(width), n, [None, pa.py_buffer(head.tobytes())]).cast(pa.binary())


def points(xy: np.ndarray, srid: int) -> pa.Array:
    """EWKB Points of the (n, 2) coordinates `xy`."""
    n = len(xy)
    body = np.ascontiguousarray(xy, dtype="<f8")
    coords = pa.Array.from_buffers(pa.binary(16), n, [None, pa.py_buffer(body.tobytes())]).cast(pa.binary())
    return pc.binary_join_element_wise(_header(n, _POINT, srid, None), coords, b"")


def linestrings(coords: np.ndarray, offsets: np.ndarray, srid: int) -> pa.Array:
    """EWKB LineStrings (large_binary: a nation's lines may pass 2 GiB): line k has the points
    coords[offsets[k]:offsets[k + 1]] ((m, 2) array)."""
    n = len(offsets) - 1
    counts = np.diff(offsets)
    byte_offsets = (np.asarray(offsets, dtype=np.int64) * 16).astype(np.int64)
    body = np.ascontiguousarray(coords, dtype="<f8")
    points_bytes = pa.Array.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(byte_offsets - byte_offsets[0]), pa.py_buffer(body.tobytes())]
    )
    head = _header(n, _LINESTRING, srid, counts).cast(pa.large_binary())
    return pc.binary_join_element_wise(head, points_bytes, pa.scalar(b"", pa.large_binary()))

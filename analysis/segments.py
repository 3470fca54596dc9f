"""The road segments a raster is sampled along, read once into arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql


@dataclass(frozen=True)
class Segments:
    id: np.ndarray
    road_class: np.ndarray
    route_code: np.ndarray  # object: str or None
    name: np.ndarray
    oneway: np.ndarray
    bridge: np.ndarray
    tunnel: np.ndarray
    length_m: np.ndarray
    start_stake_m: np.ndarray  # NaN where none
    end_stake_m: np.ndarray
    geom: np.ndarray  # shapely LineStrings, lon/lat

    def __len__(self) -> int:
        return len(self.id)

    @property
    def structure(self) -> np.ndarray:
        """'tunnel', 'bridge' or None per segment."""
        out = np.full(len(self), None, dtype=object)
        out[self.bridge] = "bridge"
        out[self.tunnel] = "tunnel"
        return out


def read_segments(conn: Connection, extent_wkt: str) -> Segments:
    """The segments crossing the lon/lat polygon `extent_wkt` (a raster's extent)."""
    result = conn.execute(sa.text(load_sql("queries/raster_segments.sql")), {"extent": extent_wkt})
    rows = result.cursor.fetchall() if result.cursor is not None else []  # plain tuples: 600k rows in seconds
    cols = list(zip(*rows, strict=True)) if rows else [()] * 11

    def floats(values: tuple) -> np.ndarray:
        return np.array(values, dtype=float)  # None becomes NaN

    return Segments(
        id=np.array(cols[0], dtype=np.int64),
        road_class=np.array(cols[1], dtype=object),
        route_code=np.array(cols[2], dtype=object),
        name=np.array(cols[3], dtype=object),
        oneway=np.array(cols[4], dtype=bool),
        bridge=np.array(cols[5], dtype=bool),
        tunnel=np.array(cols[6], dtype=bool),
        length_m=floats(cols[7]),
        start_stake_m=floats(cols[8]),
        end_stake_m=floats(cols[9]),
        geom=shapely.from_wkb(np.array([bytes(g) for g in cols[10]], dtype=object)),
    )

"""TileJSON 3.0.0 documents and the attribution of what is loaded."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis.sqlfiles import load_sql, load_table_sql
from layers.catalog import Layer
from layers.features import LayerStats
from tiles.matrix import DATA_MAXZOOM
from tiles.queries import tile_fields

ATTRIBUTION = "Daoan 道安"
ATTRIBUTION_OSM = "© OpenStreetMap contributors"


class OsmAttribution:
    """Which layers hold OpenStreetMap rows, rechecked only when a layer's data version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int, bool]] = {}
        self._source_tables: frozenset[str] | None = None

    def any_osm(self, conn: Connection, layers: Sequence[Layer], versions: Mapping[str, int]) -> bool:
        """True when any of `layers` holds rows with source = 'osm'."""
        if self._source_tables is None:
            rows = conn.execute(sa.text(load_sql("queries/tiles_source_tables.sql"))).scalars()
            self._source_tables = frozenset(rows)
        for layer in layers:
            if layer.table not in self._source_tables:
                continue
            version = versions.get(layer.table, 0)
            with self._lock:
                known = self._known.get(layer.id)
            if known is None or known[0] != version:
                sql = load_table_sql("queries/tiles_osm_rows.sql", layer.table)
                known = (version, bool(conn.execute(sa.text(sql)).scalar()))
                with self._lock:
                    self._known[layer.id] = known
            if known[1]:
                return True
        return False


def attribution(osm: bool) -> str:
    """The attribution line: Daoan, plus OpenStreetMap when its data is loaded."""
    return f"{ATTRIBUTION} | {ATTRIBUTION_OSM}" if osm else ATTRIBUTION


def data_bounds(
    layers: Sequence[Layer], stats: Mapping[str, LayerStats], fallback: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """The union of the layers' extents in degrees; `fallback` when all are empty."""
    boxes = [stats[layer.id].bbox for layer in layers if layer.id in stats and stats[layer.id].bbox]
    if not boxes:
        return fallback
    return (
        max(-180.0, min(b[0] for b in boxes if b)),
        max(-85.0511, min(b[1] for b in boxes if b)),
        min(180.0, max(b[2] for b in boxes if b)),
        min(85.0511, max(b[3] for b in boxes if b)),
    )


def vector_layer(layer: Layer, internal: bool = False) -> dict:
    """A TileJSON vector_layers entry: id equal to the MVT layer name, fields (internal ones only when
    `internal`), zoom range; an internal layer says so ("access": "internal")."""
    entry = {
        "id": layer.id,
        "description": f"{layer.title} ({layer.title_zh})",
        "fields": tile_fields(layer, internal),
        "minzoom": layer.minzoom,
        "maxzoom": min(layer.maxzoom, DATA_MAXZOOM),
    }
    if layer.internal:
        entry["access"] = layer.access
    return entry


def tilejson(
    layers: Sequence[Layer],
    tiles_url: str,
    *,
    bounds: tuple[float, float, float, float],
    osm: bool,
    internal: bool = False,
) -> dict:
    """A TileJSON 3.0.0 document for the composite tiles of `layers` at `tiles_url`."""
    minzoom = min(layer.minzoom for layer in layers)
    maxzoom = max(min(layer.maxzoom, DATA_MAXZOOM) for layer in layers)
    center_zoom = max(minzoom, min(maxzoom, 7))
    return {
        "tilejson": "3.0.0",
        "name": "Daoan: " + ", ".join(layer.id for layer in layers),
        "description": "; ".join(f"{layer.title} ({layer.title_zh})" for layer in layers),
        "version": "1.0.0",
        "attribution": attribution(osm),
        "scheme": "xyz",
        "tiles": [tiles_url],
        "vector_layers": [vector_layer(layer, internal) for layer in layers],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": [round(v, 6) for v in bounds],
        "center": [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), center_zoom],
        "format": "pbf",
    }


def count_features(data: bytes, layer_id: str) -> int:
    """How many features the MVT layer `layer_id` of a tile holds (for the audit log): the tile parsed
    by protobuf (mapbox-vector-tile's message class), without decoding geometries or values."""
    if not data:
        return 0
    from mapbox_vector_tile.Mapbox import vector_tile_pb2

    tile = vector_tile_pb2.tile.FromString(data)
    return sum(len(layer.features) for layer in tile.layers if layer.name == layer_id)

"""The tile SQL of each layer and zoom band, composed once from the catalogue and sql/queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from gis.sqlfiles import load_sql, quote_ident
from layers.catalog import LAYERS, Layer
from tiles.matrix import EXTENT, TileAddress

# Types of the prepared statements' parameters ($1 … $10, see sql/queries/tiles_layer.sql).
PARAM_TYPES = "integer, integer, integer, text, integer, float8, float8, integer, text[], float8"


@dataclass(frozen=True)
class LayerQuery:
    """The tile SQL of one layer in one zoom band, with its prepared-statement name."""

    layer_id: str
    band_index: int
    name: str
    sql: str
    clustered: bool

    def params(self, tile: TileAddress) -> tuple:
        """Values of $1 … $10 for `tile`; everything but the tile comes from the catalogue."""
        layer = LAYERS[self.layer_id]
        spec = layer.tiles
        band = spec.bands[self.band_index]
        unit_m = tile.span_m / EXTENT
        margin_units = max(spec.buffer, band.cluster_px) if self.clustered else spec.buffer
        return (
            tile.z,
            tile.x,
            tile.y,
            layer.id,
            spec.buffer,
            margin_units / EXTENT,
            band.simplify_px * unit_m,
            spec.feature_limit,
            list(band.only or ()),
            band.cluster_px * unit_m,
        )


def _column(layer: Layer, name: str) -> str:
    prop = layer.property(name)
    ident = quote_ident(name)
    if prop is not None and prop.type in ("datetime", "date"):
        # MVT has no time type: ISO 8601 text with the offset, as in the features API.
        return f"to_json(t.{ident}) #>> '{{}}' AS {ident}"
    return f"t.{ident}"


def compose(layer: Layer, band_index: int, internal: bool = False) -> LayerQuery:
    """The SQL for `layer` in band `band_index`; identifiers come only from the catalogue. Internal
    properties are selected only for a reader with a token (`internal`), under another statement name."""
    spec = layer.tiles
    band = spec.bands[band_index]
    clustered = band.cluster_px > 0 and layer.geometry_type == "Point"
    template = load_sql("queries/tiles_cluster.sql" if clustered else "queries/tiles_layer.sql")
    geom = "ST_Simplify(t.geom_3857, $7)" if band.simplify_px > 0 and not clustered else "t.geom_3857"
    where = ""
    if band.only is not None:
        if spec.filter_column is None:
            raise ValueError(f"{layer.id}: a zoom band filters on values but no filter_column is declared")
        where += f" AND t.{quote_ident(spec.filter_column)} = ANY ($9)"
    if spec.where:
        where += f" AND ({spec.where})"
    columns = "".join(f",\n           {_column(layer, p.name)}" for p in layer.tile_properties_for(internal))
    sql = (
        template.replace("{table}", quote_ident(layer.table))
        .replace("{geom}", geom)
        .replace("{columns}", columns)
        .replace("{where}", where)
    )
    suffix = "_internal" if internal else ""
    return LayerQuery(layer.id, band_index, f"daoan_tile_{layer.id}_{band_index}{suffix}", sql, clustered)


@cache
def _query(layer_id: str, band_index: int, internal: bool) -> LayerQuery:
    return compose(LAYERS[layer_id], band_index, internal)


def layer_query(layer: Layer, z: int, internal: bool = False) -> LayerQuery:
    """The (cached) tile query of `layer` at zoom `z`, with its internal properties when `internal`."""
    band = layer.tiles.band(z)
    return _query(layer.id, layer.tiles.bands.index(band), internal and layer.has_internal_properties)


def session_sql() -> str:
    """Statements run first in a tile-rendering transaction."""
    return load_sql("queries/tiles_session.sql")


def tile_fields(layer: Layer, internal: bool = False) -> dict[str, str]:
    """TileJSON field types ("String", "Number", "Boolean") of the layer's tile properties (internal
    ones only when `internal`)."""
    kinds = {"integer": "Number", "number": "Number", "boolean": "Boolean"}
    fields = {p.name: kinds.get(p.type, "String") for p in layer.tile_properties_for(internal)}
    if any(band.cluster_px > 0 for band in layer.tiles.bands) and layer.geometry_type == "Point":
        fields["point_count"] = "Number"
    return fields

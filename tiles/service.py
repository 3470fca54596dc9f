"""Tiles as a service: versions, cache and rendering together; no Flask here."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from isal import igzip

from gis.settings import Settings
from gis.versions import LayerVersions
from layers.catalog import Layer
from tiles.cache import Part, TileCache, part_of
from tiles.matrix import TileAddress
from tiles.metadata import OsmAttribution
from tiles.render import TileRenderer


@dataclass(frozen=True)
class Tile:
    """A composite tile: the MVT bytes of its layers in order, its ETag and HTTP lifetime."""

    data: bytes
    etag: str
    max_age_s: int

    @property
    def empty(self) -> bool:
        """True when no layer has a feature in the tile."""
        return not self.data


class TileService:
    """Renders composite tiles, keeping parts cached per layer data version."""

    def __init__(self, engine: sa.Engine, settings: Settings, versions: LayerVersions) -> None:
        self.engine = engine
        self.renderer = TileRenderer(engine.url, settings.pool_size)
        self.cache = TileCache(settings.tile_cache_bytes, settings.tile_cache_dir)
        self.versions = versions  # the process's one view of the layer versions (gis/root.py)
        self.attribution = OsmAttribution()
        self._seen: dict[str, int] = {}

    def close(self) -> None:
        """Stop background work (the LISTEN thread)."""
        self.versions.close()
        self.renderer.dispose()

    def _versions(self, layers: Sequence[Layer]) -> dict[str, int]:
        current = self.versions.current()
        out = {}
        for layer in layers:
            version = current.get(layer.table, 0)
            if self._seen.get(layer.id, version) != version:
                self.cache.drop_layer(layer.id)  # free the memory of the stale version now
                self.cache.drop_layer(layer.id + INTERNAL_SUFFIX)
            self._seen[layer.id] = version
            out[layer.id] = version
        return out

    def tile(self, layers: Sequence[Layer], tile: TileAddress, *, internal: bool = False) -> Tile:
        """The composite tile of `layers` at `tile`, from the cache where the data has not changed.

        Without `internal` (an anonymous reader) internal layers must not be asked for (ValueError) and
        internal properties are not drawn; with it they are, in cache entries of their own
        (`<layer>@internal`), so a public tile never holds internal data nor an internal one is served
        to the public."""
        if not internal and any(layer.internal for layer in layers):
            raise ValueError("internal layers in a public tile")
        key = (tile.z, tile.x, tile.y)
        # Versions key the cache; without one they are still looked up for derived layers (coverage_gaps),
        # whose lookup brings them up to date.
        versioned = self.cache.enabled or any(self.versions.is_derived(layer.table) for layer in layers)
        versions = self._versions(layers) if versioned else {}
        parts: dict[str, Part] = {}
        missing: list[Layer] = []
        ids = {layer.id: cache_id(layer, internal) for layer in layers}
        for layer in layers:
            cached = self.cache.get_part(ids[layer.id], versions[layer.id], key) if self.cache.enabled else None
            if cached is None:
                missing.append(layer)
            else:
                parts[layer.id] = cached
        if missing:
            rendered = self.renderer.render(missing, tile, internal=internal)
            for layer in missing:
                part = part_of(rendered[layer.id], max_age_s=layer.tiles.max_age_s if layer.live else None)
                parts[layer.id] = part
                if self.cache.enabled:
                    self.cache.put_part(ids[layer.id], versions[layer.id], key, part)
        return _composite([ids[layer.id] for layer in layers], layers, [parts[layer.id] for layer in layers])

    def gzipped(self, tile: Tile) -> bytes:
        """The tile's bytes gzipped (cached by ETag)."""
        body = self.cache.get_gzip(tile.etag)
        if body is None:
            if self.cache.enabled:  # kept: compress hard, once
                body = gzip.compress(tile.data, compresslevel=6, mtime=0)
            else:  # one response only: ISA-L's level 1 packs as zlib's level 1 in a quarter of the time
                body = igzip.compress(tile.data, compresslevel=1, mtime=0)
            self.cache.put_gzip(tile.etag, body)
        return body


INTERNAL_SUFFIX = "@internal"


def cache_id(layer: Layer, internal: bool) -> str:
    """The key of `layer`'s parts in the tile cache: its id, or `<id>@internal` for the parts drawn for
    a reader with a token of an internal layer or one with internal properties."""
    return layer.id + INTERNAL_SUFFIX if internal and layer.restricted else layer.id


def _composite(ids: Sequence[str], layers: Sequence[Layer], parts: Sequence[Part]) -> Tile:
    digest = hashlib.blake2b(digest_size=12)
    for layer_id, part in zip(ids, parts, strict=True):
        digest.update(layer_id.encode() + b"\0" + part.digest)
    return Tile(b"".join(p.data for p in parts), digest.hexdigest(), min(layer.tiles.max_age_s for layer in layers))

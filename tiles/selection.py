"""Which layers a tile request names: `/tiles/{layers}/…` takes one id or a comma list."""

from __future__ import annotations

from gis.errors import NotFound
from layers.catalog import LAYERS, Layer


def parse_layers(text: str) -> list[Layer]:
    """Layers named by a comma list, each once and in order; 404 naming the valid ids otherwise."""
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [i for i in ids if i not in LAYERS]
    if unknown or not ids:
        shown = unknown[0] if unknown else text
        raise NotFound(f"unknown layer {shown!r}; layers are: {', '.join(LAYERS)}", parameter="layers")
    return [LAYERS[i] for i in ids]

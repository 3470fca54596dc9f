"""The Daoan MapLibre style, generated from the layer catalogue: no external basemap.

Each catalogue layer declares how it is drawn (`Layer.style`, built with layers/symbology.py); this
module only orders those draws, points them at the tiles and adds the background. Two sources:
`daoan` holds the layers that change with imports (roads, facilities, areas, coverage gaps) and
`daoan-live` the catalogue's live layers (`Layer.live`: incidents, hazard zones), so that a closure
declared reloads only the small live tiles. The style's metadata `daoan:live` names that source and
its layers: the web map polls /versions for those layers and reloads that source (README, "Web map").
"""

from __future__ import annotations

from typing import Any

from layers.catalog import LAYERS

SOURCE = "daoan"
LIVE_SOURCE = "daoan-live"
# Chinese ideographs are drawn by the browser: pass this as MapLibre's localIdeographFontFamily.
LOCAL_IDEOGRAPH_FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
BACKGROUND = {"id": "background", "type": "background", "paint": {"background-color": "#f3f1ec"}}


def live_layers() -> list[str]:
    """Ids of the catalogue's live layers, in catalogue order."""
    return [layer.id for layer in LAYERS.values() if layer.live]


def style_layers() -> list[dict[str, Any]]:
    """Every catalogue layer's draws as MapLibre style layers, bottom to top: by draw order, then in
    catalogue order."""
    draws = [
        (draw.order, rank, k, draw.style_layer(layer.id, LIVE_SOURCE if layer.live else SOURCE, layer.minzoom))
        for rank, layer in enumerate(LAYERS.values())
        for k, draw in enumerate(layer.style)
    ]
    return [BACKGROUND, *(style_layer for *_, style_layer in sorted(draws, key=lambda d: d[:3]))]


def style_document(base: str) -> dict[str, Any]:
    """The style, with the tiles, glyphs and TileJSON at `base`."""
    live = live_layers()
    ids = ",".join(layer.id for layer in LAYERS.values() if not layer.live)
    return {
        "version": 8,
        "name": "Daoan 道安",
        "metadata": {
            "daoan:localIdeographFontFamily": LOCAL_IDEOGRAPH_FONT_FAMILY,
            "daoan:note": "Chinese labels are drawn by the browser: pass localIdeographFontFamily to the map.",
            "daoan:live": {"source": LIVE_SOURCE, "layers": live},
        },
        "center": [111.7, 27.6],
        "zoom": 6,
        "sources": {
            SOURCE: {"type": "vector", "url": f"{base}/tiles/{ids}.json"},
            LIVE_SOURCE: {"type": "vector", "url": f"{base}/tiles/{','.join(live)}.json"},
        },
        "glyphs": f"{base}/fonts/{{fontstack}}/{{range}}.pbf",
        "layers": style_layers(),
    }

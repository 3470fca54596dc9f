"""The Daoan MapLibre style: every layer from the composite tiles, no external basemap.

Two sources: `daoan` holds the layers that change with imports (roads, facilities, areas, coverage
gaps) and `daoan-live` the live ones (incidents, hazard zones), so that a closure declared reloads
only the small live tiles, not the whole map.
"""

from __future__ import annotations

from typing import Any

from layers.catalog import LAYERS, ROAD_CLASSES

SOURCE = "daoan"
LIVE_SOURCE = "daoan-live"
FONT = ["Noto Sans Regular"]
FONT_BOLD = ["Noto Sans Bold"]
# Chinese ideographs are drawn by the browser: pass this as MapLibre's localIdeographFontFamily.
LOCAL_IDEOGRAPH_FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"

ROAD_COLOURS = {
    "expressway": "#e8590c",
    "national": "#c2255c",
    "provincial": "#f59f00",
    "county": "#fab005",
    "township": "#adb5bd",
    "urban": "#ced4da",
    "link": "#f08c00",
}
ROAD_WIDTHS = {  # line width at zoom 6 and at zoom 16
    "expressway": (1.6, 12),
    "national": (1.2, 10),
    "provincial": (0.9, 8),
    "county": (0.6, 6),
    "township": (0.4, 4),
    "urban": (0.4, 4),
    "link": (0.4, 4),
}
HAZARD_COLOURS = {
    "fog": "#868e96",
    "ice": "#74c0fc",
    "landslide": "#a0522d",
    "sharp_curve": "#f783ac",
    "steep_grade": "#e599f7",
    "blackspot": "#e03131",
    "congestion": "#ff922b",
}
# Point layers: colour, stroke colour, radius at full detail, and the zoom labels appear.
POINTS: dict[str, tuple[str, str, float, int]] = {
    "admin_seats": ("#212529", "#ffffff", 3.5, 6),
    "command_centres": ("#c92a2a", "#ffe3e3", 6.0, 9),
    "enforcement_stations": ("#1864ab", "#ffffff", 5.5, 12),
    "toll_stations": ("#495057", "#ffffff", 5.0, 12),
    "service_areas": ("#2b8a3e", "#ffffff", 5.0, 12),
    "weather_stations": ("#0ca678", "#e6fcf5", 5.5, 12),
    "guidance_signs": ("#f76707", "#fff4e6", 4.0, 14),
    "cameras": ("#1c7ed6", "#e7f5ff", 3.5, 15),
}
# A letter drawn on each point symbol so that kinds differ beyond colour.
POINT_LETTERS = {
    "command_centres": "H",
    "enforcement_stations": "E",
    "toll_stations": "T",
    "service_areas": "S",
    "weather_stations": "W",
    "guidance_signs": "G",
    "cameras": "C",
}


def _zoom_width(small: float, large: float) -> list:
    return ["interpolate", ["exponential", 1.5], ["zoom"], 6, small, 16, large]


def _roads() -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    # Draw minor classes first so that expressways end up on top.
    for road_class in reversed(ROAD_CLASSES):
        small, large = ROAD_WIDTHS[road_class]
        layers.append({
            "id": f"roads-{road_class}",
            "type": "line",
            "source": SOURCE,
            "source-layer": "road_segments",
            "filter": ["==", ["get", "road_class"], road_class],
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {
                "line-color": ROAD_COLOURS[road_class],
                "line-width": _zoom_width(small, large),
                "line-opacity": ["case", ["boolean", ["get", "tunnel"], False], 0.5, 1],
            },
        })  # fmt: skip
    return layers


def _points() -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for layer_id, (colour, stroke, radius, label_zoom) in POINTS.items():
        count = ["coalesce", ["get", "point_count"], 1]
        layers.append({
            "id": f"{layer_id}-symbol",
            "type": "circle",
            "source": SOURCE,
            "source-layer": layer_id,
            "minzoom": LAYERS[layer_id].minzoom,
            "paint": {
                "circle-color": colour,
                "circle-radius": ["interpolate", ["linear"], count, 1, radius, 50, radius * 2.5, 500, radius * 4],
                "circle-stroke-color": stroke,
                "circle-stroke-width": 1.5,
            },
        })  # fmt: skip
        letter = POINT_LETTERS.get(layer_id)
        if letter:
            layers.append({
                "id": f"{layer_id}-letter",
                "type": "symbol",
                "source": SOURCE,
                "source-layer": layer_id,
                "minzoom": max(LAYERS[layer_id].minzoom, 11),
                "filter": ["!", ["has", "point_count"]],
                "layout": {"text-field": letter, "text-font": FONT_BOLD, "text-size": 9, "text-allow-overlap": True,
                           "text-ignore-placement": True},
                "paint": {"text-color": stroke},
            })  # fmt: skip
        layers.append({
            "id": f"{layer_id}-count",
            "type": "symbol",
            "source": SOURCE,
            "source-layer": layer_id,
            "filter": [">", ["coalesce", ["get", "point_count"], 1], 1],
            "layout": {"text-field": ["to-string", ["get", "point_count"]], "text-font": FONT_BOLD, "text-size": 10,
                       "text-allow-overlap": True},
            "paint": {"text-color": "#ffffff"},
        })  # fmt: skip
        layers.append({
            "id": f"{layer_id}-label",
            "type": "symbol",
            "source": SOURCE,
            "source-layer": layer_id,
            "minzoom": label_zoom,
            "filter": ["!", ["has", "point_count"]],
            "layout": {
                "text-field": ["coalesce", ["get", "name"], ""],
                "text-font": FONT,
                "text-size": 11,
                "text-offset": [0, 1.1],
                "text-anchor": "top",
                "text-optional": True,
            },
            "paint": {"text-color": colour, "text-halo-color": "#ffffff", "text-halo-width": 1.2},
        })  # fmt: skip
    return layers


def _coverage_gaps() -> list[dict[str, Any]]:
    """Camera spacing gaps of the newest standard year: a dashed red line, its length in km when close."""
    newest = ["boolean", ["get", "newest_year"], False]
    km = ["/", ["round", ["/", ["get", "length_m"], 100]], 10]
    return [
        {
            "id": "coverage-gaps",
            "type": "line",
            "source": SOURCE,
            "source-layer": "coverage_gaps",
            "minzoom": LAYERS["coverage_gaps"].minzoom,
            "filter": newest,
            "layout": {"line-cap": "butt", "line-join": "round"},
            "paint": {
                "line-color": "#f03e3e",
                "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.5, 16, 6],
                "line-dasharray": [2, 1.5],
                "line-opacity": 0.85,
            },
        },
        {
            "id": "coverage-gaps-label",
            "type": "symbol",
            "source": SOURCE,
            "source-layer": "coverage_gaps",
            "minzoom": 11,
            "filter": newest,
            "layout": {
                "symbol-placement": "line",
                "text-field": ["concat", ["to-string", km], " km"],
                "text-font": FONT_BOLD,
                "text-size": 11,
                "text-offset": [0, -0.9],
                "symbol-spacing": 500,
            },
            "paint": {"text-color": "#c92a2a", "text-halo-color": "#ffffff", "text-halo-width": 1.5},
        },
    ]


def style_document(base: str) -> dict[str, Any]:
    """The style, with the tiles, glyphs and TileJSON at `base`."""
    ids = ",".join(layer.id for layer in LAYERS.values() if not layer.live)
    hazard_colour = ["match", ["get", "kind"], *[v for kv in HAZARD_COLOURS.items() for v in kv], "#fa5252"]
    layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#f3f1ec"}},
        {
            "id": "admin-fill",
            "type": "fill",
            "source": SOURCE,
            "source-layer": "admin_areas",
            "filter": ["==", ["get", "level"], "province"],
            "paint": {"fill-color": "#fbfaf6"},
        },
        {
            "id": "admin-county-line",
            "type": "line",
            "source": SOURCE,
            "source-layer": "admin_areas",
            "minzoom": 7,
            "filter": ["==", ["get", "level"], "county"],
            "paint": {"line-color": "#b8b3c6", "line-width": 0.8, "line-dasharray": [3, 2]},
        },
        {
            "id": "admin-city-line",
            "type": "line",
            "source": SOURCE,
            "source-layer": "admin_areas",
            "filter": ["==", ["get", "level"], "city"],
            "paint": {"line-color": "#9c94b3", "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.8, 12, 2]},
        },
        {
            "id": "admin-province-line",
            "type": "line",
            "source": SOURCE,
            "source-layer": "admin_areas",
            "filter": ["==", ["get", "level"], "province"],
            "paint": {"line-color": "#6741d9", "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.5, 12, 3.5]},
        },
        {
            "id": "hazard-fill",
            "type": "fill",
            "source": SOURCE,
            "source-layer": "hazard_zones",
            "paint": {
                "fill-color": hazard_colour,
                "fill-opacity": ["case", ["boolean", ["get", "active"], True], 0.35, 0.12],
            },
        },
        {
            "id": "hazard-outline",
            "type": "line",
            "source": SOURCE,
            "source-layer": "hazard_zones",
            "paint": {"line-color": hazard_colour, "line-width": 1},
        },
        *_roads(),
        {
            "id": "interval-speed-sections",
            "type": "line",
            "source": SOURCE,
            "source-layer": "interval_speed_sections",
            "layout": {"line-cap": "butt"},
            "paint": {"line-color": "#7048e8", "line-width": 3, "line-dasharray": [2, 1], "line-offset": 4},
        },
        {
            "id": "road-interchanges",
            "type": "circle",
            "source": SOURCE,
            "source-layer": "road_nodes",
            "minzoom": 12,
            "filter": ["boolean", ["get", "interchange"], False],
            "paint": {
                "circle-color": "#ffffff",
                "circle-radius": 3,
                "circle-stroke-color": "#e8590c",
                "circle-stroke-width": 1.5,
            },
        },  # fmt: skip
        {
            "id": "road-labels",
            "type": "symbol",
            "source": SOURCE,
            "source-layer": "road_segments",
            "minzoom": 9,
            "layout": {
                "symbol-placement": "line",
                "text-field": ["coalesce", ["get", "route_code"], ["get", "name"], ""],
                "text-font": FONT_BOLD,
                "text-size": ["interpolate", ["linear"], ["zoom"], 9, 10, 16, 13],
                "symbol-spacing": 400,
            },
            "paint": {"text-color": "#495057", "text-halo-color": "#ffffff", "text-halo-width": 1.5},
        },
        *_coverage_gaps(),
        *_points(),
        {
            "id": "incident-lines",
            "type": "line",
            "source": SOURCE,
            "source-layer": "incidents",
            "filter": ["in", ["geometry-type"], ["literal", ["LineString", "MultiLineString"]]],
            "layout": {"line-cap": "round"},
            "paint": {
                "line-color": ["match", ["get", "effect"], "closed", "#e03131", "#f08c00"],
                "line-width": ["interpolate", ["linear"], ["zoom"], 6, 3, 16, 10],
                "line-dasharray": [1.5, 1],
            },
        },
        {
            "id": "incident-areas",
            "type": "fill",
            "source": SOURCE,
            "source-layer": "incidents",
            "filter": ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]],
            "paint": {"fill-color": "#e03131", "fill-opacity": 0.3},
        },
        {
            "id": "incident-points",
            "type": "circle",
            "source": SOURCE,
            "source-layer": "incidents",
            "filter": ["in", ["geometry-type"], ["literal", ["Point", "MultiPoint"]]],
            "paint": {
                "circle-color": "#e03131",
                "circle-radius": 7,
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 2,
            },
        },  # fmt: skip
        {
            "id": "incident-labels",
            "type": "symbol",
            "source": SOURCE,
            "source-layer": "incidents",
            "minzoom": 10,
            "layout": {
                "text-field": ["coalesce", ["get", "description"], ["get", "kind"], ""],
                "text-font": FONT_BOLD,
                "text-size": 12,
                "text-offset": [0, 1.3],
                "text-anchor": "top",
            },
            "paint": {"text-color": "#c92a2a", "text-halo-color": "#ffffff", "text-halo-width": 1.5},
        },
        {
            "id": "admin-labels",
            "type": "symbol",
            "source": SOURCE,
            "source-layer": "admin_seats",
            "layout": {
                "text-field": ["get", "name"],
                "text-font": FONT_BOLD,
                "text-size": ["match", ["get", "level"], "province", 16, "city", 13, 11],
                "text-offset": [0, 0.8],
                "text-anchor": "top",
            },
            "paint": {"text-color": "#212529", "text-halo-color": "#ffffff", "text-halo-width": 1.5},
        },
    ]
    live = [layer.id for layer in LAYERS.values() if layer.live]
    for style_layer in layers:
        if style_layer.get("source-layer") in live:
            style_layer["source"] = LIVE_SOURCE
    return {
        "version": 8,
        "name": "Daoan 道安",
        "metadata": {
            "daoan:localIdeographFontFamily": LOCAL_IDEOGRAPH_FONT_FAMILY,
            "daoan:note": "Chinese labels are drawn by the browser: pass localIdeographFontFamily to the map.",
        },
        "center": [111.7, 27.6],
        "zoom": 6,
        "sources": {
            SOURCE: {"type": "vector", "url": f"{base}/tiles/{ids}.json"},
            LIVE_SOURCE: {"type": "vector", "url": f"{base}/tiles/{','.join(live)}.json"},
        },
        "glyphs": f"{base}/fonts/{{fontstack}}/{{range}}.pbf",
        "layers": layers,
    }

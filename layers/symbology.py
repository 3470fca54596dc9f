"""How a catalogue layer is drawn: the MapLibre style layers each `Layer` declares (`Layer.style`).

A `Draw` is one style layer without its source: tiles/style.py takes every layer's draws from the
catalogue, puts them in `order` (then catalogue order), sets the source (the live source for a live
layer) and the source layer, and never draws a layer below its catalogue minzoom. The builders here
make the draws of a kind of layer; they know nothing of the catalogue, which calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Draw order, bottom to top: areas, hazards, roads and what lies on them, their labels, coverage
# gaps, point facilities, live incidents, place names.
AREAS, HAZARDS, ROADS, ON_ROADS, ROAD_LABELS, GAPS, POINTS, INCIDENTS, PLACE_LABELS = range(10, 100, 10)

FONT = ["Noto Sans Regular"]
FONT_BOLD = ["Noto Sans Bold"]
LAYER = "{layer}"  # in a Draw id: the catalogue layer's id


@dataclass(frozen=True)
class Draw:
    """One MapLibre style layer of a catalogue layer (no source: the style sets it)."""

    id: str  # unique in the style; LAYER in it stands for the catalogue layer's id
    type: str  # fill, line, circle, symbol
    order: int  # draw order (AREAS … PLACE_LABELS)
    paint: dict[str, Any] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)
    filter: list | None = None
    minzoom: int = 0  # raised to the catalogue layer's minzoom

    def style_layer(self, layer_id: str, source: str, layer_minzoom: int) -> dict[str, Any]:
        """The MapLibre style layer drawing catalogue layer `layer_id` from `source`."""
        out: dict[str, Any] = {
            "id": self.id.replace(LAYER, layer_id),
            "type": self.type,
            "source": source,
            "source-layer": layer_id,
        }
        minzoom = max(self.minzoom, layer_minzoom)
        if minzoom:
            out["minzoom"] = minzoom
        if self.filter is not None:
            out["filter"] = self.filter
        if self.layout:
            out["layout"] = self.layout
        if self.paint:
            out["paint"] = self.paint
        return out


def _zoom_width(small: float, large: float) -> list:
    return ["interpolate", ["exponential", 1.5], ["zoom"], 6, small, 16, large]


def _halo(colour: str, width: float = 1.5) -> dict[str, Any]:
    return {"text-color": colour, "text-halo-color": "#ffffff", "text-halo-width": width}


def admin_areas() -> tuple[Draw, ...]:
    """The province filled, then county, city and province boundaries."""
    level = ["get", "level"]
    return (
        Draw("admin-fill", "fill", AREAS, {"fill-color": "#fbfaf6"}, filter=["==", level, "province"]),
        Draw(
            "admin-county-line", "line", AREAS, {"line-color": "#b8b3c6", "line-width": 0.8, "line-dasharray": [3, 2]},
            filter=["==", level, "county"], minzoom=7,
        ),
        Draw(
            "admin-city-line", "line", AREAS,
            {"line-color": "#9c94b3", "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.8, 12, 2]},
            filter=["==", level, "city"],
        ),
        Draw(
            "admin-province-line", "line", AREAS,
            {"line-color": "#6741d9", "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.5, 12, 3.5]},
            filter=["==", level, "province"],
        ),
    )  # fmt: skip


def hazard_zones(colours: dict[str, str], *, other: str = "#fa5252") -> tuple[Draw, ...]:
    """Hazard zones filled by kind (`colours`: kind → colour), faint when inactive, and outlined."""
    colour = ["match", ["get", "kind"], *[v for kv in colours.items() for v in kv], other]
    active = ["case", ["boolean", ["get", "active"], True], 0.35, 0.12]
    return (
        Draw("hazard-fill", "fill", HAZARDS, {"fill-color": colour, "fill-opacity": active}),
        Draw("hazard-outline", "line", HAZARDS, {"line-color": colour, "line-width": 1}),
    )


def roads(widths: dict[str, tuple[str, float, float]]) -> tuple[Draw, ...]:
    """One line layer per road class (`widths`: class → colour, width at zoom 6 and at zoom 16, most
    important first; drawn last so that it ends up on top), then route codes or names along the roads."""
    lines = tuple(
        Draw(
            f"roads-{road_class}", "line", ROADS,
            {
                "line-color": colour,
                "line-width": _zoom_width(small, large),
                "line-opacity": ["case", ["boolean", ["get", "tunnel"], False], 0.5, 1],
            },
            {"line-cap": "round", "line-join": "round"},
            filter=["==", ["get", "road_class"], road_class],
        )
        for road_class, (colour, small, large) in reversed(widths.items())
    )  # fmt: skip
    label = Draw(
        "road-labels", "symbol", ROAD_LABELS, _halo("#495057"),
        {
            "symbol-placement": "line",
            "text-field": ["coalesce", ["get", "route_code"], ["get", "name"], ""],
            "text-font": FONT_BOLD,
            "text-size": ["interpolate", ["linear"], ["zoom"], 9, 10, 16, 13],
            "symbol-spacing": 400,
        },
        minzoom=9,
    )  # fmt: skip
    return (*lines, label)


def road_sections(colour: str) -> tuple[Draw, ...]:
    """Sections along a road (interval speed enforcement): a dashed line beside the road."""
    paint = {"line-color": colour, "line-width": 3, "line-dasharray": [2, 1], "line-offset": 4}
    return (Draw("interval-speed-sections", "line", ON_ROADS, paint, {"line-cap": "butt"}),)


def interchanges(colour: str) -> tuple[Draw, ...]:
    """Junctions flagged as interchanges: white rings when zoomed in."""
    paint = {"circle-color": "#ffffff", "circle-radius": 3, "circle-stroke-color": colour, "circle-stroke-width": 1.5}
    flagged = ["boolean", ["get", "interchange"], False]
    return (Draw("road-interchanges", "circle", ON_ROADS, paint, filter=flagged, minzoom=12),)


def points(colour: str, stroke: str, radius: float, *, label_from: int | None, letter: str = "") -> tuple[Draw, ...]:
    """A point facility: a circle growing with the cluster's size, a letter on single points so that
    kinds differ beyond colour, the count on clusters, and the name from zoom `label_from` (None: the
    layer labels its points otherwise, as the seats do with place_names)."""
    count = ["coalesce", ["get", "point_count"], 1]
    single = ["!", ["has", "point_count"]]
    symbol = Draw(
        f"{LAYER}-symbol", "circle", POINTS,
        {
            "circle-color": colour,
            "circle-radius": ["interpolate", ["linear"], count, 1, radius, 50, radius * 2.5, 500, radius * 4],
            "circle-stroke-color": stroke,
            "circle-stroke-width": 1.5,
        },
    )  # fmt: skip
    marked = Draw(
        f"{LAYER}-letter", "symbol", POINTS, {"text-color": stroke},
        {"text-field": letter, "text-font": FONT_BOLD, "text-size": 9, "text-allow-overlap": True,
         "text-ignore-placement": True},
        filter=single, minzoom=11,
    )  # fmt: skip
    clusters = Draw(
        f"{LAYER}-count", "symbol", POINTS, {"text-color": "#ffffff"},
        {"text-field": ["to-string", ["get", "point_count"]], "text-font": FONT_BOLD, "text-size": 10,
         "text-allow-overlap": True},
        filter=[">", count, 1],
    )  # fmt: skip
    label = Draw(
        f"{LAYER}-label", "symbol", POINTS, _halo(colour, 1.2),
        {"text-field": ["coalesce", ["get", "name"], ""], "text-font": FONT, "text-size": 11, "text-offset": [0, 1.1],
         "text-anchor": "top", "text-optional": True},
        filter=single, minzoom=label_from or 0,
    )  # fmt: skip
    return (symbol, *((marked,) if letter else ()), clusters, *((label,) if label_from is not None else ()))


def place_names() -> tuple[Draw, ...]:
    """Places by their common names at their seats (`label`: 长沙, 湘西州, 浏阳, not 长沙市人民政府), cities
    larger than counties and placed first, above everything. The province's seat is not labelled: it lies
    in its capital, where 湖南 would read as the city's name."""
    level = ["get", "level"]
    layout = {
        "text-field": ["coalesce", ["get", "label"], ["get", "name"], ""],
        "text-font": FONT_BOLD,
        "text-size": ["interpolate", ["linear"], ["zoom"], 6, ["match", level, "city", 14, 11],
                      12, ["match", level, "city", 18, 14]],
        # Below the seat's dot, else beside or above it: two seats close together (湘潭, 株洲) both read.
        "text-variable-anchor": ["top", "bottom", "left", "right"],
        "text-radial-offset": 0.6,
        "symbol-sort-key": ["match", level, "city", 0, 1],
    }  # fmt: skip
    return (Draw("admin-labels", "symbol", PLACE_LABELS, _halo("#212529"), layout, ["!=", level, "province"]),)


def warnings(colours: dict[str, str]) -> tuple[Draw, ...]:
    """Early warnings in force: their stretches as wide lines coloured by level (`colours`: level →
    colour), under the incidents, and the level's Chinese name (蓝色预警…) when zoomed in."""
    colour = ["match", ["get", "level"], *[v for kv in colours.items() for v in kv], "#868e96"]
    return (
        Draw(
            "warning-lines", "line", INCIDENTS - 1,
            {"line-color": colour, "line-width": ["interpolate", ["linear"], ["zoom"], 6, 4, 16, 14],
             "line-opacity": 0.75},
            {"line-cap": "round"},
        ),
        Draw(
            "warning-labels", "symbol", INCIDENTS - 1, _halo("#343a40"),
            {"symbol-placement": "line", "text-font": FONT_BOLD,
             "text-field": ["match", ["get", "level"], "blue", "蓝色预警", "yellow", "黄色预警", "orange", "橙色预警",
                            "red", "红色预警", ""],
             "text-size": 12},
            minzoom=9,
        ),
    )  # fmt: skip


def incidents(colour: str, restricted: str) -> tuple[Draw, ...]:
    """Incidents by geometry: dashed lines (closed in `colour`, else `restricted`), areas, points,
    and their description when zoomed in."""

    def shape(*types: str) -> list:
        return ["in", ["geometry-type"], ["literal", list(types)]]

    return (
        Draw(
            "incident-lines", "line", INCIDENTS,
            {
                "line-color": ["match", ["get", "effect"], "closed", colour, restricted],
                "line-width": ["interpolate", ["linear"], ["zoom"], 6, 3, 16, 10],
                "line-dasharray": [1.5, 1],
            },
            {"line-cap": "round"},
            filter=shape("LineString", "MultiLineString"),
        ),
        Draw(
            "incident-areas", "fill", INCIDENTS, {"fill-color": colour, "fill-opacity": 0.3},
            filter=shape("Polygon", "MultiPolygon"),
        ),
        Draw(
            "incident-points", "circle", INCIDENTS,
            {"circle-color": colour, "circle-radius": 7, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2},
            filter=shape("Point", "MultiPoint"),
        ),
        Draw(
            "incident-labels", "symbol", INCIDENTS, _halo("#c92a2a"),
            {"text-field": ["coalesce", ["get", "description"], ["get", "kind"], ""], "text-font": FONT_BOLD,
             "text-size": 12, "text-offset": [0, 1.3], "text-anchor": "top"},
            minzoom=10,
        ),
    )  # fmt: skip


def coverage_gaps(colour: str) -> tuple[Draw, ...]:
    """Camera spacing gaps of the newest standard year: a dashed line, its length in km when close."""
    newest = ["boolean", ["get", "newest_year"], False]
    km = ["/", ["round", ["/", ["get", "length_m"], 100]], 10]
    return (
        Draw(
            "coverage-gaps", "line", GAPS,
            {
                "line-color": colour,
                "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.5, 16, 6],
                "line-dasharray": [2, 1.5],
                "line-opacity": 0.85,
            },
            {"line-cap": "butt", "line-join": "round"},
            filter=newest,
        ),
        Draw(
            "coverage-gaps-label", "symbol", GAPS, _halo("#c92a2a"),
            {"symbol-placement": "line", "text-field": ["concat", ["to-string", km], " km"], "text-font": FONT_BOLD,
             "text-size": 11, "text-offset": [0, -0.9], "symbol-spacing": 500},
            filter=newest, minzoom=11,
        ),
    )  # fmt: skip


def road_grades(colours: tuple[str, str, str]) -> tuple[Draw, ...]:
    """Grades from the DEM (segment_terrain): open-air segments of 4 % or steeper, coloured by steepness
    (4–6 %, 6–8 %, 8 % and over), beside the road when zoomed in."""
    steepness = ["abs", ["coalesce", ["get", "grade_pct"], 0]]
    paint = {
        "line-color": ["step", steepness, colours[0], 6, colours[1], 8, colours[2]],
        "line-width": _zoom_width(1.0, 4.0),
        "line-offset": ["interpolate", ["linear"], ["zoom"], 10, 0, 16, -5],
        "line-opacity": 0.8,
    }
    return (Draw("road-grades", "line", ON_ROADS, paint, {"line-cap": "butt"}, filter=[">=", steepness, 4]),)

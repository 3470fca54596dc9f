"""Real expressway corridors: the 19 OpenStreetMap lines shipped in data/ (© OpenStreetMap contributors).

`hunan_expressways_osm.geojson` holds one simplified line per route (ref, name); the demo lays its
carriageways on them and draws the routes the file lacks between real seats (names.EXPRESSWAYS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

OSM_FILE = "data/hunan_expressways_osm.geojson"


@dataclass(frozen=True)
class OsmLine:
    """One expressway of the file: its code, name and lon/lat vertices in file order."""

    ref: str
    name: str
    lonlat: np.ndarray


@cache
def osm_lines() -> dict[str, OsmLine]:
    """The file's lines by route code."""
    text = resources.files("layers.demo").joinpath(OSM_FILE).read_text("utf-8")
    out = {}
    for feature in json.loads(text)["features"]:
        props, geom = feature["properties"], feature["geometry"]
        if geom["type"] != "LineString":
            continue
        out[props["ref"]] = OsmLine(props["ref"], props["name"], np.asarray(geom["coordinates"], dtype=float))
    return out

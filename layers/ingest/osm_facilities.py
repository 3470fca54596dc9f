"""Point facilities OpenStreetMap maps: speed and surveillance cameras, police, services, toll booths."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from layers.ingest.osm_tags import Tags

# Tags kept in a facility's properties: enough to recognise it, without the whole tag soup.
_KEPT_TAGS = (
    "name",
    "name:zh",
    "name:en",
    "ref",
    "operator",
    "maxspeed",
    "surveillance",
    "surveillance:type",
    "surveillance:zone",
    "camera:type",
    "direction",
    "camera:direction",
    "toll",
)
# Toll booths closer than this to each other are one toll station (a plaza maps one booth per lane).
TOLL_PLAZA_RADIUS_M = 150.0


@dataclass
class Facility:
    """One facility read from the file; `osm_ids` are 'n123' / 'w456' (several for a toll plaza)."""

    layer: str  # cameras, enforcement_stations, service_areas, toll_stations
    osm_ids: list[str]
    lon: float
    lat: float
    name: str | None
    kind: str | None = None  # cameras only
    direction: str | None = None  # cameras only
    properties: dict[str, object] = field(default_factory=dict)

    @property
    def source_id(self) -> str:
        """The OSM object the row stands for (the lowest id of a merged toll plaza)."""
        return self.osm_ids[0]


def facility_layer(tags: Tags, *, is_node: bool) -> tuple[str, str | None] | None:
    """(layer, camera kind) of an OSM object with these tags, or None when it is no facility we load."""
    if tags.get("amenity") == "police":
        return ("enforcement_stations", None)
    if tags.get("highway") == "services":
        return ("service_areas", None)
    if tags.get("barrier") == "toll_booth":
        return ("toll_stations", None)
    if not is_node:
        return None
    if tags.get("highway") == "speed_camera":
        return ("cameras", "speed")
    if tags.get("man_made") == "surveillance" and tags.get("surveillance") != "indoor":
        # Number-plate readers are what Chinese traffic police call checkpoints (卡口).
        if (tags.get("surveillance:type") or "").upper() == "ALPR":
            return ("cameras", "checkpoint")
        return ("cameras", "video")
    return None


def make_facility(layer: str, kind: str | None, osm_id: str, lon: float, lat: float, tags: Tags) -> Facility:
    """A Facility from an object's tags (name falls back to name:zh, name:en, then operator for booths)."""
    name = next((tags.get(k) for k in ("name", "name:zh", "name:en") if tags.get(k)), None)
    kept = {k: tags.get(k) for k in _KEPT_TAGS if tags.get(k)}
    direction = (tags.get("camera:direction") or tags.get("direction")) if layer == "cameras" else None
    return Facility(layer, [osm_id], lon, lat, name, kind, direction, {"osm_tags": kept})


def _distance_m(a: Facility, b: Facility) -> float:
    # Equirectangular distance: exact enough at plaza scale and far cheaper than a geodesic.
    x = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    y = math.radians(b.lat - a.lat)
    return 6_371_008.8 * math.hypot(x, y)


def merge_toll_plazas(booths: list[Facility], radius_m: float = TOLL_PLAZA_RADIUS_M) -> list[Facility]:
    """Toll stations from toll booths: booths within radius_m of one another (transitively) are one station.

    OSM maps a booth per lane or per carriageway; the network's toll station (收费站), the unit
    operators close in fog, is the plaza. The station sits at the booths' mean position.
    """
    cell_deg = radius_m / 111_000.0
    grid: dict[tuple[int, int], list[int]] = {}
    for i, b in enumerate(booths):
        grid.setdefault((int(b.lon // cell_deg), int(b.lat // cell_deg)), []).append(i)
    parent = list(range(len(booths)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (cx, cy), members in grid.items():
        # A degree of longitude is shorter than one of latitude, so neighbours lie within one cell
        # east-west only below ~60° of latitude: widen the search there.
        reach = max(1, math.ceil(1 / max(math.cos(math.radians(booths[members[0]].lat)), 0.1)))
        for dx in range(-reach, reach + 1):
            for dy in (-1, 0, 1):
                for j in grid.get((cx + dx, cy + dy), ()):
                    for i in members:
                        if i < j and _distance_m(booths[i], booths[j]) <= radius_m:
                            parent[find(i)] = find(j)
    groups: dict[int, list[Facility]] = {}
    for i, b in enumerate(booths):
        groups.setdefault(find(i), []).append(b)
    stations = []
    for group in groups.values():
        group.sort(key=lambda f: f.source_id)
        first = group[0]
        ids = [osm_id for f in group for osm_id in f.osm_ids]
        name = next((f.name for f in group if f.name), None)
        props = dict(first.properties)
        if len(group) > 1:
            props["osm_ids"] = ids
            props["booths"] = len(group)
        stations.append(
            Facility(
                "toll_stations",
                ids,
                sum(f.lon for f in group) / len(group),
                sum(f.lat for f in group) / len(group),
                name,
                properties=props,
            )
        )
    stations.sort(key=lambda f: f.source_id)
    return stations

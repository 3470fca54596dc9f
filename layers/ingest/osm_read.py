"""Read an OSM file in two streaming passes into segments split at junctions, nodes, restrictions, facilities."""

from __future__ import annotations

import itertools
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import shapely
from pyproj import Geod
from tqdm import tqdm

from gis.errors import Unprocessable
from layers.ingest.osm_facilities import Facility, facility_layer, make_facility, merge_toll_plazas
from layers.ingest.osm_tags import RoadTags, is_drivable, restriction_kind, road_tags

_GEOD = Geod(ellps="WGS84")
_PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Restriction:
    """A turn restriction as mapped: from way, via node, to way."""

    relation_id: int
    kind: str
    from_way: int
    via_node: int
    to_way: int


@dataclass(frozen=True)
class Turn:
    """A restriction resolved to segments: indexes into OsmNetwork.segments and the via node's OSM id."""

    relation_id: int
    kind: str
    from_segment: int
    via_node: int
    to_segment: int


@dataclass(frozen=True)
class Segment:
    """A piece of a way between two junctions; its points are coords[start:end] of the network."""

    way_id: int
    piece: int
    tags: RoadTags
    source_node: int  # OSM node ids of the first and last point
    target_node: int
    start: int
    end: int

    @property
    def source_id(self) -> str:
        """'w<way id>:<n>' for the n-th piece (from 1) of the way, in traffic direction."""
        return f"w{self.way_id}:{self.piece}"


@dataclass
class OsmNetwork:
    """Everything an import loads, read from one file and held until the database transaction."""

    segments: list[Segment] = field(default_factory=list)
    lons: array = field(default_factory=lambda: array("d"))
    lats: array = field(default_factory=lambda: array("d"))
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # segment ends: OSM id → lon, lat
    interchanges: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)  # id → name, ref
    turns: list[Turn] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def geometries(self) -> tuple[np.ndarray, np.ndarray]:
        """(EWKB hex with SRID 4326, geodesic length in metres) of every segment, computed in bulk."""
        if not self.segments:
            return np.array([], dtype=object), np.array([], dtype=float)
        lons = np.frombuffer(self.lons, dtype=float)
        lats = np.frombuffer(self.lats, dtype=float)
        starts = np.fromiter((s.start for s in self.segments), dtype=np.int64, count=len(self.segments))
        ends = np.fromiter((s.end for s in self.segments), dtype=np.int64, count=len(self.segments))
        counts = ends - starts
        # Segments are stored back to back, so pairs of consecutive points that straddle two
        # segments are dropped by masking the last point of each.
        _, _, step_m = _GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
        step_m = np.append(step_m, 0.0)
        step_m[ends - 1] = 0.0
        length_m = np.add.reduceat(step_m, starts)
        index = np.repeat(np.arange(len(self.segments)), counts)
        lines = shapely.linestrings(np.column_stack([lons, lats]), indices=index)
        lines = shapely.set_srid(lines, 4326)
        return shapely.to_wkb(lines, hex=True, include_srid=True), length_m


def _objects(processor: osmium.FileProcessor, name: str) -> Iterator[osmium.osm.OSMObject]:
    """The processor's objects; a reading error (truncated or malformed file) becomes Unprocessable."""
    it = iter(processor)
    while True:
        try:
            obj = next(it)
        except StopIteration:
            return
        except RuntimeError as exc:
            raise Unprocessable(f"{name} is truncated or not an OSM file: {exc}", parameter="file") from None
        yield obj


@dataclass
class _Scan:
    """What the first pass learns: drivable ways, junction nodes, restrictions as mapped."""

    drivable: osmium.index.IdSet
    junctions: osmium.index.IdSet
    restricted_ways: set[int]
    restrictions: list[Restriction]
    drivable_ways: int


def _scan(path: Path, progress: bool, skipped: Counter[str]) -> _Scan:
    """Pass 1 (ways and relations): junction nodes are those used twice by drivable ways, or a way's end."""
    drivable = osmium.index.IdSet()
    seen = osmium.index.IdSet()
    junctions = osmium.index.IdSet()
    restrictions: list[Restriction] = []
    n_drivable = 0
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY | osmium.osm.RELATION).with_filter(
        osmium.filter.KeyFilter("highway", "type"))
    with tqdm(desc="pass 1/2: scanning ways", unit=" ways", disable=not progress, leave=False) as bar:
        for obj in _objects(processor, path.name):
            if obj.is_way():
                if not is_drivable(obj.tags):
                    continue
                n_drivable += 1
                if n_drivable % _PROGRESS_EVERY == 0:
                    bar.update(_PROGRESS_EVERY)
                drivable.set(obj.id)
                refs = [n.ref for n in obj.nodes]
                if not refs:
                    continue
                for ref in refs:
                    if seen.get(ref):
                        junctions.set(ref)
                    else:
                        seen.set(ref)
                junctions.set(refs[0])
                junctions.set(refs[-1])
            elif obj.is_relation() and obj.tags.get("type") == "restriction":
                restrictions.extend(_restrictions(obj, skipped))
        bar.update(n_drivable % _PROGRESS_EVERY)
    restricted = {r.from_way for r in restrictions} | {r.to_way for r in restrictions}
    return _Scan(drivable, junctions, restricted, restrictions, n_drivable)


def _restrictions(rel: osmium.osm.Relation, skipped: Counter[str]) -> list[Restriction]:
    """The (from, via node, to) triples of a restriction relation; via-way and malformed ones are counted."""
    kind = restriction_kind(rel.tags)
    if kind is None:
        skipped["turn_restrictions_skipped_not_for_cars"] += 1
        return []
    members = [(m.type, m.ref, m.role) for m in rel.members]
    if any(t == "w" and role == "via" for t, _, role in members):
        skipped["turn_restrictions_skipped_via_way"] += 1
        return []
    from_ways = [ref for t, ref, role in members if t == "w" and role == "from"]
    to_ways = [ref for t, ref, role in members if t == "w" and role == "to"]
    vias = [ref for t, ref, role in members if t == "n" and role == "via"]
    if len(vias) != 1 or not from_ways or not to_ways:
        skipped["turn_restrictions_skipped_malformed"] += 1
        return []
    # no_entry and no_exit may name several from or to ways: one restriction per pair.
    return [Restriction(rel.id, kind, f, vias[0], t) for f, t in itertools.product(from_ways, to_ways)]


def read_osm(path: Path, *, progress: bool = False) -> OsmNetwork:
    """The drivable network, restrictions and facilities of an OSM file (pbf, xml or bzip2'd xml)."""
    net = OsmNetwork()
    scan = _scan(path, progress, net.skipped)
    if scan.drivable_ways == 0:
        raise Unprocessable(f"no drivable roads found in {path.name}", parameter="file")
    pieces_of_way: dict[int, list[int]] = {w: [] for w in scan.restricted_ways}
    booths: list[Facility] = []
    processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations()
                 .with_filter(osmium.filter.KeyFilter("highway", "amenity", "barrier", "man_made")))
    with tqdm(total=scan.drivable_ways, desc="pass 2/2: building segments", unit=" ways", disable=not progress,
              leave=False) as bar:
        done = 0
        for obj in _objects(processor, path.name):
            if obj.is_node():
                _read_node(obj, net, booths)
            elif scan.drivable.get(obj.id):
                _split_way(obj, scan.junctions, net, pieces_of_way)
                done += 1
                if done % _PROGRESS_EVERY == 0:
                    bar.update(_PROGRESS_EVERY)
            else:
                _read_area(obj, net, booths)
        bar.update(done % _PROGRESS_EVERY)
    if not net.segments:
        raise Unprocessable(f"no drivable roads found in {path.name} (its ways have no node locations)",
                            parameter="file")
    net.facilities.extend(merge_toll_plazas(booths))
    net.turns = _resolve_turns(scan.restrictions, net, pieces_of_way)
    return net


def _read_node(node: osmium.osm.Node, net: OsmNetwork, booths: list[Facility]) -> None:
    tags = node.tags
    if tags.get("highway") == "motorway_junction":
        net.interchanges[node.id] = (tags.get("name") or None, tags.get("ref") or None)
        return
    found = facility_layer(tags, is_node=True)
    if found is None or not node.location.valid():
        return
    facility = make_facility(found[0], found[1], f"n{node.id}", node.location.lon, node.location.lat, tags)
    (booths if found[0] == "toll_stations" else net.facilities).append(facility)


def _read_area(way: osmium.osm.Way, net: OsmNetwork, booths: list[Facility]) -> None:
    """A police station, service area or toll booth drawn as a way: a facility at its centroid."""
    found = facility_layer(way.tags, is_node=False)
    if found is None:
        return
    coords = [(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
    if not coords:
        return
    if len(coords) >= 4 and coords[0] == coords[-1]:
        centre = shapely.Polygon(coords).centroid
    else:
        centre = shapely.LineString(coords).centroid if len(coords) > 1 else shapely.Point(coords[0])
    if centre.is_empty:  # a degenerate polygon (all points in a line) has no area centroid
        centre = shapely.MultiPoint(coords).centroid
    facility = make_facility(found[0], found[1], f"w{way.id}", centre.x, centre.y, way.tags)
    (booths if found[0] == "toll_stations" else net.facilities).append(facility)


def _split_way(way: osmium.osm.Way, junctions: osmium.index.IdSet, net: OsmNetwork,
               pieces_of_way: dict[int, list[int]]) -> None:
    """Cut a drivable way into segments at junctions and interchanges, in traffic direction."""
    attrs = road_tags(way.tags)
    points: list[tuple[int, float, float] | None] = []
    for n in way.nodes:
        loc = n.location
        if not loc.valid():
            # A node missing from the extract: the way is cut there, its ends become segment ends.
            points.append(None)
        elif not points or points[-1] is None or points[-1][0] != n.ref:
            points.append((n.ref, loc.lon, loc.lat))
    if any(p is None for p in points):
        net.skipped["way_nodes_missing_location"] += sum(1 for p in points if p is None)
    if attrs.reverse:
        points.reverse()
    runs = [list(g) for valid, g in itertools.groupby(points, key=lambda p: p is not None) if valid]
    piece = 0
    pieces = pieces_of_way.get(way.id)
    for run in runs:
        if len(run) < 2:
            continue
        start = 0
        last = len(run) - 1
        for i in range(1, last + 1):
            ref = run[i][0]  # type: ignore[index]
            if i != last and not junctions.get(ref) and ref not in net.interchanges:
                continue
            pts = run[start:i + 1]
            start = i
            first_pt = pts[0]
            if all(p[1] == first_pt[1] and p[2] == first_pt[2] for p in pts):  # type: ignore[index]
                net.skipped["segments_skipped_zero_length"] += 1
                continue
            piece += 1
            offset = len(net.lons)
            for p in pts:
                net.lons.append(p[1])  # type: ignore[index]
                net.lats.append(p[2])  # type: ignore[index]
            src, tgt = pts[0], pts[-1]
            net.nodes[src[0]] = (src[1], src[2])  # type: ignore[index]
            net.nodes[tgt[0]] = (tgt[1], tgt[2])  # type: ignore[index]
            if pieces is not None:
                pieces.append(len(net.segments))
            net.segments.append(Segment(way.id, piece, attrs, src[0], tgt[0], offset, len(net.lons)))  # type: ignore[index]


def _pick(candidates: list[int], segments: list[Segment], via: int, *, arriving: bool) -> int | None:
    """The piece of a way that touches the via node; a way running through it prefers the piece
    arriving at (from-way) or leaving from (to-way) the node in digitised direction."""
    touching = [i for i in candidates if via in (segments[i].source_node, segments[i].target_node)]
    if not touching:
        return None
    preferred = [i for i in touching if (segments[i].target_node if arriving else segments[i].source_node) == via]
    return (preferred or touching)[0]


def _resolve_turns(restrictions: list[Restriction], net: OsmNetwork,
                   pieces_of_way: dict[int, list[int]]) -> list[Turn]:
    """Restrictions mapped onto segments; those whose ways or via node are not on the network are counted."""
    turns = []
    for r in restrictions:
        from_seg = _pick(pieces_of_way.get(r.from_way, []), net.segments, r.via_node, arriving=True)
        to_seg = _pick(pieces_of_way.get(r.to_way, []), net.segments, r.via_node, arriving=False)
        if from_seg is None or to_seg is None or r.via_node not in net.nodes:
            net.skipped["turn_restrictions_skipped_not_on_network"] += 1
            continue
        turns.append(Turn(r.relation_id, r.kind, from_seg, r.via_node, to_seg))
    return turns

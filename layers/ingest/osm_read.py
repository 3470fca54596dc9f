"""Read an OSM file in two streaming passes into segments split at junctions, nodes, restrictions, facilities."""

from __future__ import annotations

import itertools
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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


@dataclass(frozen=True, slots=True)
class Restriction:
    """A turn restriction as mapped: from way, via node, to way."""

    relation_id: int
    kind: str
    from_way: int
    via_node: int
    to_way: int


@dataclass(frozen=True, slots=True)
class Turn:
    """A restriction resolved to segments: indexes into OsmNetwork.segments and the via node's OSM id."""

    relation_id: int
    kind: str
    from_segment: int
    via_node: int
    to_segment: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a way between two junctions; its points are lons/lats[start:end] of the network."""

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
    merged: dict[int, int] = field(default_factory=dict)  # node → node it was merged into (union-find)
    # Ways share a few thousand distinct attribute sets: one object each keeps a province small.
    road_tags: dict[RoadTags, RoadTags] = field(default_factory=dict)

    def node(self, osm_id: int) -> int:
        """The node `osm_id` stands as after merging nodes that share a location."""
        root = osm_id
        while root in self.merged:
            root = self.merged[root]
        while osm_id != root:  # path compression keeps later look-ups short
            self.merged[osm_id], osm_id = root, self.merged[osm_id]
        return root

    def merge_nodes(self, a: int, b: int) -> None:
        """Make nodes a and b one node, represented by the lower id."""
        a, b = self.node(a), self.node(b)
        if a != b:
            self.merged[max(a, b)] = min(a, b)

    def apply_merges(self) -> None:
        """Point segments at merged nodes and drop the nodes no segment ends at any more."""
        if not self.merged:
            return
        self.skipped["nodes_merged_same_location"] = len(self.merged)
        for i, s in enumerate(self.segments):
            src, tgt = self.node(s.source_node), self.node(s.target_node)
            if (src, tgt) != (s.source_node, s.target_node):
                self.segments[i] = replace(s, source_node=src, target_node=tgt)
        for old in list(self.merged):
            root = self.node(old)
            if old in self.interchanges and root not in self.interchanges:
                self.interchanges[root] = self.interchanges[old]
        used = {s.source_node for s in self.segments} | {s.target_node for s in self.segments}
        self.nodes = {n: loc for n, loc in self.nodes.items() if n in used}

    def geometries(self, chunk: int = 50_000) -> Iterator[tuple[str, float]]:
        """(EWKB hex with SRID 4326, geodesic length in metres) of each segment, in order.

        Computed in bulk a chunk of segments at a time, so that a province's hex strings are never
        all in memory at once.
        """
        lons = np.frombuffer(self.lons, dtype=float)
        lats = np.frombuffer(self.lats, dtype=float)
        for first in range(0, len(self.segments), chunk):
            segments = self.segments[first : first + chunk]
            starts = np.fromiter((s.start for s in segments), dtype=np.int64, count=len(segments))
            ends = np.fromiter((s.end for s in segments), dtype=np.int64, count=len(segments))
            lo, hi = int(starts[0]), int(ends[-1])
            x, y = lons[lo:hi], lats[lo:hi]
            # Segments are stored back to back: the step from the last point of one segment to
            # the first of the next is zeroed before summing the steps of each segment.
            _, _, step_m = _GEOD.inv(x[:-1], y[:-1], x[1:], y[1:])
            step_m = np.append(step_m, 0.0)
            step_m[ends - 1 - lo] = 0.0
            length_m = np.add.reduceat(step_m, starts - lo)
            index = np.repeat(np.arange(len(segments)), ends - starts)
            lines = shapely.set_srid(shapely.linestrings(np.column_stack([x, y]), indices=index), 4326)
            yield from zip(shapely.to_wkb(lines, hex=True, include_srid=True).tolist(), length_m.tolist(), strict=True)


def _objects(processor: osmium.FileProcessor, name: str) -> Iterator[object]:
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
    """What the first pass learns: junction nodes, restrictions as mapped, how many drivable ways."""

    junctions: set[int]
    restricted_ways: set[int]
    restrictions: list[Restriction]
    drivable_ways: int


def _scan(path: Path, progress: bool, skipped: Counter[str]) -> _Scan:
    """Pass 1 (ways and relations): junction nodes are those used twice by drivable ways, or a way's end."""
    # Node references go into a flat int64 array and are counted with numpy at the end: a tenth
    # of the memory of a dict of counts, and osmium's dense id sets are huge for sparse ids.
    refs = array("q")
    ends = array("q")
    restrictions: list[Restriction] = []
    n_drivable = 0
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY | osmium.osm.RELATION).with_filter(
        osmium.filter.KeyFilter("highway", "type")
    )
    with tqdm(desc="pass 1/2: scanning ways", unit=" ways", disable=not progress, leave=False) as bar:
        for obj in _objects(processor, path.name):
            if isinstance(obj, osmium.osm.Way):
                if not is_drivable(obj.tags):
                    continue
                n_drivable += 1
                if n_drivable % _PROGRESS_EVERY == 0:
                    bar.update(_PROGRESS_EVERY)
                way_refs = [n.ref for n in obj.nodes]
                if way_refs:
                    refs.extend(way_refs)
                    ends.append(way_refs[0])
                    ends.append(way_refs[-1])
            elif isinstance(obj, osmium.osm.Relation) and obj.tags.get("type") == "restriction":
                restrictions.extend(_restrictions(obj, skipped))
        bar.update(n_drivable % _PROGRESS_EVERY)
    ids, counts = np.unique(np.frombuffer(refs, dtype=np.int64), return_counts=True)
    del refs
    junctions = set(ids[counts > 1].tolist())
    junctions.update(ends)
    restricted = {r.from_way for r in restrictions} | {r.to_way for r in restrictions}
    return _Scan(junctions, restricted, restrictions, n_drivable)


def _restrictions(rel: osmium.osm.Relation, skipped: Counter[str]) -> list[Restriction]:
    """The (from, via node, to) triples of a restriction relation; via-way and malformed ones are counted."""
    kind = restriction_kind(rel.tags)
    if kind is None:
        skipped["turn_restrictions_skipped_unsupported"] += 1
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
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway", "amenity", "barrier", "man_made"))
    )
    with tqdm(
        total=scan.drivable_ways, desc="pass 2/2: building segments", unit=" ways", disable=not progress, leave=False
    ) as bar:
        done = 0
        for obj in _objects(processor, path.name):
            if isinstance(obj, osmium.osm.Node):
                _read_node(obj, net, booths)
            elif not isinstance(obj, osmium.osm.Way):
                continue
            elif is_drivable(obj.tags):
                _split_way(obj, scan.junctions, net, pieces_of_way)
                done += 1
                if done % _PROGRESS_EVERY == 0:
                    bar.update(_PROGRESS_EVERY)
            else:
                _read_area(obj, net, booths)
        bar.update(done % _PROGRESS_EVERY)
    if not net.segments:
        raise Unprocessable(
            f"no drivable roads found in {path.name} (its ways have no node locations)", parameter="file"
        )
    net.apply_merges()
    net.facilities.extend(merge_toll_plazas(booths))
    net.turns = _resolve_turns(scan.restrictions, net, pieces_of_way)
    return net


def _read_node(node: osmium.osm.Node, net: OsmNetwork, booths: list[Facility]) -> None:
    """Note an interchange (motorway_junction), or collect a facility mapped as a node."""
    tags = node.tags
    if tags.get("highway") == "motorway_junction":
        # Nodes precede ways in an OSM file, so the ways read later are also cut at interchanges.
        net.interchanges[node.id] = (tags.get("name") or None, tags.get("ref") or None)
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


def _split_way(way: osmium.osm.Way, junctions: set[int], net: OsmNetwork, pieces_of_way: dict[int, list[int]]) -> None:
    """Cut a drivable way into segments at junctions and interchanges, in traffic direction."""
    attrs = road_tags(way.tags)
    attrs = net.road_tags.setdefault(attrs, attrs)
    runs: list[list[tuple[int, float, float]]] = [[]]
    for n in way.nodes:
        loc = n.location
        if not loc.valid():
            # A node missing from the extract: the way is cut there and its ends become segment ends.
            net.skipped["way_nodes_missing_location"] += 1
            if runs[-1]:
                runs.append([])
        elif not runs[-1] or runs[-1][-1][0] != n.ref:
            runs[-1].append((n.ref, loc.lon, loc.lat))
    if attrs.reverse:
        runs.reverse()
        for run in runs:
            run.reverse()
    piece = 0
    pieces = pieces_of_way.get(way.id)
    for run in runs:
        start = 0
        last = len(run) - 1
        for i in range(1, last + 1):
            ref = run[i][0]
            if i != last and ref not in junctions and ref not in net.interchanges:
                continue
            pts = run[start : i + 1]
            start = i
            src, tgt = pts[0], pts[-1]
            if all(p[1] == src[1] and p[2] == src[2] for p in pts):
                # Two junction nodes on one spot (mapped twice): no segment between them, they
                # become one node so that the network stays connected there.
                if src[0] != tgt[0]:
                    net.nodes[src[0]] = (src[1], src[2])
                    net.nodes[tgt[0]] = (tgt[1], tgt[2])
                    net.merge_nodes(src[0], tgt[0])
                continue
            piece += 1
            offset = len(net.lons)
            net.lons.extend(p[1] for p in pts)
            net.lats.extend(p[2] for p in pts)
            net.nodes[src[0]] = (src[1], src[2])
            net.nodes[tgt[0]] = (tgt[1], tgt[2])
            if pieces is not None:
                pieces.append(len(net.segments))
            net.segments.append(Segment(way.id, piece, attrs, src[0], tgt[0], offset, len(net.lons)))


def _pick(candidates: list[int], segments: list[Segment], via: int, *, arriving: bool) -> int | None:
    """The piece of a way that touches the via node; a way running through it prefers the piece
    arriving at (from-way) or leaving from (to-way) the node in digitised direction."""
    touching = [i for i in candidates if via in (segments[i].source_node, segments[i].target_node)]
    if not touching:
        return None
    preferred = [i for i in touching if (segments[i].target_node if arriving else segments[i].source_node) == via]
    return (preferred or touching)[0]


def _resolve_turns(restrictions: list[Restriction], net: OsmNetwork, pieces_of_way: dict[int, list[int]]) -> list[Turn]:
    """Restrictions mapped onto segments; those whose ways or via node are not on the network are counted."""
    turns = []
    for r in restrictions:
        via = net.node(r.via_node)
        from_seg = _pick(pieces_of_way.get(r.from_way, []), net.segments, via, arriving=True)
        to_seg = _pick(pieces_of_way.get(r.to_way, []), net.segments, via, arriving=False)
        if from_seg is None or to_seg is None or via not in net.nodes:
            net.skipped["turn_restrictions_skipped_not_on_network"] += 1
            continue
        turns.append(Turn(r.relation_id, r.kind, from_seg, via, to_seg))
    return turns

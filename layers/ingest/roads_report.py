"""The validation report of a road import: routes' lengths against their stakes, disconnected
pieces of the network, and line ends that stop near another line (likely missed junctions)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gis.stake import format_stake
from layers.ingest.roads_network import Network, _metric
from layers.ingest.roads_rows import RoadRows, Tolerances

LISTED = 200  # entries of each list in the report; the counts are complete


@dataclass
class ValidationReport:
    routes: list[dict] = field(default_factory=list)
    routes_inconsistent: int = 0
    components: int = 0
    largest_component_segments: int = 0
    pieces: list[dict] = field(default_factory=list)  # the components apart from the largest
    dangling_near: list[dict] = field(default_factory=list)
    dangling_near_count: int = 0
    near_m: float = 50.0

    def as_dict(self) -> dict:
        return {
            "routes": self.routes,
            "routes_inconsistent": self.routes_inconsistent,
            "components": self.components,
            "largest_component_segments": self.largest_component_segments,
            "disconnected_pieces": self.pieces,
            "dangling_ends_near_lines": self.dangling_near,
            "dangling_ends_near_lines_count": self.dangling_near_count,
            "dangling_near_m": self.near_m,
        }

    def lines(self) -> list[str]:
        """The report for a person."""
        out = ["validation report:"]
        out.append(f"  routes: {len(self.routes):,} ({self.routes_inconsistent:,} with length and stakes apart)")
        for r in self.routes:
            if r["stake_span_m"] is None:
                continue
            mark = "!" if not r["consistent"] else " "
            out.append(
                f"  {mark} {r['route_code']:<12} {r['name'] or '':<14} {r['length_m'] / 1000:>9.3f} km "
                f"(carriageways {r['carriageways_length_m'] / 1000:.3f} km)  stakes {r['stake_from']}–{r['stake_to']} "
                f"= {r['stake_span_m'] / 1000:.3f} km  Δ {r['difference_m']:+,.0f} m"
            )
        extra = sum(1 for r in self.routes if r["stake_span_m"] is None)
        if extra:
            out.append(f"    {extra:,} route(s) without stakes")
        out.append(
            f"  connected pieces: {self.components:,} (the largest {self.largest_component_segments:,} segments)"
        )
        for p in self.pieces[:20]:
            out.append(
                f"    piece of {p['segments']:,} segment(s), {p['length_m'] / 1000:.3f} km: "
                f"{', '.join(p['routes']) or '(no route code)'} (rows {', '.join(map(str, p['rows'][:5]))})"
            )
        if len(self.pieces) > 20:
            out.append(f"    … {len(self.pieces) - 20:,} more pieces")
        out.append(
            f"  line ends within {self.near_m:g} m of another line (missed junctions?): {self.dangling_near_count:,}"
        )
        for d in self.dangling_near[:20]:
            out.append(
                f"    row {d['row']} ({d['route_code'] or '-'}) ends {d['distance_m']:.1f} m from row "
                f"{d['near_row']} ({d['near_route_code'] or '-'}) at {d['lon']:.6f},{d['lat']:.6f}"
            )
        return out


def validation_report(
    rows: RoadRows, keep: np.ndarray, net: Network, tol: Tolerances, *, near_m: float = 50.0
) -> ValidationReport:
    """The report on the loaded rows `keep` (indices into rows) and the network built from them."""
    report = ValidationReport(near_m=near_m)
    _routes(report, rows, keep, net, tol)
    _components(report, rows, keep, net)
    _dangling(report, rows, keep, net, near_m)
    return report


def _merged_span(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of stake intervals (a route's stakes may jump: 断链)."""
    total, cur_lo, cur_hi = 0.0, None, None
    for lo, hi in sorted(intervals):
        if cur_hi is None or lo > cur_hi:
            if cur_hi is not None and cur_lo is not None:
                total += cur_hi - cur_lo
            cur_lo, cur_hi = lo, hi
        else:
            cur_hi = max(cur_hi, hi)
    if cur_hi is not None and cur_lo is not None:
        total += cur_hi - cur_lo
    return total


def _routes(report: ValidationReport, rows: RoadRows, keep: np.ndarray, net: Network, tol: Tolerances) -> None:
    by_route: dict[str, dict] = {}
    seg_count = np.bincount(net.seg_line, minlength=len(keep))
    for k, i in enumerate(keep.tolist()):
        code = rows.route_id[i]
        if not code:
            continue
        r = by_route.setdefault(
            code, {"name": rows.name[i], "class": rows.road_class[i], "rows": 0, "segments": 0, "len": {}, "iv": []}
        )
        r["rows"] += 1
        r["segments"] += int(seg_count[k])
        way = rows.direction[i] if rows.direction[i] in ("up", "down", "oneway") else "both"
        r["len"][way] = r["len"].get(way, 0.0) + float(net.line_length_m[k])
        s, e = rows.start_stake[i], rows.end_stake[i]
        if not np.isnan(s):
            r["iv"].append((min(s, e), max(s, e)))
    for code in sorted(by_route):
        r = by_route[code]
        lens = r["len"]
        centre = lens.get("both", 0.0) + max(lens.get("up", 0.0), lens.get("down", 0.0)) + lens.get("oneway", 0.0)
        entry: dict[str, object] = {
            "route_code": code,
            "name": r["name"],
            "road_class": r["class"],
            "rows": r["rows"],
            "segments": r["segments"],
            "length_m": round(centre, 1),
            "carriageways_length_m": round(sum(lens.values()), 1),
            "stake_from": None,
            "stake_to": None,
            "stake_span_m": None,
            "difference_m": None,
            "consistent": True,
        }
        if r["iv"]:
            span = _merged_span(r["iv"])
            diff = centre - span
            ok = abs(diff) <= max(tol.stake_min_m, tol.stake_ratio * span)
            entry.update(
                stake_from=format_stake(min(lo for lo, _ in r["iv"])),
                stake_to=format_stake(max(hi for _, hi in r["iv"])),
                stake_span_m=round(span, 1),
                difference_m=round(diff, 1),
                consistent=ok,
            )
            report.routes_inconsistent += not ok
        report.routes.append(entry)


def _components(report: ValidationReport, rows: RoadRows, keep: np.ndarray, net: Network) -> None:
    n_nodes = len(net.node_lonlat)
    if not len(net.seg_source):
        return
    graph = coo_matrix((np.ones(len(net.seg_source)), (net.seg_source, net.seg_target)), shape=(n_nodes, n_nodes))
    n, labels = connected_components(graph, directed=False)
    seg_label = labels[net.seg_source]
    counts = np.bincount(seg_label, minlength=n)
    lengths = np.bincount(seg_label, weights=net.seg_length_m, minlength=n)
    largest = int(np.argmax(counts))
    report.components = int(n)
    report.largest_component_segments = int(counts[largest])
    others = [c for c in np.argsort(-counts, kind="stable").tolist() if c != largest and counts[c] > 0]
    for c in others[:LISTED]:
        segs = np.flatnonzero(seg_label == c)
        lines = np.unique(net.seg_line[segs])
        file_rows = sorted(int(rows.row[keep[j]]) for j in lines)
        routes = sorted({rows.route_id[keep[j]] for j in lines if rows.route_id[keep[j]]})
        report.pieces.append(
            {
                "segments": int(counts[c]),
                "length_m": round(float(lengths[c]), 1),
                "routes": routes,
                "rows": file_rows[:20],
            }
        )


def _dangling(report: ValidationReport, rows: RoadRows, keep: np.ndarray, net: Network, near_m: float) -> None:
    n_nodes = len(net.node_lonlat)
    if not len(net.seg_source):
        return
    degree = np.bincount(np.concatenate([net.seg_source, net.seg_target]), minlength=n_nodes)
    lone = np.flatnonzero(degree == 1)
    if not len(lone):
        return
    lat0 = float(np.mean(net.node_lonlat[:, 1]))
    seg_xy = shapely.linestrings(
        _metric(net.seg_coords, lat0), indices=np.repeat(np.arange(len(net.seg_line)), np.diff(net.seg_offsets))
    )
    pts = shapely.points(_metric(net.node_lonlat[lone], lat0))
    tree = shapely.STRtree(seg_xy)
    p, s = tree.query(pts, predicate="dwithin", distance=near_m)
    own = (net.seg_source[s] == lone[p]) | (net.seg_target[s] == lone[p])
    # the end of one carriageway lies beside the other carriageway of its road: no missed junction
    at = np.full(n_nodes, -1, dtype=np.int64)
    at[net.seg_source] = np.arange(len(net.seg_source))
    at[net.seg_target] = np.arange(len(net.seg_target))
    row_here = keep[net.seg_line[at[lone[p]]]]
    row_near = keep[net.seg_line[s]]
    code = np.array(rows.route_id, dtype=object)
    pair = (code[row_here] == code[row_near]) & rows.oneway[row_here] & rows.oneway[row_near]
    pair &= np.array(
        [rows.direction[a] != rows.direction[b] for a, b in zip(row_here, row_near, strict=True)], dtype=bool
    )
    drop = own | pair
    p, s = p[~drop], s[~drop]
    if not len(p):
        return
    d = shapely.distance(pts[p], seg_xy[s])
    order = np.lexsort((s, d, p))
    p, s, d = p[order], s[order], d[order]
    first = np.concatenate([[True], p[1:] != p[:-1]])
    p, s, d = p[first], s[first], d[first]
    report.dangling_near_count = len(p)
    for k in np.argsort(d, kind="stable")[:LISTED].tolist():
        node = int(lone[p[k]])
        i = keep[net.seg_line[at[node]]]
        j = keep[net.seg_line[s[k]]]
        lon, lat = net.node_lonlat[node]
        report.dangling_near.append(
            {
                "row": int(rows.row[i]),
                "route_code": rows.route_id[i],
                "near_row": int(rows.row[j]),
                "near_route_code": rows.route_id[j],
                "distance_m": round(float(d[k]), 1),
                "lon": round(float(lon), 7),
                "lat": round(float(lat), 7),
            }
        )

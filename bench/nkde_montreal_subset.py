"""Cut the NKDE test subset out of the Montreal cyclist data (../shared/data/accidents/montreal_cyclists):
the street lines that touch a 1.6 x 1.7 km box of the Plateau/centre (where the collisions cluster)
and the collisions that lie within 0.5 m of those lines. Writes tests/data/nkde_montreal/.

    .venv/bin/python bench/nkde_montreal_subset.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import shapely

BOX = (-73.583, 45.512, -73.563, 45.527)  # lon/lat


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=root.parent / "shared" / "data")
    args = ap.parse_args()
    src = args.shared / "accidents" / "montreal_cyclists"
    out = root / "tests" / "data" / "nkde_montreal"
    out.mkdir(parents=True, exist_ok=True)
    box = shapely.box(*BOX)
    net = json.loads((src / "mtl_network_wgs84.geojson").read_text())
    lines = [f for f in net["features"] if shapely.intersects(shapely.geometry.shape(f["geometry"]), box)]
    geoms = [shapely.geometry.shape(f["geometry"]) for f in lines]
    acc = json.loads((src / "bike_accidents_wgs84.geojson").read_text())
    union = shapely.union_all(geoms)
    kept = []
    for f in acc["features"]:
        p = shapely.geometry.shape(f["geometry"])
        if shapely.contains(box, p) and shapely.distance(union, p) < 0.5e-5:  # ~0.5 m in degrees
            kept.append(f)
    for name, feats in (("network.geojson", lines), ("accidents.geojson", kept)):
        fc = {"type": "FeatureCollection", "features": feats}
        (out / name).write_text(json.dumps(fc, separators=(",", ":")) + "\n")
    print(f"{len(lines)} lines, {len(kept)} accidents written to {out}")


if __name__ == "__main__":
    main()

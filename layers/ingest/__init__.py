"""Imports of facility files and OpenStreetMap extracts.

GDAL reads only GeoPackages and Shapefiles here, after their headers were checked (readers.py). As
defence in depth its drivers that read other files or the network on a file's say-so are skipped:
GDAL_SKIP (vector drivers too, since GDAL 2) acts when the drivers are registered: pyogrio registers
them on import, so it is set before any module of this package imports pyogrio.
"""

from __future__ import annotations

import os

SKIPPED_GDAL_DRIVERS = (
    "VRT",
    "OGR_VRT",
    "SQLite",
    "CSV",
    "GeoJSON",
    "GeoJSONSeq",
    "ESRIJSON",
    "TopoJSON",
    "WFS",
    "OAPIF",
    "OGR_GMT",
    "GML",
    "GPX",
    "KML",
)
_skipped = [d for d in os.environ.get("GDAL_SKIP", "").replace(" ", ",").split(",") if d]
os.environ["GDAL_SKIP"] = ",".join(_skipped + [d for d in SKIPPED_GDAL_DRIVERS if d not in _skipped])

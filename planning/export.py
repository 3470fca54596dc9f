"""The coverage report as CSV: one row per area and metric."""

from __future__ import annotations

import csv
import io
from typing import Any

from gis.csvsafe import safe_cell

COLUMNS = (
    "year",
    "adcode",
    "name",
    "level",
    "metric",
    "roads",
    "value",
    "target",
    "met",
    "unit",
    "standard_scope",
    "road_km",
    "points",
    "points_missing",
    "gaps",
    "gap_km",
    "cameras_to_close_gaps",
    "hazard_km",
    "monitored_km",
    "eligible_km",
    "covered_km",
    "missing",
)


def report_csv(report: dict[str, Any]) -> str:
    """CSV text of a coverage report (UTF-8 with a BOM so that spreadsheet programs read the Chinese names)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for area in report["areas"]:
        for key, m in area["metrics"].items():
            row = {
                "year": report["year"],
                "adcode": area["adcode"],
                "name": area["name"],
                "level": area["level"],
                "metric": key,
                "roads": m["roads"],
                "value": m["value"],
                "target": m["target"],
                "met": "" if m["met"] is None else ("yes" if m["met"] else "no"),
                "unit": m["unit"],
                "standard_scope": m["standard"]["scope"],
            }
            for column in COLUMNS[len(row) :]:
                row[column] = m.get(column, "")
            writer.writerow(["" if row[c] is None else safe_cell(row[c]) for c in COLUMNS])
    return out.getvalue()

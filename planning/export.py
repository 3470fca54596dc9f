"""The coverage report as CSV: one row per area and metric; with a language, headers and words in it."""

from __future__ import annotations

import csv
import io
from typing import Any

from gis.csvsafe import safe_cell
from planning.htmlreport import area_title
from planning.labels import column_label, metric_label, word

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
    "counts",
    "stock",
    "density_basis",
    "gaps_basis",
)
# Columns whose values are words of a fixed vocabulary (translated when a language is asked for).
_WORD_COLUMNS = ("level", "roads", "unit", "standard_scope", "counts", "density_basis", "gaps_basis")


def report_csv(report: dict[str, Any], lang: str | None = None) -> str:
    """CSV text of a coverage report (UTF-8 with a BOM so that spreadsheet programs read the Chinese names).
    Without `lang` the headers are the JSON keys (for programs); with `lang` ('zh-CN' or 'en') headers,
    metric names and vocabulary words are in that language (for people)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS if lang is None else [column_label(c, lang) for c in COLUMNS])
    yes, no = ("yes", "no") if lang is None else (word("yes", lang), word("no", lang))
    for area in report["areas"]:
        for key, m in area["metrics"].items():
            value = m["value"]
            if lang is not None and m["unit"] == "has_centre" and value is not None:
                value = yes if value else no  # a county's own centre: built or not
            row = {
                "year": report["year"],
                "adcode": area["adcode"],
                "name": area["name"] if lang is None else area_title(area, report["areas"], lang),
                "level": area["level"],
                "metric": key if lang is None else metric_label(key, lang),
                "roads": m["roads"],
                "value": value,
                "target": m["target"],
                "met": "" if m["met"] is None else (yes if m["met"] else no),
                "unit": m["unit"],
                "standard_scope": m["standard"]["scope"],
            }
            for column in COLUMNS[len(row) :]:
                row[column] = m.get(column, "")
            row["counts"] = m["standard"].get("counts", "")
            basis = m.get("basis") or {}
            row["density_basis"] = basis.get("density", "")  # camera spacing: density on the centreline
            row["gaps_basis"] = basis.get("gaps", "")  # gaps per carriageway on expressways
            if lang is not None:
                for column in _WORD_COLUMNS:
                    if row[column]:
                        row[column] = word(str(row[column]), lang)
            writer.writerow(["" if row[c] is None else safe_cell(row[c]) for c in COLUMNS])
    return out.getvalue()

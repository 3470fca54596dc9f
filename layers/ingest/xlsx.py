"""Read the first sheet of an Excel workbook (.xlsx) into numbered records, as the CSV reader does.

The police and camera systems export their records as Excel as often as CSV. openpyxl reads the
workbook (a zip of XML parts; GDAL never sees it) in read-only mode with cached values, so formulas
give the values Excel last computed. Dates arrive as datetime objects.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from gis.errors import InvalidParameter
from layers.ingest.readers import SourceRecord, SourceTable, csv_geometry, geometry_columns

MAX_ROWS = 2_000_000


def _cell(value: object) -> object:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, (datetime, date, time)):
        return value
    return value


def read_xlsx(
    path: Path,
    *,
    point_layer: bool,
    lon_column: str | None,
    lat_column: str | None,
    geometry: bool = True,
    positions_optional: bool = False,
) -> SourceTable:
    """Records of the first sheet of the workbook at `path` (its first non-empty row is the header);
    without `geometry` (a registry) every column is a property."""
    name = path.name
    if not zipfile.is_zipfile(path):
        raise InvalidParameter(f"{name} is not an Excel .xlsx workbook (not a zip package)", parameter="file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidParameter(f"{name} cannot be read as an Excel workbook: {exc}", parameter="file") from None
    try:
        sheet = book.worksheets[0]
        table = SourceTable(name, "Excel", [])
        if len(book.worksheets) > 1:
            table.notes.append(f"{name} holds {len(book.worksheets)} sheets; read the first, {sheet.title!r}")
        rows = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        line = 0
        for values in rows:
            line += 1
            cells = [_cell(v) for v in values]
            if all(c is None or c == "" for c in cells):
                continue
            if header is None:
                header = [str(c).strip() if c is not None else "" for c in cells]
                while header and not header[-1]:
                    header.pop()
                lon_i, lat_i, wkt_i = (
                    geometry_columns(name, header, point_layer, lon_column, lat_column)
                    if geometry
                    else (None, None, None)
                )
                skip = {i for i in (lon_i, lat_i, wkt_i) if i is not None}
                continue
            if len(table.records) >= MAX_ROWS:
                raise InvalidParameter(f"{name} has more than {MAX_ROWS:,} rows; split it", parameter="file")
            record = SourceRecord(len(table.records) + 1, {}, line=line)
            table.records.append(record)
            cells = (cells + [None] * len(header))[: len(header)]
            record.properties = {
                h: c
                for i, (h, c) in enumerate(zip(header, cells, strict=True))
                if i not in skip and h and c not in (None, "")
            }
            if geometry:
                csv_geometry(record, header, ["" if c is None else str(c) for c in cells], lon_i, lat_i, wkt_i)
    finally:
        book.close()
    if header is None:
        raise InvalidParameter(f"{name} is empty", parameter="file")
    if not table.records:
        raise InvalidParameter(f"{name} has a header but no data rows", parameter="file")
    return table

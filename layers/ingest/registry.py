"""Imports of the registries without a position: key vehicles (两客一危一校) and enterprises.

Like the layer imports: one transaction, every bad row named (row, field, reason), `--skip-invalid`,
the default Chinese column mapping plus `--map`, and an upsert on the natural key (a vehicle's plate,
an enterprise's unified social credit code): a re-import updates, never duplicates.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gis.bulk import copy_rows
from gis.db import connect
from gis.errors import ImportRejected, InvalidParameter, NotFound
from gis.params import text_problem
from gis.sqlfiles import load_sql
from layers.ingest import records
from layers.ingest.facilities import ImportReport
from layers.ingest.readers import decode_text

# value as the registries write it (lower case) → the stored word
_VEHICLE_KINDS = {
    "tour_coach": ("旅游包车", "旅游客车", "包车", "tour_coach"),
    "scheduled_coach": ("班线客车", "三类以上班线客车", "客运班车", "班车", "scheduled_coach"),
    "hazmat": ("危险化学品运输车", "危化品运输车", "危险货物运输车", "危货运输车", "危化品", "危险品", "hazmat"),
    "school_bus": ("校车", "专用校车", "school_bus"),
}
_VEHICLE_STATUS = {
    "active": ("正常", "营运", "在用", "active"),
    "suspended": ("停运", "暂停", "停驶", "suspended"),
    "deregistered": ("注销", "报废", "转出", "deregistered"),
}
_ENTERPRISE_KINDS = {
    "passenger": ("客运", "道路旅客运输", "旅客运输", "passenger"),
    "freight": ("货运", "道路货物运输", "普通货运", "freight"),
    "hazmat": ("危货", "危险货物运输", "危险品运输", "危化品运输", "hazmat"),
    "school": ("校车", "校车运营", "学校", "school"),
    "other": ("其他", "other"),
}
_ENTERPRISE_STATUS = {
    "active": ("正常", "在营", "存续", "active"),
    "suspended": ("停业", "暂停", "suspended"),
    "closed": ("注销", "吊销", "closed"),
}
# 统一社会信用代码 (GB 32100-2015): 18 characters of 0-9 and capitals but I, O, Z, S, V.
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# A plate: a province's character, a letter, then 5 (6 for new-energy) letters or digits, maybe 挂/学/警.
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}[\u4e00-\u9fff]?$")


def _word(table: Mapping[str, tuple[str, ...]]) -> Callable[[str], str | None]:
    lookup = {w.lower(): key for key, words in table.items() for w in words}
    return lambda text: lookup.get(text.strip().lower())


@dataclass(frozen=True)
class Registry:
    """One registry table: its key, required and optional fields and how values are read."""

    id: str
    table: str
    key: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    words: Mapping[str, tuple[Callable[[str], str | None], str]]  # field → (lookup, accepted values)


REGISTRIES = {
    "key_vehicles": Registry(
        "key_vehicles",
        "key_vehicles",
        "plate",
        ("plate", "kind", "enterprise_code", "status", "source"),
        ("plate", "kind"),
        {
            "kind": (_word(_VEHICLE_KINDS), "旅游包车, 班线客车, 危险化学品运输车, 校车"),
            "status": (_word(_VEHICLE_STATUS), "正常, 停运, 注销"),
        },
    ),
    "enterprises": Registry(
        "enterprises",
        "enterprises",
        "code",
        ("code", "name", "kind", "county_adcode", "address", "status", "source"),
        ("code", "name", "kind"),
        {
            "kind": (_word(_ENTERPRISE_KINDS), "客运, 货运, 危货, 校车, 其他"),
            "status": (_word(_ENTERPRISE_STATUS), "正常, 停业, 注销"),
        },
    ),
}


def registry(registry_id: str) -> Registry:
    """The registry called `registry_id` (key_vehicles or enterprises; a hyphen is accepted)."""
    found = REGISTRIES.get(registry_id.replace("-", "_"))
    if found is None:
        raise NotFound(f"unknown registry {registry_id!r}; one of {', '.join(REGISTRIES)}", parameter="layer")
    return found


def read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(row number, {header: value}) of a CSV or .xlsx file; empty rows skipped."""
    name = path.name
    if not path.is_file() or path.stat().st_size == 0:
        raise InvalidParameter(f"{name} is missing or empty", parameter="file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from layers.ingest.xlsx import read_xlsx

        table = read_xlsx(path, point_layer=False, lon_column=None, lat_column=None, geometry=False)
        return [(r.row, r.properties) for r in table.records]
    if suffix != ".csv":
        raise InvalidParameter(f"cannot import {name}: the registry file must be .csv or .xlsx", parameter="file")
    text, _ = decode_text(path)
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max(",;\t", key=first.count), strict=True)
    out: list[tuple[int, dict[str, object]]] = []
    try:
        header = [h.strip() for h in next(reader)]
        for values in reader:
            if not values or all(not v.strip() for v in values):
                continue
            out.append((len(out) + 1, {h: v.strip() for h, v in zip(header, values, strict=False) if v.strip()}))
    except StopIteration:
        raise InvalidParameter(f"{name} is empty", parameter="file") from None
    except csv.Error as exc:
        raise InvalidParameter(f"{name} is not well-formed CSV: {exc}", parameter="file") from None
    if not out:
        raise InvalidParameter(f"{name} has a header but no data rows", parameter="file")
    return out


def _validate(
    reg: Registry, row: dict[str, object]
) -> tuple[dict[str, object], dict[str, object], list[tuple[str, str]]]:
    values: dict[str, object] = {}
    extras: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    for key, raw in row.items():
        text = str(raw).strip()
        problem = text_problem(text) or text_problem(str(key))
        if problem:
            errors.append((str(key), problem))
            continue
        if key not in reg.fields:
            extras[str(key)] = text
            continue
        if key in reg.words:
            lookup, accepted = reg.words[key]
            word = lookup(text)
            if word is None:
                errors.append((key, f'"{text}" is not one of {accepted}'))
                continue
            text = word
        if key == "plate":
            text = re.sub(r"[\s·•.-]", "", text).upper()
            if not _PLATE.match(text):
                errors.append((key, f'"{raw}" is not a plate such as 湘A12345 (or 湘AD12345, 湘A1234挂)'))
                continue
        if key in ("code", "enterprise_code"):
            text = text.upper()
            if not _CREDIT_CODE.match(text):
                errors.append((key, f'"{raw}" is not an 18-character unified social credit code (GB 32100)'))
                continue
        if key == "county_adcode" and not re.fullmatch(r"\d{6}", text):
            errors.append((key, f'"{raw}" is not a 6-digit adcode'))
            continue
        values[key] = text
    for key in reg.required:
        if key not in values and not any(f == key for f, _ in errors):
            errors.append((key, "is required"))
    return values, extras, errors


def import_registry(
    engine: Engine,
    registry_id: str,
    path: Path | str,
    *,
    skip_invalid: bool = False,
    replace: bool = False,
    imported_by: str = "cli",
    column_map: Mapping[str, str] | None = None,
) -> ImportReport:
    """Validate and upsert a registry file (CSV or Excel), all or nothing (see the module doc)."""
    reg = registry(registry_id)
    path = Path(path)
    mapping = records.column_map(reg.id, column_map)
    rows = [(n, records.rename(props, mapping)) for n, props in read_rows(path)]
    report = ImportReport(reg.id, 0, 0, source_file=path.name)
    good: list[tuple[int, dict[str, object], dict[str, object]]] = []
    errors: list[dict] = []
    first_row: dict[object, int] = {}
    for number, props in rows:
        values, extras, problems = _validate(reg, props)
        key = values.get(reg.key)
        if key is not None and key in first_row:
            problems.append((reg.key, f'"{key}" appears more than once in the file (first in row {first_row[key]})'))
        elif key is not None:
            first_row[key] = number
        if problems:
            errors += [{"row": number, "field": f, "reason": r} for f, r in problems]
        else:
            good.append((number, values, extras))
    bad_rows = len({e["row"] for e in errors})
    if not good:
        first = errors[0]
        raise ImportRejected(
            f"{path.name}: none of the {len(rows):,} row(s) is valid, nothing was imported; "
            f"first: row {first['row']}: {first['field']}: {first['reason']}",
            errors=errors,
        )
    if errors and not skip_invalid:
        first = errors[0]
        raise ImportRejected(
            f"{path.name}: {bad_rows:,} of {len(rows):,} row(s) rejected, nothing was imported (fix them, or pass "
            f"--skip-invalid to load the other {len(rows) - bad_rows:,}); first: row {first['row']}: "
            f"{first['field']}: {first['reason']}",
            errors=errors,
        )
    columns = (*reg.fields, "properties")
    with connect(engine) as conn:
        conn.execute(sa.text(load_sql(f"queries/{reg.table}_stage.sql")))
        copy_rows(
            conn,
            "registry_stage",
            columns,
            [
                [values.get(c) if c != "source" else values.get(c, "import") for c in reg.fields]
                + [json.dumps(extras, ensure_ascii=False)]
                for _, values, extras in good
            ],
        )
        flags = [bool(r[0]) for r in conn.execute(sa.text(load_sql(f"queries/{reg.table}_upsert.sql")))]
        report.rows_inserted = sum(flags)
        report.rows_updated = len(flags) - report.rows_inserted
        report.rows_unchanged = len(good) - len(flags)
        if replace:
            report.rows_replaced = conn.execute(sa.text(load_sql(f"queries/{reg.table}_delete_absent.sql"))).rowcount
        report.rows_loaded = len(good)
        report.rows_skipped = bad_rows
        report.errors = errors
        _record_run(conn, reg, path.name, report, imported_by)
    return report


def _record_run(conn: Connection, reg: Registry, source_file: str, report: ImportReport, imported_by: str) -> None:
    conn.execute(
        sa.text(load_sql("queries/facilities_record_run.sql")),
        {
            "layer": reg.id,
            "source_file": source_file,
            "rows_loaded": report.rows_loaded,
            "rows_skipped": report.rows_skipped,
            "imported_by": imported_by,
        },
    )

"""Import facility layers (points, interval speed sections, hazard zones, admin areas) in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from gis.db import connect
from gis.errors import ImportRejected, NotFound, Unprocessable
from gis.settings import Settings
from layers.catalog import LAYERS, ON_ROAD, Layer, importable_layers
from layers.ingest import records, store
from layers.ingest.coords import parse_crs_option, resolve
from layers.ingest.linref import apply_linear_reference, tolerance_m, too_far_from_road
from layers.ingest.readers import read_source
from layers.ingest.validate import Candidate, RowValidator

log = logging.getLogger(__name__)

_SUMMARY_ERRORS = 20  # kinds of problem listed in a summary; the report holds every error


@dataclass
class ImportReport:
    """What an import loaded and which rows it left out (with --skip-invalid)."""

    layer: str
    rows_loaded: int
    rows_skipped: int
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}, 1-based rows
    source_file: str = ""
    rows_replaced: int = 0  # --replace: rows of the layer the file no longer holds, deleted
    notes: list[str] = field(default_factory=list)
    rows_inserted: int = 0  # new natural keys
    rows_updated: int = 0  # known keys whose values changed (ids kept)
    rows_unchanged: int = 0  # known keys, values as stored

    def summary(self) -> str:
        """A few lines for a person: rows loaded, rows skipped and why (alike problems grouped), notes."""
        source = f" from {self.source_file}" if self.source_file else ""
        lines = [
            f"{self.layer}: {self.rows_loaded:,} row(s) loaded{source}: {self.rows_inserted:,} inserted, "
            f"{self.rows_updated:,} updated, {self.rows_unchanged:,} unchanged"
        ]
        if self.rows_replaced:
            lines[0] += f"; {self.rows_replaced:,} row(s) not in the file deleted (--replace)"
        if self.rows_skipped:
            lines.append(f"{self.rows_skipped:,} invalid row(s) skipped (--skip-invalid):")
            groups: dict[tuple[str, str], list[object]] = {}
            for err in self.errors:
                groups.setdefault((err["field"], err["reason"]), []).append(err["row"])
            for (field_name, reason), rows in list(groups.items())[:_SUMMARY_ERRORS]:
                shown_rows = ", ".join(str(r) for r in rows[:5]) + (
                    f", … ({len(rows):,} rows)" if len(rows) > 5 else ""
                )
                lines.append(f"  row{'s' if len(rows) > 1 else ''} {shown_rows}: {field_name}: {reason}")
            if len(groups) > _SUMMARY_ERRORS:
                lines.append(f"  … and {len(groups) - _SUMMARY_ERRORS:,} more kind(s) of problem")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def importable_layer(layer_id: str) -> Layer:
    """The catalogue layer `layer_id` if it can be imported; NotFound/Unprocessable naming the valid ones."""
    valid = ", ".join(importable_layers())
    layer = LAYERS.get(layer_id)
    if layer is None:
        raise NotFound(f"unknown layer {layer_id!r}; importable layers: {valid}", parameter="layer")
    if not layer.importable:
        raise Unprocessable(
            f"layer {layer_id!r} cannot be imported from a file; importable layers: {valid}", parameter="layer"
        )
    return layer


def import_facilities(
    engine: Engine,
    settings: Settings,
    layer_id: str,
    path: Path | str,
    *,
    crs: str | None = "wgs84",
    lon_column: str | None = None,
    lat_column: str | None = None,
    skip_invalid: bool = False,
    replace: bool = False,
    imported_by: str = "cli",
    column_map: Mapping[str, str] | None = None,
) -> ImportReport:
    """Validate and load a GeoJSON, CSV, GeoPackage or Shapefile into a layer, all or nothing.

    Any bad row raises ImportRejected listing every bad row and changes nothing, unless
    `skip_invalid`, when the good rows are loaded and the bad ones reported. Rows are upserted on
    their natural key (layers.ingest.keys): a re-import updates rows in place and never duplicates
    them; `replace` deletes the layer's rows the file does not hold. Columns are renamed by the
    layer's default mapping of Chinese headers plus `column_map` (layers.ingest.records).
    """
    layer = importable_layer(layer_id)
    parse_crs_option(crs)  # an unknown --crs fails before the file is read
    path = Path(path)
    mapping = records.column_map(layer.id, column_map)
    mapped_lon, mapped_lat = records.geometry_columns_from(mapping)
    source = read_source(
        path,
        point_layer=layer.geometry_type == "Point",
        lon_column=lon_column or mapped_lon,
        lat_column=lat_column or mapped_lat,
        positions_optional=layer.id in records.PLACED_BY_CAMERA,
    )
    coords, crs_note = resolve(crs, source.declared_crs)
    report = ImportReport(layer.id, 0, 0, source_file=source.name, notes=list(source.notes))
    if crs_note:
        report.notes.append(crs_note)
    # The file's own header for each property it maps to (事故发生时间 for occurred_at), so that a rejected
    # row names the column the user sees in the file, not only the property it feeds.
    in_file = {k for r in source.records[:100] for k in r.properties}
    column_of = {prop: col for col, prop in mapping.items() if col in in_file and col != prop}
    with connect(engine) as conn:
        placed = records.prepare(conn, layer.id, source, mapping)
        columns = store.table_columns(conn, layer)
        validator = RowValidator(
            layer,
            columns,
            coords,
            settings.service_area,
            truncated_names=source.truncated_names,
            departments=store.departments(conn) if "department" in columns else None,
        )
        candidates = validator.validate_all(source.records)
        for cand in candidates:  # positions taken from the cameras layer are WGS84 already
            if cand.row in placed and cand.geometry is not None:
                cand.geometry = placed[cand.row]
        if validator.recomputed:
            report.notes.append(
                f"recomputed on import, the file's values ignored: {', '.join(sorted(validator.recomputed))}"
            )
        if validator.unstored:
            report.notes.append(
                f"{layer.table} has no column for these, not stored: {', '.join(sorted(validator.unstored))}"
            )
        store.check_unique(conn, layer, candidates)
        good = [c for c in candidates if c.ok]
        stage_ids = store.stage_rows(conn, layer, columns, good)
        store.key_staged_rows(conn, layer, good)
        _reference(conn, layer, settings, good, stage_ids)
        errors = [_error(c, f, r, column_of.get(f)) for c in candidates for f, r in c.errors]
        errors.sort(key=lambda e: e["row"])
        bad_rows = len({e["row"] for e in errors})
        if bad_rows == len(candidates):
            raise ImportRejected(
                f"{source.name}: none of the {len(candidates):,} row(s) is valid, nothing was imported; "
                f"first: row {errors[0]['row']}: {_named(errors[0])}: {errors[0]['reason']}",
                errors=errors,
            )
        if errors and not skip_invalid:
            first = errors[0]
            raise ImportRejected(
                f"{source.name}: {bad_rows:,} of {len(candidates):,} row(s) rejected, nothing was imported "
                f"(fix them, or pass --skip-invalid to load the other {len(candidates) - bad_rows:,}); "
                f"first: row {first['row']}: {_named(first)}: {first['reason']}",
                errors=errors,
            )
        done = store.upsert_staged(
            conn, layer, columns, [i for i, c in zip(stage_ids, good, strict=True) if c.ok], replace=replace
        )
        report.rows_inserted, report.rows_updated, report.rows_unchanged = done.inserted, done.updated, done.unchanged
        report.rows_replaced = done.deleted
        report.rows_loaded = done.inserted + done.updated + done.unchanged
        report.rows_skipped = bad_rows
        report.errors = errors
        store.record_run(conn, layer, source.name, report.rows_loaded, report.rows_skipped, imported_by)
    log.info(
        "imported %d row(s) into %s from %s (%d inserted, %d updated, %d unchanged, %d skipped, %d deleted)",
        report.rows_loaded,
        layer.id,
        source.name,
        report.rows_inserted,
        report.rows_updated,
        report.rows_unchanged,
        report.rows_skipped,
        report.rows_replaced,
    )
    return report


def _error(cand: Candidate, field_name: str, reason: str, column: str | None = None) -> dict:
    error: dict[str, object] = {"row": cand.row, "field": field_name, "reason": reason}
    if column is not None:
        error["column"] = column  # the file's header for the field (事故发生时间)
    if cand.line is not None:
        error["line"] = cand.line
    return error


def _named(error: dict) -> str:
    """The field of an error as the file names it: '事故发生时间 (occurred_at)', else the field."""
    return f"{error['column']} ({error['field']})" if error.get("column") else str(error["field"])


def _reference(conn: Connection, layer: Layer, settings: Settings, good: list[Candidate], ids: list[int]) -> None:
    """Linearly reference the staged rows; those too far from a road get the error on their candidate."""
    limit = tolerance_m(layer, settings)
    if layer.id == "interval_speed_sections":
        store.reference_sections(conn, ids, limit if limit is not None else settings.on_road_tolerance_m)
        return
    if layer.geometry_type != "Point" or layer.placement is None:
        return
    apply_linear_reference(conn, layer, ids, table=store.STAGE)
    far = too_far_from_road(conn, layer, settings, ids, table=store.STAGE)
    by_id = dict(zip(ids, good, strict=True))
    setting = "on_road_tolerance_m" if layer.placement == ON_ROAD else "roadside_tolerance_m"
    for row_id, distance in far:
        if not by_id[row_id].ok:
            continue  # already refused (a repeated code): one reason is enough
        if distance is None:
            reason = (
                f"no road network is loaded, so {layer.id} cannot be placed on a road; "
                "import roads first (daoan import osm)"
            )
        else:
            reason = (
                f"{distance:.0f} m from the nearest road; {layer.id} must lie within {limit:g} m (setting {setting})"
            )
        by_id[row_id].errors.append(("geometry", reason))

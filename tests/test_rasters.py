"""Raster hazards (issue 15): a real SRTM tile over the Monaco OSM extract.

The grades Daoan derives through rasterio are checked against the tile read here independently: the
.hgt bytes parsed with numpy (big-endian int16, 1201 × 1201 samples, row 0 the north edge at 44°N)
and interpolated bilinearly at each segment's ends.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import rasterio
import sqlalchemy as sa
from click.testing import CliRunner
from rasterio.transform import from_origin

from analysis.criteria import default_criteria
from analysis.dem_hazards import swings
from analysis.rasters import import_raster, recompute
from cli import main
from gis.errors import InvalidParameter
from layers.ingest.osm import import_osm
from tests.conftest import DATA, OPERATOR_TOKEN, auth, truncate_all

HGT_ZIP = DATA / "N43E007.hgt.zip"
MONACO = DATA / "monaco.osm.pbf"


def _hgt() -> np.ndarray:
    with zipfile.ZipFile(HGT_ZIP) as zf:
        raw = zf.read("N43E007.hgt")
    return np.frombuffer(raw, dtype=">i2").reshape(1201, 1201).astype(float)


def _bilinear(grid: np.ndarray, lon: float, lat: float) -> float:
    """The tile's altitude at lon/lat: sample (r, c) stands at lat 44 − r/1200, lon 7 + c/1200."""
    c, r = (lon - 7.0) * 1200.0, (44.0 - lat) * 1200.0
    c0, r0 = int(np.floor(c)), int(np.floor(r))
    fc, fr = c - c0, r - r0
    if (grid[r0 : r0 + 2, c0 : c0 + 2] == -32768).any():  # a void of the tile (SRTM3 has some)
        return float("nan")
    top = grid[r0, c0] * (1 - fc) + grid[r0, c0 + 1] * fc
    bottom = grid[r0 + 1, c0] * (1 - fc) + grid[r0 + 1, c0 + 1] * fc
    return float(top * (1 - fr) + bottom * fr)


@pytest.fixture(scope="module")
def rsettings(settings, tmp_path_factory):
    """The test settings with their own var/ (the stored rasters)."""
    return replace(settings, var_dir=tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="module")
def monaco_dem(engine, rsettings):
    truncate_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rasters"))
    import_osm(engine, rsettings, MONACO)
    report = import_raster(engine, rsettings, "dem", HGT_ZIP, imported_by="test")
    yield report
    truncate_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rasters"))


def rows(engine: sa.Engine, sql: str, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_the_raster_is_recorded_with_its_grid_and_stored(monaco_dem, engine, rsettings):
    (r,) = rows(engine, "SELECT *, ST_XMin(extent) AS w, ST_YMax(extent) AS n FROM rasters")
    assert r.kind == "dem" and r.crs == "EPSG:4326"
    assert (r.width, r.height) == (1201, 1201)
    assert r.resolution_x == pytest.approx(1 / 1200)
    assert 60 < r.resolution_m < 95  # 3″ at 43.5°N: about 67 m east–west, 93 m north–south
    assert r.w == pytest.approx(7 - 0.5 / 1200) and r.n == pytest.approx(44 + 0.5 / 1200)
    assert r.checksum == hashlib.sha256(HGT_ZIP.read_bytes()).hexdigest()
    assert r.nodata == -32768
    stored = rsettings.var_dir / "rasters" / r.file
    with rasterio.open(stored) as ds:
        assert ds.driver == "GTiff" and (ds.width, ds.height) == (1201, 1201)


def test_grades_of_open_air_segments_match_the_tile_read_independently(monaco_dem, engine):
    grid = _hgt()
    step = max(30.0, monaco_dem.resolution_m / 2)  # every 30 m, no closer than half a cell
    pieces = rows(
        engine,
        "SELECT s.id, s.length_m, ST_X(ST_StartPoint(s.geom)) AS x0, ST_Y(ST_StartPoint(s.geom)) AS y0, "
        "ST_X(ST_EndPoint(s.geom)) AS x1, ST_Y(ST_EndPoint(s.geom)) AS y1, t.grade_pct, t.altitude_min_m, "
        "t.altitude_max_m, t.samples "
        "FROM road_segments s JOIN segment_terrain t ON t.id = s.id "
        "WHERE NOT s.bridge AND NOT s.tunnel AND s.length_m >= 100",
    )
    assert len(pieces) > 500
    steep = full = 0
    for p in pieces:
        z0, z1 = _bilinear(grid, p.x0, p.y0), _bilinear(grid, p.x1, p.y1)
        if np.isnan(z0) or np.isnan(z1):
            assert p.grade_pct is None, p.id
            continue
        expected = (z1 - z0) / p.length_m * 100.0
        assert p.grade_pct == pytest.approx(expected, abs=0.01), p.id
        assert p.altitude_min_m - 0.01 <= min(z0, z1) and max(z0, z1) <= p.altitude_max_m + 0.01
        planned = int(np.ceil(p.length_m / step)) + 1  # both ends included
        assert p.samples <= planned
        full += p.samples == planned
        steep += abs(expected) > 8
    assert full > 0.9 * len(
        pieces
    )  # the others touch a void of the tile  # Monaco climbs from the sea to the A8 at 300–500 m: real, steep grades


def test_tunnels_and_bridges_get_no_ground_values(monaco_dem, engine):
    structures = rows(
        engine,
        "SELECT t.structure, s.bridge, s.tunnel, t.grade_pct, t.altitude_mean_m FROM segment_terrain t "
        "JOIN road_segments s ON s.id = t.id WHERE s.bridge OR s.tunnel",
    )
    assert len(structures) > 50
    for r in structures:
        assert r.structure == ("tunnel" if r.tunnel else "bridge")
        assert r.grade_pct is None and r.altitude_mean_m is None


def test_long_downgrades_become_hazard_zones_replaced_on_rerun(monaco_dem, engine, rsettings):
    before = rows(
        engine,
        "SELECT natural_key, kind, name, severity, properties FROM hazard_zones WHERE source = 'dem' ORDER BY natural_key",
    )
    downgrades = [z for z in before if z.kind == "steep_grade"]
    assert downgrades, "the descents from La Turbie to Monaco are long downgrades"
    rules = default_criteria().downgrade_rules
    for z in downgrades:
        props = z.properties
        assert props["drop_m"] > 0 and props["length_m"] > 0
        assert props["average_grade_pct"] == pytest.approx(props["drop_m"] / props["length_m"] * 100, abs=0.02)
        assert set(props["rules"]) <= {r.name for r in rules}
        assert "连续长下坡" in z.name
    again = recompute(engine, rsettings, "dem")
    after = rows(
        engine,
        "SELECT natural_key, kind, name, severity, properties FROM hazard_zones WHERE source = 'dem' ORDER BY natural_key",
    )
    assert after == before
    assert again["hazard_zones"] == len(before)


def test_icing_sections_lie_above_the_altitude_given(monaco_dem, engine, rsettings):
    shipped = rows(engine, "SELECT properties FROM hazard_zones WHERE source = 'dem' AND kind = 'ice'")
    assert all(z.properties["altitude_max_m"] >= 600 for z in shipped)
    criteria = replace(default_criteria(), icing_min_altitude_m=400.0)
    recompute(engine, rsettings, "dem", criteria)
    ice = rows(
        engine, "SELECT properties, ST_AsText(geom) AS g FROM hazard_zones WHERE source = 'dem' AND kind = 'ice'"
    )
    assert len(ice) > len(shipped)
    for z in ice:
        assert z.properties["altitude_max_m"] >= 400
    # Every open-air segment lying inside an icing zone is at least partly that high.
    low = rows(
        engine,
        "SELECT t.id FROM segment_terrain t JOIN hazard_zones z ON z.source = 'dem' AND z.kind = 'ice' "
        "AND ST_Within(t.geom, z.geom) WHERE t.structure IS NULL AND t.altitude_max_m < 380",
    )
    assert not low
    recompute(engine, rsettings, "dem")  # back to the shipped criteria
    assert len(rows(engine, "SELECT 1 FROM hazard_zones WHERE source = 'dem' AND kind = 'ice'")) == len(shipped)


def test_swings_ignore_wiggles_within_the_tolerance():
    z = np.array([100, 90, 95, 60, 58, 62, 40, 70, 120, 110, 130], dtype=float)
    assert swings(z, 15.0) == [0, 6, 10]


def _geotiff(path: Path, value: np.ndarray, *, west: float = 7.3, north: float = 43.8, cell: float = 0.01) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=value.shape[1],
        height=value.shape[0],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, cell, cell),
        nodata=-9999,
    ) as ds:
        ds.write(value.astype("float32"), 1)
    return path


def test_other_rasters_give_values_along_segments_replaced_on_reimport(monaco_dem, engine, rsettings, tmp_path):
    rows_, cols = 12, 25
    ramp = np.tile(np.arange(cols, dtype=float), (rows_, 1))  # grows eastwards by 1 per 0.01°
    first = import_raster(engine, rsettings, "fog_frequency", _geotiff(tmp_path / "fog.tif", ramp), imported_by="t")
    n = first.derived["segment_raster_values"]
    assert n > 1000
    sample = rows(
        engine,
        "SELECT v.mean, v.max, ST_XMin(s.geom) AS w, ST_XMax(s.geom) AS e FROM segment_raster_values v "
        "JOIN road_segments s ON s.id = v.segment_id WHERE v.kind = 'fog_frequency'",
    )
    for r in sample:
        # The value is (lon − 7.3) / 0.01 − 0.5 between cell centres: within the segment's span.
        assert (
            (r.w - 7.3) / 0.01 - 0.5 - 1e-4 <= r.mean <= r.max <= (r.e - 7.3) / 0.01 - 0.5 + 1e-4
        )  # stored to 4 places
    old_file = rows(engine, "SELECT file FROM rasters WHERE kind = 'fog_frequency'")[0].file
    second = import_raster(
        engine, rsettings, "fog_frequency", _geotiff(tmp_path / "fog2.tif", ramp * 2), imported_by="t"
    )
    assert second.replaced
    assert rows(engine, "SELECT count(*) AS n FROM rasters WHERE kind = 'fog_frequency'")[0].n == 1
    assert rows(engine, "SELECT count(*) AS n FROM segment_raster_values WHERE kind = 'fog_frequency'")[0].n == n
    assert not (rsettings.var_dir / "rasters" / old_file).exists()
    doubled = rows(engine, "SELECT sum(mean) AS s FROM segment_raster_values WHERE kind = 'fog_frequency'")[0].s
    assert doubled == pytest.approx(2 * sum(r.mean for r in sample), rel=1e-3)
    # The DEM's derived data is untouched by another kind.
    assert rows(engine, "SELECT count(*) AS n FROM segment_terrain")[0].n == monaco_dem.derived["segment_terrain"]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.tif", b"just some text", "no TIFF header"),
        ("N43E007.hgt", b"\x00" * 1000, "1201² or 3601²"),
        ("tile.hgt", b"\x00" * (1201 * 1201 * 2), "named after its south-west corner"),
        ("fake.tif", b"II*\x00" + b"\x00" * 100, "GDAL could not open it"),
    ],
)
def test_bad_files_are_refused_naming_the_file(engine, rsettings, tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidParameter) as err:
        import_raster(engine, rsettings, "dem", path, imported_by="t")
    assert name in err.value.detail and says in err.value.detail and err.value.parameter == "file"
    assert str(tmp_path) not in err.value.detail  # the server's paths stay out of the message


def test_a_zip_must_hold_one_raster(engine, rsettings, tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.tif", b"II*\x00")
        zf.writestr("b.tif", b"II*\x00")
    with pytest.raises(InvalidParameter, match="exactly one .hgt or .tif file, it holds 2"):
        import_raster(engine, rsettings, "dem", path, imported_by="t")


def test_cli_refuses_a_bad_kind_and_a_bad_file_with_exit_2(rsettings, tmp_path):
    bad = tmp_path / "x.tif"
    bad.write_bytes(b"hello")
    result = CliRunner().invoke(main, ["import", "raster", "--kind", "DEM!", str(bad)], obj=rsettings)
    assert result.exit_code == 2 and "kind 'DEM!'" in result.output
    result = CliRunner().invoke(main, ["import", "raster", "--kind", "dem", str(bad)], obj=rsettings)
    assert result.exit_code == 2 and "x.tif cannot be read as a raster" in result.output


@pytest.fixture(scope="module")
def raster_client(rsettings):
    from app import create_app
    from gis.root import root_of

    application = create_app(rsettings)
    application.config["TESTING"] = True
    yield application.test_client()
    root_of(application).engine.dispose()


def test_http_import_needs_the_admin_token(monaco_dem, raster_client):
    body = HGT_ZIP.read_bytes()
    answer = raster_client.post("/imports/raster?kind=dem", data=body, content_type="application/zip")
    assert answer.status_code == 401
    answer = raster_client.post(
        "/imports/raster?kind=dem", data=body, content_type="application/zip", headers=auth(OPERATOR_TOKEN)
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("query", "content_type", "body", "parameter"),
    [
        ("kind=Dem", "application/zip", b"PK", "kind"),
        ("", "application/zip", b"PK", "kind"),
        ("kind=dem", "text/plain", b"hello", "Content-Type"),
        ("kind=dem", "image/tiff", b"hello", "file"),
        ("kind=dem", "application/zip", b"PK\x03\x04 broken", "file"),
    ],
)
def test_http_bad_uploads_are_400_naming_the_parameter(raster_client, query, content_type, body, parameter):
    answer = raster_client.post(f"/imports/raster?{query}", data=body, content_type=content_type, headers=auth())
    assert answer.status_code == 400
    problem = answer.get_json()
    assert answer.mimetype == "application/problem+json" and problem["parameter"] == parameter


def test_http_import_of_the_zipped_tile_derives_the_same_grades(monaco_dem, raster_client, engine):
    before = rows(engine, "SELECT id, grade_pct FROM segment_terrain ORDER BY id")
    answer = raster_client.post(
        "/imports/raster?kind=dem",
        data={"file": (HGT_ZIP.open("rb"), "N43E007.hgt.zip")},
        content_type="multipart/form-data",
        headers=auth(),
    )
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()
    assert report["kind"] == "dem" and report["replaced"] is True and report["width"] == 1201
    assert report["derived"]["segment_terrain"] == len(before)
    assert rows(engine, "SELECT id, grade_pct FROM segment_terrain ORDER BY id") == before
    assert rows(engine, "SELECT imported_by FROM rasters WHERE kind = 'dem'")[0].imported_by == "admin"


def test_cli_imports_and_derives_again(monaco_dem, rsettings, engine):
    result = CliRunner().invoke(main, ["import", "raster", "--kind", "dem", str(HGT_ZIP)], obj=rsettings)
    assert result.exit_code == 0, result.output
    assert "raster dem: 1201×1201 cells" in result.output and "replacing the previous one" in result.output
    result = CliRunner().invoke(main, ["analysis", "grades"], obj=rsettings)
    assert result.exit_code == 0, result.output
    terrain = rows(engine, "SELECT count(*) AS n FROM segment_terrain")[0].n
    assert (
        f"segment_terrain {terrain:>10,}".split()
        == next(line for line in result.output.splitlines() if line.startswith("segment_terrain")).split()
    )
    result = CliRunner().invoke(main, ["analysis", "grades", "--kind", "rainfall"], obj=rsettings)
    assert result.exit_code == 2 and "no raster of kind 'rainfall' is imported" in result.output


def test_bulk_replace_keeps_keys_and_indexes(monaco_dem, engine, rsettings, monkeypatch, tmp_path):
    """The owner's fast path (indexes and foreign keys dropped, then made again) as a province uses it."""
    import analysis.bulk

    catalog = (
        "SELECT (SELECT array_agg(conname ORDER BY conname) FROM pg_constraint "
        "        WHERE conrelid IN ('segment_terrain'::regclass, 'segment_raster_values'::regclass)) AS keys, "
        "       (SELECT array_agg(indexdef ORDER BY indexdef) FROM pg_indexes "
        "        WHERE tablename IN ('segment_terrain', 'segment_raster_values')) AS indexes"
    )
    before = rows(engine, catalog)
    grades = rows(engine, "SELECT id, grade_pct, altitude_mean_m FROM segment_terrain ORDER BY id")
    monkeypatch.setattr(analysis.bulk, "BULK_ROWS", 0)
    recompute(engine, rsettings, "dem")
    fog = _geotiff(tmp_path / "fog.tif", np.full((12, 25), 7.0))
    assert import_raster(engine, rsettings, "rainfall", fog, imported_by="t").derived["segment_raster_values"] > 1000
    assert rows(engine, catalog) == before
    assert rows(engine, "SELECT id, grade_pct, altitude_mean_m FROM segment_terrain ORDER BY id") == grades
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # the key is in force again
        conn.execute(sa.text("INSERT INTO segment_raster_values (segment_id, kind) VALUES (-1, 'x')"))


def test_a_projected_raster_is_sampled_where_it_lies(monaco_dem, engine, rsettings, tmp_path):
    """A raster in Web Mercator metres: its extent is kept in lon/lat and each segment is sampled at its
    own place (values grow by 1 per 100 m eastwards)."""
    from pyproj import Transformer

    to_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
    west, north = to_3857.transform(7.30, 43.80)
    cols, rows_ = 250, 130
    path = tmp_path / "ramp3857.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=cols, height=rows_, count=1, dtype="float32", crs="EPSG:3857",
        transform=from_origin(west, north, 100.0, 100.0),
    ) as ds:  # fmt: skip
        ds.write(np.tile(np.arange(cols, dtype="float32"), (rows_, 1)), 1)
    report = import_raster(engine, rsettings, "traffic_volume", path, imported_by="t")
    assert report.crs == "EPSG:3857" and report.resolution_m == pytest.approx(100.0)
    assert report.extent[0] == pytest.approx(7.30) and report.extent[3] == pytest.approx(43.80)
    sample = rows(
        engine,
        "SELECT v.mean, ST_XMin(s.geom) AS w, ST_XMax(s.geom) AS e FROM segment_raster_values v "
        "JOIN road_segments s ON s.id = v.segment_id WHERE v.kind = 'traffic_volume'",
    )
    assert len(sample) > 1000
    for r in sample:
        lo = (to_3857.transform(r.w, 43.7)[0] - west) / 100.0 - 0.5
        hi = (to_3857.transform(r.e, 43.7)[0] - west) / 100.0 - 0.5
        assert lo - 1e-3 <= r.mean <= hi + 1e-3


def test_grades_are_served_as_features_and_tiles(monaco_dem, raster_client, engine):
    steep = rows(engine, "SELECT id, grade_pct FROM segment_terrain WHERE abs(grade_pct) > 8 ORDER BY id LIMIT 1")[0]
    answer = raster_client.get(f"/collections/segment_terrain/items/{steep.id}")
    assert answer.status_code == 200
    feature = answer.get_json()
    assert feature["properties"]["grade_pct"] == pytest.approx(steep.grade_pct)
    assert feature["geometry"]["type"] == "LineString"
    tile = raster_client.get("/tiles/segment_terrain/14/8529/5973.mvt")  # 7.42°E 43.74°N, Monaco
    assert tile.status_code == 200 and len(tile.data) > 100


def test_a_dem_imported_before_any_road_is_stored_with_no_grades(engine, rsettings):
    """A deployment may load its DEM first: nothing to sample is an answer, not a failure."""
    truncate_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rasters"))
    try:
        import_raster(engine, rsettings, "dem", HGT_ZIP, imported_by="test")
        assert [r.kind for r in rows(engine, "SELECT kind FROM rasters")] == ["dem"]
        assert rows(engine, "SELECT count(*) AS n FROM hazard_zones")[0].n == 0
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM rasters"))

"""The GeoAlchemy2 models are the schema's single declaration: they agree with the migrated database
column by column (type, nullability, generated columns, geometry type and SRID, foreign keys), and the
layer catalogue agrees with them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from geoalchemy2 import Geometry

from gis.models import Base, insert_columns
from layers.catalog import DATA_TABLES, LAYERS

# PostGIS's own table and the migrator's bookkeeping (gis/migrate.py creates it, not a migration).
NOT_DAOAN = {"spatial_ref_sys", "schema_migrations"}
# What each catalogue property type may be stored as.
PROPERTY_TYPES = {
    "string": (sa.Text,),
    "integer": (sa.SmallInteger, sa.Integer, sa.BigInteger),
    "number": (sa.Float,),
    "boolean": (sa.Boolean,),
    "datetime": (sa.DateTime,),
    "date": (sa.Date,),
}
MODELS = sorted(Base.metadata.tables.values(), key=lambda t: t.name)


@pytest.fixture(scope="module")
def inspector(engine):
    return sa.inspect(engine)


def test_every_daoan_table_in_the_public_schema_has_a_model(engine):
    with engine.connect() as conn:
        live = set(
            conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL (:x)"),
                {"x": sorted(NOT_DAOAN)},
            ).scalars()
        )
    missing = live - set(Base.metadata.tables)
    assert not missing, f"tables without a model in gis/models.py: {sorted(missing)}"
    assert set(Base.metadata.tables) <= live, "models of tables no migration creates"


@pytest.mark.parametrize("table", MODELS, ids=lambda t: t.name)
def test_model_nullability_and_generated_columns_match(inspector, table):
    live = {c["name"]: c for c in inspector.get_columns(table.name)}
    for column in table.columns:
        assert column.name in live, f"{table.name}.{column.name} is not in the database"
        assert column.nullable == live[column.name]["nullable"], (
            f"{table.name}.{column.name}: database nullable={live[column.name]['nullable']}, model {column.nullable}"
        )
        generated = live[column.name].get("computed") is not None
        assert generated == (column.computed is not None), f"{table.name}.{column.name}: generated={generated}"


@pytest.mark.parametrize("table", MODELS, ids=lambda t: t.name)
def test_model_geometry_type_and_srid_match(engine, table):
    with engine.connect() as conn:
        live = {
            r.f_geometry_column: (r.type, r.srid)
            for r in conn.execute(
                sa.text("SELECT f_geometry_column, type, srid FROM geometry_columns WHERE f_table_name = :t"),
                {"t": table.name},
            )
        }
    model = {c.name: (c.type.geometry_type, c.type.srid) for c in table.columns if isinstance(c.type, Geometry)}
    assert model == live


@pytest.mark.parametrize("table", MODELS, ids=lambda t: t.name)
def test_model_foreign_keys_match(inspector, table):
    live = {
        (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
        for fk in inspector.get_foreign_keys(table.name)
    }
    model = {
        ((fk.parent.name,), fk.column.table.name, (fk.column.name,))
        for column in table.columns
        for fk in column.foreign_keys
    }
    assert model == live


def test_every_layer_is_modelled_with_compatible_property_types():
    for layer in LAYERS.values():
        table = Base.metadata.tables.get(layer.table)
        assert table is not None, f"layer {layer.id}: no model of table {layer.table}"
        for prop in layer.properties:
            column = table.columns.get(prop.name)
            assert column is not None, f"{layer.id}.{prop.name} has no column in the model"
            assert isinstance(column.type, PROPERTY_TYPES[prop.type]), f"{layer.id}.{prop.name}: {column.type}"
            if prop.required:
                assert not column.nullable, f"{layer.id}.{prop.name} is required but nullable in the model"


def test_every_layer_table_is_versioned_by_the_migrations(engine):
    """The trigger bumping layer_versions (what tiles, features and the map's live layers key on)."""
    with engine.connect() as conn:
        tracked = set(conn.execute(sa.text("SELECT layer FROM layer_versions")).scalars())
    untracked = {layer.table for layer in LAYERS.values()} - tracked
    assert not untracked, f"layer tables without daoan_track_layer in a migration: {sorted(untracked)}"


def test_data_tables_hold_every_layer_and_no_bookkeeping():
    assert {layer.table for layer in LAYERS.values()} <= set(DATA_TABLES)
    assert set(DATA_TABLES) <= set(Base.metadata.tables)
    assert "layer_versions" not in DATA_TABLES and "coverage_standards" not in DATA_TABLES
    # Children before parents.
    position = {name: i for i, name in enumerate(DATA_TABLES)}
    for name in DATA_TABLES:
        for fk in Base.metadata.tables[name].foreign_keys:
            if fk.column.table.name in position and fk.column.table.name != name:
                assert position[name] < position[fk.column.table.name], (name, fk.column.table.name)


def test_insert_columns_leave_out_generated_columns():
    from gis.models import RoadSegment

    columns = insert_columns(RoadSegment, omit=("source_id",))
    assert "geom_3857" not in columns and "source_id" not in columns and columns[0] == "id"
    with pytest.raises(ValueError, match="no columns"):
        insert_columns(RoadSegment, omit=("nonesuch",))


@pytest.mark.parametrize("table", MODELS, ids=lambda t: t.name)
def test_model_unique_columns_match(inspector, table):
    live = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
    live |= {tuple(i["column_names"]) for i in inspector.get_indexes(table.name) if i["unique"]}
    model = {(c.name,) for c in table.columns if c.unique}
    model |= {tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, sa.UniqueConstraint)}
    assert model == live

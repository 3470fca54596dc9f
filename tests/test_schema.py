"""The migrations and the GeoAlchemy2 models describe the same schema."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from gis.migrate import available_migrations, migrate, pending_migrations
from gis.models import Base
from layers.catalog import LAYERS


def _sql_type(type_: sa.types.TypeEngine) -> str:
    """The type as PostgreSQL spells it (geometry with its type and SRID)."""
    if isinstance(type_, Geometry):
        return f"geometry({type_.geometry_type},{type_.srid})".upper()
    return type_.compile(dialect=postgresql.dialect()).upper()


def test_every_migration_is_applied_once_and_recorded(engine):
    assert pending_migrations(engine) == []
    assert migrate(engine) == []
    with engine.connect() as conn:
        versions = [r[0] for r in conn.execute(sa.text("SELECT version FROM schema_migrations ORDER BY version"))]
    assert versions == [m.version for m in available_migrations()]


def test_models_match_live_database(engine):
    inspector = sa.inspect(engine)
    for table in Base.metadata.sorted_tables:
        live = {c["name"]: c for c in inspector.get_columns(table.name)}
        model = {c.name: c for c in table.columns}
        assert set(live) == set(model), f"{table.name}: columns differ: {set(live) ^ set(model)}"
        for name, column in model.items():
            live_type, model_type = _sql_type(live[name]["type"]), _sql_type(column.type)
            if model_type == "FLOAT":
                model_type = "DOUBLE PRECISION"
            assert live_type == model_type, f"{table.name}.{name}: database {live_type}, model {model_type}"
        pk = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert pk == [c.name for c in table.primary_key.columns], table.name


def test_every_live_table_has_a_model(engine):
    live = set(sa.inspect(engine).get_table_names()) - {"spatial_ref_sys", "schema_migrations"}
    assert live == set(Base.metadata.tables)


def test_every_layer_has_its_table_and_declared_columns(engine):
    inspector = sa.inspect(engine)
    for layer in LAYERS.values():
        columns = {c["name"] for c in inspector.get_columns(layer.table)}
        assert {"id", "geom", "geom_3857"} <= columns, layer.id
        missing = set(layer.property_names) - columns
        assert not missing, f"{layer.id} declares {missing} missing in the table"


def test_layer_version_bumps_on_write(engine):
    with engine.begin() as conn:
        before = conn.execute(sa.text("SELECT version FROM layer_versions WHERE layer = 'hazard_zones'")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO hazard_zones (kind, geom) VALUES ('fog', "
                "ST_Multi(ST_MakeEnvelope(112.9, 28.1, 113.0, 28.2, 4326)))"
            )
        )
        after = conn.execute(sa.text("SELECT version FROM layer_versions WHERE layer = 'hazard_zones'")).scalar_one()
        conn.execute(sa.text("DELETE FROM hazard_zones"))
    assert after == before + 1


def test_every_live_layer_bumps_its_version_and_notifies(engine):
    """The map reloads a live layer's tiles when /versions moves: the SQL must version every table the
    catalogue marks live (and every other layer table, which tile caches key on)."""
    tracked = sa.text(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE p.proname = 'daoan_bump_layer_version' AND NOT t.tgisinternal"
    )
    with engine.connect() as conn:
        triggered = {r[0] for r in conn.execute(tracked)}
        versioned = {r[0] for r in conn.execute(sa.text("SELECT layer FROM layer_versions"))}
    live = {layer.table for layer in LAYERS.values() if layer.live}
    assert live and live <= triggered and live <= versioned
    assert {layer.table for layer in LAYERS.values()} <= triggered


def test_generated_3857_column_follows_geom(engine):
    with engine.begin() as conn:
        x = conn.execute(
            sa.text(
                "INSERT INTO admin_seats (name, adcode, level, geom) VALUES ('长沙', '430100', 'city', "
                "ST_SetSRID(ST_MakePoint(112.94, 28.23), 4326)) RETURNING ST_X(geom_3857)"
            )
        ).scalar_one()
        conn.execute(sa.text("DELETE FROM admin_seats"))
    assert abs(x - 12_572_627) < 5_000

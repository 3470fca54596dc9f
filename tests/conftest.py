"""Test fixtures: a throwaway PostGIS database in the project's cluster (or DAOAN_DATABASE_URL's server)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gis.cluster import ensure_cluster
from gis.db import create_db_engine
from gis.migrate import migrate
from gis.root import root_of
from gis.settings import APP_ROLE, Settings, Token, load_settings
from layers.catalog import DATA_TABLES

DATA = Path(__file__).parent / "data"
ADMIN_TOKEN = "test-admin-" + secrets.token_hex(8)
OPERATOR_TOKEN = "test-operator-" + secrets.token_hex(8)


def _server_url(base: Settings) -> sa.engine.URL:
    url = sa.engine.make_url(base.url("postgres"))
    return url.set(database="postgres")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings pointing at a fresh database, dropped at the end of the session."""
    base = load_settings()
    ensure_cluster(base)
    server = _server_url(base)
    name = f"daoan_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    test_url = server.set(database=name).render_as_string(hide_password=False)
    settings = replace(
        base,
        database_url=test_url,
        api_token=ADMIN_TOKEN,
        tokens=(Token(OPERATOR_TOKEN, "operator-1", "operator"),),
        # The test client is the "reverse proxy" of the forwarded-header tests (gis/proxies.py).
        trusted_proxies=("127.0.0.1",),
    )
    engine = create_db_engine(settings)
    migrate(engine)
    engine.dispose()
    yield settings
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> sa.Engine:
    engine = create_db_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings):
    from app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    root_of(application).engine.dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


def truncate_all(engine: sa.Engine) -> None:
    """Empty every data table (ids restart), keeping the schema."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))


@pytest.fixture()
def empty_db(engine: sa.Engine) -> sa.Engine:
    """The test database with every data table emptied."""
    truncate_all(engine)
    return engine


def app_role_env(settings: Settings) -> dict[str, str]:
    """DAOAN_APP_DATABASE_URL for a server of the test database: the application role on the project's
    own cluster (as `daoan serve` connects there), nothing when DAOAN_DATABASE_URL was given."""
    if load_settings().database_url or not settings.database_url:
        return {}
    url = sa.engine.make_url(settings.database_url).set(username=APP_ROLE)
    return {"DAOAN_APP_DATABASE_URL": url.render_as_string(hide_password=False)}


def auth(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def module_data(loader: Callable[[sa.Engine], None], *, name: str) -> Any:
    """A module-wide autouse fixture `name`: every data table emptied, `loader` run, emptied again after."""

    @pytest.fixture(scope="module", autouse=True, name=name)
    def _fixture(engine: sa.Engine):
        truncate_all(engine)
        loader(engine)
        yield
        truncate_all(engine)

    return _fixture

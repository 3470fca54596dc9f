"""A restore moves every layer version forward: caches keyed by (layer, version) never mistake the
restored rows for rows they already hold."""

from __future__ import annotations

import sqlalchemy as sa

from gis.backup import backup, restore
from tests.conftest import module_data
from tests.netfixture import load_small_network

_data = module_data(load_small_network, name="_data")


def _versions(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT layer, version FROM layer_versions")).all())


def test_a_restore_moves_every_layer_version_past_all_seen_before(settings, engine, tmp_path):
    dump = backup(settings, tmp_path)
    with engine.begin() as conn:  # a change after the dump: the restore takes the data back before it
        conn.execute(sa.text("UPDATE cameras SET name = name || ' (edited)' WHERE id = (SELECT min(id) FROM cameras)"))
    before = _versions(engine)
    restore(settings, dump)
    after = _versions(engine)
    assert set(after) == set(before)
    assert min(after.values()) > max(before.values())
    with engine.connect() as conn:  # and the rows are the dump's
        assert not conn.execute(sa.text("SELECT count(*) FROM cameras WHERE name LIKE '% (edited)'")).scalar()

"""The composition root: every long-lived object of a process, built once and handed to each subsystem.

`app.build_root(settings)` builds it (for the web app in `app.create_app`, for the command line in its
root group); each subsystem's `init_app(app, root)` and command receive it, and request handlers reach
it with `current_root()`. Nothing here imports a subsystem at run time: the fields' types are named for
the type checker only, so that gis/ stays the ground floor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from gis.answers import AnswerCache
from gis.audit import AuditLog
from gis.errors import DaoanError
from gis.readroute import primary_only
from gis.settings import Settings
from gis.versions import LayerVersions, Refresher

if TYPE_CHECKING:
    from gis.replicas import Replicas
    from layers.features import LayerStatsCache
    from planning.data import DataCache
    from routing.service import Router
    from tiles.service import TileService

log = logging.getLogger(__name__)
_KEY = "daoan.root"  # the one app.extensions key; read only through root_of()

# (a layers.catalog.Layer, the collection's href) → links a subsystem adds to the collection document
CollectionLinks = Callable[[Any, str], list[dict[str, Any]]]


class DerivedLayer(Refresher, Protocol):
    """A layer computed from others (coverage_gaps): refreshed before it is read, by tiles through the
    versions and by the features API through `ensure_current`."""

    def check_filters(self, conn: sa.Connection, args: Mapping[str, str]) -> None:
        """Refuse (4xx) a features query on the layer that can only match nothing, naming the valid values."""
        ...


@dataclass(frozen=True)
class Api:
    """What the subsystems add to the app's self-description: conformance classes, OpenAPI paths,
    links on each collection."""

    conformance: tuple[str, ...] = ()
    openapi_paths: Mapping[str, Any] = field(default_factory=dict)
    collection_links: tuple[CollectionLinks, ...] = ()

    @staticmethod
    def merge(parts: Sequence[Api]) -> Api:
        """The parts together, in order (a conformance class once)."""
        conformance: list[str] = []
        paths: dict[str, Any] = {}
        for part in parts:
            conformance.extend(c for c in part.conformance if c not in conformance)
            paths.update(part.openapi_paths)
        links = tuple(fn for part in parts for fn in part.collection_links)
        return Api(tuple(conformance), MappingProxyType(paths), links)

    def links(self, layer: Any, href: str) -> list[dict[str, Any]]:
        """Every subsystem's links for the collection of `layer` at `href`."""
        return [link for fn in self.collection_links for link in fn(layer, href)]


@dataclass(frozen=True)
class Root:
    """Settings, the database engine, the layer versions and each subsystem's per-process service."""

    settings: Settings
    engine: sa.Engine
    versions: LayerVersions  # one view of layer_versions for the whole process
    derived: Mapping[str, DerivedLayer]  # table → its refresher (coverage_gaps)
    tiles: TileService
    router: Router
    coverage_cache: DataCache
    layer_stats: LayerStatsCache
    api: Api = Api()
    audit: AuditLog | None = None  # reads of internal layers (gis/audit.py); None: not recorded
    # Costly answers (diversion, isochrone, suggest) by parameters and what they were computed from.
    answers: AnswerCache = field(default_factory=AnswerCache)
    replicas: Replicas | None = None  # read replicas (DAOAN_READ_DATABASE_URL); None: every read on the primary

    def ensure_current(self, table: str) -> None:
        """Bring `table` up to date when it is a derived layer (a read of it follows)."""
        layer = self.derived.get(table)
        if layer is None:
            return
        try:
            with primary_only():  # the refresh writes: on the primary, whatever this request reads
                layer.ensure_current(self.engine)
        except DaoanError:
            if self.replicas is None:
                raise  # the database is down: 503
            log.warning("refreshing %s needs the primary, unreachable; serving it as the replica has it", table)
        except Exception:
            log.exception("refreshing %s failed; serving it as stored", table)

    def close(self) -> None:
        """Stop background work and close the connection pools."""
        if self.audit is not None:
            self.audit.close()
        self.tiles.close()
        self.router.close()
        self.versions.close()
        if self.replicas is not None:
            self.replicas.dispose()
        self.engine.dispose()


def install(app: Flask, root: Root) -> None:
    """Make `root` the app's composition root."""
    app.extensions[_KEY] = root


def root_of(app: Flask) -> Root:
    """The composition root of `app`."""
    root: Root = app.extensions[_KEY]
    return root


def current_root() -> Root:
    """The composition root of the app handling the current request."""
    return root_of(current_app)  # type: ignore[arg-type]

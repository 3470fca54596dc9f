"""Which server a request reads from: the primary's engines stand for a replica's during a read.

A server with read replicas (gis/replicas.py) marks each GET and HEAD request as a read
(`reading(choice)`); the first time that request opens a connection on an engine that has replicas
attached, the choice picks one server (a healthy replica, or the primary) for the whole request, and
`gis.db.connect` / `with_lean` use that server's engine of the same kind. Code that runs outside a
read request (writes, the audit writer, background threads) gets the engine it names: the primary.
Nothing else in the code base has to know; the helpers below are for the few places that must.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Protocol

import sqlalchemy as sa

PRIMARY = -1  # the choice of the primary; replicas are numbered from 0 in DAOAN_READ_DATABASE_URL's order


class Choice(Protocol):
    """One request's read target, decided on first use."""

    def engine_for(self, engine: sa.Engine) -> sa.Engine | None:
        """The engine to use instead of `engine` (a primary engine with replicas attached), else None."""
        ...

    def target(self) -> int:
        """PRIMARY or the replica's number, deciding now if not yet decided."""
        ...

    def failed(self, engine: sa.Engine) -> bool:
        """`engine` (a replica's) could not be reached: mark it down and choose again; True when another
        server is available for this request."""
        ...


_current: ContextVar[Choice | None] = ContextVar("daoan_read_choice", default=None)


@contextmanager
def reading(choice: Choice | None) -> Iterator[None]:
    """Route this context's connections by `choice` (None: the engines named)."""
    token = _current.set(choice)
    try:
        yield
    finally:
        _current.reset(token)


def primary_only() -> AbstractContextManager[None]:
    """Within it, connections go to the engines named (a derived layer's refresh writes on the primary)."""
    return reading(None)


def resolve(engine: sa.Engine) -> sa.Engine:
    """The engine this context reads with in place of `engine`."""
    choice = _current.get()
    if choice is None:
        return engine
    return choice.engine_for(engine) or engine


def replica_failed(engine: sa.Engine) -> bool:
    """Report that `engine` (returned by resolve) could not connect; True when the request may retry
    on another server (resolve gives it)."""
    choice = _current.get()
    return choice is not None and choice.failed(engine)


def current_target() -> int | None:
    """The server this request reads from (PRIMARY or a replica's number); None outside a read request."""
    choice = _current.get()
    return None if choice is None else choice.target()


def on_replica() -> bool:
    """Whether this context reads from a replica."""
    target = current_target()
    return target is not None and target != PRIMARY

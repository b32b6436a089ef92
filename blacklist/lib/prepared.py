"""Prepared statements on PostgreSQL, for the few queries that every request runs.

Planning the public search's result query by ID number (five tables) takes the server ten
times as long as running it. Inside `planned_once()` PostgreSQL binds the values itself and a
query is prepared on its connection: the server plans it with its values for the first five
runs and, when a plan for any values costs no more, reuses that one plan from then on. Only
for queries whose best plan does not depend on their values (a hash, a day, a few guesses):
a name's grams are common or rare, and one plan would suit neither. Everything else keeps
Django's way, values written into the statement and planned at each run (and no limit of
65,535 values a statement, which a long `__in` list would pass).

`DATABASE_PREPARED_STATEMENTS=off` turns it off (a pooler in transaction mode that does not
keep prepared statements); on SQLite this changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.utils import NotSupportedError

PREPARE_AT_ONCE = 0  # psycopg: prepare a query at its first run
_planning_once: ContextVar[bool] = ContextVar("planning_once", default=False)


@contextmanager
def planned_once() -> Iterator[None]:
    if _planning_once.get() or not settings.DATABASE_PREPARED_STATEMENTS:
        yield  # nested: the outer block restores
        return
    token = _planning_once.set(True)
    for wrapper in _connected():
        _prepare(wrapper)
    try:
        yield
    except NotSupportedError as error:
        # A migration changed what a prepared query returns: PostgreSQL refuses that plan
        # ("cached plan must not change result type") until the connection is new.
        if "cached plan" in str(error):
            for wrapper in _connected():
                wrapper.close()
        raise
    finally:
        _planning_once.reset(token)
        for wrapper in _connected():
            _restore(wrapper)


def _connected() -> list[BaseDatabaseWrapper]:
    return [
        wrapper
        for wrapper in connections.all(initialized_only=True)
        if wrapper.vendor == "postgresql" and wrapper.connection is not None
    ]


def _prepare(wrapper: BaseDatabaseWrapper) -> None:
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    wrapper.connection.cursor_factory = ServerBindingCursor
    wrapper.connection.prepare_threshold = PREPARE_AT_ONCE


def _restore(wrapper: BaseDatabaseWrapper) -> None:
    from django.db.backends.postgresql.base import Cursor  # type: ignore[attr-defined]

    wrapper.connection.cursor_factory = Cursor  # values in the statement, as Django does
    wrapper.connection.prepare_threshold = None


def _prepare_on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A connection opened inside the block (a replica's first read) prepares too."""
    if _planning_once.get() and connection.vendor == "postgresql":
        _prepare(connection)


connection_created.connect(_prepare_on_connect)

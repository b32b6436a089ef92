"""Prepared statements on PostgreSQL, for the few queries that every request runs.

Planning the public search's result query by ID number (five tables) takes the server ten
times as long as running it. Inside `planned_once()` a query is prepared on its connection:
PostgreSQL plans it with its values for the first five runs and, when a plan for any values
costs no more, reuses that one plan from then on. Only for queries whose best plan does not
depend on their values (a hash, a day, a few guesses): a name's grams are common or rare, and
one plan would suit neither. Everything else is planned at each run, as before.

Needs the server to bind parameters (`DATABASE_PREPARED_STATEMENTS`, on by default); without
it, and on SQLite, this changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

# psycopg's threshold: 0 prepares a query at its first run; None prepares nothing (and runs
# nothing prepared), which is Django's default and the state outside `planned_once()`.
PREPARE_AT_ONCE = 0
_planning_once: ContextVar[bool] = ContextVar("planning_once", default=False)


@contextmanager
def planned_once() -> Iterator[None]:
    if _planning_once.get():  # nested: the outer block restores
        yield
        return
    token = _planning_once.set(True)
    _set_threshold(PREPARE_AT_ONCE)
    try:
        yield
    finally:
        _planning_once.reset(token)
        _set_threshold(None)


def _binds_on_server(wrapper: BaseDatabaseWrapper) -> bool:
    return (
        wrapper.vendor == "postgresql"
        and wrapper.settings_dict["OPTIONS"].get("server_side_binding") is True
    )


def _set_threshold(threshold: int | None) -> None:
    for wrapper in connections.all(initialized_only=True):
        if _binds_on_server(wrapper) and wrapper.connection is not None:
            wrapper.connection.prepare_threshold = threshold


def _prepare_on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A connection opened inside the block (a replica's first read) prepares too."""
    if _planning_once.get() and _binds_on_server(connection):
        connection.connection.prepare_threshold = PREPARE_AT_ONCE


connection_created.connect(_prepare_on_connect)

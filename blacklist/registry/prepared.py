"""Querysets compiled to SQL once and run many times, for the hottest public reads.

Compiling a queryset with select_related costs Django more than SQLite takes to answer an
indexed lookup. A `PreparedQuery` keeps the SQL that Django compiled from a queryset built
by the ordinary selectors — so every rule, above all `EntryQuerySet.currently_public`, stays
where it is — and runs that SQL again with each call's values, turning the rows into model
instances as the queryset would. Only SQL is kept, never rows: every call reads the database.

A value that differs between calls is written as `MARKER` when the queryset is built, and
must reach the SQL as a parameter unchanged (an exact match, not `contains` or `endswith`,
which rewrite it). Anything else the SQL depends on, such as today's date in the public rule,
belongs in the key under which the compiled query is kept.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)

# Stands for a call's value while a queryset is compiled; no digest, code or name looks like it.
MARKER = "\x00prepared-query-value\x00"
# Keys carry the date of the public rule, so old ones pile up in a long-running process.
MAX_KEPT = 64

_kept = threading.local()  # connections belong to threads, and so do compiled queries


class PreparedQuery(Generic[M]):
    """A queryset's SQL, compiled once, and how to turn its rows into model instances."""

    def __init__(self, queryset: QuerySet[M], *, values: int) -> None:
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        # as_sql() also fills compiler.select and klass_info, which the rows are read with
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots = [index for index, param in enumerate(self.params) if param == MARKER]
        if len(self.slots) != values or MARKER in self.sql:
            raise ValueError(f"expected {values} marker parameter(s) in {self.sql!r}")
        klass_info, select = self.compiler.klass_info, self.compiler.select
        fields = klass_info["select_fields"]
        self.model: type[M] = klass_info["model"]
        self.columns = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.columns]]
        self.related = get_related_populators(klass_info, select, queryset.db)
        self.annotations = self.compiler.annotation_col_map.items()

    def run(self, *values: Any) -> list[M]:
        params = list(self.params)
        for slot, value in zip(self.slots, values, strict=True):
            params[slot] = value
        compiler = self.compiler
        with compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return [self._instance(row) for row in compiler.results_iter([rows])]

    def _instance(self, row: Any) -> M:
        instance = self.model.from_db(self.compiler.using, self.init_list, row[self.columns])
        for populator in self.related:
            populator.populate(row, instance)
        for name, column in self.annotations:
            setattr(instance, name, row[column])
        return instance


def prepared(
    key: Hashable, build: Callable[[], QuerySet[M]], *, values: int = 0
) -> PreparedQuery[M]:
    """The query kept under `key` in this thread, compiled from `build()` the first time.

    `build` must return the same SQL every time it is called under the same key.
    """
    kept: dict[Hashable, PreparedQuery[Any]] | None = getattr(_kept, "queries", None)
    if kept is None:
        kept = _kept.queries = {}
    query = kept.get(key)
    if query is None or query.compiler.connection is not connections[query.compiler.using]:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        query = kept[key] = PreparedQuery(build(), values=values)
    return query

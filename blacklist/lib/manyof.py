"""`IN` over thousands of values as one parameter: `field__one_of=values` in the ORM,
`one_of(values)` in raw SQL.

Django's `__in` writes a placeholder per value and prepares each value in Python (some 5 µs
each: 100 ms for the 20,000 candidates of a scored check), and SQLite allows only so many
placeholders, so callers cut lists into chunks, a query each. Here the whole list is one
parameter: an array on PostgreSQL (`= ANY(%s)`; integers sent as the array's text), a JSON
array read by `json_each` on SQLite.
Values are numbers or text, given as they are stored (no field conversion); give the ORM a set,
not a list: Django looks into each item of a list for expressions.
"""

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObject, Lookup
from django.db.models.sql.compiler import SQLCompiler

__all__ = ["OneOf", "hex_array", "int_array", "one_of"]


def one_of(
    values: Iterable[Any], *, connection: BaseDatabaseWrapper | None = None
) -> tuple[str, list[Any]]:
    """The SQL that follows a column to test it against `values`, and its one parameter."""
    connection = connection or default_connection
    values = list(values)
    if connection.vendor == "postgresql":
        if values and all(type(value) is int for value in values):
            return "= ANY(%s::bigint[])", [int_array(values)]
        return "= ANY(%s)", [values]
    return "IN (SELECT value FROM json_each(%s))", [json.dumps(values, ensure_ascii=False)]


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array of integers as text (cast with `::bigint[]`): the driver dumps a list
    value by value in Python, some 10 ms for the ids of a scored check."""
    return "{" + ",".join(map(str, values)) + "}"


def hex_array(values: Iterable[str]) -> str:
    """`int_array` for hex digests (cast with `::text[]`): they need no quoting either."""
    return "{" + ",".join(values) + "}"


class OneOf(Lookup):
    lookup_name = "one_of"
    prepare_rhs = False  # values are given as stored

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        test, params = one_of(self.rhs, connection=connection)
        return f"{lhs} {test}", [*lhs_params, *params]


Field.register_lookup(OneOf)
ForeignObject.register_lookup(OneOf)  # keys of relations: subject_id__one_of

"""Set-based inserts of subjects and entries: executemany on SQLite, COPY on PostgreSQL.

The ORM's bulk_create spends most of its time preparing each field of each object;
an import of a million rows cannot afford that.
"""

import secrets
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from blacklist.models import Entry, Subject

SUBJECT_COLUMNS = (
    "kind", "name", "name_key", "id_hmac", "id_encrypted", "id_masked", "gender",
    "region_code", "region_name", "created_at", "updated_at",
)  # fmt: skip
ENTRY_COLUMNS = (
    "public_id", "notice_id", "subject_id", "offence", "measures", "term_start", "term_end",
    "status", "status_reason", "created_at", "updated_at",
)  # fmt: skip
LOOKUP_CHUNK = 5000


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        # Table and column names come from our models, never from input.
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(sql, list(rows))


def subject_ids(digests: Sequence[str]) -> dict[str, int]:
    """Subject ids by HMAC for those digests that exist."""
    found: dict[str, int] = {}
    for start in range(0, len(digests), LOOKUP_CHUNK):
        chunk = digests[start : start + LOOKUP_CHUNK]
        found.update(Subject.objects.filter(id_hmac__in=chunk).values_list("id_hmac", "id"))
    return found


def _now() -> object:
    # Adapting the same timestamp a million times costs seconds on SQLite: adapt it once.
    return connection.ops.adapt_datetimefield_value(timezone.now())


def insert_subjects(rows: Sequence[Sequence[object]]) -> dict[str, int]:
    """Rows in SUBJECT_COLUMNS order without the timestamps; returns their new ids by HMAC."""
    now = _now()
    insert_rows(Subject._meta.db_table, SUBJECT_COLUMNS, ((*row, now, now) for row in rows))
    return subject_ids([row[3] for row in rows])  # type: ignore[misc]


def insert_entries(notice_id: int, rows: Iterable[Sequence[object]]) -> None:
    """Rows of (subject_id, offence, measures, term_start, term_end), all active."""
    now = _now()
    insert_rows(
        Entry._meta.db_table,
        ENTRY_COLUMNS,
        ((secrets.token_urlsafe(12), notice_id, *row, "active", "", now, now) for row in rows),
    )

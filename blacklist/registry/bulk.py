"""Set-based writes of listings: executemany on SQLite, COPY on PostgreSQL.

The ORM's bulk_create spends most of its time preparing each field of each object, and
would need the subjects' ids back one object at a time. Here PostgreSQL joins a COPY-filled
staging table; SQLite gets the ids of the subjects a chunk created from one read of the
table's end, and looks up only the few subjects known before.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from blacklist.lib.manyof import hex_array, int_array
from blacklist.models import Alias, ChangeEvent, Entry, FormerName, MatchKey, Subject
from blacklist.public import search
from blacklist.registry import match_index
from blacklist.registry.models import new_public_ids

# Column order of a prepared listing (listing.PreparedListing) as written here.
SUBJECT_COLUMNS = (
    "kind", "name", "name_key", "id_hmac", "id_encrypted", "id_masked", "gender",
    "region_code", "region_name",
)  # fmt: skip
ENTRY_VALUE_COLUMNS = ("offence", "measures", "term_start", "term_end")
# then aliases, the name's candidate keys, the aliases' keys (PreparedListing's last three)
ALIASES, NAME_KEYS, ALIAS_KEYS = 13, 14, 15
LOOKUP_CHUNK = 5000


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _columns(names: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def _now() -> object:
    # Adapting the same timestamp a million times costs seconds on SQLite: adapt it once.
    return connection.ops.adapt_datetimefield_value(timezone.now())


def listings_insert(
    notice_id: int, rows: Sequence[Sequence[object]], *, import_run_id: int | None = None
) -> int:
    """Insert subjects that are new and one active entry per row; returns subjects created.

    Rows are prepared listings: the nine subject columns, then offence, measures,
    term start and term end. Names and numbers of tables and columns come from our
    models, never from input. The entries record `import_run_id` (the import writing them).
    """
    if not rows:
        return 0
    insert = _insert_postgresql if connection.vendor == "postgresql" else _insert_sqlite
    created, subject_ids = insert(notice_id, rows, import_run_id)  # and indexed for search
    match_index.listing_names_write(
        subject_ids,
        [
            (row[ALIASES], row[NAME_KEYS], row[ALIAS_KEYS]) if len(row) > ALIASES else ("", "", "")
            for row in rows
        ],
        created={subject_id for subject_id, _key in created},
        import_run_id=import_run_id,
    )
    return len(created)


def _insert_sqlite(
    notice_id: int, rows: Sequence[Sequence[object]], import_run_id: int | None
) -> tuple[list[tuple[int, str]], list[int]]:
    """Returns the created subjects' (id, name_key) and each row's subject id."""
    now = _now()
    subjects = _table(Subject)
    subject_sql = (
        f"INSERT INTO {subjects} ({_columns((*SUBJECT_COLUMNS, 'created_at', 'updated_at'))}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * 11)}) ON CONFLICT (id_hmac) DO NOTHING"
    )
    entry_sql = (
        f"INSERT INTO {_table(Entry)} (public_id, notice_id, subject_id, "  # noqa: S608
        f"{_columns(ENTRY_VALUE_COLUMNS)}, status, status_reason, announced, import_run_id, "
        "created_at, updated_at) "
        f"VALUES (%s, %s, %s, %s, %s, %s, %s, 'active', '', FALSE, %s, %s, %s)"
    )
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        # The driver's cursor: the debug wrapper would keep every parameter of every row.
        # (wrap_database_errors still turns its errors into Django's.)
        cursor = wrapper.cursor
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {subjects}")  # noqa: S608
        newest = cursor.fetchone()[0]
        cursor.executemany(subject_sql, [(*row[:9], now, now) for row in rows])
        # SQLite has one writer and this transaction is it, so the subjects above the newest
        # before are exactly those just created: one read of the table's end gives their ids,
        # instead of a search of the id_hmac index for every entry.
        cursor.execute(
            f"SELECT id, id_hmac, name_key FROM {subjects} WHERE id > %s",  # noqa: S608
            [newest],
        )
        new = cursor.fetchall()
        ids = {digest: subject_id for subject_id, digest, _key in new}
        if len(ids) < len(rows):
            ids.update(_subject_ids(cursor, [row[3] for row in rows if row[3] not in ids]))
        cursor.executemany(
            entry_sql,
            [
                # a missing id (a subject that vanished) fails the NOT NULL constraint
                (public_id, notice_id, ids.get(row[3]), *row[9:13], import_run_id, now, now)
                for public_id, row in zip(new_public_ids(len(rows)), rows, strict=True)
            ],
        )
    created = [(subject_id, name_key) for subject_id, _digest, name_key in new]
    search.index_subjects(created)
    return created, [ids[row[3]] for row in rows]  # type: ignore[index]


def _subject_ids(cursor: Any, digests: Sequence[object]) -> Iterator[tuple[str, int]]:
    """(id_hmac, id) of subjects known before: typically a few of a file."""
    for start in range(0, len(digests), LOOKUP_CHUNK):
        chunk = digests[start : start + LOOKUP_CHUNK]
        cursor.execute(
            f"SELECT id_hmac, id FROM {_table(Subject)} "  # noqa: S608
            f"WHERE id_hmac IN ({', '.join(['%s'] * len(chunk))})",
            chunk,
        )
        yield from cursor.fetchall()


def _insert_postgresql(
    notice_id: int, rows: Sequence[Sequence[object]], import_run_id: int | None
) -> tuple[list[tuple[int, str]], list[int]]:
    """Returns the created subjects' (id, name_key) and each row's subject id."""
    now = timezone.now()
    staging = "listing_staging"
    columns = (*SUBJECT_COLUMNS, *ENTRY_VALUE_COLUMNS, "public_id", "grams")
    subject_columns = _columns(SUBJECT_COLUMNS)
    subjects = _table(Subject)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ("
            "kind text, name text, name_key text, id_hmac text, id_encrypted text, "
            "id_masked text, gender text, region_code text, region_name text, "
            "offence text, measures text, term_start date, term_end date, public_id text, "
            "grams text, position integer GENERATED ALWAYS AS IDENTITY"
            ") ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {staging} RESTART IDENTITY")
        public_ids = new_public_ids(len(rows))
        with cursor.cursor.copy(f"COPY {staging} ({_columns(columns)}) FROM STDIN") as copy:
            for public_id, row in zip(public_ids, rows, strict=True):
                # names: match_index; the grams go with the row (COPY sends them cheaply)
                copy.write_row((*row[:13], public_id, search.gram_text(str(row[2]))))
        cursor.execute(f"ANALYZE {staging} (id_hmac)")  # so that the join below hashes
        # New subjects, inserted in the order of the id_hmac index (each of its pages touched
        # once), are indexed for search in the same statement and give their ids back; the
        # entries take them from there, so that only the subjects known before (typically a
        # few of a file) are looked up in that index. Two statements: the second sees a
        # subject another import committed meanwhile, which the first skipped as a conflict.
        cursor.execute(
            f"WITH made AS (INSERT INTO {subjects} ({subject_columns}, created_at, updated_at) "  # noqa: S608
            f"SELECT {subject_columns}, %s, %s FROM {staging} ORDER BY id_hmac "
            "ON CONFLICT (id_hmac) DO NOTHING RETURNING id, id_hmac, name_key), "
            "indexed AS ("
            + search.index_rows_sql(
                f"SELECT made.id, st.grams, made.name_key FROM made "  # noqa: S608
                f"JOIN {staging} st ON st.id_hmac = made.id_hmac"
            )
            + ") SELECT id, id_hmac, name_key FROM made",
            [now, now],
        )
        made = cursor.fetchall()
        # Entries keep the order of the file, as on SQLite; a missing subject (one that
        # vanished) fails the NOT NULL constraint.
        cursor.execute(
            f"INSERT INTO {_table(Entry)} (public_id, notice_id, subject_id, "  # noqa: S608
            f"{_columns(ENTRY_VALUE_COLUMNS)}, status, status_reason, announced, import_run_id, "
            "created_at, updated_at) "
            "SELECT st.public_id, %s, COALESCE(made.id, "
            f"(SELECT s.id FROM {subjects} s WHERE s.id_hmac = st.id_hmac)), st.offence, "
            "st.measures, st.term_start, st.term_end, 'active', '', FALSE, %s, %s, %s "
            f"FROM {staging} st LEFT JOIN unnest(%s::text[], %s::bigint[]) AS made(id_hmac, id) "
            "ON made.id_hmac = st.id_hmac ORDER BY st.position RETURNING public_id, subject_id",
            [
                notice_id,
                import_run_id,
                now,
                now,
                hex_array(m[1] for m in made),
                int_array(m[0] for m in made),
            ],
        )
        by_public_id = dict(cursor.fetchall())
    created = [(subject_id, name_key) for subject_id, _digest, name_key in made]
    return created, [by_public_id[public_id] for public_id in public_ids]


class KnownSubject(NamedTuple):
    """A subject an import row names by its ID number, as the registry holds it."""

    on_notice: bool  # the notice already lists it
    name: str
    name_key: str


def subject_lookup(digests: Sequence[str], *, notice_id: int) -> dict[str, KnownSubject]:
    """The subjects known by these digests: their names, and whether the notice lists them."""
    found: dict[str, KnownSubject] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(digests), LOOKUP_CHUNK):
            chunk = list(digests[start : start + LOOKUP_CHUNK])
            params: list[Any]
            if connection.vendor == "postgresql":
                # one array parameter: thousands of placeholders cost more to parse than to run
                wanted, params = "= ANY(%s)", [chunk]
            else:
                wanted, params = f"IN ({', '.join(['%s'] * len(chunk))})", [*chunk]
            cursor.execute(
                f"SELECT s.id_hmac, EXISTS (SELECT 1 FROM {_table(Entry)} e "  # noqa: S608
                f"WHERE e.notice_id = %s AND e.subject_id = s.id), s.name, s.name_key "
                f"FROM {_table(Subject)} s WHERE s.id_hmac {wanted}",
                [notice_id, *params],
            )
            found.update(
                (digest, KnownSubject(bool(listed), name, name_key))
                for digest, listed, name, name_key in cursor.fetchall()
            )
    return found


@contextmanager
def large_write() -> Iterator[None]:
    """Around one large write of listings (an import's commit): on SQLite a larger page
    cache, on PostgreSQL the candidate keys written in one sweep at the end."""
    with write_cache(), match_index.keys_staged():
        yield


@contextmanager
def write_cache(megabytes: int = 192) -> Iterator[None]:
    """A larger SQLite page cache for one large write: the unique indexes of subjects and
    entries take random inserts, which otherwise go to disk once they outgrow the cache."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def refresh_statistics() -> None:
    """Let the query planner see the tables as they are after a large write.

    Without statistics SQLite drives a name search from the status index (every active
    entry) instead of from the few subjects the gram index found.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            # The gram index and the feed too: without statistics PostgreSQL guesses
            # thousands of subjects per gram pair, and a third of the feed for a page, and
            # starts parallel workers for a search of a dozen rows (or for the aliases of a
            # scored check's candidates, in tables never analysed).
            tables = (
                _table(Subject), _table(Entry), _table(ChangeEvent), search.INDEX_TABLE,
                _table(MatchKey), _table(Alias), _table(FormerName),
            )  # fmt: skip
            cursor.execute(f"ANALYZE {', '.join(tables)}")

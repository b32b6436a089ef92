"""The candidate index of scored checks (MatchKey) and the aliases lists give: set-based writes.

Keys come from registry/matching.py; the code that writes subjects and names keeps them in step:
an import's commit (bulk.py: new subjects' names and every row's aliases), a rename
(renames.py: the new name's keys; the old name's stay, since former names match too), and
the removal of a draft's rows (removal.py: the keys and aliases of deleted subjects).
`rebuild_match_index` builds the whole index again from the registry.
"""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

from blacklist.lib.manyof import int_array, one_of
from blacklist.models import Alias, Entry, FormerName, MatchKey, Subject
from blacklist.registry import identity, matching, naming

BATCH = 200_000  # keys per statement: a write of 25,000 rows makes some 125,000
STAGING = "matchkey_staging"
_staged: ContextVar[bool] = ContextVar("match_keys_staged", default=False)


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def keys_insert(rows: Iterable[tuple[int, int, int]], *, fresh: bool = False) -> int:
    """Add (subject id, kind, key) rows; rows already there are left alone. Returns rows given.
    `fresh`: the subjects were created by this transaction, so nobody else holds their keys
    (within `keys_staged`, they then go in without a check for each key against the index)."""
    # In the order of the key: the index (key, subject) takes them in one sweep per batch
    # instead of a page at random for each (the keys are hashes).
    rows = sorted(rows, key=lambda row: row[2])
    if not rows:
        return 0
    staged = _staged.get()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one statement per batch: a row per statement waits on the server every time
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                columns = [int_array(row[column] for row in batch) for column in range(3)]
                if staged:
                    cursor.execute(
                        f"INSERT INTO {STAGING} (subject_id, kind, key, fresh) "  # noqa: S608
                        "SELECT *, %s FROM unnest(%s::bigint[], %s::smallint[], %s::bigint[])",
                        [fresh, *columns],
                    )
                    continue
                cursor.execute(
                    f"INSERT INTO {_table(MatchKey)} (subject_id, kind, key) "  # noqa: S608
                    "SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::bigint[]) "
                    "ORDER BY 3 ON CONFLICT DO NOTHING",
                    columns,
                )
        else:
            # the driver's cursor: the debug wrapper would keep every parameter of every row
            cursor.cursor.executemany(
                f"INSERT INTO {_table(MatchKey)} (subject_id, kind, key) VALUES (?, ?, ?) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                rows,
            )
    return len(rows)


@contextmanager
def keys_staged() -> Iterator[None]:
    """Within, on PostgreSQL, `keys_insert` keeps its keys in a temporary table, and they go
    into the index at the end in one sweep in the order of the key (in a transaction: all or
    none). Keys are hashes: a large import written chunk by chunk had each chunk's keys sweep
    the whole index again, and PostgreSQL logs each index page a sweep writes. On SQLite keys
    are written as given; nested, the outer one writes them. Nothing within reads them."""
    if connection.vendor != "postgresql" or _staged.get():
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} "
                "(subject_id bigint, kind smallint, key bigint, fresh boolean) ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {STAGING}")
        staged = _staged.set(True)
        try:
            yield
        finally:
            _staged.reset(staged)
        with connection.cursor() as cursor:
            # New subjects' keys, most of them, go in as plain inserts: ON CONFLICT checks each
            # key against the index first and logs each row twice, a third of the sweep's time.
            cursor.execute(
                f"INSERT INTO {_table(MatchKey)} (subject_id, kind, key) "  # noqa: S608
                f"SELECT DISTINCT ON (key, subject_id) subject_id, kind, key FROM {STAGING} "
                "WHERE fresh ORDER BY key, subject_id"
            )
            cursor.execute(
                f"INSERT INTO {_table(MatchKey)} (subject_id, kind, key) "  # noqa: S608
                f"SELECT subject_id, kind, key FROM {STAGING} WHERE NOT fresh "
                "ORDER BY key, subject_id ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"TRUNCATE {STAGING}")


def keys_delete(subject_ids: Sequence[int]) -> None:
    """Forget the keys and aliases of subjects about to be deleted. The keys are found by
    one read of the whole table (their index leads with the key: see MatchKey)."""
    if not subject_ids:
        return
    MatchKey.objects.filter(subject_id__one_of=subject_ids).delete()
    for start in range(0, len(subject_ids), 5000):
        Alias.objects.filter(subject_id__in=subject_ids[start : start + 5000]).delete()


def aliases_insert(rows: Sequence[tuple[int, str]], *, import_run_id: int | None) -> None:
    """Record (subject id, alias) pairs; an alias a subject already has is kept once."""
    if not rows:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = _table(Alias)
    values = [
        (subject_id, name, naming.fold_name(name), import_run_id, now) for subject_id, name in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (subject_id, name, name_key, import_run_id, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (subject_id, name_key) DO NOTHING",
            values,
        )


def listing_names_write(
    subject_ids: Sequence[int],
    names: Sequence[tuple[object, object, object]],
    *,
    created: set[int] | None,
    import_run_id: int | None,
) -> None:
    """The keys and aliases of written listings: for each row its subject's id and its
    (aliases, name's keys, aliases' keys). The name's keys only for subjects just created
    (`created`; None: all of them), every row's aliases with their keys."""
    fresh: list[tuple[int, int, int]] = []  # keys of subjects this transaction created
    known: list[tuple[int, int, int]] = []
    aliases: list[tuple[int, str]] = []
    for subject_id, (alias_text, name_keys, alias_keys) in zip(subject_ids, names, strict=True):
        new = created is not None and subject_id in created
        keys = fresh if new else known
        if created is None or new:
            keys += [(subject_id, k, v) for k, v in matching.decode_keys(str(name_keys))]
        if alias_text:
            aliases += [(subject_id, a) for a in str(alias_text).split(matching.ALIAS_JOINER)]
            keys += [(subject_id, k, v) for k, v in matching.decode_keys(str(alias_keys))]
    aliases_insert(aliases, import_run_id=import_run_id)
    keys_insert(fresh, fresh=True)
    keys_insert(known)


def birth_date_of(number: str) -> datetime.date | None:
    """A resident ID number's birth date (None for a credit code)."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def subjects_keys(subject_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """Every key of these subjects, from their names, former names and aliases (the birth
    date read from the sealed ID number)."""
    subjects = list(
        Subject.objects.filter(pk__in=subject_ids).values_list("id", "kind", "name", "id_encrypted")
    )
    others: dict[int, list[str]] = {}
    for model in (FormerName, Alias):
        for subject_id, name in model.objects.filter(subject_id__in=subject_ids).values_list(
            "subject_id", "name"
        ):
            others.setdefault(subject_id, []).append(name)
    keys = []
    for subject_id, kind, name, sealed in subjects:
        born = None
        if kind == identity.SubjectKind.PERSON:
            born = birth_date_of(identity.decrypt_id(sealed, keys=settings.FIELD_ENCRYPTION_KEYS))
        pairs = matching.subject_keys(
            [name, *others.get(subject_id, [])],
            kind=kind,
            birth_date=born,
            secret=settings.ID_LOOKUP_KEY,
        )
        keys += [(subject_id, k, v) for k, v in pairs]
    return keys


def rebuild_match_index(*, batch_size: int = 5000) -> int:
    """Build every subject's keys again (after a change of ID_LOOKUP_KEY, or of the rules);
    in the caller's transaction. Returns the subjects done."""
    MatchKey.objects.all().delete()
    done = last = 0
    while ids := list(
        Subject.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch_size]
    ):
        keys_insert(subjects_keys(ids))
        done, last = done + len(ids), ids[-1]
    return done


# --- reads -------------------------------------------------------------------------------------


def candidates_by_key(
    keys: Sequence[int], *, listed: QuerySet[Entry], per_key: int
) -> dict[int, list[int]]:
    """Subject ids by key, of subjects with an entry in `listed`, at most `per_key` a key (the
    newest first): one query. A pinyin key of a common name is held by every namesake and
    homophone (hundreds at a million entries); the bound keeps a check's work in step with
    its subjects, not with the list. Only listed holders count against it: the subjects of a
    draft, or delisted ones, never take a listed person's place."""
    holders = MatchKey.objects.filter(Exists(listed.filter(subject_id=OuterRef("subject_id"))))
    if connection.vendor == "postgresql":
        rows = _newest_of_each_key(holders, set(keys), per_key)
    else:
        rows = list(
            holders.filter(key__one_of=set(keys))
            .annotate(
                nth=Window(RowNumber(), partition_by=[F("key")], order_by=F("subject_id").desc())
            )
            .filter(nth__lte=per_key)
            .values_list("key", "subject_id")
        )
    found: dict[int, list[int]] = {}
    for key, subject_id in rows:
        found.setdefault(key, []).append(subject_id)
    return found


def _newest_of_each_key(
    holders: QuerySet[MatchKey], keys: set[int], per_key: int
) -> list[tuple[int, int]]:
    """(key, subject id) of the `per_key` newest `holders` of each key, on PostgreSQL: for each
    key a walk down the (key, subject) index that stops at the last one needed (LATERAL). A
    window tests every holder of every key for being listed first (a scored check of 1,000
    names at a million entries: 220 ms or more instead of 88)."""
    newest = (
        holders.filter(key=RawSQL("wanted.key", (), output_field=BigIntegerField()))
        .order_by("-subject_id")
        .values_list("subject_id")[:per_key]
    )
    each, params = newest.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wanted.key, holder.subject_id FROM unnest(%s::bigint[]) AS wanted(key) "  # noqa: S608 - the ORM's SQL
            f"CROSS JOIN LATERAL ({each}) AS holder",
            [int_array(keys), *params],
        )
        return cursor.fetchall()


def namesakes(
    names: Sequence[str], *, listed: QuerySet[Entry], per_name: int
) -> dict[str, list[int]]:
    """Subject ids by folded name, of listed subjects bearing exactly that name, at most
    `per_name` a name (the newest first): one query. A name's exact namesakes score highest,
    and homophones sharing its pinyin key must not crowd them out of that key's bound."""
    bearers = (
        listed.filter(subject__name_key__one_of=set(names))
        .annotate(
            nth=Window(
                RowNumber(), partition_by=[F("subject__name_key")], order_by=F("subject_id").desc()
            )
        )
        .filter(nth__lte=per_name)
        .values_list("subject__name_key", "subject_id")
    )
    found: dict[str, list[int]] = {}
    for name, subject_id in bearers:
        found.setdefault(name, []).append(subject_id)
    return found


def other_names(subject_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Former names and aliases of these subjects, as (name, "former_name" or "alias"); most
    subjects have none. One statement: a check asks about thousands of candidates."""
    found: dict[int, list[tuple[str, str]]] = {}
    wanted, params = one_of(subject_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT subject_id, name, 'former_name', 0, id FROM {_table(FormerName)} "  # noqa: S608
            f"WHERE subject_id {wanted} UNION ALL "
            f"SELECT subject_id, name, 'alias', 1, id FROM {_table(Alias)} "
            f"WHERE subject_id {wanted} ORDER BY 1, 4, 5",
            params + params,
        )
        for subject_id, name, source, _order, _id in cursor.fetchall():
            found.setdefault(subject_id, []).append((name, source))
    return found

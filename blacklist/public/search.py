"""The public search: the gram index over folded names, and the one public-search selector.

Chinese names are two or three characters, so the index holds single characters and
character pairs (trigram indexes miss one- and two-character queries): on SQLite a
contentless FTS5 table fed the space-separated grams, on PostgreSQL a text[] of grams with
a GIN index. Both live in the table `blacklist_name_index`, keyed by subject id, and are
written by the code that writes subjects (bulk.py) or rebuilt by `rebuild_search_index`. On
PostgreSQL the table also holds each subject's folded name, so that a search checks and ranks
its candidates from the rows the GIN index points to, without reading a subject for each.
"""

import datetime
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, overload

from django.conf import settings
from django.db import connection, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.guard import services as guard
from blacklist.lib.compiled import CompiledQuery
from blacklist.lib.manyof import one_of
from blacklist.lib.prepared import planned_once
from blacklist.models import Entry, Subject, subject_hmac
from blacklist.registry import identity, naming, redaction
from blacklist.registry.identity import SubjectKind

INDEX_TABLE = "blacklist_name_index"
MIN_QUERY_CHARACTERS = 2
MAX_QUERY_CHARACTERS = 50
INDEX_BATCH_SIZE = 50_000
# What a result shows; fewer columns make the query cheaper to build and to read.
RESULT_FIELDS = (
    "public_id", "term_start", "term_end", "notice_id", "subject_id",
    "subject__kind", "subject__name", "subject__name_key", "subject__id_masked",
    "subject__region_name", "notice__title", "notice__programme__name",
    "notice__programme__name_mask", "notice__authority__name",
)  # fmt: skip


def gram_text(name_key: str) -> str:
    """Single characters and pairs of a folded name, space separated, each once."""
    chars = [c for c in name_key if c.isalnum()]
    grams = dict.fromkeys(chars)
    grams.update(dict.fromkeys(a + b for a, b in pairwise(chars)))
    return " ".join(grams)


def query_grams(folded_query: str) -> list[str]:
    """The pairs a name must contain to contain the query (verified afterwards)."""
    chars = [c for c in folded_query if c.isalnum()]
    return list(dict.fromkeys(a + b for a, b in pairwise(chars)))


def create_index_sql() -> list[str]:
    if connection.vendor == "postgresql":
        return [
            # No foreign key: Django's flush (tests) truncates only the tables it knows, which
            # a reference from here would forbid. Subjects deleted (never published, taken out
            # of a draft) are removed from here by the same code (unindex_subjects).
            f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
            "subject_id bigint PRIMARY KEY, grams text[] NOT NULL, name_key text NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_grams ON {INDEX_TABLE} USING gin (grams)",
        ]
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX_TABLE} "
        "USING fts5(grams, content='', tokenize='unicode61', detail='none')"
    ]


def drop_index_sql() -> list[str]:
    return [f"DROP TABLE IF EXISTS {INDEX_TABLE}"]


def index_rows_sql(rows: str) -> str:
    """PostgreSQL: the insert that indexes `rows`, a query of (subject id, `gram_text`, name_key).
    A subject's row already there is replaced: what is indexed is always the name given."""
    return (
        f"INSERT INTO {INDEX_TABLE} (subject_id, grams, name_key) "  # noqa: S608
        "SELECT subject_id, string_to_array(grams, ' '), name_key "
        f"FROM ({rows}) AS indexed(subject_id, grams, name_key) "
        "ON CONFLICT (subject_id) "
        "DO UPDATE SET grams = EXCLUDED.grams, name_key = EXCLUDED.name_key"
    )


def index_subjects(rows: Iterable[tuple[int, str]]) -> None:
    """Add (subject id, name_key) pairs to the index (on PostgreSQL, or replace them)."""
    named = list(rows)
    if not named:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one statement per batch: a row per statement waits on the server a million times
            for start in range(0, len(named), INDEX_BATCH_SIZE):
                batch = named[start : start + INDEX_BATCH_SIZE]
                cursor.execute(
                    index_rows_sql("SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[])"),
                    [
                        [subject_id for subject_id, _key in batch],
                        [gram_text(key) for _id, key in batch],
                        [key for _id, key in batch],
                    ],
                )
        else:
            cursor.executemany(
                f"INSERT INTO {INDEX_TABLE} (rowid, grams) VALUES (%s, %s)",  # noqa: S608
                [(subject_id, gram_text(key)) for subject_id, key in named],
            )


def reindex_subjects(rows: Iterable[tuple[int, str, str]]) -> None:
    """Replace the grams of renamed subjects: (subject id, old name_key, new name_key).

    Only current names are indexed: the public search shows and matches the name in force.
    A contentless FTS5 table forgets a row only when given the grams it was fed.
    """
    renamed = list(rows)
    if connection.vendor == "postgresql":
        index_subjects((subject_id, new) for subject_id, _old, new in renamed)
        return
    changes = [(subject_id, gram_text(old), gram_text(new)) for subject_id, old, new in renamed]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} ({INDEX_TABLE}, rowid, grams) "  # noqa: S608
            "VALUES ('delete', %s, %s)",
            [(subject_id, old) for subject_id, old, _new in changes],
        )
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} (rowid, grams) VALUES (%s, %s)",  # noqa: S608
            [(subject_id, new) for subject_id, _old, new in changes],
        )


def unindex_subjects(rows: Iterable[tuple[int, str]]) -> None:
    """Remove deleted subjects, given as (subject id, name_key), from the index.

    A contentless FTS5 table forgets a row only when given the grams it was fed.
    """
    pairs = [(subject_id, gram_text(name_key)) for subject_id, name_key in rows]
    if not pairs:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {INDEX_TABLE} WHERE subject_id = ANY(%s)",  # noqa: S608
                [[subject_id for subject_id, _grams in pairs]],
            )
            return
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} ({INDEX_TABLE}, rowid, grams) "  # noqa: S608
            "VALUES ('delete', %s, %s)",
            pairs,
        )


def rebuild_index(*, batch_size: int = 20_000) -> int:
    """Rebuild the whole index from the subjects (SQLite rebuilds can drop what triggers did)."""

    with connection.cursor() as cursor:
        for sql in drop_index_sql() + create_index_sql():
            cursor.execute(sql)
    done = 0
    last = 0
    while True:
        batch = list(
            Subject.objects.filter(id__gt=last)
            .order_by("id")
            .values_list("id", "name_key")[:batch_size]
        )
        if not batch:
            return done
        index_subjects(batch)
        done += len(batch)
        last = batch[-1][0]


def subjects_matching_name(folded_query: str) -> RawSQL:
    """Subject ids whose names contain every pair of the query, for `subject_id__in`."""
    grams = query_grams(folded_query)
    if connection.vendor == "postgresql":
        found = f"SELECT subject_id FROM {INDEX_TABLE} WHERE grams @> %s::text[]"  # noqa: S608
        return RawSQL(found, [grams])  # noqa: S611 - the query is a bound parameter
    match = " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)
    found = f"SELECT rowid AS subject_id FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH %s"  # noqa: S608
    return RawSQL(found, [match])  # noqa: S611 - the query is a bound parameter


def _candidates_sql(
    folded_query: str, *, limit: int, entries_of: tuple[str, list[Any]]
) -> tuple[str, list[Any]]:
    """At most `limit` people of exactly that name and at most `limit` others whose names
    contain the query, among people with an entry the public may see: their ids, folded names
    and the ids of those entries. `entries_of` is SQL with `{}` where a subject id goes, and
    its values: the ids of the subject's entries the public may see, NULL when none."""
    subjects = connection.ops.quote_name(Subject._meta.db_table)
    of_sql, of_params = entries_of
    if connection.vendor == "postgresql":  # a replica's engine is the primary's
        # the index's rows hold the names: no subject is read to check a candidate
        others = (
            f"SELECT g.subject_id, g.name_key, listed.entry_ids FROM {INDEX_TABLE} g "  # noqa: S608
            f"CROSS JOIN LATERAL ({of_sql.format('g.subject_id')}) listed (entry_ids) "
            "WHERE g.grams @> %s::text[] AND strpos(g.name_key, %s) > 0 AND g.name_key <> %s "
            "AND listed.entry_ids IS NOT NULL"
        )
        others_params = [*of_params, query_grams(folded_query)]
        exact = (
            f"SELECT x.id, x.name_key, listed.entry_ids FROM {subjects} x "  # noqa: S608
            f"CROSS JOIN LATERAL ({of_sql.format('x.id')}) listed (entry_ids) "
            "WHERE x.name_key = %s AND listed.entry_ids IS NOT NULL"
        )
    else:  # SQLite has no LATERAL; its WHERE may name a column of the result
        found = subjects_matching_name(folded_query)
        others = (
            f"SELECT f.subject_id, s.name_key, ({of_sql.format('f.subject_id')}) AS entry_ids "  # noqa: S608
            f"FROM ({found.sql}) f JOIN {subjects} s ON s.id = f.subject_id "
            "WHERE instr(s.name_key, %s) > 0 AND s.name_key <> %s AND entry_ids IS NOT NULL"
        )
        others_params = [*of_params, *found.params]
        exact = (
            f"SELECT x.id, x.name_key, ({of_sql.format('x.id')}) AS entry_ids "  # noqa: S608
            f"FROM {subjects} x WHERE x.name_key = %s AND entry_ids IS NOT NULL"
        )
    sql = (
        f"SELECT * FROM ({others} LIMIT %s) o "  # noqa: S608
        f"UNION ALL SELECT * FROM ({exact} LIMIT %s) e"
    )
    params = [*others_params, folded_query, folded_query, limit]
    params += [*of_params, folded_query, limit]
    return sql, params


@functools.lru_cache(maxsize=8)
def _entries_of_subject_sql(using: str, today: datetime.date) -> tuple[str, list[Any]]:
    """The ids of a subject's entries in force, aggregated in one value (NULL when there are
    none), built by the ORM from the one rule (`currently_public()`) once a day, so that a
    search builds no query: SQL with `{}` where the subject's id goes, and its values."""
    marker = "__subject__"
    ids = (
        Entry.objects.currently_public(today=today)
        .order_by()
        .filter(subject_id=RawSQL(marker, ()))  # noqa: S611 - no value
        .values("id")
    )
    sql, params = ids.query.get_compiler(using=using).as_sql()
    sql = sql.replace("{", "{{").replace("}", "}}").replace(f"({marker})", "({})")
    aggregate = "array_agg" if connections[using].vendor == "postgresql" else "group_concat"
    return f"SELECT {aggregate}(listed.id) FROM ({sql}) listed", list(params)  # noqa: S608


def _entry_ids(aggregated: list[int] | str) -> list[int]:
    """`_entries_of_subject_sql`'s value as ids: an array on PostgreSQL, text on SQLite."""
    if isinstance(aggregated, str):
        return [int(entry_id) for entry_id in aggregated.split(",")]
    return aggregated


class RankedEntries(Sequence[Entry]):
    """Entries ranked by their ids alone; a slice reads only its own entries, whole."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self[:])  # one read, not one an entry

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        ids = self.ids[index]
        if not ids:
            return []
        statements = _result_statements_today()
        with planned_once():  # one statement for any page: planned once per connection
            found = {e.id: e for e in statements.of_ids.run(ids=statements.ids_param(ids))}
        # an entry that left the list since it was ranked is left out, never shown stale
        return [found[entry_id] for entry_id in ids if entry_id in found]


# --- the public search ----------------------------------------------------------------------


class QueryRefused(Exception):
    """A query the search does not run, with the reason in the user's language."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class SearchRequest:
    text: str
    name: str = ""  # the name an ID number must be searched with
    last4: str = ""
    region: str = ""
    programme: str = ""


@dataclass(frozen=True)
class SearchQuery:
    """A search understood: by an ID number (and the name its entries must bear) or by name."""

    by: str  # "id_number" or "name"
    text: str  # by name: what was typed; by ID number: the normalised number
    name: str = ""  # by ID number: the name typed with it, folded
    kind: SubjectKind = SubjectKind.PERSON


@dataclass(frozen=True)
class SearchOutcome:
    by: str  # "id_number" or "name"
    searched: str  # what was looked for, as it may be shown: the masked ID number, or the text
    entries: QuerySet[Entry] | Sequence[Entry]
    # more people match than a search without filters considers: the visitor may narrow it
    capped: bool = False


def search_understand(*, request: SearchRequest) -> SearchQuery:
    """What a visitor asks. A resident ID number is looked up only with the name (as the
    national court site asks for 姓名 + 證件號碼); it may be typed in the name box's stead,
    beside the name in one box. A credit code names an organisation, which is not masked."""
    text = request.text.strip()
    split = redaction.split_id_number(text)
    number, beside = split if split else (identity.normalize_id(text), "")
    if split or looks_like_id_number(number):
        try:
            ident = identity.parse_identity(number)
        except identity.IdentityError:
            raise QueryRefused(
                "id_invalid",
                _("This is not a valid ID number: please check every digit, or search by name."),
            ) from None
        name = naming.fold_name(request.name.strip() or beside)
        if ident.kind == SubjectKind.PERSON and not name:
            raise QueryRefused(
                "name_required",
                _(
                    "Enter the person's full name together with the ID number: an ID number "
                    "is looked up only with the name it belongs to."
                ),
            )
        return SearchQuery("id_number", ident.number, name=name, kind=ident.kind)
    if len(text) > MAX_QUERY_CHARACTERS:
        raise QueryRefused(
            "too_long",
            _("Please enter at most %(max)d characters.") % {"max": MAX_QUERY_CHARACTERS},
        )
    if sum(c.isalnum() for c in naming.fold_name(text)) < MIN_QUERY_CHARACTERS:
        raise QueryRefused(
            "too_short",
            _(
                "Please enter at least two characters of a name, or a full 18-character ID "
                "number: a single character would list too many people."
            ),
        )
    return SearchQuery("name", text)


def search_probes(query: SearchQuery) -> list[guard.Probe]:
    """What a search guesses, for the screening guard: every ID search counts against the
    daily cap; a person's ID number as a guess about its mask, and the name tried with it;
    a name as a guess about each one-character mask it fits."""
    if query.by == "name":
        return guard.name_probes(query.text)
    probes = [guard.search_probe()]
    if query.kind == SubjectKind.PERSON and (probe := guard.id_probe(query.text)):
        probes += [probe, guard.id_name_probe(query.text, query.name)]
    return probes


def entries_public_search(*, query: SearchQuery, request: SearchRequest) -> SearchOutcome:
    """Currently public entries for an ID number with its name (exact) or a name (folded).

    An ID number with a name its entries do not bear answers exactly as an ID number with
    no entries: nothing. By name, exact full-name matches come first, then names that
    contain the query.
    """
    if query.by == "id_number":
        digest = subject_hmac(query.text)
        # a subject's entries in force are a handful (one a notice at most): read at once,
        # by a plan that suits every ID number
        with planned_once():
            if request.last4 or request.region or request.programme:
                found = _filtered(_entries_by_id_number(digest), request)
                entries = list(found.filter(subject__name_key=query.name) if query.name else found)
            else:
                statements = _result_statements_today()
                if query.name:
                    entries = statements.of_id_and_name.run(digest=digest, name=query.name)
                else:
                    entries = statements.of_id.run(digest=digest)
        return SearchOutcome("id_number", identity.mask_id(query.text), entries)
    folded = naming.fold_name(query.text)
    if not (request.last4 or request.region or request.programme):
        ranked, capped = _entries_by_name(folded)
        return SearchOutcome("name", query.text, ranked, capped)
    # A filter may keep only people beyond the first candidates: then every one is considered.
    candidates = subjects_matching_name(folded)
    found = _results().filter(subject_id__in=candidates, subject__name_key__contains=folded)
    exact_first = Case(When(subject__name_key=folded, then=Value(0)), default=Value(1))
    # names in code-point order, as the search without filters ranks them (SQLite compares so)
    by_name = Collate("subject__name_key", "C") if connection.vendor == "postgresql" else None
    found = _filtered(found, request).order_by(exact_first, by_name or "subject__name_key", "id")
    return SearchOutcome("name", query.text, found)


def _entries_by_name(folded: str) -> tuple[RankedEntries, bool]:
    """The entries in force of the first candidates, exact name first, then by name, then as
    listed: ranked from the candidates' names and their entries' ids, read in one statement,
    so that only the entries of the page shown are read whole. And whether the candidates
    reached the bound, of exactly the name or of longer names: only people the public may see
    are candidates, so nobody hidden takes a shown person's place, nor counts for the hint."""
    limit = settings.SEARCH_NAME_CANDIDATES
    using = router.db_for_read(Entry)
    entries_of = _entries_of_subject_sql(using, timezone.localdate())
    sql, params = _candidates_sql(folded, limit=limit, entries_of=entries_of)
    with connections[using].cursor() as cursor:  # planned each time: a name's grams vary
        cursor.execute(sql, params)
        candidates = cursor.fetchall()
    listed = [
        (entry_id, name) for _subject, name, ids in candidates for entry_id in _entry_ids(ids)
    ]
    ranked = sorted(listed, key=lambda row: (row[1] != folded, row[1], row[0]))
    exact = sum(name == folded for _subject, name, _ids in candidates)
    capped = exact >= limit or len(candidates) - exact >= limit
    return RankedEntries([entry_id for entry_id, _name in ranked]), capped


def _results(*, today: datetime.date | None = None) -> QuerySet[Entry]:
    """Currently public entries, with what a result shows."""
    return (
        Entry.objects.currently_public(today=today)
        .select_related("subject", "notice__programme", "notice__authority")
        .only(*RESULT_FIELDS)
    )


# Values no request holds, where a compiled statement's values go (`CompiledQuery`).
_DIGEST, _NAME, _ENTRY_ID = "\x00digest", "\x00name", -1


@dataclass(frozen=True)
class ResultStatements:
    """The result queries every search runs, compiled once a day on a thread's connection:
    a page of ranked entries by id, and a subject's entries by ID number, with its name or not
    (filters keep the ORM's way: they are rare, and each combination is a statement)."""

    wrapper: BaseDatabaseWrapper
    of_ids: CompiledQuery[Entry]
    of_id: CompiledQuery[Entry]
    of_id_and_name: CompiledQuery[Entry]

    def ids_param(self, ids: Iterable[int]) -> Any:
        return _ids_param(ids, self.wrapper)


def _ids_param(ids: Iterable[int], wrapper: BaseDatabaseWrapper) -> Any:
    """`id__one_of`'s one parameter, as the compiled statement takes it."""
    return one_of(ids, connection=wrapper)[1][0]


def _result_statements_today() -> ResultStatements:
    return _result_statements(connections[router.db_for_read(Entry)], timezone.localdate())


@functools.lru_cache(maxsize=16)
def _result_statements(wrapper: BaseDatabaseWrapper, today: datetime.date) -> ResultStatements:
    results = _results(today=today)
    by_id = _entries_by_id_number(_DIGEST, today=today)
    return ResultStatements(
        wrapper=wrapper,
        of_ids=CompiledQuery(
            results.filter(id__one_of={_ENTRY_ID}).order_by(),
            wrapper=wrapper,
            markers={"ids": _ids_param([_ENTRY_ID], wrapper)},
        ),
        of_id=CompiledQuery(by_id, wrapper=wrapper, markers={"digest": _DIGEST}),
        of_id_and_name=CompiledQuery(
            by_id.filter(subject__name_key=_NAME),
            wrapper=wrapper,
            markers={"digest": _DIGEST, "name": _NAME},
        ),
    )


def _entries_by_id_number(digest: str, *, today: datetime.date | None = None) -> QuerySet[Entry]:
    """The subject's entries, latest term first."""
    return _results(today=today).filter(subject__id_hmac=digest).order_by("-term_start", "id")


def looks_like_id_number(number: str) -> bool:
    """An attempt at an ID number or credit code, rather than a name."""
    digits = sum(c.isdigit() for c in number)
    return number.isascii() and number.isalnum() and len(number) >= 15 and digits >= 8


def _filtered(entries: QuerySet[Entry], request: SearchRequest) -> QuerySet[Entry]:
    if request.last4:
        entries = entries.filter(subject__id_masked__endswith=identity.normalize_id(request.last4))
    if request.region:
        # region names are stored in simplified characters; fold what was typed the same way
        entries = entries.filter(subject__region_name__contains=naming.fold_name(request.region))
    if request.programme:
        entries = entries.filter(notice__programme__code=request.programme)
    return entries


def entry_public(*, public_id: str) -> Entry | None:
    return (
        Entry.objects.currently_public()
        .select_related("subject", "notice__programme", "notice__authority")
        .filter(public_id=public_id)
        .first()
    )

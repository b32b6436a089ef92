"""Scored checks: the listed subjects a customer's name may mean, each with its score and the
explanation of each feature (registry/matching.py), for clients with the `identity` scope.

A handful of queries for a whole check, not one per subject: the candidate keys of every
subject at once, the listed candidates' facts, their other names, then the entries of those
that scored at or above the threshold.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from blacklist.models import Entry
from blacklist.platforms.selectors import ENTRY_FIELDS, entry_documents
from blacklist.registry import identity, match_index, matching

_CHUNK = 500


@dataclass(frozen=True)
class ScoredQuery:
    """One subject of a check as scored matching reads it; `exclude` is the subject its ID
    number matched (already answered in its entries)."""

    query: matching.Query
    exclude: frozenset[str] = frozenset()  # keyed ID hashes of subjects not to propose


def candidates_find(
    queries: Sequence[ScoredQuery | None],
    *,
    as_of: datetime.date | None,
    threshold: float,
    limit: int,
) -> list[list[dict[str, Any]] | None]:
    """For each query (None: nothing to match by name) its candidates, best first: listed
    subjects scoring at least `threshold`, at most `limit`, each with its entries."""
    secret = settings.ID_LOOKUP_KEY
    keys_of = [
        matching.query_keys(q.query.name, birth_date=q.query.birth_date, secret=secret)
        if q is not None
        else []
        for q in queries
    ]
    by_key = match_index.candidates_by_key([k for keys in keys_of for k in keys])
    wanted = [{s for k in keys for s in by_key.get(k, ())} for keys in keys_of]
    today = timezone.localdate()
    entries = Entry.objects.listed(today=today) if as_of is None else Entry.objects.listed_on(as_of)
    rows = _listed_rows(entries, set().union(*wanted), fields=_FACTS)
    other_names = match_index.other_names(list(rows))
    born: dict[str, datetime.date | None] = {}  # by sealed ID: decrypted once
    kept: list[list[tuple[int, matching.Scored]] | None] = []
    for q, ids in zip(queries, wanted, strict=True):
        if q is None:
            kept.append(None)
            continue
        scored = [
            (subject_id, matching.score_candidate(q.query, listed))
            for subject_id in ids
            if subject_id in rows  # listed
            and (listed := _listed(rows[subject_id][0], other_names.get(subject_id, ()), q, born))
        ]
        kept.append(matching.best_candidates(scored, threshold=threshold, limit=limit))
    # the entries as answered: only of the candidates kept, far fewer than those scored
    shown = _documents(entries, {s for pairs in kept if pairs for s, _score in pairs}, today=today)
    return [
        # a candidate whose entries ended since it was scored is left out
        None if pairs is None else [_candidate(shown[s], sc) for s, sc in pairs if s in shown]
        for pairs in kept
    ]


# Rows of the candidates' listed entries: the subject's id and keyed ID hash, then fields.
_OFFSET = 2
# What scoring reads (rows of every candidate), then what the answer shows (of those kept).
_FACTS = (
    "subject__kind", "subject__name", "subject__id_encrypted", "subject__gender",
    "subject__region_code", "subject__region_name",
)  # fmt: skip
_KIND, _NAME, _SEALED, _GENDER, _CODE, _REGION = range(_OFFSET, _OFFSET + len(_FACTS))


def _listed_rows(
    entries: QuerySet[Entry], subject_ids: set[int], *, fields: Sequence[str]
) -> dict[int, list[tuple]]:
    """The listed entries of these subjects, by subject, oldest term first: one query per chunk."""
    found: dict[int, list[tuple]] = defaultdict(list)
    ordered = sorted(subject_ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = entries.filter(subject_id__in=ordered[start : start + _CHUNK])
        if fields is ENTRY_FIELDS:  # shown, oldest term first; scoring needs no order
            chunk = chunk.order_by("term_start", "public_id")
        else:
            chunk = chunk.order_by()
        for row in chunk.values_list("subject_id", "subject__id_hmac", *fields):
            found[row[0]].append(row)
    return found


def _documents(
    entries: QuerySet[Entry], subject_ids: set[int], *, today: datetime.date
) -> dict[int, list[dict[str, Any]]]:
    """The entries of the candidates kept, as the API shows them, by subject: built at once."""
    rows = [row for found in _listed_rows(entries, subject_ids, fields=ENTRY_FIELDS).values()
            for row in found]  # fmt: skip
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row, document in zip(
        rows, entry_documents(rows, reveal=True, today=today, offset=_OFFSET), strict=True
    ):
        documents[row[0]].append(document)
    return documents


def _candidate(documents: list[dict[str, Any]], scored: matching.Scored) -> dict[str, Any]:
    subject = documents[0]["subject"]
    return {
        "score": scored.score,
        "kind": subject["kind"],
        "name": subject["name"],
        "explanation": scored.explanation(),
        "entries": documents,
    }


def _listed(
    row: tuple,
    other_names: Sequence[tuple[str, str]],
    q: ScoredQuery,
    born: dict[str, datetime.date | None],
) -> matching.Listed | None:
    """A candidate as scoring reads it; None for the subject the ID number matched."""
    if row[1] in q.exclude:
        return None
    kind, sealed = row[_KIND], row[_SEALED]
    birth_date = None
    if q.query.birth_date is not None and kind == identity.SubjectKind.PERSON:
        # read from the sealed ID number only when the query gives a date to compare
        if sealed not in born:
            number = identity.decrypt_id(sealed, keys=settings.FIELD_ENCRYPTION_KEYS)
            born[sealed] = match_index.birth_date_of(number)
        birth_date = born[sealed]
    return matching.Listed(
        kind=kind,
        name=row[_NAME],
        other_names=tuple(other_names),
        birth_date=birth_date,
        gender=row[_GENDER],
        region_code=row[_CODE],
        region_name=row[_REGION],
    )


def id_hints(raw: str) -> tuple[datetime.date | None, str, str]:
    """What an ID number that failed its checks may still tell scored matching: the birth
    date, gender and region its digits hold, when they read as such (a typo in one digit
    leaves the rest right). ("", "") and None where they do not."""
    number = identity.normalize_id(raw)
    if len(number) != 18 or not number[:17].isdigit():
        return None, "", ""
    born = match_index.birth_date_of(number[:17] + "0")
    if born is None or not (1900 <= born.year <= timezone.localdate().year):
        return None, "", ""
    return born, "M" if int(number[16]) % 2 else "F", number[:6]

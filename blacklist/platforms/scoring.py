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

from blacklist.models import Alias, Entry, FormerName
from blacklist.platforms.selectors import ENTRY_FIELDS, entry_documents
from blacklist.registry import identity, match_index, matching

_CHUNK = 500
_FACTS = (
    "subject_id", "subject__kind", "subject__name", "subject__gender",
    "subject__region_code", "subject__region_name", "subject__id_encrypted",
)  # fmt: skip


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
    facts = _listed_facts(entries, set().union(*wanted))
    other_names = _other_names(list(facts))
    born: dict[str, datetime.date | None] = {}  # by sealed ID: decrypted once
    kept: list[list[tuple[int, matching.Scored]]] = []
    for q, ids in zip(queries, wanted, strict=True):
        if q is None:
            kept.append([])
            continue
        scored = []
        for subject_id in ids:
            fact = facts.get(subject_id)
            if fact is None:
                continue  # not listed
            listed = _listed(fact, other_names.get(subject_id, ()), q.query, born)
            scored.append((subject_id, matching.score_candidate(q.query, listed)))
        kept.append(matching.best_candidates(scored, threshold=threshold, limit=limit))
    documents = _documents(entries, {s for pairs in kept for s, _score in pairs}, today=today)
    answers: list[list[dict[str, Any]] | None] = []
    for q, pairs in zip(queries, kept, strict=True):
        if q is None:
            answers.append(None)
            continue
        answers.append(
            [
                {
                    "score": scored.score,
                    "kind": facts[subject_id][0],
                    "name": facts[subject_id][1],
                    "explanation": scored.explanation(),
                    "entries": documents.get(subject_id, []),
                }
                for subject_id, scored in pairs
                if facts[subject_id][5] not in q.exclude
            ]
        )
    return answers


# kind, name, gender, region code, region name, keyed ID hash (for `exclude`), sealed ID
_Fact = tuple[str, str, str, str, str, str, str]


def _listed_facts(entries: QuerySet[Entry], subject_ids: set[int]) -> dict[int, _Fact]:
    """What scoring reads of the candidates that are listed: one query per chunk."""
    facts: dict[int, _Fact] = {}
    ordered = sorted(subject_ids)
    for start in range(0, len(ordered), _CHUNK):
        rows = entries.filter(subject_id__in=ordered[start : start + _CHUNK]).values_list(
            *_FACTS, "subject__id_hmac"
        )
        for subject_id, kind, name, gender, code, region, sealed, digest in rows:
            facts[subject_id] = (kind, name, gender, code, region, digest, sealed)
    return facts


def _other_names(subject_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Former names and aliases of the candidates (most have none)."""
    names: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(subject_ids), _CHUNK):
        chunk = subject_ids[start : start + _CHUNK]
        for model, source in ((FormerName, "former_name"), (Alias, "alias")):
            for subject_id, name in (
                model.objects.filter(subject_id__in=chunk)
                .order_by("subject_id", "id")
                .values_list("subject_id", "name")
            ):
                names[subject_id].append((name, source))
    return names


def _listed(
    fact: _Fact,
    other_names: Sequence[tuple[str, str]],
    query: matching.Query,
    born: dict[str, datetime.date | None],
) -> matching.Listed:
    kind, name, gender, code, region, _digest, sealed = fact
    birth_date = None
    if query.birth_date is not None and kind == identity.SubjectKind.PERSON:
        # read from the sealed ID number only when the query gives a date to compare
        if sealed not in born:
            number = identity.decrypt_id(sealed, keys=settings.FIELD_ENCRYPTION_KEYS)
            born[sealed] = match_index.birth_date_of(number)
        birth_date = born[sealed]
    return matching.Listed(
        kind=kind,
        name=name,
        other_names=tuple(other_names),
        birth_date=birth_date,
        gender=gender,
        region_code=code,
        region_name=region,
    )


def _documents(
    entries: QuerySet[Entry], subject_ids: set[int], *, today: datetime.date
) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ordered = sorted(subject_ids)
    for start in range(0, len(ordered), _CHUNK):
        rows = list(
            entries.filter(subject_id__in=ordered[start : start + _CHUNK])
            .order_by("term_start", "public_id")
            .values_list("subject_id", *ENTRY_FIELDS)
        )
        documents = entry_documents(rows, reveal=True, today=today, offset=1)
        for row, document in zip(rows, documents, strict=True):
            grouped[row[0]].append(document)
    return grouped


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

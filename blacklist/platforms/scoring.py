"""Scored checks: the listed subjects a customer's name may mean, each with its score and the
explanation of each feature (registry/matching.py), for clients with the `identity` scope.

A handful of queries for a whole check, not one per subject: the listed holders of every
subject's candidate keys at once (a bounded number a key), the listed bearers of each exact
name, the candidates' facts, their other names, then the entries of those that scored at or
above the threshold.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from blacklist.models import Entry, Subject
from blacklist.platforms.selectors import ENTRY_FIELDS, entry_documents, raw_rows
from blacklist.registry import identity, match_index, matching, naming


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
    today = timezone.localdate()
    entries = Entry.objects.listed(today=today) if as_of is None else Entry.objects.listed_on(as_of)
    by_key = match_index.candidates_by_key(
        [k for keys in keys_of for k in keys],
        listed=entries,
        per_key=max(settings.SCORED_CANDIDATES_PER_KEY, limit),
    )
    folded = [naming.fold_name(q.query.name) if q is not None else "" for q in queries]
    exact = match_index.namesakes(
        folded, listed=entries, per_name=max(settings.SCORED_CANDIDATES_PER_KEY, limit)
    )
    wanted = [
        {s for k in keys for s in by_key.get(k, ())} | set(exact.get(name, ()))
        for keys, name in zip(keys_of, folded, strict=True)
    ]
    dated = any(q is not None and q.query.birth_date is not None for q in queries)
    facts = _facts(set().union(*wanted), sealed=dated)
    other_names = match_index.other_names(list(facts))
    born: dict[str, datetime.date | None] = {}  # by sealed ID: decrypted once
    kept: list[list[tuple[int, matching.Scored]] | None] = []
    for q, ids in zip(queries, wanted, strict=True):
        if q is None:
            kept.append(None)
            continue
        # Namesakes alike in all the query gives (a name alone: the same name) score alike:
        # each such candidate is scored once.
        scores: dict[tuple, matching.Scored] = {}
        scored = []
        for subject_id in ids:
            row = facts.get(subject_id)
            if row is None or row[_HMAC] in q.exclude:  # or the subject its ID number matched
                continue
            alike = _as_scored(row, other_names.get(subject_id, ()), q.query, born)
            if (score := scores.get(alike)) is None:
                score = scores[alike] = matching.score_candidate(q.query, matching.Listed(*alike))
            scored.append((subject_id, score))
        kept.append(matching.best_candidates(scored, threshold=threshold, limit=limit))
    # the entries as answered: only of the candidates kept, far fewer than those scored
    shown = _documents(entries, {s for pairs in kept if pairs for s, _score in pairs}, today=today)
    explained: dict[int, dict[str, dict[str, object]]] = {}  # by Scored: namesakes share one
    return [
        # a candidate whose entries ended since it was scored is left out
        None
        if pairs is None
        else [_candidate(shown[s], sc, explained) for s, sc in pairs if s in shown]
        for pairs in kept
    ]


# Facts of a candidate: the subject's id and keyed ID hash, then what scoring reads.
_FACTS = (
    "id", "id_hmac", "kind", "name", "gender", "region_code", "region_name", "id_encrypted",
)  # fmt: skip
_ID, _HMAC, _KIND, _NAME, _GENDER, _CODE, _REGION, _SEALED = range(len(_FACTS))
_OFFSET = 2  # rows of shown entries: the subject's id and keyed ID hash, then ENTRY_FIELDS


def _facts(subject_ids: set[int], *, sealed: bool) -> dict[int, tuple]:
    """What scoring reads of these subjects, by id: one query. They are listed (the reads of
    keys and namesakes kept only those); the entries answered are read again as listed. The
    sealed ID number (for the birth date) only when a query gives a date."""
    fields = _FACTS if sealed else _FACTS[:_SEALED]
    rows = Subject.objects.filter(id__one_of=subject_ids).values_list(*fields)
    return {row[_ID]: row for row in rows}


def _documents(
    entries: QuerySet[Entry], subject_ids: set[int], *, today: datetime.date
) -> dict[int, list[dict[str, Any]]]:
    """The entries of the candidates kept, as the API shows them, by subject, oldest term
    first: one query."""
    rows = raw_rows(
        entries.filter(subject_id__one_of=subject_ids)
        .order_by("term_start", "public_id")
        .values_list("subject_id", "subject__id_hmac", *ENTRY_FIELDS)
    )
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row, document in zip(
        rows, entry_documents(rows, reveal=True, today=today, offset=_OFFSET), strict=True
    ):
        documents[row[0]].append(document)
    return documents


def _candidate(
    documents: list[dict[str, Any]],
    scored: matching.Scored,
    explained: dict[int, dict[str, dict[str, object]]],
) -> dict[str, Any]:
    subject = documents[0]["subject"]
    if id(scored) not in explained:
        explained[id(scored)] = scored.explanation()
    return {
        "score": scored.score,
        "kind": subject["kind"],
        "name": subject["name"],
        "explanation": explained[id(scored)],
        "entries": documents,
    }


def _as_scored(
    row: tuple,
    other_names: Sequence[tuple[str, str]],
    query: matching.Query,
    born: dict[str, datetime.date | None],
) -> tuple:
    """A candidate's fields of `matching.Listed`, in order, holding only what the query gives
    to compare: namesakes alike in it are one tuple, scored once."""
    kind, birth_date = row[_KIND], None
    if query.birth_date is not None and kind == identity.SubjectKind.PERSON:
        # read from the sealed ID number only when the query gives a date to compare
        if (sealed := row[_SEALED]) not in born:
            number = identity.decrypt_id(sealed, keys=settings.FIELD_ENCRYPTION_KEYS)
            born[sealed] = match_index.birth_date_of(number)
        birth_date = born[sealed]
    region = bool(query.region.strip())
    return (
        kind,
        row[_NAME],
        tuple(other_names),
        birth_date,
        row[_GENDER] if query.gender else "",
        row[_CODE] if region else "",
        row[_REGION] if region else "",
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

"""Screening for credit platforms: checks of up to 1,000 subjects at once and lookups of
`entries/` by ID number or name, with their quota, guard and audit."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.guard import services as guard
from blacklist.models import (
    ApiClient,
    ApiScope,
    Entry,
    subject_hmac,
)
from blacklist.platforms import scoring
from blacklist.platforms.selectors import ENTRY_FIELDS, entry_documents
from blacklist.registry import identity, matching, naming

MAX_CHECK_SUBJECTS = 1000
MATCH_MODES = ("exact", "scored")
MAX_CANDIDATES = 50
# SQLite and PostgreSQL both take this many parameters in one IN list comfortably.
_IN_CHUNK = 500


def checked_subject_hmac(raw_number: str) -> str:
    """`subject_hmac` of an ID number as a caller typed it, checked first: IdentityError if it
    is not a valid ID number or credit code (`subject_hmac` hashes whatever it is given)."""
    return subject_hmac(identity.parse_identity(raw_number).number)


def entries_lookup_admit(*, client: ApiClient, id_number: str, name: str) -> None:
    """A lookup of `entries/` by ID number or name is a check of one subject: it counts
    against the quota and, without `identity`, as a guess about a masked identity."""
    if not id_number and not name:
        return
    volume = guard.quota_take(client=client, subjects=1)
    if client.has_scope(ApiScope.IDENTITY):
        return
    subject = CheckSubject(ref="", id_number=id_number, name=name)
    guard.guard(
        actor=guard.Actor.of_client(client),
        probes=_probes([subject], [_question(subject)]),
        volume=volume,
        volume_everyone=guard.subjects_today(),
    )


def lookup_audit(*, id_number: str, name: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """What the audit log keeps of an `entries/` lookup by ID number or name: one subject
    asked, whether it was found listed, and its keyed hash; nothing for a plain listing."""
    if id_number:
        identifier = checked_subject_hmac(id_number)  # valid: the filter has accepted it
    elif name:
        identifier = naming.name_hmac(name, key=settings.ID_LOOKUP_KEY)
    else:
        return {}
    return {
        "subjects": 1,
        "hits": int(any(document["listed"] for document in documents)),
        "identifiers": [identifier],
    }


# --- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckSubject:
    ref: str
    id_number: str = ""
    name: str = ""
    # what scored matching compares besides the name
    birth_date: datetime.date | None = None
    gender: str = ""  # "M", "F" or ""
    region: str = ""  # a region code or a region's name


@dataclass(frozen=True)
class Scoring:
    """How a check matches names: `exact` (the full name folded) or `scored` (candidates)."""

    mode: str = "exact"
    threshold: float = matching.DEFAULT_THRESHOLD
    limit: int = matching.DEFAULT_LIMIT


@dataclass
class CheckResult:
    ref: str
    listed: bool | None
    match: str | None = None
    name_agrees: bool | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None
    error: dict[str, str] | None = None
    candidates: list[dict[str, Any]] | None = None  # scored mode only

    def as_dict(self) -> dict[str, Any]:
        """As answered: `candidates` only in scored mode, so exact answers keep their shape."""
        data = dict(self.__dict__)
        if data["candidates"] is None:
            del data["candidates"]
        return data


@dataclass(frozen=True)
class CheckOutcome:
    results: list[CheckResult]
    identifiers: list[str]  # keyed HMACs of what was asked, for the audit log
    scoring: Scoring = Scoring()  # as applied: scored only for clients with `identity`

    @property
    def hits(self) -> int:
        return sum(1 for result in self.results if result.listed)


@dataclass(frozen=True)
class _Question:
    """One subject as understood: by ID (its lookup key and number), by name, or an error."""

    by: str  # "id", "name" or "error"
    key: str = ""  # the ID's keyed HMAC, or the folded name
    number: str = ""  # the normalised ID number; never leaves this module
    error: identity.IdentityError | None = None


def checks_run(
    *,
    client: ApiClient,
    subjects: Sequence[CheckSubject],
    as_of: datetime.date | None,
    scoring_asked: Scoring | None = None,
) -> CheckOutcome:
    """Screen up to MAX_CHECK_SUBJECTS subjects of one client in a handful of queries.

    The subjects count against the client's daily quota; for a client without `identity`,
    the guesses they make about masked identities are counted first, and a request that
    looks like enumeration is refused before it is answered (see blacklist.guard.services).

    Scored matching (`scoring_asked.mode == "scored"`) is for clients with `identity` only:
    its candidates name people, and for anyone else a list of near names would tell what a
    masked name hides. Other clients are answered in exact mode, as the outcome says.
    """
    questions = [_question(subject) for subject in subjects]
    volume = guard.quota_take(client=client, subjects=len(subjects))
    reveal = client.has_scope(ApiScope.IDENTITY)
    scored = scoring_asked is not None and scoring_asked.mode == "scored" and reveal
    by_id, by_name = _lookups(questions, as_of=as_of, reveal=reveal, names=not scored)
    if not reveal:  # nothing found is shown before the guard has counted the guesses
        guard.guard(
            actor=guard.Actor.of_client(client),
            probes=_probes(subjects, questions, found=by_id),
            volume=volume,
            volume_everyone=guard.subjects_today(),
        )
    outcome = _answers(subjects, questions, by_id=by_id, by_name=by_name, reveal=reveal)
    if not scored:
        return outcome
    assert scoring_asked is not None  # noqa: S101 - narrowed by `scored`
    _add_candidates(subjects, questions, outcome.results, by_id, as_of=as_of, how=scoring_asked)
    return CheckOutcome(outcome.results, outcome.identifiers, scoring_asked)


def _add_candidates(
    subjects: Sequence[CheckSubject],
    questions: Sequence["_Question"],
    results: list[CheckResult],
    by_id: dict[str, list[dict[str, Any]]],
    *,
    as_of: datetime.date | None,
    how: Scoring,
) -> None:
    """Every subject with a name gets its candidates; an ID number still decides `listed`
    alone, and the subject it matched is not proposed again."""
    queries = [_scored_query(s, q, by_id) for s, q in zip(subjects, questions, strict=True)]
    found = scoring.candidates_find(queries, as_of=as_of, threshold=how.threshold, limit=how.limit)
    for result, candidates in zip(results, found, strict=True):
        result.candidates = candidates
        if candidates is None or result.match == "id_number":
            continue
        result.match = "name" if candidates else None
        result.note = _name_note(reveal=True) if candidates else None


def _scored_query(
    subject: CheckSubject, question: "_Question", by_id: dict[str, list[dict[str, Any]]]
) -> scoring.ScoredQuery | None:
    if not subject.name.strip():
        return None
    birth_date, gender, region = subject.birth_date, subject.gender, subject.region
    if question.by == "error" and subject.id_number.strip():
        hint_date, hint_gender, hint_region = scoring.id_hints(subject.id_number)
        birth_date = birth_date or hint_date
        gender, region = gender or hint_gender, region or hint_region
    elif question.by == "id":
        ident = identity.parse_identity(question.number)
        if ident.kind == identity.SubjectKind.PERSON:
            birth_date = birth_date or ident.birth_date
            gender, region = gender or ident.gender, region or ident.region_code
    exclude = (
        frozenset([question.key])
        if question.by == "id" and by_id.get(question.key)
        else frozenset()
    )
    return scoring.ScoredQuery(
        matching.Query(subject.name, birth_date=birth_date, gender=gender, region=region),
        exclude=exclude,
    )


def _question(subject: CheckSubject) -> _Question:
    if subject.id_number.strip():
        try:
            number = identity.parse_identity(subject.id_number).number
        except identity.IdentityError as error:
            return _Question("error", error=error)
        return _Question("id", key=subject_hmac(number), number=number)
    if subject.name.strip():
        return _Question("name", key=naming.fold_name(subject.name))
    return _Question(
        "error",
        error=identity.IdentityError("nothing_to_check", _("Give an ID number, a name, or both.")),
    )


def _probes(
    subjects: Sequence[CheckSubject],
    questions: Sequence[_Question],
    *,
    found: dict[str, list[dict[str, Any]]] | None = None,
) -> list[guard.Probe]:
    """What the subjects guess: full IDs around the masks of real subjects, names tried
    against them, and names alone, around one-character masks.

    With `found` (the listed entries by ID key), a name beside an ID counts only when the
    ID is listed: only then does `name_agrees` answer, and whether the ID is listed is
    answered anyway, so counting no other names tells nothing. Without it, every such
    name counts.
    """
    by_id = [
        (probe, subject, question)
        for subject, question in zip(subjects, questions, strict=True)
        if question.by == "id" and (probe := guard.id_probe(question.number))
    ]
    known = guard.masks_of_subjects(probe for probe, _s, _q in by_id)
    probes = []
    for probe, subject, question in by_id:
        if probe.pattern not in known:
            continue
        probes.append(probe)
        if subject.name.strip() and (found is None or question.key in found):
            probes.append(guard.id_name_probe(question.number, subject.name))
    for subject, question in zip(subjects, questions, strict=True):
        if question.by == "name":
            probes.extend(guard.name_probes(subject.name))
    return probes


def _lookups(
    questions: Sequence[_Question], *, as_of: datetime.date | None, reveal: bool, names: bool
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The listed entries by ID key and (unless scored matching answers names) by folded
    name: one query per kind of key (in chunks), not one per subject."""
    today = timezone.localdate()
    entries = Entry.objects.listed(today=today) if as_of is None else Entry.objects.listed_on(as_of)
    by_id, by_name = (
        _documents_by(
            entries, column, {q.key for q in questions if q.by == by}, reveal=reveal, today=today
        )
        if by == "id" or names
        else {}
        for by, column in (("id", "subject__id_hmac"), ("name", "subject__name_key"))
    )
    return by_id, by_name


def _answers(
    subjects: Sequence[CheckSubject],
    questions: Sequence[_Question],
    *,
    by_id: dict[str, list[dict[str, Any]]],
    by_name: dict[str, list[dict[str, Any]]],
    reveal: bool,
) -> CheckOutcome:
    results = []
    identifiers = []
    for subject, question in zip(subjects, questions, strict=True):
        if question.error is not None:
            results.append(
                CheckResult(
                    ref=subject.ref,
                    listed=None,
                    error={"code": question.error.code, "message": str(question.error.message)},
                )
            )
        elif question.by == "id":
            identifiers.append(question.key)
            found = by_id.get(question.key, [])
            agrees = None
            if found and subject.name:
                agrees = naming.fold_name(subject.name) == found[0]["_name_key"]
            results.append(
                CheckResult(
                    ref=subject.ref,
                    listed=bool(found),
                    match="id_number" if found else None,
                    name_agrees=agrees,
                    entries=[_public(doc) for doc in found],
                )
            )
        else:
            identifiers.append(naming.name_hmac(subject.name, key=settings.ID_LOOKUP_KEY))
            results.append(_name_only(subject.ref, by_name.get(question.key, []), reveal=reveal))
    return CheckOutcome(results=results, identifiers=identifiers)


def _name_only(ref: str, found: list[dict[str, Any]], *, reveal: bool) -> CheckResult:
    """A name decides nothing: `listed` is only ever answered by an ID number. A client
    with `identity` sees the entries to review; any other learns only that a listed entry
    bears the name, since the entries would name whom a masked name hides."""
    if not found:
        return CheckResult(ref=ref, listed=None)
    return CheckResult(
        ref=ref,
        listed=None,
        match="name",
        entries=[_public(doc) for doc in found] if reveal else [],
        note=_name_note(reveal=reveal),
    )


def _name_note(*, reveal: bool) -> str:
    if reveal:
        return _(
            "Matched on the name only. A name is not an identification: different people "
            "share names, so confirm with the ID number."
        )
    return _(
        "A listed entry bears this name. A name is not an identification: check this "
        "customer by ID number to learn whether they are listed."
    )


def _documents_by(
    entries: QuerySet[Entry], column: str, keys: set[str], *, reveal: bool, today: datetime.date
) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ordered = sorted(keys)
    for start in range(0, len(ordered), _IN_CHUNK):
        rows = list(
            entries.filter(**{column + "__in": ordered[start : start + _IN_CHUNK]})
            .order_by("term_start", "public_id")
            .values_list(column, "subject__name_key", *ENTRY_FIELDS)
        )
        documents = entry_documents(rows, reveal=reveal, today=today, offset=2)
        for (key, name_key, *_rest), doc in zip(rows, documents, strict=True):
            doc["_name_key"] = name_key
            grouped[key].append(doc)
    return grouped


def _public(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if not k.startswith("_")}

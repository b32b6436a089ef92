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
from blacklist.platforms.selectors import ENTRY_FIELDS, entry_documents
from blacklist.registry import identity, naming

MAX_CHECK_SUBJECTS = 1000
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


@dataclass
class CheckResult:
    ref: str
    listed: bool | None
    match: str | None = None
    name_agrees: bool | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None
    error: dict[str, str] | None = None


@dataclass(frozen=True)
class CheckOutcome:
    results: list[CheckResult]
    identifiers: list[str]  # keyed HMACs of what was asked, for the audit log

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
) -> CheckOutcome:
    """Screen up to MAX_CHECK_SUBJECTS subjects of one client in a handful of queries.

    The subjects count against the client's daily quota; for a client without `identity`,
    the guesses they make about masked identities are counted first, and a request that
    looks like enumeration is refused before it is answered (see blacklist.guard.services).
    """
    questions = [_question(subject) for subject in subjects]
    volume = guard.quota_take(client=client, subjects=len(subjects))
    reveal = client.has_scope(ApiScope.IDENTITY)
    by_id, by_name = _lookups(questions, as_of=as_of, reveal=reveal)
    if not reveal:  # nothing found is shown before the guard has counted the guesses
        guard.guard(
            actor=guard.Actor.of_client(client),
            probes=_probes(subjects, questions, found=by_id),
            volume=volume,
            volume_everyone=guard.subjects_today(),
        )
    return _answers(subjects, questions, by_id=by_id, by_name=by_name, reveal=reveal)


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
    questions: Sequence[_Question], *, as_of: datetime.date | None, reveal: bool
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The listed entries by ID key and by folded name: one query per kind of key (in
    chunks), not one per subject."""
    today = timezone.localdate()
    entries = Entry.objects.listed(today=today) if as_of is None else Entry.objects.listed_on(as_of)
    by_id, by_name = (
        _documents_by(
            entries, column, {q.key for q in questions if q.by == by}, reveal=reveal, today=today
        )
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
    if reveal:
        note = _(
            "Matched on the name only. A name is not an identification: different people "
            "share names, so confirm with the ID number."
        )
    else:
        note = _(
            "A listed entry bears this name. A name is not an identification: check this "
            "customer by ID number to learn whether they are listed."
        )
    return CheckResult(
        ref=ref,
        listed=None,
        match="name",
        entries=[_public(doc) for doc in found] if reveal else [],
        note=note,
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

"""Read paths for credit platforms: what the API shows them, checks and the change feed.

Platforms see every programme, public or not, but only notices that are published:
never a draft, a scheduled or a withdrawn notice. Full ID numbers and names leave the
portal only for clients with the `identity` scope (`reveal=True`); everyone else gets
the masks the public pages use.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.feed.changes import last_change_seq
from blacklist.guard import services as guard
from blacklist.models import (
    ApiClient,
    ApiScope,
    ChangeEvent,
    Entry,
    EntryQuerySet,
    Notice,
    NoticeStatus,
    Programme,
    subject_hmac,
)
from blacklist.registry import identity
from blacklist.registry.identity import SubjectKind

MAX_CHECK_SUBJECTS = 1000
# SQLite and PostgreSQL both take this many parameters in one IN list comfortably.
_IN_CHUNK = 500

# What the feed says of an entry: enough to keep a copy of the list in step. The rest
# (offence, measures, reasons) is one `entries/{public_id}/` away.
FEED_ENTRY_FIELDS = (
    "public_id",
    "notice_id",
    "notice__programme__code",
    "notice__programme__name_mask",
    "status",
    "term_start",
    "term_end",
    "subject__kind",
    "subject__name",
    "subject__id_masked",
    "subject__id_encrypted",
    "subject__gender",
    "subject__region_code",
    "subject__region_name",
)
ENTRY_FIELDS = (
    *FEED_ENTRY_FIELDS,
    "status_reason",
    "status_changed_at",
    "offence",
    "measures",
    "updated_at",
)


def programmes_for_platforms() -> QuerySet[Programme]:
    return Programme.objects.order_by("code")


def notices_for_platforms() -> QuerySet[Notice]:
    return (
        Notice.objects.filter(status=NoticeStatus.PUBLISHED)
        .select_related("authority", "programme")
        .order_by("-published_at", "-id")
    )


def entries_for_platforms() -> QuerySet[Entry]:
    return Entry.objects.filter(notice__status=NoticeStatus.PUBLISHED)


def subject_hmac_of(raw_number: str) -> str:
    """The lookup key of an ID number as a caller typed it; IdentityError if it is invalid."""
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
        identifier = subject_hmac_of(id_number)  # valid: the filter has accepted it
    elif name:
        identifier = identity.name_hmac(name, key=settings.ID_LOOKUP_KEY)
    else:
        return {}
    return {
        "subjects": 1,
        "hits": int(any(document["listed"] for document in documents)),
        "identifiers": [identifier],
    }


def entry_documents(
    rows: Iterable[Sequence[Any]], *, reveal: bool, today: datetime.date, offset: int = 0
) -> list[dict[str, Any]]:
    """Entries as the API shows them, from rows holding FEED_ENTRY_FIELDS (from `offset`)
    and, when longer, the rest of ENTRY_FIELDS. Written for speed: a feed page has 10,000."""
    encryption_keys = settings.FIELD_ENCRYPTION_KEYS
    in_force = EntryQuerySet.in_force
    tz = timezone.get_current_timezone()
    full = offset + len(ENTRY_FIELDS)
    documents = []
    for row in rows:
        (public_id, notice, programme, mask_style, status, term_start, term_end, kind, name,
         masked, sealed, gender, region_code, region_name) = row[offset : offset + 14]  # fmt: skip
        if reveal:
            number = identity.decrypt_id(sealed, keys=encryption_keys)
        else:
            name = identity.mask_name(name, kind=SubjectKind(kind), style=mask_style)
            number = masked
        document = {
            "public_id": public_id,
            "notice": notice,
            "programme": programme,
            "status": status,
            "listed": in_force(
                status=status, term_start=term_start, term_end=term_end, today=today
            ),
            "term_start": term_start.isoformat(),
            "term_end": term_end.isoformat(),
            "subject": {
                "kind": kind,
                "name": name,
                "id_number": number,
                "id_number_masked": masked,
                "gender": gender,
                "region_code": region_code,
                "region_name": region_name,
            },
        }
        if len(row) >= full:
            reason, changed, offence, measures, updated = row[offset + 14 : full]
            document |= {
                "status_reason": reason,
                "status_changed_at": _local_iso(changed, tz) if changed else None,
                "offence": offence,
                "measures": measures,
                "updated_at": _local_iso(updated, tz),
            }
        documents.append(document)
    return documents


def _local_iso(moment: datetime.datetime, tz: datetime.tzinfo) -> str:
    if moment.tzinfo is None:  # a raw SQLite row: stored in UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(tz).isoformat()


def _raw_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """Rows as the database driver returns them, for the feed's hot path.

    Django's per-value converters cost a third of a 10,000-event page; the drivers
    already return dates and times as objects (naive UTC on SQLite, see `_local_iso`).
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- the change feed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangePage:
    events: list[dict[str, Any]]
    next_after: int
    last_seq: int


def changes_after(*, after: int, limit: int, reveal: bool) -> ChangePage:
    """Events after `after` in sequence order.

    Numbers are handed out without gaps and committed in order (see `changes_record`),
    so reading `seq > after` never skips an event that commits later.
    """
    # Programme code and mask come from a map of the page's few notices rather than two
    # more joins per row: a tenth of the page's time.
    rows = _raw_rows(
        ChangeEvent.objects.filter(seq__gt=after)
        .order_by("seq")
        .values_list(
            "seq",
            "kind",
            "reason",
            "occurred_at",
            "entry__public_id",
            "entry__notice_id",
            *("entry__" + f for f in FEED_ENTRY_FIELDS[4:]),
        )[:limit]
    )
    programmes = {
        notice: (code, mask)
        for notice, code, mask in Notice.objects.filter(
            id__in={row[5] for row in rows}
        ).values_list("id", "programme__code", "programme__name_mask")
    }
    rows = [row[:6] + programmes[row[5]] + row[6:] for row in rows]
    entries = entry_documents(rows, reveal=reveal, today=timezone.localdate(), offset=4)
    tz = timezone.get_current_timezone()
    events = [
        {
            "seq": seq,
            "kind": kind,
            "reason": reason,
            "occurred_at": _local_iso(occurred_at, tz),
            "entry": entry,
        }
        for (seq, kind, reason, occurred_at, *_rest), entry in zip(rows, entries, strict=True)
    ]
    return ChangePage(
        events=events,
        next_after=events[-1]["seq"] if events else after,
        last_seq=last_change_seq(),
    )


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
        return _Question("name", key=identity.fold_name(subject.name))
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
                agrees = identity.fold_name(subject.name) == found[0]["_name_key"]
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
            identifiers.append(identity.name_hmac(subject.name, key=settings.ID_LOOKUP_KEY))
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

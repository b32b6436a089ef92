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
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist import identity
from blacklist.changes import last_change_seq
from blacklist.identity import SubjectKind
from blacklist.models import (
    ChangeEvent,
    Entry,
    EntryStatus,
    Notice,
    NoticeStatus,
    Programme,
    subject_hmac,
)

MAX_CHECK_SUBJECTS = 1000
# SQLite and PostgreSQL both take this many parameters in one IN list comfortably.
_IN_CHUNK = 500

ENTRY_FIELDS = (
    "public_id",
    "notice_id",
    "notice__programme__code",
    "notice__programme__name_mask",
    "status",
    "status_reason",
    "status_changed_at",
    "term_start",
    "term_end",
    "offence",
    "measures",
    "updated_at",
    "subject__kind",
    "subject__name",
    "subject__name_key",
    "subject__id_masked",
    "subject__id_encrypted",
    "subject__gender",
    "subject__region_code",
    "subject__region_name",
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


def entry_documents(
    rows: Iterable[dict[str, Any]], *, reveal: bool, prefix: str = "", today: datetime.date
) -> list[dict[str, Any]]:
    """Entries as the API shows them, from `values()` rows holding ENTRY_FIELDS."""
    keys = {name: prefix + name for name in ENTRY_FIELDS}
    documents = []
    for row in rows:

        def value(name: str, row: dict[str, Any] = row) -> Any:
            return row[keys[name]]

        kind = value("subject__kind")
        if reveal:
            name = value("subject__name")
            number = identity.decrypt_id(
                value("subject__id_encrypted"), keys=settings.FIELD_ENCRYPTION_KEYS
            )
        else:
            name = identity.mask_name(
                value("subject__name"),
                kind=SubjectKind(kind),
                style=value("notice__programme__name_mask"),
            )
            number = value("subject__id_masked")
        status = value("status")
        term_start, term_end = value("term_start"), value("term_end")
        documents.append(
            {
                "public_id": value("public_id"),
                "notice": value("notice_id"),
                "programme": value("notice__programme__code"),
                "status": status,
                "listed": status == EntryStatus.ACTIVE and term_start <= today <= term_end,
                "status_reason": value("status_reason"),
                "status_changed_at": _time(value("status_changed_at")),
                "term_start": term_start.isoformat(),
                "term_end": term_end.isoformat(),
                "offence": value("offence"),
                "measures": value("measures"),
                "updated_at": _time(value("updated_at")),
                "subject": {
                    "kind": kind,
                    "name": name,
                    "id_number": number,
                    "id_number_masked": value("subject__id_masked"),
                    "gender": value("subject__gender"),
                    "region_code": value("subject__region_code"),
                    "region_name": value("subject__region_name"),
                },
            }
        )
    return documents


def _time(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


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
    rows = list(
        ChangeEvent.objects.filter(seq__gt=after)
        .order_by("seq")
        .values("seq", "kind", "reason", "occurred_at", *("entry__" + f for f in ENTRY_FIELDS))[
            :limit
        ]
    )
    entries = entry_documents(rows, reveal=reveal, prefix="entry__", today=timezone.localdate())
    events = [
        {
            "seq": row["seq"],
            "kind": row["kind"],
            "reason": row["reason"],
            "occurred_at": _time(row["occurred_at"]),
            "entry": entry,
        }
        for row, entry in zip(rows, entries, strict=True)
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


def checks_run(
    *, subjects: Sequence[CheckSubject], as_of: datetime.date | None, reveal: bool
) -> CheckOutcome:
    """Screen up to MAX_CHECK_SUBJECTS subjects in a handful of queries.

    An ID number matches exactly on its normalised form; a name alone matches folded
    full names only, and the answer says that a name is not an identification.
    """
    today = timezone.localdate()
    asked: list[tuple[str, str] | identity.IdentityError] = []
    identifiers = []
    for subject in subjects:
        if not subject.id_number.strip() and not subject.name.strip():
            asked.append(
                identity.IdentityError("nothing_to_check", _("Give an ID number, a name, or both."))
            )
        elif subject.id_number.strip():
            try:
                digest = subject_hmac_of(subject.id_number)
            except identity.IdentityError as error:
                asked.append(error)
                continue
            asked.append(("id", digest))
            identifiers.append(digest)
        else:
            key = identity.fold_name(subject.name)
            asked.append(("name", key))
            identifiers.append(identity.name_hmac(subject.name, key=settings.ID_LOOKUP_KEY))

    entries = Entry.objects.listed(today=today) if as_of is None else Entry.objects.listed_on(as_of)
    by_id = _documents_by(
        entries,
        "subject__id_hmac",
        {a[1] for a in asked if isinstance(a, tuple) and a[0] == "id"},
        reveal=reveal,
        today=today,
    )
    by_name = _documents_by(
        entries,
        "subject__name_key",
        {a[1] for a in asked if isinstance(a, tuple) and a[0] == "name"},
        reveal=reveal,
        today=today,
    )

    results = []
    for subject, question in zip(subjects, asked, strict=True):
        if isinstance(question, identity.IdentityError):
            results.append(
                CheckResult(
                    ref=subject.ref,
                    listed=None,
                    error={"code": question.code, "message": str(question.message)},
                )
            )
        elif question[0] == "id":
            found = by_id.get(question[1], [])
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
            found = by_name.get(question[1], [])
            results.append(
                CheckResult(
                    ref=subject.ref,
                    listed=bool(found),
                    match="name" if found else None,
                    entries=[_public(doc) for doc in found],
                    note=_(
                        "Matched on the name only. A name is not an identification: "
                        "different people share names, so confirm with the ID number."
                    )
                    if found
                    else None,
                )
            )
    return CheckOutcome(results=results, identifiers=identifiers)


def _documents_by(
    entries: QuerySet[Entry], column: str, keys: set[str], *, reveal: bool, today: datetime.date
) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ordered = sorted(keys)
    for start in range(0, len(ordered), _IN_CHUNK):
        rows = list(
            entries.filter(**{column + "__in": ordered[start : start + _IN_CHUNK]})
            .order_by("term_start", "public_id")
            .values(column, *ENTRY_FIELDS)
        )
        for row, doc in zip(rows, entry_documents(rows, reveal=reveal, today=today), strict=True):
            doc["_name_key"] = row["subject__name_key"]
            grouped[row[column]].append(doc)
    return grouped


def _public(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if not k.startswith("_")}

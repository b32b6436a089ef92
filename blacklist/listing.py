"""Putting subjects on a notice: one subject per real identity, one entry per notice and subject."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist import identity
from blacklist.identity import Identity
from blacklist.models import Entry, Notice, NoticeStatus, Subject

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ListingRow:
    name: str
    identity: Identity
    offence: str = ""
    measures: str = ""
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None


@dataclass(frozen=True)
class ListingResult:
    entries: int
    subjects_created: int
    subjects_linked: int


def subject_hmac(number: str) -> str:
    return identity.lookup_hmac(number, key=settings.ID_LOOKUP_KEY)


def new_subject(*, name: str, ident: Identity, digest: str | None = None) -> Subject:
    return Subject(
        kind=ident.kind,
        name=name.strip(),
        name_key=identity.fold_name(name),
        id_hmac=digest or subject_hmac(ident.number),
        id_encrypted=identity.encrypt_id(ident.number, keys=settings.FIELD_ENCRYPTION_KEYS),
        id_masked=identity.mask_id(ident.number),
        gender=ident.gender,
        region_code=ident.region_code,
        region_name=ident.region_name,
    )


def default_term_start(notice: Notice) -> datetime.date:
    """Rows without a start date start on the planned publication day, or today."""
    return timezone.localdate(notice.publish_at) if notice.publish_at else timezone.localdate()


def term_of(
    row: ListingRow, *, notice: Notice, default_start: datetime.date
) -> tuple[datetime.date, datetime.date]:
    start = row.term_start or default_start
    return start, row.term_end or notice.programme.default_term(start)[1]


def subjects_known(digests: Sequence[str]) -> dict[str, int]:
    """Subject ids by HMAC, for the identities already on some notice."""
    known: dict[str, int] = {}
    for start in range(0, len(digests), BATCH_SIZE):
        chunk = digests[start : start + BATCH_SIZE]
        known.update(Subject.objects.filter(id_hmac__in=chunk).values_list("id_hmac", "id"))
    return known


def listings_add(
    *, notice: Notice, rows: Sequence[ListingRow], default_start: datetime.date | None = None
) -> ListingResult:
    """Add rows to a draft notice in one transaction, with set-based writes."""
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice accepts new entries."))
    digests = [subject_hmac(row.identity.number) for row in rows]
    with transaction.atomic():
        return listings_write(
            notice=notice,
            rows=rows,
            digests=digests,
            known=subjects_known(digests),
            default_start=default_start or default_term_start(notice),
        )


def listings_write(
    *,
    notice: Notice,
    rows: Sequence[ListingRow],
    digests: Sequence[str],
    known: dict[str, int],
    default_start: datetime.date,
) -> ListingResult:
    """The writes of listings_add, for callers that already looked the subjects up.

    Subjects already known from earlier notices are linked, not duplicated. Missing
    offence, measures and term come from the notice's programme.
    """
    programme = notice.programme
    missing = [
        new_subject(name=row.name, ident=row.identity, digest=digest)
        for row, digest in zip(rows, digests, strict=True)
        if digest not in known
    ]
    # PostgreSQL and SQLite (3.35+) return the new ids from bulk inserts.
    Subject.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    subject_ids = known | {subject.id_hmac: subject.pk for subject in missing}
    entries = []
    for row, digest in zip(rows, digests, strict=True):
        start, end = term_of(row, notice=notice, default_start=default_start)
        entries.append(
            Entry(
                notice_id=notice.pk,
                subject_id=subject_ids[digest],
                offence=row.offence or programme.default_offence,
                measures=row.measures or programme.default_measures,
                term_start=start,
                term_end=end,
            )
        )
    Entry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    return ListingResult(
        entries=len(entries),
        subjects_created=len(missing),
        subjects_linked=len(rows) - len(missing),
    )

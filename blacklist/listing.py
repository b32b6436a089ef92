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


def new_subject(*, name: str, ident: Identity) -> Subject:
    return Subject(
        kind=ident.kind,
        name=name.strip(),
        name_key=identity.fold_name(name),
        id_hmac=subject_hmac(ident.number),
        id_encrypted=identity.encrypt_id(ident.number, keys=settings.FIELD_ENCRYPTION_KEYS),
        id_masked=identity.mask_id(ident.number),
        gender=ident.gender,
        region_code=ident.region_code,
        region_name=ident.region_name,
    )


def listings_add(
    *, notice: Notice, rows: Sequence[ListingRow], default_start: datetime.date | None = None
) -> ListingResult:
    """Add rows to a draft notice in one transaction, with set-based writes.

    Subjects already known from earlier notices are linked, not duplicated. Missing
    offence, measures and term come from the notice's programme.
    """
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice accepts new entries."))
    programme = notice.programme
    start_default = default_start or (
        timezone.localdate(notice.publish_at) if notice.publish_at else timezone.localdate()
    )
    with transaction.atomic():
        subjects, created = _subjects_for(rows)
        entries = []
        for row in rows:
            start = row.term_start or start_default
            end = row.term_end or programme.default_term(start)[1]
            entries.append(
                Entry(
                    notice=notice,
                    subject=subjects[row.identity.number],
                    offence=row.offence or programme.default_offence,
                    measures=row.measures or programme.default_measures,
                    term_start=start,
                    term_end=end,
                )
            )
        Entry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    return ListingResult(
        entries=len(entries), subjects_created=created, subjects_linked=len(subjects) - created
    )


def _subjects_for(rows: Sequence[ListingRow]) -> tuple[dict[str, Subject], int]:
    """Existing or new subjects for the rows, keyed by normalised number; and how many are new."""
    by_hmac = {subject_hmac(row.identity.number): row for row in rows}
    found: dict[str, Subject] = {}
    hmacs = list(by_hmac)
    for start in range(0, len(hmacs), BATCH_SIZE):
        chunk = hmacs[start : start + BATCH_SIZE]
        found.update((s.id_hmac, s) for s in Subject.objects.filter(id_hmac__in=chunk))
    missing = [
        new_subject(name=row.name, ident=row.identity)
        for digest, row in by_hmac.items()
        if digest not in found
    ]
    # PostgreSQL and SQLite (3.35+) return the new ids from bulk inserts.
    Subject.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    found.update((s.id_hmac, s) for s in missing)
    return {row.identity.number: found[h] for h, row in by_hmac.items()}, len(missing)

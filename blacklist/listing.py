"""Putting subjects on a notice: one subject per real identity, one entry per notice and subject."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist import bulk, identity
from blacklist.identity import Identity
from blacklist.models import Notice, NoticeStatus, subject_hmac

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ListingRow:
    name: str
    identity: Identity
    offence: str = ""
    measures: str = ""
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None


class PreparedListing(NamedTuple):
    """A listing ready to write. A tuple: a million of them pickle and unpickle quickly."""

    kind: str
    name: str
    name_key: str
    digest: str
    id_encrypted: str
    id_masked: str
    gender: str
    region_code: str
    region_name: str
    offence: str
    measures: str
    term_start: str  # ISO dates: what both databases take, and cheap to spool
    term_end: str


@dataclass(frozen=True)
class ListingResult:
    entries: int
    subjects_created: int
    subjects_linked: int


def default_term_start(notice: Notice) -> datetime.date:
    """Rows without a start date start on the planned publication day, or today."""
    return timezone.localdate(notice.publish_at) if notice.publish_at else timezone.localdate()


def term_of(
    row: ListingRow, *, notice: Notice, default_start: datetime.date
) -> tuple[datetime.date, datetime.date]:
    start = row.term_start or default_start
    return start, row.term_end or notice.programme.default_term(start)[1]


def listing_prepare(
    row: ListingRow, *, notice: Notice, default_start: datetime.date, digest: str | None = None
) -> PreparedListing:
    """Everything a listing needs written, with the ID number already sealed and masked."""
    start, end = term_of(row, notice=notice, default_start=default_start)
    ident = row.identity
    programme = notice.programme
    return PreparedListing(
        digest=digest or subject_hmac(ident.number),
        kind=ident.kind.value,
        name=row.name.strip(),
        name_key=identity.fold_name(row.name),
        id_encrypted=identity.encrypt_id(ident.number, keys=settings.FIELD_ENCRYPTION_KEYS),
        id_masked=identity.mask_id(ident.number),
        gender=ident.gender,
        region_code=ident.region_code,
        region_name=ident.region_name,
        offence=row.offence or programme.default_offence,
        measures=row.measures or programme.default_measures,
        term_start=start.isoformat(),
        term_end=end.isoformat(),
    )


def listings_add(
    *, notice: Notice, rows: Sequence[ListingRow], default_start: datetime.date | None = None
) -> ListingResult:
    """Add rows to a draft notice in one transaction, with set-based writes."""
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice accepts new entries."))
    start = default_start or default_term_start(notice)
    prepared = [listing_prepare(row, notice=notice, default_start=start) for row in rows]
    with transaction.atomic():
        return listings_write(notice=notice, rows=prepared)


def listings_write(*, notice: Notice, rows: Sequence[Sequence[object]]) -> ListingResult:
    """Write prepared listings (PreparedListing or the same plain tuple) in the caller's
    transaction. Subjects known from earlier notices are linked, not duplicated; a subject
    already on this notice breaks the one-entry-per-notice constraint and so the transaction.
    """
    created = bulk.listings_insert(notice.pk, rows)
    return ListingResult(
        entries=len(rows), subjects_created=created, subjects_linked=len(rows) - created
    )

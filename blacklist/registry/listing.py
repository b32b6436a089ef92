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

from blacklist.models import ImportRun, Notice, NoticeStatus, Programme
from blacklist.registry import bulk, identity, matching, naming
from blacklist.registry.identity import Identity

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ListingRow:
    name: str
    identity: Identity
    offence: str = ""
    measures: str = ""
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None
    aliases: tuple[str, ...] = ()  # former names and aliases the list gives


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
    aliases: str = ""  # joined by ALIAS_JOINER
    name_keys: str = ""  # the candidate keys of the name (matching.encode_keys)
    alias_keys: str = ""  # and of the aliases


@dataclass(frozen=True)
class ListingResult:
    entries: int
    subjects_created: int
    subjects_linked: int
    subjects_renamed: int = 0


def default_term_start(notice: Notice) -> datetime.date:
    """Rows without a start date start on the planned publication day, or today."""
    return timezone.localdate(notice.publish_at) if notice.publish_at else timezone.localdate()


@dataclass(frozen=True)
class ListingDefaults:
    """What a notice gives rows that leave fields empty, read from the database once."""

    start: datetime.date
    programme: Programme

    def term(self, row: ListingRow) -> tuple[datetime.date, datetime.date]:
        """The row's own dates; else the default start, and the programme's term from there."""
        start = row.term_start or self.start
        return start, row.term_end or self.programme.default_term(start)[1]


def listing_defaults(notice: Notice, *, start: datetime.date | None = None) -> ListingDefaults:
    return ListingDefaults(start=start or default_term_start(notice), programme=notice.programme)


def listings_prepare(
    rows: Sequence[ListingRow],
    *,
    defaults: ListingDefaults,
    encryption_keys: Sequence[str],
    lookup_key: bytes,
    seal: bool = True,
) -> list[tuple[str, ...]]:
    """What listings need written, as plain tuples in PreparedListing's order: the ID number
    hashed, sealed and masked, the name folded, the notice's defaults filled in. Digests and
    seals are made for all rows at once. With seal=False the sealed ID is left empty (rows of a
    file that cannot be committed, which are never written)."""
    numbers = [row.identity.number for row in rows]
    digests = identity.lookup_hmacs(numbers, key=lookup_key)
    sealed = identity.encrypt_ids(numbers, keys=encryption_keys) if seal else [""] * len(rows)
    programme = defaults.programme
    terms: dict[tuple[datetime.date | None, datetime.date | None], tuple[str, str]] = {}
    prepared: list[tuple[str, ...]] = []
    for row, digest, token in zip(rows, digests, sealed, strict=True):
        ident = row.identity
        term = terms.get((row.term_start, row.term_end))
        if term is None:  # a file usually gives every row the same term
            start, end = defaults.term(row)
            term = terms[row.term_start, row.term_end] = (start.isoformat(), end.isoformat())
        prepared.append(
            (
                ident.kind.value,
                row.name.strip(),
                naming.fold_name(row.name),
                digest,
                token,
                identity.mask_id(ident.number),
                ident.gender,
                ident.region_code,
                ident.region_name,
                row.offence or programme.default_offence,
                row.measures or programme.default_measures,
                *term,
                *_names_and_keys(row, lookup_key=lookup_key, keyed=seal),
            )
        )
    return prepared


def _names_and_keys(row: ListingRow, *, lookup_key: bytes, keyed: bool) -> tuple[str, str, str]:
    """The aliases, the name's keys and the aliases' keys of a row. Made here, where the ID
    number is at hand, since the keys of a person hold the birth date (keyed hashes only)."""
    if not keyed:  # a row of a file that is never written
        return matching.ALIAS_JOINER.join(row.aliases), "", ""
    ident = row.identity
    born = ident.birth_date if ident.kind == identity.SubjectKind.PERSON else None
    kind = ident.kind.value
    name_keys = matching.subject_keys([row.name], kind=kind, birth_date=born, secret=lookup_key)
    alias_keys = (
        matching.subject_keys(row.aliases, kind=kind, birth_date=born, secret=lookup_key)
        if row.aliases
        else []
    )
    return (
        matching.ALIAS_JOINER.join(row.aliases),
        matching.encode_keys(name_keys),
        matching.encode_keys(alias_keys),
    )


def listings_add(
    *, notice: Notice, rows: Sequence[ListingRow], default_start: datetime.date | None = None
) -> ListingResult:
    """Add rows to a draft notice in one transaction, with set-based writes."""
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice accepts new entries."))
    prepared = listings_prepare(
        rows,
        defaults=listing_defaults(notice, start=default_start),
        encryption_keys=settings.FIELD_ENCRYPTION_KEYS,
        lookup_key=settings.ID_LOOKUP_KEY,
    )
    with transaction.atomic():
        return listings_write(notice=notice, rows=prepared)


def listings_write(
    *, notice: Notice, rows: Sequence[Sequence[object]], import_run: ImportRun | None = None
) -> ListingResult:
    """Write prepared listings (PreparedListing or the same plain tuple) in the caller's
    transaction. Subjects known from earlier notices are linked, not duplicated; a subject
    already on this notice breaks the one-entry-per-notice constraint and so the transaction.
    Entries remember the import that wrote them, so that it can be taken out of a draft.
    """
    created = bulk.listings_insert(
        notice.pk, rows, import_run_id=import_run.pk if import_run else None
    )
    return ListingResult(
        entries=len(rows), subjects_created=created, subjects_linked=len(rows) - created
    )

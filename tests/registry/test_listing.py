"""Preparing listings for the registry, one at a time or many at once."""

import datetime

import pytest
from django.conf import settings

from blacklist.models import Subject
from blacklist.public.search import subjects_matching_name
from blacklist.registry import identity, naming
from blacklist.registry.listing import (
    PreparedListing,
    listing_defaults,
    listings_add,
    listings_prepare,
)
from tests import factories

pytestmark = pytest.mark.django_db
START = datetime.date(2024, 3, 1)


def prepared_many(rows, notice, *, seal=True):
    return listings_prepare(
        rows,
        defaults=listing_defaults(notice, start=START),
        encryption_keys=settings.FIELD_ENCRYPTION_KEYS,
        lookup_key=settings.ID_LOOKUP_KEY,
        seal=seal,
    )


def test_each_row_is_prepared_with_its_identity_sealed_and_the_notice_defaults():
    notice = factories.draft_notice(prog=factories.programme(term_months=36))
    rows = factories.people_rows(2)
    rows += factories.people_rows(1, offence="出售电话卡", term_start=datetime.date(2023, 1, 31))
    rows += factories.people_rows(1, term_end=datetime.date(2030, 2, 28))

    prepared = [PreparedListing(*ready) for ready in prepared_many(rows, notice)]

    keys = settings.FIELD_ENCRYPTION_KEYS
    for ready, row in zip(prepared, rows, strict=True):
        number = row.identity.number
        assert ready.digest == identity.lookup_hmac(number, key=settings.ID_LOOKUP_KEY)
        assert identity.decrypt_id(ready.id_encrypted, keys=keys) == number
        assert number not in ready
        assert (ready.id_masked, ready.name_key) == (
            identity.mask_id(number),
            naming.fold_name(row.name),
        )
        assert (ready.kind, ready.gender, ready.region_name) == (
            row.identity.kind,
            row.identity.gender,
            row.identity.region_name,
        )
    assert [(r.offence, r.measures) for r in prepared[1:3]] == [
        ("出租、出售银行卡", "限制开户"),
        ("出售电话卡", "限制开户"),
    ]
    assert [(r.term_start, r.term_end) for r in prepared[1:]] == [
        ("2024-03-01", "2027-02-28"),
        ("2023-01-31", "2026-01-30"),
        ("2024-03-01", "2030-02-28"),
    ]
    (alone,) = prepared_many(rows[:1], notice)
    # one row alone is prepared as among many (only the seal's random nonce differs)
    assert prepared[0] == PreparedListing(*alone)._replace(id_encrypted=prepared[0].id_encrypted)


def test_rows_of_a_file_that_cannot_be_written_are_not_sealed():
    notice = factories.draft_notice()

    (ready,) = prepared_many(factories.people_rows(1), notice, seal=False)

    assert PreparedListing(*ready).id_encrypted == ""


def test_added_subjects_are_found_by_name_and_known_ones_are_linked():
    first, second = factories.draft_notice(batch=1), factories.draft_notice(batch=2)
    known = factories.people_rows(2)
    listings_add(notice=first, rows=known)

    result = listings_add(notice=second, rows=[*factories.people_rows(2), *known])

    assert (result.entries, result.subjects_created, result.subjects_linked) == (4, 2, 2)
    assert [e.subject.name for e in factories.entries_of(second)][2:] == [r.name for r in known]
    for subject in Subject.objects.all():
        found = Subject.objects.filter(id__in=subjects_matching_name(subject.name_key))
        assert subject in found

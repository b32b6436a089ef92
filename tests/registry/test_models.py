import datetime

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from blacklist.models import Entry, EntryStatus, Notice, NoticeStatus, Subject
from blacklist.registry.bulk import SUBJECT_COLUMNS
from blacklist.registry.listing import listing_defaults, listings_add, listings_prepare
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_it_refuses_a_second_subject_for_the_same_identity():
    notice = factories.draft_notice()
    (ready,) = listings_prepare(
        factories.people_rows(1),
        defaults=listing_defaults(notice, start=TODAY),
        encryption_keys=settings.FIELD_ENCRYPTION_KEYS,
        lookup_key=settings.ID_LOOKUP_KEY,
    )
    fields = dict(zip(SUBJECT_COLUMNS, ready[: len(SUBJECT_COLUMNS)], strict=True))
    Subject.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.create(**(fields | {"name": "另一个名字"}))
    assert notice.entries.count() == 0


def test_it_refuses_the_same_subject_twice_on_one_notice():
    notice = factories.published_notice(count=1)
    entry = factories.entries_of(notice)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            notice=notice,
            subject=entry.subject,
            offence="x",
            measures="y",
            term_start=TODAY,
            term_end=TODAY + datetime.timedelta(days=1),
        )


def test_it_refuses_a_term_that_ends_before_it_starts():
    notice = factories.published_notice(count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(notice=notice).update(term_end=TODAY - datetime.timedelta(days=365))


def test_it_refuses_a_notice_approved_by_its_preparer():
    notice = factories.draft_notice()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(
            status=NoticeStatus.APPROVED, approved_by=notice.prepared_by
        )


def test_it_refuses_a_published_notice_without_approval_or_time():
    notice = factories.draft_notice()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.PUBLISHED)


class TestCurrentlyPublic:
    def test_it_shows_active_entries_of_published_public_notices(self):
        notice = factories.published_notice(count=2)
        assert set(Entry.objects.currently_public()) == set(notice.entries.all())

    def test_it_hides_entries_of_drafts(self):
        notice = factories.draft_notice()
        listings_add(notice=notice, rows=factories.people_rows(2))
        assert not Entry.objects.currently_public().exists()
        assert not Entry.objects.listed().exists()

    def test_it_hides_entries_of_withdrawn_notices(self):
        notice = factories.published_notice(count=2)
        Notice.objects.filter(pk=notice.pk).update(
            status=NoticeStatus.WITHDRAWN, withdrawn_at=notice.published_at
        )
        assert not Entry.objects.currently_public().exists()

    def test_it_hides_expired_and_revoked_entries(self):
        notice = factories.published_notice(count=2)
        first, second = factories.entries_of(notice)
        Entry.objects.filter(pk=first.pk).update(status=EntryStatus.EXPIRED)
        Entry.objects.filter(pk=second.pk).update(status=EntryStatus.REVOKED)
        assert not Entry.objects.currently_public().exists()

    def test_it_hides_an_entry_the_day_after_its_term_even_before_the_expiry_job(self):
        end = TODAY - datetime.timedelta(days=1)
        factories.published_notice(count=1, start=end - datetime.timedelta(days=700), end=end)
        assert Entry.objects.filter(status=EntryStatus.ACTIVE).count() == 1
        assert not Entry.objects.currently_public().exists()

    def test_it_shows_an_entry_on_the_last_day_of_its_term(self):
        factories.published_notice(count=1, start=TODAY - datetime.timedelta(days=700), end=TODAY)
        assert Entry.objects.currently_public().count() == 1

    def test_it_hides_an_entry_whose_term_has_not_started(self):
        factories.published_notice(count=1, start=TODAY + datetime.timedelta(days=1))
        assert not Entry.objects.currently_public().exists()

    def test_it_keeps_non_public_programmes_for_platforms_only(self):
        hidden = factories.programme(code="platforms-only", public=False)
        factories.published_notice(count=2, prog=hidden)
        assert not Entry.objects.currently_public().exists()
        assert Entry.objects.listed().count() == 2
        assert not Notice.objects.public().exists()

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from blacklist import publication
from blacklist.changes import last_change_seq
from blacklist.listing import listings_add
from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus, NoticeStatus
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def feed() -> list[tuple[int, str, int]]:
    return list(ChangeEvent.objects.order_by("seq").values_list("seq", "kind", "entry_id"))


def test_it_refuses_approval_by_the_official_who_prepared_the_notice():
    notice = factories.draft_notice()
    with pytest.raises(ValidationError):
        publication.notice_approve(notice=notice, by=notice.prepared_by)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT


def test_it_announces_every_entry_once_when_a_notice_is_published():
    notice = factories.published_notice(count=4)
    ids = [entry.id for entry in factories.entries_of(notice)]
    assert feed() == [(seq, ChangeKind.LISTED, entry_id) for seq, entry_id in enumerate(ids, 1)]
    publication.notice_publish(notice=notice)
    assert len(feed()) == 4


def test_it_refuses_to_publish_a_draft():
    notice = factories.draft_notice()
    with pytest.raises(ValidationError):
        publication.notice_publish(notice=notice)
    assert not ChangeEvent.objects.exists()


def test_it_publishes_scheduled_notices_when_their_time_comes():
    notice = factories.draft_notice()
    listings_add(notice=notice, rows=factories.people_rows(2))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    publish_at = timezone.now() + datetime.timedelta(minutes=5)
    publication.notice_schedule(notice=notice, publish_at=publish_at)

    assert publication.notices_publish_due() == []
    assert publication.notices_publish_due(now=publish_at) == [notice.pk]
    assert publication.notices_publish_due(now=publish_at) == []
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.published_at == publish_at
    assert Entry.objects.currently_public().count() == 2


def test_it_expires_entries_whose_term_ended_and_says_so_once():
    end = TODAY - datetime.timedelta(days=1)
    ended = factories.published_notice(count=3, start=end - datetime.timedelta(days=700), end=end)
    running = factories.published_notice(count=2)

    assert publication.entries_expire_due() == 3
    assert publication.entries_expire_due() == 0
    statuses = dict(Entry.objects.values_list("id", "status"))
    assert {statuses[e.id] for e in factories.entries_of(ended)} == {EntryStatus.EXPIRED}
    assert {statuses[e.id] for e in factories.entries_of(running)} == {EntryStatus.ACTIVE}
    expired_events = [entry_id for _, kind, entry_id in feed() if kind == ChangeKind.EXPIRED]
    assert sorted(expired_events) == sorted(e.id for e in factories.entries_of(ended))


def test_the_feed_has_no_gaps_after_a_failed_change():
    factories.published_notice(count=2)
    notice = factories.draft_notice()
    listings_add(notice=notice, rows=factories.people_rows(2))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    with pytest.raises(RuntimeError), transaction.atomic():
        # A failure after the events were numbered rolls the numbers back with the change.
        publication.notice_publish(notice=notice)
        raise RuntimeError("failure after the publication")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED
    assert last_change_seq() == 2
    publication.notice_publish(notice=notice)
    assert [seq for seq, _, _ in feed()] == [1, 2, 3, 4]

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from blacklist.feed.changes import last_change_seq
from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus, Notice, NoticeStatus
from blacklist.publication import services as publication
from blacklist.registry.listing import listings_add
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


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


@pytest.mark.parametrize("ago", [datetime.timedelta(0), datetime.timedelta(days=1)])
def test_a_publication_time_that_is_not_ahead_is_refused_and_changes_nothing(ago):
    notice = factories.draft_notice()
    publication.notice_approve(notice=notice, by=factories.official("approver"))

    with pytest.raises(ValidationError) as refused:
        publication.notice_schedule(notice=notice, publish_at=timezone.now() - ago)

    assert refused.value.messages == ["请先设定一个将来的发布时间。"]
    notice.refresh_from_db()
    assert (notice.status, notice.publish_at) == (NoticeStatus.APPROVED, None)


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
    end = TODAY + datetime.timedelta(days=1)
    ended = factories.published_notice(count=3, start=end - datetime.timedelta(days=700), end=end)
    running = factories.published_notice(count=2)

    assert publication.entries_expire_due() == 0  # the term's last day is still in force
    day_after = end + datetime.timedelta(days=1)
    assert publication.entries_expire_due(today=day_after) == 3
    assert publication.entries_expire_due(today=day_after) == 0
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


def test_a_term_that_begins_after_publication_is_listed_on_the_feed_when_it_begins():
    later = TODAY + datetime.timedelta(days=5)
    notice = factories.draft_notice()
    listings_add(notice=notice, rows=factories.people_rows(2, term_start=later))
    listings_add(notice=notice, rows=factories.people_rows(1))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    publication.notice_publish(notice=notice)
    entries = factories.entries_of(notice)
    waiting = [entry for entry in entries if entry.term_start == later]
    (in_force,) = [entry for entry in entries if entry.term_start != later]
    assert [(kind, entry) for _, kind, entry in feed()] == [(ChangeKind.LISTED, in_force.id)]

    assert publication.entries_start_due() == 0
    assert publication.entries_start_due(today=later) == 2
    assert publication.entries_start_due(today=later) == 0
    assert sorted(entry for _, kind, entry in feed()[1:] if kind == ChangeKind.LISTED) == sorted(
        entry.id for entry in waiting
    )


def test_an_entry_the_feed_never_listed_is_never_ended_on_it():
    waiting = factories.published_notice(count=3, start=TODAY + datetime.timedelta(days=5))
    first, *rest = factories.entries_of(waiting)
    factories.revoked(first, reason="异议成立")
    factories.withdrawn(waiting, reason="发布有误")
    over = factories.published_notice(
        count=2, start=TODAY - datetime.timedelta(days=400), end=TODAY - datetime.timedelta(days=1)
    )
    assert publication.entries_expire_due() == 2

    statuses = dict(Entry.objects.values_list("id", "status"))
    assert statuses[first.id] == EntryStatus.REVOKED
    assert {statuses[entry.id] for entry in rest} == {EntryStatus.WITHDRAWN}
    assert {statuses[entry.id] for entry in factories.entries_of(over)} == {EntryStatus.EXPIRED}
    assert feed() == []  # none of them was ever in force on the feed, so nothing to end
    assert publication.entries_start_due(today=TODAY + datetime.timedelta(days=5)) == 0


def test_a_scheduled_notice_published_late_is_public_from_when_it_was_published():
    notice = factories.draft_notice()
    listings_add(notice=notice, rows=factories.people_rows(1))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    planned = timezone.now() - datetime.timedelta(days=10)
    publication.notice_schedule(
        notice=notice, publish_at=planned, now=planned - datetime.timedelta(days=1)
    )

    publication.notices_publish_due()

    notice.refresh_from_db()
    assert notice.published_at > planned + datetime.timedelta(days=9)
    # `as_of` reads publication history: it was not listed while nobody could see it
    entry = factories.entries_of(notice)[0]
    assert not Entry.objects.listed_on(TODAY - datetime.timedelta(days=5)).filter(pk=entry.pk)
    assert Entry.objects.listed_on(TODAY).filter(pk=entry.pk).exists()


def test_a_draft_is_saved_by_its_preparer_and_an_approved_notice_is_not_edited():
    preparer, approver = factories.official("drafter"), factories.official("approver")
    notice = Notice(
        authority=factories.authority(), programme=factories.programme(), title="第二批"
    )
    publication.notice_draft_save(notice=notice, by=preparer)
    assert Notice.objects.get(pk=notice.pk).prepared_by == preparer
    with pytest.raises(ValidationError):
        publication.notice_approve(notice=notice, by=preparer)
    publication.notice_approve(notice=notice, by=approver)
    notice.refresh_from_db()
    notice.title = "改过的标题"
    with pytest.raises(ValidationError):
        publication.notice_draft_save(notice=notice, by=preparer)
    assert Notice.objects.get(pk=notice.pk).title == "第二批"

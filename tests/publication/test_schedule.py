"""The clock drives publication: beat sends the periodic tasks, a real worker runs them.

No test here calls a publication service to publish or expire; only the schedules in
the database (as officials edit them in the admin) and the worker do.
"""

import datetime
import time
from collections.abc import Iterator

import pytest
from celery.beat import EmbeddedService
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus, Notice, NoticeStatus
from blacklist.publication import services as publication
from blacklist.registry.listing import listings_add
from portal.celery import app
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TASKS = (
    "blacklist.tasks.publish_due_notices",
    "blacklist.tasks.expire_due_entries",
    "blacklist.tasks.start_due_entries",
)


@pytest.fixture
def beat(worker) -> Iterator[None]:
    """Beat on the database scheduler, with the clock's tasks due every second.

    The defaults (every minute, every hour) are rows a migration wrote; this test's
    database was emptied by earlier tests, so it writes its own, as an official would in
    the admin's periodic tasks.
    """
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    for task in TASKS:
        PeriodicTask.objects.update_or_create(
            name=f"{task} every second", defaults={"task": task, "interval": every_second}
        )
    service = EmbeddedService(
        app, thread=True, scheduler_cls="django_celery_beat.schedulers:DatabaseScheduler"
    )
    service.start()
    yield
    service.stop()


def test_a_scheduled_notice_is_published_on_time_by_the_clock(beat):
    notice = factories.draft_notice()
    listings_add(notice=notice, rows=factories.people_rows(3))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    publish_at = timezone.now() + datetime.timedelta(seconds=3)
    publication.notice_schedule(notice=notice, publish_at=publish_at)

    def published() -> bool:
        return Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PUBLISHED).exists()

    assert factories.wait_for(published, timeout=60), "beat and the worker did not publish it"
    notice.refresh_from_db()
    # public from the moment the clock published it, never before its time
    assert publish_at <= notice.published_at <= timezone.now()
    assert Entry.objects.currently_public().filter(notice=notice).count() == 3
    listed = ChangeEvent.objects.filter(kind=ChangeKind.LISTED, entry__notice=notice)
    assert listed.count() == 3


def test_an_entry_whose_term_ended_is_expired_by_the_clock(beat):
    ended = factories.published_notice(count=2)
    factories.terms_end(ended)
    running = factories.published_notice(count=1)

    def expired() -> bool:
        return Entry.objects.filter(notice=ended, status=EntryStatus.EXPIRED).count() == 2

    assert factories.wait_for(expired, timeout=60), "beat and the worker did not expire them"
    assert Entry.objects.filter(notice=running, status=EntryStatus.ACTIVE).count() == 1
    assert ChangeEvent.objects.filter(kind=ChangeKind.EXPIRED, entry__notice=ended).count() == 2


def test_an_entry_whose_term_begins_after_publication_is_listed_by_the_clock(beat):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    notice = factories.published_notice(count=2, start=tomorrow)
    listed = ChangeEvent.objects.filter(kind=ChangeKind.LISTED, entry__notice=notice)
    assert not listed.exists()  # not in force yet, so not on the feed

    # Time passes: the term begins today.
    Entry.objects.filter(notice=notice).update(term_start=timezone.localdate())

    assert factories.wait_for(lambda: listed.count() == 2, timeout=60), "not listed by the clock"
    time.sleep(2)  # a few more beats
    assert listed.count() == 2

"""A real Celery worker, on whichever broker the settings name (Redis in CI)."""

import pytest

from blacklist import tasks
from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_expires_listings_whose_term_ended(worker):
    ended = factories.published_notice(count=3)
    factories.terms_end(ended)
    running = factories.published_notice(count=2)

    tasks.expire_due_entries.delay()

    def all_expired() -> bool:
        return Entry.objects.filter(notice=ended, status=EntryStatus.EXPIRED).count() == 3

    assert factories.wait_for(all_expired), "the worker did not expire the entries"
    assert Entry.objects.filter(notice=running, status=EntryStatus.ACTIVE).count() == 2
    assert ChangeEvent.objects.filter(kind=ChangeKind.EXPIRED).count() == 3

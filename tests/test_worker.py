"""A real Celery worker, on whichever broker the settings name (Redis in CI)."""

import datetime
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from blacklist import tasks
from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus
from portal.celery import app
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def broker_reachable() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception:
        return False
    return True


@pytest.fixture
def worker(tmp_path):
    if app.conf.broker_url.startswith("filesystem://"):
        # Keep test messages away from a development worker sharing var/.
        folder = tmp_path / "broker"
        folder.mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "store_processed": False,
        }
    if not broker_reachable():
        message = f"broker {app.conf.broker_url} is not reachable"
        if os.getenv("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
        yield running
    connection.close()


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_expires_listings_whose_term_ended(worker):
    end = datetime.date.today() - datetime.timedelta(days=1)
    ended = factories.published_notice(count=3, start=end - datetime.timedelta(days=700), end=end)
    running = factories.published_notice(count=2)

    tasks.expire_due_entries.delay()

    def all_expired() -> bool:
        return Entry.objects.filter(notice=ended, status=EntryStatus.EXPIRED).count() == 3

    assert wait_for(all_expired), "the worker did not expire the entries"
    assert Entry.objects.filter(notice=running, status=EntryStatus.ACTIVE).count() == 2
    assert ChangeEvent.objects.filter(kind=ChangeKind.EXPIRED).count() == 3

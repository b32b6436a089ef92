"""A process running a task dies in the middle of its transaction: nothing is half done,
and the next run of the task (on a real worker) completes the work exactly once.

On PostgreSQL, where a task can be stopped between its first writes and its commit.
"""

import datetime
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.utils import timezone

from blacklist import tasks
from blacklist.models import (
    ChangeCounter,
    ChangeEvent,
    ChangeKind,
    Entry,
    EntryStatus,
    Notice,
    NoticeStatus,
)
from blacklist.publication import services as publication
from blacklist.registry.listing import listings_add
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def a_database_with_row_locks() -> None:
    # SQLite takes its one write lock when a transaction begins, so a process held from
    # outside is stopped before its transaction starts, never in the middle of it.
    if connection.vendor == "sqlite":
        pytest.skip("needs row locks to stop a task inside its transaction (PostgreSQL)")


ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def change_feed_held() -> Iterator[None]:
    """Hold the change feed's counter, so a task that starts now stops inside its
    transaction, after its first writes and before it can commit."""
    db = connection.settings_dict
    ChangeCounter.objects.get_or_create(name="changes")
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    ) as holder:
        holder.execute("SELECT value FROM blacklist_changecounter FOR UPDATE")
        try:
            yield
        finally:
            holder.rollback()


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def killed_mid_run(task_name: str) -> None:
    """Run one task in a process of its own and kill it (SIGKILL) while it is inside."""
    env = {**os.environ, "DATABASE_URL": database_url()}
    code = f"import django; django.setup(); from blacklist import tasks; tasks.{task_name}.apply()"
    with change_feed_held():
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
        try:
            assert factories.wait_for(waiting_on_a_lock, timeout=30), "the task never started"
            assert process.poll() is None, "the task finished although the feed was held"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_a_publication_killed_midway_leaves_the_notice_unpublished_and_the_next_run_publishes_it(
    worker,
):
    notice = factories.draft_notice()
    listings_add(notice=notice, rows=factories.people_rows(25))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    publish_at = timezone.now() - datetime.timedelta(seconds=1)
    publication.notice_schedule(
        notice=notice, publish_at=publish_at, now=publish_at - datetime.timedelta(minutes=1)
    )

    killed_mid_run("publish_due_notices")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SCHEDULED
    assert not ChangeEvent.objects.filter(entry__notice=notice).exists()
    assert not Entry.objects.currently_public().filter(notice=notice).exists()

    tasks.publish_due_notices.delay()

    def published() -> bool:
        return Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PUBLISHED).exists()

    assert factories.wait_for(published, timeout=60), "the next run did not publish it"
    listed = ChangeEvent.objects.filter(kind=ChangeKind.LISTED, entry__notice=notice)
    assert listed.count() == listed.values("entry").distinct().count() == 25
    assert LogEntry.objects.filter(object_id=str(notice.pk), change_message__startswith="published")
    assert Entry.objects.currently_public().filter(notice=notice).count() == 25


def test_an_expiry_killed_midway_leaves_every_entry_as_it_was_and_the_next_run_expires_them(
    worker,
):
    notice = factories.published_notice(count=30)
    factories.terms_end(notice)
    before = ChangeEvent.objects.count()

    killed_mid_run("expire_due_entries")

    assert Entry.objects.filter(notice=notice, status=EntryStatus.ACTIVE).count() == 30
    assert ChangeEvent.objects.count() == before

    tasks.expire_due_entries.delay()

    def expired() -> bool:
        return Entry.objects.filter(notice=notice, status=EntryStatus.EXPIRED).count() == 30

    assert factories.wait_for(expired, timeout=60), "the next run did not expire them"
    events = ChangeEvent.objects.filter(kind=ChangeKind.EXPIRED, entry__notice=notice)
    assert events.count() == events.values("entry").distinct().count() == 30
    assert ChangeEvent.objects.count() == before + 30

"""Two lists that name the same new person, committed at the same time to two notices: both
land, on one subject. On PostgreSQL, where the second waits for the first's new subject."""

import threading

import pytest
from django.db import connection, transaction

from blacklist.importing.pipeline import import_commit
from blacklist.models import Entry, ImportStatus, Subject
from tests import factories
from tests.factories import files
from tests.importing.test_pipeline import csv_of, list_on, validated

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_for_the_first() -> bool:
    """Another session waits for a transaction to end: the second commit's insert of the
    subject the first holds uncommitted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event = 'transactionid' "
            "AND datname = current_database() AND query LIKE %s",
            ['%INSERT INTO "blacklist_subject"%'],
        )
        return cursor.fetchone()[0] > 0


def test_an_import_waiting_for_a_subject_another_commit_creates_links_its_entry_to_it(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: nothing to wait for")
    shared, own = files.people(2, seed=41)
    first_notice, second_notice = factories.draft_notice(), factories.draft_notice()
    run = validated(second_notice, csv_of(tmp_path, [shared, own]))
    held, release = threading.Event(), threading.Event()

    def first_commit() -> None:  # holds the new subject, uncommitted, until released
        try:
            with transaction.atomic():
                list_on(first_notice, [shared])
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    committed = {}

    def second_commit() -> None:
        try:
            committed["run"] = import_commit(run=run)
        finally:
            connection.close()

    first = threading.Thread(target=first_commit)
    first.start()
    assert held.wait(timeout=60)
    second = threading.Thread(target=second_commit)
    second.start()
    assert factories.wait_for(waiting_for_the_first, timeout=60), "the second never waited"
    release.set()
    first.join(timeout=60)
    second.join(timeout=120)

    assert committed["run"].status == ImportStatus.COMMITTED
    assert Subject.objects.count() == 2
    on_first = Entry.objects.get(notice=first_notice)
    assert Entry.objects.filter(notice=second_notice, subject=on_first.subject).exists()
    assert Entry.objects.filter(notice=second_notice).count() == 2

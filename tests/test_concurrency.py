"""Two workers running the same job at once write each change once, in order, without gaps."""

import datetime
import threading

import pytest
from django.db import connection

from blacklist import publication
from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(job, workers: int = 2) -> list[object]:
    barrier = threading.Barrier(workers)
    results: list[object] = []

    def target() -> None:
        barrier.wait()
        try:
            results.append(job())
        except Exception as error:  # reported by the assertion below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_expiry_runs_at_once_expire_each_entry_once():
    end = datetime.date.today() - datetime.timedelta(days=1)
    factories.published_notice(count=300, start=end - datetime.timedelta(days=700), end=end)
    listed = ChangeEvent.objects.count()

    results = run_at_once(lambda: publication.entries_expire_due(batch_size=50))

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 300  # type: ignore[arg-type]
    assert Entry.objects.filter(status=EntryStatus.EXPIRED).count() == 300
    expired = ChangeEvent.objects.filter(kind=ChangeKind.EXPIRED)
    assert expired.count() == expired.values("entry").distinct().count() == 300
    assert list(ChangeEvent.objects.values_list("seq", flat=True)) == list(range(1, listed + 301))

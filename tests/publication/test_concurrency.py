"""Two workers running the same job at once write each change once, in order, without gaps."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus
from blacklist.publication import services as publication
from blacklist.registry.listing import listings_add
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_expiry_runs_at_once_expire_each_entry_once():
    factories.terms_end(factories.published_notice(count=300))
    listed = ChangeEvent.objects.count()

    results = factories.run_at_once(lambda: publication.entries_expire_due(batch_size=50))

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 300  # type: ignore[arg-type]
    assert Entry.objects.filter(status=EntryStatus.EXPIRED).count() == 300
    expired = ChangeEvent.objects.filter(kind=ChangeKind.EXPIRED)
    assert expired.count() == expired.values("entry").distinct().count() == 300
    assert list(ChangeEvent.objects.values_list("seq", flat=True)) == list(range(1, listed + 301))


def test_two_publication_runs_at_once_publish_each_notice_once():
    notices = []
    for _ in range(3):
        notice = factories.draft_notice()
        listings_add(notice=notice, rows=factories.people_rows(40))
        publication.notice_approve(notice=notice, by=factories.official("approver"))
        notices.append(
            publication.notice_schedule(
                notice=notice,
                publish_at=timezone.now() - datetime.timedelta(minutes=1),
                now=timezone.now() - datetime.timedelta(hours=1),  # set an hour ago
            )
        )

    results = factories.run_at_once(publication.notices_publish_due)

    assert all(isinstance(result, list) for result in results), results
    published = sorted(pk for result in results for pk in result)  # type: ignore[union-attr]
    assert published == sorted(notice.pk for notice in notices)
    listed = ChangeEvent.objects.filter(kind=ChangeKind.LISTED)
    assert listed.count() == listed.values("entry").distinct().count() == 120
    assert LogEntry.objects.filter(change_message__startswith="published").count() == 3


def test_two_confirmations_of_a_withdrawal_at_once_withdraw_each_entry_once():
    notice = factories.published_notice(count=50)
    publication.notice_withdrawal_request(
        notice=notice, reason="错误发布", by=factories.official("publisher-asks")
    )
    officials = [factories.official("publisher-a"), factories.official("publisher-b")]
    turn = iter(officials)

    def confirm() -> object:
        return publication.notice_withdrawal_confirm(notice=notice, by=next(turn))

    results = factories.run_at_once(confirm)

    # One withdraws; the other finds it done and changes nothing.
    assert all(not isinstance(result, Exception) for result in results), results
    withdrawn = ChangeEvent.objects.filter(kind=ChangeKind.WITHDRAWN)
    assert withdrawn.count() == withdrawn.values("entry").distinct().count() == 50


def test_two_confirmations_of_a_revocation_at_once_revoke_the_entry_once():
    entry = factories.entries_of(factories.published_notice(count=1))[0]
    publication.entry_revocation_request(
        entry=entry, reason="错误列入", by=factories.official("publisher-asks")
    )
    turn = iter([factories.official("publisher-a"), factories.official("publisher-b")])

    def confirm() -> object:
        return publication.entry_revocation_confirm(
            entry=Entry.objects.get(pk=entry.pk), by=next(turn)
        )

    results = factories.run_at_once(confirm)

    # One revokes; the other finds it done and changes nothing.
    assert all(not isinstance(result, Exception) for result in results), results
    assert ChangeEvent.objects.filter(entry=entry, kind=ChangeKind.REVOKED).count() == 1
    assert LogEntry.objects.filter(change_message="revoked: 错误列入").count() == 1

"""The four-eyes workflow: withdrawal, return to draft, the admin log, and who may do what."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from blacklist.models import ChangeEvent, ChangeKind, Entry, EntryStatus, Notice, NoticeStatus
from blacklist.publication import services as publication
from tests import factories

pytestmark = pytest.mark.django_db


def member_of(group: str, username: str) -> Client:
    user = factories.official(username)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def log_of(obj: object) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(obj.pk))  # type: ignore[attr-defined]
        .order_by("id")
        .values_list("change_message", flat=True)
    )


def test_withdrawing_a_notice_takes_all_its_entries_off_the_list_with_the_reason():
    notice = factories.published_notice(count=4)
    revoked = factories.entries_of(notice)[0]
    factories.revoked(revoked, reason="异议成立")

    factories.withdrawn(notice, reason="名单有误")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    assert notice.withdrawal_reason == "名单有误"
    assert not Entry.objects.currently_public().filter(notice=notice).exists()
    assert not Entry.objects.listed().filter(notice=notice).exists()
    withdrawn = ChangeEvent.objects.filter(kind=ChangeKind.WITHDRAWN)
    assert withdrawn.count() == 3  # the revoked entry had left already
    assert set(withdrawn.values_list("reason", flat=True)) == {"名单有误"}
    assert Entry.objects.get(pk=revoked.pk).status == EntryStatus.REVOKED
    assert log_of(notice)[-1] == "withdrawn: 名单有误"


def test_confirming_a_withdrawal_twice_changes_nothing_the_second_time():
    notice = factories.withdrawn(factories.published_notice(count=2), reason="名单有误")
    events, logs = ChangeEvent.objects.count(), LogEntry.objects.count()

    publication.notice_withdrawal_confirm(notice=notice, by=factories.official("pub-confirms"))

    assert (ChangeEvent.objects.count(), LogEntry.objects.count()) == (events, logs)
    notice.refresh_from_db()
    assert notice.withdrawal_reason == "名单有误"


def test_withdrawal_needs_a_reason_and_a_published_notice():
    notice = factories.published_notice(count=1)
    with pytest.raises(ValidationError):
        publication.notice_withdrawal_request(
            notice=notice, reason="  ", by=factories.official("pub")
        )
    draft = factories.draft_notice()
    with pytest.raises(ValidationError):
        publication.notice_withdrawal_request(
            notice=draft, reason="名单有误", by=factories.official("pub")
        )
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED


def test_a_scheduled_notice_returned_to_draft_is_not_published_and_needs_approval_again():
    notice = factories.draft_notice()
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    publish_at = timezone.now() + datetime.timedelta(hours=1)
    publication.notice_schedule(notice=notice, publish_at=publish_at)

    publication.notice_return_to_draft(notice=notice, by=factories.official("pub"))

    assert publication.notices_publish_due(now=publish_at) == []
    notice.refresh_from_db()
    assert (notice.status, notice.approved_by, notice.publish_at) == (
        NoticeStatus.DRAFT,
        None,
        None,
    )


def test_every_transition_is_in_the_admin_log_with_who_did_it():
    notice = factories.draft_notice()
    approver = factories.official("approver")
    publication.notice_approve(notice=notice, by=approver)
    publish_at = timezone.now()
    # scheduled a minute before its time, which has now come
    publication.notice_schedule(
        notice=notice, publish_at=publish_at, now=publish_at - datetime.timedelta(minutes=1)
    )
    publication.notices_publish_due()

    entries = LogEntry.objects.filter(object_id=str(notice.pk)).order_by("id")
    assert [(e.user.username, e.change_message.split()[0]) for e in entries] == [
        ("approver", "approved"),
        (publication.SCHEDULER_USERNAME, "scheduled"),
        (publication.SCHEDULER_USERNAME, "published"),
    ]
    assert not entries[2].user.is_active  # the scheduler's account cannot log in


def test_expiry_is_logged_per_entry_by_public_id_only():
    end = datetime.date.today() - datetime.timedelta(days=1)
    notice = factories.published_notice(count=2, start=end - datetime.timedelta(days=90), end=end)

    publication.entries_expire_due()

    for entry in factories.entries_of(notice):
        log = LogEntry.objects.get(object_id=str(entry.pk), content_type__model="entry")
        assert log.object_repr == entry.public_id
        assert entry.subject.name not in log.object_repr + log.change_message


def test_the_groups_exist_with_the_workflow_permissions():
    publisher = Group.objects.get(name="publisher").permissions.values_list("codename", flat=True)
    assert {"approve_notice", "publish_notice", "withdraw_notice", "revoke_entry"} <= set(publisher)
    importer = Group.objects.get(name="importer").permissions.values_list("codename", flat=True)
    assert "add_importrun" in importer and "approve_notice" not in importer
    reviewer = Group.objects.get(name="objection reviewer").permissions
    assert reviewer.filter(codename="change_objection").exists()
    auditor = Group.objects.get(name="auditor").permissions
    assert not auditor.exclude(codename__startswith="view_").exists()
    assert auditor.filter(codename="view_querylog").exists()


def admin_action(client: Client, action: str, notice: Notice) -> str:
    response = client.post(
        "/admin/blacklist/notice/",
        {"action": action, "_selected_action": [notice.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return response.content.decode()


def test_an_importer_cannot_approve_and_a_publisher_can():
    notice = factories.draft_notice()
    importer = member_of("importer", "importer-1")
    publisher = member_of("publisher", "publisher-1")

    page = importer.get("/admin/blacklist/notice/").content.decode()
    assert 'value="approve"' not in page
    admin_action(importer, "approve", notice)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT

    admin_action(publisher, "approve", notice)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.APPROVED


def test_a_publisher_cannot_approve_a_notice_they_prepared():
    publisher = member_of("publisher", "preparer")  # the factories' preparer
    notice = factories.draft_notice()

    page = admin_action(publisher, "approve", notice)

    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT
    assert "another official" in page


def test_a_publisher_asks_for_a_withdrawal_with_a_reason_and_another_confirms_it_in_the_admin():
    notice = factories.published_notice(count=2)
    publisher = member_of("publisher", "publisher-1")
    url = f"/admin/blacklist/notice/{notice.pk}/withdraw/"

    assert publisher.post(url, {"reason": ""}).status_code == 200  # asks again
    assert Notice.objects.get(pk=notice.pk).withdrawal_requested_by is None
    response = publisher.post(url, {"reason": "名单有误"})

    assert response.status_code == 302
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED
    admin_action(member_of("publisher", "publisher-2"), "confirm_withdrawal", notice)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.WITHDRAWN
    assert member_of("importer", "importer-1").post(url, {"reason": "x"}).status_code == 403


def test_a_publisher_asks_for_a_revocation_with_a_reason_and_another_confirms_it_in_the_admin():
    entry = factories.entries_of(factories.published_notice(count=1))[0]
    url = f"/admin/blacklist/entry/{entry.pk}/revoke/"

    assert member_of("importer", "importer-1").post(url, {"reason": "x"}).status_code == 403
    response = member_of("publisher", "publisher-1").post(url, {"reason": "复核撤销"})

    assert response.status_code == 302
    assert Entry.objects.currently_public().filter(pk=entry.pk).exists()
    member_of("publisher", "publisher-2").post(
        "/admin/blacklist/entry/",
        {"action": "confirm_revocation", "_selected_action": [entry.pk]},
    )
    entry.refresh_from_db()
    assert (entry.status, entry.status_reason) == (EntryStatus.REVOKED, "复核撤销")
    assert not Entry.objects.currently_public().filter(pk=entry.pk).exists()


def test_the_clock_has_its_default_schedules_editable_in_the_admin():
    scheduled = {
        task.task: task
        for task in PeriodicTask.objects.select_related("interval", "crontab").filter(enabled=True)
    }
    every = {
        name: (t.interval.every, t.interval.period) for name, t in scheduled.items() if t.interval
    }
    assert every["blacklist.tasks.publish_due_notices"] == (1, "minutes")
    assert every["blacklist.tasks.purge_query_log"] == (1, "days")
    assert every["blacklist.tasks.purge_import_files"] == (1, "days")
    assert every["blacklist.tasks.deliver_due_webhooks"][1] in ("seconds", "minutes")
    digest = scheduled["blacklist.tasks.issue_monthly_digest"].crontab
    assert (digest.day_of_month, digest.hour, str(digest.timezone)) == ("1", "3", "Asia/Shanghai")
    assert scheduled["blacklist.tasks.rebuild_snapshots"].crontab is not None
    # Terms begin and end at midnight: both jobs run on the hour, in the portal's time zone.
    for task in ("blacklist.tasks.expire_due_entries", "blacklist.tasks.start_due_entries"):
        hourly = scheduled[task].crontab
        assert (hourly.minute, hourly.hour, str(hourly.timezone)) == ("0", "*", "Asia/Shanghai")

"""Four eyes means two people: approving, withdrawing and upholding objections each take a
second official, and a list committed to a draft by mistake can be taken out again."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from blacklist.importing import pipeline, removal
from blacklist.models import (
    ChangeEvent,
    ChangeKind,
    Delivery,
    Entry,
    EntryStatus,
    ImportRun,
    ImportStatus,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Subject,
)
from blacklist.objections import services as objections
from blacklist.platforms import clients as api_clients
from blacklist.public import search
from blacklist.publication import services as publication
from blacklist.registry import identity
from blacklist.registry.listing import ListingRow, listings_add
from blacklist.webhooks import services as webhooks
from tests import factories
from tests.factories import files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english():
    """Services' messages in English, so that tests can read them."""
    with translation.override("en"):
        yield


def member_of(*groups: str, username: str) -> Client:
    user = factories.official(username)
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def changelist_action(client: Client, model: str, action: str, pk: int) -> str:
    response = client.post(
        f"/admin/blacklist/{model}/", {"action": action, "_selected_action": [pk]}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def import_file(notice: Notice, people: list, *, by, committed_by=None) -> ImportRun:
    """A list uploaded by `by` and committed by `committed_by` (the same official by default)."""
    data = files.csv_bytes(files.full_rows(people))
    run = pipeline.import_start(notice=notice, upload=ContentFile(data), name="名单.csv", by=by)
    pipeline.import_validate(run=run)
    return pipeline.import_commit(run=run, by=committed_by or by)


def subscribed() -> None:
    """A platform that takes every webhook event, so that the outbox shows what was sent."""
    client, _key = api_clients.api_client_create(name="Bank of Hubei", scopes=["feed"])
    webhooks.subscription_create(client=client, url="https://bank.example.com/hooks")


def events(kind: str) -> list[str]:
    return list(Delivery.objects.filter(event=kind).values_list("event", flat=True))


# --- approval: nobody who put rows on the notice -------------------------------------------


def test_an_official_who_imported_into_anothers_draft_cannot_approve_it():
    notice = factories.draft_notice()  # prepared by "preparer"
    both = factories.official("imports-and-publishes")
    import_file(notice, files.people(3, seed=41), by=both)

    with pytest.raises(ValidationError) as refused:
        publication.notice_approve(notice=notice, by=both)

    assert "imported none of its rows" in " ".join(refused.value.messages)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT
    publication.notice_approve(notice=notice, by=factories.official("third"))
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.APPROVED


def test_an_official_who_committed_a_list_another_uploaded_cannot_approve_it():
    notice = factories.draft_notice()
    committer = factories.official("committer")
    import_file(
        notice, files.people(2, seed=42), by=factories.official("up"), committed_by=committer
    )

    with pytest.raises(ValidationError):
        publication.notice_approve(notice=notice, by=committer)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT


def test_an_importer_whose_rows_were_taken_out_again_may_approve():
    notice = factories.draft_notice()
    both = factories.official("imports-and-publishes")
    run = import_file(notice, files.people(2, seed=43), by=both)
    removal.draft_rows_delete(notice=notice, run=run, by=both)

    publication.notice_approve(notice=notice, by=both)

    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.APPROVED


def test_in_the_admin_an_importer_and_publisher_cannot_approve_a_draft_they_imported_into():
    notice = factories.draft_notice()
    both = member_of("importer", "publisher", username="imports-and-publishes")
    upload = SimpleUploadedFile(
        "名单.csv", files.csv_bytes(files.full_rows(files.people(3, seed=44)))
    )
    response = both.post("/admin/blacklist/importrun/add/", {"notice": notice.pk, "file": upload})
    run = ImportRun.objects.get(notice=notice)
    assert response.status_code == 302
    both.post(f"/admin/blacklist/importrun/{run.pk}/commit/", {"names": "keep"})
    assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.COMMITTED

    page = changelist_action(both, "notice", "approve", notice.pk)

    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT
    assert "A notice must be approved by an official who imported none of its rows." in page


# --- withdrawal: one asks, another confirms ------------------------------------------------


def test_asking_for_a_withdrawal_changes_nothing_on_the_list():
    subscribed()
    notice = factories.published_notice(count=3)
    public = set(Entry.objects.currently_public().values_list("pk", flat=True))

    publication.notice_withdrawal_request(
        notice=notice, reason="名单有误", by=factories.official("asks")
    )

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    assert (notice.withdrawal_requested_by.username, notice.withdrawal_reason) == (
        "asks",
        "名单有误",
    )
    assert set(Entry.objects.currently_public().values_list("pk", flat=True)) == public
    assert not ChangeEvent.objects.filter(kind=ChangeKind.WITHDRAWN).exists()
    assert events("notice.withdrawn") == []


def test_the_official_who_asked_cannot_confirm_the_withdrawal():
    notice = factories.published_notice(count=2)
    asks = factories.official("asks")
    publication.notice_withdrawal_request(notice=notice, reason="名单有误", by=asks)

    with pytest.raises(ValidationError) as refused:
        publication.notice_withdrawal_confirm(notice=notice, by=asks)

    assert "another official" in " ".join(refused.value.messages)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED
    assert Entry.objects.currently_public().filter(notice=notice).count() == 2


def test_a_second_official_confirms_and_the_notice_is_withdrawn_with_feed_events_and_webhooks():
    subscribed()
    notice = factories.published_notice(count=3)
    publication.notice_withdrawal_request(
        notice=notice, reason="名单有误", by=factories.official("asks")
    )

    publication.notice_withdrawal_confirm(notice=notice, by=factories.official("confirms"))

    notice.refresh_from_db()
    assert (notice.status, notice.withdrawn_by.username) == (NoticeStatus.WITHDRAWN, "confirms")
    assert not Entry.objects.currently_public().filter(notice=notice).exists()
    withdrawn = ChangeEvent.objects.filter(kind=ChangeKind.WITHDRAWN)
    assert withdrawn.count() == 3
    assert set(withdrawn.values_list("reason", flat=True)) == {"名单有误"}
    assert events("notice.withdrawn") == ["notice.withdrawn"]
    log = LogEntry.objects.filter(object_id=str(notice.pk)).order_by("id")
    assert [(e.user.username, e.change_message) for e in log][-2:] == [
        ("asks", "withdrawal asked for: 名单有误"),
        ("confirms", "withdrawn: 名单有误"),
    ]


def test_a_withdrawal_asked_for_can_be_cancelled_and_then_nothing_can_confirm_it():
    notice = factories.published_notice(count=2)
    asks = factories.official("asks")
    publication.notice_withdrawal_request(notice=notice, reason="名单有误", by=asks)

    publication.notice_withdrawal_cancel(notice=notice, by=asks)

    with pytest.raises(ValidationError):
        publication.notice_withdrawal_confirm(notice=notice, by=factories.official("confirms"))
    notice.refresh_from_db()
    assert (notice.status, notice.withdrawal_requested_by, notice.withdrawal_reason) == (
        NoticeStatus.PUBLISHED,
        None,
        "",
    )
    assert Entry.objects.currently_public().filter(notice=notice).count() == 2


def test_the_admin_shows_a_withdrawal_awaiting_confirmation_and_only_another_official_confirms():
    notice = factories.published_notice(count=2)
    other = factories.published_notice(count=1)
    asks = member_of("publisher", username="asks")
    asks.post(f"/admin/blacklist/notice/{notice.pk}/withdraw/", {"reason": "名单有误"})

    awaiting = asks.get("/admin/blacklist/notice/", {"awaiting": "withdrawal"})
    assert list(awaiting.context["cl"].result_list) == [notice]
    assert "Withdrawal awaits confirmation" in awaiting.content.decode()
    detail = asks.get(f"/admin/blacklist/notice/{notice.pk}/change/").content.decode()
    assert "asked on" in detail and "名单有误" in detail and "Nothing changes" in detail

    refused = changelist_action(asks, "notice", "confirm_withdrawal", notice.pk)
    assert "another official than the one who asked for it" in refused
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED

    auditor = member_of("auditor", username="auditor")
    assert (
        'value="confirm_withdrawal"' not in auditor.get("/admin/blacklist/notice/").content.decode()
    )
    changelist_action(auditor, "notice", "confirm_withdrawal", notice.pk)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED

    changelist_action(
        member_of("publisher", username="confirms"), "notice", "confirm_withdrawal", notice.pk
    )
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.WITHDRAWN
    assert Notice.objects.get(pk=other.pk).status == NoticeStatus.PUBLISHED


def test_the_official_who_asked_cancels_a_withdrawal_in_the_admin():
    notice = factories.published_notice(count=1)
    asks = member_of("publisher", username="asks")
    asks.post(f"/admin/blacklist/notice/{notice.pk}/withdraw/", {"reason": "名单有误"})

    changelist_action(asks, "notice", "cancel_withdrawal", notice.pk)

    assert Notice.objects.get(pk=notice.pk).withdrawal_requested_by is None
    listed = asks.get("/admin/blacklist/notice/", {"awaiting": "withdrawal"})
    assert list(listed.context["cl"].result_list) == []


# --- revocation: one asks, another confirms ------------------------------------------------


@pytest.fixture
def entry() -> Entry:
    return factories.entries_of(factories.published_notice(count=2))[0]


def entry_log(entry: Entry) -> list[tuple[str, str]]:
    log = LogEntry.objects.filter(content_type__model="entry", object_id=str(entry.pk))
    return [(line.user.username, line.change_message) for line in log.order_by("id")]


def test_asking_for_a_revocation_leaves_the_entry_public_and_off_the_feed(entry):
    subscribed()

    publication.entry_revocation_request(entry=entry, reason="错误列入", by=factories.official("a"))

    assert (entry.status, entry.revocation_requested_by.username, entry.revocation_reason) == (
        EntryStatus.ACTIVE,
        "a",
        "错误列入",
    )
    assert Entry.objects.currently_public().filter(pk=entry.pk).exists()
    assert Client().get(f"/entries/{entry.public_id}/").status_code == 200
    assert not ChangeEvent.objects.filter(kind=ChangeKind.REVOKED).exists()
    assert events("entry.revoked") == []


def test_the_official_who_asked_cannot_confirm_the_revocation(entry):
    asks = factories.official("asks")
    publication.entry_revocation_request(entry=entry, reason="错误列入", by=asks)

    with pytest.raises(ValidationError) as refused:
        publication.entry_revocation_confirm(entry=entry, by=asks)

    assert "another official than the one who asked for it" in " ".join(refused.value.messages)
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.ACTIVE
    assert Entry.objects.currently_public().filter(pk=entry.pk).exists()


def test_the_database_refuses_a_revocation_confirmed_by_the_official_who_asked(entry):
    asks = factories.official("asks")
    publication.entry_revocation_request(entry=entry, reason="错误列入", by=asks)

    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(revoked_by=asks)


def test_a_second_official_confirms_and_the_entry_is_revoked_with_feed_event_and_webhook(entry):
    subscribed()
    publication.entry_revocation_request(
        entry=entry, reason="错误列入", by=factories.official("asks")
    )

    publication.entry_revocation_confirm(entry=entry, by=factories.official("confirms"))
    publication.entry_revocation_confirm(entry=entry, by=factories.official("confirms"))

    entry.refresh_from_db()
    assert (entry.status, entry.status_reason, entry.revoked_by.username) == (
        EntryStatus.REVOKED,
        "错误列入",
        "confirms",
    )
    assert not Entry.objects.currently_public().filter(pk=entry.pk).exists()
    assert Client().get(f"/entries/{entry.public_id}/").status_code == 404
    revoked = ChangeEvent.objects.filter(entry=entry, kind=ChangeKind.REVOKED)
    assert list(revoked.values_list("reason", flat=True)) == ["错误列入"]  # once, repeated or not
    assert events("entry.revoked") == ["entry.revoked"]
    assert entry_log(entry) == [
        ("asks", "revocation asked for: 错误列入"),
        ("confirms", "revoked: 错误列入"),
    ]


def test_a_revocation_asked_for_can_be_cancelled_and_then_nothing_can_confirm_it(entry):
    asks = factories.official("asks")
    publication.entry_revocation_request(entry=entry, reason="错误列入", by=asks)

    publication.entry_revocation_cancel(entry=entry, by=asks)

    with pytest.raises(ValidationError) as refused:
        publication.entry_revocation_confirm(entry=entry, by=factories.official("confirms"))
    assert "No revocation of this entry awaits confirmation." in refused.value.messages
    entry.refresh_from_db()
    assert (entry.status, entry.revocation_requested_by, entry.revocation_reason) == (
        EntryStatus.ACTIVE,
        None,
        "",
    )
    assert Entry.objects.currently_public().filter(pk=entry.pk).exists()
    assert entry_log(entry)[-1] == ("asks", "revocation request cancelled")


def test_another_official_can_decline_a_revocation_and_ask_for_one_of_their_own(entry):
    publication.entry_revocation_request(entry=entry, reason="错误列入", by=factories.official("a"))
    with pytest.raises(ValidationError) as refused:  # one request at a time
        publication.entry_revocation_request(entry=entry, reason="其他", by=factories.official("b"))
    assert "already awaits confirmation" in " ".join(refused.value.messages)

    publication.entry_revocation_cancel(entry=entry, by=factories.official("b"))
    publication.entry_revocation_request(entry=entry, reason="其他", by=factories.official("b"))

    entry.refresh_from_db()
    assert (entry.revocation_requested_by.username, entry.revocation_reason) == ("b", "其他")


def test_only_an_active_entry_can_be_asked_to_be_revoked(entry):
    factories.withdrawn(entry.notice)

    with pytest.raises(ValidationError) as refused:
        publication.entry_revocation_request(
            entry=entry, reason="错误列入", by=factories.official("a")
        )

    assert "Only an active entry can be revoked." in refused.value.messages
    assert Entry.objects.get(pk=entry.pk).revocation_requested_by is None


def test_a_revocation_needs_a_reason(entry):
    with pytest.raises(ValidationError):
        publication.entry_revocation_request(entry=entry, reason="  ", by=factories.official("a"))
    assert Entry.objects.get(pk=entry.pk).revocation_requested_by is None


def test_the_admin_shows_a_revocation_awaiting_confirmation_and_only_another_official_confirms(
    entry,
):
    other = factories.entries_of(entry.notice)[1]
    asks = member_of("publisher", username="asks")
    page = asks.get(f"/admin/blacklist/entry/{entry.pk}/change/").content.decode()
    assert f'href="/admin/blacklist/entry/{entry.pk}/revoke/"' in page
    form = asks.get(f"/admin/blacklist/entry/{entry.pk}/revoke/").content.decode()
    assert "Until then nothing changes." in form
    asks.post(f"/admin/blacklist/entry/{entry.pk}/revoke/", {"reason": "错误列入"})

    awaiting = asks.get("/admin/blacklist/entry/", {"awaiting": "revocation"})
    assert list(awaiting.context["cl"].result_list) == [entry]
    assert "revocation asked for by asks" in awaiting.content.decode()
    detail = asks.get(f"/admin/blacklist/entry/{entry.pk}/change/").content.decode()
    assert "Asks asked on" in detail and "错误列入" in detail
    assert "The entry stays listed until another official confirms it" in detail
    assert Entry.objects.currently_public().filter(pk=entry.pk).exists()

    refused = changelist_action(asks, "entry", "confirm_revocation", entry.pk)
    assert "another official than the one who asked for it" in refused
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.ACTIVE

    auditor = member_of("auditor", username="auditor")
    assert (
        'value="confirm_revocation"' not in auditor.get("/admin/blacklist/entry/").content.decode()
    )
    changelist_action(auditor, "entry", "confirm_revocation", entry.pk)
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.ACTIVE
    importer = member_of("importer", username="importer")
    assert (
        importer.post(f"/admin/blacklist/entry/{entry.pk}/revoke/", {"reason": "x"}).status_code
        == 403
    )

    confirms = member_of("publisher", username="confirms")
    changelist_action(confirms, "entry", "confirm_revocation", entry.pk)
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.REVOKED
    assert Entry.objects.get(pk=other.pk).status == EntryStatus.ACTIVE
    assert (
        list(
            asks.get("/admin/blacklist/entry/", {"awaiting": "revocation"})
            .context["cl"]
            .result_list
        )
        == []
    )


def test_an_official_cancels_a_revocation_in_the_admin(entry):
    asks = member_of("publisher", username="asks")
    asks.post(f"/admin/blacklist/entry/{entry.pk}/revoke/", {"reason": "错误列入"})

    changelist_action(asks, "entry", "cancel_revocation", entry.pk)

    entry.refresh_from_db()
    assert (entry.status, entry.revocation_requested_by) == (EntryStatus.ACTIVE, None)
    listed = asks.get("/admin/blacklist/entry/", {"awaiting": "revocation"})
    assert list(listed.context["cl"].result_list) == []


def test_the_revocation_awaiting_a_second_official_reads_in_chinese(entry):
    asks = member_of("publisher", username="asks")
    asks.post(f"/admin/blacklist/entry/{entry.pk}/revoke/", {"reason": "错误列入"})

    listed = asks.get("/admin/blacklist/entry/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    detail = asks.get(f"/admin/blacklist/entry/{entry.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hant")

    assert "asks 申请撤销" in listed and "确认（另一名工作人员）申请的撤销" in listed
    assert "申請撤銷該名單條目：「错误列入」" in detail.content.decode()


# --- objections: upholding takes a second reviewer -----------------------------------------


@pytest.fixture
def objection() -> Objection:
    entry = factories.entries_of(factories.published_notice(count=2))[0]
    return objections.objection_file(entry=entry, name="张三", contact="x", reason="我从未出租")


def test_asking_to_uphold_leaves_the_entry_public_and_the_objection_open(objection):
    subscribed()

    objections.objection_uphold_request(
        objection=objection, reason="核实有误", by=factories.official("asks")
    )

    assert objection.status == ObjectionStatus.UNDER_REVIEW
    assert Entry.objects.currently_public().filter(pk=objection.entry_id).exists()
    assert not ChangeEvent.objects.filter(kind=ChangeKind.REVOKED).exists()
    assert events("entry.revoked") == []


def test_the_reviewer_who_asked_cannot_confirm_upholding(objection):
    asks = factories.official("asks")
    objections.objection_uphold_request(objection=objection, reason="核实有误", by=asks)

    with pytest.raises(ValidationError) as refused:
        objections.objection_uphold_confirm(objection=objection, by=asks)

    assert "another official" in " ".join(refused.value.messages)
    assert Objection.objects.get(pk=objection.pk).status == ObjectionStatus.UNDER_REVIEW
    assert Entry.objects.get(pk=objection.entry_id).status == EntryStatus.ACTIVE


def test_a_second_reviewer_confirms_and_the_entry_is_revoked_with_feed_event_and_webhook(objection):
    subscribed()
    objections.objection_uphold_request(
        objection=objection, reason="核实有误", by=factories.official("asks")
    )

    objections.objection_uphold_confirm(objection=objection, by=factories.official("confirms"))

    assert (objection.status, objection.decided_by.username, objection.decision_reason) == (
        ObjectionStatus.UPHELD,
        "confirms",
        "核实有误",
    )
    assert Entry.objects.get(pk=objection.entry_id).status == EntryStatus.REVOKED
    assert not Entry.objects.currently_public().filter(pk=objection.entry_id).exists()
    assert (
        ChangeEvent.objects.filter(entry_id=objection.entry_id, kind=ChangeKind.REVOKED).count()
        == 1
    )
    assert events("entry.revoked") == ["entry.revoked"]


def test_a_request_to_uphold_can_be_cancelled_and_the_objection_then_rejected(objection):
    asks = factories.official("asks")
    objections.objection_uphold_request(objection=objection, reason="核实有误", by=asks)
    with pytest.raises(ValidationError):  # not over the head of the official who asked
        objections.objection_reject(
            objection=objection, reason="不成立", by=factories.official("b")
        )

    objections.objection_uphold_cancel(objection=objection, by=asks)

    with pytest.raises(ValidationError):
        objections.objection_uphold_confirm(objection=objection, by=factories.official("b"))
    objections.objection_reject(objection=objection, reason="不成立", by=factories.official("b"))
    assert objection.status == ObjectionStatus.REJECTED
    assert Entry.objects.get(pk=objection.entry_id).status == EntryStatus.ACTIVE


def test_the_admin_shows_an_uphold_awaiting_confirmation_and_a_second_reviewer_confirms(objection):
    url = f"/admin/blacklist/objection/{objection.pk}/change/"
    asks = member_of("objection reviewer", username="asks")
    asks.post(url, {"decision": "uphold", "decision_text": "核实有误"})

    awaiting = asks.get("/admin/blacklist/objection/", {"awaiting": "uphold"})
    assert list(awaiting.context["cl"].result_list) == [objection]
    assert "upholding asked for by asks" in awaiting.content.decode()
    detail = asks.get(url).content.decode()
    assert "The entry stays listed until another official confirms it" in detail
    refused = asks.post(url, {"decision": "confirm", "decision_text": ""}, follow=True)
    assert "another official than the one who asked for it" in refused.content.decode()
    assert Entry.objects.get(pk=objection.entry_id).status == EntryStatus.ACTIVE

    importer = member_of("importer", username="importer")  # no objection page at all
    assert (
        importer.post(
            "/admin/blacklist/objection/",
            {"action": "confirm_uphold", "_selected_action": [objection.pk]},
        ).status_code
        == 403
    )

    changelist_action(
        member_of("objection reviewer", username="confirms"),
        "objection",
        "confirm_uphold",
        objection.pk,
    )
    assert Objection.objects.get(pk=objection.pk).status == ObjectionStatus.UPHELD
    assert Entry.objects.get(pk=objection.entry_id).status == EntryStatus.REVOKED


# --- taking a list out of a draft -----------------------------------------------------------


def indexed(subject: Subject) -> bool:
    """Whether the name index still holds the subject (read from the index table itself)."""
    raw = search.subjects_matching_name(subject.name_key)
    with connection.cursor() as cursor:
        cursor.execute(raw.sql, raw.params)
        return subject.pk in {row[0] for row in cursor.fetchall()}


def test_deleting_a_drafts_rows_removes_its_entries_and_the_persons_no_other_notice_lists(
    django_capture_on_commit_callbacks,
):
    published = factories.published_notice(count=1)
    known = factories.entries_of(published)[0].subject
    notice = factories.draft_notice()
    people = files.people(3, seed=51)
    run = import_file(notice, people, by=factories.official("importer"))
    row = ListingRow(known.name, identity.parse_identity(known.id_number()))
    listings_add(notice=notice, rows=[row])
    newcomers = list(Subject.objects.filter(entries__notice=notice).exclude(pk=known.pk))
    assert len(newcomers) == 3 and all(indexed(subject) for subject in newcomers)
    stored = run.file.name
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        deleted = removal.draft_rows_delete(notice=notice, by=factories.official("importer"))

    assert deleted == removal.RowsDeleted(entries=4, subjects=3)
    assert not Entry.objects.filter(notice=notice).exists()
    assert not Subject.objects.filter(pk__in=[s.pk for s in newcomers]).exists()
    assert not any(indexed(subject) for subject in newcomers)
    assert Subject.objects.filter(pk=known.pk).exists() and indexed(known)
    assert Entry.objects.filter(notice=published).count() == 1
    run.refresh_from_db()
    assert (run.status, run.file.name) == (ImportStatus.REMOVED, "")
    assert not default_storage.exists(stored)
    assert run.valid == 3  # the record of what was imported stays


def test_deleting_the_rows_of_one_import_leaves_the_other_imports_rows():
    notice = factories.draft_notice()
    by = factories.official("importer")
    first = import_file(notice, files.people(2, seed=52), by=by)
    second = import_file(notice, files.people(3, seed=53), by=by)

    deleted = removal.draft_rows_delete(notice=notice, run=first, by=by)

    assert deleted.entries == 2
    assert Entry.objects.filter(notice=notice).count() == 3
    assert set(Entry.objects.filter(notice=notice).values_list("import_run", flat=True)) == {
        second.pk
    }
    statuses = dict(ImportRun.objects.values_list("pk", "status"))
    assert statuses == {first.pk: ImportStatus.REMOVED, second.pk: ImportStatus.COMMITTED}


@pytest.mark.parametrize("stage", ["approved", "published", "withdrawn"])
def test_rows_of_a_notice_that_is_not_a_draft_are_never_deleted(stage):
    notice = factories.draft_notice()
    import_file(notice, files.people(2, seed=54), by=factories.official("importer"))
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    if stage != "approved":
        publication.notice_publish(notice=notice)
    if stage == "withdrawn":
        factories.withdrawn(notice)
    counts = (Entry.objects.count(), Subject.objects.count())

    with pytest.raises(ValidationError) as refused:
        removal.draft_rows_delete(notice=notice, by=factories.official("importer"))

    assert "draft" in " ".join(refused.value.messages)
    assert (Entry.objects.count(), Subject.objects.count()) == counts
    assert ImportRun.objects.get(notice=notice).status == ImportStatus.COMMITTED


def test_an_importer_takes_a_list_out_of_a_draft_in_the_admin_and_a_publisher_cannot():
    notice = factories.draft_notice()
    first = import_file(notice, files.people(2, seed=55), by=factories.official("importer"))
    import_file(notice, files.people(1, seed=56), by=factories.official("importer"))
    importer = member_of("importer", username="importer")
    publisher = member_of("publisher", username="publisher")

    assert (
        'value="delete_draft_rows"'
        not in publisher.get("/admin/blacklist/notice/").content.decode()
    )
    changelist_action(publisher, "notice", "delete_draft_rows", notice.pk)
    assert Entry.objects.filter(notice=notice).count() == 3

    page = changelist_action(importer, "importrun", "delete_rows", first.pk)
    assert "2 rows deleted" in page
    assert Entry.objects.filter(notice=notice).count() == 1
    page = changelist_action(importer, "notice", "delete_draft_rows", notice.pk)
    assert "1 row deleted" in page
    assert not Entry.objects.filter(notice=notice).exists()


# --- the clock --------------------------------------------------------------------------------


def test_objection_attachments_are_purged_daily_by_a_schedule_editable_in_the_admin():
    task = PeriodicTask.objects.get(task="blacklist.tasks.purge_objection_attachments")
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "days")

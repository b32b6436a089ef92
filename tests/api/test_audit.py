"""The audit log of platforms' queries: what is kept, retention, and the officials' admin."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from blacklist import tasks
from blacklist.models import ApiClient, ApiKey, QueryLog
from blacklist.platforms.clients import query_log_record
from blacklist.registry import naming
from tests.api.conftest import Platform
from tests.factories.people import entry_of, person, publish

pytestmark = pytest.mark.django_db


def test_every_answered_request_is_logged_and_lookups_by_id_keep_only_an_hmac(bank: Platform):
    zhang = person("张三")
    publish([zhang])
    bank.get("/api/v1/programmes/")
    bank.get("/api/v1/entries/", {"id_number": zhang.id_number})
    bank.get("/api/v1/entries/", {"id_number": "123"})
    rows = list(
        QueryLog.objects.order_by("id").values_list("endpoint", "status_code", "subjects", "hits")
    )
    assert rows == [
        ("api-programmes", 200, 0, 0),
        ("api-entries", 200, 1, 1),
        ("api-entries", 400, 0, 0),
    ]
    lookup = QueryLog.objects.get(endpoint="api-entries", status_code=200)
    assert len(lookup.identifiers) == 1 and zhang.id_number not in lookup.identifiers[0]


def test_old_rows_are_deleted_after_the_retention_period_by_a_task_safe_to_repeat(
    settings, bank: Platform
):
    settings.QUERY_LOG_RETENTION_DAYS = 30
    old = query_log_record(
        client=bank.client, endpoint="api-checks", method="POST", status_code=200
    )
    recent = query_log_record(
        client=bank.client, endpoint="api-checks", method="POST", status_code=200
    )
    QueryLog.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=31))
    QueryLog.objects.filter(pk=recent.pk).update(at=timezone.now() - datetime.timedelta(days=29))
    assert tasks.purge_query_log() == 1
    assert tasks.purge_query_log() == 0
    assert list(QueryLog.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.fixture
def officer() -> Client:
    user = get_user_model().objects.create_superuser("auditor", "a@example.org", "pw")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    return browser


def test_officials_filter_and_export_the_log_as_csv_with_hmacs_only(
    officer: Client, bank: Platform, bureau: Platform
):
    zhang = person("张三")
    publish([zhang])
    bank.check([{"ref": "1", "id_number": zhang.id_number}], purpose="credit_review")
    bureau.get("/api/v1/programmes/")
    page = officer.get("/admin/blacklist/querylog/", {"client__id__exact": bank.client.pk})
    assert page.status_code == 200
    assert [row.endpoint for row in page.context["cl"].result_list] == ["api-checks"]
    ids = [str(pk) for pk in QueryLog.objects.values_list("pk", flat=True)]
    export = officer.post(
        "/admin/blacklist/querylog/", {"action": "export_csv", "_selected_action": ids}
    )
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.strip().splitlines()
    assert len(lines) == 3
    assert "credit_review" in text and bank.client.name in text
    assert zhang.id_number not in text


def issue_key(officer: Client, platform: Platform):
    """The admin action as an official uses it: ask, confirm; the keys' page."""
    chosen = {"action": "issue_key", "_selected_action": [platform.client.pk]}
    confirm = officer.post("/admin/blacklist/apiclient/", chosen)
    assert confirm.status_code == 200
    token = confirm.context["token"]
    return officer.post("/admin/blacklist/apiclient/", {**chosen, "post": "yes", "token": token})


def key_on(page) -> str:
    return re.findall(r'<code class="api-key">([^<]+)</code>', page.content.decode())[0]


def test_the_admin_issues_a_key_shown_once_that_then_works(officer: Client, bank: Platform):
    page = issue_key(officer, bank)
    key = key_on(page)

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert Platform(bank.client, key).get("/api/v1/programmes/").status_code == 200
    assert ApiKey.objects.filter(client=bank.client).count() == 2
    secret = key.partition(".")[2]
    detail = officer.get(f"/admin/blacklist/apiclient/{bank.client.pk}/change/").content.decode()
    assert secret not in detail


def test_a_new_key_is_never_kept_in_the_messages_cookie_or_the_session(
    officer: Client, bank: Platform
):
    page = issue_key(officer, bank)
    secret = key_on(page).partition(".")[2]
    after = officer.get("/admin/blacklist/apiclient/")

    assert list(after.context["messages"]) == []
    assert all(secret not in morsel.value for morsel in officer.cookies.values())
    assert secret not in str(dict(officer.session.items()))


def test_reloading_the_keys_page_neither_shows_the_key_again_nor_issues_another(
    officer: Client, bank: Platform
):
    page = issue_key(officer, bank)
    key = key_on(page)
    reload = officer.post(
        page.wsgi_request.get_full_path(), page.wsgi_request.POST.copy(), follow=True
    )

    text = reload.content.decode()
    assert key not in text and key.partition(".")[2] not in text
    assert "These keys were shown once and are not shown again." in text
    assert ApiKey.objects.filter(client=bank.client).count() == 2


def test_the_admin_creates_a_client_with_scopes_ticked(officer: Client):
    response = officer.post(
        "/admin/blacklist/apiclient/add/",
        {
            "name": "Example Pay",
            "organisation": "Example Payment Co.",
            "contact": "ops@example.org",
            "scopes": ["lookup", "identity"],
            "rate_per_minute": 60,
            "daily_subject_quota": 200_000,
            "active": "on",
            "keys-TOTAL_FORMS": 0,
            "keys-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = ApiClient.objects.get(name="Example Pay")
    assert client.scopes == "lookup,identity"


def test_lookups_by_name_and_reads_of_one_entry_keep_who_was_asked_about_as_hashes(
    bank: Platform,
):
    zhang, li = person("张三"), person("李四")
    publish([zhang, li])
    entry = entry_of(zhang)
    bank.get("/api/v1/entries/", {"name": "張三"})
    bank.get("/api/v1/entries/", {"name": "王五"})
    bank.get(f"/api/v1/entries/{entry.public_id}/")
    bank.get("/api/v1/entries/")

    rows = list(QueryLog.objects.order_by("id").values_list("subjects", "hits", "identifiers"))
    assert [(subjects, hits, len(ids)) for subjects, hits, ids in rows] == [
        (1, 1, 1),
        (1, 0, 1),
        (1, 1, 1),
        (0, 0, 0),  # a plain listing asks about nobody
    ]
    assert rows[0][2] == [naming.name_hmac("张三", key=settings.ID_LOOKUP_KEY)]
    assert rows[2][2] == [entry.subject.id_hmac]
    logged = " ".join(str(row) for row in rows)
    assert zhang.id_number not in logged and "张三" not in logged


def test_a_refused_check_is_logged_with_its_purpose_and_size(bank: Platform):
    bank.check([{"ref": "1", "id_number": "420106"}, {"ref": ""}], purpose="credit_review")
    bank.check([{"ref": str(i), "name": "张三"} for i in range(1001)])
    rows = list(
        QueryLog.objects.order_by("id").values_list("status_code", "purpose", "subjects", "hits")
    )
    assert rows == [(400, "credit_review", 2, 0), (413, "account_opening", 1001, 0)]


def test_officials_find_every_query_about_one_person_by_id_number_or_name(
    officer: Client, bank: Platform, bureau: Platform
):
    zhang, li = person("张三"), person("李四")
    publish([zhang, li])
    bank.check([{"ref": "a", "id_number": zhang.id_number}])
    bureau.check([{"ref": "b", "name": "張三"}])
    bureau.get(f"/api/v1/entries/{entry_of(zhang).public_id}/")
    bank.check([{"ref": "c", "id_number": li.id_number}])
    bank.get("/api/v1/programmes/")

    def found(term: str) -> list[tuple[str, str]]:
        page = officer.get("/admin/blacklist/querylog/", {"q": term})
        assert page.status_code == 200
        return sorted((row.client.name, row.endpoint) for row in page.context["cl"].result_list)

    by_id = found(zhang.id_number)
    assert by_id == sorted([(bank.client.name, "api-checks"), (bureau.client.name, "api-entry")])
    assert found("张三") == sorted([*by_id, (bureau.client.name, "api-checks")])
    assert found(li.id_number) == [(bank.client.name, "api-checks")]

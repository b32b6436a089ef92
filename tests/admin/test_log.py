"""Auditors read the admin's log of who changed what; nobody edits it."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from blacklist.models import Authority, Programme
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/admin/admin/logentry/"


def member(username: str, group: str) -> Client:
    user = factories.official(username)
    user.groups.add(Group.objects.get(name=group))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def logged(user, objects, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=objects, action_flag=flag, change_message=message
    )


@pytest.fixture
def history() -> dict[str, LogEntry]:
    """Two officials' changes: one added an authority, the other changed a programme."""
    li, zhao = factories.official("li.ming"), factories.official("zhao.lei")
    authority = factories.authority()
    programme = factories.programme()
    logged(li, Authority.objects.filter(pk=authority.pk), ADDITION, "Added by import")
    logged(zhao, Programme.objects.filter(pk=programme.pk), CHANGE, "Changed name mask")
    return {
        "added": LogEntry.objects.get(user=li),
        "changed": LogEntry.objects.get(user=zhao),
    }


def test_an_auditor_reads_the_admin_log(history):
    page = member("auditor.wu", "auditor").get(LIST)

    assert page.status_code == 200
    text = page.content.decode()
    assert "li.ming" in text and "zhao.lei" in text
    assert "Changed name mask" in text


@pytest.mark.parametrize("query, shown", [("action_flag__exact=1", "added"), ("q=mask", "changed")])
def test_the_log_filters_by_action_and_searches_the_message(history, query, shown):
    page = member("auditor.wu", "auditor").get(f"{LIST}?{query}")

    assert list(page.context["cl"].result_list) == [history[shown]]


def test_the_log_filters_by_user_and_content_type(history):
    auditor = member("auditor.wu", "auditor")
    by_user = auditor.get(f"{LIST}?user__id__exact={history['changed'].user_id}")
    programme = ContentType.objects.get_for_model(Programme)
    by_type = auditor.get(f"{LIST}?content_type__id__exact={programme.pk}")

    assert list(by_user.context["cl"].result_list) == [history["changed"]]
    assert list(by_type.context["cl"].result_list) == [history["changed"]]


def test_nobody_adds_changes_or_deletes_log_entries(history):
    superuser = Client()
    superuser.force_login(get_user_model().objects.create_superuser("root", password="x-unused-2"))
    entry = history["added"]

    detail = superuser.get(f"{LIST}{entry.pk}/change/")
    changed = superuser.post(f"{LIST}{entry.pk}/change/", {"change_message": "rewritten"})
    added = superuser.get(f"{LIST}add/")
    deleted = superuser.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"})

    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert changed.status_code == 403
    assert added.status_code == 403
    assert deleted.status_code == 403
    assert LogEntry.objects.get(pk=entry.pk).change_message == "Added by import"


def test_officials_without_the_permission_do_not_see_the_log(history):
    assert member("importer.he", "importer").get(LIST).status_code == 403

"""What officials see when the guard refuses: alerts in the admin and a log line."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from blacklist.models import ApiClient, EnumerationAlert
from blacklist.registry import identity
from tests import factories
from tests.api.conftest import Platform
from tests.factories.people import Person, publish
from tests.security.conftest import target_at

pytestmark = pytest.mark.django_db


def member_of(group: str, username: str) -> Client:
    user = factories.official(username)
    user.groups.add(Group.objects.get(name=group))
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    return browser


def enumerate_a_mask(bank: Platform) -> str:
    number, candidates = target_at(1500)
    publish([Person("丁伟涛", number)])
    response = bank.check([{"ref": c, "id_number": c} for c in candidates[:1000]])
    assert response.status_code == 429
    return number


def test_a_refused_enumeration_is_logged_with_the_mask_only(bank: Platform, caplog):
    with caplog.at_level(logging.WARNING, logger="blacklist.guard.services"):
        number = enumerate_a_mask(bank)

    lines = [r.getMessage() for r in caplog.records if r.name == "blacklist.guard.services"]
    (line,) = [line for line in lines if f"client:{bank.client.pk}" in line]
    assert "enumeration suspected" in line
    assert identity.mask_id(number) in line and number not in line


def test_auditors_see_alerts_with_masks_only_and_publishers_acknowledge_them(bank: Platform):
    number = enumerate_a_mask(bank)
    auditor = member_of("auditor", "auditor-1")

    listing = auditor.get("/admin/blacklist/enumerationalert/", {"state": "open"})
    alert = EnumerationAlert.objects.get(client=bank.client)
    auditor.post(
        "/admin/blacklist/enumerationalert/",
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    still_open = EnumerationAlert.objects.get(pk=alert.pk).acknowledged_at is None
    acknowledged = member_of("publisher", "publisher-1").post(
        "/admin/blacklist/enumerationalert/",
        {"action": "acknowledge", "_selected_action": [alert.pk]},
        follow=True,
    )

    page = listing.content.decode()
    assert listing.status_code == 200
    assert identity.mask_id(number) in page and bank.client.name in page
    assert number not in page
    assert "1 alert acknowledged." in acknowledged.content.decode()
    alert.refresh_from_db()
    assert still_open  # auditors read; the action is not theirs
    assert alert.acknowledged_by.username == "publisher-1"


def test_an_official_who_may_change_clients_disables_the_client_from_its_alert(bank: Platform):
    enumerate_a_mask(bank)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(get_user_model().objects.create_superuser("root", password="unused-1"))

    browser.post(
        "/admin/blacklist/enumerationalert/",
        {
            "action": "disable_clients",
            "_selected_action": [EnumerationAlert.objects.get(client=bank.client).pk],
        },
    )

    assert ApiClient.objects.get(pk=bank.client.pk).active is False
    assert bank.check([{"ref": "1", "name": "张三"}]).status_code == 401

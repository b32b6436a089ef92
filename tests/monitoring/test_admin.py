"""Monitoring in the admin: counts per client, and disabling a client removes its monitors."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from blacklist.models import ApiClient, Monitor
from tests.api.conftest import Platform
from tests.factories.people import person
from tests.monitoring.helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("monitor-official", password="pw-not-used")
    client.force_login(user)
    return client


def monitoring(platform: Platform, count: int) -> Platform:
    register(platform, {f"acct-{n}": person(f"客户{n}") for n in range(count)})
    return platform


def test_officials_see_how_many_customers_each_client_monitors_and_nothing_else(
    official: Client, make_platform
):
    big, small, none = (
        monitoring(make_platform(), 3),
        monitoring(make_platform(), 1),
        make_platform(),
    )

    page = official.get("/admin/blacklist/monitoredclient/")

    rows = [(c.name, c.monitor_count) for c in page.context["cl"].result_list]
    assert rows == [(big.client.name, 3), (small.client.name, 1), (none.client.name, 0)]
    html = page.content.decode()
    assert "acct-0" not in html and Monitor.objects.first().id_hmac not in html
    assert official.get("/admin/blacklist/monitoredclient/add/").status_code == 403
    detail = official.get(f"/admin/blacklist/monitoredclient/{big.client.pk}/change/")
    assert detail.status_code == 200 and b'type="submit"' not in detail.content.split(b"<form")[-1]


def test_auditors_see_the_counts(client: Client, make_platform):
    monitoring(make_platform(), 2)
    auditor = get_user_model().objects.create_user("auditor.mon", is_staff=True)
    auditor.groups.add(Group.objects.get(name="auditor"))
    client.force_login(auditor)

    assert client.get("/admin/blacklist/monitoredclient/").status_code == 200


def test_disabling_clients_by_the_action_removes_their_monitors(official: Client, make_platform):
    gone, kept = monitoring(make_platform(), 3), monitoring(make_platform(), 2)

    official.post(
        "/admin/blacklist/apiclient/",
        {"action": "disable", "_selected_action": [gone.client.pk]},
    )

    assert not ApiClient.objects.get(pk=gone.client.pk).active
    assert not Monitor.objects.filter(client=gone.client).exists()
    assert Monitor.objects.filter(client=kept.client).count() == 2


def test_unticking_active_in_the_clients_form_removes_its_monitors(official: Client, make_platform):
    bank = monitoring(make_platform(), 2)
    client = bank.client

    response = official.post(
        f"/admin/blacklist/apiclient/{client.pk}/change/",
        {
            "name": client.name,
            "organisation": "",
            "contact": "",
            "scopes": ["lookup", "feed"],
            "rate_per_minute": client.rate_per_minute,
            "daily_subject_quota": client.daily_subject_quota,
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
            "keys-MIN_NUM_FORMS": "0",
            "keys-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not ApiClient.objects.get(pk=client.pk).active
    assert not Monitor.objects.filter(client=client).exists()
    assert bank.get("/api/v1/monitors/").status_code == 401

"""The admin's login locks after repeated failures, per user and per address (django-axes)."""

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"
WRONG = "wrong-password-71"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def limits(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def official():
    return get_user_model().objects.create_user("wang.li", password=PASSWORD, is_staff=True)


def visitor(address: str = "203.0.113.5") -> Client:
    return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=address, HTTP_ACCEPT_LANGUAGE="en")


def log_in(client: Client, username: str, password: str) -> int:
    return client.post(LOGIN, {"username": username, "password": password}).status_code


def logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(official):
    client = visitor()

    statuses = [log_in(client, "wang.li", WRONG) for _ in range(5)]
    refused = client.post(LOGIN, {"username": "wang.li", "password": PASSWORD})

    assert statuses == [200, 200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 30 * 60
    assert "Too many failed logins" in refused.content.decode()
    assert not logged_in(client)


def test_a_locked_account_is_locked_from_every_address(official):
    for number in range(5):
        log_in(visitor(f"198.51.100.{number}"), "wang.li", WRONG)

    elsewhere = visitor("192.0.2.77")

    assert log_in(elsewhere, "wang.li", PASSWORD) == 429
    assert not logged_in(elsewhere)


def test_an_address_that_tried_many_accounts_is_locked_for_every_account(official):
    attacker = visitor("198.51.100.9")
    for number in range(5):
        log_in(attacker, f"official{number}", WRONG)

    assert log_in(attacker, "wang.li", PASSWORD) == 429
    assert log_in(visitor("192.0.2.77"), "wang.li", PASSWORD) == 302


def test_a_spoofed_address_header_does_not_escape_the_lockout(settings, official):
    settings.CLIENT_IP_HEADER = ""
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(5):
        forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{number}, 203.0.113.5")
        log_in(forged, f"official{number}", WRONG)

    again = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.5")

    assert log_in(again, "wang.li", PASSWORD) == 429


def test_an_official_unlocks_the_account_in_the_admin(official):
    for _ in range(5):
        log_in(visitor(), "wang.li", WRONG)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("chief", password="x-unused-1"))

    listing = admin.get("/admin/axes/accessattempt/?locked_out=yes")
    attempts = list(AccessAttempt.objects.filter(username="wang.li").values_list("pk", flat=True))
    unlocked = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )

    assert listing.status_code == 200
    assert "wang.li" in listing.content.decode()
    assert unlocked.status_code == 302
    assert log_in(visitor(), "wang.li", PASSWORD) == 302


def test_failures_are_logged_without_the_password_or_form_token(official, caplog):
    caplog.set_level(logging.INFO, logger="axes")

    client = visitor()
    for _ in range(5):
        client.post(
            LOGIN, {"username": "wang.li", "password": WRONG, "csrfmiddlewaretoken": "tok-3141"}
        )

    lines = [record.getMessage() for record in caplog.records if record.name.startswith("axes")]
    assert any("Locking out" in line for line in lines)
    stored = AccessAttempt.objects.get(username="wang.li")
    for text in [*lines, stored.post_data, stored.get_data]:
        assert WRONG not in text
        assert "tok-3141" not in text


def test_the_right_password_before_the_limit_logs_in(official):
    client = visitor()
    for _ in range(4):
        log_in(client, "wang.li", WRONG)

    assert log_in(client, "wang.li", PASSWORD) == 302
    assert logged_in(client)


def test_auditors_see_lockouts_but_cannot_unlock(official):
    for _ in range(5):
        log_in(visitor(), "wang.li", WRONG)
    auditor = get_user_model().objects.create_user("auditor.wu", is_staff=True)
    auditor.groups.add(Group.objects.get(name="auditor"))
    client = Client()
    client.force_login(auditor)
    attempt = AccessAttempt.objects.get(username="wang.li")

    listing = client.get("/admin/axes/accessattempt/")
    unlock = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "wang.li" in listing.content.decode()
    assert unlock.status_code == 403
    assert log_in(visitor(), "wang.li", PASSWORD) == 429


def test_the_lockout_page_speaks_the_officials_language(official):
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(5):
        log_in(client, "wang.li", WRONG)

    page = client.post(LOGIN, {"username": "wang.li", "password": PASSWORD})

    assert page.status_code == 429
    assert "请在 30 分钟后重试" in page.content.decode()


def test_an_ipv6_network_counts_as_one_address(official):
    for number in range(5):
        log_in(visitor(f"2001:db8:7:9::{number + 1}"), f"official{number}", WRONG)

    assert log_in(visitor("2001:db8:7:9:abcd::1"), "wang.li", PASSWORD) == 429
    assert log_in(visitor("2001:db8:7:a::1"), "wang.li", PASSWORD) == 302

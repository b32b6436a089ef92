"""Who may call the API: keys, scopes, disabled clients, rates, and the operators' command."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from blacklist.models import ApiClient, ApiKey
from blacklist.platforms.clients import api_key_issue, api_key_revoke
from tests import factories
from tests.api.conftest import Platform

pytestmark = pytest.mark.django_db


def test_a_request_without_a_key_is_refused_with_401_and_the_scheme():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/entries/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"]


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key abc.def", "Bearer x", "Api-Key"])
def test_a_wrong_key_is_refused(header):
    response = Client().get("/api/v1/entries/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_a_valid_key_is_let_in(bank: Platform):
    assert bank.get("/api/v1/programmes/").status_code == 200


def test_keys_are_stored_only_hashed(bank: Platform):
    stored = ApiKey.objects.get(client=bank.client)
    secret = bank.key.partition(".")[2]
    assert secret not in stored.hashed_key and secret not in stored.id
    assert stored.hashed_key.startswith("sha512$$")


def test_a_revoked_key_is_refused_at_once_while_another_key_still_works(bank: Platform):
    second = Platform(bank.client, api_key_issue(client=bank.client, name="second"))
    assert bank.get("/api/v1/programmes/").status_code == 200
    api_key_revoke(key=ApiKey.objects.get(prefix=bank.key.partition(".")[0]))
    refused = bank.get("/api/v1/programmes/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert second.get("/api/v1/programmes/").status_code == 200


def test_a_disabled_client_is_refused_at_once(bank: Platform):
    assert bank.get("/api/v1/programmes/").status_code == 200
    ApiClient.objects.filter(pk=bank.client.pk).update(active=False)
    assert bank.get("/api/v1/programmes/").status_code == 401


def test_an_endpoint_outside_the_clients_scopes_is_forbidden(make_platform):
    lookup_only = make_platform("lookup")
    response = lookup_only.get("/api/v1/changes/", {"after": 0})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    feed_only = make_platform("feed")
    assert feed_only.get("/api/v1/entries/").status_code == 403
    assert feed_only.check([{"ref": "1", "name": "张三"}]).status_code == 403
    assert feed_only.get("/api/v1/changes/", {"after": 0}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_requests_at_once_is_held_to_the_rate(make_platform, settings):
    """The count is one atomic increment: on Redis when CACHE_URL is set (CI), else on the
    in-process cache, whose increment is atomic too (the file cache's is not)."""
    if not settings.CACHE_URL:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    burst = make_platform("lookup", rate=5)
    burst.wait_for_a_fresh_rate_window()

    def three_calls() -> list[int]:
        return [burst.get("/api/v1/programmes/").status_code for _ in range(3)]

    calls = factories.run_at_once(three_calls, workers=10)
    answers = [status for statuses in calls for status in statuses]
    assert sorted(answers) == [200] * 5 + [429] * 25


def test_each_client_has_its_own_rate_and_is_told_when_to_retry(make_platform):
    slow = make_platform("lookup", rate=3)
    other = make_platform("lookup", rate=3)
    slow.wait_for_a_fresh_rate_window()
    answers = [slow.get("/api/v1/programmes/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = slow.get("/api/v1/programmes/")
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.get("/api/v1/programmes/").status_code == 200


def test_create_api_client_prints_the_key_alone_on_the_last_line_and_it_works():
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_client",
        "Example Bank",
        "--scopes",
        "lookup,feed",
        "--rate",
        "120",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip().splitlines()[-1]
    client = ApiClient.objects.get(name="Example Bank")
    assert client.has_scope("lookup") and client.has_scope("feed")
    assert not client.has_scope("identity")
    assert client.rate_per_minute == 120
    assert Platform(client, key).get("/api/v1/programmes/").status_code == 200


def test_create_api_client_sets_the_daily_quota_the_operator_gives():
    out = io.StringIO()
    call_command("create_api_client", "Big Bank", "--scopes", "lookup", "--quota", "3", stdout=out)
    bank = Platform(ApiClient.objects.get(name="Big Bank"), out.getvalue().strip().splitlines()[-1])
    subjects = [{"ref": str(n), "id_number": "11010519491231002X"} for n in range(3)]

    assert bank.check(subjects).status_code == 200
    refused = bank.check(subjects[:1])
    assert refused.status_code == 429 and refused.json()["code"] == "quota_exceeded"


def test_create_api_client_refuses_an_unknown_scope_and_creates_nothing():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="everything"):
        call_command("create_api_client", "Bad", "--scopes", "lookup,everything")
    assert not ApiClient.objects.filter(name="Bad").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Authorization: Api-Key"), ("zh-hans", "密钥"), ("zh-hant", "密鑰")],
)
def test_a_missing_key_is_explained_in_the_callers_language(language, words):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/api/v1/entries/")
    assert response.status_code == 401
    message = response.json()["message"]
    assert words in message and "Api-Key" in message


def test_a_refusal_for_scope_names_the_scope_and_a_throttled_one_the_wait(make_platform):
    lookup_only = make_platform("lookup", rate=2)
    refused = lookup_only.get("/api/v1/changes/")
    assert refused.status_code == 403 and "`feed`" in refused.json()["message"]
    for _ in range(2):  # a refused request does not count; these two do
        assert lookup_only.get("/api/v1/programmes/").status_code == 200
    throttled = lookup_only.get("/api/v1/programmes/")
    assert throttled.status_code == 429
    assert throttled["Retry-After"] in throttled.json()["message"]

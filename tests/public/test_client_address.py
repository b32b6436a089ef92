"""Rate limits count per client address, read the way the deployment says: whatever a client
writes into the address headers, it never gets a 500 nor a fresh bucket."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT = "203.0.113.5"
OTHER = "198.51.100.9"


def search(**headers: str) -> int:
    """One search through the real view, as the proxy forwards it; the response's status."""
    client = Client(REMOTE_ADDR=headers.pop("remote", PROXY))
    return client.get("/search/", {"q": "张三"}, headers=headers).status_code


@pytest.fixture
def one_search(settings) -> None:
    """One search per address per hour: a second search in the same bucket is refused."""
    settings.SEARCH_RATE = "1/h"


@pytest.fixture
def real_ip(settings, one_search) -> None:
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def two_proxies(settings, one_search) -> None:
    settings.CLIENT_IP_HEADER = ""
    settings.TRUSTED_PROXY_COUNT = 2


def test_without_proxy_settings_the_remote_address_counts_and_headers_are_ignored(one_search):
    assert search(remote=CLIENT) == 200
    assert search(remote=CLIENT, x_real_ip=OTHER, x_forwarded_for=OTHER) == 429
    assert search(remote=OTHER) == 200


def test_the_configured_header_gives_each_client_its_own_bucket(real_ip):
    assert search(x_real_ip=CLIENT) == 200
    assert search(x_real_ip=CLIENT) == 429
    assert search(x_real_ip=OTHER) == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x_real_ip": ""},
        {"x_real_ip": "garbage"},
        {"x_real_ip": "999.1.1.1"},
        {"x_real_ip": f"{OTHER}, {CLIENT}"},
        {"x_real_ip": "1" * 5000},
        {"x_real_ip": f"{OTHER}:8080"},
    ],
    ids=["missing", "empty", "garbage", "out-of-range", "multi-hop", "over-long", "with-port"],
)
def test_a_missing_or_unreadable_header_shares_the_proxy_bucket_without_error(real_ip, headers):
    assert search(x_real_ip=CLIENT) == 200
    assert search(**headers) == 200  # the proxy's bucket, first use
    assert search(**headers) == 429  # the same shared bucket, never a fresh one
    assert search() == 429


def test_addresses_a_client_prepends_to_x_forwarded_for_are_ignored(two_proxies):
    assert search(x_forwarded_for=f"{CLIENT}, 10.0.0.7") == 200
    assert search(x_forwarded_for=f"{OTHER}, {CLIENT}, 10.0.0.7") == 429
    assert search(x_forwarded_for=f"garbage, 192.0.2.1, {CLIENT}, 10.0.0.7") == 429
    assert search(x_forwarded_for=f"{OTHER}, 10.0.0.7") == 200


@pytest.mark.parametrize(
    "forwarded",
    ["", "10.0.0.7", ", 10.0.0.7", "garbage, 10.0.0.7", f"{'1' * 5000}, 10.0.0.7"],
    ids=["empty", "too-few-hops", "empty-hop", "garbage-hop", "over-long-hop"],
)
def test_a_short_or_garbled_x_forwarded_for_shares_the_proxy_bucket(two_proxies, forwarded):
    assert search(x_forwarded_for=f"{CLIENT}, 10.0.0.7") == 200
    assert search(x_forwarded_for=forwarded) == 200
    assert search(x_forwarded_for=forwarded) == 429
    assert search() == 429


def test_ipv6_clients_are_counted_per_64_network(real_ip):
    assert search(x_real_ip="2001:db8:1:2::1") == 200
    assert search(x_real_ip="2001:db8:1:2:ffff::9") == 429
    assert search(x_real_ip="2001:db8:1:3::1") == 200


def test_an_ipv4_mapped_ipv6_address_counts_as_the_ipv4_address(real_ip):
    assert search(x_real_ip=CLIENT) == 200
    assert search(x_real_ip=f"::ffff:{CLIENT}") == 429


def test_an_unreadable_remote_address_is_one_shared_bucket(one_search):
    assert search(remote="") == 200
    assert search(remote="unix:/run/gunicorn.sock") == 429


def test_objections_count_by_the_same_address(real_ip, settings):
    settings.OBJECTION_RATE = "1/h"
    url = "/entries/missing/object/"

    def post(**headers: str) -> int:
        return Client(REMOTE_ADDR=PROXY).post(url, {}, headers=headers).status_code

    assert post(x_real_ip=CLIENT) == 404
    assert post(x_real_ip=CLIENT) == 429
    assert post() == 404
    assert post(x_real_ip="garbage") == 429

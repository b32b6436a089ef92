import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django_ratelimit.core import get_usage

from blacklist.models import ApiClient
from blacklist.platforms.clients import api_client_create


@pytest.fixture(autouse=True)
def empty_cache(isolated_cache) -> None:
    """Every test here counts rate limits from zero (see `isolated_cache`)."""


class Platform:
    """A credit platform calling the API with its key, as its own code would."""

    def __init__(self, client: ApiClient, key: str) -> None:
        self.client = client
        self.key = key
        self.http = Client(HTTP_ACCEPT_LANGUAGE="en")

    def headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Api-Key {self.key}"}

    def get(self, path: str, params: dict[str, Any] | None = None):
        return self.http.get(path, params or {}, **self.headers())

    def post(self, path: str, body: Any):
        return self.http.post(
            path, json.dumps(body), content_type="application/json", **self.headers()
        )

    def check(self, subjects: list[dict[str, str]], **fields: Any):
        return self.post(
            "/api/v1/checks/", {"purpose": "account_opening", "subjects": subjects, **fields}
        )

    def wait_for_a_fresh_rate_window(self, *, at_least: int = 20) -> None:
        """The rate's window is fixed: calls that straddle its end meet two. Wait for a new
        window when this one has less than `at_least` seconds left (a busy machine may take
        seconds for a burst)."""
        usage = get_usage(
            RequestFactory().get("/"),
            group="api-client",
            key=lambda group, request: str(self.client.pk),
            rate=f"{self.client.rate_per_minute}/m",
            increment=False,
        )
        if usage and usage["time_left"] < at_least:
            time.sleep(usage["time_left"] + 1)


PlatformFactory = Callable[..., Platform]


@pytest.fixture
def make_platform(db) -> PlatformFactory:
    names = iter(range(1, 1000))

    def make(scopes: str = "lookup,feed", rate: int = 10_000) -> Platform:
        client, key = api_client_create(
            name=f"bank-{next(names)}", scopes=scopes.split(","), rate_per_minute=rate
        )
        return Platform(client, key)

    return make


@pytest.fixture
def bank(make_platform) -> Platform:
    """A platform with the lookup and feed scopes: it sees masked IDs only."""
    return make_platform("lookup,feed")


@pytest.fixture
def bureau(make_platform) -> Platform:
    """A credit bureau that may see full identities."""
    return make_platform("lookup,feed,identity")

"""A platform's monitors as its own code would register them, and what the portal sends it."""

from typing import Any

from blacklist.models import ApiClient, Delivery, WebhookEvent
from blacklist.monitoring import services as monitoring
from blacklist.webhooks import services as webhooks
from tests.api.conftest import Platform
from tests.factories.people import Person


def register(platform: Platform, customers: dict[str, Person]):
    """POST monitors/ with {ref: person}."""
    return platform.post(
        "/api/v1/monitors/",
        {"subjects": [{"ref": ref, "id_number": p.id_number} for ref, p in customers.items()]},
    )


def remove(platform: Platform, refs: list[str]):
    return platform.http.delete(
        "/api/v1/monitors/",
        {"refs": refs},
        content_type="application/json",
        **platform.headers(),
    )


def subscribe(client: ApiClient, *, events: tuple[str, ...] = ()) -> None:
    webhooks.subscription_create(
        client=client, url="https://hooks.example.com/portal", events=list(events)
    )


def collect() -> int:
    return monitoring.monitor_hits_collect()


def hits_sent(client: ApiClient | None = None) -> list[dict[str, Any]]:
    """Every hit in the monitor.hit deliveries written so far (to `client`), oldest first."""
    deliveries = Delivery.objects.filter(event=WebhookEvent.MONITOR_HIT).order_by("id")
    if client is not None:
        deliveries = deliveries.filter(subscription__client=client)
    return [hit for delivery in deliveries for hit in delivery.payload["data"]["hits"]]

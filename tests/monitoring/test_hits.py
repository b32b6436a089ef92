"""monitor.hit: the change feed's events about monitored customers, as webhook deliveries."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blacklist import tasks
from blacklist.models import ChangeEvent, Delivery, DeliveryStatus, Monitor, WebhookEvent
from blacklist.monitoring import services as monitoring
from blacklist.publication import services as publication
from blacklist.webhooks import services as webhooks
from tests import factories
from tests.api.conftest import Platform
from tests.factories import assert_no_full_ids
from tests.factories.people import (
    approved_with,
    entry_of,
    person,
    publish,
    today,
    yesterday,
)
from tests.monitoring.helpers import collect, hits_sent, register, subscribe

pytestmark = pytest.mark.django_db


def test_a_publication_hits_each_monitored_customer_once_and_a_rerun_adds_none(
    bank: Platform, make_platform
):
    zhang, li, wang = person("张三"), person("李四"), person("王五")
    notice = approved_with([zhang, li, wang])
    subscribe(bank.client)
    register(bank, {"c-zhang": zhang, "c-li": li, "c-stranger": person("陌生人")})
    unsubscribed = make_platform()
    register(unsubscribed, {"u-zhang": zhang})
    subscribe(make_platform().client)  # subscribed, monitoring nobody

    publication.notice_publish(notice=notice)
    written = collect()
    again = collect()

    assert (written, again) == (2, 0)
    (delivery,) = Delivery.objects.filter(event=WebhookEvent.MONITOR_HIT)
    assert delivery.subscription.client == bank.client
    hits = delivery.payload["data"]["hits"]
    seq = dict(ChangeEvent.objects.values_list("entry__public_id", "seq"))
    assert sorted(hits, key=lambda hit: hit["ref"]) == [
        {
            "ref": ref,
            "kind": "listed",
            "seq": seq[entry_of(p).public_id],
            "entry": entry_of(p).public_id,
            "notice": notice.pk,
            "id_number_masked": entry_of(p).subject.id_masked,
        }
        for ref, p in (("c-li", li), ("c-zhang", zhang))
    ]
    assert [hit["seq"] for hit in hits] == sorted(hit["seq"] for hit in hits)  # feed order
    assert delivery.payload["type"] == "monitor.hit"


def test_the_hits_of_any_number_of_events_take_the_same_few_queries(bank: Platform):
    subscribe(bank.client)
    small, large = [person(f"小{n}") for n in range(2)], [person(f"大{n}") for n in range(40)]
    register(bank, {f"s{n}": p for n, p in enumerate(small)})
    register(bank, {f"l{n}": p for n, p in enumerate(large)})

    publish(small)
    with CaptureQueriesContext(connection) as few:
        assert collect() == 2
    publish(large)
    with CaptureQueriesContext(connection) as many:
        assert collect() == 40

    assert len(many.captured_queries) == len(few.captured_queries)
    hit_queries = [q for q in many.captured_queries if "since_seq" in q["sql"]]
    assert len(hit_queries) == 1  # one set-based query for the batch, not one per event


def test_expiry_revocation_and_withdrawal_each_hit_the_customers_they_end(bank: Platform):
    ends, revoked, withdrawn = person("期满"), person("撤销"), person("撤回")
    subscribe(bank.client)
    register(bank, {"e": ends, "r": revoked, "w": withdrawn})
    ending = publish([ends])
    publish([revoked])
    notice = publish([withdrawn])
    collect()

    factories.terms_end(ending)
    publication.entries_expire_due()
    factories.revoked(entry_of(revoked))
    factories.withdrawn(notice)
    collect()
    publication.entries_expire_due()  # run again: nothing more ends, nothing more is hit
    collect()

    assert [(hit["ref"], hit["kind"]) for hit in hits_sent()] == [
        ("e", "listed"),
        ("r", "listed"),
        ("w", "listed"),
        ("e", "expired"),
        ("r", "revoked"),
        ("w", "withdrawn"),
    ]


def test_a_term_ended_before_publication_is_never_listed_so_never_hit(bank: Platform):
    gone = person("已过")
    subscribe(bank.client)
    register(bank, {"g": gone})

    publish([gone], start=today() - datetime.timedelta(days=400), end=yesterday())
    publication.entries_expire_due()
    collect()

    assert hits_sent() == []


def test_a_customer_registered_after_an_event_hears_only_of_later_ones(bank: Platform):
    listed = person("已列入")
    subscribe(bank.client)
    publish([listed])

    answer = register(bank, {"x": listed}).json()
    collect()
    assert answer["already_listed"] == ["x"] and hits_sent() == []  # the answer said it

    factories.revoked(entry_of(listed))
    collect()
    (hit,) = hits_sent()
    assert (hit["ref"], hit["kind"]) == ("x", "revoked")
    assert hit["seq"] > answer["last_seq"]


def test_a_ref_repointed_to_another_number_hears_of_the_new_one_only(bank: Platform):
    first, second = person("前"), person("后")
    subscribe(bank.client)
    register(bank, {"x": first})
    register(bank, {"x": second})

    publish([first])
    publish([second])
    collect()

    assert [(hit["ref"], hit["entry"]) for hit in hits_sent()] == [
        ("x", entry_of(second).public_id)
    ]


def test_a_subscription_for_other_events_gets_no_hits(bank: Platform):
    customer = person("客户")
    subscribe(bank.client, events=("notice.published",))
    register(bank, {"c": customer})

    publish([customer])
    collect()

    assert hits_sent() == []
    assert Delivery.objects.filter(event=WebhookEvent.NOTICE_PUBLISHED).count() == 1


def test_hits_are_split_a_thousand_to_a_delivery(bank: Platform, settings, monkeypatch):
    monkeypatch.setattr(webhooks, "HITS_PER_DELIVERY", 3)
    people = [person(f"客{n}") for n in range(7)]
    subscribe(bank.client)
    register(bank, {f"c{n}": p for n, p in enumerate(people)})

    publish(people)
    collect()

    sizes = [
        len(d.payload["data"]["hits"])
        for d in Delivery.objects.filter(event=WebhookEvent.MONITOR_HIT).order_by("id")
    ]
    assert sizes == [3, 3, 1]
    assert len(hits_sent()) == 7


def test_the_collector_reads_the_feed_in_batches_one_transaction_each(bank: Platform):
    people = [person(f"批{n}") for n in range(5)]
    subscribe(bank.client)
    register(bank, {f"c{n}": p for n, p in enumerate(people)})
    publish(people)

    assert monitoring.monitor_hits_collect(batch=2) == 5
    assert sorted(hit["ref"] for hit in hits_sent()) == [f"c{n}" for n in range(5)]
    assert Delivery.objects.filter(event=WebhookEvent.MONITOR_HIT).count() == 3  # per batch


def test_no_payload_holds_a_full_id_number(bank: Platform, full_id_numbers):
    people = [person(f"人{n}") for n in range(3)]
    subscribe(bank.client)
    register(bank, {f"c{n}": p for n, p in enumerate(people)})
    notice = publish(people)
    factories.withdrawn(notice)

    collect()

    payloads = json.dumps(
        list(Delivery.objects.values_list("payload", flat=True)), ensure_ascii=False
    )
    assert len(hits_sent()) == 6
    assert_no_full_ids(payloads, [p.id_number for p in people])


def test_hits_are_sent_signed_like_every_webhook(bank: Platform, settings):
    from tests.webhooks.test_webhooks import Receiver, verify

    settings.WEBHOOK_ALLOW_PRIVATE = True
    receiver = Receiver()
    try:
        _, secret = webhooks.subscription_create(client=bank.client, url=receiver.url)
        customer = person("签名")
        register(bank, {"c": customer})
        publish([customer])
        collect()
        for delivery_id in webhooks.deliveries_due(now=timezone.now()):
            webhooks.delivery_send(delivery_id=delivery_id)
    finally:
        receiver.stop()

    (got,) = [r for r in receiver.received if r.headers["x-portal-event"] == "monitor.hit"]
    assert verify(got, secret)
    assert [hit["ref"] for hit in got.payload()["data"]["hits"]] == ["c"]
    assert Delivery.objects.get(event=WebhookEvent.MONITOR_HIT).status == DeliveryStatus.DELIVERED


def test_a_disabled_client_keeps_no_monitors_and_hears_of_nothing(bank: Platform, make_platform):
    from blacklist.models import ApiClient
    from blacklist.platforms import clients as api_clients

    customer = person("客户")
    subscribe(bank.client)
    register(bank, {"c": customer})
    other = make_platform()
    register(other, {"c": customer})

    api_clients.api_clients_disable(clients=ApiClient.objects.filter(pk=bank.client.pk))
    publish([customer])
    collect()

    assert not Monitor.objects.filter(client=bank.client).exists()
    assert Monitor.objects.filter(client=other.client).count() == 1
    assert hits_sent() == []


@pytest.mark.django_db(transaction=True)
def test_two_collectors_at_once_write_each_hit_once(bank: Platform):
    people = [person(f"并{n}") for n in range(6)]
    subscribe(bank.client)
    register(bank, {f"c{n}": p for n, p in enumerate(people)})
    publish(people)

    results = factories.run_at_once(monitoring.monitor_hits_collect)

    assert sorted(results) == [0, 6]
    assert len(hits_sent()) == 6


def test_beat_collects_hits_every_minute_with_a_registered_task():
    from django_celery_beat.models import PeriodicTask

    from portal.celery import app

    run = PeriodicTask.objects.get(task="blacklist.tasks.collect_monitor_hits")
    assert (run.enabled, run.interval.every, run.interval.period) == (True, 1, "minutes")
    assert run.task in app.tasks
    assert tasks.collect_monitor_hits.name == run.task

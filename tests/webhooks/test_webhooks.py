"""Webhooks as a credit platform's server receives them: a real HTTP server on 127.0.0.1."""

import datetime
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from blacklist import tasks
from blacklist.models import (
    ApiClient,
    ChangeEvent,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Entry,
    Notice,
    Subscription,
    WebhookEvent,
)
from blacklist.platforms import clients as api_clients
from blacklist.publication import services as publication
from blacklist.webhooks import services as webhooks
from portal.celery import app
from tests import factories

Answer = int | tuple[int, dict[str, str]]


@dataclass
class Received:
    headers: dict[str, str]  # names in lower case
    body: bytes

    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A platform's endpoint: answers in the order given (the last one repeats), records all."""

    answers: list[Answer] = field(default_factory=lambda: [200])
    hang: bool = False  # accept the request, then never answer
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/portal"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _next_answer(self) -> Answer:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver.lock:
                    receiver.received.append(Received(headers=headers, body=body))
                    answer = receiver._next_answer()
                if receiver.hang:
                    receiver.release.wait(60)
                    return
                time.sleep(receiver.delay)
                status, extra = answer if isinstance(answer, tuple) else (answer, {})
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"thanks!" if status < 300 else b"failed!")

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(autouse=True)
def receivers_on_this_machine(settings) -> None:
    """The test receivers listen on 127.0.0.1, which the portal refuses by default."""
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


@pytest.fixture
def endpoint(receivers):
    def make(**options) -> Receiver:
        receiver = Receiver(**options)
        receivers.append(receiver)
        return receiver

    return make


def platform(
    name: str = "Bank of Hubei", scopes: tuple[str, ...] = ("lookup", "feed")
) -> ApiClient:
    client, _ = api_clients.api_client_create(name=name, scopes=list(scopes))
    return client


def subscribe(url: str, *, events: tuple[str, ...] = (), name: str = "Bank of Hubei"):
    client = ApiClient.objects.filter(name=name).first() or platform(name)
    return webhooks.subscription_create(client=client, url=url, events=list(events))


def emit_published(notice: Notice) -> list[int]:
    with transaction.atomic():
        return webhooks.notice_published(notice=notice)


def send_all_due(now: datetime.datetime | None = None) -> list[DeliveryAttempt]:
    now = now or timezone.now()
    attempts = [
        webhooks.delivery_send(delivery_id=pk, now=now) for pk in webhooks.deliveries_due(now=now)
    ]
    return [attempt for attempt in attempts if attempt]


def verify(received: Received, secret: str, **options) -> bool:
    return webhooks.signature_verify(
        secret=secret,
        timestamp=received.headers["x-portal-timestamp"],
        body=received.body,
        signature=received.headers["x-portal-signature"],
        **options,
    )


# --- sending, retrying, giving up ------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_endpoint_gets_the_event_on_a_later_attempt_and_each_try_is_logged(endpoint):
    notice = factories.published_notice(count=2)
    receiver = endpoint(answers=[500, 503, 200])
    subscribe(receiver.url)
    [delivery_id] = emit_published(notice)

    now = timezone.now()
    for _ in range(3):
        assert webhooks.delivery_send(delivery_id=delivery_id, now=now) is not None
        delivery = Delivery.objects.get(pk=delivery_id)
        # Not due again before its time: nothing is sent.
        assert webhooks.delivery_send(delivery_id=delivery_id, now=now) is None
        now = delivery.next_attempt_at

    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 3
    assert {r.headers["x-portal-delivery"] for r in receiver.received} == {delivery.event_id}
    assert len({r.body for r in receiver.received}) == 1  # the same event each time
    log = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 503), (3, 200)]
    assert log[0].error == "failed!" and log[2].error == ""
    waits = [later.attempted_at - earlier.attempted_at for earlier, later in pairwise(log)]
    assert waits == [datetime.timedelta(minutes=1), datetime.timedelta(minutes=2)]
    assert delivery.delivered_at == log[2].attempted_at
    # Delivered is final: a late sweep sends nothing more.
    assert send_all_due(now + datetime.timedelta(days=1)) == []
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_a_delivery_is_given_up_a_day_after_the_event(endpoint):
    notice = factories.published_notice(count=1)
    receiver = endpoint(answers=[500])
    subscribe(receiver.url)
    [delivery_id] = emit_published(notice)
    created = Delivery.objects.get(pk=delivery_id).created_at

    for _ in range(100):
        delivery = Delivery.objects.get(pk=delivery_id)
        if delivery.status != DeliveryStatus.PENDING:
            break
        webhooks.delivery_send(delivery_id=delivery_id, now=delivery.next_attempt_at)

    assert delivery.status == DeliveryStatus.FAILED
    times = list(delivery.attempt_log.order_by("number").values_list("attempted_at", flat=True))
    waits = [round((b - a).total_seconds() / 60) for a, b in pairwise(times)]
    assert waits == [1, 2, 4, 8, 16, 32] + [60] * 22  # doubling, then hourly
    assert len(receiver.received) == delivery.attempts == 29
    assert times[-1] - created < datetime.timedelta(hours=24)
    assert times[-1] + datetime.timedelta(hours=1) - created > datetime.timedelta(hours=24)
    later = created + datetime.timedelta(days=2)
    assert webhooks.deliveries_due(now=later) == []
    assert webhooks.delivery_send(delivery_id=delivery_id, now=later) is None
    assert len(receiver.received) == 29


@pytest.mark.django_db
def test_a_hanging_endpoint_times_out_and_another_platform_still_gets_its_event(endpoint, settings):
    settings.WEBHOOK_READ_TIMEOUT = 1
    notice = factories.published_notice(count=1)
    hanging, healthy = endpoint(hang=True), endpoint()
    subscribe(hanging.url, name="Slow Bank")
    subscribe(healthy.url, name="Quick Pay")
    emit_published(notice)

    started = time.monotonic()
    attempts = send_all_due()
    elapsed = time.monotonic() - started

    assert elapsed < 5
    by_url = {a.delivery.subscription.url: a for a in attempts}
    assert by_url[hanging.url].status_code is None
    assert "no answer within 1 s" in by_url[hanging.url].error
    assert by_url[healthy.url].status_code == 200
    assert len(hanging.received) == len(healthy.received) == 1
    slow = Delivery.objects.get(subscription__url=hanging.url)
    assert slow.status == DeliveryStatus.PENDING and slow.next_attempt_at > timezone.now()
    assert Delivery.objects.get(subscription__url=healthy.url).status == DeliveryStatus.DELIVERED


@pytest.mark.django_db
def test_redirects_are_not_followed(endpoint):
    notice = factories.published_notice(count=1)
    elsewhere = endpoint()
    redirecting = endpoint(answers=[(307, {"Location": elsewhere.url})])
    subscribe(redirecting.url)
    emit_published(notice)

    [attempt] = send_all_due()

    assert attempt.status_code == 307 and "not followed" in attempt.error
    assert elsewhere.received == []
    assert attempt.delivery.status == DeliveryStatus.PENDING


@pytest.mark.django_db
def test_by_default_nothing_is_sent_to_an_address_of_the_portals_own_network(endpoint, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    notice = factories.published_notice(count=1)
    internal = endpoint()
    subscribe(internal.url)
    emit_published(notice)

    [attempt] = send_all_due()

    assert internal.received == []
    assert attempt.status_code is None and "non-public address" in attempt.error
    assert attempt.delivery.status == DeliveryStatus.PENDING  # retried, in case DNS changes


# --- signatures -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_receiver_verifies_the_signature_with_its_secret_and_the_timestamp(endpoint):
    notice = factories.published_notice(count=2)
    receiver = endpoint()
    subscription, secret = subscribe(receiver.url)
    emit_published(notice)

    send_all_due()

    [got] = receiver.received
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-portal-event"] == "notice.published"
    assert got.headers["x-portal-delivery"] == got.payload()["id"]
    assert secret.startswith("whsec_")
    assert secret not in subscription.secret_encrypted
    # As the README tells platforms to check it, without the portal's code:
    signed = got.headers["x-portal-timestamp"].encode() + b"." + got.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert got.headers["x-portal-signature"] == f"sha256={expected}"
    assert verify(got, secret)
    assert abs(int(got.headers["x-portal-timestamp"]) - time.time()) < 60


@pytest.mark.django_db
def test_a_tampered_body_a_wrong_secret_or_a_stale_timestamp_fail_verification(endpoint):
    notice = factories.published_notice(count=1)
    receiver = endpoint()
    _, secret = subscribe(receiver.url)
    emit_published(notice)
    send_all_due()
    [got] = receiver.received

    tampered = Received(got.headers, got.body.replace(b'"notice.published"', b'"notice.withdrawn"'))
    assert tampered.body != got.body
    assert not verify(tampered, secret)
    assert not verify(got, secret + "x")
    later = str(int(got.headers["x-portal-timestamp"]) + 1)
    retimed = Received({**got.headers, "x-portal-timestamp": later}, got.body)
    assert not verify(retimed, secret)
    replayed = timezone.now() + datetime.timedelta(minutes=10)
    assert not verify(got, secret, now=replayed)
    assert verify(got, secret)


@pytest.mark.django_db
def test_a_rotated_secret_signs_from_then_on_and_the_old_one_no_longer_verifies(endpoint):
    notice = factories.published_notice(count=1)
    receiver = endpoint()
    subscription, old = subscribe(receiver.url)

    new = webhooks.subscription_rotate_secret(subscription=subscription)
    emit_published(notice)
    send_all_due()

    [got] = receiver.received
    assert new != old
    assert verify(got, new) and not verify(got, old)


# --- what is sent, to whom --------------------------------------------------------------------


@pytest.mark.django_db
def test_payloads_name_no_one_and_carry_public_ids(endpoint):
    notice = factories.published_notice(count=3)
    entries = factories.entries_of(notice)
    receiver = endpoint()
    subscribe(receiver.url)
    people = [e.subject for e in entries]
    secrets_of_people = (
        [p.name for p in people]
        + [p.id_number() for p in people]
        + [p.id_masked for p in people]
        + [e.public_name() for e in entries]
    )
    reason = f"异议成立：{people[0].name}（{people[0].id_number()}）"

    with transaction.atomic():
        webhooks.notice_published(notice=notice, changes=range(1, 4))
        webhooks.entry_revoked(entry=entries[0], reason=reason)
        webhooks.entries_expired(entry_ids=[entries[1].pk, entries[2].pk])
        webhooks.notice_withdrawn(notice=notice, reason=reason)
    send_all_due()

    bodies = [r.body.decode() for r in receiver.received]
    assert [json.loads(b)["type"] for b in bodies] == [
        "notice.published",
        "entry.revoked",
        "entries.expired",
        "notice.withdrawn",
    ]
    for body in bodies:
        leaked = [text for text in secrets_of_people if text in body]
        assert not leaked, body
    published = json.loads(bodies[0])["data"]
    assert published["notice"]["id"] == notice.pk
    assert published["notice"]["programme"] == notice.programme.code
    assert published["notice"]["entries"]["active"] == 3
    assert published["changes"] == {"first_seq": 1, "last_seq": 3}
    assert json.loads(bodies[1])["data"]["entry"]["public_id"] == entries[0].public_id
    expired = json.loads(bodies[2])["data"]["entries"]
    assert expired == [entries[1].public_id, entries[2].public_id]


@pytest.mark.django_db
def test_many_expired_entries_are_split_over_several_deliveries(endpoint, monkeypatch):
    monkeypatch.setattr(webhooks, "ENTRIES_PER_DELIVERY", 2)
    notice = factories.published_notice(count=5)
    entries = factories.entries_of(notice)
    receiver = endpoint()
    subscribe(receiver.url)

    with transaction.atomic():
        webhooks.entries_expired(entry_ids=[e.pk for e in entries], changes=range(11, 16))
    send_all_due()

    parts = sorted((r.payload()["data"] for r in receiver.received), key=lambda d: d["part"])
    assert [(p["part"], p["parts"]) for p in parts] == [(1, 3), (2, 3), (3, 3)]
    assert [pid for p in parts for pid in p["entries"]] == [e.public_id for e in entries]
    assert [p["changes"] for p in parts] == [
        {"first_seq": 11, "last_seq": 12},
        {"first_seq": 13, "last_seq": 14},
        {"first_seq": 15, "last_seq": 15},
    ]
    assert len({r.headers["x-portal-delivery"] for r in receiver.received}) == 3


@pytest.mark.django_db
def test_entries_whose_term_begins_later_are_announced_by_the_start_job(endpoint):
    later = timezone.localdate() + datetime.timedelta(days=3)
    notice = factories.published_notice(count=2, start=later)
    receiver = endpoint()
    subscribe(receiver.url, events=("entries.listed",))

    assert publication.entries_start_due() == 0
    assert publication.entries_start_due(today=later) == 2
    send_all_due()

    (delivery,) = [r.payload() for r in receiver.received]
    assert delivery["type"] == "entries.listed"
    assert delivery["data"]["entries"] == [e.public_id for e in factories.entries_of(notice)]
    first, last = ChangeEvent.objects.order_by("seq").values_list("seq", flat=True)
    assert delivery["data"]["changes"] == {"first_seq": first, "last_seq": last}


@pytest.mark.django_db
def test_only_active_subscribers_with_the_feed_scope_that_want_the_event_get_it(endpoint):
    notice = factories.published_notice(count=1)
    wants, other_event, paused, no_feed = endpoint(), endpoint(), endpoint(), endpoint()
    subscribe(wants.url, events=("notice.published",), name="A")
    subscribe(other_event.url, events=("entry.revoked",), name="B")
    paused_subscription, _ = subscribe(paused.url, name="C")
    Subscription.objects.filter(pk=paused_subscription.pk).update(active=False)
    lookup_only = platform("D", scopes=("lookup",))
    with pytest.raises(ValidationError) as refused:
        webhooks.subscription_create(client=lookup_only, url=no_feed.url, events=[])
    assert list(refused.value.message_dict) == ["client"]

    emit_published(notice)
    send_all_due()

    assert len(wants.received) == 1
    assert other_event.received == paused.received == no_feed.received == []


@pytest.mark.django_db
def test_a_change_rolled_back_sends_nothing(endpoint):
    notice = factories.published_notice(count=2)
    receiver = endpoint()
    subscribe(receiver.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        webhooks.notice_published(notice=notice)
        raise RuntimeError("the publication failed after the event was written")
    send_all_due(timezone.now() + datetime.timedelta(hours=1))

    assert receiver.received == []
    assert not Delivery.objects.exists()
    emit_published(notice)  # the same change committed is sent
    send_all_due()
    assert len(receiver.received) == 1


# --- the delivery log in the admin ----------------------------------------------------------


@pytest.fixture
def official(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("webhook-official", password="pw-not-used")
    client.force_login(user)
    return client


def shown_secret(response) -> str:
    text = " ".join(str(message) for message in response.context["messages"])
    [secret] = re.findall(r"whsec_[A-Za-z0-9_-]+", text)
    return secret


@pytest.mark.django_db
def test_an_official_subscribes_a_platform_and_sees_the_secret_once(official, endpoint):
    notice = factories.published_notice(count=1)
    client = platform()
    receiver = endpoint()
    response = official.post(
        "/admin/blacklist/subscription/add/",
        {"client": client.pk, "url": receiver.url, "events": ["notice.published"]},
        follow=True,
    )
    secret = shown_secret(response)
    subscription = Subscription.objects.get(client=client)
    assert subscription.events == "notice.published"
    detail = official.get(f"/admin/blacklist/subscription/{subscription.pk}/change/")
    assert secret not in detail.content.decode()

    emit_published(notice)
    send_all_due()
    [got] = receiver.received
    assert verify(got, secret)

    rotated = official.post(
        "/admin/blacklist/subscription/",
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )
    assert shown_secret(rotated) != secret


@pytest.mark.django_db
def test_the_admin_refuses_a_subscription_for_a_client_without_the_feed_scope(official):
    client = platform("Lookup Only", scopes=("lookup",))
    response = official.post(
        "/admin/blacklist/subscription/add/",
        {"client": client.pk, "url": "https://hooks.example.com/portal"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert list(response.context["adminform"].form.errors) == ["client"]
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_the_delivery_log_shows_every_attempt_and_sends_again_on_request(
    official, endpoint, django_capture_on_commit_callbacks
):
    notice = factories.published_notice(count=1)
    receiver = endpoint(answers=[500, 200])
    subscribe(receiver.url)
    [delivery_id] = emit_published(notice)
    webhooks.delivery_send(delivery_id=delivery_id)
    delivery = Delivery.objects.get(pk=delivery_id)
    webhooks.delivery_send(delivery_id=delivery_id, now=delivery.next_attempt_at)

    page = official.get(f"/admin/blacklist/delivery/{delivery_id}/change/").content.decode()
    assert "500" in page and "200" in page and delivery.event_id in page
    listed = official.get("/admin/blacklist/delivery/", {"status__exact": "delivered"})
    assert [d.pk for d in listed.context["cl"].result_list] == [delivery_id]
    failed = official.get("/admin/blacklist/delivery/", {"status__exact": "failed"})
    assert list(failed.context["cl"].result_list) == []

    with django_capture_on_commit_callbacks() as callbacks:
        official.post(
            "/admin/blacklist/delivery/",
            {"action": "send_again_now", "_selected_action": [delivery_id]},
        )
    assert len(callbacks) == 1  # one task queued for it
    assert webhooks.deliveries_due(now=timezone.now()) == [delivery_id]
    send_all_due()
    assert len(receiver.received) == 3
    assert Delivery.objects.get(pk=delivery_id).status == DeliveryStatus.DELIVERED


# --- concurrency and the real worker ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_delivery_at_once_make_one_attempt(endpoint):
    notice = factories.published_notice(count=1)
    receiver = endpoint(delay=0.5)
    subscribe(receiver.url)
    [delivery_id] = emit_published(notice)
    results = factories.run_at_once(
        lambda: webhooks.delivery_send(delivery_id=delivery_id), timeout=30
    )

    assert sorted(type(r).__name__ for r in results) == ["DeliveryAttempt", "NoneType"]
    assert len(receiver.received) == 1
    assert DeliveryAttempt.objects.filter(delivery_id=delivery_id).count() == 1
    assert Delivery.objects.get(pk=delivery_id).status == DeliveryStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_events_are_written_only_inside_the_transaction_of_the_change(endpoint):
    notice = factories.published_notice(count=1)
    subscribe(endpoint().url)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        webhooks.notice_published(notice=notice)
    assert not Delivery.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_due_deliveries_signed(worker, endpoint):
    notice = factories.published_notice(count=2)
    receiver = endpoint()
    _, secret = subscribe(receiver.url)
    emit_published(notice)

    tasks.deliver_due_webhooks.delay()

    assert factories.wait_for(lambda: len(receiver.received) == 1), "nothing was delivered"
    [got] = receiver.received
    assert got.payload()["type"] == WebhookEvent.NOTICE_PUBLISHED
    assert got.payload()["data"]["notice"]["id"] == notice.pk
    assert verify(got, secret)
    assert factories.wait_for(
        lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 1
    )
    assert Entry.objects.filter(notice=notice).count() == 2


@pytest.mark.django_db
def test_beat_sweeps_due_deliveries_every_minute_with_a_registered_task():
    sweep = PeriodicTask.objects.get(task="blacklist.tasks.deliver_due_webhooks")
    assert (sweep.enabled, sweep.interval.every, sweep.interval.period) == (True, 1, "minutes")
    assert sweep.task in app.tasks
    assert "blacklist.tasks.deliver_webhook" in app.tasks

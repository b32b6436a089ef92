"""Webhooks to credit platforms: subscriptions, the outbox of deliveries, signed sending.

The emitters run inside the transaction of the change they report and only write Delivery
rows (an outbox): a rollback sends nothing, a commit never loses an event. Sending happens
afterwards, one delivery per Celery task, so one slow endpoint never holds up the others.

Payloads name no person: no names, no full ID numbers, no officials' free text. Platforms
fetch details through the API with their own scopes. (`monitor.hit` names the platform's own
customer by the platform's reference, with the ID number masked.)
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.lib import sealing
from blacklist.lib.queueing import queue_after_commit
from blacklist.models import (
    ApiClient,
    ApiScope,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Entry,
    EntryStatus,
    Notice,
    Subscription,
    WebhookEvent,
)

log = logging.getLogger(__name__)

EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
SIGNATURE_HEADER = "X-Portal-Signature"
# How far a receiver should let our timestamp be from its clock before refusing a request.
SIGNATURE_TOLERANCE = datetime.timedelta(minutes=5)

SECRET_PREFIX = "whsec_"  # noqa: S105 (a label, not a secret)
_SECRET_CONTEXT = b"subscription.secret"

# Retries: one minute after the first failure, doubling up to an hour, for a day.
BACKOFF_FIRST = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=1)
RETRY_WINDOW = datetime.timedelta(hours=24)

ENTRIES_PER_DELIVERY = 1000  # public ids per entries.listed or entries.expired delivery
HITS_PER_DELIVERY = 1000  # monitored customers per monitor.hit delivery
DUE_BATCH = 1000  # deliveries handed out per sweep
_ERROR_CHARS = 300
_BODY_CHARS = 200


# --- subscriptions ----------------------------------------------------------------------------


def subscription_validate(*, client: ApiClient, url: str, events: Sequence[str]) -> str:
    """Check a subscription's fields; returns the events as stored (empty: every event)."""
    if not client.has_scope(ApiScope.FEED):
        raise ValidationError(
            {"client": _("Webhooks report changes: the client needs the feed scope.")}
        )
    URLValidator(schemes=["http", "https"])(url)
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError(
            {"events": _("Unknown events: %(events)s") % {"events": ", ".join(unknown)}}
        )
    return ",".join(event for event in WebhookEvent.values if event in events)


def subscription_create(
    *, client: ApiClient, url: str, events: Sequence[str] = ()
) -> tuple[Subscription, str]:
    """A new subscription and its signing secret, which is returned once and kept encrypted."""
    stored_events = subscription_validate(client=client, url=url, events=events)
    secret = _new_secret()
    subscription = Subscription.objects.create(
        client=client, url=url, events=stored_events, secret_encrypted=_seal(secret)
    )
    log.info("webhook subscription %s created for API client %s", subscription.pk, client.pk)
    return subscription, secret


def subscription_update(
    *, subscription: Subscription, url: str, events: Sequence[str], active: bool
) -> Subscription:
    stored_events = subscription_validate(client=subscription.client, url=url, events=events)
    Subscription.objects.filter(pk=subscription.pk).update(
        url=url, events=stored_events, active=active
    )
    subscription.refresh_from_db()
    return subscription


def subscription_rotate_secret(*, subscription: Subscription) -> str:
    """Replace the secret; the new one is returned once and signs every later attempt."""
    secret = _new_secret()
    Subscription.objects.filter(pk=subscription.pk).update(secret_encrypted=_seal(secret))
    subscription.refresh_from_db()
    log.info("webhook subscription %s has a new secret", subscription.pk)
    return secret


def subscription_events(*, subscription: Subscription) -> list[str]:
    """The events a subscription receives; stored empty means every event."""
    chosen = [part.strip() for part in subscription.events.split(",") if part.strip()]
    return chosen or list(WebhookEvent.values)


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _seal(secret: str) -> str:
    return sealing.seal_text(secret, keys=settings.FIELD_ENCRYPTION_KEYS, context=_SECRET_CONTEXT)


def _secret_of(subscription: Subscription) -> str:
    return sealing.unseal_text(
        subscription.secret_encrypted, keys=settings.FIELD_ENCRYPTION_KEYS, context=_SECRET_CONTEXT
    )


# --- signatures (pure) ------------------------------------------------------------------------


def signature_make(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of "{timestamp}.{body}" under the subscription's secret."""
    message = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_verify(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: datetime.datetime | None = None,
    tolerance: datetime.timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (no replays)."""
    try:
        sent = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return False
    if abs((now or timezone.now()) - sent) > tolerance:
        return False
    expected = signature_make(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace"))


def payload_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed; stable whatever order the database returns keys in."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


# --- emitters: called inside the transaction of the change ----------------------------------


def notice_published(*, notice: Notice, changes: range | None = None) -> list[int]:
    """A notice went public. `changes`: the feed sequence numbers of its listings, if known."""
    event = WebhookEvent.NOTICE_PUBLISHED
    if not (subscribers := _subscribers(event)):
        return []
    data = {"notice": _notice_data(notice), "changes": _seq_range(changes)}
    return _enqueue(event=event, subscribers=subscribers, parts=[data])


def notice_withdrawn(*, notice: Notice, reason: str, changes: range | None = None) -> list[int]:
    """A notice was withdrawn with all its listings.

    The reason is the officials' free text and may name people, so it is not sent; platforms
    read it through the API.
    """
    event = WebhookEvent.NOTICE_WITHDRAWN
    if not (subscribers := _subscribers(event)):
        return []
    data = {"notice": _notice_data(notice), "changes": _seq_range(changes)}
    return _enqueue(event=event, subscribers=subscribers, parts=[data])


def entries_listed(*, entry_ids: Sequence[int], changes: range | None = None) -> list[int]:
    """Listings of published notices whose term began after publication (see
    `entries_expired` for the parts and ranges)."""
    return _entries_event(WebhookEvent.ENTRIES_LISTED, entry_ids=entry_ids, changes=changes)


def entries_expired(*, entry_ids: Sequence[int], changes: range | None = None) -> list[int]:
    """Listings whose term ended, ENTRIES_PER_DELIVERY public ids per delivery.

    Pass only entries the feed has listed. When `changes` numbers exactly these entries
    in this order, each delivery carries its own part of the range.
    """
    return _entries_event(WebhookEvent.ENTRIES_EXPIRED, entry_ids=entry_ids, changes=changes)


def _entries_event(
    event: WebhookEvent, *, entry_ids: Sequence[int], changes: range | None
) -> list[int]:
    if not (subscribers := _subscribers(event)) or not entry_ids:
        return []
    chunks = [
        entry_ids[start : start + ENTRIES_PER_DELIVERY]
        for start in range(0, len(entry_ids), ENTRIES_PER_DELIVERY)
    ]
    aligned = changes is not None and len(changes) == len(entry_ids)
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        start = (number - 1) * ENTRIES_PER_DELIVERY
        part_changes = changes[start : start + len(chunk)] if aligned and changes else changes
        public_ids = dict(Entry.objects.filter(id__in=chunk).values_list("id", "public_id"))
        parts.append(
            {
                "entries": [public_ids[pk] for pk in chunk if pk in public_ids],
                "part": number,
                "parts": len(chunks),
                "changes": _seq_range(part_changes),
            }
        )
    return _enqueue(event=event, subscribers=subscribers, parts=parts)


def entry_revoked(*, entry: Entry, reason: str, changes: range | None = None) -> list[int]:
    """A listing was taken off for good (an upheld objection, an official's ruling).

    The reason is free text and may name the person, so it is not sent (see notice_withdrawn).
    """
    event = WebhookEvent.ENTRY_REVOKED
    if not (subscribers := _subscribers(event)):
        return []
    row = Entry.objects.select_related("notice__programme").get(pk=entry.pk)
    data = {
        "entry": {
            "public_id": row.public_id,
            "notice": row.notice_id,
            "programme": row.notice.programme.code,
            "status": row.status,
        },
        "changes": _seq_range(changes),
    }
    return _enqueue(event=event, subscribers=subscribers, parts=[data])


def _notice_data(notice: Notice) -> dict[str, Any]:
    # Read again: the caller has just changed the row and may hold a stale instance.
    row = Notice.objects.select_related("programme", "authority").get(pk=notice.pk)
    counts = dict(
        Entry.objects.filter(notice_id=row.pk)
        .order_by()
        .values_list("status")
        .annotate(count=Count("id"))
    )
    return {
        "id": row.pk,
        "title": row.title,
        "programme": row.programme.code,
        "authority": row.authority.code,
        "batch_number": row.batch_number,
        "status": row.status,
        "published_at": _iso(row.published_at),
        "withdrawn_at": _iso(row.withdrawn_at),
        "entries": {status: counts.get(status, 0) for status in EntryStatus.values},
    }


def _seq_range(changes: range | None) -> dict[str, int] | None:
    if not changes:
        return None
    return {"first_seq": changes[0], "last_seq": changes[-1]}


def _iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _enqueue(
    *,
    event: WebhookEvent,
    subscribers: Sequence[Subscription],
    parts: Sequence[dict[str, Any]],
) -> list[int]:
    """One delivery per part for every subscriber; returns their ids."""
    return _write(event, [(subscription, data) for subscription in subscribers for data in parts])


def _write(
    event: WebhookEvent, deliveries: Sequence[tuple[Subscription, dict[str, Any]]]
) -> list[int]:
    """The outbox rows: one delivery of `data` to each subscription named; returns their ids."""
    now = timezone.now()
    rows = []
    for subscription, data in deliveries:
        event_id = "evt_" + secrets.token_hex(16)
        payload = {"id": event_id, "type": event.value, "occurred_at": _iso(now), "data": data}
        rows.append(
            Delivery(
                subscription=subscription,
                event=event,
                event_id=event_id,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
        )
    created = Delivery.objects.bulk_create(rows, batch_size=500)
    return [delivery.pk for delivery in created if delivery.pk is not None]


def monitor_hit_clients() -> set[int]:
    """The clients that would be sent `monitor.hit` now: the only ones whose hits count."""
    return {subscription.client_id for subscription in _subscribers(WebhookEvent.MONITOR_HIT)}


def monitor_hits(*, hits: Mapping[int, Sequence[dict[str, Any]]]) -> list[int]:
    """Monitored customers listed or off the list, by client id, in feed order: each of the
    client's subscriptions gets them, HITS_PER_DELIVERY per delivery. A hit names the
    customer by the platform's own ref and the ID number only masked (see
    `monitoring.selectors.Hit.payload`)."""
    deliveries = []
    for subscription in _subscribers(WebhookEvent.MONITOR_HIT):
        client_hits = hits.get(subscription.client_id, ())
        for start in range(0, len(client_hits), HITS_PER_DELIVERY):
            chunk = list(client_hits[start : start + HITS_PER_DELIVERY])
            deliveries.append((subscription, {"hits": chunk}))
    return _write(WebhookEvent.MONITOR_HIT, deliveries)


def _subscribers(event: WebhookEvent) -> list[Subscription]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("webhook events must be written inside the transaction of the change")
    # Few rows: platforms, not people. Scopes are checked now, not only at subscription time.
    active = Subscription.objects.filter(active=True, client__active=True).select_related("client")
    return [
        subscription
        for subscription in active.order_by("pk")
        if subscription.client.has_scope(ApiScope.FEED)
        and event.value in subscription_events(subscription=subscription)
    ]


# --- sending ----------------------------------------------------------------------------------


def send_time_limit() -> int:
    """Seconds after which a delivery's task is stopped: just above the HTTP timeouts."""
    return int(settings.WEBHOOK_CONNECT_TIMEOUT + settings.WEBHOOK_READ_TIMEOUT) + 10


def claim_lease() -> datetime.timedelta:
    # Longer than the task may live: a claim expires only when its worker is gone.
    return datetime.timedelta(seconds=2 * send_time_limit() + 60)


def backoff(*, attempt: int) -> datetime.timedelta:
    """The wait after the attempt-th failure: 1, 2, 4 … minutes, at most an hour."""
    return min(BACKOFF_FIRST * 2 ** min(attempt - 1, 20), BACKOFF_MAX)


def deliveries_due(*, now: datetime.datetime, limit: int = DUE_BATCH) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first (the sweeper's selector)."""
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__active=True,
            subscription__client__active=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def deliveries_queue_due(*, now: datetime.datetime) -> list[int]:
    """The sweeper: one task per due delivery, so a hanging endpoint holds only its own."""
    due = deliveries_due(now=now)
    for delivery_id in due:
        queue_after_commit("blacklist.tasks.deliver_webhook", delivery_id=delivery_id)
    return due


@dataclass(frozen=True)
class _Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delivery_send(
    *, delivery_id: int, now: datetime.datetime | None = None
) -> DeliveryAttempt | None:
    """Make one attempt at a due delivery; None when it is not due or another worker has it.

    Safe to run twice or at once: the attempt is claimed with a conditional update, and
    the claim lapses on its own if the worker dies mid-attempt.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id=delivery_id, now=now)
    if delivery is None:
        return None
    outcome = _post(delivery=delivery, now=now)
    return _record(delivery=delivery, now=now, outcome=outcome)


def deliveries_retry_now(
    *, delivery_ids: Sequence[int], now: datetime.datetime | None = None
) -> list[int]:
    """Officials' "send again now": due at once, one more attempt even if given up or sent."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Delivery.objects.filter(pk__in=delivery_ids).values_list("id", flat=True))
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, next_attempt_at=now, delivered_at=None
        )
        for delivery_id in ids:
            queue_after_commit("blacklist.tasks.deliver_webhook", delivery_id=delivery_id)
    log.info("%d webhook deliveries to be sent again", len(ids))
    return ids


def _claim(*, delivery_id: int, now: datetime.datetime) -> Delivery | None:
    delivery = (
        Delivery.objects.select_related("subscription__client").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    subscription = delivery.subscription
    if not (subscription.active and subscription.client.active):
        return None
    # Only plain columns in the condition, so PostgreSQL re-checks them against a row a
    # concurrent claim has just changed (a join would turn this into a subquery that it
    # does not re-check).
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
        attempts=delivery.attempts,
    ).update(attempts=delivery.attempts + 1, next_attempt_at=now + claim_lease())
    if claimed != 1:
        return None
    delivery.attempts += 1
    return delivery


def _signed_request(*, delivery: Delivery, now: datetime.datetime) -> tuple[bytes, dict[str, str]]:
    body = payload_body(delivery.payload)
    timestamp = str(int(now.timestamp()))
    secret = _secret_of(delivery.subscription)
    return body, {
        "Content-Type": "application/json",
        "User-Agent": "credit-penalty-portal-webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.event_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature_make(secret=secret, timestamp=timestamp, body=body),
    }


def _post(*, delivery: Delivery, now: datetime.datetime) -> _Outcome:
    proxy = settings.WEBHOOK_PROXY
    started = time.monotonic()
    status_code, error = None, ""
    try:
        if not proxy and not settings.WEBHOOK_ALLOW_PRIVATE:
            _refuse_private(delivery.subscription.url)
        body, headers = _signed_request(delivery=delivery, now=now)
        with requests.Session() as session:
            session.trust_env = False  # no proxies or .netrc credentials from the environment
            with session.post(
                delivery.subscription.url,
                data=body,
                headers=headers,
                timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
                allow_redirects=False,
                proxies={"http": proxy, "https": proxy} if proxy else None,
                stream=True,  # the answer's body is not wanted beyond a few bytes for the log
            ) as response:
                status_code = response.status_code
                error = _answer_error(response)
    except PrivateAddress as refused:
        error = str(refused)
    except requests.ConnectTimeout:
        error = f"no connection within {settings.WEBHOOK_CONNECT_TIMEOUT} s"
    except requests.ReadTimeout:
        error = f"no answer within {settings.WEBHOOK_READ_TIMEOUT} s"
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"
    except Exception as failure:
        # A time limit, an unreadable secret or a bug: kept in the delivery log like any
        # failed attempt, so the retry schedule and giving up still apply.
        log.exception("webhook delivery %s attempt %d failed", delivery.pk, delivery.attempts)
        error = f"{type(failure).__name__}: {failure}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return _Outcome(status_code=status_code, error=error[:_ERROR_CHARS], duration_ms=duration_ms)


class PrivateAddress(Exception):
    """The URL leads into the portal's own network: not sent, so that a subscription cannot
    be used to reach (and read answers of) internal services."""


def _refuse_private(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return  # unresolvable: the request itself fails and is logged as such
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global:
            raise PrivateAddress(f"not sent: {host} resolves to a non-public address ({ip})")


def _answer_error(response: requests.Response) -> str:
    if 200 <= response.status_code < 300:
        return ""
    if 300 <= response.status_code < 400:
        return f"redirect to {response.headers.get('Location', '?')} not followed"
    head = next(response.iter_content(_BODY_CHARS), b"")
    return head.decode("utf-8", "replace")


def _record(*, delivery: Delivery, now: datetime.datetime, outcome: _Outcome) -> DeliveryAttempt:
    number = delivery.attempts
    with transaction.atomic():
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        # Conditional on our claim still being the latest, so a worker whose claim
        # lapsed cannot overwrite a newer attempt's schedule.
        mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
        if outcome.ok:
            mine.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        else:
            next_at = now + backoff(attempt=number)
            if next_at > delivery.created_at + RETRY_WINDOW:
                mine.filter(attempts=number).update(status=DeliveryStatus.FAILED)
            else:
                mine.filter(attempts=number).update(next_attempt_at=next_at)
    log.info(
        "webhook delivery %s attempt %d: %s",
        delivery.pk,
        number,
        outcome.status_code or outcome.error[:80],
    )
    return attempt

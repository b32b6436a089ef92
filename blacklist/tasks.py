"""Celery tasks: thin wrappers that load by id, call one service and retry on failure."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone

from blacklist.guard import services as guard
from blacklist.importing import pipeline
from blacklist.models import ImportRun, NameChoice
from blacklist.monitoring import services as monitoring
from blacklist.objections import services as objections
from blacklist.platforms import clients as api_clients
from blacklist.publication import digests
from blacklist.publication import services as publication
from blacklist.snapshots import services as snapshots
from blacklist.webhooks import services as webhooks

COMMON = {"acks_late": True, "max_retries": 5, "retry_backoff": True, "retry_jitter": True}


@shared_task(autoretry_for=(Exception,), time_limit=600, soft_time_limit=540, **COMMON)
def publish_due_notices() -> list[int]:
    return publication.notices_publish_due()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def expire_due_entries() -> int:
    return publication.entries_expire_due()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def start_due_entries() -> int:
    return publication.entries_start_due()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def issue_monthly_digest() -> str:
    """On the first of each month: the digest of the month just ended."""
    return str(digests.digest_build(month=digests.previous_month()))


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def purge_query_log() -> int:
    return api_clients.query_logs_purge()


@shared_task(autoretry_for=(Exception,), time_limit=600, soft_time_limit=540, **COMMON)
def purge_guard_counts() -> int:
    """Hourly: the screening guard's counts of past days (kept a day at most)."""
    return guard.guesses_purge() + guard.quota_usage_purge()


# Another build at work (SnapshotsBusy) is retried too, a minute or more later: it may have
# read the list before the change that queued this run.
@shared_task(
    autoretry_for=(Exception,),
    time_limit=1800,
    soft_time_limit=1700,
    **(COMMON | {"retry_backoff": 60, "retry_jitter": False}),
)
def rebuild_snapshots(reason: str = "nightly") -> list[int]:
    return [snapshot.pk for snapshot in snapshots.snapshots_build(reason=reason)]


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def purge_import_files() -> int:
    return pipeline.import_files_purge()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def purge_objection_attachments() -> int:
    return objections.objection_attachments_purge()


# Imports retry only on database hiccups: a refused file is an answer, not a failure.
@shared_task(autoretry_for=(OperationalError,), time_limit=3600, soft_time_limit=3500, **COMMON)
def validate_import(run_id: int) -> str:
    return pipeline.import_validate(run=ImportRun.objects.get(pk=run_id)).status


@shared_task(autoretry_for=(OperationalError,), time_limit=3600, soft_time_limit=3500, **COMMON)
def commit_import(run_id: int, names: str = NameChoice.KEEP, by_id: int | None = None) -> str:
    by = get_user_model().objects.get(pk=by_id) if by_id is not None else None
    run = ImportRun.objects.get(pk=run_id)
    return pipeline.import_commit(run=run, names=NameChoice(names), by=by).status


# Webhooks. A failed delivery is not a task failure: its retries are scheduled in the
# database (Delivery.next_attempt_at), so Celery retries only on database hiccups.
@shared_task(
    autoretry_for=(OperationalError,),
    time_limit=webhooks.send_time_limit() + 10,
    soft_time_limit=webhooks.send_time_limit(),
    **COMMON,
)
def deliver_webhook(delivery_id: int) -> int | None:
    attempt = webhooks.delivery_send(delivery_id=delivery_id)
    return attempt.status_code if attempt else None


@shared_task(autoretry_for=(OperationalError,), time_limit=120, soft_time_limit=100, **COMMON)
def deliver_due_webhooks() -> int:
    """Every minute: one task per due delivery, so a hanging endpoint holds only its own."""
    return len(webhooks.deliveries_queue_due(now=timezone.now()))


@shared_task(autoretry_for=(OperationalError,), time_limit=1800, soft_time_limit=1700, **COMMON)
def collect_monitor_hits() -> int:
    """Every minute, and after each change: the monitor.hit deliveries of new change events."""
    return monitoring.monitor_hits_collect()

"""Celery tasks: thin wrappers that call one service each and retry on failure."""

from celery import shared_task

from blacklist import publication

COMMON = {"acks_late": True, "max_retries": 5, "retry_backoff": True, "retry_jitter": True}


@shared_task(autoretry_for=(Exception,), time_limit=600, soft_time_limit=540, **COMMON)
def publish_due_notices() -> list[int]:
    return publication.notices_publish_due()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def expire_due_entries() -> int:
    return publication.entries_expire_due()

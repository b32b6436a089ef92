"""Celery tasks: thin wrappers that load by id, call one service and retry on failure."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from blacklist import api_clients, publication
from blacklist.importing import pipeline
from blacklist.models import ImportRun

COMMON = {"acks_late": True, "max_retries": 5, "retry_backoff": True, "retry_jitter": True}


@shared_task(autoretry_for=(Exception,), time_limit=600, soft_time_limit=540, **COMMON)
def publish_due_notices() -> list[int]:
    return publication.notices_publish_due()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def expire_due_entries() -> int:
    return publication.entries_expire_due()


@shared_task(autoretry_for=(Exception,), time_limit=1800, soft_time_limit=1700, **COMMON)
def purge_query_log() -> int:
    return api_clients.query_logs_purge()


# Imports retry only on database hiccups: a refused file is an answer, not a failure.
@shared_task(autoretry_for=(OperationalError,), time_limit=3600, soft_time_limit=3500, **COMMON)
def validate_import(run_id: int) -> str:
    return pipeline.import_validate(run=ImportRun.objects.get(pk=run_id)).status


@shared_task(autoretry_for=(OperationalError,), time_limit=3600, soft_time_limit=3500, **COMMON)
def commit_import(run_id: int) -> str:
    return pipeline.import_commit(run=ImportRun.objects.get(pk=run_id)).status


def start_validation(run: ImportRun) -> None:
    """Small files are judged at once, in the request; large ones by a worker."""
    if run.size <= settings.IMPORT_INLINE_MAX_BYTES:
        pipeline.import_validate(run=run)
    else:
        transaction.on_commit(lambda: validate_import.delay(run.pk))


def start_commit(run: ImportRun) -> None:
    if run.valid <= settings.IMPORT_INLINE_MAX_ROWS:
        pipeline.import_commit(run=run)
    else:
        transaction.on_commit(lambda: commit_import.delay(run.pk))

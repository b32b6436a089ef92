"""Services for credit platforms' API clients, their keys and the audit log of their queries."""

import datetime
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from blacklist.models import ApiClient, ApiKey, QueryLog
from blacklist.monitoring import services as monitoring
from blacklist.platforms.models import DEFAULT_DAILY_SUBJECT_QUOTA
from blacklist.platforms.receipts import receipt_stored

log = logging.getLogger(__name__)


def api_client_create(
    *,
    name: str,
    scopes: Sequence[str],
    rate_per_minute: int = 600,
    daily_subject_quota: int = DEFAULT_DAILY_SUBJECT_QUOTA,
    organisation: str = "",
    contact: str = "",
) -> tuple[ApiClient, str]:
    """A new client and its first key; the key is returned once and stored only hashed."""
    client = ApiClient(
        name=name,
        scopes=",".join(scopes),
        rate_per_minute=rate_per_minute,
        daily_subject_quota=daily_subject_quota,
        organisation=organisation,
        contact=contact,
    )
    client.full_clean()
    with transaction.atomic():
        client.save()
        key = api_key_issue(client=client, name="initial")
    log.info("API client %s created with scopes %s", client.pk, client.scopes)
    return client, key


def api_key_issue(*, client: ApiClient, name: str) -> str:
    _, key = ApiKey.objects.create_key(client=client, name=name)
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    """Revoked keys are refused from the next request on; revoking cannot be undone."""
    ApiKey.objects.filter(pk=key.pk).update(revoked=True)


def api_clients_disable(*, clients: QuerySet[ApiClient]) -> int:
    """Disabled clients are refused from the next request on, with every key they hold, and
    keep no monitored customers (in the same transaction). Returns how many were active."""
    with transaction.atomic():
        ids = list(clients.values_list("pk", flat=True))
        count = ApiClient.objects.filter(pk__in=ids, active=True).update(active=False)
        monitoring.monitors_remove_all(client_ids=ids)
    log.info("%d API clients disabled", count)
    return count


def query_log_record(
    *,
    client: ApiClient,
    endpoint: str,
    method: str,
    status_code: int,
    purpose: str = "",
    subjects: int = 0,
    hits: int = 0,
    identifiers: Sequence[str] = (),
    receipt: Mapping[str, Any] | None = None,
) -> QueryLog:
    return QueryLog.objects.create(
        client=client,
        endpoint=endpoint,
        method=method,
        status_code=status_code,
        purpose=purpose,
        subjects=subjects,
        hits=hits,
        identifiers=list(identifiers),
        check_id=receipt["check_id"] if receipt else None,
        receipt=receipt_stored(receipt) if receipt else None,
    )


def query_logs_purge(*, now: datetime.datetime | None = None, batch_size: int = 10_000) -> int:
    """Delete audit rows older than QUERY_LOG_RETENTION_DAYS; safe to run twice or at once."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.QUERY_LOG_RETENTION_DAYS)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                QueryLog.objects.filter(at__lt=cutoff).values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            count, _ = QueryLog.objects.filter(id__in=ids).delete()
        deleted += count
    if deleted:
        log.info("deleted %d API query log rows older than %s", deleted, cutoff.date())
    return deleted

"""Writing the change feed. Every state change of a listed entry goes through here."""

import datetime
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from blacklist.models import ChangeCounter, ChangeEvent, ChangeKind, Entry

COUNTER = "changes"
BATCH_SIZE = 5000
POSTGRESQL_BATCH_SIZE = 100_000


def changes_record(*, entry_ids: Sequence[int], kind: ChangeKind, reason: str = "") -> range:
    """Append one event per entry, numbered without gaps; returns the sequence numbers used.

    Must run inside the caller's transaction: the counter row stays locked until it
    commits, so a reader of the feed never sees seq N+1 before seq N. A `listed` event
    marks its entry announced; only announced entries may be ended on the feed (see
    `announced_only`). Every event moves its entry's `updated_at`, so the API's
    `changed_since` agrees with the feed.
    """
    if not entry_ids:
        return range(0)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("changes_record must run inside the transaction of the change")
    first = _reserve(len(entry_ids))
    now = timezone.now()
    if connection.vendor == "postgresql":
        _insert_postgresql(first, entry_ids, kind=kind, reason=reason, now=now)
    else:
        ChangeEvent.objects.bulk_create(
            (
                ChangeEvent(
                    seq=first + offset, entry_id=entry_id, kind=kind, reason=reason, occurred_at=now
                )
                for offset, entry_id in enumerate(entry_ids)
            ),
            batch_size=BATCH_SIZE,
        )
    touched: dict[str, object] = {"updated_at": now}
    if kind == ChangeKind.LISTED:
        touched["announced"] = True
    for start in range(0, len(entry_ids), BATCH_SIZE):
        Entry.objects.filter(id__in=entry_ids[start : start + BATCH_SIZE]).update(**touched)
    return range(first, first + len(entry_ids))


def _insert_postgresql(
    first: int, entry_ids: Sequence[int], *, kind: str, reason: str, now: datetime.datetime
) -> None:
    """The events as one statement per batch: the ORM's bulk_create spends most of a large
    publication building a million model objects and their parameters."""
    table = connection.ops.quote_name(ChangeEvent._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(entry_ids), POSTGRESQL_BATCH_SIZE):
            batch = list(entry_ids[start : start + POSTGRESQL_BATCH_SIZE])
            cursor.execute(
                f"INSERT INTO {table} (seq, entry_id, kind, reason, occurred_at) "  # noqa: S608
                "SELECT %s + ordinality - 1, entry_id, %s, %s, %s "
                "FROM unnest(%s::bigint[]) WITH ORDINALITY AS batch(entry_id, ordinality)",
                [first + start, kind, reason, now, batch],
            )


def announced_only(entry_ids: Sequence[int]) -> list[int]:
    """Those of `entry_ids` the feed has listed, in their order: the only ones it may end.

    Call it after locking the entries, inside the transaction of the change.
    """
    announced: set[int] = set()
    for start in range(0, len(entry_ids), BATCH_SIZE):
        announced.update(
            Entry.objects.filter(
                id__in=entry_ids[start : start + BATCH_SIZE], announced=True
            ).values_list("id", flat=True)
        )
    return [entry_id for entry_id in entry_ids if entry_id in announced]


def _reserve(count: int) -> int:
    counter, _ = ChangeCounter.objects.select_for_update().get_or_create(name=COUNTER)
    ChangeCounter.objects.filter(pk=counter.pk).update(value=F("value") + count)
    return counter.value + 1


def last_change_seq() -> int:
    counter = ChangeCounter.objects.filter(name=COUNTER).first()
    return counter.value if counter else 0

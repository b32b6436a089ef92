"""Writing the change feed. Every state change of a listed entry goes through here."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from blacklist.models import ChangeCounter, ChangeEvent, ChangeKind

COUNTER = "changes"
BATCH_SIZE = 5000


def changes_record(*, entry_ids: Sequence[int], kind: ChangeKind, reason: str = "") -> range:
    """Append one event per entry, numbered without gaps; returns the sequence numbers used.

    Must run inside the caller's transaction: the counter row stays locked until it
    commits, so a reader of the feed never sees seq N+1 before seq N.
    """
    if not entry_ids:
        return range(0)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("changes_record must run inside the transaction of the change")
    first = _reserve(len(entry_ids))
    now = timezone.now()
    ChangeEvent.objects.bulk_create(
        (
            ChangeEvent(
                seq=first + offset, entry_id=entry_id, kind=kind, reason=reason, occurred_at=now
            )
            for offset, entry_id in enumerate(entry_ids)
        ),
        batch_size=BATCH_SIZE,
    )
    return range(first, first + len(entry_ids))


def _reserve(count: int) -> int:
    counter, _ = ChangeCounter.objects.select_for_update().get_or_create(name=COUNTER)
    ChangeCounter.objects.filter(pk=counter.pk).update(value=F("value") + count)
    return counter.value + 1


def last_change_seq() -> int:
    counter = ChangeCounter.objects.filter(name=COUNTER).first()
    return counter.value if counter else 0

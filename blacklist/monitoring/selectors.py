"""Reads for monitoring: a client's monitors, which customers are listed, and the hits of a
stretch of the change feed."""

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, QuerySet

from blacklist.models import (
    ApiClient,
    ChangeEvent,
    ChangeKind,
    Entry,
    Monitor,
    MonitoredClient,
    Subject,
)

# What a monitored customer's platform hears of: the entry came into force or left the list.
# (`updated`, a new spelling of a name, changes nothing the platform watches.)
HIT_KINDS = (ChangeKind.LISTED, ChangeKind.EXPIRED, ChangeKind.REVOKED, ChangeKind.WITHDRAWN)
LOOKUP_CHUNK = 5000


def monitors_of(*, client: ApiClient, ref: str | None = None) -> QuerySet[Monitor]:
    monitors = Monitor.objects.filter(client=client)
    return monitors if ref is None else monitors.filter(ref=ref)


def monitor_counts() -> QuerySet[MonitoredClient]:
    """Every API client with how many customers it monitors (the admin's counts)."""
    return MonitoredClient.objects.annotate(monitor_count=Count("monitors"))


def refs_known(
    *, client: ApiClient, refs: Sequence[str]
) -> dict[str, tuple[str, str, datetime.datetime]]:
    """Of `refs`, those the client monitors: their hash, kind and time of registration."""
    known: dict[str, tuple[str, str, datetime.datetime]] = {}
    for start in range(0, len(refs), LOOKUP_CHUNK):
        known.update(
            (ref, (digest, kind, created))
            for ref, digest, kind, created in Monitor.objects.filter(
                client=client, ref__in=refs[start : start + LOOKUP_CHUNK]
            ).values_list("ref", "id_hmac", "kind", "created_at")
        )
    return known


def listed_among(digests: Collection[str]) -> set[str]:
    """Of these keyed hashes, those of subjects listed now: in force on a published notice,
    programmes shown only to platforms included (what checks answer as `listed`). Drafts,
    scheduled and withdrawn notices never count."""
    ordered = sorted(digests)
    found: set[str] = set()
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        found.update(
            Entry.objects.listed()
            .filter(subject__id_hmac__in=ordered[start : start + LOOKUP_CHUNK])
            .values_list("subject__id_hmac", flat=True)
            .distinct()
        )
    return found


@dataclass(frozen=True)
class Hit:
    client_id: int
    ref: str
    seq: int
    kind: str
    entry: str  # public id
    notice: int
    id_number_masked: str

    def payload(self) -> dict[str, object]:
        """What the platform is sent: its own reference and the event, the ID only masked."""
        return {
            "ref": self.ref,
            "kind": self.kind,
            "seq": self.seq,
            "entry": self.entry,
            "notice": self.notice,
            "id_number_masked": self.id_number_masked,
        }


def hits_between(*, after: int, upto: int, client_ids: Collection[int]) -> list[Hit]:
    """Every monitor of these clients whose customer a change event in (after, upto] is
    about, and registered before that event: one set-based query (events → entries →
    subjects → monitors on the keyed hash), by client, then in feed order."""
    if not client_ids or upto <= after:
        return []
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (ChangeEvent, Entry, Subject, Monitor)
    }
    clients = sorted(client_ids)
    sql = (
        "SELECT m.client_id, m.ref, e.seq, e.kind, en.public_id, en.notice_id, s.id_masked "  # noqa: S608 - our own tables
        f"FROM {table[ChangeEvent]} e "
        f"JOIN {table[Entry]} en ON en.id = e.entry_id "
        f"JOIN {table[Subject]} s ON s.id = en.subject_id "
        f"JOIN {table[Monitor]} m ON m.id_hmac = s.id_hmac AND m.since_seq < e.seq "
        "WHERE e.seq > %s AND e.seq <= %s "
        f"AND e.kind IN ({', '.join(['%s'] * len(HIT_KINDS))}) "
        f"AND m.client_id IN ({', '.join(['%s'] * len(clients))}) "
        "ORDER BY m.client_id, e.seq, m.ref"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [after, upto, *HIT_KINDS, *clients])
        return [Hit(*row) for row in cursor.fetchall()]

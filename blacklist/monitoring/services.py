"""Monitoring services: a platform registers and removes its customers, and the change feed's
events become `monitor.hit` webhooks for the platforms that watch those customers.

Registering answers at once which customers are listed, so it is a check: it counts against
the client's daily quota and, for a client without `identity`, its ID numbers are counted by
the screening guard exactly as those of `POST checks/` are, before anything is answered or kept.

Hits are read from the feed by a cursor (`HitCursor`), not written by each change: a
registration and the collector lock the cursor's row, so a customer registered while the
feed moves is either covered by the registration's answer (events up to its `since_seq`) or
hit by a later run of the collector (every event after it). Each event is read once, in
the transaction that moves the cursor past it, so each (monitor, event) is hit once.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.feed.changes import last_change_seq
from blacklist.guard import services as guard
from blacklist.lib.queueing import queue_after_commit
from blacklist.models import ApiClient, ApiScope, HitCursor, Monitor
from blacklist.monitoring import selectors
from blacklist.registry import identity
from blacklist.webhooks import services as webhooks

log = logging.getLogger(__name__)

MAX_MONITORS = 100_000  # customers per registration or removal
CURSOR = "monitor-hits"
EVENTS_PER_BATCH = 50_000  # change events read per transaction of the collector


# --- registering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorSubject:
    """A customer as the platform sends it."""

    ref: str
    id_number: str


@dataclass(frozen=True)
class ParsedSubject:
    ref: str
    digest: str  # the keyed hash of the normalised number: all that is kept of it
    kind: str
    number: str  # normalised; for the guard's count, never stored


@dataclass(frozen=True)
class Registration:
    registered: int  # refs new to the client
    updated: int  # refs known before under another ID number
    unchanged: int
    already_listed: list[str]  # refs of this request whose customer is listed now
    since_seq: int  # the answer covers the feed up to here; hits follow after it
    identifiers: list[str]  # the keyed hashes, for the audit log


def subjects_parse(
    subjects: Sequence[MonitorSubject],
) -> tuple[list[ParsedSubject], dict[int, dict[str, list[str]]]]:
    """Check each customer (by position); returns them parsed, and the problems found: an
    invalid ID number, a ref given twice, or a ref that holds the ID number itself (refs
    are kept as they are, so they must not carry the number the portal does not keep)."""
    parsed: list[ParsedSubject] = []
    problems: dict[int, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for index, subject in enumerate(subjects):
        found: dict[str, list[str]] = {}
        if subject.ref in seen:
            found["ref"] = [_("This ref is given more than once in the request.")]
        seen.add(subject.ref)
        try:
            ident = identity.parse_identity(subject.id_number)
        except identity.IdentityError as error:
            found["id_number"] = [str(error.message)]
        else:
            if ident.number in identity.normalize_id(subject.ref):
                found.setdefault("ref", []).append(
                    _("The ref must not contain the ID number: the portal does not keep it.")
                )
            parsed.append(ParsedSubject(subject.ref, "", ident.kind.value, ident.number))
        if found:
            problems[index] = found
    digests = identity.lookup_hmacs((p.number for p in parsed), key=settings.ID_LOOKUP_KEY)
    return [
        ParsedSubject(p.ref, digest, p.kind, p.number)
        for p, digest in zip(parsed, digests, strict=True)
    ], problems


def monitors_register(*, client: ApiClient, subjects: Sequence[ParsedSubject]) -> Registration:
    """Watch these customers from now on (all or none) and answer which are listed now.

    A ref known before keeps its registration; under another ID number it now watches that
    one. Counted against the quota, and by the guard (without `identity`), first: a refused
    registration keeps nothing.
    """
    volume = guard.quota_take(client=client, subjects=len(subjects))
    if not client.has_scope(ApiScope.IDENTITY):
        guard.guard(
            actor=guard.Actor.of_client(client),
            probes=_id_probes(subjects),
            volume=volume,
            volume_everyone=guard.subjects_today(),
        )
    with transaction.atomic():
        _locked_cursor()
        # Read under the lock: every event up to here is committed, so the answer below
        # sees it; every later one is read by the collector with these monitors in place.
        since = last_change_seq()
        counts = _upsert(client, subjects, since=since)
        listed = selectors.listed_among({subject.digest for subject in subjects})
    log.info(
        "API client %s registered %d monitors (%d new, %d updated)",
        client.pk,
        len(subjects),
        counts[0],
        counts[1],
    )
    return Registration(
        registered=counts[0],
        updated=counts[1],
        unchanged=len(subjects) - counts[0] - counts[1],
        already_listed=[subject.ref for subject in subjects if subject.digest in listed],
        since_seq=since,
        identifiers=[subject.digest for subject in subjects],
    )


def _id_probes(subjects: Sequence[ParsedSubject]) -> list[guard.Probe]:
    """The guesses the ID numbers make, as a check's count them: those around the mask of a
    person on a published notice."""
    probes = [probe for s in subjects if (probe := guard.id_probe(s.number))]
    known = guard.masks_of_subjects(probes)
    return [probe for probe in probes if probe.pattern in known]


def _upsert(client: ApiClient, subjects: Sequence[ParsedSubject], *, since: int) -> tuple[int, int]:
    """Insert the new refs, repoint those whose ID number changed; (new, updated). A ref
    repointed is written anew (a delete and an insert per batch, not an update per row) and
    keeps the time it was first registered."""
    known = selectors.refs_known(client=client, refs=[s.ref for s in subjects])
    changed = {s.ref for s in subjects if s.ref in known and known[s.ref][:2] != (s.digest, s.kind)}
    for start in range(0, len(refs := sorted(changed)), selectors.LOOKUP_CHUNK):
        Monitor.objects.filter(
            client=client, ref__in=refs[start : start + selectors.LOOKUP_CHUNK]
        ).delete()
    now = timezone.now()
    _insert(
        [
            (
                client.pk,
                s.ref,
                s.digest,
                s.kind,
                since,
                known[s.ref][2] if s.ref in known else now,
                now,
            )
            for s in subjects
            if s.ref not in known or s.ref in changed
        ]
    )
    return sum(1 for s in subjects if s.ref not in known), len(changed)


_COLUMNS = ("client_id", "ref", "id_hmac", "kind", "since_seq", "created_at", "updated_at")


_Row = tuple[int, str, str, str, int, datetime.datetime, datetime.datetime]


def _insert(rows: Sequence[_Row]) -> None:
    """Monitors as rows of _COLUMNS: COPY on PostgreSQL, executemany on SQLite. The ORM's
    bulk_create spends seconds preparing 100,000 model objects' fields."""
    if not rows:
        return
    table = connection.ops.quote_name(Monitor._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in _COLUMNS)
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        cursor = wrapper.cursor  # the driver's: the debug wrapper would keep every row
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
            [(*row[:5], adapt(row[5]), adapt(row[6])) for row in rows],
        )


# --- removing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    removed: int
    unknown: list[str]  # refs the client did not monitor


def monitors_remove(*, client: ApiClient, refs: Sequence[str]) -> Removal:
    """Stop watching these customers: their monitors are deleted, with nothing kept."""
    with transaction.atomic():
        known = selectors.refs_known(client=client, refs=refs)
        removed = 0
        wanted = list(known)
        for start in range(0, len(wanted), selectors.LOOKUP_CHUNK):
            removed += Monitor.objects.filter(
                client=client, ref__in=wanted[start : start + selectors.LOOKUP_CHUNK]
            ).delete()[0]
    log.info("API client %s removed %d monitors", client.pk, removed)
    return Removal(
        removed=removed, unknown=[ref for ref in dict.fromkeys(refs) if ref not in known]
    )


def monitors_remove_all(*, client_ids: Sequence[int]) -> int:
    """Every monitor of these clients (disabled clients keep none); in the caller's transaction."""
    removed, _ = Monitor.objects.filter(client_id__in=client_ids).delete()
    if removed:
        log.info("%d monitors of %d disabled API clients removed", removed, len(client_ids))
    return removed


# --- hits ----------------------------------------------------------------------------------


def monitor_hits_collect(*, batch: int = EVENTS_PER_BATCH) -> int:
    """Read the change feed from the cursor and write the `monitor.hit` deliveries of every
    event since: one set-based query per batch of events, one transaction per batch that
    moves the cursor with them. Returns the hits written. Safe to run twice or at once: the
    cursor's row is locked, so a second run waits and then starts where the first stopped."""
    written = 0
    while True:
        with transaction.atomic():
            cursor = _locked_cursor()
            last = last_change_seq()
            if cursor.seq >= last:
                return written
            upto = min(cursor.seq + batch, last)
            hits = selectors.hits_between(
                after=cursor.seq, upto=upto, client_ids=webhooks.monitor_hit_clients()
            )
            if hits:
                by_client: dict[int, list[dict[str, object]]] = defaultdict(list)
                for hit in hits:
                    by_client[hit.client_id].append(hit.payload())
                webhooks.monitor_hits(hits=by_client)
                queue_after_commit("blacklist.tasks.deliver_due_webhooks")
            HitCursor.objects.filter(pk=cursor.pk).update(seq=upto)
        written += len(hits)
        log.info("monitor hits of change events up to %d: %d", upto, len(hits))


def _locked_cursor() -> HitCursor:
    """The cursor's row, locked until the transaction ends. Made at the first registration
    or run: no monitor exists before it, so the feed so far holds no hit."""
    cursor, _ = HitCursor.objects.select_for_update().get_or_create(
        name=CURSOR, defaults={"seq": last_change_seq()}
    )
    return cursor

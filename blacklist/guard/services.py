"""The screening guard: guesses around a masked identity are counted, refused and reported.

A masked ID number (`420106********123X`) hides only a birth date: about 2,300 candidates
whose check character fits. A masked name (`丁*涛`) hides one character. Anyone who may ask
"is this full number (or name) listed?" and read the answer could try every candidate. What
that looks like, and a real screening does not:

- many full ID numbers that share one mask (region, sequence and check character) and
  differ only in the birth date (`id_mask`);
- many names tried against one ID number (`id_names`);
- many names that differ in one character (`name_pattern`).

Guesses are counted per actor (an API client, a visitor's address, or everyone) and per
day, distinct guesses only, so a bank that screens its customers every day counts each of
them once. Past a limit the request is refused before it is answered, the refused guesses
still count, and officials see an alert in the admin (and a log line). Counts are rows
with a unique key, so they are exact under concurrency on either database.
"""

import datetime
import hashlib
import hmac
import logging
import math
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from blacklist.lib.prepared import planned_once
from blacklist.models import (
    AlertChannel,
    ApiClient,
    ClientDailyUsage,
    EnumerationAlert,
    Guess,
    NoticeStatus,
    ProbeFamily,
    Subject,
)
from blacklist.registry import identity, naming
from blacklist.registry.identity import SubjectKind

log = logging.getLogger(__name__)

_IN_CHUNK = 500
# A search's guesses: the daily cap's, a mask's and the name tried with it, for the visitor
# and for everyone; a name's, one a character.
_FEW_GUESSES = 40
_MOST_ROWS_A_STATEMENT = 5000
EVERYONE = "everyone"


@dataclass(frozen=True)
class Probe:
    family: str  # a ProbeFamily
    pattern: str  # what the guesses share, masked: never more than the public masks show
    guess: str  # keyed hash of the whole guess; distinct guesses are counted


@dataclass(frozen=True)
class Actor:
    channel: str  # an AlertChannel
    key: str  # "client:<id>", "address:<address>" or "everyone"
    client: ApiClient | None = None
    address: str = ""

    @classmethod
    def of_client(cls, client: ApiClient) -> "Actor":
        return cls(AlertChannel.API, f"client:{client.pk}", client=client)

    @classmethod
    def of_address(cls, address: str) -> "Actor":
        return cls(AlertChannel.SEARCH, f"address:{address}"[:80], address=address[:64])

    @classmethod
    def everyone(cls, channel: str) -> "Actor":
        return cls(channel, EVERYONE)


class EnumerationSuspected(Exception):
    """A request refused because its guesses look like enumeration of a masked identity."""

    def __init__(self, *, family: str, retry_after: int) -> None:
        super().__init__(family)
        self.family = family
        self.retry_after = retry_after


class QuotaExceeded(Exception):
    """A client's daily quota of subjects would be exceeded by this request."""

    def __init__(self, *, quota: int, remaining: int, retry_after: int) -> None:
        super().__init__(quota)
        self.quota, self.remaining, self.retry_after = quota, remaining, retry_after


# --- probes: what a request guesses ----------------------------------------------------------


def _keyed(text: str) -> str:
    # 64 bits tell a day's guesses about one pattern apart; the index stays small
    return hmac.new(settings.ID_LOOKUP_KEY, text.encode(), hashlib.sha256).hexdigest()[:16]


def id_probe(number: str) -> Probe | None:
    """The guess a normalised, valid resident ID number makes about its mask. Credit codes
    are not masked secrets (organisations are public), so they are never counted."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    return Probe(ProbeFamily.ID_MASK, identity.mask_id(number), _keyed("id:" + number))


def id_name_probe(number: str, name: str) -> Probe:
    """A name tried against one ID number (answered by `name_agrees` or a search). The
    pattern is the mask with a short keyed hash of the number: people who share a mask
    are told apart, and nothing in it leads back to the number."""
    pattern = f"{identity.mask_id(number)}#{_keyed('id:' + number)[:8]}"
    return Probe(ProbeFamily.ID_NAMES, pattern, _keyed("name:" + naming.fold_name(name)))


def name_probes(name: str) -> list[Probe]:
    """The guesses a person's name makes about each one-character mask it fits: `丁伟涛`
    counts under `*伟涛`, `丁*涛` and `丁伟*`. Only Chinese names of two to four characters:
    longer masks hide two or more characters, and organisations' names are not masked."""
    folded = naming.fold_name(name)
    if not 2 <= len(folded) <= 4 or not all(_is_ideograph(c) for c in folded):
        return []
    guess = _keyed("name:" + folded)
    patterns = dict.fromkeys(folded[:i] + "*" + folded[i + 1 :] for i in range(len(folded)))
    return [Probe(ProbeFamily.NAME_PATTERN, pattern, guess) for pattern in patterns]


def _is_ideograph(char: str) -> bool:
    """A Han character of any block (rare names use the extensions), not a Latin letter."""
    return char.isalpha() and unicodedata.east_asian_width(char) == "W"


def search_probe() -> Probe:
    """One ID search of a visitor, for the daily cap: every search is a new guess."""
    return Probe(ProbeFamily.ID_SEARCHES, "", uuid.uuid4().hex)


def masks_of_subjects(probes: Iterable[Probe]) -> set[str]:
    """Of the probes' ID masks, those that a person listed by a published (or since
    withdrawn) notice shows: guesses around them are guesses at a real person; the rest
    cannot recover anyone. People only on drafts do not count, so that a refusal never
    tells a platform of a listing before it is published."""
    masks = sorted({p.pattern for p in probes if p.family == ProbeFamily.ID_MASK})
    found: set[str] = set()
    for start in range(0, len(masks), _IN_CHUNK):
        found.update(
            Subject.objects.filter(
                kind=SubjectKind.PERSON,
                id_masked__in=masks[start : start + _IN_CHUNK],
                entries__notice__status__in=[NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN],
            )
            .values_list("id_masked", flat=True)
            .distinct()
        )
    return found


# --- counting and refusing ---------------------------------------------------------------------


def window() -> tuple[datetime.date, int]:
    """Today in the portal's time zone, and the seconds until it ends (for Retry-After)."""
    now = timezone.localtime()
    midnight = datetime.datetime.combine(
        now.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=now.tzinfo
    )
    return now.date(), max(1, int((midnight - now).total_seconds()))


def _rows_a_statement(*, values_a_row: int) -> int:
    """Rows of one multi-row statement, within the parameters the database takes (Django's
    figure for SQLite, 999, is that of its oldest builds)."""
    limit = connection.features.max_query_params
    return min(_MOST_ROWS_A_STATEMENT, limit // values_a_row) if limit else _MOST_ROWS_A_STATEMENT


def guesses_record(
    *, probes: Mapping[str, Sequence[Probe]], day: datetime.date
) -> dict[tuple[str, str, str], int]:
    """Record each actor's probes (keyed by actor key) in one transaction; the distinct
    guesses of the day per (actor, family, pattern) touched, this request's included."""
    rows = [
        (day, actor, p.family, p.pattern, p.guess)
        for actor, actor_probes in probes.items()
        for p in actor_probes
    ]
    if not rows:
        return {}
    # Plain SQL: model instances would cost more than the insert, a thousand a call. One
    # statement is one transaction: on PostgreSQL no BEGIN and COMMIT to wait for besides (the
    # table is unlogged, migration 0024: its commit waits for no disk either).
    table = Guess._meta.db_table
    per_insert = _rows_a_statement(values_a_row=5)
    if connection.vendor == "postgresql" and len(rows) <= per_insert:
        return _record_and_count(rows, day)
    batches = [rows[start : start + per_insert] for start in range(0, len(rows), per_insert)]
    with transaction.atomic() if len(batches) > 1 else nullcontext(), connection.cursor() as cursor:
        for batch in batches:
            cursor.execute(
                f"INSERT INTO {table} (day, actor, family, pattern, guess) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
                + " ON CONFLICT DO NOTHING",
                [value for row in batch for value in row],
            )
    # Counted for exactly the (actor, family, pattern) touched, each found by the unique
    # index's whole prefix: the day's daily-cap guesses of every address share one pattern,
    # and lists of actors, families and patterns let PostgreSQL read them all to filter.
    touched = sorted({(actor, family, pattern) for _day, actor, family, pattern, _g in rows})
    counts: dict[tuple[str, str, str], int] = {}
    with connection.cursor() as cursor:
        per_count = _rows_a_statement(values_a_row=3)
        for start in range(0, len(touched), per_count):
            chunk = touched[start : start + per_count]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH touched (actor, family, pattern) AS (VALUES {values}) "  # noqa: S608
                f"SELECT g.actor, g.family, g.pattern, COUNT(*) FROM touched JOIN {table} g "
                "ON g.pattern = touched.pattern AND g.day = %s AND g.actor = touched.actor "
                "AND g.family = touched.family GROUP BY g.actor, g.family, g.pattern",
                [*(value for triple in chunk for value in triple), day],
            )
            counts.update(((a, f, p), n) for a, f, p, n in cursor.fetchall())
    return counts


def _record_and_count(
    rows: Sequence[tuple[datetime.date, str, str, str, str]], day: datetime.date
) -> dict[tuple[str, str, str], int]:
    """`guesses_record` in one PostgreSQL statement (a search's few guesses: one wait on the
    server instead of two). Its reads see the table as it was before the statement, so a
    count is the guesses there before and those the statement added."""
    table = Guess._meta.db_table
    values = ", ".join(["(%s::date, %s, %s, %s, %s)"] * len(rows))
    # a search's few guesses come in a few shapes, each planned once; a check's thousands
    # would each be a statement of their own
    few = len(rows) <= _FEW_GUESSES
    with planned_once() if few else nullcontext(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH guessed (day, actor, family, pattern, guess) AS (VALUES {values}), "  # noqa: S608
            f"added AS (INSERT INTO {table} (day, actor, family, pattern, guess) "
            "SELECT * FROM guessed ON CONFLICT DO NOTHING RETURNING actor, family, pattern), "
            "touched AS (SELECT DISTINCT actor, family, pattern FROM guessed) "
            f"SELECT t.actor, t.family, t.pattern, (SELECT COUNT(*) FROM {table} g "
            "WHERE g.pattern = t.pattern AND g.day = %s AND g.actor = t.actor "
            "AND g.family = t.family) + (SELECT COUNT(*) FROM added a WHERE a.actor = t.actor "
            "AND a.family = t.family AND a.pattern = t.pattern) FROM touched t",
            [*(value for row in rows for value in row), day],
        )
        return {(a, f, p): n for a, f, p, n in cursor.fetchall()}


def guard(
    *, actor: Actor, probes: Sequence[Probe], volume: int = 0, volume_everyone: int = 0
) -> None:
    """Count the request's guesses; refuse it (EnumerationSuspected) when a family of them
    passes its limit for the actor today (`GUARD_LIMITS`).

    The same guesses are counted for everyone on the channel too (`GUARD_LIMITS_EVERYONE`),
    which catches one search spread over many clients or addresses. Past those limits
    officials get an alert; the public search also refuses the pattern for everyone, since
    visitors hold no key that officials could revoke.

    `volume` is how many subjects the actor (and `volume_everyone`, every actor) has asked
    about today: people who really share a mask turn up in proportion to it (see
    `mask_allowance`).
    """
    day, retry_after = window()
    everyone = Actor.everyone(actor.channel)
    limits = {
        actor.key: _with_allowance(settings.GUARD_LIMITS[actor.channel], volume),
        everyone.key: _with_allowance(
            settings.GUARD_LIMITS_EVERYONE[actor.channel], volume_everyone
        ),
    }
    counts = guesses_record(
        probes={
            key: [p for p in probes if p.family in actor_limits]
            for key, actor_limits in limits.items()
        },
        day=day,
    )
    over = {
        key: _over(
            {(f, pattern): n for (k, f, pattern), n in counts.items() if k == key},
            actor_limits,
        )
        for key, actor_limits in limits.items()
    }
    for who in (actor, everyone):
        for family, pattern, count in over[who.key]:
            alert_raise(actor=who, family=family, pattern=pattern, guesses=count, day=day)
    refused = over[actor.key]
    if actor.channel == AlertChannel.SEARCH:
        refused = refused or over[everyone.key]
    if refused:
        raise EnumerationSuspected(family=refused[0][0], retry_after=retry_after)


def mask_allowance(volume: int) -> int:
    """How many more people than the base limit may share one mask among `volume` real
    customers. A county's people spread over about GUARD_MASKS_PER_REGION masks (sequence
    numbers in use times check characters), so a mask holds on average `volume / masks`
    of them even if every customer lived in that one county; four standard deviations
    above that mean is improbable for real customers, and an enumeration cannot reach it
    without checking tens of thousands of other people the same day, against its quota."""
    mean = volume / settings.GUARD_MASKS_PER_REGION
    return int(mean + 4 * math.sqrt(mean))


def _with_allowance(limits: Mapping[str, int], volume: int) -> dict[str, int]:
    allowed = dict(limits)
    if ProbeFamily.ID_MASK in allowed:
        allowed[ProbeFamily.ID_MASK] += mask_allowance(volume)
    return allowed


def _over(
    counts: Mapping[tuple[str, str], int], limits: Mapping[str, int]
) -> list[tuple[str, str, int]]:
    return sorted(
        (family, pattern, count)
        for (family, pattern), count in counts.items()
        # a family no longer limited (settings changed today) may still have counts
        if family in limits and count > limits[family]
    )


def alert_raise(
    *, actor: Actor, family: str, pattern: str, guesses: int, day: datetime.date
) -> EnumerationAlert:
    """One alert per actor, pattern and day; each refusal updates it."""
    now = timezone.now()
    with transaction.atomic():
        alert, created = EnumerationAlert.objects.select_for_update().get_or_create(
            channel=actor.channel,
            actor=actor.key,
            family=family,
            pattern=pattern,
            day=day,
            defaults={
                "client": actor.client,
                "address": actor.address,
                "guesses": guesses,
                "refused": 1,
                "first_at": now,
                "last_at": now,
            },
        )
        if not created:
            EnumerationAlert.objects.filter(pk=alert.pk).update(
                guesses=guesses, refused=F("refused") + 1, last_at=now
            )
    log.warning(
        "enumeration suspected: channel=%s actor=%s family=%s pattern=%s guesses=%d alert=%d",
        actor.channel,
        actor.key,
        family,
        pattern,
        guesses,
        alert.pk,
    )
    return alert


def alerts_acknowledge(*, alerts: Iterable[EnumerationAlert], by) -> int:
    """Officials mark alerts they have dealt with; the record stays."""
    ids = [alert.pk for alert in alerts]
    return EnumerationAlert.objects.filter(pk__in=ids, acknowledged_at__isnull=True).update(
        acknowledged_by=by, acknowledged_at=timezone.now()
    )


def guesses_purge(*, today: datetime.date | None = None) -> int:
    """Counts of past days are no longer needed; alerts keep what officials must see."""
    today = today or timezone.localdate()
    deleted, _ = Guess.objects.filter(day__lt=today).delete()
    return deleted


# --- the daily quota of API clients ------------------------------------------------------------


def quota_take(*, client: ApiClient, subjects: int) -> int:
    """Count `subjects` against the client's quota for today, or refuse (QuotaExceeded)
    and count nothing. One conditional UPDATE: exact under concurrency. Returns the
    subjects counted today, these included."""
    day, retry_after = window()
    quota = client.daily_subject_quota
    usage = ClientDailyUsage.objects.filter(client=client, day=day)
    if subjects > 0:
        ClientDailyUsage.objects.get_or_create(client=client, day=day)
        if not usage.filter(subjects__lte=quota - subjects).update(
            subjects=F("subjects") + subjects
        ):
            used = usage.values_list("subjects", flat=True).first() or 0
            raise QuotaExceeded(
                quota=quota, remaining=max(0, quota - used), retry_after=retry_after
            )
    return usage.values_list("subjects", flat=True).first() or 0


def subjects_today() -> int:
    """Subjects every client has asked about today, for the guard's count of everyone."""
    day, _seconds = window()
    total = ClientDailyUsage.objects.filter(day=day).aggregate(total=Sum("subjects"))["total"]
    return total or 0


def quota_usage_purge(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    kept_from = today - datetime.timedelta(days=31)
    deleted, _ = ClientDailyUsage.objects.filter(day__lt=kept_from).delete()
    return deleted

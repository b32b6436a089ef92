"""Monitor hits on a large database (called by `manage.py bench monitors`): N monitors of a few
platforms, a publication of P entries, and the hits of its change events computed in one
set-based query, beside the obvious query per event."""

import gc
import json
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client

from blacklist.feed.changes import last_change_seq
from blacklist.models import (
    ApiClient,
    ChangeEvent,
    HitCursor,
    Monitor,
    Notice,
    subject_hmac,
)
from blacklist.monitoring import selectors
from blacklist.monitoring import services as monitoring
from blacklist.platforms.clients import api_client_create
from blacklist.publication import services as publication
from blacklist.registry import bulk, identity
from blacklist.registry.listing import ListingRow, listings_add
from blacklist.webhooks import services as webhooks
from devtools.management.commands.bench_import_once import draft_notice
from devtools.management.commands.bench_search_once import _summary
from devtools.synthetic import fictional_people

WATCHED_EVERY = 10  # one published person in ten is some platform's customer
_FILL_BATCH = 100_000


class Command(BaseCommand):
    help = (
        "On an empty database: N monitors of several platforms, a publication of P entries; "
        "time the hits of its events (one set-based query; a query per event as baseline), "
        "the collector that writes them as deliveries, and one registration through the "
        "view. Prints JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--monitors", type=int, default=1_000_000)
        parser.add_argument("--publication", type=int, default=10_000)
        parser.add_argument("--clients", type=int, default=10, help="platforms monitoring")
        parser.add_argument("--rounds", type=int, default=10)
        parser.add_argument(
            "--register", type=int, default=100_000, help="customers in the timed registration"
        )

    def handle(
        self,
        *args: object,
        monitors: int,
        publication: int,
        clients: int,
        rounds: int,
        register: int,
        **options: object,
    ) -> None:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        platforms = [_platform(f"bench-monitors-{n}") for n in range(clients)]
        notice, numbers = _draft(publication)
        watched = numbers[::WATCHED_EVERY]
        _fill(platforms, watched=watched, total=monitors)
        before = last_change_seq()
        HitCursor.objects.update_or_create(name=monitoring.CURSOR, defaults={"seq": before})
        publication_started = time.perf_counter()
        _publish(notice)
        publish_seconds = time.perf_counter() - publication_started
        last = last_change_seq()
        _analyze()
        fill_seconds = time.perf_counter() - started - publish_seconds
        ids = [platform.pk for platform in platforms]

        gc.collect()
        gc.freeze()
        found: list[int] = []
        set_based = _timed(
            rounds,
            lambda: found.append(
                len(selectors.hits_between(after=before, upto=last, client_ids=ids))
            ),
        )
        per_event_found: list[int] = []
        per_event = _timed(
            max(rounds // 5, 1),
            lambda: per_event_found.append(_per_event_hits(after=before, upto=last, ids=ids)),
        )
        if set(found) != {len(watched)} or set(per_event_found) != {len(watched)}:
            raise RuntimeError(f"hits: {set(found)}, per event {set(per_event_found)}")
        collect = _timed(rounds, lambda: _collect_rolled_back(before))
        figures = {
            "monitors": Monitor.objects.count(),
            "clients": clients,
            "events": last - before,
            "hits": len(watched),
            "hits_set_based": _summary(set_based),
            "hits_per_event": _summary(per_event),
            "collect": _summary(collect),
            "publish_seconds": round(publish_seconds, 2),
            "fill_seconds": round(fill_seconds, 1),
        }
        if register:
            figures["register"] = _register(register)
        self.stdout.write(json.dumps(figures))


def _platform(name: str) -> ApiClient:
    client, _ = api_client_create(name=name, scopes=["lookup", "feed"], rate_per_minute=10**9)
    ApiClient.objects.filter(pk=client.pk).update(daily_subject_quota=2**31 - 1)
    # never sent: nothing runs the sweep here
    webhooks.subscription_create(client=client, url="https://hooks.example.com/portal")
    return client


def _draft(count: int) -> tuple[Notice, list[str]]:
    """A draft notice of `count` fictional persons in force, and their ID numbers."""
    notice = draft_notice()
    people = list(fictional_people(count, seed=41))
    rows = [ListingRow(name=p.name, identity=identity.parse_identity(p.id_number)) for p in people]
    listings_add(notice=notice, rows=rows)
    return notice, [p.id_number for p in people]


def _publish(notice: Notice) -> None:
    approver, _ = get_user_model().objects.get_or_create(username="bench-approver")
    publication.notice_approve(notice=notice, by=approver)
    publication.notice_publish(notice=notice)


def _fill(platforms: list[ApiClient], *, watched: list[str], total: int) -> None:
    """`watched` monitors of published persons, spread over the platforms, and the rest
    customers no list names (random hashes), as many for each platform."""
    Monitor.objects.bulk_create(
        (
            Monitor(
                client=platforms[n % len(platforms)],
                ref=f"w{n}",
                id_hmac=subject_hmac(number),
                kind="person",
                since_seq=0,
            )
            for n, number in enumerate(watched)
        ),
        batch_size=5000,
    )
    rest = max(total - len(watched), 0)
    table = connection.ops.quote_name(Monitor._meta.db_table)
    random_hash = (
        "md5(random()::text) || md5(random()::text)"
        if connection.vendor == "postgresql"
        else "lower(hex(randomblob(32)))"
    )
    numbers = (
        "generate_series(%s::bigint, %s::bigint) AS g(n)"
        if connection.vendor == "postgresql"
        else "(WITH RECURSIVE g(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM g WHERE n < %s) "
        "SELECT n FROM g) AS g"
    )
    for index, platform in enumerate(platforms):
        share = rest // len(platforms) + (1 if index < rest % len(platforms) else 0)
        for start in range(1, share + 1, _FILL_BATCH):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (client_id, ref, id_hmac, kind, since_seq, "  # noqa: S608
                    f"created_at, updated_at) SELECT %s, 'f' || g.n, {random_hash}, 'person', "
                    f"0, %s, %s FROM {numbers}",
                    [
                        platform.pk,
                        connection.ops.adapt_datetimefield_value(platform.created_at),
                        connection.ops.adapt_datetimefield_value(platform.created_at),
                        start,
                        min(start + _FILL_BATCH - 1, share),
                    ],
                )


def _analyze() -> None:
    bulk.refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Monitor._meta.db_table)}")


def _per_event_hits(*, after: int, upto: int, ids: list[int]) -> int:
    """The obvious implementation: each event read with its subject, then a query for the
    monitors of that subject."""
    hits = 0
    events = (
        ChangeEvent.objects.filter(seq__gt=after, seq__lte=upto, kind__in=selectors.HIT_KINDS)
        .select_related("entry__subject")
        .order_by("seq")
    )
    for event in events:
        hits += len(
            list(
                Monitor.objects.filter(
                    id_hmac=event.entry.subject.id_hmac, client_id__in=ids, since_seq__lt=event.seq
                ).values_list("client_id", "ref")
            )
        )
    return hits


class _RolledBack(Exception):
    pass


def _collect_rolled_back(after: int) -> None:
    """The collector from `after`: hits and deliveries written, then rolled back for the
    next round."""
    try:
        with transaction.atomic():
            HitCursor.objects.filter(name=monitoring.CURSOR).update(seq=after)
            monitoring.monitor_hits_collect()
            raise _RolledBack
    except _RolledBack:
        pass


def _register(count: int) -> dict[str, float]:
    """One `POST monitors/` of `count` new customers through the view, with the quota and
    the guard of a platform without `identity`."""
    platform, key = api_client_create(
        name="bench-register", scopes=["lookup", "feed"], rate_per_minute=10**9
    )
    ApiClient.objects.filter(pk=platform.pk).update(daily_subject_quota=2**31 - 1)
    body = json.dumps(
        {
            "subjects": [
                {"ref": f"r{n}", "id_number": p.id_number}
                for n, p in enumerate(fictional_people(count, seed=43))
            ]
        }
    )
    http = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    started = time.perf_counter()
    response = http.post("/api/v1/monitors/", body, content_type="application/json")
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"registration answered {response.status_code}: {response.content!r}")
    return {"customers": count, "seconds": round(seconds, 2)}


def _timed(rounds: int, run) -> list[float]:
    run()  # warm caches once
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times

"""Search latency on a large database, through the Django view (called by `manage.py bench`)."""

import gc
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings

from blacklist.models import Entry, Subject


class Command(BaseCommand):
    help = "Fill the database to N entries if needed, then time searches; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--queries", type=int, default=300)

    def handle(self, *args: object, entries: int, queries: int, **options: object) -> None:
        fill_seconds = fill_to(entries)
        call_command("collectstatic", interactive=False, verbosity=0)  # pages render as deployed
        rng = random.Random(1)  # noqa: S311 - a repeatable sample, not a secret
        sample = list(
            Subject.objects.filter(
                kind="person", id__in=rng.sample(range(1, Subject.objects.count()), queries * 2)
            )
        )[:queries]
        names = [s.name for s in sample[: queries // 2]] + [
            s.name[:2] for s in sample[queries // 2 :]
        ]
        ids = [(s.id_number(), s.name) for s in sample]  # a public ID search needs the name
        client = Client()
        # as portal/wsgi.py does once the application is loaded
        gc.collect()
        gc.freeze()
        # the guard counts what it counts in production, under limits the bench never meets
        # (for everyone too: the families counted for everyone stay those of the settings,
        # or each ID search would count every ID search of the day)
        with override_settings(
            SEARCH_RATE="1000000/s",
            GUARD_LIMITS={**settings.GUARD_LIMITS, "search": _unlimited(settings.GUARD_LIMITS)},
            GUARD_LIMITS_EVERYONE={
                **settings.GUARD_LIMITS_EVERYONE,
                "search": _unlimited(settings.GUARD_LIMITS_EVERYONE),
            },
        ):
            # each search from an address of its own, as citizens search: one address that
            # made thousands of searches today would have the guard count them all each time
            addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in count(1))
            by_name = _timed(
                names, lambda q: client.get("/search/", {"q": q}, REMOTE_ADDR=next(addresses))
            )
            by_id = _timed(
                ids,
                lambda q: client.get(
                    "/search/", {"q": q[0], "name": q[1]}, REMOTE_ADDR=next(addresses)
                ),
            )
        # the naive query scans the whole table each time: a tenth of the queries tell enough
        naive = _timed(names[:: max(len(names) // 30, 1)], _naive_icontains)
        figures = {
            "entries": Entry.objects.currently_public().count(),
            "name_view": _summary(by_name),
            "id_view": _summary(by_id),
            "naive_icontains": _summary(naive),
            "fill_seconds": round(fill_seconds, 1),
        }
        self.stdout.write(json.dumps(figures))


def _unlimited(limits: dict[str, dict[str, int]]) -> dict[str, int]:
    return {family: 10**9 for family in limits["search"]}


def fill_to(entries: int) -> float:
    """The benchmarks' database: migrated, the demo, then fictional entries up to N in force;
    the seconds the fill took (0 when the database was full already)."""
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not Entry.objects.exists():
        call_command("load_demo", verbosity=0)
    missing = entries - Entry.objects.currently_public().count()
    filled = 0.0
    if missing > 0:
        call_command("generate_entries", count=missing, seed=7, verbosity=0)
        _vacuum()
        filled = time.perf_counter() - started
    _cache_the_database()
    return filled


def _cache_the_database() -> None:
    """Read the whole database once, as a serving database's pages are in memory (the
    benchmarks measure that state, not a disk): some machines, this one among them, give back
    file pages nobody read for a minute, and the engines are measured one after the other.
    On PostgreSQL through pg_prewarm when the server has it (else nothing is read ahead)."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                cursor.execute(  # tables with their TOAST tables, and indexes
                    "SELECT pg_prewarm(c.oid::regclass, 'read') FROM pg_class c "
                    "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i') "
                    "UNION ALL SELECT pg_prewarm(c.reltoastrelid::regclass, 'read') "
                    "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                    "AND c.relkind = 'r' AND c.reltoastrelid <> 0"
                )
        except DatabaseError:  # no extension, or no right to it: measured as it comes
            pass
        return
    with open(connection.settings_dict["NAME"], "rb") as database:
        while database.read(2**24):
            pass


def _vacuum() -> None:
    """On PostgreSQL, what autovacuum does after a large write on a server that runs it: the
    visibility map lets index-only scans (candidate keys) skip the table. Some servers, this
    machine's among them, run with autovacuum off."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _naive_icontains(query: str) -> None:
    found = Entry.objects.currently_public().filter(subject__name__icontains=query)
    found.count()
    list(found.select_related("subject")[:20])


def _timed(queries: Sequence[Any], run: Callable[[Any], object]) -> list[float]:
    run(queries[0])  # warm caches once
    times = []
    for query in queries:
        started = time.perf_counter()
        response = run(query)
        times.append((time.perf_counter() - started) * 1000)
        status = getattr(response, "status_code", 200)
        if status != 200:
            raise RuntimeError(f"search answered {status}")
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        "max_ms": round(ordered[-1], 2),
    }

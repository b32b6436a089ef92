"""API latency on a large database, through the views (called by `manage.py bench api`)."""

import gc
import json
import random

from django.core.management.base import BaseCommand, CommandParser
from django.test import Client
from rest_framework import serializers

from blacklist.models import ApiClient, ChangeEvent, Entry, Subject
from blacklist.platforms.clients import api_client_create, api_key_issue
from devtools.management.commands.bench_search_once import _summary, _timed, fill_to


class Command(BaseCommand):
    help = "Fill the database to N entries if needed, then time checks and the feed; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--rounds", type=int, default=30)

    def handle(self, *args: object, entries: int, rounds: int, **options: object) -> None:
        fill_to(entries)
        bench = ApiClient.objects.filter(name="bench").first()
        if bench:  # a rerun on the kept database: a new key for the same client
            key = api_key_issue(client=bench, name="bench")
        else:
            _, key = api_client_create(
                name="bench", scopes=["lookup", "feed", "identity"], rate_per_minute=10**9
            )
        # as many rounds as asked: the daily quota is not what is measured
        ApiClient.objects.filter(name="bench").update(daily_subject_quota=2**31 - 1)
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")

        rng = random.Random(5)  # noqa: S311 - a repeatable sample, not a secret
        top = Subject.objects.order_by("-id").values_list("id", flat=True).first() or 1
        batches = []
        for _ in range(rounds):
            ids = rng.sample(range(1, top + 1), 1000)
            numbers = [s.id_number() for s in Subject.objects.filter(id__in=ids)]
            batches.append(
                json.dumps(
                    {
                        "purpose": "account_opening",
                        "subjects": [
                            {"ref": str(i), "id_number": n} for i, n in enumerate(numbers)
                        ],
                    }
                )
            )
        answers = []  # read after the clock stops: parsing is the caller's time, not ours

        def check(body: str):
            response = client.post("/api/v1/checks/", body, content_type="application/json")
            answers.append(response.content)
            return response

        last = ChangeEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        positions = [str(rng.randrange(0, max(last - 10_000, 1))) for _ in range(rounds)]

        pages = []

        def feed(after: str):
            response = client.get("/api/v1/changes/", {"after": after, "limit": "10000"})
            pages.append(response.content)
            return response

        naive_batches = [json.loads(body)["subjects"] for body in batches[: max(rounds // 10, 2)]]
        # as portal/wsgi.py does once the application is loaded
        gc.collect()
        gc.freeze()
        checks, feeds = _timed(batches, check), _timed(positions, feed)
        hits = [sum(r["listed"] for r in json.loads(answer)["results"]) for answer in answers]
        if any(len(json.loads(page)["events"]) != 10_000 for page in pages):
            raise RuntimeError("a feed page came back short")
        figures = {
            "entries": Entry.objects.currently_public().count(),
            "events": last,
            "checks_1000_ids": _summary(checks),
            "hits_per_check": round(sum(hits) / len(hits)),
            "naive_checks_1000_ids": _summary(_timed(naive_batches, _naive_check)),
            "feed_10000_events": _summary(feeds),
            "naive_feed_10000_events": _summary(_timed(positions[:3], _naive_feed)),
        }
        self.stdout.write(json.dumps(figures))


def _naive_check(subjects: list[dict[str, str]]) -> None:
    """The obvious implementation: one ORM query per subject, model instances, a serializer."""
    from blacklist.models import subject_hmac
    from blacklist.registry import identity

    for subject in subjects:
        digest = subject_hmac(identity.parse_identity(subject["id_number"]).number)
        found = Entry.objects.listed().filter(subject__id_hmac=digest).select_related("subject")
        _NaiveEntry(found, many=True).data  # noqa: B018 - rendering is the cost measured


def _naive_feed(after: str) -> None:
    events = ChangeEvent.objects.filter(seq__gt=int(after)).select_related(
        "entry__subject", "entry__notice__programme"
    )[:10_000]
    _NaiveEvent(events, many=True).data  # noqa: B018


class _NaiveEntry(serializers.ModelSerializer):
    class Meta:
        model = Entry
        fields = ["public_id", "status", "term_start", "term_end", "offence", "measures"]


class _NaiveEvent(serializers.ModelSerializer):
    entry = _NaiveEntry()

    class Meta:
        model = ChangeEvent
        fields = ["seq", "kind", "reason", "occurred_at", "entry"]

"""Scored checks on a large database, through the view, beside rapidfuzz over all names
(called by `manage.py bench scored`)."""

import gc
import json
import random
import time

from django.core.management.base import BaseCommand, CommandParser
from django.test import Client
from rapidfuzz import fuzz, process

from blacklist.models import ApiClient, Entry, Subject
from blacklist.platforms.clients import api_client_create, api_key_issue
from blacklist.registry import matching, naming
from devtools.management.commands.bench_search_once import _summary, _timed, fill_to
from devtools.matching_eval import homophone, romanised, traditional
from devtools.synthetic import GIVEN, SURNAMES

SUBJECTS = 1000
NAIVE_SUBJECTS = 20  # rapidfuzz over every name takes a while per subject: timed on fewer


class Command(BaseCommand):
    help = (
        "Fill the database to N entries if needed, then time POST checks/ of 1,000 name-only "
        "subjects in scored mode, and rapidfuzz over all listed names; prints JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--rounds", type=int, default=30)

    def handle(self, *args: object, entries: int, rounds: int, **options: object) -> None:
        fill_seconds = fill_to(entries)
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {_key()}")
        rng = random.Random(14)  # noqa: S311 - a repeatable sample, not a secret
        top = Subject.objects.order_by("-id").values_list("id", flat=True).first() or 1
        batches, expected = [], []
        for _ in range(rounds):
            ids = rng.sample(range(1, top + 1), SUBJECTS)
            listed = Entry.objects.listed().filter(subject_id__in=ids)
            names = dict(listed.values_list("subject_id", "subject__name"))
            subjects, wanted = [], []
            for index, subject_id in enumerate(ids):
                query, target = _query(names.get(subject_id), rng)
                subjects.append({"ref": str(index), "name": query})
                wanted.append(target)
            batches.append(
                json.dumps(
                    {"purpose": "ongoing_monitoring", "match_mode": "scored", "subjects": subjects}
                )
            )
            expected.append(wanted)
        answers = []

        def check(body: str):
            response = client.post("/api/v1/checks/", body, content_type="application/json")
            answers.append(response.content)
            return response

        gc.collect()
        gc.freeze()
        times = _timed(batches, check)
        found, asked, candidates = _found(answers[1:], expected)  # the first one warmed caches
        naive = _naive(
            json.loads(batches[0])["subjects"][:NAIVE_SUBJECTS], expected[0][:NAIVE_SUBJECTS]
        )
        self.stdout.write(
            json.dumps(
                {
                    "entries": Entry.objects.currently_public().count(),
                    "fill_seconds": round(fill_seconds, 1),
                    "scored_1000_names": _summary(times),
                    "found_rate": round(found / asked, 3) if asked else None,
                    "candidates_per_subject": round(candidates / (SUBJECTS * len(answers[1:])), 2),
                    **naive,
                }
            )
        )


def _key() -> str:
    bench = ApiClient.objects.filter(name="bench-scored").first()
    if bench:  # a rerun on the kept database: a new key for the same client
        key = api_key_issue(client=bench, name="bench-scored")
    else:
        _, key = api_client_create(
            name="bench-scored", scopes=["lookup", "identity"], rate_per_minute=10**9
        )
    ApiClient.objects.filter(name="bench-scored").update(daily_subject_quota=2**31 - 1)
    return key


def _query(name: str | None, rng: random.Random) -> tuple[str, str]:
    """A customer's name as a record may hold it, and the listed name it stands for ("" for a
    customer who is not listed): as listed, in pinyin, with a homophone, in traditional
    characters, or someone else."""
    roll = rng.random()
    if name is None or roll < 0.3:  # a customer not listed (most customers)
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)), ""
    if roll < 0.5:
        return name, name
    if roll < 0.7:
        return romanised(name, rng), name
    if roll < 0.85:
        at = rng.randrange(len(name))
        other = homophone(name[at], rng) or name[at]
        return name[:at] + other + name[at + 1 :], name
    return traditional(name), name


def _found(answers: list[bytes], expected: list[list[str]]) -> tuple[int, int, int]:
    """How many of the listed customers' own names were among their candidates."""
    found = asked = candidates = 0
    for answer, wanted in zip(answers, expected, strict=True):
        for result, target in zip(json.loads(answer)["results"], wanted, strict=True):
            names = {c["name"] for c in result["candidates"]}
            candidates += len(result["candidates"])
            if target:
                asked += 1
                found += target in names
    return found, asked, candidates


def _naive(subjects: list[dict[str, str]], wanted: list[str]) -> dict[str, object]:
    """The obvious implementation: every listed name compared with rapidfuzz, per subject."""
    started = time.perf_counter()
    names = list(Entry.objects.listed().values_list("subject__name", flat=True))
    folded = [naming.fold_name(n) for n in names]
    load = time.perf_counter() - started
    per_subject, found, asked = [], 0, 0
    threshold = matching.DEFAULT_THRESHOLD * 100
    for subject, target in zip(subjects, wanted, strict=True):
        started = time.perf_counter()
        hits = process.extract(
            naming.fold_name(subject["name"]),
            folded,
            scorer=fuzz.ratio,
            limit=matching.DEFAULT_LIMIT,
            score_cutoff=threshold,
        )
        per_subject.append((time.perf_counter() - started) * 1000)
        if target:
            asked += 1
            found += any(names[index] == target for _choice, _score, index in hits)
    return {
        "naive_rapidfuzz_load_seconds": round(load, 1),
        "naive_rapidfuzz_1000_names_ms": round(sum(per_subject) / len(per_subject) * 1000, 1),
        "naive_rapidfuzz_subjects_timed": len(per_subject),
        "naive_found_rate": round(found / asked, 3) if asked else None,
    }

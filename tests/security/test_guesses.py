"""The guard's record of guesses: each distinct guess counted once, however many a call brings."""

import datetime

import pytest

from blacklist.guard.services import Probe, guesses_record
from blacklist.models import Guess, ProbeFamily

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 4)


def test_a_call_of_more_guesses_than_one_statement_takes_counts_each_distinct_guess_once():
    patterns = ["110101********1234", "110101********5678", "320102********0011"]
    probes = [
        Probe(ProbeFamily.ID_MASK, patterns[n % 3], f"guess-{n // 2}")  # each guess twice
        for n in range(12_002)
    ]

    counts = guesses_record(
        probes={"client:1": probes + probes[:100], "everyone": probes[:10]}, day=DAY
    )
    again = guesses_record(probes={"client:1": probes[:3]}, day=DAY)

    # guess-k comes with patterns[2k % 3] and patterns[(2k + 1) % 3]: 6,001 guesses, each
    # under two of the three patterns, 4,001 under each pattern (the one call's own included)
    expected = {
        pattern: len({n // 2 for n in range(12_002) if n % 3 == index})
        for index, pattern in enumerate(patterns)
    }
    assert {p: n for (actor, _f, p), n in counts.items() if actor == "client:1"} == expected
    assert Guess.objects.filter(actor="client:1").count() == sum(expected.values())
    assert counts["everyone", ProbeFamily.ID_MASK, patterns[0]] == 4  # guess-0, 1, 3 and 4
    assert again == {
        ("client:1", ProbeFamily.ID_MASK, patterns[0]): expected[patterns[0]],
        ("client:1", ProbeFamily.ID_MASK, patterns[1]): expected[patterns[1]],
        ("client:1", ProbeFamily.ID_MASK, patterns[2]): expected[patterns[2]],
    }


def test_more_patterns_than_one_statement_counts_are_each_counted():
    probes = [Probe(ProbeFamily.NAME_PATTERN, f"张*{n}", f"guess-{n}") for n in range(5_003)]
    guesses_record(probes={"address:10.0.0.1": probes[:2]}, day=DAY)

    counts = guesses_record(probes={"address:10.0.0.1": probes}, day=DAY)

    assert len(counts) == 5_003 and set(counts.values()) == {1}


def test_a_few_guesses_count_the_days_guesses_before_and_their_own_once():
    mask, actor = "110101********1234", "address:10.0.0.9"

    def probes(*guesses: str) -> list[Probe]:
        return [Probe(ProbeFamily.ID_MASK, mask, guess) for guess in guesses]

    first = guesses_record(probes={actor: probes("a", "b")}, day=DAY)
    again = guesses_record(probes={actor: probes("b", "c", "c"), "everyone": probes("c")}, day=DAY)
    next_day = guesses_record(probes={actor: probes("a")}, day=DAY + datetime.timedelta(days=1))

    assert first == {(actor, ProbeFamily.ID_MASK, mask): 2}
    assert again == {
        (actor, ProbeFamily.ID_MASK, mask): 3,
        ("everyone", ProbeFamily.ID_MASK, mask): 1,
    }
    assert next_day == {(actor, ProbeFamily.ID_MASK, mask): 1}

"""GET /api/v1/changes/: following the feed from 0 rebuilds exactly the current list."""

import datetime
import threading

import pytest
from django.db import connection

from blacklist.models import Entry
from blacklist.publication import services as publication
from tests import factories
from tests.api.conftest import Platform
from tests.factories.people import entry_of, person, publish, today, yesterday

REMOVALS = {"expired", "revoked", "withdrawn"}


def follow(platform: Platform, *, after: int = 0, limit: int = 7) -> tuple[list[dict], int]:
    """Read the feed to its end, a page at a time, as a platform's sync job would."""
    events = []
    while True:
        page = platform.get("/api/v1/changes/", {"after": after, "limit": limit})
        assert page.status_code == 200, page.content
        body = page.json()
        events += body["events"]
        if body["next_after"] == after:
            return events, after
        after = body["next_after"]


def replay(events: list[dict]) -> set[str]:
    listed: set[str] = set()
    for event in events:
        if event["kind"] == "listed":
            listed.add(event["entry"]["public_id"])
        elif event["kind"] in REMOVALS:
            listed.discard(event["entry"]["public_id"])
    return listed


def currently_listed() -> set[str]:
    return set(Entry.objects.listed().values_list("public_id", flat=True))


@pytest.mark.django_db
def test_following_from_zero_ends_with_exactly_the_listed_entries(bank: Platform):
    people = [person(f"甲{i}") for i in range(9)]
    publish(people[:3])
    factories.terms_end(publish(people[3:5]))
    publication.entries_expire_due()
    publish(people[5:6])
    factories.revoked(entry_of(people[0]), reason="objection upheld")
    # Published with their terms already over, or not yet begun: never on the feed.
    publish(people[6:7], start=today() - datetime.timedelta(days=900), end=yesterday())
    later = publish(people[7:9], start=today() + datetime.timedelta(days=3))
    publication.entries_expire_due()
    assert publication.entries_start_due() == 0

    events, last = follow(bank)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["kind"] for e in events].count("expired") == 2
    assert (
        replay(events)
        == currently_listed()
        == {entry_of(p).public_id for p in (people[1], people[2], people[5])}
    )

    # Time passes: the later notice's terms begin, and the start job lists them once.
    Entry.objects.filter(notice=later).update(term_start=today())
    assert publication.entries_start_due() == 2
    assert publication.entries_start_due() == 0
    more, last = follow(bank, after=last)
    assert [e["kind"] for e in more] == ["listed", "listed"]
    assert replay(events + more) == currently_listed()
    assert {entry_of(p).public_id for p in people[7:9]} <= currently_listed()
    revoked = next(e for e in events if e["kind"] == "revoked")
    assert revoked["reason"] == "objection upheld"
    assert bank.get("/api/v1/changes/", {"after": last}).json()["events"] == []


@pytest.mark.django_db
def test_a_page_holds_at_most_the_limit_and_says_where_to_resume(bank: Platform):
    publish([person(f"乙{i}") for i in range(5)])
    first = bank.get("/api/v1/changes/", {"after": 0, "limit": 2}).json()
    assert [e["seq"] for e in first["events"]] == [1, 2]
    assert first["next_after"] == 2 and first["last_seq"] == 5
    rest = bank.get("/api/v1/changes/", {"after": 2, "limit": 10_000}).json()
    assert [e["seq"] for e in rest["events"]] == [3, 4, 5]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"after": -1},
        {"after": "x"},
        {"limit": 0},
        {"limit": 10_001},
        {"after": ""},
        {"after": 1},  # beyond the last sequence number: no feed handed it out
        {"after": ["x", "0"]},  # given twice: not the last one silently
    ],
)
def test_bad_feed_positions_are_400(bank: Platform, params):
    response = bank.get("/api/v1/changes/", params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == list(params)


@pytest.mark.django_db
def test_the_feed_masks_identities_without_the_identity_scope(bank: Platform, bureau: Platform):
    zhang = person("张三")
    publish([zhang])
    masked = bank.get("/api/v1/changes/").json()["events"][0]["entry"]["subject"]
    full = bureau.get("/api/v1/changes/").json()["events"][0]["entry"]["subject"]
    assert masked["id_number"] != zhang.id_number and zhang.id_number not in str(masked)
    assert full["id_number"] == zhang.id_number


@pytest.mark.django_db(transaction=True)
def test_a_follower_misses_nothing_while_publications_and_expiries_commit(make_platform):
    """Writers commit in one thread while a platform follows the feed in another."""
    bank = make_platform("lookup,feed")
    batches = [[person(f"丙{b}-{i}") for i in range(40)] for b in range(4)]
    done = threading.Event()
    seen: list[dict] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for number, batch in enumerate(batches):
                notice = publish(batch, start=today() - datetime.timedelta(days=10))
                if number % 2 == 1:
                    factories.terms_end(notice)  # time passes for this batch
                publication.entries_expire_due()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            done.set()
            connection.close()

    def read() -> None:
        try:
            after = 0
            while not done.is_set():
                events, after = follow(bank, after=after, limit=13)
                seen.extend(events)
            events, after = follow(bank, after=after, limit=13)
            seen.extend(events)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert [e["seq"] for e in seen] == list(range(1, 4 * 40 + 2 * 40 + 1))
    assert replay(seen) == currently_listed()
    assert len(currently_listed()) == 80

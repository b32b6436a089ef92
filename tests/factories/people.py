"""People with chosen names, listed on published notices through the officials' workflow."""

import datetime
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from blacklist.models import Entry, Notice, Programme
from blacklist.publication import services as publication
from blacklist.registry import identity
from blacklist.registry.listing import ListingRow, listings_add
from tests import factories

_birth_days = itertools.count(0)


def today() -> datetime.date:
    """The portal's today: the day in its time zone, which decides what is in force."""
    return timezone.localdate()


def yesterday() -> datetime.date:
    return today() - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    aliases: tuple[str, ...] = ()  # former names and aliases the list gives


def new_id(*, region: str = "420106", ends_with_x: bool = False) -> str:
    """A valid resident ID no other person in the test has; with a final X when asked."""
    born = datetime.date(1975, 1, 1) + datetime.timedelta(days=next(_birth_days))
    for sequence in range(1, 1000):
        number = identity.make_resident_id(region, born, sequence)
        if number.endswith("X") == ends_with_x:
            return number
    raise AssertionError("unreachable: one sequence in eleven ends with X")


def person(name: str, *, region: str = "420106", ends_with_x: bool = False) -> Person:
    return Person(name, new_id(region=region, ends_with_x=ends_with_x))


def company(name: str, serial: int) -> Person:
    """An organisation with a valid unified social credit code of its own."""
    return Person(name, identity.make_credit_code(f"91420100MA4K{serial:05d}"))


def draft_with(
    people: list[Person],
    *,
    prog: Programme | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    offence: str = "",
) -> Notice:
    notice = factories.draft_notice(prog=prog)
    rows = [
        ListingRow(
            name=p.name,
            identity=identity.parse_identity(p.id_number),
            offence=offence,
            term_start=start or today() - datetime.timedelta(days=30),
            term_end=end,
            aliases=p.aliases,
        )
        for p in people
    ]
    listings_add(notice=notice, rows=rows)
    return notice


def approved_with(people: list[Person], **options: object) -> Notice:
    notice = draft_with(people, **options)  # type: ignore[arg-type]
    return publication.notice_approve(notice=notice, by=factories.official("approver"))


def publish(people: list[Person], **options: object) -> Notice:
    """A published notice listing `people` (term from 30 days ago by default)."""
    return publication.notice_publish(notice=approved_with(people, **options))


def entry_of(p: Person) -> Entry:
    """The (most recent) entry of a person."""
    digest = identity.lookup_hmac(p.id_number, key=settings.ID_LOOKUP_KEY)
    return (
        Entry.objects.select_related("subject", "notice__programme")
        .filter(subject__id_hmac=digest)
        .latest("id")
    )


# Ways an entry of person `p` exists but is not currently public.


def on_a_draft(p: Person) -> None:
    draft_with([p])


def on_a_scheduled_notice(p: Person) -> None:
    notice = approved_with([p])
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    publication.notice_schedule(notice=notice, publish_at=tomorrow)


def on_a_withdrawn_notice(p: Person) -> None:
    notice = publish([p])
    Notice.objects.filter(pk=notice.pk).update(status="withdrawn", withdrawn_at=timezone.now())


def term_ended_yesterday(p: Person) -> None:
    """Before the expiry job has run: the entry's status still says active."""
    publish([p], start=today() - datetime.timedelta(days=400), end=yesterday())


def expired(p: Person) -> None:
    term_ended_yesterday(p)
    publication.entries_expire_due()


def revoked(p: Person) -> None:
    publish([p])
    factories.revoked(entry_of(p), reason="错误列入")


def platform_only(p: Person) -> None:
    publish([p], prog=factories.programme(code="platforms-only", public=False))


NOT_PUBLIC = [
    on_a_draft,
    on_a_scheduled_notice,
    on_a_withdrawn_notice,
    term_ended_yesterday,
    expired,
    revoked,
    platform_only,
]

"""Figures for the public statistics page; all of them from public programmes only."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from blacklist.feed.changes import last_change_seq
from blacklist.models import Digest, Entry, EntryStatus, Notice, NoticeStatus, Programme
from blacklist.registry import selectors

COUNT_FIELDS = ("entries_total", "entries_active", "entries_expired", "entries_revoked")
# How long a notice's counts may lag a change the feed does not carry (see notices_counted).
COUNTS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date
    listed: int
    expired: int


def notices_counted(notices: Iterable[Notice]) -> list[Notice]:
    """Published notices with the counts the public pages show (listed, in force, expired,
    revoked) set on each.

    Counting a notice of a million entries reads a million index entries, on every view of
    the home page. The counts are figures, not rows, so they are kept in the cache per notice
    under the change feed's last sequence number and the day: a publication, a start, an
    expiry, a revocation or a withdrawal moves the feed and so brings new counts at once; a
    change the feed does not carry (a revoked entry whose term had not begun) shows within
    COUNTS_CACHE_SECONDS.
    """
    notices = list(notices)
    version = f"{last_change_seq()}:{timezone.localdate().isoformat()}"
    keys = {notice.pk: f"notice-counts:{notice.pk}:{version}" for notice in notices}
    cached = cache.get_many(list(keys.values()))
    counts = {pk: found for pk, key in keys.items() if (found := cached.get(key)) is not None}
    missing = [pk for pk in keys if pk not in counts]
    if missing:
        fresh = {
            pk: tuple(rest)
            for pk, *rest in selectors.notices_with_entry_counts(
                Notice.objects.filter(pk__in=missing)
            ).values_list("pk", *COUNT_FIELDS)
        }
        cache.set_many({keys[pk]: value for pk, value in fresh.items()}, COUNTS_CACHE_SECONDS)
        counts |= fresh
    for notice in notices:
        for field, value in zip(COUNT_FIELDS, counts.get(notice.pk, (0,) * 4), strict=True):
            setattr(notice, field, value)
    return notices


def listed_by_programme() -> list[tuple[str, int]]:
    counts = dict(
        Entry.objects.currently_public()
        .values_list("notice__programme_id")
        .annotate(n=Count("id"))
        .values_list("notice__programme_id", "n")
    )
    return [(p.name, counts.get(p.pk, 0)) for p in Programme.objects.filter(public=True)]


def months_back(today: datetime.date, months: int) -> list[datetime.date]:
    first = today.replace(day=1)
    result = []
    for _ in range(months):
        result.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return result[::-1]


def listings_and_expiries_by_month(*, months: int = 24) -> list[MonthFigures]:
    """Entries listed (by publication month) and ended by expiry (by month of term end)."""
    public = Entry.objects.filter(
        notice__programme__public=True, notice__status=NoticeStatus.PUBLISHED
    )
    tz = timezone.get_current_timezone()
    listed = dict(
        public.annotate(month=TruncMonth("notice__published_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    expired = dict(
        public.filter(status=EntryStatus.EXPIRED)
        .annotate(month=TruncMonth("term_end"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    listed = {(k.date() if isinstance(k, datetime.datetime) else k): v for k, v in listed.items()}
    return [
        MonthFigures(month, listed.get(month, 0), expired.get(month, 0))
        for month in months_back(timezone.localdate(), months)
    ]


def digests_recent(*, count: int = 12) -> list[Digest]:
    return list(Digest.objects.all()[:count])


def digest_of(*, year: int, month: int) -> Digest | None:
    try:
        first = datetime.date(year, month, 1)
    except (ValueError, OverflowError):
        return None
    return Digest.objects.filter(month=first).first()

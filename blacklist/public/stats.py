"""Figures for the public statistics page; all of them from public programmes only."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from blacklist.models import Digest, Entry, EntryStatus, NoticeStatus, Programme


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date
    listed: int
    expired: int


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

"""The monthly digest (月度公示): the state of the public list, re-issued once a month."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.models import ChangeEvent, ChangeKind, Digest, Entry, Programme
from blacklist.registry.models import add_months

COUNTED = {
    ChangeKind.LISTED: "newly_listed",
    ChangeKind.EXPIRED: "expired",
    ChangeKind.REVOKED: "revoked",
    ChangeKind.WITHDRAWN: "withdrawn",
}


def digest_build(*, month: datetime.date, today: datetime.date | None = None) -> Digest:
    """The digest of a month that is over; building it again returns the one issued."""
    month = month.replace(day=1)
    following = add_months(month, 1)
    if following > (today or timezone.localdate()):
        raise ValidationError(_("A month's digest can only be issued once the month is over."))
    existing = Digest.objects.filter(month=month).first()
    if existing:
        return existing
    rows = _figures_by_programme(month, following)
    totals = {field: sum(row[field] for row in rows) for field in [*COUNTED.values()]}
    try:
        with transaction.atomic():
            return Digest.objects.create(
                month=month,
                currently_listed=sum(row["currently_listed"] for row in rows),
                by_programme=rows,
                **totals,
            )
    except IntegrityError:
        # Another run issued it first: theirs stands.
        return Digest.objects.get(month=month)


def previous_month(*, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -1)


def _figures_by_programme(month: datetime.date, following: datetime.date) -> list[dict]:
    last_day = following - datetime.timedelta(days=1)
    listed = dict(
        Entry.objects.public_on(last_day)
        .values("notice__programme_id")
        .annotate(n=Count("id"))
        .values_list("notice__programme_id", "n")
    )
    start, end = (
        timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))
        for d in (month, following)
    )
    events: dict[tuple[int, str], int] = {
        (programme_id, kind): n
        for programme_id, kind, n in ChangeEvent.objects.filter(
            occurred_at__gte=start,
            occurred_at__lt=end,
            entry__notice__programme__public=True,
            kind__in=list(COUNTED),
        )
        .values("entry__notice__programme_id", "kind")
        .annotate(n=Count("seq"))
        .values_list("entry__notice__programme_id", "kind", "n")
    }
    return [
        {
            "programme": programme.code,
            "name": programme.name,
            "currently_listed": listed.get(programme.pk, 0),
            **{field: events.get((programme.pk, kind), 0) for kind, field in COUNTED.items()},
        }
        for programme in Programme.objects.filter(public=True).order_by("code")
    ]

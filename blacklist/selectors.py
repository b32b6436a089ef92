"""Read paths shared by pages, admin and commands."""

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from blacklist import identity
from blacklist.models import Entry, EntryStatus, Notice, Programme, Subject


def subjects_matching(
    *, query: str, subjects: QuerySet[Subject] | None = None
) -> QuerySet[Subject]:
    """Officials' lookup: an exact ID number by its HMAC, otherwise a folded name fragment."""
    subjects = Subject.objects.all() if subjects is None else subjects
    try:
        ident = identity.parse_identity(query)
    except identity.IdentityError:
        return subjects.filter(name_key__contains=identity.fold_name(query))
    digest = identity.lookup_hmac(ident.number, key=settings.ID_LOOKUP_KEY)
    return subjects.filter(id_hmac=digest)


def notices_public() -> QuerySet[Notice]:
    return (
        Notice.objects.public()
        .select_related("authority", "programme")
        .order_by("-published_at", "-id")
    )


def notices_with_entry_counts(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    return notices.annotate(
        entries_total=Count("entries"),
        entries_active=Count("entries", filter=Q(entries__status=EntryStatus.ACTIVE)),
        entries_expired=Count("entries", filter=Q(entries__status=EntryStatus.EXPIRED)),
        entries_revoked=Count("entries", filter=Q(entries__status=EntryStatus.REVOKED)),
    )


def entries_public_for_notice(*, notice: Notice) -> QuerySet[Entry]:
    return (
        Entry.objects.currently_public()
        .filter(notice=notice)
        .select_related("subject", "notice__programme")
        .order_by("id")
    )


def programmes_public() -> QuerySet[Programme]:
    return Programme.objects.filter(public=True).order_by("name")

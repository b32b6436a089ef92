"""Read paths shared by pages, admin and commands."""

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from blacklist.models import (
    Entry,
    EntryStatus,
    FormerName,
    Notice,
    Programme,
    QueryLog,
    Subject,
    subject_hmac,
)
from blacklist.registry import identity, naming


def subjects_matching(
    *, query: str, subjects: QuerySet[Subject] | None = None
) -> QuerySet[Subject]:
    """Officials' lookup: an exact ID number by its HMAC, otherwise a folded name fragment
    of the current or a former name."""
    subjects = Subject.objects.all() if subjects is None else subjects
    try:
        ident = identity.parse_identity(query)
    except identity.IdentityError:
        folded = naming.fold_name(query)
        formerly = FormerName.objects.filter(name_key__contains=folded).values("subject_id")
        return subjects.filter(Q(name_key__contains=folded) | Q(pk__in=formerly))
    digest = subject_hmac(ident.number)
    return subjects.filter(id_hmac=digest)


def query_logs_about(*, query: str, logs: QuerySet[QueryLog]) -> QuerySet[QueryLog]:
    """Platforms' queries that asked about one person, found by the keyed hashes the log
    keeps: a full ID number by its hash; a full name by its own hash (name checks) and by
    the hashes of the ID numbers of subjects with that name (ID checks)."""
    try:
        digests = [subject_hmac(identity.parse_identity(query).number)]
    except identity.IdentityError:
        named = Subject.objects.filter(name_key=naming.fold_name(query))
        digests = [
            naming.name_hmac(query, key=settings.ID_LOOKUP_KEY),
            *named.values_list("id_hmac", flat=True)[:100],
        ]
    about = Q()
    for digest in digests:
        about |= Q(identifiers__icontains=digest)
    return logs.filter(about)


def notices_public() -> QuerySet[Notice]:
    return (
        Notice.objects.public()
        .select_related("authority", "programme")
        .order_by("-published_at", "-id")
    )


def notices_with_entry_counts(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    # "In force" is the public rule itself, so an entry whose term ended yesterday is not
    # counted even before the hourly expiry job has marked it.
    in_force = (
        Entry.objects.currently_public()
        .filter(notice=OuterRef("pk"))
        .order_by()
        .values("notice")
        .annotate(n=Count("id"))
        .values("n")
    )
    return notices.annotate(
        entries_total=Count("entries"),
        entries_active=Coalesce(Subquery(in_force), 0),
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


def programme_choices() -> list[Programme]:
    """`programmes_public()` for the search form, read on every call: a programme hidden or
    renamed is never shown stale."""
    return list(programmes_public())

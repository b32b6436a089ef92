"""Read paths shared by pages, admin and commands."""

import functools

from django.conf import settings
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from blacklist.lib.compiled import CompiledQuery
from blacklist.lib.prepared import planned_once
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
    """Each count a subquery of its own: joined and grouped, PostgreSQL evaluated the
    in-force count once per entry of the notice, not once per notice (seconds at a few
    thousand entries, minutes at 200,000)."""
    # "In force" is the public rule itself, so an entry whose term ended yesterday is not
    # counted even before the hourly expiry job has marked it.
    return notices.annotate(
        entries_total=_entries_count(Entry.objects.all()),
        entries_active=_entries_count(Entry.objects.currently_public()),
        entries_expired=_entries_count(Entry.objects.filter(status=EntryStatus.EXPIRED)),
        entries_revoked=_entries_count(Entry.objects.filter(status=EntryStatus.REVOKED)),
    )


def _entries_count(entries: QuerySet[Entry]) -> Coalesce:
    """How many of `entries` the outer query's notice has."""
    per_notice = (
        entries.filter(notice=OuterRef("pk"))
        .order_by()
        .values("notice")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(per_notice), 0)


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
    renamed is never shown stale. Compiled once a connection: every search page reads it."""
    with planned_once():
        return _programmes_public_compiled(connections[router.db_for_read(Programme)]).run()


@functools.lru_cache(maxsize=16)
def _programmes_public_compiled(wrapper: BaseDatabaseWrapper) -> CompiledQuery[Programme]:
    return CompiledQuery(programmes_public(), wrapper=wrapper, markers={})

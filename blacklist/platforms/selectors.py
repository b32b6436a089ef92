"""What credit platforms read: programmes, published notices and their entries, as the API
shows them. Platforms see every programme, public or not, but only published notices; full ID
numbers and names only with the `identity` scope (`reveal=True`)."""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from blacklist.models import (
    Entry,
    EntryQuerySet,
    Notice,
    NoticeStatus,
    Programme,
)
from blacklist.registry import identity, naming
from blacklist.registry.identity import SubjectKind

# What the feed says of an entry: enough to keep a copy of the list in step. The rest
# (offence, measures, reasons) is one `entries/{public_id}/` away.
FEED_ENTRY_FIELDS = (
    "public_id",
    "notice_id",
    "notice__programme__code",
    "notice__programme__name_mask",
    "status",
    "term_start",
    "term_end",
    "subject__kind",
    "subject__name",
    "subject__id_masked",
    "subject__id_encrypted",
    "subject__gender",
    "subject__region_code",
    "subject__region_name",
)
ENTRY_FIELDS = (
    *FEED_ENTRY_FIELDS,
    "status_reason",
    "status_changed_at",
    "offence",
    "measures",
    "updated_at",
)


def programmes_for_platforms() -> QuerySet[Programme]:
    return Programme.objects.order_by("code")


def notices_for_platforms() -> QuerySet[Notice]:
    return (
        Notice.objects.filter(status=NoticeStatus.PUBLISHED)
        .select_related("authority", "programme")
        .order_by("-published_at", "-id")
    )


def entries_for_platforms() -> QuerySet[Entry]:
    return Entry.objects.filter(notice__status=NoticeStatus.PUBLISHED)


def entry_documents(
    rows: Iterable[Sequence[Any]], *, reveal: bool, today: datetime.date, offset: int = 0
) -> list[dict[str, Any]]:
    """Entries as the API shows them, from rows holding FEED_ENTRY_FIELDS (from `offset`)
    and, when longer, the rest of ENTRY_FIELDS. Written for speed: a feed page has 10,000."""
    encryption_keys = settings.FIELD_ENCRYPTION_KEYS
    in_force = EntryQuerySet.in_force
    tz = timezone.get_current_timezone()
    full = offset + len(ENTRY_FIELDS)
    documents = []
    for row in rows:
        (public_id, notice, programme, mask_style, status, term_start, term_end, kind, name,
         masked, sealed, gender, region_code, region_name) = row[offset : offset + 14]  # fmt: skip
        if reveal:
            number = identity.decrypt_id(sealed, keys=encryption_keys)
        else:
            name = naming.mask_name(name, kind=SubjectKind(kind), style=mask_style)
            number = masked
        document = {
            "public_id": public_id,
            "notice": notice,
            "programme": programme,
            "status": status,
            "listed": in_force(
                status=status, term_start=term_start, term_end=term_end, today=today
            ),
            "term_start": term_start.isoformat(),
            "term_end": term_end.isoformat(),
            "subject": {
                "kind": kind,
                "name": name,
                "id_number": number,
                "id_number_masked": masked,
                "gender": gender,
                "region_code": region_code,
                "region_name": region_name,
            },
        }
        if len(row) >= full:
            reason, changed, offence, measures, updated = row[offset + 14 : full]
            document |= {
                "status_reason": reason,
                "status_changed_at": local_iso(changed, tz) if changed else None,
                "offence": offence,
                "measures": measures,
                "updated_at": local_iso(updated, tz),
            }
        documents.append(document)
    return documents


def local_iso(moment: datetime.datetime, tz: datetime.tzinfo) -> str:
    if moment.tzinfo is None:  # a raw SQLite row: stored in UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(tz).isoformat()


def raw_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """Rows as the database driver returns them, for the feed's hot path.

    Django's per-value converters cost a third of a 10,000-event page; the drivers
    already return dates and times as objects (naive UTC on SQLite, see `_local_iso`).
    """
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "postgresql":
        # Results in binary: Django reads PostgreSQL's text timestamps in Python, a tenth of
        # a page; psycopg's binary readers are compiled, and give the same aware datetimes.
        import psycopg  # the PostgreSQL driver: present only where it is used

        connection.ensure_connection()
        # (a server-binding cursor: Django's own bind on the client, which sends text only)
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
            raw.format = psycopg.pq.Format.BINARY
            raw.execute(sql, params)
            return raw.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

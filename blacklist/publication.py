"""Publication workflow services: the rules for when listings become and stop being public.

Each service checks the current state, changes it in one transaction with a
conditional update, writes the change feed in the same transaction, and does
nothing when repeated.
"""

import datetime
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.changes import changes_record
from blacklist.models import ChangeKind, Entry, EntryStatus, Notice, NoticeStatus

log = logging.getLogger(__name__)


def notice_approve(*, notice: Notice, by: AbstractBaseUser) -> Notice:
    """Second pair of eyes: the approver must not be the official who prepared it."""
    if notice.prepared_by_id == by.pk:
        raise ValidationError(_("A notice must be approved by another official than its preparer."))
    with transaction.atomic():
        changed = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.DRAFT).update(
            status=NoticeStatus.APPROVED, approved_by=by, updated_at=timezone.now()
        )
    notice.refresh_from_db()
    if not changed and notice.status == NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice can be approved."))
    return notice


def notice_schedule(*, notice: Notice, publish_at: datetime.datetime) -> Notice:
    with transaction.atomic():
        Notice.objects.filter(
            pk=notice.pk, status__in=[NoticeStatus.APPROVED, NoticeStatus.SCHEDULED]
        ).update(status=NoticeStatus.SCHEDULED, publish_at=publish_at, updated_at=timezone.now())
    notice.refresh_from_db()
    if notice.status != NoticeStatus.SCHEDULED:
        raise ValidationError(_("Only an approved notice can be scheduled."))
    return notice


def notice_publish(*, notice: Notice, published_at: datetime.datetime | None = None) -> Notice:
    """Make an approved or scheduled notice public and announce its entries on the feed.

    `published_at` may lie in the past for notices first published elsewhere
    (a bureau's press release) and entered here afterwards.
    """
    published_at = published_at or timezone.now()
    with transaction.atomic():
        changed = Notice.objects.filter(
            pk=notice.pk, status__in=[NoticeStatus.APPROVED, NoticeStatus.SCHEDULED]
        ).update(
            status=NoticeStatus.PUBLISHED, published_at=published_at, updated_at=timezone.now()
        )
        if changed:
            entry_ids = list(
                Entry.objects.filter(notice_id=notice.pk, status=EntryStatus.ACTIVE)
                .order_by("id")
                .values_list("id", flat=True)
            )
            changes_record(entry_ids=entry_ids, kind=ChangeKind.LISTED)
            log.info("notice %s published with %d entries", notice.pk, len(entry_ids))
    notice.refresh_from_db()
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only an approved or scheduled notice can be published."))
    return notice


def notices_publish_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Publish every scheduled notice whose time has come; returns their ids."""
    now = now or timezone.now()
    due = Notice.objects.filter(status=NoticeStatus.SCHEDULED, publish_at__lte=now)
    published = []
    for notice in due.order_by("publish_at", "id"):
        notice_publish(notice=notice, published_at=notice.publish_at)
        published.append(notice.pk)
    return published


def entries_expire_due(*, today: datetime.date | None = None, batch_size: int = 5000) -> int:
    """End every active listing whose term is over; returns how many ended.

    Works in batches so a large expiry does not hold the feed lock for long; each
    batch is one transaction and the conditional update makes a rerun harmless.
    """
    today = today or timezone.localdate()
    expired = 0
    while True:
        with transaction.atomic():
            # Rows another worker is already expiring are skipped, not waited for,
            # so two runs at once never both write the same event.
            ids = list(
                Entry.objects.select_for_update(skip_locked=True)
                .filter(status=EntryStatus.ACTIVE, term_end__lt=today)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return expired
            now = timezone.now()
            Entry.objects.filter(id__in=ids, status=EntryStatus.ACTIVE).update(
                status=EntryStatus.EXPIRED, status_changed_at=now, updated_at=now
            )
            # Only entries platforms have seen (published notices) go on the feed.
            announced = list(
                Entry.objects.filter(id__in=ids, notice__status=NoticeStatus.PUBLISHED)
                .order_by("id")
                .values_list("id", flat=True)
            )
            changes_record(entry_ids=announced, kind=ChangeKind.EXPIRED)
        expired += len(ids)
        log.info("expired %d entries whose term ended before %s", len(ids), today)


def entry_revoke(*, entry: Entry, reason: str, by: AbstractBaseUser | None = None) -> Entry:
    """Take an active entry off the list for good: an upheld objection or an official's ruling."""
    if not reason.strip():
        raise ValidationError(_("A revocation needs a reason."))
    with transaction.atomic():
        now = timezone.now()
        changed = Entry.objects.filter(pk=entry.pk, status=EntryStatus.ACTIVE).update(
            status=EntryStatus.REVOKED, status_reason=reason, status_changed_at=now, updated_at=now
        )
        if (
            changed
            and Notice.objects.filter(pk=entry.notice_id, status=NoticeStatus.PUBLISHED).exists()
        ):
            changes_record(entry_ids=[entry.pk], kind=ChangeKind.REVOKED, reason=reason)
        if changed:
            log.info("entry %s revoked", entry.pk)
    entry.refresh_from_db()
    return entry

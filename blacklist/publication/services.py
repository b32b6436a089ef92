"""Publication workflow services: the rules for when listings become and stop being public.

Each service checks the current state, changes it in one transaction with a
conditional update, writes the change feed, the webhook outbox and the admin log in
the same transaction, and does nothing when repeated. Follow-up work (snapshots,
webhook sending) is queued once the transaction has committed (blacklist.lib.queueing).
"""

import datetime
import logging
from collections.abc import Sequence

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.feed.changes import announced_only, changes_record
from blacklist.lib.queueing import queue_after_commit
from blacklist.models import (
    ChangeKind,
    Entry,
    EntryStatus,
    ImportRun,
    ImportStatus,
    Notice,
    NoticeStatus,
)
from blacklist.webhooks import services as webhooks

log = logging.getLogger(__name__)

# Scheduled work has no official behind it; the admin log names this account instead.
SCHEDULER_USERNAME = "scheduler"


def notice_draft_save(*, notice: Notice, by: AbstractBaseUser) -> Notice:
    """Create a draft notice, or edit one still in draft. Whoever creates it prepared it
    (and so may not approve it); once approved, its text is what the approver saw."""
    with transaction.atomic():
        if notice.pk is None:
            notice.prepared_by = by  # type: ignore[assignment]
        elif (
            Notice.objects.select_for_update().filter(pk=notice.pk).values_list("status", flat=True)
        ).first() != NoticeStatus.DRAFT:
            raise ValidationError(_("Only a draft notice can be edited."))
        notice.save()
    return notice


def notice_approve(*, notice: Notice, by: AbstractBaseUser) -> Notice:
    """Second pair of eyes: the approver put nothing on the notice, neither prepared it nor
    uploaded or committed any of its rows."""
    if notice.prepared_by_id == by.pk:
        raise ValidationError(_("A notice must be approved by another official than its preparer."))
    with transaction.atomic():
        # Locked as an import's commit locks it: a list committed meanwhile is either seen
        # here or refused by the commit, which finds the notice no longer a draft.
        Notice.objects.select_for_update().filter(pk=notice.pk).first()
        if notice_rows_imported_by(notice=notice, by=by):
            raise ValidationError(
                _("A notice must be approved by an official who imported none of its rows.")
            )
        changed = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.DRAFT).update(
            status=NoticeStatus.APPROVED, approved_by=by, updated_at=timezone.now()
        )
        if changed:
            audit_notice(notice, by=by, message="approved")
    notice.refresh_from_db()
    if not changed and notice.status == NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice can be approved."))
    return notice


def notice_rows_imported_by(*, notice: Notice, by: AbstractBaseUser) -> bool:
    """Whether the official uploaded or committed a list whose rows are on the notice."""
    return (
        ImportRun.objects.filter(
            notice_id=notice.pk, status__in=[ImportStatus.COMMITTING, ImportStatus.COMMITTED]
        )
        .filter(Q(uploaded_by_id=by.pk) | Q(committed_by_id=by.pk))
        .exists()
    )


def notice_schedule(
    *,
    notice: Notice,
    publish_at: datetime.datetime,
    by: AbstractBaseUser | None = None,
    now: datetime.datetime | None = None,
) -> Notice:
    """Publication at a set time, which must lie ahead: a time already past would publish at
    the next tick of the clock, unseen by whoever set it (`publish now` is for that)."""
    if publish_at <= (now or timezone.now()):
        raise ValidationError(_("Set a publication time in the future first."))
    with transaction.atomic():
        changed = Notice.objects.filter(
            pk=notice.pk, status__in=[NoticeStatus.APPROVED, NoticeStatus.SCHEDULED]
        ).update(status=NoticeStatus.SCHEDULED, publish_at=publish_at, updated_at=timezone.now())
        if changed:
            audit_notice(notice, by=by, message=f"scheduled for {publish_at.isoformat()}")
    notice.refresh_from_db()
    if notice.status != NoticeStatus.SCHEDULED:
        raise ValidationError(_("Only an approved notice can be scheduled."))
    return notice


def notice_return_to_draft(*, notice: Notice, by: AbstractBaseUser) -> Notice:
    """Stop an approved or scheduled notice before it goes out; it needs approval again."""
    with transaction.atomic():
        changed = Notice.objects.filter(
            pk=notice.pk, status__in=[NoticeStatus.APPROVED, NoticeStatus.SCHEDULED]
        ).update(
            status=NoticeStatus.DRAFT, approved_by=None, publish_at=None, updated_at=timezone.now()
        )
        if changed:
            audit_notice(notice, by=by, message="returned to draft")
    notice.refresh_from_db()
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Only an approved or scheduled notice can be returned to draft."))
    return notice


def notice_publish(
    *,
    notice: Notice,
    published_at: datetime.datetime | None = None,
    by: AbstractBaseUser | None = None,
) -> Notice:
    """Make an approved or scheduled notice public and announce its entries on the feed.

    `published_at` may lie in the past for notices first published elsewhere
    (a bureau's press release) and entered here afterwards.
    """
    _publish(notice, published_at=published_at or timezone.now(), by=by)
    notice.refresh_from_db()
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only an approved or scheduled notice can be published."))
    return notice


def notices_publish_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Publish every scheduled notice whose time has come; returns the ids this run published."""
    now = now or timezone.now()
    due = Notice.objects.filter(status=NoticeStatus.SCHEDULED, publish_at__lte=now)
    return [
        notice.pk
        for notice in due.order_by("publish_at", "id")
        # A notice another run (or an official) got to first is simply not counted here.
        # It is public from now, not from the planned time: a late run must not let
        # `as_of` checks answer that it was listed while nobody could see it.
        if _publish(notice, published_at=now, by=None)
    ]


def _publish(
    notice: Notice, *, published_at: datetime.datetime | None, by: AbstractBaseUser | None
) -> bool:
    with transaction.atomic():
        changed = Notice.objects.filter(
            pk=notice.pk, status__in=[NoticeStatus.APPROVED, NoticeStatus.SCHEDULED]
        ).update(
            status=NoticeStatus.PUBLISHED, published_at=published_at, updated_at=timezone.now()
        )
        if not changed:
            return False
        # The feed lists what is in force today; a term that begins later is listed when
        # it begins (`entries_start_due`), one already over is never listed. Locked, so
        # that an expiry or revocation running now either ends first (and the entry is not
        # announced) or waits and sees the notice published (and announces its end): never
        # a listing the feed does not end.
        entry_ids = list(
            Entry.objects.listed()
            .filter(notice_id=notice.pk)
            .select_for_update(of=("self",))
            .order_by("id")
            .values_list("id", flat=True)
        )
        changes = changes_record(entry_ids=entry_ids, kind=ChangeKind.LISTED)
        notice.refresh_from_db()
        webhooks.notice_published(notice=notice, changes=changes)
        audit_notice(notice, by=by, message=f"published with {len(entry_ids)} entries")
        _follow_up("publication")
    log.info("notice %s published with %d entries", notice.pk, len(entry_ids))
    return True


def notice_withdrawal_request(*, notice: Notice, reason: str, by: AbstractBaseUser) -> Notice:
    """Ask for a published notice to be taken back. Nothing leaves the list until another
    official confirms it (`notice_withdrawal_confirm`); the one who asked may cancel it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("A withdrawal needs a reason."))
    with transaction.atomic():
        now = timezone.now()
        changed = Notice.objects.filter(
            pk=notice.pk, status=NoticeStatus.PUBLISHED, withdrawal_requested_by__isnull=True
        ).update(
            withdrawal_requested_by=by,
            withdrawal_requested_at=now,
            withdrawal_reason=reason,
            updated_at=now,
        )
        if changed:
            audit_notice(notice, by=by, message=f"withdrawal asked for: {reason}")
    notice.refresh_from_db()
    if changed or (notice.withdrawal_requested_by_id, notice.withdrawal_reason) == (by.pk, reason):
        return notice  # asked for now, or the same request repeated
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only a published notice can be withdrawn."))
    raise ValidationError(_("A withdrawal of this notice already awaits confirmation."))


def notice_withdrawal_cancel(*, notice: Notice, by: AbstractBaseUser) -> Notice:
    """Drop a withdrawal asked for: cancelled by the official who asked, or declined by another."""
    with transaction.atomic():
        changed = Notice.objects.filter(
            pk=notice.pk, status=NoticeStatus.PUBLISHED, withdrawal_requested_by__isnull=False
        ).update(
            withdrawal_requested_by=None,
            withdrawal_requested_at=None,
            withdrawal_reason="",
            updated_at=timezone.now(),
        )
        if changed:
            audit_notice(notice, by=by, message="withdrawal request cancelled")
    notice.refresh_from_db()
    if not changed:
        raise ValidationError(_("No withdrawal of this notice awaits confirmation."))
    return notice


def notice_withdrawal_confirm(*, notice: Notice, by: AbstractBaseUser) -> Notice:
    """The second official's confirmation: all of the notice's entries leave public view at
    once, with the reason given when the withdrawal was asked for. Repeated, it does nothing."""
    with transaction.atomic():
        now = timezone.now()
        changed = (
            Notice.objects.filter(
                pk=notice.pk, status=NoticeStatus.PUBLISHED, withdrawal_requested_by__isnull=False
            )
            .exclude(withdrawal_requested_by_id=by.pk)
            .update(
                status=NoticeStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by=by, updated_at=now
            )
        )
        if changed:
            notice.refresh_from_db()
            _withdraw_entries(notice, reason=notice.withdrawal_reason, now=now, by=by)
    notice.refresh_from_db()
    if changed or notice.status == NoticeStatus.WITHDRAWN:
        return notice
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only a published notice can be withdrawn."))
    if notice.withdrawal_requested_by_id is None:
        raise ValidationError(_("No withdrawal of this notice awaits confirmation."))
    raise ValidationError(
        _("A withdrawal must be confirmed by another official than the one who asked for it.")
    )


def _withdraw_entries(
    notice: Notice, *, reason: str, now: datetime.datetime, by: AbstractBaseUser
) -> None:
    """In the withdrawing transaction: end the active entries, with feed, outbox and log."""
    entry_ids = list(
        Entry.objects.select_for_update()
        .filter(notice_id=notice.pk, status=EntryStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    Entry.objects.filter(id__in=entry_ids, status=EntryStatus.ACTIVE).update(
        status=EntryStatus.WITHDRAWN, status_reason=reason, status_changed_at=now, updated_at=now
    )
    changes = changes_record(
        entry_ids=announced_only(entry_ids), kind=ChangeKind.WITHDRAWN, reason=reason
    )
    webhooks.notice_withdrawn(notice=notice, reason=reason, changes=changes)
    audit_notice(notice, by=by, message=f"withdrawn: {reason}")
    _follow_up("withdrawal")
    log.info("notice %s withdrawn with %d entries", notice.pk, len(entry_ids))


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
            # Only entries the feed has listed are ended on it.
            announced = announced_only(ids)
            changes = changes_record(entry_ids=announced, kind=ChangeKind.EXPIRED)
            webhooks.entries_expired(entry_ids=announced, changes=changes)
            _audit_entries(ids, by=None, message=f"expired: term ended before {today}")
            if announced:
                _follow_up("expiry")
        expired += len(ids)
        log.info("expired %d entries whose term ended before %s", len(ids), today)


def entries_start_due(*, today: datetime.date | None = None, batch_size: int = 5000) -> int:
    """List on the feed every entry whose term has begun since its notice was published;
    returns how many. Batched and conditional like `entries_expire_due`."""
    today = today or timezone.localdate()
    started = 0
    while True:
        with transaction.atomic():
            ids = list(
                Entry.objects.listed(today=today)
                .filter(announced=False)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return started
            changes = changes_record(entry_ids=ids, kind=ChangeKind.LISTED)
            webhooks.entries_listed(entry_ids=ids, changes=changes)
            _audit_entries(ids, by=None, message=f"listed: term began by {today}")
            _follow_up("term start")
        started += len(ids)
        log.info("listed %d entries whose term began by %s", len(ids), today)


def entry_revocation_request(*, entry: Entry, reason: str, by: AbstractBaseUser) -> Entry:
    """Ask for an active entry to be revoked. It stays listed until another official confirms
    it (`entry_revocation_confirm`); the one who asked, or another, may cancel it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("A revocation needs a reason."))
    with transaction.atomic():
        now = timezone.now()
        changed = Entry.objects.filter(
            pk=entry.pk, status=EntryStatus.ACTIVE, revocation_requested_by__isnull=True
        ).update(
            revocation_requested_by=by,
            revocation_requested_at=now,
            revocation_reason=reason,
            updated_at=now,
        )
        if changed:
            _audit_entries([entry.pk], by=by, message=f"revocation asked for: {reason}")
    entry.refresh_from_db()
    if changed or (entry.revocation_requested_by_id, entry.revocation_reason) == (by.pk, reason):
        return entry  # asked for now, or the same request repeated
    if entry.status != EntryStatus.ACTIVE:
        raise ValidationError(_("Only an active entry can be revoked."))
    raise ValidationError(_("A revocation of this entry already awaits confirmation."))


def entry_revocation_cancel(*, entry: Entry, by: AbstractBaseUser) -> Entry:
    """Drop a revocation asked for: cancelled by the official who asked, or declined by another."""
    with transaction.atomic():
        changed = Entry.objects.filter(
            pk=entry.pk, status=EntryStatus.ACTIVE, revocation_requested_by__isnull=False
        ).update(
            revocation_requested_by=None,
            revocation_requested_at=None,
            revocation_reason="",
            updated_at=timezone.now(),
        )
        if changed:
            _audit_entries([entry.pk], by=by, message="revocation request cancelled")
    entry.refresh_from_db()
    if not changed:
        raise ValidationError(_("No revocation of this entry awaits confirmation."))
    return entry


def entry_revocation_confirm(*, entry: Entry, by: AbstractBaseUser) -> Entry:
    """The second official's confirmation: the entry is revoked with the reason given when
    the revocation was asked for. Repeated, it does nothing."""
    with transaction.atomic():
        # Claims the request (never by the official who asked) and locks the row until the
        # revocation below commits with it: two confirmations at once revoke once.
        claimed = (
            Entry.objects.filter(
                pk=entry.pk, status=EntryStatus.ACTIVE, revocation_requested_by__isnull=False
            )
            .exclude(revocation_requested_by_id=by.pk)
            .update(revoked_by=by)
        )
        if claimed:
            entry.refresh_from_db()
            _entry_revoke(entry, reason=entry.revocation_reason, by=by)
    entry.refresh_from_db()
    if claimed or entry.status == EntryStatus.REVOKED:
        return entry
    if entry.status != EntryStatus.ACTIVE:
        raise ValidationError(_("Only an active entry can be revoked."))
    if entry.revocation_requested_by_id is None:
        raise ValidationError(_("No revocation of this entry awaits confirmation."))
    raise ValidationError(
        _("A revocation must be confirmed by another official than the one who asked for it.")
    )


def _entry_revoke(entry: Entry, *, reason: str, by: AbstractBaseUser) -> Entry:
    """Take an active entry off the list for good, with feed, outbox and log. The one
    revocation: only for callers that already had a second official confirm it (the
    revocation confirmed above, or an upheld objection)."""
    if not reason.strip():
        raise ValidationError(_("A revocation needs a reason."))
    with transaction.atomic():
        now = timezone.now()
        changed = Entry.objects.filter(pk=entry.pk, status=EntryStatus.ACTIVE).update(
            status=EntryStatus.REVOKED, status_reason=reason, status_changed_at=now, updated_at=now
        )
        if changed:
            _audit_entries([entry.pk], by=by, message=f"revoked: {reason}")
        if changed and announced_only([entry.pk]):
            changes = changes_record(entry_ids=[entry.pk], kind=ChangeKind.REVOKED, reason=reason)
            entry.refresh_from_db()
            webhooks.entry_revoked(entry=entry, reason=reason, changes=changes)
            _follow_up("revocation")
        if changed:
            log.info("entry %s revoked", entry.pk)
    entry.refresh_from_db()
    return entry


def scheduler_account() -> AbstractBaseUser:
    """The account the admin log names for scheduled work; it cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SCHEDULER_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def audit_notice(notice: Notice, *, by: AbstractBaseUser | None, message: str) -> None:
    """One admin log line for a step of the notice's workflow, naming who took it."""
    actor = by or scheduler_account()
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(Notice),
        object_id=str(notice.pk),
        object_repr=str(notice)[:200],
        action_flag=CHANGE,
        change_message=message,
    )


def _audit_entries(entry_ids: Sequence[int], *, by: AbstractBaseUser | None, message: str) -> None:
    """One admin log line per entry, named by its public id (no names or ID numbers)."""
    actor = by or scheduler_account()
    content_type = ContentType.objects.get_for_model(Entry)
    public_ids = dict(Entry.objects.filter(id__in=entry_ids).values_list("id", "public_id"))
    LogEntry.objects.bulk_create(
        (
            LogEntry(
                user_id=actor.pk,
                content_type=content_type,
                object_id=str(entry_id),
                object_repr=public_ids.get(entry_id, ""),
                action_flag=CHANGE,
                change_message=message,
            )
            for entry_id in entry_ids
        ),
        batch_size=1000,
    )


def _follow_up(reason: str) -> None:
    """After commit: rebuild the snapshots, send the webhooks and tell monitoring platforms
    of their customers (`monitor.hit`, read from the feed) without waiting for the clock."""
    queue_after_commit("blacklist.tasks.rebuild_snapshots", reason=reason)
    queue_after_commit("blacklist.tasks.deliver_due_webhooks")
    queue_after_commit("blacklist.tasks.collect_monitor_hits")

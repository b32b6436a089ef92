"""Objection services: filing, review and decision, and the documents people attach.

Upholding revokes the entry, so it takes two officials: one asks for it with the reason,
another confirms, and only then is the entry revoked. Rejecting changes nothing on the list
and takes one.

Attachments are likely scans of ID cards: they are sealed at rest like uploaded list files,
read back only through `attachment_stream`, and deleted a set time after the decision.
"""

import datetime
import logging
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.lib.sealing import MAGIC, SealedReader, SealedWriter
from blacklist.models import Entry, Objection, ObjectionStatus
from blacklist.publication import services as publication

log = logging.getLogger(__name__)

OPEN = (ObjectionStatus.RECEIVED, ObjectionStatus.UNDER_REVIEW)
DECIDED = (ObjectionStatus.UPHELD, ObjectionStatus.REJECTED)
SEALED_SUFFIX = ".sealed"
ATTACHMENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}
ATTACHMENT_TYPES[".jpeg"] = ATTACHMENT_TYPES[".jpg"]


def objection_file(
    *, entry: Entry, name: str, contact: str, reason: str, attachment: UploadedFile | None = None
) -> Objection:
    objection = Objection(
        entry=entry, name=name.strip(), contact=contact.strip(), reason=reason.strip()
    )
    if attachment:
        _attachment_store(objection, upload=attachment)
    objection.save()
    return objection


def _attachment_store(objection: Objection, *, upload: UploadedFile) -> None:
    """Seal the upload into the objection's storage under a random name that keeps only the
    type: the person's own file name may hold their name or ID number."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ATTACHMENT_TYPES:  # the form checks name and content; this is the backstop
        raise ValidationError(_("Only PDF, JPEG or PNG files are accepted."))
    with tempfile.TemporaryFile() as sealed:
        writer = SealedWriter(sealed, keys=settings.FIELD_ENCRYPTION_KEYS)
        for chunk in upload.chunks():
            writer.write(chunk)
        writer.close()
        sealed.seek(0)
        name = f"{secrets.token_hex(8)}{suffix}{SEALED_SUFFIX}"
        objection.attachment.save(name, File(sealed), save=False)


def attachment_stream(*, objection: Objection) -> SealedReader | File | None:
    """The attached document's plain bytes, opened through the storage; None when there is
    none (never attached, or deleted after the retention period). The caller closes it."""
    if not objection.attachment:
        return None
    file = objection.attachment.storage.open(objection.attachment.name, "rb")
    if file.read(len(MAGIC)) == MAGIC:
        file.seek(0)
        return SealedReader(file, keys=settings.FIELD_ENCRYPTION_KEYS)
    file.seek(0)  # stored before attachments were sealed
    return file


def attachment_download_name(objection: Objection) -> str:
    """The name a reviewer's download gets: the reference and the type, nothing of the person."""
    return f"objection-{objection.reference}{attachment_suffix(objection)}"


def attachment_suffix(objection: Objection) -> str:
    name = objection.attachment.name.removesuffix(SEALED_SUFFIX)
    suffix = Path(name).suffix.lower()
    return suffix if suffix in ATTACHMENT_TYPES else ""


def objection_attachments_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the attachments of objections decided more than the retention period ago;
    returns how many. The objection and its decision stay."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.OBJECTION_ATTACHMENT_RETENTION_DAYS
    )
    old = Objection.objects.filter(status__in=DECIDED, decided_at__lt=cutoff).exclude(attachment="")
    purged = 0
    for objection in old.iterator():
        name = objection.attachment.name
        # Only the run that still names the file deletes it: a rerun finds nothing to do.
        if Objection.objects.filter(pk=objection.pk, attachment=name).update(attachment=""):
            objection.attachment.storage.delete(name)
            purged += 1
    if purged:
        log.info("deleted the attachments of %d decided objections past retention", purged)
    return purged


def objection_start_review(*, objection: Objection, by: AbstractBaseUser) -> Objection:
    Objection.objects.filter(pk=objection.pk, status=ObjectionStatus.RECEIVED).update(
        status=ObjectionStatus.UNDER_REVIEW, updated_at=timezone.now()
    )
    objection.refresh_from_db()
    return objection


def objection_reject(*, objection: Objection, reason: str, by: AbstractBaseUser) -> Objection:
    """The entry stays listed. Refused while upholding awaits confirmation: that request is
    cancelled (or declined) first, so no official's request is overruled unseen."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("A decision needs a reason."))
    now = timezone.now()
    changed = Objection.objects.filter(
        pk=objection.pk, status__in=OPEN, uphold_requested_by__isnull=True
    ).update(
        status=ObjectionStatus.REJECTED,
        decision_reason=reason,
        decided_by=by,
        decided_at=now,
        updated_at=now,
    )
    objection.refresh_from_db()
    if changed or objection.status == ObjectionStatus.REJECTED:
        return objection
    if objection.status in OPEN:
        raise ValidationError(
            _("Upholding this objection awaits confirmation: cancel that request first.")
        )
    raise ValidationError(_("This objection has already been decided."))


def objection_uphold_request(
    *, objection: Objection, reason: str, by: AbstractBaseUser
) -> Objection:
    """Ask for the objection to be upheld. The entry stays listed until another official
    confirms (`objection_uphold_confirm`); the one who asked may cancel."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("A decision needs a reason."))
    now = timezone.now()
    changed = Objection.objects.filter(
        pk=objection.pk, status__in=OPEN, uphold_requested_by__isnull=True
    ).update(
        status=ObjectionStatus.UNDER_REVIEW,
        uphold_requested_by=by,
        uphold_requested_at=now,
        uphold_reason=reason,
        updated_at=now,
    )
    objection.refresh_from_db()
    if changed or (objection.uphold_requested_by_id, objection.uphold_reason) == (by.pk, reason):
        return objection  # asked for now, or the same request repeated
    if objection.status in OPEN:
        raise ValidationError(_("Upholding this objection already awaits confirmation."))
    raise ValidationError(_("This objection has already been decided."))


def objection_uphold_cancel(*, objection: Objection, by: AbstractBaseUser) -> Objection:
    """Drop a request to uphold: cancelled by the official who asked, or declined by another.
    The objection stays under review."""
    changed = Objection.objects.filter(
        pk=objection.pk, status__in=OPEN, uphold_requested_by__isnull=False
    ).update(
        uphold_requested_by=None,
        uphold_requested_at=None,
        uphold_reason="",
        updated_at=timezone.now(),
    )
    objection.refresh_from_db()
    if not changed:
        raise ValidationError(_("Upholding this objection does not await confirmation."))
    return objection


def objection_uphold_confirm(*, objection: Objection, by: AbstractBaseUser) -> Objection:
    """The second official's confirmation: the objection is upheld and its entry revoked in
    one transaction, with the reason given when it was asked for. Repeated, it does nothing."""
    with transaction.atomic():
        now = timezone.now()
        changed = (
            Objection.objects.filter(
                pk=objection.pk, status__in=OPEN, uphold_requested_by__isnull=False
            )
            .exclude(uphold_requested_by_id=by.pk)
            .update(
                status=ObjectionStatus.UPHELD,
                decision_reason=F("uphold_reason"),
                decided_by=by,
                decided_at=now,
                updated_at=now,
            )
        )
        if changed:
            objection.refresh_from_db()
            # The objection had its two officials: the one who asked to uphold, and `by`.
            publication._entry_revoke(
                objection.entry,
                reason=_("Objection upheld: %(reason)s") % {"reason": objection.decision_reason},
                by=by,
            )
    objection.refresh_from_db()
    if changed or objection.status == ObjectionStatus.UPHELD:
        return objection
    if objection.status not in OPEN:
        raise ValidationError(_("This objection has already been decided."))
    if objection.uphold_requested_by_id is None:
        raise ValidationError(_("Upholding this objection does not await confirmation."))
    raise ValidationError(
        _("Upholding must be confirmed by another official than the one who asked for it.")
    )

"""Objection services: filing, review and decision. Upholding revokes the entry."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist import publication
from blacklist.models import Entry, Objection, ObjectionStatus

OPEN = (ObjectionStatus.RECEIVED, ObjectionStatus.UNDER_REVIEW)


def objection_file(
    *, entry: Entry, name: str, contact: str, reason: str, attachment: UploadedFile | None = None
) -> Objection:
    objection = Objection(
        entry=entry, name=name.strip(), contact=contact.strip(), reason=reason.strip()
    )
    if attachment:
        objection.attachment.save(attachment.name or "attachment", attachment, save=False)
    objection.save()
    return objection


def objection_start_review(*, objection: Objection, by: AbstractBaseUser) -> Objection:
    Objection.objects.filter(pk=objection.pk, status=ObjectionStatus.RECEIVED).update(
        status=ObjectionStatus.UNDER_REVIEW, updated_at=timezone.now()
    )
    objection.refresh_from_db()
    return objection


def objection_decide(
    *, objection: Objection, uphold: bool, reason: str, by: AbstractBaseUser
) -> Objection:
    """Upheld: the entry is revoked in the same transaction. Deciding twice changes nothing."""
    if not reason.strip():
        raise ValidationError(_("A decision needs a reason."))
    status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.REJECTED
    with transaction.atomic():
        now = timezone.now()
        changed = Objection.objects.filter(pk=objection.pk, status__in=OPEN).update(
            status=status,
            decision_reason=reason.strip(),
            decided_by=by,
            decided_at=now,
            updated_at=now,
        )
        if changed and uphold:
            publication.entry_revoke(
                entry=objection.entry,
                reason=_("Objection upheld: %(reason)s") % {"reason": reason.strip()},
                by=by,
            )
    objection.refresh_from_db()
    if not changed and objection.status != status:
        raise ValidationError(_("This objection has already been decided."))
    return objection

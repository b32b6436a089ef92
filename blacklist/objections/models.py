"""異議申訴: a person's objection to an entry, filed from its public page."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # nothing that reads as another character


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))
    return "-".join(body[i : i + 4] for i in range(0, 12, 4))


class ObjectionStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    UNDER_REVIEW = "under_review", _("under review")
    UPHELD = "upheld", _("upheld: the entry was revoked")
    REJECTED = "rejected", _("rejected")


class Objection(models.Model):
    reference = models.CharField(
        _("reference"), max_length=14, unique=True, default=new_reference, editable=False
    )
    entry = models.ForeignKey(
        "blacklist.Entry",
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("entry"),
    )
    name = models.CharField(_("name of the person objecting"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200)
    reason = models.TextField(_("reason"))
    attachment = models.FileField(_("attachment"), upload_to="objections/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus, default=ObjectionStatus.RECEIVED
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    # Upholding revokes the entry, so it takes two officials: one asks (with the reason),
    # another confirms. Until then the objection stays open and the entry listed.
    uphold_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("upholding asked for by"),
    )
    uphold_requested_at = models.DateTimeField(_("upholding asked for at"), null=True, blank=True)
    uphold_reason = models.TextField(_("reason given for upholding"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="objection_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["upheld", "rejected"])
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="objection_decision_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("uphold_requested_by")),
                name="objection_uphold_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

"""The change feed: an append-only, gap-free sequence of what happened to entries."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    LISTED = "listed", _("listed")
    UPDATED = "updated", _("updated")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ChangeCounter(models.Model):
    """The last sequence number handed out.

    Writers lock this row for the rest of their transaction, so numbers are
    handed out without gaps (a rollback returns them) and in commit order.
    """

    name = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("change counter")
        verbose_name_plural = _("change counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ChangeEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence"), primary_key=True)
    entry = models.ForeignKey(
        "blacklist.Entry",
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("entry"),
        db_index=False,  # led by the (entry, seq) index
    )
    kind = models.CharField(_("change"), max_length=20, choices=ChangeKind)
    reason = models.TextField(_("reason"), blank=True)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=1), name="change_seq_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="change_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["entry", "seq"], name="change_entry_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

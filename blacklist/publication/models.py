"""The monthly digest (月度公示) that republishes the state of the list."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Digest(models.Model):
    """月度公示: the monthly summary that republishes the state of the list."""

    month = models.DateField(_("month"), unique=True, help_text=_("the first day of the month"))
    currently_listed = models.PositiveIntegerField(_("currently listed"))
    newly_listed = models.PositiveIntegerField(_("newly listed"))
    expired = models.PositiveIntegerField(_("expired"))
    revoked = models.PositiveIntegerField(_("revoked"))
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    by_programme = models.JSONField(_("by programme"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly digest")
        verbose_name_plural = _("monthly digests")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="digest_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

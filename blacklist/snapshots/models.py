"""Snapshots: the published list written out as files, per audience and format."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SnapshotFormat(models.TextChoices):
    CSV = "csv", _("CSV (opens in Excel)")
    JSON = "json", _("JSON")
    FTM = "ftm", _("FollowTheMoney entities (JSON lines)")


class SnapshotAudience(models.TextChoices):
    """Citizens get the public entries, masked; credit platforms get every listed entry,
    masked unless they hold the identity scope, which gets full ID numbers."""

    PUBLIC = "public", _("public (masked)")
    PLATFORM = "platform", _("credit platforms (masked)")
    IDENTITY = "identity", _("credit platforms (full ID numbers)")


class SnapshotState(models.TextChoices):
    BUILDING = "building", _("being written")
    READY = "ready", _("ready")


class Snapshot(models.Model):
    """One file of the list as it stood at `taken_at`, with its checksum.

    A build first claims a row per format and audience in the `building` state (at most
    one at a time, by the constraint below) and turns it `ready` once its file is in place.
    """

    format = models.CharField(_("format"), max_length=10, choices=SnapshotFormat)
    audience = models.CharField(_("audience"), max_length=10, choices=SnapshotAudience)
    file = models.FileField(_("file"), upload_to="snapshots/", max_length=300)
    encrypted = models.BooleanField(
        _("encrypted at rest"), default=False, help_text=_("files with full ID numbers are")
    )
    sha256 = models.CharField(_("SHA-256 of the file as downloaded"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes as downloaded"))
    count = models.PositiveIntegerField(_("entries"))
    last_seq = models.PositiveBigIntegerField(
        _("last change event"),
        help_text=_("the change feed from here on continues this snapshot"),
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    # Programmes and authorities change without change events (a programme hidden from the
    # public, a name mask): a file written under other settings is out of date.
    rules = models.CharField(_("settings fingerprint"), max_length=64, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=SnapshotState, default=SnapshotState.BUILDING
    )

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(fields=["audience", "format", "-taken_at"], name="snapshot_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=SnapshotFormat.values), name="snapshot_format_known"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=SnapshotAudience.values), name="snapshot_audience_known"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SnapshotState.values), name="snapshot_state_known"
            ),
            models.UniqueConstraint(
                fields=["format", "audience"],
                condition=Q(state="building"),
                name="snapshot_one_build_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.taken_at:%Y-%m-%d %H:%M}"

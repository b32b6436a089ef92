"""What the portal re-issues from the published list: snapshots, webhooks and monthly digests."""

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


class WebhookEvent(models.TextChoices):
    NOTICE_PUBLISHED = "notice.published", _("notice published")
    NOTICE_WITHDRAWN = "notice.withdrawn", _("notice withdrawn")
    ENTRIES_LISTED = "entries.listed", _("entries listed when their term began")
    ENTRIES_EXPIRED = "entries.expired", _("entries expired")
    ENTRY_REVOKED = "entry.revoked", _("entry revoked")


class Subscription(models.Model):
    """A credit platform's webhook: where to send which events, and the secret that signs them."""

    client = models.ForeignKey(
        "blacklist.ApiClient",
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("API client"),
    )
    url = models.URLField(_("URL"), max_length=500)
    # The secret must be read back to sign, so it is kept encrypted, not hashed.
    secret_encrypted = models.TextField(editable=False)
    events = models.CharField(
        _("events"),
        max_length=200,
        help_text=_("comma-separated; empty means every event"),
        blank=True,
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["client", "url"]

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("given up")


class Delivery(models.Model):
    """One event for one subscription, written in the transaction of the change it reports."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent)
    event_id = models.CharField(_("event id"), max_length=40, unique=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription.url}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: the delivery log officials read in the admin."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("time"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error[:40]}"


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

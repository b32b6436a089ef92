"""Webhooks: what platforms subscribe to, and each delivery with its attempts."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    NOTICE_PUBLISHED = "notice.published", _("notice published")
    NOTICE_WITHDRAWN = "notice.withdrawn", _("notice withdrawn")
    ENTRIES_LISTED = "entries.listed", _("entries listed when their term began")
    ENTRIES_EXPIRED = "entries.expired", _("entries expired")
    ENTRY_REVOKED = "entry.revoked", _("entry revoked")
    MONITOR_HIT = "monitor.hit", _("a monitored customer listed or off the list")


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

"""The screening guard's records: guesses counted per day, alerts for officials, quotas."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertChannel(models.TextChoices):
    API = "api", _("API (a credit platform)")
    SEARCH = "search", _("public search (a visitor's address)")


class ProbeFamily(models.TextChoices):
    """What the guesses had in common."""

    ID_MASK = "id_mask", _("ID numbers that differ only in the birth date")
    ID_NAMES = "id_names", _("names tried against one ID number")
    NAME_PATTERN = "name_pattern", _("names that differ in one character")
    ID_SEARCHES = "id_searches", _("ID number searches over the daily cap")


class EnumerationAlert(models.Model):
    """Guesses around one masked identity from one client or address (or from everyone)
    in one day, over the limit. Only masked forms are kept: never the guesses themselves."""

    channel = models.CharField(_("channel"), max_length=10, choices=AlertChannel)
    # who was counted: "client:<id>", "address:<address>" or "everyone" (the unique key)
    actor = models.CharField(_("counted for"), max_length=80)
    client = models.ForeignKey(
        "blacklist.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("API client"),
    )
    # IPv4 address or IPv6 /64 network; empty when counted across every client or address
    address = models.CharField(_("address"), max_length=64, blank=True)
    family = models.CharField(_("pattern"), max_length=20, choices=ProbeFamily)
    pattern = models.CharField(_("shared part (masked)"), max_length=64)
    day = models.DateField(_("day"))
    guesses = models.PositiveIntegerField(_("distinct guesses"), default=0)
    refused = models.PositiveIntegerField(_("requests refused"), default=0)
    first_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_at = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enumeration alert")
        verbose_name_plural = _("enumeration alerts")
        ordering = ["-last_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "actor", "family", "pattern", "day"],
                name="enumeration_alert_once_a_day",
            )
        ]

    def __str__(self) -> str:
        who = self.client or self.address or _("everyone")
        return f"{self.get_channel_display()} {who} {self.pattern} {self.day}"


class Guess(models.Model):
    """One distinct guess of a day, counted for the actor (see blacklist.guard.services)."""

    day = models.DateField()
    actor = models.CharField(max_length=80)
    family = models.CharField(max_length=20, choices=ProbeFamily)
    pattern = models.CharField(max_length=64)
    # keyed hash of the whole guess (an ID number or a folded name), never the guess
    guess = models.CharField(max_length=64)

    class Meta:
        constraints = [
            # The pattern leads: a request counts the guesses of a few patterns, and the
            # query planner reaches them through the index even before it has statistics
            # of a table that fills from empty every day.
            models.UniqueConstraint(
                fields=["pattern", "day", "actor", "family", "guess"], name="guess_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.actor} {self.family} {self.pattern}"


class ClientDailyUsage(models.Model):
    """Subjects an API client checked or looked up in one day, against its quota."""

    client = models.ForeignKey(
        "blacklist.ApiClient", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    subjects = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="client_usage_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.day} {self.subjects}"

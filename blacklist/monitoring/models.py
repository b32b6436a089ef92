"""Monitors: which customers of a platform it wants to hear about, by its own reference."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blacklist.platforms.models import ApiClient
from blacklist.registry.models import SUBJECT_KINDS


class Monitor(models.Model):
    """One customer of a credit platform, watched for listings.

    The portal keeps only the platform's reference and the keyed hash of the ID number (the
    same hash as `Subject.id_hmac`, which hits join on): never the number, not even sealed.
    """

    client = models.ForeignKey(
        "blacklist.ApiClient",
        on_delete=models.CASCADE,
        related_name="monitors",
        verbose_name=_("API client"),
        db_index=False,  # led by the (client, ref) constraint
    )
    ref = models.CharField(_("platform's reference"), max_length=100)
    id_hmac = models.CharField(max_length=64, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=SUBJECT_KINDS)
    # The last change event before the customer was registered (or registered under another
    # ID number): the registration's answer covered those, hits start after it.
    since_seq = models.PositiveBigIntegerField(_("hits after sequence"), editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("monitor")
        verbose_name_plural = _("monitors")
        ordering = ["client", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["client", "ref"], name="monitor_ref_once"),
            models.CheckConstraint(
                condition=Q(kind__in=[kind for kind, _label in SUBJECT_KINDS]),
                name="monitor_kind_known",
            ),
        ]
        # Hits join change events' subjects to monitors on the hash.
        indexes = [models.Index(fields=["id_hmac"], name="monitor_id_hmac")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.ref}"


class HitCursor(models.Model):
    """How far the change feed has been read for monitors' hits: the last sequence number
    whose hits are written. Registrations and the collector lock this row, so that no
    customer registered while the feed is read can miss an event."""

    name = models.CharField(max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("monitor hits cursor")
        verbose_name_plural = _("monitor hits cursors")

    def __str__(self) -> str:
        return f"{self.name}={self.seq}"


class MonitoredClient(ApiClient):
    """An API client seen from monitoring: the admin's read-only counts per client."""

    class Meta:
        proxy = True
        verbose_name = _("monitors of a client")
        verbose_name_plural = _("monitors per client")

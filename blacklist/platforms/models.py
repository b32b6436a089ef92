"""Credit platforms: their API clients and keys, and the audit log of what they asked."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

# Subjects a new API client may check or look up per day, unless set otherwise.
DEFAULT_DAILY_SUBJECT_QUOTA = 200_000


class ApiScope(models.TextChoices):
    LOOKUP = "lookup", _("lookup: programmes, notices, entries and checks")
    FEED = "feed", _("feed: the change feed and the exports")
    IDENTITY = "identity", _("identity: full ID numbers and names")


class CheckPurpose(models.TextChoices):
    """Why a platform screens someone: declared with every check and kept in the audit log."""

    ACCOUNT_OPENING = "account_opening", _("account opening")
    CREDIT_REVIEW = "credit_review", _("credit review")
    ONGOING_MONITORING = "ongoing_monitoring", _("ongoing monitoring")
    TRANSACTION_REVIEW = "transaction_review", _("transaction review")
    FRAUD_INVESTIGATION = "fraud_investigation", _("fraud investigation")


def validate_scopes(value: str) -> None:
    unknown = sorted(set(scopes_of(value)) - set(ApiScope.values))
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(scopes)s"), params={"scopes": ", ".join(unknown)}
        )


def scopes_of(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ApiClient(models.Model):
    """One credit platform (a bank, payment institution or credit bureau)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    scopes = models.CharField(
        _("scopes"),
        max_length=100,
        validators=[validate_scopes],
        help_text=_("comma-separated: lookup, feed, identity"),
    )
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    daily_subject_quota = models.PositiveIntegerField(
        _("subjects per day"),
        default=DEFAULT_DAILY_SUBJECT_QUOTA,
        help_text=_("how many subjects the client may check or look up per day (Asia/Shanghai)"),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("a disabled client's keys are refused at once")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_per_minute__gte=1), name="api_client_rate_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(daily_subject_quota__gte=1), name="api_client_quota_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as request.user.
    is_authenticated = True
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        return scope in scopes_of(self.scopes)


class ApiKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet["ApiKey"]:
        # A disabled client's keys stop working on the next request: nothing is cached.
        return super().get_usable_keys().filter(client__active=True).select_related("client")


class ApiKey(AbstractAPIKey):
    """A key of a client: only its hash is stored; the key itself is shown once."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("client")
    )

    objects = ApiKeyManager()  # type: ignore[assignment,misc]

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")  # type: ignore[assignment]
        verbose_name_plural = _("API keys")  # type: ignore[assignment]


class QueryLog(models.Model):
    """One API request of a platform. Identifiers are kept only as keyed HMACs."""

    client = models.ForeignKey(
        ApiClient,
        on_delete=models.PROTECT,
        related_name="queries",
        verbose_name=_("client"),
        db_index=False,  # led by the (client, at) index
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    endpoint = models.CharField(_("endpoint"), max_length=60)
    method = models.CharField(_("method"), max_length=8)
    status_code = models.PositiveSmallIntegerField(_("status"))
    purpose = models.CharField(_("purpose"), max_length=40, blank=True, choices=CheckPurpose)
    subjects = models.PositiveIntegerField(_("subjects asked"), default=0)
    hits = models.PositiveIntegerField(_("hits"), default=0)
    identifiers = models.JSONField(
        _("identifiers (keyed HMACs)"), default=list, blank=True, editable=False
    )
    # A check's receipt (blacklist.platforms.receipts), so that officials can look the check
    # up by its id: metadata and the results' hash, never the subjects' hash.
    check_id = models.UUIDField(_("check id"), null=True, blank=True, unique=True, editable=False)
    receipt = models.JSONField(_("receipt"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API query")
        verbose_name_plural = _("API query log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "at"], name="querylog_client_at")]

    def __str__(self) -> str:
        return f"{self.client} {self.method} {self.endpoint} {self.at:%Y-%m-%d %H:%M:%S}"

"""One uploaded list file and what became of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    VALIDATING = "validating", _("validating")
    VALIDATED = "validated", _("ready to commit")
    INVALID = "invalid", _("has errors")
    REFUSED = "refused", _("file refused")
    COMMITTING = "committing", _("committing")
    COMMITTED = "committed", _("committed")
    FAILED = "failed", _("failed")
    REMOVED = "removed", _("rows removed from the draft")


class NameChoice(models.TextChoices):
    """What a commit does with rows whose ID number is known under another name."""

    KEEP = "keep", _("keep the stored names")
    UPDATE = "update", _("record the file's spelling as the current name")


class ImportRun(models.Model):
    notice = models.ForeignKey(
        "blacklist.Notice",
        on_delete=models.PROTECT,
        related_name="imports",
        verbose_name=_("notice"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
        help_text=_("empty when imported from the command line"),
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committed by"),
        help_text=_("empty when committed from the command line"),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus, default=ImportStatus.UPLOADED
    )
    refusal_code = models.CharField(_("refusal code"), max_length=40, blank=True)
    refusal = models.TextField(_("refusal"), blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    valid = models.PositiveIntegerField(_("valid rows"), default=0)
    invalid = models.PositiveIntegerField(_("invalid rows"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicate rows"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    subjects_new = models.PositiveIntegerField(_("new subjects"), default=0)
    subjects_known = models.PositiveIntegerField(
        _("subjects known from earlier notices"), default=0
    )
    name_conflicts = models.PositiveIntegerField(
        _("rows naming a known subject differently"), default=0
    )
    name_choice = models.CharField(
        _("names of known subjects"), max_length=10, choices=NameChoice, blank=True
    )
    name_choice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("names chosen by"),
        help_text=_("empty when committed from the command line"),
    )
    subjects_renamed = models.PositiveIntegerField(_("subjects renamed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    sample = models.JSONField(_("sample as published"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    validate_seconds = models.FloatField(_("validation time (s)"), null=True, blank=True)
    commit_seconds = models.FloatField(_("commit time (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "sha256"],
                condition=Q(status="committed"),
                name="import_file_once_per_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.notice}"

    @property
    def can_commit(self) -> bool:
        return self.status == ImportStatus.VALIDATED and self.invalid == 0 and self.valid > 0

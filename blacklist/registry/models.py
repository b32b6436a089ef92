"""The registry: who published what about whom, and for how long."""

import datetime
import secrets
import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blacklist.registry import identity, naming
from blacklist.registry.identity import SubjectKind


class Authority(models.Model):
    """認定/發布機關: the body that decides and publishes a list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    partner = models.CharField(
        _("joint publisher"),
        max_length=200,
        blank=True,
        help_text=_("for example a branch of the central bank"),
    )
    region_code = models.CharField(_("region code"), max_length=6)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class NameMask(models.TextChoices):
    KEEP_ENDS = "keep_ends", _("keep first and last character (朱*倫)")
    SURNAME_ONLY = "surname_only", _("surname only (朱**)")
    NONE = "none", _("not masked")


class Programme(models.Model):
    """懲戒類別: the legal ground and the defaults a listing inherits."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    default_offence = models.CharField(_("default offence"), max_length=500)
    default_measures = models.TextField(_("default measures"))
    default_term_months = models.PositiveSmallIntegerField(_("default term (months)"))
    public = models.BooleanField(
        _("shown to the public"),
        default=True,
        help_text=_("otherwise only credit platforms see it"),
    )
    name_mask = models.CharField(
        _("name mask"), max_length=20, choices=NameMask, default=NameMask.KEEP_ENDS
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_term_months__gte=1, default_term_months__lte=60),
                name="programme_term_1_to_60_months",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def default_term(self, start: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The term a listing gets when the list gives none: N months, ending the day before."""
        return start, add_months(start, self.default_term_months) - datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    SCHEDULED = "scheduled", _("scheduled")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def public(self) -> "NoticeQuerySet":
        """Published notices of programmes shown to citizens."""
        return self.filter(status=NoticeStatus.PUBLISHED, programme__public=True)


class Notice(models.Model):
    """公告: one publication of a batch of listings."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="notices", verbose_name=_("programme")
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="notices", verbose_name=_("authority")
    )
    batch_number = models.PositiveSmallIntegerField(_("batch number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    body = models.TextField(_("body"), blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NoticeStatus, default=NoticeStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(
        _("withdrawal reason"), blank=True, help_text=_("of a withdrawal asked for or done")
    )
    # Withdrawal takes two officials: one asks (with the reason), another confirms.
    withdrawal_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("withdrawal asked for by"),
    )
    withdrawal_requested_at = models.DateTimeField(
        _("withdrawal asked for at"), null=True, blank=True
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("withdrawal confirmed by"),
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]
        # The four-eyes workflow: who may take each step is a permission, held by groups.
        permissions = [
            ("approve_notice", _("Can approve notices prepared by another official")),
            ("publish_notice", _("Can schedule and publish approved notices")),
            ("withdraw_notice", _("Can withdraw published notices")),
        ]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="notice_status_publish_at"),
            models.Index(fields=["-published_at"], name="notice_published_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(approved_by=F("prepared_by")), name="notice_four_eyes"
            ),
            models.CheckConstraint(
                condition=~Q(withdrawn_by=F("withdrawal_requested_by")),
                name="notice_withdrawal_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft"]) | Q(approved_by__isnull=False),
                name="notice_approved_before_release",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False),
                name="notice_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "withdrawn"]) | Q(published_at__isnull=False),
                name="notice_published_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="notice_withdrawn_has_time",
            ),
            models.UniqueConstraint(
                fields=["authority", "programme", "batch_number"],
                condition=Q(batch_number__isnull=False),
                name="notice_unique_batch",
            ),
        ]

    def __str__(self) -> str:
        return self.title


SUBJECT_KINDS = [
    (SubjectKind.PERSON.value, _("person")),
    (SubjectKind.ORGANISATION.value, _("organisation")),
]


def subject_hmac(number: str) -> str:
    """The keyed hash that identifies a subject: the one lookup key for ID numbers."""
    return identity.lookup_hmac(number, key=settings.ID_LOOKUP_KEY)


class Subject(models.Model):
    """懲戒對象: one real identity across all notices.

    The plain ID number is stored only encrypted; lookups go through its keyed HMAC
    and pages show only the mask.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=SUBJECT_KINDS)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("search key"), max_length=200, editable=False)
    id_hmac = models.CharField(max_length=64, editable=False)
    id_encrypted = models.TextField(editable=False)
    id_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    gender = models.CharField(
        _("gender"), max_length=1, blank=True, choices=[("M", _("male")), ("F", _("female"))]
    )
    region_code = models.CharField(_("region code"), max_length=6)
    region_name = models.CharField(_("region"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in SubjectKind]), name="subject_kind_known"
            ),
            # Constraints and indexes declared here, not on the fields: on PostgreSQL a
            # field's unique or db_index adds a second, LIKE-prefix index that no query here
            # uses, and a random key (id_hmac) would then cost every import twice.
            models.UniqueConstraint(fields=["id_hmac"], name="subject_id_hmac_unique"),
        ]
        indexes = [
            # ends with the id: the subjects of exactly a name are found in the index alone
            models.Index(fields=["name_key", "id"], name="subject_name_key"),
            # Which masks belong to someone: the screening guard counts guesses around those.
            models.Index(fields=["id_masked"], name="subject_id_masked"),
            # The API's region filter is a prefix (a province's two digits): one index that
            # serves it and equality alike, where db_index would give PostgreSQL two.
            models.Index(
                fields=["region_code"],
                name="subject_region_code",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    def id_number(self) -> str:
        """The full ID number: for the identity scope and exports only, never for pages."""
        return identity.decrypt_id(self.id_encrypted, keys=settings.FIELD_ENCRYPTION_KEYS)


class FormerName(models.Model):
    """A name a subject was known by before an official recorded a new spelling.

    Kept with its folded key, so that lists can later be matched on earlier names too.
    """

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="former_names", verbose_name=_("subject")
    )
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("search key"), max_length=200, db_index=True, editable=False)
    replaced_at = models.DateTimeField(_("replaced at"))
    import_run = models.ForeignKey(
        "blacklist.ImportRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by import"),
    )

    class Meta:
        verbose_name = _("former name")
        verbose_name_plural = _("former names")
        ordering = ["subject_id", "replaced_at", "id"]

    def __str__(self) -> str:
        return self.name


class Alias(models.Model):
    """Another name a list gives for a subject (its 曾用名 or 别名 column): matched by scored
    checks, never shown to the public."""

    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name=_("subject"),
        db_index=False,  # the unique constraint below leads with it
    )
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("search key"), max_length=200, editable=False)
    import_run = models.ForeignKey(
        "blacklist.ImportRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by import"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        ordering = ["subject_id", "id"]
        constraints = [
            # a list imported again gives the same aliases: kept once
            models.UniqueConstraint(fields=["subject", "name_key"], name="alias_once_per_subject"),
        ]

    def __str__(self) -> str:
        return self.name


class MatchKeyKind(models.IntegerChoices):
    PINYIN = 1, _("pinyin of a name")
    NEIGHBOUR = 2, _("name with one character left out, with the birth date")
    ORGANISATION = 3, _("organisation name without legal form")


class MatchKey(models.Model):
    """The candidate index of scored checks: keyed hashes of what a subject's names (current,
    former, aliases) may be written as (registry/matching.py). Written set-based by the code
    that writes subjects and names (bulk.py, renames.py, removal.py)."""

    # One index, the key first: checks read a key's holders newest first, and every import
    # writes some five keys a person in random order, which a second index would take again
    # (on PostgreSQL each write to an index page also logs the page). Deleting the keys of
    # subjects (taking rows out of a draft) reads the table once instead.
    pk = models.CompositePrimaryKey("key", "subject_id")
    # No database constraint: a million rows of an import would each pay for its check, and
    # the code that deletes subjects deletes their keys first.
    subject = models.ForeignKey(
        Subject, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    key = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=MatchKeyKind)

    def __str__(self) -> str:
        return f"{self.subject_id}:{self.kind}:{self.key}"


class EntryStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")
    WITHDRAWN = "withdrawn", _("withdrawn")


class EntryQuerySet(models.QuerySet["Entry"]):
    def currently_public(self, *, today: datetime.date | None = None) -> "EntryQuerySet":
        """The one rule for what citizens may see: every public page and export uses it."""
        return self.listed(today=today).filter(notice__programme__public=True)

    def listed(self, *, today: datetime.date | None = None) -> "EntryQuerySet":
        """In force today on a published notice, public programme or not (credit platforms)."""
        today = today or timezone.localdate()
        return self.filter(
            notice__status=NoticeStatus.PUBLISHED,
            status=EntryStatus.ACTIVE,
            term_start__lte=today,
            term_end__gte=today,
        )

    @staticmethod
    def in_force(
        *, status: str, term_start: datetime.date, term_end: datetime.date, today: datetime.date
    ) -> bool:
        """`listed()` for one entry of a published notice, already read: for documents
        built from raw rows, where a query per row would cost too much."""
        return status == EntryStatus.ACTIVE and term_start <= today <= term_end

    def public_on(self, day: datetime.date) -> "EntryQuerySet":
        """What citizens could see at the end of a past day: `listed_on` for public programmes."""
        return self.listed_on(day).filter(notice__programme__public=True)

    def listed_on(self, day: datetime.date) -> "EntryQuerySet":
        """Listed at the end of a past day, from terms and publication history.

        The same rule as `listed()`, read back in time: the notice had been published and
        not yet withdrawn, the day lay within the term, and the entry had not yet been
        revoked or withdrawn (an expiry only ever follows the term's end).
        """
        end_of_day = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )
        return self.filter(
            Q(notice__withdrawn_at__isnull=True) | Q(notice__withdrawn_at__gte=end_of_day),
            Q(status__in=[EntryStatus.ACTIVE, EntryStatus.EXPIRED])
            | Q(status_changed_at__gte=end_of_day),
            notice__status__in=[NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN],
            notice__published_at__lt=end_of_day,
            term_start__lte=day,
            term_end__gte=day,
        )


# RFC 4648 base32 re-lettered as Crockford's (lower case), which keeps the order of values.
_TO_CROCKFORD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghjkmnpqrstvwxyz"
)


def new_public_ids(count: int) -> list[str]:
    """Ids for entries' URLs: 40 bits of time in milliseconds, then 56 random bits.

    Not sequential and not guessable; the time prefix only makes new ids land together
    at the end of the index, which keeps the inserts of a large import fast.
    """
    stamp = ((time.time_ns() // 1_000_000) & (2**40 - 1)).to_bytes(5, "big")
    noise = secrets.token_bytes(7 * count)
    return [(stamp + noise[i : i + 7]).hex() for i in range(0, 7 * count, 7)]


def new_public_id() -> str:
    return new_public_ids(1)[0]


class Entry(models.Model):
    """名單條目: a subject listed by a notice, for a term."""

    public_id = models.CharField(
        _("public id"), max_length=24, default=new_public_id, editable=False
    )
    # Both foreign keys lead composite indexes below; separate ones would only slow inserts.
    notice = models.ForeignKey(
        Notice,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("notice"),
        db_index=False,
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("subject"),
        db_index=False,
    )
    offence = models.CharField(_("offence"), max_length=500)
    measures = models.TextField(_("measures"))
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    status = models.CharField(
        _("status"), max_length=20, choices=EntryStatus, default=EntryStatus.ACTIVE
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # Set when the change feed lists the entry: at publication if its term has begun, else
    # when it begins. Only a listed entry is ever ended on the feed.
    announced = models.BooleanField(_("listed on the change feed"), default=False, editable=False)
    # The import that wrote the entry, so that a list committed to a draft by mistake can be
    # taken out again. No index of its own: a notice's entries are found by the notice's.
    import_run = models.ForeignKey(
        "blacklist.ImportRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
        db_index=False,
        editable=False,
    )
    # Revoking takes two officials: one asks (with the reason), another confirms. (An upheld
    # objection has its two in the objection and revokes at once: no one is named here.)
    # No plain indexes: almost every entry has none of these; the partial index below
    # finds the few that await a second official.
    revocation_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("revocation asked for by"),
        db_index=False,
    )
    revocation_requested_at = models.DateTimeField(
        _("revocation asked for at"), null=True, blank=True
    )
    # A database default too: the bulk insert of an import does not name the column.
    revocation_reason = models.TextField(
        _("reason given for revoking"), blank=True, default="", db_default=""
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("revocation confirmed by"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["notice_id", "id"]
        permissions = [("revoke_entry", _("Can revoke entries"))]
        constraints = [
            models.UniqueConstraint(fields=["notice", "subject"], name="entry_once_per_notice"),
            # not unique=True on the field: see Subject's constraints
            models.UniqueConstraint(fields=["public_id"], name="entry_public_id_unique"),
            models.CheckConstraint(
                condition=Q(term_end__gt=F("term_start")), name="entry_term_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="entry_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(revoked_by=F("revocation_requested_by")),
                name="entry_revocation_four_eyes",
            ),
        ]
        indexes = [
            # the hourly expiry job: active entries whose term has ended
            models.Index(fields=["status", "term_end"], name="entry_status_term_end"),
            # whether a subject is listed, and by which entries, from the index alone: scored
            # checks ask it of thousands of subjects at a time, a name search of its candidates
            models.Index(
                fields=["subject", "status", "term_end", "term_start", "notice", "id"],
                name="entry_subject_listed",
            ),
            models.Index(fields=["notice", "status"], name="entry_notice_status"),
            # the hourly start job: active entries the feed has not listed yet
            models.Index(
                fields=["term_start"],
                condition=Q(status="active", announced=False),
                name="entry_start_due",
            ),
            # revocations asked for (awaiting a second official, or done): a handful
            models.Index(
                fields=["revocation_requested_by"],
                condition=Q(revocation_requested_by__isnull=False),
                name="entry_revocation_asked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} / {self.notice}"

    def public_name(self) -> str:
        """The name as the programme allows it to be shown to citizens."""
        return naming.mask_name(
            self.subject.name,
            kind=SubjectKind(self.subject.kind),
            style=self.notice.programme.name_mask,
        )

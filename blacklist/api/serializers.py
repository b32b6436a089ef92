"""Request validation and the documented shape of every answer.

Answers that can run to thousands of rows (entries, checks, the change feed) are built as
plain dicts by `blacklist.platforms.selectors` and `blacklist.feed.selectors`; the serializers
below describe them for the OpenAPI document and validate what callers send.
"""

import math
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import ProhibitNullCharactersValidator

from blacklist.feed.changes import last_change_seq
from blacklist.feed.models import ChangeKind
from blacklist.models import (
    CheckPurpose,
    EntryStatus,
    Notice,
    Programme,
    Snapshot,
    SnapshotAudience,
)
from blacklist.monitoring.services import MAX_MONITORS
from blacklist.platforms.receipts import ALGORITHM, KEY_STATUSES
from blacklist.platforms.screening import MATCH_MODES, MAX_CANDIDATES, MAX_CHECK_SUBJECTS, Scoring
from blacklist.registry import matching
from blacklist.snapshots import services as snapshots

MAX_FEED_PAGE = 10_000


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable, machine-readable error code")
    message = serializers.CharField(help_text="for people, in the language asked for")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: each field at fault, by path, with its problems",
    )


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "legal_basis",
            "public",
            "default_offence",
            "default_measures",
            "default_term_months",
        ]


class NoticeSerializer(serializers.ModelSerializer):
    authority = serializers.CharField(source="authority.name")
    programme = serializers.CharField(source="programme.code")
    source_url = serializers.SerializerMethodField(help_text="the notice as first published")

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "document_number",
            "batch_number",
            "authority",
            "programme",
            "published_at",
            "source_url",
            "body",
        ]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_source_url(self, notice: Notice) -> str | None:
        return notice.source_url or None


class SubjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "organisation"])
    name = serializers.CharField(help_text="full with the identity scope, else masked")
    id_number = serializers.CharField(help_text="full with the identity scope, else masked")
    id_number_masked = serializers.CharField()
    gender = serializers.CharField(allow_blank=True, help_text="M, F or empty")
    region_code = serializers.CharField()
    region_name = serializers.CharField(allow_blank=True)


class FeedEntrySerializer(serializers.Serializer):
    public_id = serializers.CharField()
    notice = serializers.IntegerField(help_text="the notice's id")
    programme = serializers.CharField(help_text="the programme's code")
    status = serializers.ChoiceField(choices=EntryStatus.values, help_text="as of now")
    listed = serializers.BooleanField(
        help_text="in force today (Asia/Shanghai): active and today within its term"
    )
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    subject = SubjectSerializer()


class EntrySerializer(FeedEntrySerializer):
    status_reason = serializers.CharField(allow_blank=True)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    offence = serializers.CharField()
    measures = serializers.CharField()
    updated_at = serializers.DateTimeField()


# What the feed says: an entry came into force, or left the list for one of three reasons.
FEED_KINDS = [
    ChangeKind.LISTED,
    ChangeKind.UPDATED,
    ChangeKind.EXPIRED,
    ChangeKind.REVOKED,
    ChangeKind.WITHDRAWN,
]


class ChangeEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(
        choices=[kind.value for kind in FEED_KINDS],
        help_text=(
            "`listed`: add the entry; `updated`: replace the entry you hold with this one (an "
            "official recorded a new spelling of the name); `expired`, `revoked`, `withdrawn`: "
            "remove it"
        ),
    )
    reason = serializers.CharField(
        allow_blank=True, help_text="an official's reason, for revocations and withdrawals"
    )
    occurred_at = serializers.DateTimeField()
    entry = FeedEntrySerializer(help_text="the entry as it is now; details at entries/{public_id}/")


class ChangePageSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next_after = serializers.IntegerField(help_text="pass as `after` to read on")
    last_seq = serializers.IntegerField(help_text="the newest sequence number so far")


class QuerySerializer(serializers.Serializer):
    """Query parameters: one that is given must not be empty (`?after=` is refused)."""

    def to_internal_value(self, data):
        empty = [name for name in self.fields if name in data and not str(data[name]).strip()]
        if empty:
            raise serializers.ValidationError(
                {name: [_("This parameter must not be empty.")] for name in empty}
            )
        return super().to_internal_value(data)


class ChangesQuerySerializer(QuerySerializer):
    after = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        default=0,
        help_text="the last sequence number applied (0 to start); not beyond `last_seq`",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_FEED_PAGE, default=1000, help_text="events per page"
    )

    def validate_after(self, value: int) -> int:
        # A checkpoint the feed never handed out would silently skip what comes before it.
        last = last_change_seq()
        if value > last:
            raise serializers.ValidationError(
                _("Beyond the last sequence number, %(last)d: resume from a `next_after`.")
                % {"last": last}
            )
        return value


class TextField(serializers.CharField):
    """Only JSON strings are text: a number or a boolean is refused, not converted."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators: list[Any] = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(data)


class NumberField(serializers.FloatField):
    """Only JSON numbers are numbers: a string or a boolean is refused, not converted."""

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """Only JSON whole numbers: a string, a boolean or a fraction is refused, not converted."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClosedSerializer(serializers.Serializer):
    """Unknown fields are refused: a misspelt `id_number` must not pass unnoticed."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class CheckSubjectSerializer(ClosedSerializer):
    """A customer: `id_number`, `name` or both (with neither, the result is an error)."""

    ref = TextField(max_length=100, help_text="the caller's own reference, returned as is")
    id_number = TextField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="resident ID (18 characters) or unified social credit code; full-width "
        "characters, spaces, dashes and a lower-case x are accepted",
    )
    name = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="with an ID number, compared with the listed name (`name_agrees`); alone, "
        "matched on the full name in either script; in scored mode, matched by score",
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="scored mode: compared with the listed person's (feature `birth_date`); "
        "also lets names one character apart be found",
    )
    gender = serializers.ChoiceField(
        choices=["M", "F"],
        required=False,
        allow_blank=True,
        help_text="scored mode: compared with the listed person's (feature `gender`)",
    )
    region = TextField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="scored mode: a region code (2, 4 or 6 digits, e.g. 4201) or a region's "
        "name, compared with the listed subject's (feature `region`)",
    )

    def to_internal_value(self, data):
        # A check has up to 1,000 subjects and the fields' own validation costs 45 µs each,
        # a third of the check: subjects as most requests send them are checked at once.
        plain = _plain_subject(data)
        return plain if plain is not None else super().to_internal_value(data)


# What `_plain_subject` checks, read from the fields declared above: each text's longest
# length, and the genders a subject may give (or none).
_SUBJECT_TEXTS = {
    name: field.max_length
    for name, field in CheckSubjectSerializer._declared_fields.items()
    if isinstance(field, TextField)
}
_SUBJECT_GENDERS = {"", *CheckSubjectSerializer._declared_fields["gender"].choices}
_SURROGATES = re.compile("[\ud800-\udfff]")


def _plain_subject(data: object) -> dict[str, str] | None:
    """A subject as the fields' validation would return it, when it is plainly valid: text
    fields as text within their lengths, a `ref` that is not empty, a gender of M, F or empty,
    no birth date. None for anything else, which the fields then validate and word the error
    of (the same result either way: `tests/api/test_check_subjects.py`)."""
    if type(data) is not dict:
        return None
    for key, value in data.items():
        if type(value) is not str:
            return None
        longest = _SUBJECT_TEXTS.get(key)
        if longest is not None:
            if len(value) > longest or _SURROGATES.search(value):
                return None
        elif key != "gender" or value not in _SUBJECT_GENDERS:
            return None
    if not data.get("ref"):
        return None
    return dict(data)


class CheckSerializer(ClosedSerializer):
    purpose = serializers.ChoiceField(
        choices=CheckPurpose.choices, help_text="why the customers are screened; kept in the log"
    )
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="answer for the end of this day (today or earlier, Asia/Shanghai) instead of now",
    )
    # No maxItems in the schema: more than the maximum is answered 413, not 400.
    subjects = serializers.ListField(
        child=CheckSubjectSerializer(),
        min_length=1,
        help_text=f"at most {MAX_CHECK_SUBJECTS} subjects; more is refused with 413",
    )

    match_mode = serializers.ChoiceField(
        choices=MATCH_MODES,
        default="exact",
        help_text="`exact` (default): names match only in full, folded. `scored`: each "
        "subject with a name also gets `candidates` with a score and an explanation; for "
        "clients with the `identity` scope only (others are answered in exact mode, and the "
        "answer's `match_mode` says so)",
    )
    threshold = NumberField(
        min_value=0.0,
        max_value=1.0,
        default=matching.DEFAULT_THRESHOLD,
        help_text=f"scored mode: the lowest score a candidate may have (default "
        f"{matching.DEFAULT_THRESHOLD}, chosen on the labelled evaluation set)",
    )
    limit = WholeNumberField(
        min_value=1,
        max_value=MAX_CANDIDATES,
        default=matching.DEFAULT_LIMIT,
        help_text=f"scored mode: at most this many candidates per subject, best first "
        f"(default {matching.DEFAULT_LIMIT})",
    )

    def validate_as_of(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The date must not lie in the future."))
        return value


class CheckErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class FeatureSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["match", "partial", "mismatch", "unknown"],
        help_text="`unknown`: not given on one side, so not compared",
    )
    effect = serializers.FloatField(
        help_text="what this feature added to the score (negative: took away)"
    )
    method = serializers.CharField(allow_null=True, help_text="how it was compared")
    agreed = serializers.ListField(child=serializers.CharField(), help_text="what agreed")
    differed = serializers.ListField(
        child=serializers.CharField(), help_text="what did not (`a≠b`; `a~b`: homophones)"
    )


class NameFeatureSerializer(FeatureSerializer):
    method = serializers.ChoiceField(
        choices=matching.NAME_METHODS,
        help_text="`exact` after folding (script, spaces, width); `same_pinyin`: homophones "
        "for some characters; `one_character`: one character apart (found only with a birth "
        "date); `romanised`: pinyin in order; `reordered`: pinyin or words in another "
        "order; `legal_form` / `place_name`: an organisation's name equal but for its legal "
        "form or a bracketed place name; `similar`: letter by letter",
    )
    matched_name = serializers.CharField(help_text="the listed name compared")
    name_source = serializers.ChoiceField(
        choices=["name", "former_name", "alias"],
        help_text="the current name, a former name (曾用名) or an alias the list gave",
    )


class ScriptFeatureSerializer(FeatureSerializer):
    method = serializers.ChoiceField(
        choices=matching.NAME_SCRIPTS,
        help_text="how the name given was written relative to the listed one; explains, "
        "adds nothing (`effect` 0)",
    )


class ExplanationSerializer(serializers.Serializer):
    name = NameFeatureSerializer()
    name_script = ScriptFeatureSerializer()
    birth_date = FeatureSerializer(
        help_text=f"same date {matching.BIRTH_DATE_AGREES:+}, another "
        f"{matching.BIRTH_DATE_DIFFERS:+}; `agreed`/`differed` name year, month, day"
    )
    gender = FeatureSerializer(help_text=f"different {matching.GENDER_DIFFERS:+}")
    region = FeatureSerializer(
        help_text=f"within the region given {matching.REGION_AGREES:+}, the same province "
        f"0, elsewhere {matching.REGION_DIFFERS:+}"
    )


class CandidateSerializer(serializers.Serializer):
    score = serializers.FloatField(
        help_text="0 to 1: the name's score plus the other features' effects; a candidate "
        "for a person to review, never an identification"
    )
    kind = serializers.CharField(help_text="person or organisation")
    name = serializers.CharField(help_text="the listed subject's current name")
    explanation = ExplanationSerializer(help_text="feature by feature")
    entries = EntrySerializer(many=True, help_text="the candidate's listed entries")


class CheckResultSerializer(serializers.Serializer):
    ref = serializers.CharField()
    listed = serializers.BooleanField(
        allow_null=True,
        help_text="answered only by an ID number: true or false; null for a subject checked "
        "by name alone (a name is no identification) or that could not be checked (`error`)",
    )
    match = serializers.ChoiceField(choices=["id_number", "name"], allow_null=True)
    name_agrees = serializers.BooleanField(
        allow_null=True, help_text="an ID match: whether the name given is the listed name"
    )
    entries = EntrySerializer(
        many=True,
        help_text="the entries matched: by ID number; by name alone only for clients with "
        "the `identity` scope (others learn only that a name matched, from `match`)",
    )
    note = serializers.CharField(
        allow_null=True, help_text="a name-only match: a name is not an identification"
    )
    error = CheckErrorSerializer(
        allow_null=True, help_text="the subject could not be checked (e.g. an invalid ID number)"
    )
    candidates = CandidateSerializer(
        many=True,
        required=False,
        allow_null=True,
        help_text="scored mode only (absent in exact mode), for a subject with a name: listed "
        "subjects scoring at least `threshold`, best first, at most `limit` (the subject an "
        "ID number matched is in `entries`, not here); null for a subject without a name",
    )


class ReceiptSerializer(serializers.Serializer):
    """What the portal signs of an answer (README, "Receipts")."""

    version = serializers.IntegerField(min_value=1, help_text="of the receipt's form: 1")
    check_id = serializers.UUIDField(help_text="unique per answer; officials find the check by it")
    checked_at = serializers.DateTimeField(help_text="as the answer's `checked_at`")
    as_of = serializers.DateField(allow_null=True, help_text="as the answer's `as_of`")
    last_seq = serializers.IntegerField(
        min_value=0,
        help_text="the version of the list: the answer includes every change of `changes/` "
        "up to this sequence number",
    )
    purpose = serializers.ChoiceField(choices=CheckPurpose.choices)
    subjects = serializers.IntegerField(min_value=1, help_text="how many subjects were checked")
    subjects_sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        help_text="SHA-256 (hex) of the canonical JSON of the request's `subjects` as sent",
    )
    results_sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        help_text="SHA-256 (hex) of the canonical JSON of the answer's `results`",
    )
    key_id = serializers.CharField(help_text="the key that signed it, as `keys/` lists it")
    signature = serializers.CharField(
        help_text="Ed25519, base64url, over the canonical JSON of the receipt without "
        "`signature` (sorted keys, no spaces, UTF-8)"
    )


class CheckResponseSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=CheckPurpose.choices)
    as_of = serializers.DateField(allow_null=True)
    checked_at = serializers.DateTimeField()
    match_mode = serializers.ChoiceField(
        choices=MATCH_MODES,
        help_text="the mode applied: `scored` only for clients with the `identity` scope",
    )
    threshold = serializers.FloatField(allow_null=True, help_text="scored mode only")
    limit = serializers.IntegerField(allow_null=True, help_text="scored mode only")
    results = CheckResultSerializer(many=True)
    receipt = ReceiptSerializer(help_text="the answer, signed: verify it with `keys/`")


class PublicKeySerializer(serializers.Serializer):
    key_id = serializers.CharField(help_text="named by the receipts it signed")
    status = serializers.ChoiceField(
        choices=KEY_STATUSES,
        help_text="`current` signs new receipts; a `retired` key signs nothing more, and "
        "the receipts it signed still verify while it is listed",
    )
    algorithm = serializers.ChoiceField(choices=[ALGORITHM])
    public_key = serializers.CharField(help_text="the key's 32 bytes in base64url")
    public_key_pem = serializers.CharField(help_text="the same key as PEM (SubjectPublicKeyInfo)")


class KeyListSerializer(serializers.Serializer):
    keys = PublicKeySerializer(many=True, help_text="the current key first")


# --- monitors ----------------------------------------------------------------------------------


class KeptTextField(TextField):
    """Text the portal keeps: a NUL character is refused (PostgreSQL cannot store one)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(ProhibitNullCharactersValidator())


class MonitorSubjectSerializer(ClosedSerializer):
    ref = KeptTextField(
        max_length=100,
        help_text="your own reference for the customer (an account or customer number), "
        "unique among your monitors; hits name the customer by it. It must not contain "
        "the ID number.",
    )
    id_number = TextField(
        max_length=40,
        help_text="resident ID (18 characters) or unified social credit code; full-width "
        "characters, spaces, dashes and a lower-case x are accepted. Only its keyed hash is "
        "kept.",
    )


class MonitorRegistrationSerializer(ClosedSerializer):
    # No maxItems in the schema: more than the maximum is answered 413, not 400.
    subjects = serializers.ListField(
        child=MonitorSubjectSerializer(),
        min_length=1,
        help_text=f"at most {MAX_MONITORS:,} customers; more is refused with 413. All are "
        "registered, or none: any invalid one refuses the request (400, naming each).",
    )


class MonitorRegistrationResponseSerializer(serializers.Serializer):
    registered = serializers.IntegerField(min_value=0, help_text="refs new to your monitors")
    updated = serializers.IntegerField(
        min_value=0,
        help_text="refs you had registered under another ID number: they now watch this one",
    )
    unchanged = serializers.IntegerField(
        min_value=0, help_text="refs registered before with the same ID number"
    )
    already_listed = serializers.ListField(
        child=serializers.CharField(),
        help_text="the refs of this request whose customer is listed now (in force on a "
        "published notice, programmes shown only to platforms included), in the order sent; "
        "`POST checks/` tells the entries",
    )
    last_seq = serializers.IntegerField(
        min_value=0,
        help_text="`already_listed` covers the change feed up to this sequence number; "
        "`monitor.hit` reports every later event about these customers",
    )


class MonitorSerializer(serializers.Serializer):
    ref = serializers.CharField()
    kind = serializers.ChoiceField(choices=["person", "organisation"])
    registered_at = serializers.DateTimeField(source="created_at")
    updated_at = serializers.DateTimeField(
        help_text="when the ref was last registered under another ID number, else as registered"
    )


class MonitorQuerySerializer(QuerySerializer):
    ref = serializers.CharField(
        max_length=100, required=False, trim_whitespace=False, help_text="only this ref"
    )


class MonitorRemovalSerializer(ClosedSerializer):
    # No maxItems in the schema: more than the maximum is answered 413, not 400.
    refs = serializers.ListField(
        child=KeptTextField(max_length=100),
        min_length=1,
        help_text=f"the refs to stop monitoring, at most {MAX_MONITORS:,}; more is refused "
        "with 413",
    )


class MonitorRemovalResponseSerializer(serializers.Serializer):
    removed = serializers.IntegerField(min_value=0, help_text="monitors deleted")
    unknown = serializers.ListField(
        child=serializers.CharField(), help_text="refs asked for that you did not monitor"
    )


def scoring_applied(scoring: Scoring) -> dict[str, object]:
    scored = scoring.mode == "scored"
    return {
        "match_mode": scoring.mode,
        "threshold": scoring.threshold if scored else None,
        "limit": scoring.limit if scored else None,
    }


# --- snapshots ---------------------------------------------------------------------------------


class SnapshotSerializer(serializers.ModelSerializer):
    # The API serves the platforms' files only; the public ones are the portal site's.
    audience = serializers.ChoiceField(
        choices=[SnapshotAudience.PLATFORM.value, SnapshotAudience.IDENTITY.value],
        read_only=True,
        help_text="`identity` (full names and ID numbers) for clients with the identity "
        "scope, else `platform` (masked); both hold every listed entry",
    )
    filename = serializers.SerializerMethodField(help_text="the name the download is saved as")
    content_type = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "format",
            "audience",
            "count",
            "size",
            "sha256",
            "taken_at",
            "last_seq",
            "filename",
            "content_type",
            "download_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "count": {"help_text": "entries in the file"},
            "size": {"help_text": "bytes, as downloaded"},
            "sha256": {"help_text": "of the file as downloaded"},
            "last_seq": {
                "help_text": "the last change event the file includes: follow changes/ after it"
            },
        }

    def get_filename(self, snapshot: Snapshot) -> str:
        return snapshots.download_name(snapshot)

    @extend_schema_field(
        serializers.ChoiceField(choices=sorted(set(snapshots.CONTENT_TYPES.values())))
    )
    def get_content_type(self, snapshot: Snapshot) -> str:
        return snapshots.content_type(snapshot)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, snapshot: Snapshot) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-export-download", args=[snapshot.pk])
        )


class ExportEntrySerializer(EntrySerializer):
    """An entry in the JSON snapshot: as `entries/` shows it, with its notice's facts."""

    programme_name = serializers.CharField()
    authority = serializers.CharField()
    notice_title = serializers.CharField()
    document_number = serializers.CharField(allow_blank=True)
    listed_on = serializers.DateField(help_text="the day the notice was published")
    notice_url = serializers.CharField(allow_blank=True, help_text="the notice as published")


class SnapshotDocumentSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(
        choices=[SnapshotAudience.PLATFORM.value, SnapshotAudience.IDENTITY.value]
    )
    taken_at = serializers.DateTimeField()
    last_seq = serializers.IntegerField(min_value=0)
    count = serializers.IntegerField(min_value=0)
    entries = ExportEntrySerializer(many=True)

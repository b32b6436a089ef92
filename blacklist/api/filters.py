"""Filters of the entries endpoint (django-filter)."""

import datetime
import re
import unicodedata

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from blacklist.models import Entry, EntryStatus
from blacklist.platforms.screening import checked_subject_hmac
from blacklist.registry import identity, naming

MAX_ID = 2**63 - 1  # a bigint
# Times outside these years cannot be moved between time zones without overflowing.
FIRST_YEAR, LAST_YEAR = 1900, 9998
# Up to six digits, as typed (full-width too); documented as the parameter's pattern.
REGION_PATTERN = "^[0-9０-９]{1,6}$"
REGION_PREFIX = re.compile(REGION_PATTERN)


class StrictForm(forms.Form):
    """A parameter that is given must say something: `?term_end_to=` is refused, not ignored."""

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for name in self.fields:
            if name in self.data and not str(self.data[name]).strip():
                self.add_error(name, _("This parameter must not be empty."))
        return cleaned


# With a schema of their own, filters keep only the description given here.
@extend_schema_field(
    {
        "type": "integer",
        "format": "int64",
        "minimum": 1,
        "maximum": MAX_ID,
        "description": "a notice's id",
    }
)
class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number the database can hold, else 400 (not a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class MomentField(IsoDateTimeField):
    """An ISO 8601 time that stays a valid time in UTC and in the portal's time zone."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("A time between the years %(first)d and %(last)d.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        # in UTC: PostgreSQL takes offsets only up to 15:59, Python up to 23:59
        return moment.astimezone(datetime.UTC)


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class TrueFalseField(forms.Field):
    """`true` or `false` (also `1` or `0`); anything else is refused, not ignored."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(_("Either true or false.")) from None


@extend_schema_field(
    {"type": "boolean", "description": "true: only entries in force today; false: the others"}
)
class TrueFalseFilter(django_filters.BooleanFilter):
    field_class = TrueFalseField


@extend_schema_field(
    {
        "type": "string",
        "pattern": REGION_PATTERN,
        "description": "a region code or its leading digits (42, 4201)",
    }
)
class RegionFilter(django_filters.CharFilter):
    """A region code's leading digits."""


class EntryFilter(django_filters.FilterSet):
    notice = IdFilter(field_name="notice_id")  # described in its schema
    programme = django_filters.CharFilter(
        field_name="notice__programme__code", help_text="a programme's code"
    )
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    listed = TrueFalseFilter(method="filter_listed")  # described in its schema
    region = RegionFilter(
        method="filter_region",
        strip=False,  # the pattern is checked on the value as sent
    )  # described in its schema
    name = django_filters.CharFilter(
        method="filter_name", help_text="a full name in either script; matched folded"
    )
    id_number = django_filters.CharFilter(
        method="filter_id_number",
        help_text="a resident ID or credit code; matched exactly. To screen customers use "
        "POST checks/, which keeps ID numbers out of URLs and access logs",
    )
    term_start_from = django_filters.DateFilter(
        field_name="term_start", lookup_expr="gte", help_text="terms beginning on or after"
    )
    term_start_to = django_filters.DateFilter(
        field_name="term_start", lookup_expr="lte", help_text="terms beginning on or before"
    )
    term_end_from = django_filters.DateFilter(
        field_name="term_end", lookup_expr="gte", help_text="terms ending on or after"
    )
    term_end_to = django_filters.DateFilter(
        field_name="term_end", lookup_expr="lte", help_text="terms ending on or before"
    )
    changed_since = MomentFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="entries changed at or after this ISO 8601 time (years 1900 to 9998)",
    )

    class Meta:
        model = Entry
        fields: list[str] = []
        form = StrictForm

    def filter_listed(self, entries: QuerySet[Entry], name: str, value: bool | None):
        if value is None:
            return entries
        if value:
            return entries & Entry.objects.listed()
        return entries.exclude(pk__in=Entry.objects.listed().values("pk"))

    def filter_region(self, entries: QuerySet[Entry], name: str, value: str):
        if not REGION_PREFIX.fullmatch(value):
            raise ValidationError({"region": [_("A region code is up to six digits.")]})
        code = unicodedata.normalize("NFKC", value)
        return entries.filter(subject__region_code__startswith=code)

    def filter_name(self, entries: QuerySet[Entry], name: str, value: str):
        return entries.filter(subject__name_key=naming.fold_name(value))

    def filter_id_number(self, entries: QuerySet[Entry], name: str, value: str):
        try:
            digest = checked_subject_hmac(value)
        except identity.IdentityError as error:
            raise ValidationError({"id_number": [str(error.message)]}) from None
        return entries.filter(subject__id_hmac=digest)

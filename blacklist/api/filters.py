"""Filters of the entries endpoint (django-filter)."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from blacklist import identity
from blacklist.models import Entry, EntryStatus
from blacklist.platforms import subject_hmac_of


class StrictForm(forms.Form):
    """A parameter that is given must say something: `?term_end_to=` is refused, not ignored."""

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for name in self.fields:
            if name in self.data and not str(self.data[name]).strip():
                self.add_error(name, _("This parameter must not be empty."))
        return cleaned


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class EntryFilter(django_filters.FilterSet):
    notice = IntegerFilter(field_name="notice_id", help_text="a notice's id")
    programme = django_filters.CharFilter(
        field_name="notice__programme__code", help_text="a programme's code"
    )
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    listed = django_filters.BooleanFilter(
        method="filter_listed", help_text="true: only entries in force today"
    )
    region = django_filters.CharFilter(
        method="filter_region", help_text="a region code or its leading digits (42, 4201)"
    )
    name = django_filters.CharFilter(
        method="filter_name", help_text="a full name in either script; matched folded"
    )
    id_number = django_filters.CharFilter(
        method="filter_id_number",
        help_text="a resident ID or credit code; matched exactly. To screen customers use "
        "POST checks/, which keeps ID numbers out of URLs and access logs",
    )
    term_start_from = django_filters.DateFilter(field_name="term_start", lookup_expr="gte")
    term_start_to = django_filters.DateFilter(field_name="term_start", lookup_expr="lte")
    term_end_from = django_filters.DateFilter(field_name="term_end", lookup_expr="gte")
    term_end_to = django_filters.DateFilter(field_name="term_end", lookup_expr="lte")
    changed_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="entries changed at or after this"
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
        code = identity.normalize_id(value)
        if not code.isdigit() or len(code) > 6:
            raise ValidationError({"region": [_("A region code is up to six digits.")]})
        return entries.filter(subject__region_code__startswith=code)

    def filter_name(self, entries: QuerySet[Entry], name: str, value: str):
        return entries.filter(subject__name_key=identity.fold_name(value))

    def filter_id_number(self, entries: QuerySet[Entry], name: str, value: str):
        try:
            digest = subject_hmac_of(value)
        except identity.IdentityError as error:
            raise ValidationError({"id_number": [str(error.message)]}) from None
        return entries.filter(subject__id_hmac=digest)

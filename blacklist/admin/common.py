"""What every page of the officials' admin shares: who acts, read-only tables, search by
identity and the page that asks for a reason."""

from collections.abc import Callable
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from blacklist.registry import selectors


def official(request: HttpRequest) -> AbstractBaseUser:
    """The admin only serves logged-in staff."""
    return cast(AbstractBaseUser, request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: officials may look, not edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class IdentitySearchMixin:
    """Search by a full ID number (exact, via its HMAC) or by a name in either script."""

    subject_path = ""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        if not search_term.strip():
            return queryset, False
        subjects = selectors.subjects_matching(query=search_term)
        lookup = f"{self.subject_path}__in" if self.subject_path else "pk__in"
        return queryset.filter(**{lookup: subjects.values("pk")}), False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


def reason_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    obj: object,
    title: str | Promise,
    explanation: str | Promise,
    service: Callable[[str], object],
    done: str,
) -> HttpResponse:
    """A confirmation page that asks for the reason a service records with the change."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            model_admin.message_user(request, f"{obj}: {title}", messages.SUCCESS)
            return HttpResponseRedirect(done)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "object": obj,
        "explanation": explanation,
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/blacklist/reason.html", context)

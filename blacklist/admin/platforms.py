"""Credit platforms in the admin: clients, their keys (shown once), and the query audit log."""

import itertools
import secrets
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from blacklist.admin.common import ReadOnlyAdmin
from blacklist.lib.csvfiles import write_csv
from blacklist.models import ApiClient, ApiKey, ApiScope, QueryLog
from blacklist.platforms.clients import api_clients_disable, api_key_issue
from blacklist.platforms.models import scopes_of
from blacklist.registry import selectors

# The session holds only this one-time token of a confirmed issue, never a key.
PENDING_ISSUE = "api-key-issue-pending"

# The library's own key model is unused: keys here belong to a client.
admin.site.unregister(APIKey)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = [
            "name",
            "organisation",
            "contact",
            "scopes",
            "rate_per_minute",
            "daily_subject_quota",
            "active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scopes"] = scopes_of(self.instance.scopes)

    def clean_scopes(self) -> str:
        return ",".join(self.cleaned_data["scopes"])


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "name", "created", "expiry_date", "revoked"]
    readonly_fields = ["prefix", "name", "created"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # new keys come from the action, which shows them once


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = [
        "name",
        "organisation",
        "scopes",
        "rate_per_minute",
        "daily_subject_quota",
        "active",
        "created_at",
    ]
    list_filter = ["active"]
    search_fields = ["name", "organisation"]
    inlines = [ApiKeyInline]
    actions = ["issue_key", "disable"]

    def save_model(
        self, request: HttpRequest, obj: ApiClient, form: forms.ModelForm, change: bool
    ) -> None:
        """Unticking "active" disables the client through the service, with what that takes."""
        disabling = change and "active" in form.changed_data and not obj.active
        if disabling:
            obj.active = True
        super().save_model(request, obj, form, change)
        if disabling:
            api_clients_disable(clients=ApiClient.objects.filter(pk=obj.pk))
            obj.active = False

    @admin.action(description=_("Issue a new key (shown once)"), permissions=["change"])
    def issue_key(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> HttpResponse:
        """Asks first, then shows the keys on one page, never in messages or the session
        (the portal keeps only hashes). The confirmation carries a one-time token, so a
        reload of the keys' page neither shows them again nor issues more."""
        if "post" not in request.POST:
            token = secrets.token_urlsafe(32)
            request.session[PENDING_ISSUE] = token
            return self._key_page(request, "confirm_key.html", clients=queryset, token=token)
        expected = request.session.pop(PENDING_ISSUE, "")
        if not expected or not secrets.compare_digest(expected, request.POST.get("token", "")):
            self.message_user(
                request, _("These keys were shown once and are not shown again."), messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())
        name = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        issued = [(client, api_key_issue(client=client, name=name)) for client in queryset]
        return self._key_page(request, "new_keys.html", issued=issued)

    def _key_page(self, request: HttpRequest, template: str, **context: object) -> HttpResponse:
        response = TemplateResponse(
            request,
            f"admin/blacklist/apiclient/{template}",
            {
                **self.admin_site.each_context(request),
                "title": _("New API keys"),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                **context,
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description=_("Disable the selected clients"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        count = api_clients_disable(clients=queryset)
        self.message_user(request, _("%(count)d clients disabled.") % {"count": count})


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "client")  # type: ignore[assignment]
    list_filter = ("client", "revoked")  # type: ignore[assignment]
    search_fields = ("name", "prefix", "client__name")  # type: ignore[assignment]


@admin.register(QueryLog)
class QueryLogAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "client",
        "endpoint",
        "method",
        "status_code",
        "purpose",
        "subjects",
        "hits",
    ]
    list_filter = ["client", "endpoint", "purpose", "status_code", "at"]
    search_fields = ["identifiers"]  # shows the box; the search itself is below
    search_help_text = _(
        "A full ID number or a full name: the queries that asked about that person "
        "(matched on the keyed hashes the log keeps). Or a check id from a receipt: that check."
    )
    readonly_fields = ["check_id", "receipt"]
    date_hierarchy = "at"
    list_select_related = ["client"]
    actions = ["export_csv"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(check_id=uuid.UUID(term)), False
        except ValueError:  # not a check id: a person
            return selectors.query_logs_about(query=term, logs=queryset), False

    @admin.action(description=_("Export the selected rows as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[QueryLog]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="api-query-log.csv"'
        header = [
            _("time"),
            _("client"),
            _("endpoint"),
            _("method"),
            _("status"),
            _("purpose"),
            _("subjects asked"),
            _("hits"),
            _("identifiers (keyed HMACs)"),
        ]
        rows = (
            [
                timezone.localtime(row.at).isoformat(),
                row.client.name,
                row.endpoint,
                row.method,
                row.status_code,
                row.purpose,
                row.subjects,
                row.hits,
                " ".join(row.identifiers),
            ]
            for row in queryset.select_related("client").order_by("at").iterator(chunk_size=2000)
        )
        write_csv(response, itertools.chain([header], rows))
        return response

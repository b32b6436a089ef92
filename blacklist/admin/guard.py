"""What officials see of the screening guard: enumeration alerts, to acknowledge or act on."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blacklist.admin.common import ReadOnlyAdmin
from blacklist.guard import services as guard
from blacklist.models import ApiClient, EnumerationAlert
from blacklist.platforms.clients import api_clients_disable


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [("open", _("not yet acknowledged")), ("acknowledged", _("acknowledged"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[EnumerationAlert]):
        if self.value() == "open":
            return queryset.filter(acknowledged_at__isnull=True)
        if self.value() == "acknowledged":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


@admin.register(EnumerationAlert)
class EnumerationAlertAdmin(ReadOnlyAdmin):
    """Written by the guard when it refuses; officials acknowledge, or disable the client."""

    list_display = [
        "last_at",
        "channel",
        "who",
        "family",
        "pattern",
        "guesses",
        "refused",
        "acknowledged_by",
    ]
    list_filter = [OpenFilter, "channel", "family", "day", "client"]
    search_fields = ["pattern", "address", "client__name"]
    date_hierarchy = "day"
    actions = ["acknowledge", "disable_clients"]

    @admin.display(description=_("counted for"))
    def who(self, alert: EnumerationAlert) -> str:
        return str(alert.client or alert.address or _("everyone"))

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.change_enumerationalert")

    def has_disable_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.change_apiclient")

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[EnumerationAlert]) -> None:
        count = guard.alerts_acknowledge(alerts=queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", count)
            % {"count": count},
        )

    @admin.action(
        description=_("Disable the API clients of the selected alerts"), permissions=["disable"]
    )
    def disable_clients(self, request: HttpRequest, queryset: QuerySet[EnumerationAlert]) -> None:
        clients = ApiClient.objects.filter(pk__in=queryset.values("client"))
        count = api_clients_disable(clients=clients)
        self.message_user(
            request,
            ngettext("%(count)d API client disabled.", "%(count)d API clients disabled.", count)
            % {"count": count},
            messages.WARNING,
        )

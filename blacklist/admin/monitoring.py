"""Monitoring in the admin: how many customers each platform monitors. Read-only, and counts
only: the monitors themselves (a platform's references and keyed hashes) are the platform's."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from blacklist.admin.common import ReadOnlyAdmin
from blacklist.models import MonitoredClient
from blacklist.monitoring import selectors


@admin.register(MonitoredClient)
class MonitoredClientAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "active", "monitor_count"]
    list_filter = ["active"]
    search_fields = ["name", "organisation"]
    fields = ["name", "organisation", "active", "monitor_count"]
    readonly_fields = ["monitor_count"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MonitoredClient]:
        return selectors.monitor_counts().order_by("-monitor_count", "name")

    @admin.display(description=_("monitored customers"), ordering="monitor_count")
    def monitor_count(self, obj: MonitoredClient) -> int:
        return getattr(obj, "monitor_count", 0)

"""The admin's own log (who changed what, when), readable by auditors, never editable."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.translation import gettext_lazy as _

from blacklist.admin.common import ReadOnlyAdmin


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["action_time", "user", "action_flag", "content_type", "object_repr", "change"]
    list_filter = ["user", "action_flag", "content_type", "action_time"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"
    list_select_related = ["user", "content_type"]
    fields = [
        "action_time",
        "user",
        "action_flag",
        "content_type",
        "object_id",
        "object_repr",
        "change",
    ]

    @admin.display(description=_("change"))
    def change(self, entry: LogEntry) -> str:
        return entry.get_change_message()

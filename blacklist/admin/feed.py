"""The change feed in the admin, read-only."""

from django.contrib import admin

from blacklist.admin.common import ReadOnlyAdmin
from blacklist.models import (
    ChangeEvent,
)


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "kind", "entry", "occurred_at"]
    list_filter = ["kind"]
    list_select_related = ["entry__subject", "entry__notice"]
    fields = ["seq", "kind", "entry", "reason", "occurred_at"]
    show_full_result_count = False

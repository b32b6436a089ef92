"""Snapshots in the admin: the published files, read-only, and "rebuild now"."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from blacklist.admin.common import ReadOnlyAdmin
from blacklist.models import Snapshot
from blacklist.snapshots import services as snapshots


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    """The published files: officials look, and may ask for a rebuild (never edit a file)."""

    list_display = [
        "taken_at",
        "format",
        "audience",
        "state",
        "count",
        "size_shown",
        "last_seq",
        "reason",
        "sha256",
    ]
    list_filter = ["audience", "format", "state"]
    date_hierarchy = "taken_at"
    fields = readonly_fields = (
        "format",
        "audience",
        "state",
        "count",
        "size",
        "sha256",
        "last_seq",
        "taken_at",
        "reason",
        "encrypted",
    )
    change_list_template = "admin/blacklist/snapshot/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        rebuild = path(
            "rebuild/",
            self.admin_site.admin_view(self.rebuild_view),
            name="blacklist_snapshot_rebuild",
        )
        return [rebuild, *super().get_urls()]

    def has_rebuild_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.change_snapshot")

    def rebuild_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """Queue a rebuild; the worker writes only the files whose list has changed."""
        if request.method != "POST" or not self.has_rebuild_permission(request):
            raise PermissionDenied
        snapshots.snapshots_rebuild_soon(reason="admin")
        self.message_user(
            request,
            _(
                "The snapshots are being rebuilt. Files whose list has not changed since the "
                "last ones are not written again."
            ),
        )
        return HttpResponseRedirect(reverse("admin:blacklist_snapshot_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_rebuild": self.has_rebuild_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("size"), ordering="size")
    def size_shown(self, obj: Snapshot) -> str:
        return filesizeformat(obj.size)

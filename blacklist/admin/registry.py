"""The registry in the admin: subjects and their entries, read-only, with revocation."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from blacklist.admin.common import (
    IdentitySearchMixin,
    ReadOnlyAdmin,
    official,
    reason_page,
)
from blacklist.models import (
    Alias,
    Entry,
    EntryStatus,
    FormerName,
    Subject,
)
from blacklist.publication import services as publication


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FormerNameInline(ReadOnlyInline):
    """Names the subject was registered under before an import recorded a new spelling."""

    model = FormerName
    fields = readonly_fields = ("name", "replaced_at", "import_run")


class AliasInline(ReadOnlyInline):
    """Other names a list gave for the subject (曾用名/别名 column): scored checks match them."""

    model = Alias
    fields = readonly_fields = ("name", "import_run", "created_at")


@admin.register(Subject)
class SubjectAdmin(IdentitySearchMixin, ReadOnlyAdmin):
    list_display = ["name", "kind", "id_masked", "gender", "region_name", "created_at"]
    list_filter = ["kind", "gender"]
    search_fields = ["name"]
    search_help_text = _("A full ID number or credit code (exact), or part of a name")
    fields = ["kind", "name", "id_masked", "gender", "region_code", "region_name", "created_at"]
    inlines = [FormerNameInline, AliasInline]


class RevocationAwaitingFilter(admin.SimpleListFilter):
    """Active entries whose revocation one official asked for and another must confirm."""

    title = _("awaiting a second official")
    parameter_name = "awaiting"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("revocation", _("revocation to confirm"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Entry]) -> QuerySet[Entry]:
        if self.value() == "revocation":
            return queryset.filter(status=EntryStatus.ACTIVE, revocation_requested_by__isnull=False)
        return queryset


@admin.register(Entry)
class EntryAdmin(IdentitySearchMixin, ReadOnlyAdmin):
    subject_path = "subject"
    list_display = [
        "public_id",
        "subject_name",
        "subject_id_masked",
        "notice",
        "term_start",
        "term_end",
        "status",
        "revoke_link",
    ]
    list_filter = [
        RevocationAwaitingFilter,
        "status",
        "notice__programme",
        "notice__status",
        "notice",
    ]
    list_select_related = ["subject", "notice", "revocation_requested_by"]
    search_fields = ["subject__name"]
    search_help_text = SubjectAdmin.search_help_text
    fields = [
        "public_id",
        "notice",
        "subject_name",
        "subject_id_masked",
        "offence",
        "measures",
        "term_start",
        "term_end",
        "status",
        "status_reason",
        "status_changed_at",
        "revoke_link",
        "revocation_requested_by",
        "revocation_requested_at",
        "revocation_reason",
        "revoked_by",
        "created_at",
    ]
    readonly_fields = ["revoke_link"]
    date_hierarchy = "term_end"
    actions = ["confirm_revocation", "cancel_revocation"]

    def get_urls(self) -> list[URLPattern]:
        revoke = self.admin_site.admin_view(self.revoke_view)
        return [
            path("<int:pk>/revoke/", revoke, name="blacklist_entry_revoke"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        entry = self.get_object(request, object_id)
        if request.method == "GET" and entry is not None and revocation_awaited(entry):
            self.message_user(request, revocation_awaited_message(entry), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.revoke_entry")

    @admin.display(description=_("revoke"))
    def revoke_link(self, entry: Entry) -> str:
        if entry.status != EntryStatus.ACTIVE:
            return ""
        if revocation_awaited(entry):
            return format_html(
                '<strong class="awaiting">{}</strong>',
                _("revocation asked for by %(official)s")
                % {"official": entry.revocation_requested_by},
            )
        url = reverse("admin:blacklist_entry_revoke", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, _("Ask for revocation…"))

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(Entry.objects.select_related("subject", "notice"), pk=pk)
        return reason_page(
            self,
            request,
            obj=entry,
            title=_("Ask for the entry's revocation"),
            explanation=_(
                "Once another official confirms it, the entry leaves the public pages, the "
                "exports and the credit platforms' list for good; that cannot be undone. "
                "Until then nothing changes."
            ),
            service=lambda reason: publication.entry_revocation_request(
                entry=entry, reason=reason, by=official(request)
            ),
            done=reverse("admin:blacklist_entry_changelist"),
        )

    @admin.action(
        description=_("Confirm the revocation asked for (by another official)"),
        permissions=["revoke"],
    )
    def confirm_revocation(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        self._apply(
            request,
            queryset,
            lambda entry: publication.entry_revocation_confirm(entry=entry, by=official(request)),
        )

    @admin.action(description=_("Cancel the revocation asked for"), permissions=["revoke"])
    def cancel_revocation(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        self._apply(
            request,
            queryset,
            lambda entry: publication.entry_revocation_cancel(entry=entry, by=official(request)),
        )

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Entry], service: Callable[[Entry], Entry]
    ) -> None:
        for entry in queryset:
            try:
                entry = service(entry)
            except ValidationError as error:
                self.message_user(request, f"{entry}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{entry}: {entry.get_status_display()}", messages.SUCCESS
                )

    @admin.display(description=_("name"), ordering="subject__name")
    def subject_name(self, entry: Entry) -> str:
        return entry.subject.name

    @admin.display(description=_("ID number"))
    def subject_id_masked(self, entry: Entry) -> str:
        return entry.subject.id_masked


def revocation_awaited(entry: Entry) -> bool:
    return entry.status == EntryStatus.ACTIVE and entry.revocation_requested_by_id is not None


def revocation_awaited_message(entry: Entry) -> str:
    return _(
        "%(official)s asked on %(when)s for this entry to be revoked: “%(reason)s”. The entry "
        "stays listed until another official confirms it (“Confirm the revocation asked for” "
        "in the list of entries); the request can be cancelled there too."
    ) % {
        "official": entry.revocation_requested_by,
        "when": date_format(timezone.localtime(entry.revocation_requested_at), "DATETIME_FORMAT"),
        "reason": entry.revocation_reason,
    }

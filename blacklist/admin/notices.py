"""Notices and their workflow in the admin, and the reference data they stand on (authorities,
programmes)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blacklist.admin.common import official, reason_page
from blacklist.importing import removal
from blacklist.models import (
    Authority,
    Notice,
    NoticeStatus,
    Programme,
)
from blacklist.publication import services as publication
from blacklist.registry import selectors
from blacklist.registry import services as registry


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "partner", "region_code"]
    search_fields = ["code", "name", "partner"]

    def save_model(self, request: HttpRequest, obj: Authority, form: object, change: bool):
        registry.authority_save(authority=obj)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "default_term_months", "public", "name_mask"]
    list_filter = ["public", "name_mask"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Programme, form: object, change: bool):
        registry.programme_save(programme=obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Programme | None = None):
        # Platforms keep copies keyed on the code and holding names masked this way; a
        # change would alter what they hold without a change on the feed.
        if obj is not None and obj.notices.exclude(published_at__isnull=True).exists():
            return ["code", "name_mask"]
        return []


class WithdrawalAwaitingFilter(admin.SimpleListFilter):
    """Published notices whose withdrawal one official asked for and another must confirm."""

    title = _("awaiting a second official")
    parameter_name = "awaiting"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("withdrawal", _("withdrawal to confirm"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notice]) -> QuerySet[Notice]:
        if self.value() == "withdrawal":
            return queryset.filter(
                status=NoticeStatus.PUBLISHED, withdrawal_requested_by__isnull=False
            )
        return queryset


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "authority",
        "programme",
        "batch_number",
        "status",
        "published_at",
        "entry_count",
        "prepared_by",
        "approved_by",
        "import_link",
        "withdraw_link",
    ]
    list_filter = [WithdrawalAwaitingFilter, "status", "programme", "authority"]
    search_fields = ["title", "document_number"]
    date_hierarchy = "published_at"
    readonly_fields = [
        "status",
        "published_at",
        "withdrawal_requested_by",
        "withdrawal_requested_at",
        "withdrawal_reason",
        "withdrawn_by",
        "withdrawn_at",
        "prepared_by",
        "approved_by",
        "created_at",
        "updated_at",
    ]
    actions = [
        "approve",
        "schedule",
        "publish_now",
        "return_to_draft",
        "confirm_withdrawal",
        "cancel_withdrawal",
        "delete_draft_rows",
    ]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notice]:
        queryset = (
            super()
            .get_queryset(request)
            .select_related(
                "authority", "programme", "prepared_by", "approved_by", "withdrawal_requested_by"
            )
        )
        return selectors.notices_with_entry_counts(queryset)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        notice = self.get_object(request, object_id)
        if request.method == "GET" and notice is not None and withdrawal_awaited(notice):
            self.message_user(request, withdrawal_awaited_message(notice), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, notice: Notice) -> int:
        return notice.entries_total  # type: ignore[attr-defined]

    @admin.display(description=_("import"))
    def import_link(self, notice: Notice) -> str:
        if notice.status != NoticeStatus.DRAFT:
            return ""
        url = reverse("admin:blacklist_importrun_add") + f"?notice={notice.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Import a list"))

    def save_model(self, request: HttpRequest, obj: Notice, form: object, change: bool) -> None:
        publication.notice_draft_save(notice=obj, by=official(request))

    def has_change_permission(self, request: HttpRequest, obj: Notice | None = None) -> bool:
        # Once approved, a notice's text is what the approver saw: it is not edited afterwards.
        if obj is not None and obj.status != NoticeStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def get_urls(self) -> list[URLPattern]:
        withdraw = self.admin_site.admin_view(self.withdraw_view)
        return [
            path("<int:pk>/withdraw/", withdraw, name="blacklist_notice_withdraw"),
            *super().get_urls(),
        ]

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.approve_notice")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.publish_notice")

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.withdraw_notice")

    @admin.display(description=_("withdraw"))
    def withdraw_link(self, notice: Notice) -> str:
        if notice.status != NoticeStatus.PUBLISHED:
            return ""
        if withdrawal_awaited(notice):
            return format_html(
                '<strong class="awaiting">{}</strong>', _("Withdrawal awaits confirmation")
            )
        url = reverse("admin:blacklist_notice_withdraw", args=[notice.pk])
        return format_html('<a href="{}">{}</a>', url, _("Withdraw…"))

    @admin.action(description=_("Approve the selected notices"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        self._apply(
            request,
            queryset,
            lambda notice: publication.notice_approve(notice=notice, by=official(request)),
        )

    @admin.action(
        description=_("Schedule the selected notices for their publication time"),
        permissions=["publish"],
    )
    def schedule(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        def schedule_one(notice: Notice) -> Notice:
            if notice.publish_at is None:
                raise ValidationError(_("Set a publication time in the future first."))
            return publication.notice_schedule(
                notice=notice, publish_at=notice.publish_at, by=official(request)
            )

        self._apply(request, queryset, schedule_one)

    @admin.action(description=_("Publish the selected notices now"), permissions=["publish"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        self._apply(
            request,
            queryset,
            lambda notice: publication.notice_publish(notice=notice, by=official(request)),
        )

    @admin.action(
        description=_("Return the selected notices to draft (stops publication)"),
        permissions=["publish"],
    )
    def return_to_draft(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        self._apply(
            request,
            queryset,
            lambda notice: publication.notice_return_to_draft(notice=notice, by=official(request)),
        )

    @admin.action(
        description=_("Confirm the withdrawal asked for (by another official)"),
        permissions=["withdraw"],
    )
    def confirm_withdrawal(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        self._apply(
            request,
            queryset,
            lambda notice: publication.notice_withdrawal_confirm(
                notice=notice, by=official(request)
            ),
        )

    @admin.action(description=_("Cancel the withdrawal asked for"), permissions=["withdraw"])
    def cancel_withdrawal(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        self._apply(
            request,
            queryset,
            lambda notice: publication.notice_withdrawal_cancel(
                notice=notice, by=official(request)
            ),
        )

    @admin.action(
        description=_("Delete all rows of the selected draft notices (a list imported by mistake)"),
        permissions=["change"],
    )
    def delete_draft_rows(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        for notice in queryset:
            try:
                deleted = removal.draft_rows_delete(notice=notice, by=official(request))
            except ValidationError as error:
                self.message_user(request, f"{notice}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, rows_deleted_message(notice, deleted), messages.SUCCESS)

    def withdraw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("blacklist.withdraw_notice"):
            raise PermissionDenied
        notice = get_object_or_404(Notice, pk=pk)
        return reason_page(
            self,
            request,
            obj=notice,
            title=_("Ask for the notice's withdrawal"),
            explanation=_(
                "Once another official confirms it, all of its entries leave the public pages, "
                "the exports and the credit platforms' list at once; that cannot be undone. "
                "Until then nothing changes."
            ),
            service=lambda reason: publication.notice_withdrawal_request(
                notice=notice, reason=reason, by=official(request)
            ),
            done=reverse("admin:blacklist_notice_changelist"),
        )

    def _apply(self, request: HttpRequest, queryset: QuerySet[Notice], service) -> None:
        for notice in queryset:
            try:
                service(notice)
            except ValidationError as error:
                self.message_user(request, f"{notice}: {' '.join(error.messages)}", messages.ERROR)
            else:
                notice.refresh_from_db()
                self.message_user(
                    request, f"{notice}: {notice.get_status_display()}", messages.SUCCESS
                )


def withdrawal_awaited(notice: Notice) -> bool:
    return notice.status == NoticeStatus.PUBLISHED and notice.withdrawal_requested_by_id is not None


def withdrawal_awaited_message(notice: Notice) -> str:
    return _(
        "%(official)s asked on %(when)s for this notice to be withdrawn: “%(reason)s”. Nothing "
        "changes until another official confirms it (“Confirm the withdrawal asked for” in "
        "the list of notices); the request can be cancelled there too."
    ) % {
        "official": notice.withdrawal_requested_by,
        "when": date_format(timezone.localtime(notice.withdrawal_requested_at), "DATETIME_FORMAT"),
        "reason": notice.withdrawal_reason,
    }


def rows_deleted_message(notice: object, deleted: removal.RowsDeleted) -> str:
    return ngettext(
        "%(notice)s: %(entries)s row deleted, and %(subjects)s persons or organisations "
        "no other notice lists.",
        "%(notice)s: %(entries)s rows deleted, and %(subjects)s persons or organisations "
        "no other notice lists.",
        deleted.entries,
    ) % {"notice": notice, "entries": deleted.entries, "subjects": deleted.subjects}

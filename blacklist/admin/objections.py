"""Officials work objections: received → under review → upheld (entry revoked) / rejected.

Upholding takes two officials: one asks for it with the reason, another confirms.
"""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from blacklist.models import Objection
from blacklist.objections import services as objections

OPEN_DECISIONS = [
    ("", "—"),
    ("review", _("Start the review")),
    ("uphold", _("Uphold: revoke the entry, once a second official confirms")),
    ("reject", _("Reject")),
]
AWAITING_DECISIONS = [
    ("", "—"),
    ("confirm", _("Confirm upholding: revoke the entry now")),
    ("cancel", _("Cancel the request to uphold")),
]
NEEDS_REASON = ("uphold", "reject")


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("decision"), choices=OPEN_DECISIONS, required=False)
    decision_text = forms.CharField(
        label=_("reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Shown to the person who objected, with the reference number."),
    )

    class Meta:
        model = Objection
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if uphold_awaited(self.instance):
            field = cast(forms.ChoiceField, self.fields["decision"])
            field.choices = AWAITING_DECISIONS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in NEEDS_REASON and not data.get("decision_text", "").strip():
            self.add_error("decision_text", _("A decision needs a reason."))
        return data


class UpholdAwaitingFilter(admin.SimpleListFilter):
    """Open objections whose upholding one official asked for and another must confirm."""

    title = _("awaiting a second official")
    parameter_name = "awaiting"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("uphold", _("upholding to confirm"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Objection]) -> QuerySet[Objection]:
        if self.value() == "uphold":
            return queryset.filter(status__in=objections.OPEN, uphold_requested_by__isnull=False)
        return queryset


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    form = DecisionForm
    list_display = [
        "reference",
        "status",
        "awaiting",
        "entry_masked",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    list_filter = [UpholdAwaitingFilter, "status"]
    search_fields = ["reference"]
    list_select_related = ["entry__subject", "entry__notice", "decided_by", "uphold_requested_by"]
    readonly_fields = [
        "reference",
        "entry",
        "entry_masked",
        "name",
        "contact",
        "reason",
        "attachment_link",
        "status",
        "uphold_requested_by",
        "uphold_requested_at",
        "uphold_reason",
        "decision_reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    fields = [*readonly_fields, "decision", "decision_text"]
    actions = ["confirm_uphold", "cancel_uphold"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # objections are filed by the public, from the entry's page

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("entry"))
    def entry_masked(self, objection: Objection) -> str:
        subject = objection.entry.subject
        return f"{subject.name} {subject.id_masked}"

    @admin.display(description=_("awaiting a second official"))
    def awaiting(self, objection: Objection) -> str:
        if not uphold_awaited(objection):
            return ""
        return format_html(
            '<strong class="awaiting">{}</strong>',
            _("upholding asked for by %(official)s") % {"official": objection.uphold_requested_by},
        )

    @admin.display(description=_("attachment"))
    def attachment_link(self, objection: Objection) -> str:
        if not objection.attachment:
            return "—"
        return format_html('<a href="{}">{}</a>', "attachment/", _("download"))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.attachment_view)
        return [
            path("<int:pk>/change/attachment/", view, name="blacklist_objection_attachment"),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The attached document, unsealed as it is sent, to those who decide objections only:
        it is likely a scan of an ID card."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        objection = Objection.objects.filter(pk=pk).first()
        stream = objections.attachment_stream(objection=objection) if objection else None
        if objection is None or stream is None:
            raise Http404
        suffix = objections.attachment_suffix(objection)
        response = FileResponse(
            stream,
            content_type=objections.ATTACHMENT_TYPES.get(suffix, "application/octet-stream"),
        )
        # Set here: FileResponse names only file objects, and a sealed file is a stream.
        disposition = content_disposition_header(
            as_attachment=True, filename=objections.attachment_download_name(objection)
        )
        response["Content-Disposition"] = disposition or "attachment"
        add_never_cache_headers(response)  # no-store, private: no copy in any cache
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        objection = self.get_object(request, object_id)
        if request.method == "GET" and objection is not None and uphold_awaited(objection):
            self.message_user(request, uphold_awaited_message(objection), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Objection, form: Any, change: bool) -> None:
        by = cast(AbstractBaseUser, request.user)
        decision = form.cleaned_data.get("decision")
        text = form.cleaned_data.get("decision_text", "")
        services = {
            "review": lambda: objections.objection_start_review(objection=obj, by=by),
            "uphold": lambda: objections.objection_uphold_request(
                objection=obj, reason=text, by=by
            ),
            "reject": lambda: objections.objection_reject(objection=obj, reason=text, by=by),
            "confirm": lambda: objections.objection_uphold_confirm(objection=obj, by=by),
            "cancel": lambda: objections.objection_uphold_cancel(objection=obj, by=by),
        }
        if decision not in services:
            return
        try:
            services[decision]()
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    @admin.action(
        description=_("Confirm upholding, asked for by another official: revoke the entries"),
        permissions=["change"],
    )
    def confirm_uphold(self, request: HttpRequest, queryset: QuerySet[Objection]) -> None:
        by = cast(AbstractBaseUser, request.user)
        self._apply(
            request,
            queryset,
            lambda objection: objections.objection_uphold_confirm(objection=objection, by=by),
        )

    @admin.action(description=_("Cancel the requests to uphold"), permissions=["change"])
    def cancel_uphold(self, request: HttpRequest, queryset: QuerySet[Objection]) -> None:
        by = cast(AbstractBaseUser, request.user)
        self._apply(
            request,
            queryset,
            lambda objection: objections.objection_uphold_cancel(objection=objection, by=by),
        )

    def _apply(self, request: HttpRequest, queryset: QuerySet[Objection], service: Any) -> None:
        for objection in queryset:
            try:
                service(objection)
            except ValidationError as error:
                self.message_user(
                    request, f"{objection}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                objection.refresh_from_db()
                self.message_user(
                    request, f"{objection}: {objection.get_status_display()}", messages.SUCCESS
                )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Objection]:
        return (
            super()
            .get_queryset(request)
            .select_related("entry__subject", "decided_by", "uphold_requested_by")
        )

    def get_fields(self, request: HttpRequest, obj: Objection | None = None) -> Any:
        if obj is not None and obj.status in objections.DECIDED:
            return self.readonly_fields
        return self.fields


def uphold_awaited(objection: Objection) -> bool:
    return objection.status in objections.OPEN and objection.uphold_requested_by_id is not None


def uphold_awaited_message(objection: Objection) -> str:
    return _(
        "%(official)s asked on %(when)s for this objection to be upheld: “%(reason)s”. The entry "
        "stays listed until another official confirms it (decision “Confirm upholding”, or "
        "the action in the list of objections); the request can be cancelled too."
    ) % {
        "official": objection.uphold_requested_by,
        "when": date_format(timezone.localtime(objection.uphold_requested_at), "DATETIME_FORMAT"),
        "reason": objection.uphold_reason,
    }

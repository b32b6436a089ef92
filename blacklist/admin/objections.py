"""Officials work objections: received → under review → upheld (entry revoked) / rejected."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from blacklist import objections
from blacklist.models import Objection, ObjectionStatus

DECISIONS = [
    ("", "—"),
    ("review", _("Start the review")),
    ("uphold", _("Uphold: revoke the entry")),
    ("reject", _("Reject")),
]


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("decision"), choices=DECISIONS, required=False)
    decision_text = forms.CharField(
        label=_("reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Shown to the person who objected, with the reference number."),
    )

    class Meta:
        model = Objection
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("decision") in ("uphold", "reject")
            and not data.get("decision_text", "").strip()
        ):
            self.add_error("decision_text", _("A decision needs a reason."))
        return data


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    form = DecisionForm
    list_display = ["reference", "status", "entry_masked", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["reference"]
    list_select_related = ["entry__subject", "entry__notice", "decided_by"]
    readonly_fields = [
        "reference",
        "entry",
        "entry_masked",
        "name",
        "contact",
        "reason",
        "attachment_link",
        "status",
        "decision_reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    fields = [*readonly_fields, "decision", "decision_text"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # objections are filed by the public, from the entry's page

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("entry"))
    def entry_masked(self, objection: Objection) -> str:
        subject = objection.entry.subject
        return f"{subject.name} {subject.id_masked}"

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
        if not self.has_view_permission(request):
            raise PermissionDenied
        objection = Objection.objects.filter(pk=pk).first()
        if objection is None or not objection.attachment:
            raise Http404
        return FileResponse(objection.attachment.open("rb"), as_attachment=True)

    def save_model(self, request: HttpRequest, obj: Objection, form: Any, change: bool) -> None:
        by = cast(AbstractBaseUser, request.user)
        decision, text = (
            form.cleaned_data.get("decision"),
            form.cleaned_data.get("decision_text", ""),
        )
        try:
            if decision == "review":
                objections.objection_start_review(objection=obj, by=by)
            elif decision in ("uphold", "reject"):
                objections.objection_decide(
                    objection=obj, uphold=decision == "uphold", reason=text, by=by
                )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Objection]:
        return super().get_queryset(request).select_related("entry__subject", "decided_by")

    def get_fields(self, request: HttpRequest, obj: Objection | None = None) -> Any:
        if obj is not None and obj.status in (ObjectionStatus.UPHELD, ObjectionStatus.REJECTED):
            return self.readonly_fields
        return self.fields

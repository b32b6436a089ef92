"""Importing a list: upload → validation → preview → confirmation → commit."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from blacklist.admin.notices import rows_deleted_message
from blacklist.importing import removal
from blacklist.importing.pipeline import (
    import_commit_start,
    import_progress,
    import_start,
    import_validation_start,
)
from blacklist.lib.csvfiles import write_csv
from blacklist.models import ImportRun, ImportStatus, NameChoice, Notice, NoticeStatus

ERRORS_SHOWN = 200


class UploadForm(forms.Form):
    notice = forms.ModelChoiceField(
        queryset=Notice.objects.filter(status=NoticeStatus.DRAFT),
        label=gettext_lazy("Draft notice"),
        help_text=gettext_lazy("Only draft notices accept imports."),
    )
    file = forms.FileField(
        label=gettext_lazy("List file"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or Excel .xlsx; the first sheet is read."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ConfirmForm(forms.Form):
    """The confirmation of a validated file, with the choice for known subjects named
    differently (asked only when the file has such rows)."""

    names = forms.TypedChoiceField(
        choices=NameChoice.choices,
        coerce=NameChoice,
        initial=NameChoice.KEEP,
        required=False,
        empty_value=NameChoice.KEEP,
        widget=forms.RadioSelect,
        label=gettext_lazy("Known ID numbers under another name"),
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "notice",
        "status",
        "rows",
        "valid",
        "invalid",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status", "file_format"]
    search_fields = ["original_name", "sha256", "notice__title"]
    list_select_related = ["notice", "uploaded_by"]
    actions = ["delete_rows"]

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/commit/", wrap(self.commit_view), name="blacklist_importrun_commit"),
            path("<int:pk>/errors.csv", wrap(self.errors_view), name="blacklist_importrun_errors"),
            path(
                "<int:pk>/progress/", wrap(self.progress_view), name="blacklist_importrun_progress"
            ),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return self.upload_view(request)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return self.preview_view(request, object_id)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # runs change only through the pipeline

    @admin.action(
        description=gettext_lazy("Delete the rows these imports wrote to their draft notices"),
        permissions=["add"],  # whoever may import may take an import out of a draft again
    )
    def delete_rows(self, request: HttpRequest, queryset: QuerySet[ImportRun]) -> None:
        by = cast(AbstractBaseUser, request.user)
        for run in queryset.select_related("notice"):
            try:
                deleted = removal.draft_rows_delete(notice=run.notice, run=run, by=by)
            except ValidationError as error:
                self.message_user(request, f"{run}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, rows_deleted_message(run, deleted), messages.SUCCESS)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = import_start(
                    notice=form.cleaned_data["notice"],
                    upload=upload,
                    name=upload.name,
                    by=cast(AbstractBaseUser, request.user),
                )
            except ValidationError as error:
                form.add_error("notice", error)
            else:
                if run.status == ImportStatus.UPLOADED:
                    import_validation_start(run=run)
                return HttpResponseRedirect(
                    reverse("admin:blacklist_importrun_change", args=[run.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import a list"),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/blacklist/importrun/upload.html", context)

    def preview_view(self, request: HttpRequest, pk: int | str) -> HttpResponse:
        run = self._run(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "run": run,
            "opts": self.opts,
            "title": _("Import of %(name)s") % {"name": run.original_name},
            "errors_shown": run.errors[:ERRORS_SHOWN],
            "warnings_shown": run.warnings[:ERRORS_SHOWN],
            "in_progress": run.status
            in (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.COMMITTING),
            "progress": import_progress(run=run),
            "confirm_form": ConfirmForm(),
        }
        return TemplateResponse(request, "admin/blacklist/importrun/preview.html", context)

    def commit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(self._commit)(request, pk)

    def _commit(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self._run(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Choose what to do with the names."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:blacklist_importrun_change", args=[run.pk]))
        try:
            import_commit_start(
                run=run, names=form.cleaned_data["names"], by=cast(AbstractBaseUser, request.user)
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:blacklist_importrun_change", args=[run.pk]))

    def errors_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self._run(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
        header = [_("row"), _("sequence"), _("column"), _("code"), _("message"), _("value")]
        keys = ("row", "seq", "column", "code", "message", "value")
        write_csv(
            response,
            [header, *([problem.get(key, "") for key in keys] for problem in run.errors)],
        )
        return response

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        progress = import_progress(run=self._run(request, pk))
        return JsonResponse({**progress, "label": progress_label(progress)})

    def _run(self, request: HttpRequest, pk: int | str) -> ImportRun:
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = self.get_object(request, str(pk))
        if run is None:
            raise Http404
        return run

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRun]:
        return super().get_queryset(request).select_related("notice__programme", "uploaded_by")


def progress_label(progress: dict[str, Any]) -> str:
    parts = [
        _("%(done)s of %(total)s rows")
        % {"done": progress.get("done", 0), "total": progress.get("total") or "?"}
    ]
    if progress.get("rate"):
        parts.append(_("%(rate)s rows per second") % {"rate": progress["rate"]})
    if progress.get("seconds_left") is not None:
        parts.append(_("about %(seconds)s s left") % {"seconds": progress["seconds_left"]})
    return " · ".join(parts)

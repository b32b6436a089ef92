"""Public pages. Views parse the request, call one selector and render."""

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from blacklist import selectors

PAGE_SIZE = 50


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    notices = selectors.notices_with_entry_counts(selectors.notices_public())[:10]
    return render(request, "blacklist/home.html", {"notices": notices})


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notices_with_entry_counts(selectors.notices_public())
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "blacklist/notice_list.html", {"page": page})


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        selectors.notices_with_entry_counts(selectors.notices_public()), pk=pk
    )
    entries = selectors.entries_public_for_notice(notice=notice)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "blacklist/notice_detail.html", {"notice": notice, "page": page})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

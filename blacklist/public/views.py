"""Public pages. Views parse the request, call one selector or service and render."""

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, QuerySet, Window
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from blacklist.guard import services as guard
from blacklist.lib.client_address import address_key, client_address
from blacklist.models import Entry, Objection, ProbeFamily, SnapshotAudience
from blacklist.objections import services as objections
from blacklist.public import stats
from blacklist.public.charts import bar_chart
from blacklist.public.forms import ObjectionForm, SearchForm, programme_options
from blacklist.public.search import (
    QueryRefused,
    entries_public_search,
    entry_public,
    looks_like_id_number,
    search_probes,
    search_understand,
)
from blacklist.registry import identity, redaction, selectors
from blacklist.snapshots import downloads
from blacklist.snapshots import services as snapshots

PAGE_SIZE = 50
REFERENCE_PATTERN = re.compile(r"[0-9A-Z-]{4,20}")
RESULTS_PAGE_SIZE = 20


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    notices = stats.notices_counted(selectors.notices_public()[:10])
    programmes = list(selectors.programmes_public())
    return render(
        request,
        "blacklist/home.html",
        {
            "notices": notices,
            "form": SearchForm(),
            "programmes": programmes,
            "programme_options": programme_options(programmes),
        },
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key=address_key, rate=lambda group, request: settings.SEARCH_RATE, block=True)
def search(request: HttpRequest) -> HttpResponse:
    """GET ?q= for names (shareable pages); the home form POSTs, so that an ID number
    typed there never travels in a URL, a browser history or an access log."""
    data = request.POST if request.method == "POST" else request.GET
    form = SearchForm(data)
    if not form.is_valid():
        return _search_page(request, form, status=400 if data else 200)
    asked = form.search_request()
    try:
        query = search_understand(request=asked)
        guard.guard(
            actor=guard.Actor.of_address(client_address(request)), probes=search_probes(query)
        )
    except QueryRefused as refused:
        form.add_error("q", refused.message)
        return _search_page(request, form, status=400)
    except guard.EnumerationSuspected as refused:
        return _search_refused(request, refused)
    if (
        query.by == "name"
        and request.method == "POST"
        and not any(redaction.contains_id_number(str(value)) for _key, value in data.items())
    ):
        return HttpResponseRedirect(f"{reverse('search')}?{_search_query(form)}", status=303)
    outcome = entries_public_search(query=query, request=asked)
    page = _results_page(outcome.entries, request.GET.get("page"))
    if outcome.by == "id_number":
        # the form comes back empty: the number is shown only masked, in the heading
        return _search_page(
            request, SearchForm(), page=page, by=outcome.by, searched=outcome.searched
        )
    return _search_page(
        request,
        form,
        page=page,
        by=outcome.by,
        searched=outcome.searched,
        query=_search_query(form) + "&",
        capped=outcome.capped,
        candidates=settings.SEARCH_NAME_CANDIDATES,
    )


def _search_refused(request: HttpRequest, refused: guard.EnumerationSuspected) -> HttpResponse:
    """Too many ID searches today, or searches that try out what a mask hides."""
    capped = refused.family == ProbeFamily.ID_SEARCHES
    response = render(
        request, "429.html", {"guard": "cap" if capped else "enumeration"}, status=429
    )
    response["Retry-After"] = str(refused.retry_after)
    return response


def _results_page(entries: QuerySet[Entry] | Sequence[Entry], number: str | None) -> Page:
    """A page of results. The first page is read once, with the count of all results."""
    paginator = Paginator(entries, RESULTS_PAGE_SIZE)
    if number in (None, "", "1") and isinstance(entries, QuerySet):
        # the count rides along with the first page: one query, not two
        first = list(entries.annotate(matches=Window(Count("*")))[:RESULTS_PAGE_SIZE])
        paginator.count = first[0].matches if first else 0  # type: ignore[attr-defined]
        return Page(first, 1, paginator)
    return paginator.get_page(number)


def _search_page(
    request: HttpRequest, form: SearchForm, *, status: int = 200, **context: object
) -> HttpResponse:
    typed = str(form["q"].value() or "")
    # Never write an ID number back into the page, whatever else was wrong with the request.
    echo_q = "" if looks_like_id_number(identity.normalize_id(typed)) else typed
    context = {
        "form": form,
        "echo_q": redaction.redact_id_numbers(echo_q),
        "echo_name": redaction.redact_id_numbers(str(form["name"].value() or "")),
        "echo_region": redaction.redact_id_numbers(str(form["region"].value() or "")),
        "programme_options": programme_options(selectors.programme_choices()),
        **context,
    }
    return render(request, "blacklist/search.html", context, status=status)


def _search_query(form: SearchForm) -> str:
    data = form.cleaned_data
    query = {key: data[key] for key in ("q", "last4", "region") if data.get(key)}
    if data.get("programme"):
        query["programme"] = data["programme"].code
    return urlencode(query)


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notices_public(), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = stats.notices_counted(page.object_list)
    return render(request, "blacklist/notice_list.html", {"page": page})


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notices_public().filter(pk=pk).first()
    if notice is None:
        raise Http404
    (notice,) = stats.notices_counted([notice])
    paginator = Paginator(selectors.entries_public_for_notice(notice=notice), PAGE_SIZE)
    # the same rule, counted once (notices_counted)
    paginator.count = notice.entries_active  # type: ignore[attr-defined]
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "blacklist/notice_detail.html", {"notice": notice, "page": page})


@require_GET
def entry_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = entry_public(public_id=public_id)
    if entry is None:
        raise Http404
    response = render(
        request, "blacklist/entry_detail.html", {"entry": entry, "form": ObjectionForm()}
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(
    key=address_key, rate=lambda group, request: settings.OBJECTION_RATE, method="POST", block=True
)
def objection_create(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = entry_public(public_id=public_id)
    if entry is None:
        raise Http404
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        objection = objections.objection_file(entry=entry, **form.cleaned_data)
        return HttpResponseRedirect(
            reverse("objection-status", args=[objection.reference]), status=303
        )
    response = render(
        request,
        "blacklist/objection_form.html",
        {"entry": entry, "form": form},
        status=400 if request.method == "POST" else 200,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def objection_lookup(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("reference", "").strip().upper()
    if not reference:
        return render(request, "blacklist/objection_lookup.html")
    if not REFERENCE_PATTERN.fullmatch(reference):
        return render(
            request, "blacklist/objection_lookup.html", {"not_found": reference}, status=404
        )
    return HttpResponseRedirect(reverse("objection-status", args=[reference]))


@never_cache
@require_GET
def objection_status(request: HttpRequest, reference: str) -> HttpResponse:
    objection = (
        Objection.objects.select_related("entry__subject", "entry__notice__programme")
        .filter(reference=reference.upper())
        .first()
    )
    if objection is None:
        return render(
            request, "blacklist/objection_lookup.html", {"not_found": reference}, status=404
        )
    response = render(request, "blacklist/objection_status.html", {"objection": objection})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    by_programme = stats.listed_by_programme()
    months = stats.listings_and_expiries_by_month()
    context = {
        "by_programme": by_programme,
        "programme_chart": bar_chart(
            [(name, [count]) for name, count in by_programme], series_names=[_("Listed today")]
        ),
        "months": months,
        # the table lists the months with something in them; the full 24 fold away
        "active_months": [m for m in months if m.listed or m.expired],
        "month_chart": bar_chart(
            [(m.month.strftime("%Y-%m"), [m.listed, m.expired]) for m in months],
            series_names=[_("listed"), _("expired")],
        ),
    }
    context["digests"] = stats.digests_recent()
    return render(request, "blacklist/stats.html", context)


@require_GET
def digest_detail(request: HttpRequest, year: int, month: int) -> HttpResponse:
    digest = stats.digest_of(year=year, month=month)
    if digest is None:
        raise Http404
    return render(request, "blacklist/digest.html", {"digest": digest})


@require_GET
def exports_page(request: HttpRequest) -> HttpResponse:
    offered = [
        {
            "snapshot": snapshot,
            "url": reverse(
                "export-download", args=[snapshot.pk, snapshots.download_name(snapshot)]
            ),
        }
        for snapshot in snapshots.snapshots_latest(audience=SnapshotAudience.PUBLIC)
    ]
    return render(request, "blacklist/exports.html", {"snapshots": offered})


@require_safe
def export_download(request: HttpRequest, pk: int, filename: str) -> HttpResponseBase:
    """The newest public snapshot of a format; never a file with full ID numbers."""
    snapshot = snapshots.snapshot_offered(pk=pk, audience=SnapshotAudience.PUBLIC)
    if snapshot is None or filename != snapshots.download_name(snapshot):
        raise Http404
    return downloads.snapshot_response(snapshot, request=request)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    response = render(request, "429.html", status=429)
    rate = (
        settings.OBJECTION_RATE
        if request.resolver_match and request.resolver_match.url_name == "objection-create"
        else settings.SEARCH_RATE
    )
    response["Retry-After"] = str(seconds_per_window(rate))
    return response


def seconds_per_window(rate: str) -> int:
    """'30/m' -> 60, '5/h' -> 3600, '10/5m' -> 300 (django-ratelimit's notation)."""
    _count, _slash, period = rate.partition("/")
    number = int(period[:-1] or 1) if period[:-1].isdigit() else 1
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period[-1:], 60)

"""The page a locked-out login gets (django-axes calls it: settings.AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {**admin.site.each_context(request), "cooloff_minutes": seconds // 60}
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response.render()

"""Every API error is JSON: a stable `code`, a message in the caller's language, and for
400 the fields at fault, named by their path (`subjects[3].id_number`)."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from blacklist.guard import services as guard

log = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = "too_large"


class EnumerationRefused(exceptions.Throttled):
    default_code = "enumeration_suspected"


class QuotaRefused(exceptions.Throttled):
    default_code = "quota_exceeded"


def _refusal(exc: guard.EnumerationSuspected | guard.QuotaExceeded) -> exceptions.Throttled:
    if isinstance(exc, guard.QuotaExceeded):
        return QuotaRefused(
            wait=exc.retry_after,
            detail=_(
                "This request would pass the client's daily quota of %(quota)d subjects "
                "(%(remaining)d left today). Try again after midnight (Asia/Shanghai), in "
                "%(seconds)d seconds, or ask the portal's operators for a larger quota."
            )
            % {"quota": exc.quota, "remaining": exc.remaining, "seconds": exc.retry_after},
            code=QuotaRefused.default_code,
        )
    return EnumerationRefused(
        wait=exc.retry_after,
        detail=_(
            "Refused: this client has asked about many ID numbers or names that differ only "
            "where the public masks hide them, which is how a masked identity is recovered. "
            "Such checks are refused until midnight (Asia/Shanghai), in %(seconds)d seconds, "
            "and the portal's officials have been alerted. If this is a real screening, "
            "contact the portal's operators."
        )
        % {"seconds": exc.retry_after},
        code=EnumerationRefused.default_code,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, guard.EnumerationSuspected | guard.QuotaExceeded):
        exc = _refusal(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = exception_handler(exc, context)
    if response is None:
        log.exception("API request failed", exc_info=exc)
        return Response(
            {"code": "server_error", "message": _("The server failed to answer; try again later.")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = dict(_flatten(exc.detail))
        response.data = {
            "code": "invalid",
            "message": _("The request has invalid fields: %(fields)s.")
            % {"fields": ", ".join(fields)},
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else exc.default_code,
            "message": _message(exc, context) or str(exc.detail),
        }
    return response


def _message(exc: exceptions.APIException, context: dict[str, Any]) -> str | None:
    """The portal's own words for DRF's stock errors: they say what to do, and exist in
    every language the portal speaks (DRF's own have no Traditional Chinese)."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("No API key was sent: send the header `Authorization: Api-Key <key>`.")
    if isinstance(exc, EnumerationRefused | QuotaRefused):
        return None  # their own words, in `detail`
    if isinstance(exc, exceptions.Throttled):
        return _("Over this client's rate limit: try again in %(seconds)d seconds.") % {
            "seconds": exc.wait or 1
        }
    if isinstance(exc, exceptions.ParseError):
        return _("The body is not valid JSON.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Send the body as JSON, with `Content-Type: application/json`.")
    if isinstance(exc, exceptions.NotAcceptable):
        return _("This endpoint answers in JSON; accept `application/json`.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        request = context.get("request")
        return _("The method %(method)s is not allowed here.") % {
            "method": getattr(request, "method", "")
        }
    if isinstance(exc, exceptions.NotFound) and exc.detail == exceptions.NotFound.default_detail:
        return _("Not found.")
    return None


def _flatten(detail: Any, path: str = ""):
    """Nested DRF error details as (path, [messages]) pairs."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{path}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY:
                name = path  # the object at `path` as a whole
            else:
                name = f"{path}.{key}" if path else key
            yield from _flatten(value, name)
    elif (
        isinstance(detail, list)
        and detail
        and not all(isinstance(item, exceptions.ErrorDetail) for item in detail)
    ):
        for index, value in enumerate(detail):
            if value:
                yield from _flatten(value, f"{path}[{index}]")
    else:
        messages = detail if isinstance(detail, list) else [detail]
        yield path or api_settings.NON_FIELD_ERRORS_KEY, [str(m) for m in messages]

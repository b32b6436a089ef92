"""Who may call the API: keys, scopes and per-client rates."""

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from blacklist.models import ApiClient, ApiKey


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`; the key is checked against its stored hash each time."""

    keyword = KeyParser.keyword

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        key = KeyParser().get(request)
        if not key:
            return None
        try:
            api_key = cast(ApiKey, ApiKey.objects.get_from_key(key.strip()))
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(
                _("The API key is not valid, has been revoked, or its client is disabled.")
            ) from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("The API key has expired."))
        return api_key.client, api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HasScope(permissions.BasePermission):
    """The view's `required_scope` must be one of the client's scopes."""

    message: Any = _("This API client lacks the scope this endpoint needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        scope = getattr(view, "required_scope", None)
        if scope is None or client.has_scope(scope):
            return True
        # an instance per request, so the message may name the scope
        self.message = _("This API client lacks the scope `%(scope)s` this endpoint needs.") % {
            "scope": scope
        }
        return False


class ClientRateThrottle(throttling.BaseThrottle):
    """Each client's own rate per minute: a fixed window counted by django-ratelimit.

    The count is one atomic `add`/`incr` on the cache, so it holds across web processes
    and concurrent requests on Redis (`CACHE_URL`); the file cache of a development
    machine has no atomic increment and may let a burst slightly over.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True
        usage = get_usage(
            request,
            group="api-client",
            key=lambda group, request: str(client.pk),
            rate=f"{client.rate_per_minute}/m",
            increment=True,
        )
        if usage is None or not usage["should_limit"]:
            return True
        self.time_left = max(1, int(usage["time_left"]))
        return False

    def wait(self) -> float | None:
        return getattr(self, "time_left", None)

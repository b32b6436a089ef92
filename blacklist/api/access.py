"""Who may call the API: keys, scopes and per-client rates."""

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
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

    message = _("This API client lacks the scope this endpoint needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        scope = getattr(view, "required_scope", None)
        return scope is None or client.has_scope(scope)


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """Each client's own rate per minute, counted on the shared cache."""

    def get_rate(self) -> str | None:
        return None  # known only once the client is

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True
        self.rate = f"{client.rate_per_minute}/m"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return f"api-rate:{request.user.pk}"

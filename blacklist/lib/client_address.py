"""The client's address, read the way the deployment says (README, "Behind a proxy").

Rate limits and the admin's login lockout count per address, so a header a client can write
must never give it a fresh bucket: the configured header is trusted only as far as the proxy
writes it, and anything missing or unreadable falls back to REMOTE_ADDR (the proxy's own
address, a bucket shared with everyone behind it, never a new one).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# Longer than any address a proxy writes; a value past this is not read at all.
MAX_ADDRESS_LENGTH = 100
# REMOTE_ADDR itself unreadable (a Unix socket, a broken server): one bucket for all of them.
UNKNOWN = "unknown"
IPV6_PREFIX = 64

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: HttpRequest) -> str:
    """The rate-limit key for the request's client: an IPv4 address, or an IPv6 /64
    (one household or one server gets a whole /64, so single addresses are free to rotate)."""
    address = client_ip(request)
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def address_key(group: str, request: HttpRequest) -> str:
    """`client_address` as django-ratelimit's key (`@ratelimit(key=address_key, ...)`)."""
    return client_address(request)


def client_lockout_address(request: HttpRequest) -> str | None:
    """The same bucket as `client_address`, written as one address (an IPv6 /64 as its first
    address), for stores that take an IP address, such as the login lockout's records."""
    address = client_ip(request)
    if address is None:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return str(address)


def client_ip(request: HttpRequest) -> Address | None:
    """The client's address from the configured header, else REMOTE_ADDR."""
    return _from_header(request) or _parse(request.META.get("REMOTE_ADDR") or "")


def _from_header(request: HttpRequest) -> Address | None:
    header = settings.CLIENT_IP_HEADER
    if header:
        return _parse(request.META.get(meta_key(header)) or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        # Each of the N proxies appends the address it saw; whatever the client sent comes
        # before them. The Nth from the right is what the outermost proxy saw.
        hops = (request.META.get("HTTP_X_FORWARDED_FOR") or "").rsplit(",", proxies)
        if len(hops) >= proxies:
            return _parse(hops[-proxies])
    return None


def meta_key(header: str) -> str:
    """'X-Real-IP' -> 'HTTP_X_REAL_IP' (a META key given as such is kept)."""
    name = header.strip().upper().replace("-", "_")
    return name if name.startswith("HTTP_") else f"HTTP_{name}"


def _parse(value: str) -> Address | None:
    value = value.strip()
    if not value or len(value) > MAX_ADDRESS_LENGTH:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address

"""Which Web Push endpoints this service may call: an allow-list of hosts, public addresses only.

A browser's subscription names the URL we POST to; a client can send any URL, so without a
check the service would make requests inside its own network for anyone with an account
(SSRF: the cloud metadata service, an admin port on localhost). An endpoint is accepted when:

- it is ``https`` on the default port, with no user name or password in it;
- its host is one of ``WANZO_PUSH["WEB_PUSH_HOSTS"]`` (the known push services by default;
  ``*.example.com`` allows the sub-domains of example.com);
- every address its host resolves to is a public unicast address: never loopback, private,
  shared (CGNAT), link-local (the metadata service, 169.254.169.254), multicast, reserved or
  unspecified, IPv4-mapped ones included.

It is checked when a device registers (a field error) and again before every send, because a
name that resolved to a public address then may resolve to a private one now (DNS rebinding);
the provider also checks the address it actually connected to (:mod:`push.providers.webpush`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_WEB_PUSH_HOSTS",
    "EndpointRefused",
    "address_allowed",
    "endpoint_check",
    "host_allowed",
    "resolve_host",
]

DEFAULT_WEB_PUSH_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, Opera (Firebase Cloud Messaging)
    "updates.push.services.mozilla.com",  # Firefox (Mozilla autopush)
    "*.push.apple.com",  # Safari (Apple web push: web.push.apple.com)
    "*.notify.windows.com",  # Edge on Windows (WNS: wns2-*.notify.windows.com)
)

Resolver = Callable[[str, int], Iterable[str]]


class EndpointRefused(ValueError):
    """The endpoint may not be called; the message says why (without the URL: a secret)."""


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now (the system resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise EndpointRefused("the push service's host does not resolve") from exc
    return [info[4][0] for info in infos]


def address_allowed(address: str) -> bool:
    """A public unicast address (``is_global``), IPv4-mapped IPv6 judged as its IPv4."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


def endpoint_check(
    url: str, *, allowed_hosts: Iterable[str] | None = None, resolve: Resolver | None = None
) -> None:
    """Raise :class:`EndpointRefused` unless ``url`` may be called (see the module's rules).

    ``allowed_hosts`` defaults to the ``WEB_PUSH_HOSTS`` setting, ``resolve`` to
    :func:`resolve_host` (tests pass a fake: no network).
    """
    if allowed_hosts is None:
        from push.conf import app_settings

        allowed_hosts = app_settings.WEB_PUSH_HOSTS
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused("not a valid URL") from exc
    if parts.scheme != "https" or not parts.hostname:
        raise EndpointRefused("not an https URL")
    if parts.username is not None or parts.password is not None:
        raise EndpointRefused("credentials in the URL")
    if port not in (None, 443):
        raise EndpointRefused("not the https port")
    if not host_allowed(parts.hostname, allowed_hosts):
        raise EndpointRefused("not a known push service")
    addresses = list((resolve or resolve_host)(parts.hostname, 443))
    if not addresses:
        raise EndpointRefused("the push service's host does not resolve")
    if not all(address_allowed(address) for address in addresses):
        raise EndpointRefused("the push service's host resolves to a non-public address")

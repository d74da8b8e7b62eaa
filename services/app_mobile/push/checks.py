"""System checks for ``WANZO_PUSH``: a misconfigured provider fails at start-up, not at send.

Stable ids (documented in the service's README):
- ``wanzo_push.E001`` unknown or unimportable provider (with a "did you mean").
- ``wanzo_push.E002`` the provider is missing configuration (e.g. webpush without VAPID keys).
- ``wanzo_push.E003`` unknown ``WANZO_PUSH`` key (a typo would be silently ignored).
- ``wanzo_push.E004`` ``WEB_PUSH_HOSTS`` is not a non-empty list of host names.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from push.conf import DEFAULTS, app_settings
from wanzo_common.backends import unknown_keys


@register("wanzo_push")
def check_push_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    app_settings.reload()  # checks must see the settings as they are now
    errors = _check_keys() + _check_hosts()
    from push.providers import resolve_provider

    try:
        cls = resolve_provider(str(app_settings.PROVIDER))
    except ImproperlyConfigured as exc:
        return [*errors, Error(str(exc), id="wanzo_push.E001")]
    options = {name: getattr(app_settings, name) for name in DEFAULTS}
    for problem in cls(options=options).check():
        errors.append(Error(f"WANZO_PUSH: {problem}.", id="wanzo_push.E002"))
    return errors


def _check_keys() -> list[Error]:
    return [
        Error(f"Unknown WANZO_PUSH setting {key!r}.", hint=hint, id="wanzo_push.E003")
        for key, hint in unknown_keys(app_settings.user_settings, DEFAULTS)
    ]


def _check_hosts() -> list[Error]:
    hosts = app_settings.WEB_PUSH_HOSTS
    if (
        isinstance(hosts, list | tuple)
        and hosts
        and all(isinstance(host, str) and host.strip("*.") for host in hosts)
    ):
        return []
    return [
        Error(
            "WANZO_PUSH['WEB_PUSH_HOSTS'] must be a non-empty list of host names.",
            hint="Set WEB_PUSH_HOSTS (comma-separated), e.g. fcm.googleapis.com,*.push.apple.com.",
            id="wanzo_push.E004",
        )
    ]

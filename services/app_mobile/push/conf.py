"""The push settings: one namespaced ``WANZO_PUSH`` dict, read lazily.

``app_settings.PROVIDER`` reads ``settings.WANZO_PUSH`` on first access and forgets it when a
test changes the setting (the shared :class:`~wanzo_common.app_settings.AppSettings`), so
nothing is read at import time. :func:`push_settings` builds the dict from the environment for
the service's settings module.
"""

from __future__ import annotations

from typing import Any

from push.endpoints import DEFAULT_WEB_PUSH_HOSTS
from wanzo_common.app_settings import AppSettings
from wanzo_common.env import Env

DEFAULTS: dict[str, Any] = {
    # "logging", "locmem", "webpush" or a dotted path (providers/__init__.py).
    "PROVIDER": "logging",
    # Web Push (VAPID): the application server's keys and its contact (mailto: or https: URL).
    "VAPID_PRIVATE_KEY": None,
    "VAPID_PUBLIC_KEY": None,
    "VAPID_SUBJECT": None,
    # Seconds a push service keeps an undelivered message.
    "TTL": 24 * 3600,
    # Seconds a provider waits for the push service.
    "TIMEOUT": 10.0,
    # The hosts Web Push endpoints may name ("*.domain": its sub-domains), push/endpoints.py.
    "WEB_PUSH_HOSTS": list(DEFAULT_WEB_PUSH_HOSTS),
}

app_settings = AppSettings(setting="WANZO_PUSH", defaults=DEFAULTS)


def push_settings(env: Env) -> dict[str, Any]:
    """``WANZO_PUSH`` from ``PUSH_PROVIDER`` and ``VAPID_*`` (keys come from the environment)
    and ``WEB_PUSH_HOSTS`` (comma-separated)."""
    private_key = env.str("VAPID_PRIVATE_KEY")
    return {
        "PROVIDER": env.str("PUSH_PROVIDER") or DEFAULTS["PROVIDER"],
        "VAPID_PRIVATE_KEY": private_key.replace("\\n", "\n") if private_key else None,
        "VAPID_PUBLIC_KEY": env.str("VAPID_PUBLIC_KEY"),
        "VAPID_SUBJECT": env.str("VAPID_SUBJECT"),
        "WEB_PUSH_HOSTS": env.list("WEB_PUSH_HOSTS", list(DEFAULT_WEB_PUSH_HOSTS)),
    }

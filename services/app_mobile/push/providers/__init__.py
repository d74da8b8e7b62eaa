"""Choosing the push provider: short aliases or a dotted path, as Django's ``EMAIL_BACKEND``.

``get_provider()`` builds the provider named by ``WANZO_PUSH["PROVIDER"]`` once and keeps it
until a test changes ``WANZO_PUSH``. Every provider module exports a class named ``Provider``,
so a dotted path may name the module or the class. An unknown name is an
``ImproperlyConfigured`` with a "did you mean" (and the system check ``wanzo_push.E001``).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from push.providers.base import BaseProvider, PushMessage, PushResult
from wanzo_common.backends import resolve_backend

__all__ = [
    "ALIASES",
    "BaseProvider",
    "PushMessage",
    "PushResult",
    "get_provider",
    "reset_provider",
    "resolve_provider",
]

ALIASES = {
    "logging": "push.providers.log.Provider",
    "locmem": "push.providers.locmem.Provider",
    "webpush": "push.providers.webpush.Provider",
}

_lock = threading.Lock()
_provider: BaseProvider | None = None


def resolve_provider(name: str) -> type[BaseProvider]:
    """The provider class for an alias, a module path or a class path."""
    return resolve_backend(
        name, aliases=ALIASES, base=BaseProvider, class_name="Provider", kind="push provider"
    )


def get_provider() -> BaseProvider:
    """The configured provider, built on first use."""
    global _provider
    provider = _provider
    if provider is not None:
        return provider
    from push.conf import app_settings

    with _lock:
        if _provider is None:
            cls = resolve_provider(str(app_settings.PROVIDER))
            _provider = cls(
                options={name: getattr(app_settings, name) for name in app_settings.defaults}
            )
        return _provider


def reset_provider() -> None:
    global _provider
    with _lock:
        _provider = None


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "WANZO_PUSH":
        reset_provider()

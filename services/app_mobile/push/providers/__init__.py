"""Choosing the push provider: short aliases or a dotted path, as Django's ``EMAIL_BACKEND``.

``get_provider()`` builds the provider named by ``WANZO_PUSH["PROVIDER"]`` once and keeps it
until a test changes ``WANZO_PUSH``. Every provider module exports a class named ``Provider``,
so a dotted path may name the module or the class. An unknown name is an
``ImproperlyConfigured`` with a "did you mean" (and the system check ``wanzo_push.E001``).
"""

from __future__ import annotations

import difflib
import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from push.providers.base import BaseProvider, PushMessage, PushResult

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
    path = ALIASES.get(name, name)
    if "." not in path:
        hint = difflib.get_close_matches(name, ALIASES, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ImproperlyConfigured(
            f"Unknown push provider {name!r}; use one of {sorted(ALIASES)} or a dotted "
            f"path.{suggestion}"
        )
    try:
        found: Any = import_string(path)
    except ImportError:
        try:
            found = import_string(f"{path}.Provider")
        except ImportError as exc:
            raise ImproperlyConfigured(f"Cannot import push provider {name!r}: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, BaseProvider)):
        found = getattr(found, "Provider", None)
    if isinstance(found, type) and issubclass(found, BaseProvider):
        return found
    raise ImproperlyConfigured(f"{name!r} is not a BaseProvider subclass or a module with one.")


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

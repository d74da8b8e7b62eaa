"""Namespaced app settings (``WANZO_EVENTS``, ``WANZO_MONITORING``): one dict, read lazily.

Modelled on DRF's ``api_settings``, one class for both shared apps so they read, cache and
reset their settings the same way: ``app_settings.NAME`` reads ``settings.<SETTING>`` on first
access, falls back to the app's defaults, and keeps the resolved value as an instance
attribute, so every later read is a plain attribute lookup (``publish()`` reads settings for
every event). When a test changes the setting (``override_settings``, pytest-django's
``settings`` fixture), Django sends ``setting_changed`` and every cached value is forgotten.
Nothing is read at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

__all__ = ["AppSettings"]


class AppSettings:
    """Attribute access to ``settings.<setting>`` merged over ``defaults``, cached until reset.

    A subclass overrides :meth:`resolve` for values computed from others (a default taken from
    another setting, a comma-separated string split into a list).
    """

    def __init__(self, *, setting: str, defaults: Mapping[str, Any]) -> None:
        self.setting = setting
        self.defaults = defaults
        self._cached: set[str] = set()
        self._user: dict[str, Any] | None = None
        # A bound method: Django keeps a weak reference, so an instance that goes away (one a
        # test built) disconnects itself; the apps' module-level instances live for good.
        setting_changed.connect(self._on_setting_changed)

    @property
    def user_settings(self) -> dict[str, Any]:
        """The project's dict, as written (without the defaults)."""
        if self._user is None:
            self._user = dict(getattr(settings, self.setting, None) or {})
        return self._user

    def __getattr__(self, name: str) -> Any:
        # Only called for names not cached yet (a cached value is an instance attribute).
        if name.startswith("_") or name not in self.defaults:
            raise AttributeError(f"Invalid {self.setting} setting: {name!r}")
        value = self.resolve(name, self.user_settings.get(name, self.defaults[name]))
        self._cached.add(name)
        setattr(self, name, value)
        return value

    def resolve(self, name: str, value: Any) -> Any:
        """The value to serve for ``name``, given the configured (or default) ``value``."""
        return value

    def reload(self) -> None:
        """Forget every cached value; the next read sees the settings as they are now."""
        for name in self._cached:
            self.__dict__.pop(name, None)
        self._cached.clear()
        self._user = None

    def _on_setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        if setting == self.setting:
            self.reload()

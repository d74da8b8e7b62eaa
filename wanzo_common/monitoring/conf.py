"""The ``WANZO_MONITORING`` settings, read lazily and re-read when a test overrides them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    "PORT": 9464,  # PROMETHEUS_PORT: the dedicated exporter port
    "CELERY_PORT": 9564,  # exporter port of the service's Celery workers
    "BIND_ADDRESS": "127.0.0.1",
    "BEARER_TOKEN": None,  # exporter protection: "Authorization: Bearer <token>"
    "BASIC_AUTH": None,  # or "user:password"
    "ACTIVE_USERS_WINDOW": 300,  # seconds a user counts as active after a request
    "EXPORTER": "auto",  # "auto": start under runserver/gunicorn/celery; "off": never
}


class MonitoringSettings:
    """Attribute access to ``settings.WANZO_MONITORING`` merged over :data:`DEFAULTS`."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] | None = None

    def _merged(self) -> dict[str, Any]:
        if self._cache is None:
            user = getattr(settings, "WANZO_MONITORING", {}) or {}
            self._cache = {**DEFAULTS, **user}
        return self._cache

    def __getattr__(self, name: str) -> Any:
        try:
            return self._merged()[name]
        except KeyError:
            raise AttributeError(f"Invalid WANZO_MONITORING setting: {name!r}") from None

    def reload(self) -> None:
        self._cache = None


monitoring_settings = MonitoringSettings()


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "WANZO_MONITORING":
        monitoring_settings.reload()


setting_changed.connect(_reload)

"""The ``WANZO_MONITORING`` settings, read lazily and re-read when a test overrides them
(:class:`~wanzo_common.app_settings.AppSettings`, as ``WANZO_EVENTS``)."""

from __future__ import annotations

from typing import Any

from wanzo_common.app_settings import AppSettings

DEFAULTS: dict[str, Any] = {
    "PORT": 9464,  # PROMETHEUS_PORT: the dedicated exporter port
    "CELERY_PORT": 9564,  # exporter port of the service's Celery workers
    "BIND_ADDRESS": "127.0.0.1",
    "BEARER_TOKEN": None,  # exporter protection: "Authorization: Bearer <token>"
    "BASIC_AUTH": None,  # or "user:password"
    "ACTIVE_USERS_WINDOW": 300,  # seconds a user counts as active after a request
    "ENABLED": True,  # False: no query timing (and the settings leave the middleware out)
    "EXPORTER": "auto",  # "auto": start under runserver/gunicorn/celery; "off": never
}


monitoring_settings = AppSettings(setting="WANZO_MONITORING", defaults=DEFAULTS)

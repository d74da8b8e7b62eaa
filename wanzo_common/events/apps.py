"""The events Django app: system checks and the broker readiness probe."""

from __future__ import annotations

from django.apps import AppConfig


def broker_ready() -> None:
    """Readiness probe: raises when the configured broker cannot be reached."""
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.transports import get_transport

    get_transport().ping(timeout=min(2.0, float(app_settings.SEND_TIMEOUT)))


class EventsConfig(AppConfig):
    name = "wanzo_common.events"
    label = "wanzo_events"
    verbose_name = "Wanzo events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wanzo_common import health
        from wanzo_common.events import checks  # noqa: F401  (registers the system checks)

        health.READINESS_CHECKS.setdefault("events_broker", broker_ready)

"""The events Django app: system checks and the broker readiness probe."""

from __future__ import annotations

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "wanzo_common.events"
    label = "wanzo_events"
    verbose_name = "Wanzo events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wanzo_common.events import checks  # noqa: F401  (registers the system checks)

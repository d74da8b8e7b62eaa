"""The events Django app: system checks, the broker's state in /readyz and the start-up log line."""

from __future__ import annotations

import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def broker_ready() -> None:
    """Raises when the configured broker cannot be reached; sets ``events_broker_up``.

    Reported by ``/readyz`` as a dependency, not a condition: web stays ready without the
    broker (its outbox keeps the events), and the gauge's alert says the broker is down.
    """
    from wanzo_common.events import metrics
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.transports import get_transport

    try:
        get_transport().ping(timeout=min(2.0, float(app_settings.SEND_TIMEOUT)))
    except Exception:
        metrics.EVENTS_BROKER_UP.set(0)
        raise
    metrics.EVENTS_BROKER_UP.set(1)


def transport_name() -> str:
    """The configured transport (``mock``, ``kafka`` or a dotted path), for logs and ``/readyz``."""
    from wanzo_common.events.conf import app_settings

    return str(app_settings.TRANSPORT)


def describe_transport() -> str:
    """One line saying which transport this process uses and whether it leaves the process."""
    from django.core.exceptions import ImproperlyConfigured

    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.transports import resolve_transport

    name = transport_name()
    try:
        cls = resolve_transport(name)
    except ImproperlyConfigured:
        return f"events transport: {name} (invalid, see wanzo_events.E001)"
    if cls.delivers_across_processes:
        brokers = ",".join(app_settings.BROKERS) or "no brokers"
        return f"events transport: {name} ({brokers})"
    allowed = "allowed by ALLOW_MOCK" if app_settings.ALLOW_MOCK else "not allowed to relay"
    return f"events transport: {name} (in-memory, this process only; {allowed})"


class EventsConfig(AppConfig):
    name = "wanzo_common.events"
    label = "wanzo_events"
    verbose_name = "Wanzo events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wanzo_common import health
        from wanzo_common.events import checks  # noqa: F401  (registers the system checks)

        health.READINESS_DEPENDENCIES.setdefault("events_broker", broker_ready)
        health.READINESS_DETAILS.setdefault("transport", transport_name)
        # Every process (server, consumer, relay, worker) says once which transport it runs on:
        # logging is configured before the apps are ready (django.setup()).
        logger.info(describe_transport())

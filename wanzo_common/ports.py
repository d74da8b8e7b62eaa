"""The fixed ports of every Wanzo service, defined here once.

The services' settings (:func:`wanzo_common.settings.build`) take their defaults from this
table and ``manage_all.py up`` binds the same ones, so a port is changed in one place. Each
port can still be overridden per process with ``APP_PORT``, ``PROMETHEUS_PORT``,
``CELERY_PROMETHEUS_PORT``, ``EVENTS_PROMETHEUS_PORT`` and ``RELAY_PROMETHEUS_PORT`` (environment, then the service's
``.env``). Nothing here imports Django: the launcher reads it before any service starts.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SERVICES", "ServicePorts", "ports_of"]


class ServicePorts(NamedTuple):
    app: int  # the HTTP API, /healthz and /readyz (APP_PORT)
    metrics: int  # the server's /metrics (PROMETHEUS_PORT)
    celery: int  # the service's Celery workers' /metrics (CELERY_PROMETHEUS_PORT)
    events: int  # the service's consume_events process's /metrics (EVENTS_PROMETHEUS_PORT)
    relay: int  # the service's relay_outbox process's /metrics (RELAY_PROMETHEUS_PORT)


# In display order (make up's tables, README's Ports section).
SERVICES: dict[str, ServicePorts] = {
    "admin": ServicePorts(app=8001, metrics=9464, celery=9564, events=9664, relay=9764),
    "accounting": ServicePorts(app=8002, metrics=9465, celery=9565, events=9665, relay=9765),
    "app_mobile": ServicePorts(app=8003, metrics=9466, celery=9566, events=9666, relay=9766),
    "auth": ServicePorts(app=8004, metrics=9467, celery=9567, events=9667, relay=9767),
}


def ports_of(service: str) -> ServicePorts:
    """The default ports of ``service``; a name outside the table is a programming error."""
    try:
        return SERVICES[service]
    except KeyError:
        raise KeyError(f"no ports for service {service!r}; known: {', '.join(SERVICES)}") from None

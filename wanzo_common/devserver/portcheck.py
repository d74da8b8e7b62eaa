"""Which ports ``up`` binds for each service, and whether they are free before anything starts.

The defaults are :mod:`wanzo_common.ports`; a service's ``APP_PORT``, ``PROMETHEUS_PORT``,
``CELERY_PROMETHEUS_PORT``, ``EVENTS_PROMETHEUS_PORT`` and ``RELAY_PROMETHEUS_PORT`` override them with the precedence its settings use (environment, then
its ``.env``), read through the same :class:`~wanzo_common.env.Env`. Checking first turns "one
of twelve processes died with EADDRINUSE" into one line naming the port and its owner.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

from wanzo_common.devserver.cli import UsageError
from wanzo_common.env import Env
from wanzo_common.ports import ServicePorts, ports_of

HOST = "127.0.0.1"  # up serves on loopback only
# The ports up binds, by the variable that overrides each: the server's two, the metrics port
# of the consumer's host (the Celery worker, or consume_events with --consumers commands) and
# the relay's.
BOUND = {
    "app": "APP_PORT",
    "metrics": "PROMETHEUS_PORT",
    "celery": "CELERY_PROMETHEUS_PORT",
    "events": "EVENTS_PROMETHEUS_PORT",
    "relay": "RELAY_PROMETHEUS_PORT",
}


def resolve_ports(service: str, *, env: Env) -> ServicePorts:
    """The service's ports: ``env`` (environment, then .env) over the defaults."""
    defaults = ports_of(service)
    found = {}
    for kind, variable in BOUND.items():
        raw = env.str(variable, str(getattr(defaults, kind)))
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise UsageError(f"{variable} for {service} is not a port number: {raw!r}")
        found[kind] = int(raw)
    return defaults._replace(**found)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def check_ports(
    ports: Mapping[str, ServicePorts], *, kinds: tuple[str, ...] = ("app", "metrics", "celery")
) -> None:
    """Raise :class:`UsageError` for a port of ``kinds`` given twice or already in use."""
    owners: dict[int, str] = {}
    for service, pair in ports.items():
        for kind in kinds:
            port = getattr(pair, kind)
            if port in owners:
                raise UsageError(f"port {port} given to both {owners[port]} and {service} {kind}")
            owners[port] = f"{service} {kind}"
            if not port_is_free(port):
                raise UsageError(f"port {port} ({service} {kind}) is already in use")

"""Choosing and caching the transport (kombu-style aliases, Django-style dotted paths).

``get_transport()`` returns one transport per process. librdkafka is not fork-safe: a client
created before gunicorn or Celery forks must not be used by the children, so a forked child
forgets the cached transport (``os.register_at_fork``; the cache is also keyed by the process
id) and builds its own. The cache is dropped when a test changes ``WANZO_EVENTS``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from wanzo_common.backends import resolve_backend
from wanzo_common.events.transports.base import (
    BaseConsumer,
    BaseTransport,
    DeliveryError,
    Message,
)

__all__ = [
    "ALIASES",
    "BaseConsumer",
    "BaseTransport",
    "DeliveryError",
    "Message",
    "get_transport",
    "reset_transports",
    "resolve_transport",
    "transport_options",
]

ALIASES = {
    "mock": "wanzo_common.events.transports.mock.Transport",
    "kafka": "wanzo_common.events.transports.kafka.Transport",
}

_lock = threading.Lock()
_cache: dict[int, BaseTransport] = {}
# This process's transport: what get_transport() returns without a lock or os.getpid().
_current: BaseTransport | None = None


def resolve_transport(name: str) -> type[BaseTransport]:
    """The transport class for an alias, a module path or a class path."""
    return resolve_backend(
        name, aliases=ALIASES, base=BaseTransport, class_name="Transport", kind="events transport"
    )


def transport_options() -> dict[str, Any]:
    """The options every transport receives, built from ``WANZO_EVENTS``."""
    from wanzo_common.events.conf import app_settings

    return {
        "brokers": list(app_settings.BROKERS),
        "client_id": app_settings.CLIENT_ID or f"wanzo-{app_settings.SOURCE}",
        "security": dict(app_settings.SECURITY),
        "partitions": app_settings.PARTITIONS,
        "replication_factor": app_settings.REPLICATION_FACTOR,
        "dev_broker": app_settings.DEV_BROKER,
        "config": dict(app_settings.OPTIONS),
        "producer_config": dict(app_settings.PRODUCER_OPTIONS),
        "consumer_config": dict(app_settings.CONSUMER_OPTIONS),
    }


def get_transport() -> BaseTransport:
    """The process's transport, created on first use (and again after a fork)."""
    transport = _current
    if transport is not None:
        return transport
    return _create_transport()


def _create_transport() -> BaseTransport:
    global _current
    pid = os.getpid()
    with _lock:
        if pid not in _cache:
            # Clients inherited from a parent process are dropped, not closed: closing a
            # librdkafka handle the child does not own would touch the parent's threads.
            _cache.clear()
            from wanzo_common.events.conf import app_settings

            cls = resolve_transport(app_settings.TRANSPORT)
            _cache[pid] = cls(options=transport_options())
        _current = _cache[pid]
        return _current


def reset_transports(*, close: bool = True) -> None:
    """Forget the cached transport (closing it if this process created it)."""
    global _current
    with _lock:
        transport = _cache.pop(os.getpid(), None)
        _cache.clear()
        _current = None
    if transport is not None and close:
        transport.close()


def _forget_in_child() -> None:
    global _current, _lock
    _current = None
    _lock = threading.Lock()  # another thread may have held the parent's at fork time


os.register_at_fork(after_in_child=_forget_in_child)


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "WANZO_EVENTS":
        reset_transports()

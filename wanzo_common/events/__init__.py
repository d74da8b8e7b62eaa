"""Typed CloudEvents over Kafka (or an in-memory broker), with a transactional outbox.

The public API, imported lazily so that ``INSTALLED_APPS`` can name this package before the
app registry is ready::

    from wanzo_common.events import publish, handler
    publish("user.created", {"userId": "42", ...})
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "DeliveryError",
    "Event",
    "EventType",
    "InvalidEvent",
    "Message",
    "RejectEvent",
    "get_transport",
    "get_type",
    "handler",
    "publish",
    "publish_many",
    "relay_outbox",
    "topic_for",
    "type_names",
]

_EXPORTS = {
    "DeliveryError": "wanzo_common.events.transports.base",
    "Event": "wanzo_common.events.envelope",
    "EventType": "wanzo_common.events.types",
    "InvalidEvent": "wanzo_common.events.exceptions",
    "Message": "wanzo_common.events.transports.base",
    "RejectEvent": "wanzo_common.events.registry",
    "get_transport": "wanzo_common.events.transports",
    "get_type": "wanzo_common.events.types",
    "handler": "wanzo_common.events.registry",
    "publish": "wanzo_common.events.publisher",
    "publish_many": "wanzo_common.events.publisher",
    "relay_outbox": "wanzo_common.events.relay",
    "topic_for": "wanzo_common.events.types",
    "type_names": "wanzo_common.events.types",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wanzo_common.events' has no attribute {name!r}")
    return getattr(import_module(module), name)

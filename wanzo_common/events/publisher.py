"""``publish()``: one call from service code to emit a typed event.

By default the event becomes an outbox row in the caller's database transaction: it is sent
(by the relay) if and only if the business change commits, and a broker outage delays it but
never loses it or switches publishing off. ``immediate=True`` (or ``WANZO_EVENTS["OUTBOX"] =
False``) sends it at once, for events tied to no transaction, and waits for the broker's
acknowledgement (one round trip; ``SEND_TIMEOUT`` at most): when ``publish`` returns, the event
is on the broker, and when the broker cannot take it, :class:`DeliveryError` tells the caller,
who may retry or fail the request (a message already in flight when the timeout strikes may
still arrive: the error means "not confirmed", not "certainly lost"). Either way the payload is
validated against its schema first, so a bad event fails in the caller, not in every consumer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from wanzo_common.events import metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.envelope import Event
from wanzo_common.events.transports import DeliveryError, Message, get_transport
from wanzo_common.events.types import get_type, topic_for
from wanzo_common.monitoring.logging import get_request_id

__all__ = [
    "DeliveryError",
    "build",
    "current_correlation_id",
    "enqueue",
    "publish",
    "publish_many",
]

logger = logging.getLogger(__name__)


def current_correlation_id() -> str | None:
    """The id of the request being served (set by the monitoring middleware), if any."""
    return get_request_id()


def build(
    type_name: str,
    data: dict[str, Any],
    *,
    subject: str | None = None,
    correlation_id: str | None = None,
) -> tuple[Event, Message]:
    """The validated :class:`Event` and the :class:`Message` that carries it, not yet sent."""
    event_type = get_type(type_name)
    correlation_id = correlation_id or current_correlation_id()
    event = Event._new(event_type, data, app_settings.SOURCE, subject, correlation_id, None)
    return event, event.to_message(topic_for(event_type))


def publish(
    type_name: str,
    data: dict[str, Any],
    *,
    subject: str | None = None,
    immediate: bool = False,
    correlation_id: str | None = None,
    using: str = "default",
) -> Event:
    """Validate, wrap and publish one event; returns the :class:`Event` (with its id).

    Raises :class:`~wanzo_common.events.exceptions.InvalidEvent` (a ``ValueError``) for an
    unknown type or a payload that fails its schema, and in immediate mode
    :class:`DeliveryError` when the broker did not acknowledge the event in ``SEND_TIMEOUT``.
    """
    event, message = build(type_name, data, subject=subject, correlation_id=correlation_id)
    if immediate or not app_settings.OUTBOX:
        get_transport().send([message], timeout=app_settings.SEND_TIMEOUT)
    else:
        enqueue(event, message, using=using)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("event published: %s (%s)", event.describe(), "now" if immediate else "outbox")
    return event


def publish_many(
    events: Iterable[tuple[str, dict[str, Any]]],
    *,
    subject: str | None = None,
    using: str = "default",
) -> list[Event]:
    """Publish several ``(type_name, data)`` events through the outbox with one INSERT.

    What :func:`publish` does for each, in order (the same validation, the same rows), for a
    caller that writes many at once, e.g. a consumer's batch handler. Outbox mode only: an
    immediate send has no transaction to share. Returns the events, in order.
    """
    from wanzo_common.events.models import OutboxEvent

    built = [build(type_name, data, subject=subject) for type_name, data in events]
    if not app_settings.OUTBOX:
        get_transport().send([message for _, message in built], timeout=app_settings.SEND_TIMEOUT)
        return [event for event, _ in built]
    rows = [
        OutboxEvent.from_message(message, event_id=event.id, type=event.type, created_at=event.time)
        for event, message in built
    ]
    OutboxEvent.objects.using(using).bulk_create(rows)
    for _, message in built:
        metrics.record_published(message, "queued")
    return [event for event, _ in built]


def enqueue(event: Event, message: Message, *, using: str = "default") -> None:
    """Write ``message`` to the outbox table (in the caller's transaction, if any)."""
    from wanzo_common.events.models import OutboxEvent

    row = OutboxEvent.from_message(
        message, event_id=event.id, type=event.type, created_at=event.time
    )
    row.save(using=using, force_insert=True)
    metrics.record_published(message, "queued")

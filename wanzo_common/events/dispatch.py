"""One consumed message, from bytes to a committed effect or a dead letter.

:class:`MessageDispatcher` is the per-message half of :class:`~.consumer.ConsumerEngine` (which
keeps the loop, its limits and stopping). It skips types the group does not handle before
decoding them, decodes the envelope, runs the handlers in one database transaction with the
inbox row keyed by (consumer group, event id) so a redelivery has no second effect, retries a
failing handler with exponential backoff, and sends what can never succeed to ``<group>.dlq``.
Each outcome, and each retry, is counted in ``kafka_events_consumed_total``.
It is a mixin rather than an object of its own so that the engine's public ``handle`` and
``dead_letter`` and its ``_wait`` hook (tests replace it on the engine class) stay where they
have always been.
"""

from __future__ import annotations

import logging
import time
from enum import StrEnum

from django.db import InterfaceError, OperationalError, transaction

from wanzo_common.events import deadletter, metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.connections import ConnectionGuard, close_old_connections
from wanzo_common.events.envelope import Event, InvalidEvent
from wanzo_common.events.registry import Delivery, Handler, HandlerRegistry, RejectEvent
from wanzo_common.events.registry import _delivery as _current
from wanzo_common.events.transports import BaseTransport, DeliveryError, Message

# The engine's logger: these records came from consumer.py before the split, and log
# configuration and searches key on that name.
logger = logging.getLogger("wanzo_common.events.consumer")

__all__ = ["INFRASTRUCTURE_ERRORS", "FatalConsumerError", "MessageDispatcher", "Outcome"]

# Errors that say the database is unreachable, not that the event is bad: never dead-letter.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


class FatalConsumerError(Exception):
    """The engine cannot go on safely (the current message's offset was not stored)."""


class _Interrupted(Exception):
    """stop() was called while a message waited for its next attempt."""


class MessageDispatcher:
    """Decode, dispatch, retry and dead-letter one message (mixed into the consumer engine).

    The host sets the attributes below and provides ``_wait(delay) -> bool``, which sleeps
    between attempts and says whether the run was asked to stop meanwhile.
    """

    group: str
    transport: BaseTransport
    registry: HandlerRegistry
    max_attempts: int
    backoff: float
    backoff_max: float
    database: str
    _connections: ConnectionGuard

    def _wait(self, delay: float) -> bool:  # pragma: no cover  (the engine overrides it)
        raise NotImplementedError

    def handle(self, message: Message) -> Outcome:
        """Decode, dispatch and (if need be) dead-letter one message; does not store its offset."""
        self._connections.before_message()
        outcome = None
        try:
            outcome = self._handle(message)
        finally:
            failed = outcome is None or outcome is Outcome.DEAD_LETTERED
            self._connections.after_message(failed=failed)
        return outcome

    def _handle(self, message: Message) -> Outcome:
        type_name = _header(message, "ce_type")
        if type_name and _is_known_type(type_name) and not self._handlers(type_name):
            # Skipped before decoding: a service reads whole family topics and handles few types.
            self._count(message, type_name, Outcome.IGNORED)
            return Outcome.IGNORED
        try:
            event = Event.from_message(message)
        except InvalidEvent as exc:
            return self.dead_letter(message, reason=exc.reason, error=str(exc), attempts=0)
        return self._dispatch(message, event, self._handlers(event.type))

    def _handlers(self, type_name: str) -> list[Handler]:
        return self.registry.handlers_for(type_name, group=self.group)

    def _dispatch(self, message: Message, event: Event, handlers: list[Handler]) -> Outcome:
        if not handlers:
            self._count(message, event.type, Outcome.IGNORED)
            return Outcome.IGNORED
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = self._apply(Delivery(self.group, message, attempt), event, handlers)
            except RejectEvent as exc:
                return self.dead_letter(
                    message, reason="rejected", error=_describe(exc), attempts=attempt
                )
            except Exception as exc:  # noqa: BLE001  (any handler error is retried, then dead-lettered)
                if attempt < self.max_attempts:
                    self._retry_later(message, event, exc, attempt)
                    continue
                if isinstance(exc, INFRASTRUCTURE_ERRORS):
                    raise FatalConsumerError(f"database unavailable: {type(exc).__name__}") from exc
                return self.dead_letter(
                    message, reason="max_attempts", error=_describe(exc), attempts=attempt
                )
            self._count(message, event.type, outcome)
            return outcome
        raise AssertionError("unreachable")  # pragma: no cover

    def _apply(self, delivery: Delivery, event: Event, handlers: list[Handler]) -> Outcome:
        """Run the handlers and claim the inbox row in one transaction: all or nothing."""
        from wanzo_common.events.models import InboxEvent

        started = time.perf_counter()
        token = _current.set(delivery)
        try:
            with transaction.atomic(using=self.database):
                if not InboxEvent.objects.claim(
                    group=self.group, event_id=event.id, type_name=event.type, using=self.database
                ):
                    return Outcome.DUPLICATE
                for entry in handlers:
                    entry.func(event)
            return Outcome.HANDLED
        finally:
            _current.reset(token)
            # Failed attempts are timed too: a slow failure is what one wants to see.
            metrics.KAFKA_EVENT_HANDLER_DURATION.labels(type=event.type).observe(
                time.perf_counter() - started
            )

    def _retry_later(self, message: Message, event: Event, exc: Exception, attempt: int) -> None:
        delay = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        # The exception's class only: its message may quote personal data (e.g. a unique key).
        logger.warning(
            "handler failed for event %s (%s), attempt %d/%d: %s; retrying in %.2fs",
            event.id,
            event.type,
            attempt,
            self.max_attempts,
            type(exc).__name__,
            delay,
        )
        self._count(message, event.type, "retried")
        if self._wait(delay):
            raise _Interrupted
        close_old_connections()

    # -- dead letters ---------------------------------------------------------------------

    def dead_letter(self, message: Message, *, reason: str, error: str, attempts: int) -> Outcome:
        """Send ``message`` unchanged to ``<group>.dlq`` with ``dlq_*`` headers saying why."""
        letter = deadletter.wrap(
            message, group=self.group, reason=reason, error=error, attempts=attempts
        )
        try:
            self.transport.send([letter], timeout=app_settings.SEND_TIMEOUT)
        except DeliveryError as exc:
            raise FatalConsumerError(f"cannot write to {letter.topic}") from exc
        logger.warning(
            "dead-lettered %s[%s]@%s to %s: %s",
            message.topic,
            message.partition,
            message.offset,
            letter.topic,
            reason,
        )
        metrics.KAFKA_DEAD_LETTERS.labels(topic=message.topic, reason=reason).inc()
        self._count(message, _header(message, "ce_type") or "unknown", Outcome.DEAD_LETTERED)
        return Outcome.DEAD_LETTERED

    # -- metrics --------------------------------------------------------------------------

    def _count(self, message: Message, type_name: str, outcome: Outcome | str) -> None:
        label = type_name if _is_known_type(type_name) else "unknown"  # keep labels bounded
        value = outcome.value if isinstance(outcome, Outcome) else outcome
        metrics.KAFKA_EVENTS_CONSUMED.labels(topic=message.topic, type=label, outcome=value).inc()


def _header(message: Message, name: str) -> str | None:
    raw = message.header(name)
    if raw is None:
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def _is_known_type(type_name: str) -> bool:
    from wanzo_common.events import types

    return type_name in types.REGISTRY


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"

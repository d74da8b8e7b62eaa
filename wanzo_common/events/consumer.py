"""The one consumer engine, hosted by ``manage.py consume_events`` and by the Celery bootstep.

Delivery is at-least-once: a message's offset is stored only after its handlers committed (or
after it was dead-lettered), so a crash redelivers it. Redeliveries have no second effect
because the handlers run in one database transaction with an inbox row keyed by
(consumer group, event id): a duplicate finds the row and is skipped. A handler that raises is
retried with exponential backoff up to ``MAX_ATTEMPTS``; then, and at once for messages that can
never succeed (not JSON, unknown type, schema failure, missing envelope headers, a handler's
:class:`RejectEvent`), the original bytes and headers go to ``<group>.dlq`` with ``dlq_*``
headers saying why, and the partition moves on. Types the group does not handle are skipped and
counted. Database connections are kept healthy as Django keeps them around requests, but
checked before a message only when one may have gone bad (see :mod:`.connections`).
Errors that are not the message's fault (the database or the DLQ unreachable) stop the engine
with :class:`FatalConsumerError` without storing the offset: the process exits non-zero, its
supervisor restarts it, and the message is redelivered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import InterfaceError, OperationalError, transaction

from wanzo_common.events import deadletter, metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.connections import ConnectionGuard, close_old_connections
from wanzo_common.events.envelope import Event, InvalidEvent
from wanzo_common.events.registry import (
    Delivery,
    Handler,
    HandlerRegistry,
    RejectEvent,
    autodiscover,
    current_delivery,
    registry,
)
from wanzo_common.events.registry import _delivery as _current
from wanzo_common.events.transports import (
    BaseConsumer,
    BaseTransport,
    DeliveryError,
    Message,
    get_transport,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ConsumerEngine",
    "Delivery",
    "FatalConsumerError",
    "Outcome",
    "RejectEvent",
    "RunStats",
    "current_delivery",
]

# Errors that say the database is unreachable, not that the event is bad: never dead-letter.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)
LAG_INTERVAL = 5.0


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


class FatalConsumerError(Exception):
    """The engine cannot go on safely (the current message's offset was not stored)."""


class _Interrupted(Exception):
    """stop() was called while a message waited for its next attempt."""


@dataclass
class RunStats:
    """What one :meth:`ConsumerEngine.run` did, by outcome (for commands and tests)."""

    outcomes: Counter = field(default_factory=Counter)
    stopped_by: str = ""

    @property
    def messages(self) -> int:
        return sum(self.outcomes.values())

    def __getitem__(self, outcome: Outcome | str) -> int:
        return self.outcomes[Outcome(outcome)]


@dataclass
class _Limits:
    """When a bounded run ends: after N messages, at a deadline, or after a quiet period."""

    max_messages: int | None
    deadline: float | None
    idle_timeout: float | None
    last_message: float = field(default_factory=time.monotonic)
    idle: bool = False  # the last poll returned nothing

    def reached(self, handled: int) -> str:
        now = time.monotonic()
        if self.max_messages is not None and handled >= self.max_messages:
            return "max_messages"
        if self.deadline is not None and now >= self.deadline:
            return "timeout"
        quiet_for = now - self.last_message
        if self.idle and self.idle_timeout is not None and quiet_for >= self.idle_timeout:
            return "idle_timeout"
        return ""


class ConsumerEngine:
    """Consume ``topics`` as consumer group ``group`` and dispatch to the registered handlers."""

    def __init__(
        self,
        *,
        group: str | None = None,
        topics: Sequence[str] | None = None,
        transport: BaseTransport | None = None,
        handlers: HandlerRegistry | None = None,
        max_attempts: int | None = None,
        backoff: float | None = None,
        backoff_max: float | None = None,
        database: str = "default",
        from_beginning: bool = True,
    ) -> None:
        self.group = group or app_settings.CONSUMER_GROUP_ID
        if not self.group:
            raise ValueError("A consumer group is required (WANZO_EVENTS['CONSUMER_GROUP_ID']).")
        self.topics = list(topics or default_topics())
        self.transport = transport or get_transport()
        self.registry = handlers or registry
        self.max_attempts = max(1, max_attempts or app_settings.MAX_ATTEMPTS)
        self.backoff = app_settings.RETRY_BACKOFF if backoff is None else backoff
        self.backoff_max = app_settings.RETRY_BACKOFF_MAX if backoff_max is None else backoff_max
        self.database = database
        self.from_beginning = from_beginning
        self.dlq_topic = deadletter.dlq_topic(self.group)
        self._stop = threading.Event()
        self._last_lag = time.monotonic()
        self._connections = ConnectionGuard()

    # -- the loop -------------------------------------------------------------------------

    def run(
        self,
        *,
        max_messages: int | None = None,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        poll_interval: float = 0.5,
    ) -> RunStats:
        """Consume until :meth:`stop`, ``max_messages``, ``timeout`` or ``idle_timeout`` seconds.

        On the way out the stored offsets are committed and the group is left, so the next
        member starts exactly after the last message this one finished.
        """
        autodiscover()
        self._ensure_dlq_topic()
        stats = RunStats()
        limits = _Limits(max_messages, _deadline(timeout), idle_timeout)
        consumer = self.transport.consumer(
            group_id=self.group, topics=self.topics, from_beginning=self.from_beginning
        )
        try:
            while not self._should_stop(stats, limits):
                message = self._poll(consumer, poll_interval)
                self._report_lag(consumer, every=LAG_INTERVAL)
                limits.idle = message is None
                if message is None:
                    self._connections.idle()
                else:
                    limits.last_message = time.monotonic()
                    stats.outcomes[self._process(consumer, message)] += 1
        except _Interrupted:
            stats.stopped_by = "stop"
        finally:
            self._report_lag(consumer)
            consumer.close()
        return stats

    def _ensure_dlq_topic(self) -> None:
        # Clusters that do not auto-create topics would refuse the first dead letter, and that
        # is fatal; create it up front. Without the right to, dead-lettering will tell. The
        # subscribed topics too: a group member is only assigned topics that exist when it
        # subscribes (KIP-848), and a service may start consuming before anyone published.
        try:
            self.transport.ensure_topics([*self.topics, self.dlq_topic])
        except Exception as exc:  # noqa: BLE001
            logger.warning("could not ensure topic %s: %s", self.dlq_topic, type(exc).__name__)

    @staticmethod
    def _poll(consumer: BaseConsumer, timeout: float) -> Message | None:
        try:
            return consumer.poll(timeout)
        except Exception as exc:  # the client gave up (e.g. a fatal librdkafka error)
            raise FatalConsumerError(f"consumer failed: {type(exc).__name__}: {exc}") from exc

    def stop(self) -> None:
        """Ask the loop to finish the message in hand and return (safe from any thread)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _should_stop(self, stats: RunStats, limits: _Limits) -> bool:
        stats.stopped_by = "stop" if self._stop.is_set() else limits.reached(stats.messages)
        return bool(stats.stopped_by)

    def _process(self, consumer: BaseConsumer, message: Message) -> Outcome:
        outcome = self.handle(message)
        # Only now may the offset move past this message: its effect is committed or its
        # bytes are safe in the dead-letter topic.
        consumer.store(message)
        return outcome

    # -- one message ----------------------------------------------------------------------

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

    def _wait(self, delay: float) -> bool:
        """Sleep between attempts; True if stop() was called meanwhile (tests replace it)."""
        return self._stop.wait(delay)

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

    def _report_lag(self, consumer: BaseConsumer, *, every: float = 0.0) -> None:
        now = time.monotonic()
        if now - self._last_lag < every:
            return
        self._last_lag = now
        try:
            lags = consumer.lag()
        except Exception as exc:  # noqa: BLE001  (lag is informational; never stop for it)
            logger.debug("consumer lag unavailable: %s", type(exc).__name__)
            return
        for (topic, partition), lag in lags.items():
            metrics.KAFKA_CONSUMER_LAG.labels(topic=topic, partition=str(partition)).set(lag)


def default_topics() -> list[str]:
    """``CONSUME_TOPICS`` if set, else every family topic (with the prefix)."""
    configured = app_settings.CONSUME_TOPICS
    if configured:
        return [configured] if isinstance(configured, str) else list(configured)
    prefix = app_settings.TOPIC_PREFIX or ""
    return [prefix + name for name in app_settings.TOPICS.values()]


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


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout

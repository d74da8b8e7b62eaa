"""The one consumer engine, hosted by ``manage.py consume_events`` and by the Celery bootstep.

Delivery is at-least-once with exactly-once effects. The engine polls a batch (up to
``BATCH_SIZE`` messages, waiting at most ``BATCH_MAX_WAIT_MS`` after the first for more) and its
:class:`~.dispatch.Dispatcher` applies it in one database transaction, with the inbox rows keyed
by (consumer group, event id) claimed in the same transaction: a redelivered event finds its row
and has no second effect. Offsets are stored only after the batch committed (or a message was
dead-lettered), so a crash redelivers, never skips. A handler that raises is retried with
exponential backoff up to ``MAX_ATTEMPTS``; then, and at once for messages that can never succeed
(not JSON, unknown type, schema failure, missing envelope headers, a handler's
:class:`RejectEvent`), the original bytes and headers go to ``<group>.dlq`` with ``dlq_*``
headers saying why, and the partition moves on. Types the group does not handle are skipped and
counted. Errors that are not the message's fault (the database or the DLQ unreachable) stop the
engine with :class:`FatalConsumerError` without storing the offset: the process exits non-zero,
its supervisor restarts it, and the message is redelivered.

This module keeps the loop (polling batches, limits, stopping, offsets, lag); what happens to the
messages of a batch lives in :mod:`.dispatch`. ADR 0006 records why.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from wanzo_common.events import deadletter, metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.dispatch import Dispatcher, FatalConsumerError, Outcome, _Interrupted
from wanzo_common.events.registry import HandlerRegistry, autodiscover, registry
from wanzo_common.events.transports import BaseConsumer, BaseTransport, Message, get_transport

logger = logging.getLogger(__name__)

__all__ = ["ConsumerEngine", "FatalConsumerError", "Outcome", "RunStats"]

LAG_INTERVAL = 5.0


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
    """Consume ``topics`` as consumer group ``group`` and dispatch to the registered handlers.

    ``batch_size`` and ``batch_max_wait`` (seconds) default to ``BATCH_SIZE`` and
    ``BATCH_MAX_WAIT_MS``; a batch size of 1 commits once per event.
    """

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
        batch_size: int | None = None,
        batch_max_wait: float | None = None,
        database: str = "default",
        from_beginning: bool = True,
    ) -> None:
        self.group = group or app_settings.CONSUMER_GROUP_ID
        if not self.group:
            raise ValueError("A consumer group is required (WANZO_EVENTS['CONSUMER_GROUP_ID']).")
        self.topics = list(topics or default_topics())
        self.transport = transport or get_transport()
        self.from_beginning = from_beginning
        self.dlq_topic = deadletter.dlq_topic(self.group)
        self.batch_size = max(1, int(batch_size or app_settings.BATCH_SIZE))
        if batch_max_wait is None:
            batch_max_wait = app_settings.BATCH_MAX_WAIT_MS / 1000
        self.batch_max_wait = max(0.0, float(batch_max_wait))
        self._stop = threading.Event()
        self._last_lag = time.monotonic()
        self.dispatcher = Dispatcher(
            group=self.group,
            transport=self.transport,
            handlers=handlers or registry,
            max_attempts=max_attempts or app_settings.MAX_ATTEMPTS,
            backoff=app_settings.RETRY_BACKOFF if backoff is None else backoff,
            backoff_max=app_settings.RETRY_BACKOFF_MAX if backoff_max is None else backoff_max,
            database=database,
            stopping=self._stop,
        )

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

        metrics.create_dead_letter_series(self.topics)

        def done(finished: Sequence[tuple[Message, Outcome]]) -> None:
            self._store(consumer, finished, stats)
            _progress()

        try:
            while not self._should_stop(stats, limits):
                room = self._room(stats, limits)
                batch = self._poll_batch(consumer, poll_interval, room)
                _progress()
                self._report_lag(consumer, every=LAG_INTERVAL)
                limits.idle = not batch
                if batch:
                    limits.last_message = time.monotonic()
                    self.dispatcher.handle(batch, done=done)
                else:  # the server may drop connections while we wait
                    self.dispatcher.connections.idle()
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

    def _room(self, stats: RunStats, limits: _Limits) -> int:
        """The next batch's size: never poll what a bounded run would leave unhandled."""
        if limits.max_messages is None:
            return self.batch_size
        return max(1, min(self.batch_size, limits.max_messages - stats.messages))

    def _poll_batch(self, consumer: BaseConsumer, timeout: float, room: int) -> list[Message]:
        """Up to ``room`` messages: the first within ``timeout``, more within ``batch_max_wait``.

        With no wait, a batch is what had already arrived: under load it fills from the client's
        prefetched queue, and a lone event is never held back to fill it.
        """
        first = self._poll(consumer, timeout)
        if first is None:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_max_wait
        while len(batch) < room:
            message = self._poll(consumer, max(0.0, deadline - time.monotonic()))
            if message is None:
                break
            batch.append(message)
        return batch

    @staticmethod
    def _poll(consumer: BaseConsumer, timeout: float) -> Message | None:
        try:
            return consumer.poll(timeout)
        except Exception as exc:  # the client gave up (e.g. a fatal librdkafka error)
            raise FatalConsumerError(f"consumer failed: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _store(
        consumer: BaseConsumer, finished: Sequence[tuple[Message, Outcome]], stats: RunStats
    ) -> None:
        # Only now may the offsets move past these messages: their effects are committed or
        # their bytes are safe in the dead-letter topic. The last one per partition suffices.
        last: dict[tuple[str, int | None], Message] = {}
        for message, outcome in finished:
            last[(message.topic, message.partition)] = message
            stats.outcomes[outcome] += 1
        for message in last.values():
            consumer.store(message)

    def stop(self) -> None:
        """Ask the loop to finish the message in hand and return (safe from any thread)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _should_stop(self, stats: RunStats, limits: _Limits) -> bool:
        stats.stopped_by = "stop" if self._stop.is_set() else limits.reached(stats.messages)
        return bool(stats.stopped_by)

    # -- metrics --------------------------------------------------------------------------

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


def _progress() -> None:
    """The liveness gauge: a handler that never returns stops moving it (KafkaConsumerStuck)."""
    metrics.KAFKA_CONSUMER_LAST_PROGRESS.set(time.time())


def default_topics() -> list[str]:
    """``CONSUME_TOPICS`` if set, else every family topic (with the prefix)."""
    configured = app_settings.CONSUME_TOPICS
    if configured:
        return [configured] if isinstance(configured, str) else list(configured)
    prefix = app_settings.TOPIC_PREFIX or ""
    return [prefix + name for name in app_settings.TOPICS.values()]


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout

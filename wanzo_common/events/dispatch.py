"""What happens to consumed messages: from bytes to committed effects or dead letters.

The :class:`~.consumer.ConsumerEngine` polls batches and holds one :class:`Dispatcher`, which
applies each batch in ONE database transaction: types the group does not handle are skipped
before decoding, one query claims the inbox rows (consumer group, event id) of every event to
handle, and the handlers run one message after the other, except that consecutive messages of a
type with a batch handler (``@handler(..., batch=True)``) make one run, handed to it at once so
that it can write them with bulk statements. A redelivered event finds its row and has no second
effect (``duplicate``); one commit serves the whole batch.

Savepoints are optimistic (ADR 0006): a savepoint per message costs two round trips to the
database (SAVEPOINT, RELEASE) on top of the handler's own work, which tripled the cost of an event.
So messages run without one, and a message whose handlers raise rolls the batch's transaction
back as a whole; the messages before it, which had succeeded, are applied again in a new
transaction (what a savepoint per message would have kept). The outcome is the same as with a
savepoint per message; only the earlier messages' handlers run twice, inside transactions of
which the first never commits.

A message that cannot be applied in the batch ends it there (for a failed run of several: its
first message, tried alone as if new): the messages before it commit, and it is dealt with
alone, in transactions of its own, exactly as with a batch size of 1: a failing handler is
retried with exponential backoff, and what can never succeed (not JSON, unknown type, schema,
envelope, :class:`RejectEvent`, retries exhausted) goes to ``<group>.dlq``. The rest of the
batch then follows in a new transaction, so no message is applied before one that precedes it.
A batch whose transaction fails as a whole (the database went away, a deferred constraint
refused the commit) is replayed one message at a time, so that one message's fault never
becomes its neighbours'. ``done`` hears of messages, in order, only
once their outcome is durable (committed, or acknowledged by the dead-letter topic): only then
may the engine store their offsets. Each outcome, and each retry, is counted in
``kafka_events_consumed_total``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import InterfaceError, OperationalError, transaction

from wanzo_common.events import deadletter, metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.connections import ConnectionGuard, close_old_connections
from wanzo_common.events.envelope import Event, InvalidEvent
from wanzo_common.events.registry import Delivery, Handler, HandlerRegistry, RejectEvent
from wanzo_common.events.registry import _delivery as _current
from wanzo_common.events.transports import BaseTransport, DeliveryError, Message

# The engine's logger: log configuration and searches key on that name.
logger = logging.getLogger("wanzo_common.events.consumer")

__all__ = ["INFRASTRUCTURE_ERRORS", "Dispatcher", "FatalConsumerError", "Outcome"]

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


class _HandlerFailed(Exception):
    """Rolls a batch's transaction back: the handlers of ``prefix[index]`` raised ``error``.

    ``error`` is None when a batch handler raised for a run of several messages: the run's
    first message is then tried alone as if new, its own failure (if any) counting.
    """

    def __init__(self, index: int, error: Exception | None) -> None:
        super().__init__(index)
        self.index = index
        self.error = error


Done = Callable[[Sequence[tuple[Message, Outcome]]], None]


@dataclass
class _Item:
    """A message, decoded once: its event and handlers, or why it can never be handled."""

    message: Message
    type_name: str  # for metric labels
    event: Event | None = None
    handlers: list[Handler] = field(default_factory=list)
    invalid: InvalidEvent | None = None


class Dispatcher:
    """Apply batches of messages for consumer group ``group``; held by the consumer engine."""

    def __init__(
        self,
        *,
        group: str,
        transport: BaseTransport,
        handlers: HandlerRegistry,
        max_attempts: int,
        backoff: float,
        backoff_max: float,
        database: str = "default",
        stopping: threading.Event | None = None,
    ) -> None:
        self.group = group
        self.transport = transport
        self.registry = handlers
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.database = database
        self.stopping = stopping or threading.Event()
        self.connections = ConnectionGuard()

    def wait(self, delay: float) -> bool:
        """Sleep between attempts; True if the run was asked to stop meanwhile (tests replace it)."""
        return self.stopping.wait(delay)

    # -- batches ----------------------------------------------------------------------------

    def handle(self, messages: Sequence[Message], *, done: Done) -> None:
        """Apply ``messages`` (in poll order); report finished ones to ``done`` as they become durable.

        Returns early, leaving the rest unreported, once :attr:`stopping` is set: after the
        message in hand, never in the middle of one.
        """
        items = [self._classify(message) for message in messages]
        while items:
            self.connections.before_message()
            try:
                applied, failure = self._apply(items)
            except Exception as exc:  # noqa: BLE001  (the transaction failed as a whole)
                self.connections.after_message(failed=True)
                if len(items) > 1:
                    self._one_by_one(items, exc, done=done)
                    return
                applied, failure = [], exc
            else:
                self.connections.after_message(failed=failure is not None)
            done(applied)
            items = items[len(applied) :]
            if items and not self.stopping.is_set():
                # The head could not be applied in the batch: alone, then the rest.
                head = items.pop(0)
                done([(head.message, self._alone(head, failure))])
            if self.stopping.is_set():
                return

    def _one_by_one(self, items: list[_Item], exc: Exception, *, done: Done) -> None:
        logger.warning(
            "a batch of %d message(s) failed to commit (%s); handling them one by one",
            len(items),
            type(exc).__name__,
        )
        close_old_connections()
        for item in items:
            done([(item.message, self._alone(item, None))])
            if self.stopping.is_set():
                return

    def _classify(self, message: Message) -> _Item:
        type_name = _header(message, "ce_type")
        if type_name and _is_known_type(type_name) and not self._handlers(type_name):
            # Skipped before decoding: a service reads whole family topics and handles few types.
            return _Item(message, type_name)
        try:
            event = Event.from_message(message)
        except InvalidEvent as exc:
            return _Item(message, type_name or "unknown", invalid=exc)
        return _Item(message, event.type, event=event, handlers=self._handlers(event.type))

    def _handlers(self, type_name: str) -> list[Handler]:
        return self.registry.handlers_for(type_name, group=self.group)

    def _apply(
        self, items: list[_Item], *, attempt: int = 1
    ) -> tuple[list[tuple[Message, Outcome]], Exception | None]:
        """Apply the longest prefix of ``items`` that can be, in one transaction.

        Returns the outcomes of that prefix, committed, and the exception of the item after it
        if its handlers raised (None if that item is invalid or stop() was called). Raises if
        the transaction itself failed: then nothing was applied.
        """
        prefix = _valid_prefix(items)
        outcomes: list[tuple[Message, Outcome]] = []
        failure = None
        if not any(item.handlers for item in prefix):  # nothing for the database to do
            outcomes = [(item.message, Outcome.IGNORED) for item in prefix]
            self._count_all(prefix, outcomes)
            return outcomes, None
        from wanzo_common.events.models import InboxEvent

        committed: list[bool] = []
        try:
            with transaction.atomic(using=self.database):
                transaction.on_commit(lambda: committed.append(True), using=self.database)
                wanted = [(item.event.id, item.type_name) for item in prefix if item.handlers]
                claimed = InboxEvent.objects.claim_many(
                    group=self.group, events=wanted, using=self.database
                )
                index = 0
                while index < len(prefix):
                    if index and self.stopping.is_set():
                        break
                    item = prefix[index]
                    if not item.handlers:
                        outcomes.append((item.message, Outcome.IGNORED))
                        index += 1
                        continue
                    if item.event.id not in claimed:  # handled before, or earlier in this batch
                        outcomes.append((item.message, Outcome.DUPLICATE))
                        index += 1
                        continue
                    run = _run_from(prefix, index, claimed)
                    try:
                        self._run(run, attempt)
                    except Exception as exc:  # noqa: BLE001  (the whole transaction goes)
                        # A run of several: which event failed is unknown; each goes alone.
                        raise _HandlerFailed(index, exc if len(run) == 1 else None) from exc
                    outcomes.extend((each.message, Outcome.HANDLED) for each in run)
                    index += len(run)
                # Messages left out by a stop must not look handled when they come back.
                InboxEvent.objects.release(group=self.group, event_ids=claimed, using=self.database)
        except _HandlerFailed as failed:
            # Rolled back, the claims with it. What preceded the failed message succeeded:
            # apply it again (its own failure, if any, then ends the batch in its place).
            if failed.index == 0:
                return [], failed.error
            outcomes, failure = self._apply(prefix[: failed.index], attempt=attempt)
            if failure is None and len(outcomes) == failed.index:
                failure = failed.error
            return outcomes, failure
        except Exception as exc:
            if not committed:
                raise
            # Committed; then a handler's on_commit callback raised (Django skips the ones
            # after it unless registered with robust=True). The effects stand.
            logger.error("an on_commit callback failed after the commit: %s", type(exc).__name__)
        self._count_all(prefix, outcomes)
        return outcomes, failure

    def _run(self, run: list[_Item], attempt: int) -> None:
        """The run's handlers, in the batch's transaction (no savepoint: see the module doc).

        A run is one message, or consecutive messages of one type with a batch handler: each
        handler in registration order, a batch handler once with the run's events, any other
        once per event. Each event's duration is the run's share.
        """
        started = time.perf_counter()
        token = _current.set(Delivery(self.group, run[0].message, attempt))
        try:
            for entry in run[0].handlers:
                if entry.batch:
                    entry.func([item.event for item in run])
                    continue
                for item in run:
                    _current.set(Delivery(self.group, item.message, attempt))
                    entry.func(item.event)
        finally:
            _current.reset(token)
            # Failed attempts are timed too: a slow failure is what one wants to see.
            share = (time.perf_counter() - started) / len(run)
            histogram = metrics.KAFKA_EVENT_HANDLER_DURATION.labels(type=run[0].type_name)
            for _ in run:
                histogram.observe(share)

    # -- one message alone -----------------------------------------------------------------

    def _alone(self, item: _Item, failure: Exception | None) -> Outcome:
        """Apply ``item`` in transactions of its own; ``failure``: its first attempt's error."""
        outcome = None
        try:
            outcome = self._attempts(item, failure)
        finally:
            failed = outcome is None or outcome is Outcome.DEAD_LETTERED
            self.connections.after_message(failed=failed)
        return outcome

    def _attempts(self, item: _Item, failure: Exception | None) -> Outcome:
        message = item.message
        if item.invalid is not None:
            exc = item.invalid
            return self.dead_letter(message, reason=exc.reason, error=str(exc), attempts=0)
        attempt = 1
        while True:
            if failure is None:
                try:
                    applied, failure = self._apply([item], attempt=attempt)
                except Exception as exc:  # noqa: BLE001  (the commit failed: an attempt too)
                    applied, failure = [], exc
                if applied:
                    return applied[0][1]
            if isinstance(failure, RejectEvent):
                error = _describe(failure)
                return self.dead_letter(message, reason="rejected", error=error, attempts=attempt)
            if attempt >= self.max_attempts:
                if isinstance(failure, INFRASTRUCTURE_ERRORS):
                    raise FatalConsumerError(
                        f"database unavailable: {type(failure).__name__}"
                    ) from failure
                error = _describe(failure)
                return self.dead_letter(message, reason="max_attempts", error=error,
                                        attempts=attempt)  # fmt: skip
            self._retry_later(item, failure, attempt)
            attempt, failure = attempt + 1, None

    def _retry_later(self, item: _Item, exc: Exception, attempt: int) -> None:
        delay = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        # The exception's class only: its message may quote personal data (e.g. a unique key).
        logger.warning(
            "handler failed for event %s (%s), attempt %d/%d: %s; retrying in %.2fs",
            item.event.id,
            item.type_name,
            attempt,
            self.max_attempts,
            type(exc).__name__,
            delay,
        )
        self._count(item.message, item.type_name, "retried")
        if self.wait(delay):
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

    def _count_all(self, items: list[_Item], outcomes: list[tuple[Message, Outcome]]) -> None:
        """Count a batch's outcomes: one increment per (topic, type, outcome)."""
        groups = Counter(
            (message.topic, item.type_name, outcome)
            for item, (message, outcome) in zip(items, outcomes, strict=False)
        )
        for (topic, type_name, outcome), amount in groups.items():
            label = type_name if _is_known_type(type_name) else "unknown"  # keep labels bounded
            metrics.KAFKA_EVENTS_CONSUMED.labels(
                topic=topic, type=label, outcome=outcome.value
            ).inc(amount)

    def _count(self, message: Message, type_name: str, outcome: Outcome | str) -> None:
        label = type_name if _is_known_type(type_name) else "unknown"  # keep labels bounded
        value = outcome.value if isinstance(outcome, Outcome) else outcome
        metrics.KAFKA_EVENTS_CONSUMED.labels(topic=message.topic, type=label, outcome=value).inc()


def _run_from(prefix: list[_Item], index: int, claimed: set[str]) -> list[_Item]:
    """The run starting at ``prefix[index]`` (claimed): that message, and if its type has a
    batch handler, the claimed messages of the same type right after it. Claims are taken."""
    first = prefix[index]
    claimed.discard(first.event.id)
    run = [first]
    if not any(entry.batch for entry in first.handlers):
        return run
    for item in prefix[index + 1 :]:
        if item.type_name != first.type_name or item.event.id not in claimed:
            break
        claimed.discard(item.event.id)
        run.append(item)
    return run


def _valid_prefix(items: list[_Item]) -> list[_Item]:
    """``items`` up to the first one that can never be handled (it is dead-lettered alone)."""
    for index, item in enumerate(items):
        if item.invalid is not None:
            return items[:index]
    return items


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

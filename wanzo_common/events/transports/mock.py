"""An in-memory broker that really delivers (like kombu's memory transport).

All ``Transport`` instances of a process share one :data:`BROKER`: topics split into partitions
by a hash of the key, append-only logs with offsets, and consumer groups whose committed offsets
survive a consumer's close, so the consumer engine runs here exactly as on Kafka. Partitions of
a topic are spread round-robin over the group's live members. Every sent message is also kept
in :data:`outbox` (as Django keeps ``mail.outbox``); ``Transport.clear()`` empties it. Messages
are checked for the types Kafka accepts, and sends are logged by type, id and subject only:
never the payload, which may hold personal data.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from wanzo_common.events.metrics import record_published
from wanzo_common.events.transports.base import (
    BaseConsumer,
    BaseTransport,
    DeliveryError,
    Message,
)

logger = logging.getLogger(__name__)
DEFAULT_PARTITIONS = 3


class Broker:
    """The process-wide in-memory cluster; every method holds one condition variable's lock."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.topics: dict[str, list[list[Message]]] = {}
        self.committed: dict[tuple[str, str, int], int] = {}
        self.members: dict[str, list[MockConsumer]] = {}
        self.generations: dict[str, int] = {}
        self.sent: list[Message] = []
        self.available = True

    def reset(self) -> None:
        """Forget everything; consumers still open are closed (their group no longer exists)."""
        with self.cond:
            for members in self.members.values():
                for consumer in members:
                    consumer._closed = True
            self.topics.clear()
            self.committed.clear()
            self.members.clear()
            self.generations.clear()
            self.sent.clear()  # in place: ``outbox`` below is this very list
            self.available = True
            self.cond.notify_all()

    def ensure(self, topic: str, partitions: int) -> list[list[Message]]:
        if topic not in self.topics:
            self.topics[topic] = [[] for _ in range(max(1, partitions))]
            for group in self.members:  # new partitions for groups subscribed to the topic
                self.generations[group] = self.generations.get(group, 0) + 1
        return self.topics[topic]

    def append(self, message: Message, partitions: int) -> Message:
        logs = self.ensure(message.topic, partitions)
        if message.partition is not None and 0 <= message.partition < len(logs):
            index = message.partition
        elif message.key is None:
            index = sum(len(log) for log in logs) % len(logs)
        else:
            index = zlib.crc32(message.key) % len(logs)
        stored = dataclasses.replace(message, partition=index, offset=len(logs[index]))
        logs[index].append(stored)
        return stored

    def join(self, consumer: MockConsumer) -> None:
        self.members.setdefault(consumer.group_id, []).append(consumer)
        self._rebalance(consumer.group_id)

    def leave(self, consumer: MockConsumer) -> None:
        members = self.members.get(consumer.group_id, [])
        if consumer in members:
            members.remove(consumer)
            self._rebalance(consumer.group_id)

    def _rebalance(self, group: str) -> None:
        self.generations[group] = self.generations.get(group, 0) + 1
        self.cond.notify_all()

    def assignment(self, consumer: MockConsumer) -> list[tuple[str, int]]:
        assigned = []
        for topic in sorted(consumer.topics):
            members = [m for m in self.members.get(consumer.group_id, []) if topic in m.topics]
            for partition in range(len(self.topics.get(topic, []))):
                if members and members[partition % len(members)] is consumer:
                    assigned.append((topic, partition))
        return assigned

    def end(self, topic: str, partition: int) -> int:
        return len(self.topics[topic][partition])


BROKER = Broker()
# Every message sent in this process, in order (``Transport.outbox`` is this list).
outbox = BROKER.sent


class MockConsumer(BaseConsumer):
    def __init__(
        self, broker: Broker, *, group_id: str, topics: Sequence[str], from_beginning: bool,
        partitions: int,
    ) -> None:  # fmt: skip
        self.broker = broker
        self.group_id = group_id
        self.topics = list(topics)
        self.from_beginning = from_beginning
        self.positions: dict[tuple[str, int], int] = {}
        self._consumed: set[tuple[str, int]] = set()  # partitions polled from since assignment
        self._generation = -1
        self._turn = 0
        self._closed = False
        with broker.cond:
            for topic in self.topics:
                broker.ensure(topic, partitions)
            broker.join(self)

    def _sync(self) -> None:
        generation = self.broker.generations.get(self.group_id, 0)
        if generation == self._generation:
            return
        self._generation = generation
        assigned = self.broker.assignment(self)
        for tp in assigned:
            if tp not in self.positions:
                committed = self.broker.committed.get((self.group_id, *tp))
                start = 0 if self.from_beginning else self.broker.end(*tp)
                self.positions[tp] = committed if committed is not None else start
        self.positions = {tp: self.positions[tp] for tp in assigned}
        self._consumed &= set(assigned)

    def _next(self) -> Message | None:
        assigned = list(self.positions)
        for step in range(len(assigned)):
            tp = assigned[(self._turn + step) % len(assigned)]
            log = self.broker.topics[tp[0]][tp[1]]
            if self.positions[tp] < len(log):
                self._turn = (self._turn + step + 1) % len(assigned)
                message = log[self.positions[tp]]
                self.positions[tp] += 1
                self._consumed.add(tp)
                return message
        return None

    def poll(self, timeout: float) -> Message | None:
        deadline = time.monotonic() + max(0.0, timeout)
        with self.broker.cond:
            while not self._closed:
                self._sync()
                message = self._next()
                remaining = deadline - time.monotonic()
                if message is not None or remaining <= 0:
                    return message
                self.broker.cond.wait(remaining)
        return None

    def wait_for_assignment(self, timeout: float) -> bool:
        """Assignment is immediate here: True as soon as the group gave this member a partition."""
        with self.broker.cond:
            self._sync()
            return bool(self.positions)

    def store(self, message: Message) -> None:
        # Committed at once: the in-memory equivalent of a very short auto-commit interval.
        with self.broker.cond:
            key = (self.group_id, message.topic, message.partition)
            self.broker.committed[key] = message.offset + 1

    def commit(self) -> None:
        """Nothing to do: :meth:`store` already committed."""

    def lag(self) -> dict[tuple[str, int], int]:
        """As Kafka's: the end minus the position once consuming, else minus the committed offset;
        partitions with neither are left out (unknown)."""
        with self.broker.cond:
            self._sync()
            return {
                tp: self.broker.end(*tp) - position
                for tp, position in self.positions.items()
                if tp in self._consumed or (self.group_id, *tp) in self.broker.committed
            }

    def close(self) -> None:
        with self.broker.cond:
            if not self._closed:
                self._closed = True
                self.broker.leave(self)


class Transport(BaseTransport):
    """The ``mock`` transport: same messages and contract as Kafka, no network."""

    broker = BROKER
    # Its broker is a list in this process: another process (a relay, a consumer) never sees it.
    delivers_across_processes = False

    def __init__(self, *, options: Mapping[str, Any]) -> None:
        super().__init__(options=options)
        self.partitions = int(self.options.get("partitions") or DEFAULT_PARTITIONS)

    @property
    def outbox(self) -> list[Message]:
        return self.broker.sent

    def clear(self) -> None:
        """Empty :attr:`outbox` (topics and offsets stay)."""
        with self.broker.cond:
            self.broker.sent.clear()

    def reset(self) -> None:
        """Forget everything: topics, offsets, groups, the outbox; the broker is up again."""
        self.broker.reset()

    def set_available(self, available: bool) -> None:
        """Simulate a broker outage: sends raise :class:`DeliveryError`, ``ping`` fails."""
        with self.broker.cond:
            self.broker.available = available

    def send(self, messages: Sequence[Message], *, timeout: float = 10.0) -> None:
        with self.broker.cond:
            if not self.broker.available:
                for message in messages:
                    record_published(message, "failed")
                raise DeliveryError(f"mock broker unavailable; {len(messages)} message(s) not sent")
            for message in messages:
                _check_types(message)
            for message in messages:
                self.broker.sent.append(self.broker.append(message, self.partitions))
                record_published(message, "sent")
                _log_send(message)
            self.broker.cond.notify_all()

    def send_async(self, message: Message) -> None:
        try:
            self.send([message])
        except DeliveryError:
            # As with Kafka, an asynchronous send reports failure by log and metric only.
            logger.error("event not delivered: %s", _describe(message))

    def flush(self, timeout: float = 10.0) -> int:
        return 0

    def consumer(
        self, *, group_id: str, topics: Sequence[str], from_beginning: bool = True
    ) -> MockConsumer:
        return MockConsumer(
            self.broker,
            group_id=group_id,
            topics=topics,
            from_beginning=from_beginning,
            partitions=self.partitions,
        )

    def ensure_topics(self, topics: Sequence[str]) -> None:
        with self.broker.cond:
            for topic in topics:
                self.broker.ensure(topic, self.partitions)

    def ping(self, timeout: float = 2.0) -> None:
        if not self.broker.available:
            raise ConnectionError("mock broker unavailable")

    def close(self) -> None:
        """Nothing to release: the broker outlives its clients, as a real one does."""


def _check_types(message: Message) -> None:
    # What confluent-kafka would refuse, refused here too, so tests catch it before Kafka does.
    if not isinstance(message.topic, str) or not message.topic:
        raise TypeError("topic must be a non-empty str")
    for name, value in (("value", message.value), ("key", message.key)):
        if value is not None and not isinstance(value, bytes):
            raise TypeError(f"message {name} must be bytes or None")
    for name, value in message.headers:
        if not isinstance(name, str) or not isinstance(value, bytes):
            raise TypeError("message headers must be (str, bytes) pairs")


def _header(message: Message, name: str) -> str | None:
    raw = message.header(name)
    return raw.decode(errors="replace") if raw is not None else None


def _describe(message: Message) -> str:
    return (
        f"{_header(message, 'ce_type')} id={_header(message, 'ce_id')} "
        f"subject={_header(message, 'ce_subject')} topic={message.topic}"
    )


def _log_send(message: Message) -> None:
    logger.info("event sent (mock): %s", _describe(message))

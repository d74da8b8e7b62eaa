"""Dead letters: how a message that cannot be handled is wrapped, read back and replayed.

A dead letter is the original message, bytes, key and headers unchanged, sent to
``<consumer group>.dlq`` with ``dlq_*`` headers saying where it came from and why it failed.
Keeping the original intact means ``manage.py events dlq replay`` can put it back on its topic
after a fix, and any Kafka client can inspect it. Header values are text; the error names the
exception (and for invalid events the field and rule), never the payload.

:func:`read` (``events dlq`` and ``events tail``) stops after a quiet period, and counts it from
the moment the consumer holds its partitions, not from its creation: joining a group can take
longer than the quiet period, and a tool that stopped then would report "nothing" when it never
looked. No assignment in time is :class:`NotAssigned`, an error, never an empty result.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wanzo_common.events.transports.base import BaseConsumer, BaseTransport, Message

__all__ = [
    "ASSIGNMENT_TIMEOUT",
    "DeadLetter",
    "NotAssigned",
    "dlq_topic",
    "iter_replay",
    "original_of",
    "read",
    "replay",
    "throwaway_group",
    "wrap",
]

PREFIX = "dlq_"
MAX_ERROR_LENGTH = 1000
# Seconds a reading tool waits for its partitions (a group join, other members rejoining).
ASSIGNMENT_TIMEOUT = 30.0


class NotAssigned(RuntimeError):
    """The consumer got no partition in time: broker unreachable, topic missing, or group busy."""


def dlq_topic(group: str) -> str:
    return f"{group}.dlq"


def wrap(message: Message, *, group: str, reason: str, error: str, attempts: int) -> Message:
    """The dead letter for ``message`` (earlier ``dlq_*`` headers replaced, not stacked)."""
    fields = {
        "original_topic": message.topic,
        "original_partition": message.partition,
        "original_offset": message.offset,
        "group": group,
        "reason": reason,
        "error": error[:MAX_ERROR_LENGTH],
        "attempts": attempts,
    }
    headers = _without_dlq_headers(message.headers) + tuple(
        (PREFIX + name, str(value).encode()) for name, value in fields.items()
    )
    return Message(topic=dlq_topic(group), value=message.value, key=message.key, headers=headers)


def original_of(letter: Message) -> Message:
    """The message to replay: back on its original topic, without the ``dlq_*`` headers."""
    topic = DeadLetter.from_message(letter).original_topic
    if not topic:
        raise ValueError("not a dead letter: no dlq_original_topic header")
    return Message(
        topic=topic,
        value=letter.value,
        key=letter.key,
        headers=_without_dlq_headers(letter.headers),
    )


@dataclass(frozen=True)
class DeadLetter:
    """The ``dlq_*`` headers of a dead letter, decoded (for ``events dlq list``)."""

    original_topic: str
    original_partition: str
    original_offset: str
    group: str
    reason: str
    error: str
    attempts: str
    type: str
    id: str
    partition: int | None
    offset: int | None

    @classmethod
    def from_message(cls, message: Message) -> DeadLetter:
        def text(name: str) -> str:
            raw = message.header(name)
            return raw.decode("utf-8", "replace") if raw is not None else ""

        return cls(
            original_topic=text("dlq_original_topic"),
            original_partition=text("dlq_original_partition"),
            original_offset=text("dlq_original_offset"),
            group=text("dlq_group"),
            reason=text("dlq_reason"),
            error=text("dlq_error"),
            attempts=text("dlq_attempts"),
            type=text("ce_type"),
            id=text("ce_id"),
            partition=message.partition,
            offset=message.offset,
        )


def _without_dlq_headers(headers: tuple[tuple[str, bytes], ...]) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, value) for name, value in headers if not name.startswith(PREFIX))


def read(
    consumer: BaseConsumer,
    *,
    max_messages: int | None = None,
    idle_timeout: float = 5.0,
    assignment_timeout: float = ASSIGNMENT_TIMEOUT,
) -> Iterator[Message]:
    """Messages from ``consumer`` until ``max_messages`` or nothing came for ``idle_timeout`` s.

    The quiet period starts once the consumer holds partitions; raises :class:`NotAssigned`
    (at the first ``next()``) if that takes more than ``assignment_timeout`` s.
    """
    if not consumer.wait_for_assignment(assignment_timeout):
        raise NotAssigned(f"no partition assigned within {assignment_timeout:g} s")
    count = 0
    last = time.monotonic()
    while max_messages is None or count < max_messages:
        message = consumer.poll(min(0.5, idle_timeout))
        if message is None:
            if time.monotonic() - last >= idle_timeout:
                return
            continue
        last = time.monotonic()
        count += 1
        yield message


def replay(**options: Any) -> list[DeadLetter]:
    """:func:`iter_replay`, collected: the letters replayed.

    Takes the same keyword arguments as :func:`iter_replay`.
    """
    return list(iter_replay(**options))


def iter_replay(
    *,
    group: str,
    transport: BaseTransport,
    max_messages: int | None = None,
    idle_timeout: float = 5.0,
    assignment_timeout: float = ASSIGNMENT_TIMEOUT,
    dry_run: bool = False,
) -> Iterator[DeadLetter]:
    """Put ``group``'s dead letters back on their original topics, yielding each letter once
    the broker acknowledged its replay.

    Reads ``<group>.dlq`` as consumer group ``<group>.dlq.replay``, whose committed offsets
    make each letter replayed once (a letter that fails again comes back as a new one). A
    replayed event its group already handled is a duplicate there, thanks to the inbox.
    ``dry_run`` sends nothing and commits nothing: it lists every letter in the topic.
    Raises :class:`NotAssigned`, or :class:`DeliveryError` when a letter could not be put back:
    the letters yielded before stay replayed, that one and the rest stay in the topic.
    """
    replay_group = throwaway_group(dlq_topic(group)) if dry_run else f"{dlq_topic(group)}.replay"
    consumer = transport.consumer(group_id=replay_group, topics=[dlq_topic(group)])
    try:
        letters = read(
            consumer,
            max_messages=max_messages,
            idle_timeout=idle_timeout,
            assignment_timeout=assignment_timeout,
        )
        for letter in letters:
            info = DeadLetter.from_message(letter)
            if not dry_run:
                transport.send([original_of(letter)])
                consumer.store(letter)  # only after the broker acknowledged the replay
            yield info
    finally:
        consumer.close()


def throwaway_group(name: str) -> str:
    """A consumer group for looking at a topic without moving anybody's offsets."""
    return f"{name}.inspect.{uuid.uuid4().hex[:12]}"

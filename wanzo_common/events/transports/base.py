"""The transport interface every broker backend implements.

A transport moves opaque :class:`Message` objects; it knows nothing about events, schemas or
the outbox. The publisher and the relay produce through it, the consumer engine consumes through
it, and the same contract test suite runs against every implementation, so code written against
the mock transport behaves the same on Kafka. Every transport module exports a class named
``Transport`` (as every Django mail backend module exports ``EmailBackend``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    topic: str
    value: bytes | None
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int | None = None  # set on consumed messages
    offset: int | None = None  # set on consumed messages

    def header(self, name: str) -> bytes | None:
        """The last value of header ``name`` (Kafka allows repeats; the last one wins)."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value
        return found


class DeliveryError(Exception):
    """A message the broker did not acknowledge."""


class BaseTransport:
    """A connection to one broker (cluster); created lazily, once per process."""

    #: Whether a message sent here can reach a consumer in another process. The relay marks an
    #: outbox row sent only on such a transport (``ALLOW_MOCK`` aside), and with ``DEBUG`` false
    #: a transport without it is a system check error (``wanzo_events.E006``).
    delivers_across_processes = True

    def __init__(self, *, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    def send(self, messages: Sequence[Message], *, timeout: float = 10.0) -> None:
        """Blocks until every message is acknowledged; raises DeliveryError otherwise."""
        raise NotImplementedError

    def send_async(self, message: Message) -> None:
        """Queue one message without waiting; delivery errors surface at :meth:`flush`."""
        raise NotImplementedError

    def flush(self, timeout: float = 10.0) -> int:
        """Wait for queued messages; return how many are still undelivered."""
        raise NotImplementedError

    def consumer(
        self, *, group_id: str, topics: Sequence[str], from_beginning: bool = True
    ) -> BaseConsumer:
        raise NotImplementedError

    def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create the topics that do not exist yet (never alters existing ones)."""
        raise NotImplementedError

    def ping(self, timeout: float = 2.0) -> None:
        """Raise if the broker is unreachable (used by ``/readyz``)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class BaseConsumer:
    """One member of a consumer group; messages of a partition arrive in offset order."""

    def poll(self, timeout: float) -> Message | None:
        raise NotImplementedError

    def wait_for_assignment(self, timeout: float) -> bool:
        """Wait until this member holds partitions (False after ``timeout`` s).

        Joining a group takes time on a real broker; a caller that stops after a quiet period
        starts counting after this. A message polled meanwhile is returned by the next
        :meth:`poll`. Transports whose consumers are assigned at once keep this default.
        """
        return True

    def store(self, message: Message) -> None:
        """Mark ``message`` processed; its offset is committed soon after (or at :meth:`commit`)."""
        raise NotImplementedError

    def commit(self) -> None:
        """Synchronously commit the stored offsets."""
        raise NotImplementedError

    def lag(self) -> dict[tuple[str, int], int]:
        """Messages behind the end of each assigned (topic, partition): the high watermark minus
        this member's position once it consumed from the partition, else minus the group's
        committed offset. Never counted from the low watermark (a restarted group with nothing
        new has lag 0); a partition with neither a position nor a committed offset is left out."""
        raise NotImplementedError

    def close(self) -> None:
        """Commit stored offsets and leave the group."""
        raise NotImplementedError

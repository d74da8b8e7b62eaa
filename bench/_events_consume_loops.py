"""The consumers ``events_consume.py`` times over the same topic, each in a fresh group.

- ``engine``: our ``ConsumerEngine`` with a trivial ``user.created`` handler, batched as
  configured (``BATCH_SIZE``, ``BATCH_MAX_WAIT_MS``): per batch one transaction, one query
  claiming the inbox rows, a savepoint per event around its handler, one commit, then the offsets;
- ``engine-1``: the same engine with a batch size of 1, so one transaction and one commit per
  event: what batching is measured against;
- ``raw`` (for scale): a confluent-kafka ``Consumer`` (our transport's configuration) polling,
  decoding the JSON body and storing each offset: the floor for "consume and acknowledge".

Each returns the rate between the first and the last message it handled, so the group's join
(the same for all) is not counted.
"""

from __future__ import annotations

import json
import time

TYPE = "user.created"


class Clock:
    """First and last handling times, and how many were handled."""

    def __init__(self) -> None:
        self.first = self.last = 0.0
        self.count = 0

    def tick(self) -> None:
        self.last = time.perf_counter()
        if not self.count:
            self.first = self.last
        self.count += 1

    def rate(self) -> float:
        return (self.count - 1) / (self.last - self.first)


def engine(
    *, transport, topic: str, group: str, count: int, batch_size: int | None = None
) -> float:
    from wanzo_common.events.consumer import ConsumerEngine
    from wanzo_common.events.registry import HandlerRegistry

    clock = Clock()
    handlers = HandlerRegistry()
    handlers.register(TYPE, lambda event: clock.tick())
    engine = ConsumerEngine(group=group, topics=[topic], transport=transport, handlers=handlers,
                            batch_size=batch_size)  # fmt: skip
    stats = engine.run(max_messages=count, timeout=300)
    if stats["handled"] != count:
        raise SystemExit(f"engine handled {stats['handled']} of {count}: {dict(stats.outcomes)}")
    return clock.rate()


def engine_per_event(**kwargs) -> float:
    return engine(batch_size=1, **kwargs)


def raw(*, transport, topic: str, group: str, count: int) -> float:
    client = transport.consumer(group_id=group, topics=[topic]).consumer  # the librdkafka one
    clock = Clock()
    try:
        while clock.count < count:
            message = client.poll(0.5)
            if message is None or message.error() is not None:
                continue
            json.loads(message.value())
            client.store_offsets(message)
            clock.tick()
    finally:
        client.close()
    return clock.rate()


VARIANTS = {"engine": engine, "engine-1": engine_per_event, "raw": raw}

"""The three consumers ``events_consume.py`` times over the same topic, each in a fresh group.

- ``engine``: our ``ConsumerEngine`` with a trivial ``user.created`` handler; per event the
  engine decodes and validates the envelope, opens a transaction, claims the inbox row
  (``INSERT ... ON CONFLICT DO NOTHING``), runs the handler, commits, stores the offset;
- ``raw``: a confluent-kafka ``Consumer`` (our transport's configuration) polling, decoding the
  JSON body and storing each offset: the floor for "consume and acknowledge";
- ``raw+inbox`` (for scale): the raw loop plus the same inbox claim in its own transaction per
  event, so ``engine`` minus ``raw+inbox`` is what the engine itself adds to the database work.

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


def engine(*, transport, topic: str, group: str, count: int) -> float:
    from wanzo_common.events.consumer import ConsumerEngine
    from wanzo_common.events.registry import HandlerRegistry

    clock = Clock()
    handlers = HandlerRegistry()
    handlers.register(TYPE, lambda event: clock.tick())
    engine = ConsumerEngine(group=group, topics=[topic], transport=transport, handlers=handlers)
    stats = engine.run(max_messages=count, timeout=300)
    if stats["handled"] != count:
        raise SystemExit(f"engine handled {stats['handled']} of {count}: {dict(stats.outcomes)}")
    return clock.rate()


def raw(*, transport, topic: str, group: str, count: int, inbox: bool = False) -> float:
    from django.db import transaction

    from wanzo_common.events.models import InboxEvent

    client = transport.consumer(group_id=group, topics=[topic]).consumer  # the librdkafka one
    clock = Clock()
    try:
        while clock.count < count:
            message = client.poll(0.5)
            if message is None or message.error() is not None:
                continue
            json.loads(message.value())
            if inbox:
                event_id = dict(message.headers())["ce_id"].decode()
                with transaction.atomic():
                    InboxEvent.objects.claim(group=group, event_id=event_id, type_name=TYPE)
            client.store_offsets(message)
            clock.tick()
    finally:
        client.close()
    return clock.rate()


def raw_inbox(**kwargs) -> float:
    return raw(inbox=True, **kwargs)


VARIANTS = {"engine": engine, "raw": raw, "raw+inbox": raw_inbox}

"""Poison the workload sends on purpose, and what the dead-letter topics hold at the end.

A poison message is not JSON and has no CloudEvents headers: every consumer group that reads
its topic must dead-letter it (``<group>.dlq``) and move on. Its value carries an id, so the
checker tells our poison from anything else found in a dead-letter topic.
"""

from __future__ import annotations

import re
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

TOPIC = "wanzo.transactions"
PATTERN = re.compile(rb"chaos-poison ([0-9a-f]{32})")


def send_poison(brokers: str) -> str | None:
    """One poison message; its id once the broker acknowledged it, else None."""
    pid = uuid.uuid4().hex
    acked = []
    producer = Producer({"bootstrap.servers": brokers, "message.timeout.ms": 10000,
                         "log_level": 0})  # fmt: skip
    producer.produce(TOPIC, value=b"{not json: chaos-poison " + pid.encode(), key=pid.encode(),
                     on_delivery=lambda err, msg: acked.append(err is None))  # fmt: skip
    producer.flush(15)
    return pid if acked and acked[0] else None


def read_dead_letters(brokers: str) -> dict[str, list[str | None]]:
    """Every ``*.dlq`` topic, read from the start: the poison id of each message (None: not ours)."""
    admin = AdminClient({"bootstrap.servers": brokers})
    topics = [t for t in admin.list_topics(timeout=20).topics if t.endswith(".dlq")]
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"chaos-audit-{uuid.uuid4()}",
                         "enable.auto.commit": False, "log_level": 0})  # fmt: skip
    found: dict[str, list[str | None]] = {}
    try:
        for topic in sorted(topics):
            found[topic] = []
            meta = admin.list_topics(topic, timeout=20).topics[topic]
            for partition in meta.partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), 20)
                if high <= low:
                    continue
                consumer.assign([TopicPartition(topic, partition, low)])
                position = low
                while position < high:
                    message = consumer.poll(10)
                    if message is None:
                        raise RuntimeError(f"{topic}[{partition}] stopped at {position} of {high}")
                    if message.error():
                        continue
                    position = message.offset() + 1
                    match = PATTERN.search(message.value() or b"")
                    found[topic].append(match.group(1).decode() if match else None)
    finally:
        consumer.close()
    return found

"""The Kafka transport, over confluent-kafka (librdkafka): the only module importing it.

Producer: idempotent with ``acks=all``, so retries never duplicate or reorder a partition; every
delivery report is checked, and :meth:`Transport.send` raises :class:`DeliveryError` unless all
messages were acknowledged within its timeout (unsent leftovers are purged so a later retry
cannot race them). ``send`` waits with ``flush()``, which also makes librdkafka skip
``linger.ms``: one message costs one round trip. Clients are created lazily in the process that
uses them and re-created after a fork, because librdkafka's threads do not survive ``fork()``
(gunicorn and Celery prefork workers each build their own). The producer is flushed on close and
at interpreter exit, and served every :data:`SERVE_INTERVAL` seconds by a daemon thread, because
its log lines, errors and statistics wait in its queue for a ``poll()``: an idle producer during
a broker outage would otherwise hoard them (see :mod:`wanzo_common.events.kafka_log`).

Topics: a producer creates each topic it has not seen yet in this process, and a consumer its
subscribed topics and its dead-letter topic, through the Admin API (CreateTopics, with
``PARTITIONS`` and ``REPLICATION_FACTOR``), so nothing depends on the broker's
``auto.create.topics.enable``. The dev broker (``DEV_BROKER``, librdkafka's mock cluster) has no
CreateTopics: there a metadata request naming the topic creates it.

Consumer: ``enable.auto.commit=true`` with ``enable.auto.offset.store=false``. Nothing is
committed until the engine calls :meth:`KafkaConsumer.store` after a message succeeded; the
background commit then sends the stored offsets every ``auto.commit.interval.ms``, and
:meth:`KafkaConsumer.close` commits synchronously before leaving the group. A crash can
therefore only redeliver, never skip (at-least-once).

With ``STATISTICS_INTERVAL_MS`` > 0 both clients hand librdkafka's statistics to
:mod:`wanzo_common.events.kafka_stats` (gauges); the callback runs inside ``poll()``/``flush()``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from wanzo_common.events.metrics import message_type, published_counter
from wanzo_common.events.transports.base import (
    BaseConsumer,
    BaseTransport,
    DeliveryError,
    Message,
)
from wanzo_common.events.transports.delivery import raw_type, reporter
from wanzo_common.events.transports.kafka_config import (
    CONSUMER_DEFAULTS,
    PRODUCER_DEFAULTS,
    admin_config,
    consumer_config,
    producer_config,
)

__all__ = ["CONSUMER_DEFAULTS", "PRODUCER_DEFAULTS", "KafkaConsumer", "Transport"]

logger = logging.getLogger(__name__)

# Seconds between two polls of an otherwise idle producer (log lines, errors, statistics).
SERVE_INTERVAL = 5.0


class Transport(BaseTransport):
    def __init__(self, *, options: Mapping[str, Any]) -> None:
        super().__init__(options=options)
        brokers = self.options.get("brokers") or []
        if isinstance(brokers, str):
            brokers = [brokers]
        self.common = {
            "bootstrap.servers": ",".join(brokers),
            "client.id": self.options.get("client_id") or "wanzo",
            **dict(self.options.get("security") or {}),
        }
        self.extra = dict(self.options.get("config") or {})
        if "statistics_interval_ms" not in self.options:
            self.options["statistics_interval_ms"] = _statistics_interval()
        self._producer: Producer | None = None
        self._pid: int | None = None
        # Topics known to exist; shared by the process's threads (a set add is atomic).
        self._topics: set[str] = set()
        self._lock = threading.Lock()
        _transports.add(self)

    # -- producing ---------------------------------------------------------------------------

    @property
    def producer(self) -> Producer:
        """The process's producer, created on first use and again in a forked child."""
        if self._producer is None or self._pid != os.getpid():
            with self._lock:
                if self._producer is None or self._pid != os.getpid():
                    self._producer = Producer(producer_config(self.common, self.options))
                    self._pid = os.getpid()
                    _flush_at_exit(self)
                    _serve_while_used(self, self._producer)
        return self._producer

    def _forget_producer(self) -> None:
        """In a forked child: drop (never use, never close) the parent's producer."""
        self._producer = None
        self._pid = None
        self._lock = threading.Lock()  # the parent's may have been held by another thread

    def _produce(self, message: Message, callback: Any, producer: Producer) -> None:
        headers = list(message.headers)  # librdkafka takes a list or a dict, not a tuple
        partition = -1 if message.partition is None else message.partition
        while True:
            try:
                producer.produce(
                    message.topic,
                    message.value,
                    message.key,
                    headers=headers,
                    partition=partition,
                    on_delivery=callback,
                )
                return
            except BufferError:  # the local queue is full: serve delivery reports, then retry
                producer.poll(0.1)

    def send(self, messages: Sequence[Message], *, timeout: float = 10.0) -> None:
        """Send and wait for every acknowledgement; ``timeout`` covers topic creation too."""
        deadline = time.monotonic() + timeout
        errors: list[KafkaError] = []
        done = [0]

        def report(err: KafkaError | None, msg: Any) -> None:
            done[0] += 1
            if err is not None:
                errors.append(err)

        producer = self.producer
        try:
            self.ensure_topics([message.topic for message in messages], timeout=timeout)
        except KafkaException as exc:
            self._count(messages, failed=len(messages))
            raise DeliveryError(
                f"{len(messages)} message(s) not sent: topics not available ({exc.args[0].str()})"
            ) from exc
        for message in messages:
            self._produce(message, report, producer)
        # flush() sends at once (no linger.ms) and returns once the queue is empty; it may also
        # wait for other threads' messages, which is harmless.
        producer.flush(max(0.0, deadline - time.monotonic()))
        if done[0] < len(messages):
            # Do not leave them queued: a retry by the caller would race the originals.
            producer.purge(in_queue=True, in_flight=False, blocking=True)
            producer.flush(0)
        failed = len(messages) - done[0] + len(errors)  # never reported, or reported failed
        self._count(messages, failed=failed)
        if failed:
            reason = errors[0].str() if errors else "timed out"
            raise DeliveryError(
                f"{failed} of {len(messages)} message(s) not acknowledged: {reason}"
            )

    def _count(self, messages: Sequence[Message], *, failed: int) -> None:
        # One increment per (topic, type): a relay batch is hundreds of similar messages.
        outcome = "failed" if failed else "sent"
        groups = Counter((message.topic, message_type(message)) for message in messages)
        for (topic, type_name), amount in groups.items():
            published_counter(topic, type_name, outcome).inc(amount)

    def send_async(self, message: Message) -> None:
        """Queue one message; its delivery report counts it and logs a failure.

        For callers that accept losing a message (``publish`` waits, through :meth:`send`):
        no closure per message (one reporter per topic and type, see :func:`.delivery.reporter`),
        and no process id check (a forked child forgets the producer through
        ``os.register_at_fork``).
        """
        producer = self._producer
        if producer is None:
            producer = self.producer
        try:
            self.ensure_topics([message.topic])  # known topics return at once
        except KafkaException as exc:  # the delivery report will count the failure
            logger.warning("events: topic %s not available (%s)", message.topic, exc)
        self._produce(message, reporter(message.topic, raw_type(message.headers)), producer)
        producer.poll(0)

    def flush(self, timeout: float = 10.0) -> int:
        if self._producer is None or self._pid != os.getpid():
            return 0
        return self._producer.flush(timeout)

    # -- consuming and administration ------------------------------------------------------

    def consumer(
        self, *, group_id: str, topics: Sequence[str], from_beginning: bool = True
    ) -> KafkaConsumer:
        config = consumer_config(
            self.common, self.options, group_id=group_id, from_beginning=from_beginning
        )
        return KafkaConsumer(config, topics)

    def ensure_topics(self, topics: Sequence[str], *, timeout: float = 10.0) -> None:
        """Create the missing topics; raise ``KafkaException`` if the cluster refuses one."""
        wanted = [topic for topic in dict.fromkeys(topics) if topic not in self._topics]
        if not wanted:
            return
        admin = AdminClient(admin_config(self.common))
        existing = admin.list_topics(timeout=timeout).topics
        missing = [topic for topic in wanted if topic not in existing]
        if missing and self.options.get("dev_broker"):
            # librdkafka's mock cluster has no CreateTopics (no controller) but creates a topic
            # named in a metadata request, as auto.create.topics.enable would.
            for topic in missing:
                found = admin.list_topics(topic=topic, timeout=timeout).topics.get(topic)
                if found is None or found.error is not None:
                    raise KafkaException(
                        found.error if found is not None else KafkaError(KafkaError._UNKNOWN_TOPIC)
                    )
        elif missing:
            self._create_topics(admin, missing, timeout=timeout)
        self._topics.update(wanted)

    def _create_topics(self, admin: AdminClient, topics: list[str], *, timeout: float) -> None:
        partitions = int(self.options.get("partitions") or 3)
        replication = int(self.options.get("replication_factor") or -1)  # -1: broker default
        new = [NewTopic(t, num_partitions=partitions, replication_factor=replication) for t in topics]
        for topic, future in admin.create_topics(new, request_timeout=timeout).items():
            try:
                future.result(timeout=timeout + 1)
            except KafkaException as exc:
                # Another process may have created it meanwhile: that is success.
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
            logger.info("events: topic %s created (%d partitions)", topic, partitions)

    def ping(self, timeout: float = 2.0) -> None:
        """Raise ``KafkaException`` unless a broker answers a metadata request in time."""
        metadata = self.producer.list_topics(timeout=timeout)
        if not metadata.brokers:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT, "no broker available"))

    def close(self) -> None:
        if self._producer is not None and self._pid == os.getpid():
            remaining = self._producer.flush(10)
            if remaining:
                logger.warning("events: %d message(s) undelivered at close", remaining)
        self._producer = None


def _statistics_interval() -> int:
    """``STATISTICS_INTERVAL_MS`` for a transport built without that option (0 without Django)."""
    from django.core.exceptions import ImproperlyConfigured

    from wanzo_common.events.conf import app_settings

    try:
        return app_settings.STATISTICS_INTERVAL_MS
    except ImproperlyConfigured:  # no Django settings: librdkafka statistics stay off
        return 0


def _serve_while_used(transport: Transport, producer: Producer) -> None:
    """Poll ``producer`` every :data:`SERVE_INTERVAL` s until ``transport`` drops it.

    ``poll()`` serves what librdkafka queued for Python: delivery reports, log lines, errors and
    statistics. A producer that sends nothing for a while (a web process between events) would
    otherwise keep them in memory, two log lines a second per connection during an outage, and
    its ``kafka_broker_*`` gauges would stand still. The thread holds the transport weakly and
    ends once the transport is closed, forgotten in a forked child, or garbage.
    """
    ref = weakref.ref(transport)

    def serve() -> None:
        while True:
            time.sleep(SERVE_INTERVAL)
            alive = ref()
            if alive is None or alive._producer is not producer:
                return
            del alive
            producer.poll(0)

    threading.Thread(target=serve, name="wanzo-kafka-producer", daemon=True).start()


def _flush_at_exit(transport: Transport) -> None:
    ref = weakref.ref(transport)

    def flush() -> None:
        alive = ref()
        if alive is not None:
            alive.close()

    atexit.register(flush)


# Every Transport of this process, so a forked child can make each forget its producer.
_transports: weakref.WeakSet[Transport] = weakref.WeakSet()


def _forget_producers_in_child() -> None:
    for transport in list(_transports):
        transport._forget_producer()


# librdkafka's threads do not survive fork(): gunicorn and Celery prefork children build their
# own producer on first use. This hook is why send_async needs no os.getpid() per message.
os.register_at_fork(after_in_child=_forget_producers_in_child)


class KafkaConsumer(BaseConsumer):
    def __init__(self, config: dict[str, Any], topics: Sequence[str]) -> None:
        self.consumer = Consumer(config)
        self.consumer.subscribe(list(topics))
        self._closed = False
        self._early: Message | None = None  # polled by wait_for_assignment, not returned yet

    def wait_for_assignment(self, timeout: float) -> bool:
        """Poll until this member holds at least one partition; False after ``timeout`` s.

        Joining a group takes a few round trips, and longer when other members must rejoin
        first: a caller timing how long nothing arrives starts its clock after this. Polling is
        what makes librdkafka join and serve the assignment, so a message may arrive in the
        same call: it is kept for the next :meth:`poll`.
        """
        deadline = time.monotonic() + timeout
        while not self.consumer.assignment():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            message = self.poll(min(remaining, 0.1))
            if message is not None:  # only an assigned member gets messages
                self._early = message
                return True
        return True

    def poll(self, timeout: float) -> Message | None:
        if self._early is not None:
            message, self._early = self._early, None
            return message
        raw = self.consumer.poll(timeout)
        if raw is None:
            return None
        error = raw.error()
        if error is not None:
            if error.fatal():
                raise KafkaException(error)
            # Partition EOF, a topic not created yet, a broker restart: librdkafka recovers.
            logger.debug("consumer: %s", error.str())
            return None
        return Message(
            topic=raw.topic(),
            value=raw.value(),
            key=raw.key(),
            headers=tuple((name, value or b"") for name, value in (raw.headers() or [])),
            partition=raw.partition(),
            offset=raw.offset(),
        )

    def store(self, message: Message) -> None:
        tp = TopicPartition(message.topic, message.partition, message.offset + 1)
        try:
            self.consumer.store_offsets(offsets=[tp])
        except KafkaException as exc:
            # The partition was revoked meanwhile: its new owner will redeliver (at-least-once).
            logger.warning("consumer: offset not stored (%s)", exc.args[0].str())

    def commit(self) -> None:
        try:
            self.consumer.commit(asynchronous=False)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:
                raise

    def lag(self) -> dict[tuple[str, int], int]:
        """High watermark minus the position, or minus the group's committed offset until this
        member consumed from the partition (librdkafka knows no position before that).

        Never from the low watermark: after a restart with nothing new, that counted messages
        the group had long handled. A partition with neither a position nor a committed offset
        (a new group that consumed nothing yet) is left out: its lag is unknown.
        """
        positions = self.consumer.position(self.consumer.assignment())
        unknown = [tp for tp in positions if tp.offset < 0]
        committed = {}
        if unknown:  # a broker round trip, only for partitions not consumed from yet
            for tp in self.consumer.committed(unknown, timeout=2.0):
                if tp.offset >= 0:
                    committed[(tp.topic, tp.partition)] = tp.offset
        result = {}
        for tp in positions:
            key = (tp.topic, tp.partition)
            offset = tp.offset if tp.offset >= 0 else committed.get(key)
            if offset is None:
                continue
            # Cached watermarks come with every fetch response; ask the broker only if unknown.
            _, high = self.consumer.get_watermark_offsets(tp, cached=True)
            if high < 0:
                _, high = self.consumer.get_watermark_offsets(tp, timeout=2.0, cached=False)
            result[key] = max(0, high - offset)
        return result

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.commit()
        except KafkaException as exc:
            logger.warning("consumer: final commit failed (%s)", exc.args[0].str())
        self.consumer.close()

"""Every ``kafka_*`` and ``events_outbox_*`` metric, declared once for publisher and consumer.

Labels stay bounded: topics, event types, outcomes, reasons and partitions, never ids. Gauges
declare how processes combine under prometheus_client's multiprocess mode: lag and outbox
figures are *set* from a fresh reading, so the most recent value wins (the ``gauge()``
default). Declared through :mod:`wanzo_common.monitoring.metrics`, so re-importing this module
(autoreload) hands back the metrics already registered.
"""

from __future__ import annotations

from typing import Any

from wanzo_common.events.transports.base import Message
from wanzo_common.monitoring.metrics import counter, gauge, histogram

PUBLISHED_OUTCOMES = ("queued", "sent", "failed")
CONSUMED_OUTCOMES = ("handled", "duplicate", "retried", "dead_lettered", "ignored")
HANDLER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

KAFKA_EVENTS_PUBLISHED = counter(
    "kafka_events_published",
    "Events published: queued in the outbox, sent (acknowledged by the broker) or failed.",
    labels=("topic", "type", "outcome"),
)
KAFKA_EVENTS_CONSUMED = counter(
    "kafka_events_consumed",
    "Events consumed, by outcome: handled, duplicate, retried, dead_lettered, ignored.",
    labels=("topic", "type", "outcome"),
)
KAFKA_EVENT_HANDLER_DURATION = histogram(
    "kafka_event_handler_duration_seconds",
    "Time spent in an event's handlers (including its inbox transaction).",
    labels=("type",),
    buckets=HANDLER_BUCKETS,
)
KAFKA_CONSUMER_LAG = gauge(
    "kafka_consumer_lag",
    "Messages between a consumer's position and the end of the partition.",
    labels=("topic", "partition"),
)
KAFKA_DEAD_LETTERS = counter(
    "kafka_dead_letters",
    "Messages sent to a dead-letter topic, by original topic and reason.",
    labels=("topic", "reason"),
)
EVENTS_OUTBOX_PENDING = gauge(
    "events_outbox_pending", "Outbox rows not yet acknowledged by the broker."
)
EVENTS_OUTBOX_OLDEST_AGE = gauge(
    "events_outbox_oldest_age_seconds", "Age of the oldest outbox row not yet sent (0 if none)."
)

# Liveness: the wall-clock time of a process's last step, so a process stuck inside a handler or
# a send (whose other gauges freeze) is seen by an alert and by its liveness probe
# (wanzo_common/events/liveness.py). Unix seconds; `time() - gauge` is the time stuck.
KAFKA_CONSUMER_LAST_PROGRESS = gauge(
    "kafka_consumer_last_progress_timestamp_seconds",
    "Unix time of the consumer's last poll or offset store.",
    mode="max",
)
EVENTS_RELAY_LAST_PROGRESS = gauge(
    "events_relay_last_progress_timestamp_seconds",
    "Unix time the outbox relay last finished a round (rows sent, none pending, or a broker "
    "error handled).",
    mode="max",
)
# 1 when the last check of the broker (a /readyz probe, a relay round) reached it, else 0. Web
# stays ready without the broker (the outbox absorbs the outage); this gauge and its alert say so.
EVENTS_BROKER_UP = gauge(
    "events_broker_up", "1 if this process's last check reached the events broker, else 0."
)

# From librdkafka's statistics (kafka_stats.py): one series per client role and broker.
KAFKA_CLIENT_QUEUED_MESSAGES = gauge(
    "kafka_client_queued_messages",
    "Messages in the client's queues (waiting to be sent or acknowledged): msg_cnt.",
    labels=("role",),
)
KAFKA_CLIENT_QUEUED_BYTES = gauge(
    "kafka_client_queued_bytes",
    "Bytes of the messages in the client's queues: msg_size.",
    labels=("role",),
)
KAFKA_BROKER_RTT = gauge(
    "kafka_broker_rtt_seconds",
    "Average request round-trip time to a broker.",
    labels=("role", "broker"),
)
KAFKA_BROKER_CONNECTED = gauge(
    "kafka_broker_connected",
    "1 if the client's connection to a broker is UP, else 0.",
    labels=("role", "broker"),
)
KAFKA_BROKER_TX_ERRORS = gauge(
    "kafka_broker_tx_errors",
    "Transmission errors to a broker since the client started.",
    labels=("role", "broker"),
)
KAFKA_BROKER_RX_ERRORS = gauge(
    "kafka_broker_rx_errors",
    "Receive errors from a broker since the client started.",
    labels=("role", "broker"),
)
# From librdkafka's error callback (kafka_log.py): connection failures, all brokers down...
KAFKA_CLIENT_ERRORS = counter(
    "kafka_client_errors",
    "Errors reported by a Kafka client, by role and librdkafka error name (e.g. _TRANSPORT).",
    labels=("role", "error"),
)


def create_dead_letter_series(topics: list[str] | tuple[str, ...]) -> None:
    """Create ``kafka_dead_letters_total`` at 0 for every topic and reason a consumer can use.

    A counter series that appears at 1 is invisible to ``increase()``: the first dead letter
    would never alert. Created at start-up, the first one is an increase from 0.
    """
    from wanzo_common.events.exceptions import REASONS

    for topic in topics:
        for reason in (*sorted(REASONS), "rejected", "max_attempts"):
            KAFKA_DEAD_LETTERS.labels(topic=topic, reason=reason)


def message_type(message: Message) -> str:
    return type_label(message.header("ce_type"))


def type_label(raw: bytes | None) -> str:
    """The ``type`` label for a raw ``ce_type`` header value ("unknown" if absent or not UTF-8)."""
    try:
        return raw.decode() if raw else "unknown"
    except UnicodeDecodeError:
        return "unknown"


# labels() hashes and checks its arguments on every call; publishing counts every event, so
# the children are kept. The set of (topic, type, outcome) is small and bounded.
_published: dict[tuple[str, str, str], Any] = {}


def published_counter(topic: str, type_name: str, outcome: str) -> Any:
    """The ``kafka_events_published_total`` child for these labels, looked up once."""
    key = (topic, type_name, outcome)
    child = _published.get(key)
    if child is None:
        child = _published[key] = KAFKA_EVENTS_PUBLISHED.labels(
            topic=topic, type=type_name, outcome=outcome
        )
    return child


def record_published(message: Message, outcome: str, amount: int = 1) -> None:
    """Count one message by topic, CloudEvents type and outcome (transports call this)."""
    published_counter(message.topic, message_type(message), outcome).inc(amount)

"""librdkafka configuration of our clients: defaults, and which keys go to which client.

``WANZO_EVENTS["OPTIONS"]`` serves producers and consumers alike, but librdkafka logs a
``CONFWARN`` line for every consumer property handed to a producer ("group.protocol is a
consumer property and will be ignored by this producer instance") and vice versa. So each
client gets only the keys that apply to it, by the scope librdkafka documents for them (the
``C/P`` column of its CONFIGURATION.md); keys we do not know go to both, as before.
``PRODUCER_OPTIONS`` and ``CONSUMER_OPTIONS`` add keys for one side only. The
``statistics_interval_ms`` option (``STATISTICS_INTERVAL_MS``) adds librdkafka's statistics
callback to both, and every client (the admin one too) sends its log lines and errors to
:mod:`wanzo_common.events.kafka_log` and waits longer between reconnection attempts
(:data:`CLIENT_DEFAULTS`); all of these under the options, so an explicit ``logger``,
``error_cb`` or ``stats_cb`` still wins. Nothing here imports confluent-kafka.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wanzo_common.events.kafka_log import client_config
from wanzo_common.events.kafka_stats import statistics_config

__all__ = [
    "CLIENT_DEFAULTS",
    "CONSUMER_DEFAULTS",
    "CONSUMER_ONLY",
    "PRODUCER_DEFAULTS",
    "PRODUCER_ONLY",
    "admin_config",
    "consumer_config",
    "producer_config",
]

# Every client. A lost broker is retried every reconnect.backoff.ms / 2 or so (librdkafka 2.x
# re-bootstraps when all brokers are down, which restarts the backoff), not every 50 ms: an
# outage costs two attempts (and log lines, before kafka_log's summary) a second per
# connection, and a broker back up is found within a second.
CLIENT_DEFAULTS: dict[str, Any] = {
    "reconnect.backoff.ms": 1000,
    "reconnect.backoff.max.ms": 10000,
}
PRODUCER_DEFAULTS: dict[str, Any] = {
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
    "message.timeout.ms": 30000,
}
CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable.auto.commit": True,
    "enable.auto.offset.store": False,
    "auto.commit.interval.ms": 1000,
    "session.timeout.ms": 10000,
    "allow.auto.create.topics": True,
}

# Scope "C" in librdkafka's CONFIGURATION.md (global and topic properties), plus the Python
# client's consumer callback.
CONSUMER_ONLY = frozenset({
    "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
    "heartbeat.interval.ms", "group.protocol.type", "group.protocol", "group.remote.assignor",
    "coordinator.query.interval.ms", "max.poll.interval.ms", "enable.auto.commit",
    "auto.commit.enable", "auto.commit.interval.ms", "enable.auto.offset.store",
    "queued.min.messages", "queued.max.messages.kbytes", "fetch.wait.max.ms",
    "fetch.queue.backoff.ms", "fetch.message.max.bytes", "max.partition.fetch.bytes",
    "fetch.max.bytes", "fetch.min.bytes", "fetch.error.backoff.ms", "offset.store.method",
    "offset.store.path", "offset.store.sync.interval.ms", "isolation.level",
    "enable.partition.eof", "check.crcs", "auto.offset.reset", "consume.callback.max.messages",
    "consume_cb", "rebalance_cb", "offset_commit_cb", "on_commit",
})  # fmt: skip
# Scope "P", plus the Python client's delivery callbacks.
PRODUCER_ONLY = frozenset({
    "transactional.id", "transaction.timeout.ms", "enable.idempotence",
    "enable.gapless.guarantee", "queue.buffering.max.messages", "queue.buffering.max.kbytes",
    "queue.buffering.max.ms", "linger.ms", "message.send.max.retries", "retries",
    "queue.buffering.backpressure.threshold", "compression.codec", "compression.type",
    "compression.level", "batch.num.messages", "batch.size", "delivery.report.only.error",
    "sticky.partitioning.linger.ms", "request.required.acks", "acks", "request.timeout.ms",
    "message.timeout.ms", "delivery.timeout.ms", "queuing.strategy", "produce.offset.report",
    "partitioner", "dr_cb", "dr_msg_cb", "on_delivery", "partitioner_cb", "msg_order_cmp",
})  # fmt: skip


def _without(options: Mapping[str, Any] | None, excluded: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in (options or {}).items() if key not in excluded}


def _statistics(options: Mapping[str, Any], *, role: str) -> dict[str, Any]:
    try:
        interval = int(options.get("statistics_interval_ms") or 0)
    except (TypeError, ValueError):  # a bad setting must not stop the client: no statistics
        interval = 0
    return statistics_config(role=role, interval_ms=interval)


def producer_config(common: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """The producer's configuration: connection, our defaults, then the producer's options.

    ``options`` are the transport's: ``config`` (``OPTIONS``) minus consumer-only keys, then
    ``producer_config`` (``PRODUCER_OPTIONS``) as given.
    """
    return {
        **common,
        **CLIENT_DEFAULTS,
        **PRODUCER_DEFAULTS,
        **_statistics(options, role="producer"),
        **client_config(role="producer"),
        **_without(options.get("config"), CONSUMER_ONLY),
        **dict(options.get("producer_config") or {}),
    }


def consumer_config(
    common: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    group_id: str,
    from_beginning: bool,
) -> dict[str, Any]:
    """A consumer's configuration, as :func:`producer_config` (producer-only keys left out).

    KIP-848 groups (``group.protocol=consumer``) refuse the classic protocol's session
    settings: the broker owns session timeouts and assignment, so our default is dropped.
    """
    config = {
        **common,
        **CLIENT_DEFAULTS,
        **CONSUMER_DEFAULTS,
        "group.id": group_id,
        "auto.offset.reset": "earliest" if from_beginning else "latest",
        **_statistics(options, role="consumer"),
        **client_config(role="consumer"),
        **_without(options.get("config"), PRODUCER_ONLY),
        **dict(options.get("consumer_config") or {}),
    }
    if config.get("group.protocol") == "consumer":
        config.pop("session.timeout.ms", None)
    return config


def admin_config(common: Mapping[str, Any]) -> dict[str, Any]:
    """The admin client's (topic creation): connection, reconnection and logging only."""
    return {**common, **CLIENT_DEFAULTS, **client_config(role="admin")}

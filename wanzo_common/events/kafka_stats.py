"""librdkafka's statistics as Prometheus gauges: client queues and per-broker health.

With ``statistics.interval.ms`` set, librdkafka emits a JSON document at that interval to the
client's ``stats_cb``, called from whichever thread serves ``poll()``/``flush()``. We keep a few
bounded figures from it (labelled by client role and broker only, never by partition): what is
queued in the client, each broker's round-trip time, whether it is connected, and its error
counts. librdkafka's error counts are running totals since the client started, so they are
*set* as gauges rather than re-counted. A document we cannot read is logged at debug level and
dropped: a metrics callback must never break the client serving it. Nothing here imports
confluent-kafka.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from typing import Any

from wanzo_common.events import metrics

__all__ = ["record_statistics", "statistics_config"]

logger = logging.getLogger(__name__)

# Brokers that are not a real connection: librdkafka's internal one and logical aliases
# (the group coordinator), which would repeat a real broker's figures under its name.
_NOT_CONNECTIONS = frozenset({"internal", "logical"})


def statistics_config(*, role: str, interval_ms: int) -> dict[str, Any]:
    """librdkafka keys that send statistics to :func:`record_statistics` ({} when disabled)."""
    if interval_ms <= 0:
        return {}
    return {
        "statistics.interval.ms": interval_ms,
        "stats_cb": functools.partial(record_statistics, role=role),
    }


def record_statistics(document: str | bytes, *, role: str) -> None:
    """Set the ``kafka_client_*`` and ``kafka_broker_*`` gauges from one statistics document."""
    try:
        stats = json.loads(document)
        metrics.KAFKA_CLIENT_QUEUED_MESSAGES.labels(role=role).set(float(stats["msg_cnt"]))
        metrics.KAFKA_CLIENT_QUEUED_BYTES.labels(role=role).set(float(stats["msg_size"]))
        for name, broker in _connections(stats.get("brokers") or {}):
            _record_broker(broker, role=role, name=name)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.debug("kafka statistics (%s) not recorded: %r", role, exc)


def _connections(brokers: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(nodename, figures) of the real broker connections; a learned broker wins over the
    bootstrap entry for the same address."""
    found: dict[str, Mapping[str, Any]] = {}
    for broker in brokers.values():
        name = broker.get("nodename")
        if not name or broker.get("source") in _NOT_CONNECTIONS:
            continue
        if name not in found or broker.get("source") == "learned":
            found[name] = broker
    return list(found.items())


def _record_broker(broker: Mapping[str, Any], *, role: str, name: str) -> None:
    labels = {"role": role, "broker": name}
    rtt_us = (broker.get("rtt") or {}).get("avg", 0)
    metrics.KAFKA_BROKER_RTT.labels(**labels).set(float(rtt_us) / 1e6)
    metrics.KAFKA_BROKER_CONNECTED.labels(**labels).set(1.0 if broker.get("state") == "UP" else 0.0)
    metrics.KAFKA_BROKER_TX_ERRORS.labels(**labels).set(float(broker.get("txerrs", 0)))
    metrics.KAFKA_BROKER_RX_ERRORS.labels(**labels).set(float(broker.get("rxerrs", 0)))

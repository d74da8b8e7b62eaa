"""The outbox relay: pending outbox rows to the broker, in order, marked sent only once acked.

One call handles one batch inside one transaction. On PostgreSQL the batch is locked with
``SELECT ... FOR UPDATE SKIP LOCKED``, so several relays (the command, beat tasks, several
hosts) share the work without waiting on each other or sending a row twice. Per-key order
holds across relays: a batch leaves out any key that has an older pending row outside the batch
(locked by another relay); those rows go in a later round. If the broker does not acknowledge
the whole batch, nothing is marked sent and the rows are retried later: at-least-once, the
consumers' inbox absorbs the duplicates. SQLite has no row locks: run one relay there.

The relay refuses a transport that cannot deliver to another process (the mock: its broker is a
list in the relay's own memory), with ``ImproperlyConfigured`` and every row left pending:
marking rows sent there would lose them silently. Tests and demos opt in with ``ALLOW_MOCK``;
then the mock's consumers in the same process (``events_outbox.deliver()``) receive the rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import Count, Min
from django.utils import timezone

from wanzo_common.events import metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.models import OutboxEvent
from wanzo_common.events.transports import BaseTransport, DeliveryError, Message, get_transport

__all__ = [
    "check_relay_transport",
    "prune_outbox",
    "relay_outbox",
    "relay_pending",
    "update_outbox_gauges",
]

logger = logging.getLogger(__name__)


def relay_outbox(
    *,
    batch: int | None = None,
    using: str = "default",
    transport: BaseTransport | None = None,
    timeout: float | None = None,
) -> int:
    """Send one batch of pending rows; return how many were sent.

    Raises ``DeliveryError`` (rows stay pending), or ``ImproperlyConfigured`` before touching a
    row when ``transport`` cannot deliver to another process (:func:`check_relay_transport`).
    """
    batch = batch or app_settings.RELAY_BATCH
    transport = transport or get_transport()
    check_relay_transport(transport=transport)
    failure: DeliveryError | None = None
    with transaction.atomic(using=using):
        rows = _in_key_order(_lock_batch(batch, using), using)
        if not rows:
            return 0
        ids = [row[0] for row in rows]
        try:
            transport.send(
                [_message(row) for row in rows], timeout=timeout or app_settings.SEND_TIMEOUT
            )
        except DeliveryError as exc:
            failure = exc
            _mark(ids, using, last_error=f"{type(exc).__name__}: {exc}"[:200])
        else:
            _mark(ids, using, sent_at=timezone.now())
    if failure is not None:
        logger.warning("outbox relay: %d event(s) not acknowledged, will retry", len(rows))
        raise failure
    logger.debug("outbox relay: sent %d event(s)", len(rows))
    return len(rows)


def check_relay_transport(*, transport: BaseTransport) -> None:
    """Raise ``ImproperlyConfigured`` unless rows sent through ``transport`` reach other processes."""
    if transport.delivers_across_processes or app_settings.ALLOW_MOCK:
        return
    raise ImproperlyConfigured(
        f"The outbox relay will not send through {type(transport).__module__}."
        f"{type(transport).__name__}: it delivers only within this process, so the rows would "
        "be marked sent and lost. They stay pending. Configure Kafka (USE_KAFKA=true, "
        "KAFKA_BROKERS), or opt in for a demo or a test with EVENTS_ALLOW_MOCK=true."
    )


def relay_pending(
    *,
    batch: int | None = None,
    max_batches: int | None = None,
    using: str = "default",
    transport: BaseTransport | None = None,
) -> int:
    """Relay batches until the outbox is drained (or ``max_batches``); return rows sent."""
    batch = batch or app_settings.RELAY_BATCH
    total = rounds = 0
    while max_batches is None or rounds < max_batches:
        sent = relay_outbox(batch=batch, using=using, transport=transport)
        total += sent
        rounds += 1
        if sent < batch:
            break
    return total


# What the relay reads of a row: plain tuples, not model instances (a third of a batch's time
# went into building 500 instances).
Row = tuple[int, str, str | None, list[list[str]], str]
COLUMNS = ("id", "topic", "key", "headers", "payload")


def _lock_batch(batch: int, using: str) -> list[Row]:
    rows = OutboxEvent.objects.using(using).filter(sent_at__isnull=True).order_by("id")
    if _concurrent(using):
        rows = rows.select_for_update(skip_locked=True)
    return list(rows.values_list(*COLUMNS)[:batch])


def _message(row: Row) -> Message:
    _, topic, key, headers, payload = row
    return Message(
        topic=topic,
        value=payload.encode(),
        key=key.encode() if key is not None else None,
        headers=tuple((name, value.encode()) for name, value in headers),
    )


def _in_key_order(rows: list[Row], using: str) -> list[Row]:
    """Leave out keys with an older pending row that another relay holds."""
    last_by_key = {key: pk for pk, _, key, _, _ in rows if key is not None}
    if not last_by_key or not _concurrent(using):
        return rows
    connection = connections[using]
    # The oldest pending row of each key outside this batch (locked by another relay, or
    # committed since): one array parameter per list instead of one placeholder per item.
    key, pk, sent_at = (connection.ops.quote_name(name) for name in ("key", "id", "sent_at"))
    keys_in, key_params = _any(connection, "key", list(last_by_key))
    ids_in, id_params = _any(connection, "id", [row[0] for row in rows])
    sql = (
        f"SELECT {key}, MIN({pk}) FROM {_table(connection)} WHERE {sent_at} IS NULL "
        f"AND {keys_in} AND {pk} < %s AND NOT ({ids_in}) GROUP BY {key}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, max(last_by_key.values()), *id_params])
        blocked = {key for key, oldest in cursor.fetchall() if oldest < last_by_key[key]}
    if blocked:
        logger.debug("outbox relay: %d key(s) wait for another relay", len(blocked))
    return [row for row in rows if row[2] not in blocked]


def _concurrent(using: str) -> bool:
    """Several relays can share the outbox (rows locked with SKIP LOCKED). Without it every
    relay reads from the oldest row, so no older row of a key can be missing from a batch."""
    return connections[using].features.has_select_for_update_skip_locked


def _mark(ids: list[int], using: str, **fields: object) -> None:
    """``attempts + 1`` and ``fields`` on rows ``ids``, in one statement."""
    connection = connections[using]
    quote = connection.ops.quote_name
    values = [
        connection.ops.adapt_datetimefield_value(value) if name == "sent_at" else value
        for name, value in fields.items()
    ]
    assignments = ", ".join(f"{quote(name)} = %s" for name in fields)
    ids_in, id_params = _any(connection, "id", ids)
    sql = (
        f"UPDATE {_table(connection)} SET {quote('attempts')} = {quote('attempts')} + 1, "
        f"{assignments} WHERE {ids_in}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *id_params])


def _table(connection: Any) -> str:
    return connection.ops.quote_name(OutboxEvent._meta.db_table)


def _any(connection: Any, column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``: ``= ANY(array)`` on PostgreSQL, else ``IN (...)``.

    One array parameter keeps the statement the same for every batch (500 placeholders, and as
    many values to adapt, cost more than the lookup); other databases get a plain IN list.
    """
    column = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def update_outbox_gauges(*, using: str = "default") -> tuple[int, float]:
    """Set ``events_outbox_pending`` and ``events_outbox_oldest_age_seconds``; return them."""
    stats = (
        OutboxEvent.objects.using(using)
        .filter(sent_at__isnull=True)
        .aggregate(pending=Count("id"), oldest=Min("created_at"))
    )
    oldest = stats["oldest"]
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    metrics.EVENTS_OUTBOX_PENDING.set(stats["pending"])
    metrics.EVENTS_OUTBOX_OLDEST_AGE.set(age)
    return stats["pending"], age


def prune_outbox(*, older_than: timedelta | None = None, using: str = "default") -> int:
    """Delete rows sent more than ``older_than`` ago (``OUTBOX_RETENTION`` seconds by default)."""
    if older_than is None:
        older_than = timedelta(seconds=app_settings.OUTBOX_RETENTION)
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxEvent.objects.using(using).filter(sent_at__lt=cutoff).delete()
    return deleted

"""The outbox relay: pending outbox rows to the broker, in order, marked sent only once acked.

One call handles one batch inside one transaction. On PostgreSQL the batch is locked with
``SELECT ... FOR UPDATE SKIP LOCKED``, so several relays (the command, beat tasks, several
hosts) share the work without waiting on each other or sending a row twice. Per-key order
holds across relays: a batch leaves out any key that has an older pending row outside the batch
(locked by another relay); those rows go in a later round. If the broker does not acknowledge
the whole batch, nothing is marked sent and the rows are retried later: at-least-once, the
consumers' inbox absorbs the duplicates. SQLite has no row locks: run one relay there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connections, transaction
from django.db.models import Count, F, Min
from django.utils import timezone

from wanzo_common.events import metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.models import OutboxEvent
from wanzo_common.events.transports import BaseTransport, DeliveryError, get_transport

__all__ = ["prune_outbox", "relay_outbox", "relay_pending", "update_outbox_gauges"]

logger = logging.getLogger(__name__)


def relay_outbox(
    *,
    batch: int | None = None,
    using: str = "default",
    transport: BaseTransport | None = None,
    timeout: float | None = None,
) -> int:
    """Send one batch of pending rows; return how many were sent. Raises ``DeliveryError``."""
    batch = batch or app_settings.RELAY_BATCH
    transport = transport or get_transport()
    failure: DeliveryError | None = None
    with transaction.atomic(using=using):
        rows = _in_key_order(_lock_batch(batch, using), using)
        if not rows:
            return 0
        try:
            transport.send(
                [row.to_message() for row in rows], timeout=timeout or app_settings.SEND_TIMEOUT
            )
        except DeliveryError as exc:
            failure = exc
            _mark(rows, using, last_error=f"{type(exc).__name__}: {exc}"[:200])
        else:
            _mark(rows, using, sent_at=timezone.now())
    if failure is not None:
        logger.warning("outbox relay: %d event(s) not acknowledged, will retry", len(rows))
        raise failure
    logger.debug("outbox relay: sent %d event(s)", len(rows))
    return len(rows)


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


def _lock_batch(batch: int, using: str) -> list[OutboxEvent]:
    rows = OutboxEvent.objects.using(using).filter(sent_at__isnull=True).order_by("id")
    if connections[using].features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return list(rows[:batch])


def _in_key_order(rows: list[OutboxEvent], using: str) -> list[OutboxEvent]:
    """Leave out keys with an older pending row that another relay holds."""
    last_by_key = {row.key: row.pk for row in rows if row.key is not None}
    if not last_by_key or not _concurrent(using):
        return rows
    older = (
        OutboxEvent.objects.using(using)
        .filter(sent_at__isnull=True, key__in=list(last_by_key), pk__lt=max(last_by_key.values()))
        .exclude(pk__in=[row.pk for row in rows])
        .values_list("key", "pk")
    )
    blocked = {key for key, pk in older if pk < last_by_key[key]}
    if blocked:
        logger.debug("outbox relay: %d key(s) wait for another relay", len(blocked))
    return [row for row in rows if row.key not in blocked]


def _concurrent(using: str) -> bool:
    # Without SKIP LOCKED every relay reads from the oldest row, so no older row can be missing.
    return connections[using].features.has_select_for_update_skip_locked


def _mark(rows: list[OutboxEvent], using: str, **fields: object) -> None:
    OutboxEvent.objects.using(using).filter(pk__in=[row.pk for row in rows]).update(
        attempts=F("attempts") + 1, **fields
    )


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

"""Celery tasks of the events app: the outbox relay as a beat task.

Add to a service's settings (the shared settings builder does this)::

    from wanzo_common.events.conf import BEAT_SCHEDULE
    CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE}

Overlapping runs are harmless on PostgreSQL (rows are locked with SKIP LOCKED), so the task
needs no lock of its own. ``max_batches`` bounds one run so a huge backlog cannot hold a worker
for minutes; the next beat tick continues. On the mock transport (without ``ALLOW_MOCK``) the
task fails with ``ImproperlyConfigured`` at every tick and the rows stay pending (relay.py).
"""

from __future__ import annotations

import logging

from celery import shared_task

from wanzo_common.events.relay import prune_outbox, relay_pending, update_outbox_gauges
from wanzo_common.events.transports import DeliveryError

logger = logging.getLogger(__name__)


@shared_task(name="wanzo_events.relay_outbox", ignore_result=True)
def relay_outbox_task(batch: int | None = None, max_batches: int = 20) -> int:
    try:
        sent = relay_pending(batch=batch, max_batches=max_batches)
    except DeliveryError as exc:
        # The rows stay pending; the next beat tick retries. Not a task failure worth a trace.
        logger.warning("outbox relay task: broker did not acknowledge (%s)", type(exc).__name__)
        sent = 0
    update_outbox_gauges()
    return sent


@shared_task(name="wanzo_events.prune_outbox", ignore_result=True)
def prune_outbox_task() -> int:
    return prune_outbox()


@shared_task(name="wanzo_events.prune_inbox", ignore_result=True)
def prune_inbox_task() -> int:
    """Inbox rows only matter while a redelivery is possible: keep them INBOX_RETENTION_DAYS."""
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.models import InboxEvent

    return InboxEvent.objects.prune(days=app_settings.INBOX_RETENTION_DAYS)

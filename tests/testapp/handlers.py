"""Event handlers of the test app, found by ``registry.autodiscover()`` like any service's.

Their behaviour is driven by the event's subject so that tests (including ones running the
consumer in another process) can ask for a failure without touching the handler:
``fail-always-*`` always raises, ``fail-twice-*`` raises on its first two attempts,
``reject-*`` rejects the event, ``pause-*`` sleeps :data:`PAUSE` seconds first (holding its
batch's transaction open, for a test to kill the consumer mid-batch). Every successful run leaves
one ``Effect`` row.
``user.deleted`` also hands slow work to a Celery task, after the transaction commits.
``user.updated`` has no handler here: it is the "ignored" type.
"""

from __future__ import annotations

import time

from django.db import transaction

from tests.testapp.models import Effect
from wanzo_common.events.registry import RejectEvent, current_delivery, handler

PAUSE = 1.0


class HandlerFailure(RuntimeError):
    """What the test handlers raise when asked to fail."""


def _group() -> str:
    delivery = current_delivery()
    return delivery.group if delivery else ""


def _maybe_fail(subject: str) -> None:
    delivery = current_delivery()
    attempt = delivery.attempt if delivery else 1
    if subject.startswith("fail-always-"):
        raise HandlerFailure(f"asked to fail (attempt {attempt})")
    if subject.startswith("fail-twice-") and attempt <= 2:
        raise HandlerFailure(f"asked to fail twice (attempt {attempt})")
    if subject.startswith("reject-"):
        raise RejectEvent("asked to reject")
    if subject.startswith("pause-"):
        time.sleep(PAUSE)


@handler("user.created")
def record_user_created(event) -> None:
    subject = event.subject or ""
    _maybe_fail(subject)
    Effect.objects.create(group=_group(), event_id=event.id, type=event.type, subject=subject)


@handler("user.deleted")
def record_user_deleted(event) -> None:
    from tests.testapp.tasks import record_slow_effect

    group = _group()
    Effect.objects.create(
        group=group, event_id=event.id, type=event.type, subject=event.subject or ""
    )
    transaction.on_commit(
        lambda: record_slow_effect.delay(group=group, event_id=event.id, type_name=event.type)
    )

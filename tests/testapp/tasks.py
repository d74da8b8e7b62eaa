"""A Celery task the test handlers hand slow work to."""

from __future__ import annotations

from celery import shared_task

import tests.testapp.celery_app  # noqa: F401  (loads the project's app, as a service's __init__ does)
from tests.testapp.models import Effect


@shared_task(name="tests.testapp.record_slow_effect")
def record_slow_effect(*, group: str, event_id: str, type_name: str) -> None:
    Effect.objects.create(group=group, event_id=event_id, type=type_name, note="task")

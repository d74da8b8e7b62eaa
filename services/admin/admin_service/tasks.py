"""Celery tasks of the admin service.

``ping`` does nothing: it proves that a worker receives and runs the service's tasks (the
Celery integration tests count it in ``celery_tasks_total``) and can serve as a smoke test
of a deployed worker (``celery -A admin_service call admin_service.tasks.ping``).
"""

from celery import shared_task


@shared_task(name="admin_service.tasks.ping")
def ping() -> str:
    return "pong"

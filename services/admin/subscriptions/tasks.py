"""Celery tasks of the subscriptions: thin, each calls one service function."""

from celery import shared_task

from . import services


@shared_task(name="subscriptions.expire_subscriptions")
def expire_subscriptions() -> int:
    """Expire subscriptions past their end date (scheduled by ``CELERY_BEAT_SCHEDULE``)."""
    return services.subscriptions_expire_due()

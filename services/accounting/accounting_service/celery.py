"""The accounting service's Celery app: ``celery -A accounting_service worker``."""

from wanzo_common.celery import make_celery_app

app = make_celery_app("accounting")

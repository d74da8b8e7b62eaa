"""The auth service's Celery app: ``celery -A auth_service worker``."""

from wanzo_common.celery import make_celery_app

app = make_celery_app("auth")

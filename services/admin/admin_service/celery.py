"""The admin service's Celery app: ``celery -A admin_service worker``."""

from wanzo_common.celery import make_celery_app

app = make_celery_app("admin")

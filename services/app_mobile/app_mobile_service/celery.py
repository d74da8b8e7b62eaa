"""The app_mobile service's Celery app: ``celery -A app_mobile_service worker``."""

from wanzo_common.celery import make_celery_app

app = make_celery_app("app_mobile")
